"""The transport against the real HTTPS sandbox: auth, pooling, TLS, retries,
faults, redirects, threads and fork. Nothing here mocks requests."""

from __future__ import annotations

import base64
import gzip
import logging
import os
import socket
import threading
import time
import warnings
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import trustme

import chartmogul_compat as cm
from chartmogul_compat._config import transport_for
from chartmogul_compat._transport import USER_AGENT, Transport
from chartmogul_compat.sandbox import (
    DropConnection,
    Interim,
    InvalidJSON,
    RateLimited,
    Respond,
    Sandbox,
    ServerFailure,
    Slow,
    Trickle,
)

UNAUTHORIZED = b'{"code":401,"message":"No valid API key provided","param":null}'
WRONG_KEY = "cm_wrong_0123456789abcdef"


def _basic(key: str, password: str = "") -> str:
    return "Basic " + base64.b64encode(f"{key}:{password}".encode()).decode()


def _transport(config: cm.Config) -> Transport:
    return transport_for(config)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record retry sleeps instead of sleeping, for every Transport."""
    recorded: list[float] = []
    original = Transport.__init__

    def patched(self: Transport, config: cm.Config) -> None:
        original(self, config)
        self._retry.sleep = recorded.append

    monkeypatch.setattr(Transport, "__init__", patched)
    return recorded


def _only_pool(config: cm.Config) -> Any:
    """The single urllib3 connection pool behind ``config``."""
    pool = _transport(config)._pool
    assert pool is not None
    pools = pool.adapter.poolmanager.pools
    (key,) = pools.keys()
    return pools[key]


# --- the happy path ----------------------------------------------------------


def test_ping_returns_pong_with_a_modern_config(sandbox: Sandbox) -> None:
    with sandbox.config() as config:
        result = cm.Ping.ping(config).get()
    assert result == cm.Ping("pong!")
    assert result.data == "pong!"
    assert repr(result) == "<Ping{data='pong!'}>"


def test_ping_with_a_legacy_config_sends_one_key_and_an_empty_password(
    sandbox: Sandbox,
) -> None:
    with pytest.warns(cm.LegacyCredentialsWarning):
        config = cm.Config(  # type: ignore[deprecated]
            sandbox.api_key,
            sandbox.api_key,
            base_url=sandbox.base_url,
            ca_bundle=sandbox.ca_bundle,
        )
    with config:
        assert cm.Ping.ping(config).get().data == "pong!"

    (request,) = sandbox.requests
    assert request.method == "GET"
    assert request.path == "/v1/ping"
    assert request.headers["authorization"] == _basic(sandbox.api_key)
    assert (
        request.headers["user-agent"]
        == USER_AGENT
        == f"chartmogul-compat/{cm.__version__}"
    )
    assert request.headers["accept"] == "application/json"


def test_mismatched_legacy_pair_sends_the_account_token(sandbox: Sandbox) -> None:
    with pytest.warns(cm.SecretKeyMismatchWarning):
        config = cm.Config(  # type: ignore[deprecated]
            sandbox.api_key,
            WRONG_KEY,
            base_url=sandbox.base_url,
            ca_bundle=sandbox.ca_bundle,
        )
    with config:
        assert cm.Ping.ping(config).get().data == "pong!"
    assert sandbox.requests[0].headers["authorization"] == _basic(sandbox.api_key)


def test_one_pooled_connection_serves_every_request(sandbox: Sandbox) -> None:
    with sandbox.config() as config:
        for _ in range(5):
            cm.Ping.ping(config).get()
        pool = _only_pool(config)
        assert pool.num_connections == 1
        assert pool.num_requests == 5


def test_close_releases_the_pool_and_the_next_request_reopens(sandbox: Sandbox) -> None:
    config = sandbox.config()
    cm.Ping.ping(config).get()
    first = _transport(config)._pool
    config.close()
    assert _transport(config)._pool is None
    cm.Ping.ping(config).get()
    assert _transport(config)._pool is not first
    config.close()


def test_netrc_does_not_replace_the_key(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {WRONG_KEY} password x\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with sandbox.config() as config:
        assert cm.Ping.ping(config).get().data == "pong!"
    assert sandbox.requests[0].headers["authorization"] == _basic(sandbox.api_key)


# --- error answers -----------------------------------------------------------


def test_wrong_key_is_an_authentication_error_like_the_official_one(
    sandbox: Sandbox,
) -> None:
    with sandbox.config(WRONG_KEY) as config:
        promise = cm.Ping.ping(config)
    assert promise.is_rejected
    with pytest.raises(cm.AuthenticationError) as caught:
        promise.get()

    error = caught.value
    assert error.args[0] == UNAUTHORIZED
    assert (error.status_code, error.code) == (401, 401)
    assert error.message == "No valid API key provided"
    assert str(error) == "HTTP 401: No valid API key provided"
    assert error.url == sandbox.base_url + "/v1/ping"
    # Chained from requests' error, as the official library raises it.
    assert isinstance(error.__cause__, requests.HTTPError)
    assert error.__cause__.response is not None
    assert error.__cause__.response.status_code == 401


def test_wrong_key_is_rejected_once_not_retried(sandbox: Sandbox) -> None:
    with sandbox.config(WRONG_KEY) as config, pytest.raises(cm.AuthenticationError):
        cm.Ping.ping(config).get()
    assert len(sandbox.requests) == 1


def test_unknown_path_is_not_found(sandbox: Sandbox) -> None:
    with sandbox.config() as config, pytest.raises(cm.NotFoundError) as caught:
        _transport(config).request_json("GET", "/no-such-thing", lambda body: body)
    assert caught.value.status_code == 404


def test_ping_rejects_a_non_config_at_once() -> None:
    with pytest.raises(cm.ConfigurationError) as caught:
        cm.Ping.ping("cm_live_5f0c2b9e8d7a41c3")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "Ping.ping() needs a chartmogul_compat.Config as its first argument, not "
        "str; build one with Config(api_key)"
    )


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (InvalidJSON(), "the API answered with a body that is not JSON"),
        (
            Respond(200, b'{"data": 5}', {"Content-Type": "application/json"}),
            'the ping answer has no string "data" field',
        ),
        (
            Respond(200, b"[]", {"Content-Type": "application/json"}),
            'the ping answer has no string "data" field',
        ),
    ],
    ids=["not-json", "data-not-a-string", "not-an-object"],
)
def test_a_200_with_the_wrong_body_is_an_invalid_response(
    sandbox: Sandbox, fault: InvalidJSON | Respond, message: str
) -> None:
    sandbox.inject(fault)
    with sandbox.config() as config, pytest.raises(cm.InvalidResponseError) as caught:
        cm.Ping.ping(config).get()
    assert caught.value.status_code == 200
    assert caught.value.message == message
    assert caught.value.args[0] != b""


def test_absurdly_nested_json_is_an_invalid_response(sandbox: Sandbox) -> None:
    body = b"[" * 100_000
    sandbox.inject(Respond(200, body, {"Content-Type": "application/json"}))
    with sandbox.config() as config, pytest.raises(cm.InvalidResponseError) as caught:
        cm.Ping.ping(config).get()
    assert caught.value.message == "the API answered with a body that is not JSON"
    assert caught.value.args[0] == body


def test_error_cause_keeps_the_response_but_not_the_key(sandbox: Sandbox) -> None:
    with sandbox.config(WRONG_KEY) as config, pytest.raises(cm.APIError) as caught:
        cm.Ping.ping(config).get()
    cause = caught.value.__cause__
    assert isinstance(cause, requests.HTTPError)
    assert cause.response is not None
    assert cause.response.content == UNAUTHORIZED
    assert cause.response.request.headers["Authorization"] == "[secure]"


def test_unknown_fields_in_the_ping_body_are_ignored(sandbox: Sandbox) -> None:
    body = b'{"data": "pong!", "added_later": {"x": 1}}'
    sandbox.inject(Respond(200, body, {"Content-Type": "application/json"}))
    with sandbox.config() as config:
        assert cm.Ping.ping(config).get() == cm.Ping("pong!")


# --- redirects ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "origin"),
    [
        ("http://127.0.0.1:1/v1/ping", "http://127.0.0.1:1"),
        ("https://evil.example/steal?x=1", "https://evil.example"),
        ("/v1/elsewhere", "another location"),
    ],
    ids=["plain-http", "other-host", "same-host"],
)
def test_redirects_are_not_followed(
    sandbox: Sandbox, location: str, origin: str
) -> None:
    sandbox.inject(Respond(302, b"", {"Location": location}))
    with sandbox.config() as config, pytest.raises(cm.RedirectError) as caught:
        cm.Ping.ping(config).get()
    assert caught.value.status_code == 302
    assert caught.value.message == (
        f"the API answered with a redirect (302) to {origin}, which is not "
        "followed so that the API key stays with base_url; check base_url"
    )
    assert len(sandbox.requests) == 1


# --- TLS and the CA bundle ---------------------------------------------------


def test_untrusted_certificate_is_a_tls_error_and_not_retried(
    sandbox: Sandbox, sleeps: list[float]
) -> None:
    # Default retries: a certificate that fails now fails on every retry.
    config = cm.Config(sandbox.api_key, base_url=sandbox.base_url)
    with config, pytest.raises(cm.TLSError) as caught:
        cm.Ping.ping(config).get()
    assert str(caught.value).startswith(f"TLS with {sandbox.base_url} failed: ")
    assert str(caught.value).endswith(
        "If the server uses a private CA (the sandbox, a proxy), give its PEM file "
        "as ca_bundle"
    )
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert sleeps == []
    assert sandbox.requests == []


@pytest.mark.parametrize(
    "variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"], ids=str.lower
)
def test_a_missing_environment_ca_bundle_is_a_tls_error(
    sandbox: Sandbox,
    sleeps: list[float],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    missing = tmp_path / "deleted.pem"
    monkeypatch.setenv(variable, str(missing))
    config = cm.Config(sandbox.api_key, base_url=sandbox.base_url)
    with config, pytest.raises(cm.TLSError) as caught:
        cm.Ping.ping(config).get()
    assert str(caught.value) == (
        f"TLS with {sandbox.base_url} could not start: Could not find a suitable "
        f"TLS CA certificate bundle, invalid path: {missing}. Check ca_bundle and "
        "the REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE variables"
    )
    assert sleeps == []


def test_a_ca_bundle_deleted_after_construction_is_a_tls_error(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    copy = tmp_path / "ca.pem"
    copy.write_bytes(Path(sandbox.ca_bundle).read_bytes())
    config = cm.Config(sandbox.api_key, base_url=sandbox.base_url, ca_bundle=copy)
    copy.unlink()
    with config, pytest.raises(cm.TLSError) as caught:
        cm.Ping.ping(config).get()
    assert str(caught.value).startswith(f"TLS with {sandbox.base_url} could not start")


def test_ca_bundle_wins_over_the_environment(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A CI image's bundle that does not hold the sandbox's CA.
    unrelated = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(unrelated))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(unrelated))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(unrelated))

    with sandbox.config() as config:
        assert cm.Ping.ping(config).get().data == "pong!"


def test_without_ca_bundle_the_environment_bundle_applies(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox.ca_bundle)
    config = cm.Config(sandbox.api_key, base_url=sandbox.base_url)
    with config:
        assert cm.Ping.ping(config).get().data == "pong!"


def test_proxy_variables_are_honoured(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed_port}")
    with (
        sandbox.config(max_retries=0) as config,
        pytest.raises(cm.ConnectError) as caught,
    ):
        cm.Ping.ping(config).get()
    assert str(caught.value) == (
        f"could not reach {sandbox.base_url} through the proxy set in the "
        "environment (HTTPS_PROXY): Failed to establish a new connection: "
        "[Errno 111] Connection refused"
    )
    assert sandbox.requests == []


def test_no_proxy_for_the_host_bypasses_the_proxy(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("NO_PROXY", "example.com,127.0.0.1")
    with sandbox.config(max_retries=0) as config:
        assert cm.Ping.ping(config).get().data == "pong!"
    assert len(sandbox.requests) == 1


def test_the_environment_is_read_when_the_pool_opens(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    with sandbox.config(max_retries=0) as config:
        assert cm.Ping.ping(config).get().data == "pong!"

        # Set after the first request: this pool keeps going direct.
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed_port}")
        assert cm.Ping.ping(config).get().data == "pong!"

        # The next pool reads it.
        config.close()
        with pytest.raises(cm.ConnectError) as caught:
            cm.Ping.ping(config).get()
    assert "through the proxy set in the environment" in str(caught.value)
    assert len(sandbox.requests) == 2


# --- what each request carries -----------------------------------------------


def test_an_error_redacts_its_own_request_not_the_next_one(sandbox: Sandbox) -> None:
    sandbox.inject(ServerFailure(503))
    with sandbox.config(max_retries=0) as config:
        with pytest.raises(cm.ServerError) as caught:
            cm.Ping.ping(config).get()
        assert cm.Ping.ping(config).get().data == "pong!"

    cause = caught.value.__cause__
    assert isinstance(cause, requests.HTTPError)
    assert cause.response is not None
    assert cause.response.request.headers["Authorization"] == "[secure]"
    assert [r.headers["authorization"] for r in sandbox.requests] == [
        _basic(sandbox.api_key)
    ] * 2


def test_query_parameters_are_encoded_per_request(sandbox: Sandbox) -> None:
    with sandbox.config() as config:
        transport = _transport(config)
        for params in ({"q": "a b", "page": 2}, {"q": "é&"}, None):
            with pytest.raises(cm.NotFoundError):
                transport.request_json("GET", "/search", dict, params=params)
    assert [r.path for r in sandbox.requests] == [
        "/v1/search?q=a+b&page=2",
        "/v1/search?q=%C3%A9%26",
        "/v1/search",
    ]


def test_prepared_requests_are_kept_for_a_bounded_number_of_paths(
    sandbox: Sandbox,
) -> None:
    with sandbox.config() as config:
        transport = _transport(config)
        for number in range(70):
            with pytest.raises(cm.NotFoundError):
                transport.request_json("GET", f"/items/{number}", dict)
        assert transport._pool is not None
        assert len(transport._pool._prepared) == 64
    assert sandbox.requests[-1].path == "/v1/items/69"
    assert len(sandbox.requests) == 70


def test_cookies_the_server_sets_are_not_sent_back(sandbox: Sandbox) -> None:
    headers = {"Content-Type": "application/json", "Set-Cookie": "lb=node-7; Path=/"}
    sandbox.inject(Respond(200, b'{"data":"pong!"}', headers))
    with sandbox.config() as config:
        cm.Ping.ping(config).get()
        cm.Ping.ping(config).get()
    assert ["cookie" in r.headers for r in sandbox.requests] == [False, False]


# --- connection failures and timeouts ----------------------------------------


def test_closed_port_is_a_connect_error(closed_port: int) -> None:
    port = closed_port
    config = cm.Config(
        "cm_live_5f0c2b9e8d7a41c3", base_url=f"https://127.0.0.1:{port}", max_retries=0
    )
    with config, pytest.raises(cm.ConnectError) as caught:
        cm.Ping.ping(config).get()
    assert str(caught.value) == (
        f"could not reach https://127.0.0.1:{port}: Failed to establish a new "
        "connection: [Errno 111] Connection refused"
    )
    assert isinstance(caught.value.__cause__, requests.ConnectionError)


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_a_server_that_never_answers_is_a_timeout(silent_listener: int) -> None:
    config = cm.Config(
        "cm_live_5f0c2b9e8d7a41c3",
        0.3,
        0,
        base_url=f"https://127.0.0.1:{silent_listener}",
    )
    with config, pytest.raises(cm.RequestTimeout) as caught:
        cm.Ping.ping(config).get()
    assert str(caught.value) == (
        f"https://127.0.0.1:{silent_listener} sent no answer within 0.3 s "
        "(read timeout)"
    )


def test_a_slow_answer_past_the_read_timeout_is_a_timeout(sandbox: Sandbox) -> None:
    sandbox.inject(Slow(5))
    config = sandbox.config(request_timeout=0.3, max_retries=0)
    with config, pytest.raises(cm.RequestTimeout) as caught:
        cm.Ping.ping(config).get()
    assert str(caught.value).endswith("sent no answer within 0.3 s (read timeout)")


def test_a_slow_answer_within_the_timeout_succeeds(sandbox: Sandbox) -> None:
    sandbox.inject(Slow(0.2))
    with sandbox.config(request_timeout=5) as config:
        assert cm.Ping.ping(config).get().data == "pong!"


def test_a_trickled_body_is_cut_off_at_the_read_timeout(
    sandbox: Sandbox, sleeps: list[float]
) -> None:
    # 16 bytes at 0.1 s each: every read is quick, the whole takes 1.6 s.
    sandbox.inject(Trickle(0.1))
    started = time.monotonic()
    config = sandbox.config(request_timeout=0.5, max_retries=0)
    with config, pytest.raises(cm.RequestTimeout) as caught:
        cm.Ping.ping(config).get()
    assert time.monotonic() - started < 1.5
    assert str(caught.value) == (
        f"{sandbox.base_url} did not finish its answer within 0.5 s (read timeout)"
    )


def test_a_body_that_stalls_after_the_headers_is_a_timeout(sandbox: Sandbox) -> None:
    sandbox.inject(Trickle(30))
    config = sandbox.config(request_timeout=0.3, max_retries=0)
    with config, pytest.raises(cm.RequestTimeout) as caught:
        cm.Ping.ping(config).get()
    assert str(caught.value) == (
        f"{sandbox.base_url} did not finish its answer within 0.3 s (read timeout)"
    )


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [("gzip", gzip.compress), ("deflate", zlib.compress)],
    ids=["gzip", "deflate"],
)
def test_compressed_answers_are_decoded(
    sandbox: Sandbox, encoding: str, compress: Callable[[bytes], bytes]
) -> None:
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
    sandbox.inject(
        Respond(200, compress(b'{"data":"pong!"}'), headers),
        Respond(401, compress(UNAUTHORIZED), headers),
    )
    with sandbox.config() as config:
        assert cm.Ping.ping(config).get() == cm.Ping("pong!")
        with pytest.raises(cm.AuthenticationError) as caught:
            cm.Ping.ping(config).get()
        assert _only_pool(config).num_connections == 1
    assert caught.value.body == UNAUTHORIZED
    assert caught.value.message == "No valid API key provided"


def test_an_interim_answer_fails_and_its_connection_is_not_reused(
    sandbox: Sandbox,
) -> None:
    # The 200 that follows the 103 is left unread; were the connection
    # pooled, the next request would read that 200 instead of its own 429.
    sandbox.inject(Interim(), RateLimited("0"))
    with sandbox.config(max_retries=0) as config:
        with pytest.raises(cm.TransportError) as caught:
            cm.Ping.ping(config).get()
        assert str(caught.value) == (
            f"{sandbox.base_url} sent an interim answer (HTTP 103) that this "
            "client does not handle"
        )
        with pytest.raises(cm.RateLimitError):
            cm.Ping.ping(config).get()
        assert cm.Ping.ping(config).get().data == "pong!"


def test_connections_are_reused_across_error_answers(sandbox: Sandbox) -> None:
    sandbox.inject(
        RateLimited("0"),
        ServerFailure(500),
        Respond(302, b"moved", {"Location": "/elsewhere"}),
        InvalidJSON(),
    )
    with sandbox.config(max_retries=0) as config:
        for _ in range(4):
            with pytest.raises(cm.APIError):
                cm.Ping.ping(config).get()
        assert cm.Ping.ping(config).get().data == "pong!"
        pool = _only_pool(config)
        assert (pool.num_connections, pool.num_requests) == (1, 5)


def test_timeouts_are_retried(sandbox: Sandbox, sleeps: list[float]) -> None:
    sandbox.inject(Slow(5))
    with sandbox.config(request_timeout=0.3, backoff_factor=0) as config:
        assert cm.Ping.ping(config).get().data == "pong!"
    assert sleeps == [0.0]


def test_a_dropped_connection_is_retried(sandbox: Sandbox, sleeps: list[float]) -> None:
    sandbox.inject(DropConnection())
    with sandbox.config(backoff_factor=0) as config:
        assert cm.Ping.ping(config).get().data == "pong!"
    assert len(sandbox.requests) == 2
    assert sleeps == [0.0]


def test_a_dropped_connection_without_retries_is_a_connect_error(
    sandbox: Sandbox,
) -> None:
    sandbox.inject(DropConnection())
    with (
        sandbox.config(max_retries=0) as config,
        pytest.raises(cm.ConnectError) as caught,
    ):
        cm.Ping.ping(config).get()
    assert str(caught.value) == (
        f"could not reach {sandbox.base_url}: Remote end closed connection without "
        "response"
    )


# --- retries -----------------------------------------------------------------


def test_rate_limit_is_retried_after_the_seconds_asked(
    sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(RateLimited("3"), RateLimited("1"))
    with sandbox.config() as config:
        assert cm.Ping.ping(config).get().data == "pong!"
    assert sleeps == [3.0, 1.0]
    assert len(sandbox.requests) == 3


def test_rate_limit_retry_after_date_is_honoured(
    sandbox: Sandbox, sleeps: list[float]
) -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=20)
    sandbox.inject(RateLimited(format_datetime(when, usegmt=True)))
    with sandbox.config() as config:
        assert cm.Ping.ping(config).get().data == "pong!"
    (slept,) = sleeps
    assert 17 <= slept <= 20


def test_retry_after_past_the_budget_fails_at_once(
    sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(RateLimited("120"))
    config = sandbox.config(retry_budget=10)
    with config, pytest.raises(cm.RateLimitError) as caught:
        cm.Ping.ping(config).get()
    assert caught.value.retry_after == 120.0
    assert caught.value.status_code == 429
    assert caught.value.message == "Your request rate has exceeded our rate limit."
    assert sleeps == []
    assert len(sandbox.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504, 520, 524], ids=str)
def test_server_errors_are_retried_then_raised_typed(
    sandbox: Sandbox, sleeps: list[float], status: int
) -> None:
    sandbox.inject(*[ServerFailure(status)] * 3)
    config = sandbox.config(max_retries=2)
    with config, pytest.raises(cm.ServerError) as caught:
        cm.Ping.ping(config).get()
    assert caught.value.status_code == status
    assert (
        caught.value.message == "the server answered with an HTML page instead of JSON"
    )
    assert caught.value.args[0].startswith(b"<html>")
    assert len(sandbox.requests) == 3
    # Jittered exponential backoff from backoff_factor=2: [1, 2) then [2, 4).
    assert len(sleeps) == 2
    assert 1 <= sleeps[0] < 2
    assert 2 <= sleeps[1] < 4


def test_rate_limit_exhaustion_is_a_rate_limit_error_not_retry_error(
    sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(*[RateLimited("0")] * 4)
    config = sandbox.config(max_retries=3)
    with config, pytest.raises(cm.RateLimitError) as caught:
        cm.Ping.ping(config).get()
    assert caught.value.retry_after == 0.0
    assert sleeps == [0.0, 0.0, 0.0]
    assert len(sandbox.requests) == 4


def test_a_recovering_server_answers_after_retries(
    sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(ServerFailure(503), ServerFailure(502))
    with sandbox.config(backoff_factor=0) as config:
        assert cm.Ping.ping(config).get().data == "pong!"
    assert sleeps == [0.0, 0.0]


def test_non_idempotent_methods_are_never_retried(
    sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(ServerFailure(503), ServerFailure(503))
    with sandbox.config() as config, pytest.raises(cm.ServerError):
        _transport(config).request_json("POST", "/ping", lambda body: body)
    assert sleeps == []
    assert len(sandbox.requests) == 1


def test_an_unreadable_retry_after_falls_back_to_backoff(
    sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(RateLimited("\u00b2"), RateLimited("soon"))
    with sandbox.config(backoff_factor=0) as config:
        assert cm.Ping.ping(config).get().data == "pong!"
    assert sleeps == [0.0, 0.0]


def test_a_retry_after_close_uses_a_fresh_pool(sandbox: Sandbox) -> None:
    config = sandbox.config(backoff_factor=0)
    cm.Ping.ping(config).get()
    transport = _transport(config)
    # close() from another thread while a request waits to retry.
    transport._retry.sleep = lambda seconds: config.close()
    sandbox.inject(ServerFailure(503))
    assert cm.Ping.ping(config).get().data == "pong!"
    assert _only_pool(config).num_requests == 1
    config.close()


def test_max_retries_zero_turns_retries_off(
    sandbox: Sandbox, sleeps: list[float]
) -> None:
    sandbox.inject(RateLimited("0"))
    with sandbox.config(max_retries=0) as config, pytest.raises(cm.RateLimitError):
        cm.Ping.ping(config).get()
    assert sleeps == []


def test_real_sleep_honours_a_short_retry_after(sandbox: Sandbox) -> None:
    sandbox.inject(RateLimited("1"))
    started = time.monotonic()
    with sandbox.config() as config:
        assert cm.Ping.ping(config).get().data == "pong!"
    assert time.monotonic() - started >= 1.0


# --- logging -----------------------------------------------------------------


def test_debug_log_has_one_line_per_request_and_per_retry(
    sandbox: Sandbox, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.inject(RateLimited("0"))
    caplog.set_level(logging.DEBUG, logger="chartmogul_compat")
    with sandbox.config() as config:
        cm.Ping.ping(config).get()

    lines = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert [line[:2] for line in lines] == [("chartmogul_compat", logging.DEBUG)] * 3
    assert lines[0][2].startswith("GET /v1/ping -> 429 in ")
    assert lines[0][2].endswith(" ms (retries: 0)")
    assert (
        lines[1][2] == "retrying GET /v1/ping in 0.00 s after HTTP 429 (retry 1 of 20)"
    )
    assert lines[2][2].startswith("GET /v1/ping -> 200 in ")
    assert lines[2][2].endswith(" ms (retries: 1)")


def test_package_logger_has_a_null_handler() -> None:
    handlers = logging.getLogger("chartmogul_compat").handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers)


# --- threads and fork --------------------------------------------------------


def test_sixteen_threads_share_one_config(sandbox: Sandbox) -> None:
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    with sandbox.config() as config:

        def work() -> None:
            try:
                for _ in range(20):
                    data = cm.Ping.ping(config).get().data
                    with lock:
                        results.append(data)
            except BaseException as error:  # reported below
                with lock:
                    errors.append(error)

        threads = [threading.Thread(target=work) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        pool = _only_pool(config)

    assert errors == []
    assert results == ["pong!"] * 320
    assert pool.num_requests == 320
    assert pool.num_connections <= 16


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX-only")
def test_a_forked_child_opens_its_own_pool(sandbox: Sandbox) -> None:
    config = sandbox.config()
    cm.Ping.ping(config).get()
    parent_pool = _transport(config)._pool
    read_end, write_end = os.pipe()

    with warnings.catch_warnings():
        # 3.12+ warns that forking a threaded process (the sandbox's) is risky;
        # the child only uses this config, which is what is under test.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()

    if pid == 0:  # pragma: no cover - runs in the child
        status = 1
        try:
            data = cm.Ping.ping(config).get().data
            fresh = _transport(config)._pool is not parent_pool
            os.write(write_end, f"{data} {fresh}".encode())
            status = 0
        finally:
            os._exit(status)

    os.close(write_end)
    _, wait_status = os.waitpid(pid, 0)
    child_said = os.read(read_end, 100).decode()
    os.close(read_end)

    assert os.waitstatus_to_exitcode(wait_status) == 0
    assert child_said == "pong! True"
    # The parent's pool still works after the child used its own.
    assert cm.Ping.ping(config).get().data == "pong!"
    assert _transport(config)._pool is parent_pool
    config.close()
