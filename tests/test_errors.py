"""The error tree and how error bodies are read."""

from __future__ import annotations

import pickle

import pytest

import chartmogul_compat as cm
from chartmogul_compat._errors import error_for_status

UNAUTHORIZED = b'{"code":401,"message":"No valid API key provided","param":null}'


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, cm.AuthenticationError),
        (403, cm.AuthenticationError),
        (404, cm.NotFoundError),
        (429, cm.RateLimitError),
        (500, cm.ServerError),
        (503, cm.ServerError),
        (520, cm.ServerError),
        (524, cm.ServerError),
        (302, cm.RedirectError),
        (400, cm.APIError),
        (422, cm.APIError),
    ],
    ids=str,
)
def test_error_for_status_picks_the_subclass(status: int, cls: type) -> None:
    error = error_for_status(status, b"")
    assert type(error) is cls
    assert error.status_code == status


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (UNAUTHORIZED, 401, "No valid API key provided"),
        (b'{"error":"Data source not found"}', None, "Data source not found"),
        (
            b'{"errors":{"name":"A name is required for each data source."}}',
            None,
            '{"name": "A name is required for each data source."}',
        ),
        (b"500 Internal Server Error", None, "500 Internal Server Error"),
        (
            b"<html><body><h1>502 Bad Gateway</h1></body></html>",
            None,
            "the server answered with an HTML page instead of JSON",
        ),
        (b"", None, "Unauthorized"),
        (b"[1, 2]", None, "[1, 2]"),
        (b'{"code": true}', None, "Unauthorized"),
        (b"\xff\xfe", None, "\ufffd\ufffd"),
    ],
    ids=[
        "official-401",
        "error-field",
        "errors-object",
        "plain-text",
        "html",
        "empty",
        "json-list",
        "bool-code",
        "not-utf8",
    ],
)
def test_api_error_parses_every_body_shape(
    body: bytes, code: object, message: str
) -> None:
    error = error_for_status(401, body)
    assert error.args[0] == body
    assert error.body == body
    assert error.code == code
    assert error.message == message


def test_api_error_str_and_repr_show_status_and_message_only() -> None:
    error = error_for_status(401, UNAUTHORIZED, url="https://api.example/v1/ping")
    assert str(error) == "HTTP 401: No valid API key provided"
    assert repr(error) == (
        "AuthenticationError(status_code=401, message='No valid API key provided')"
    )


def test_rate_limit_error_says_how_long_to_wait() -> None:
    error = error_for_status(429, b'{"message":"slow down"}', retry_after=3600.0)
    assert str(error) == "HTTP 429: slow down (the server asks to wait 3600 s)"


def test_absurdly_nested_error_body_is_summarised_not_a_crash() -> None:
    error = error_for_status(400, b"[" * 100_000)
    assert error.message == "[" * 197 + "..."


def test_api_error_long_messages_are_truncated() -> None:
    error = error_for_status(500, b"x" * 1000)
    assert error.message == "x" * 197 + "..."


def test_api_error_without_status_says_what_it_can() -> None:
    assert str(cm.APIError(b"")) == "the API request failed"
    error = cm.APIError(b"raw")
    assert str(error) == "raw"
    assert error.args == (b"raw",)


@pytest.mark.parametrize(
    "error",
    [
        cm.RateLimitError(b"{}", status_code=429, retry_after=2.0, url="https://x/v1"),
        cm.APIError(UNAUTHORIZED, status_code=401),
        cm.ConnectError("could not reach https://x: refused", url="https://x/v1"),
        cm.ConfigurationError("api_key is empty"),
    ],
    ids=["rate-limit", "api", "connect", "config"],
)
def test_errors_survive_pickling(error: Exception) -> None:
    clone = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(clone) is type(error)
    assert clone.args == error.args
    assert str(clone) == str(error)
    for attribute in ("status_code", "message", "retry_after", "url", "code"):
        assert getattr(clone, attribute, None) == getattr(error, attribute, None)


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (cm.ConfigurationError, (cm.ChartMogulError, ValueError)),
        (cm.ArgumentMissingError, (cm.ConfigurationError,)),
        (cm.DeprecatedArgumentError, (cm.ConfigurationError,)),
        (cm.APIError, (cm.ChartMogulError,)),
        (cm.AuthenticationError, (cm.APIError,)),
        (cm.NotFoundError, (cm.APIError,)),
        (cm.RateLimitError, (cm.APIError,)),
        (cm.ServerError, (cm.APIError,)),
        (cm.RedirectError, (cm.APIError,)),
        (cm.InvalidResponseError, (cm.APIError,)),
        (cm.TransportError, (cm.ChartMogulError,)),
        (cm.ConnectError, (cm.TransportError,)),
        (cm.TLSError, (cm.TransportError,)),
        (cm.RequestTimeout, (cm.TransportError,)),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_error_tree_matches_the_documented_one(
    cls: type, bases: tuple[type, ...]
) -> None:
    assert cls.__bases__ == bases
