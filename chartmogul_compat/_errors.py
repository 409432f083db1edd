"""The exceptions this package raises.

Every exception derives from one base, so ``except ChartMogulError`` catches
anything the package raises on purpose. The official library's names
(``APIError``, ``ConfigurationError``, ``ArgumentMissingError``,
``DeprecatedArgumentError``) keep their meaning, so ``except`` clauses in old
integrations still match::

    ChartMogulError
    ├── ConfigurationError (ValueError)     bad key, URL, timeout or Config
    │   ├── ArgumentMissingError            a required argument was not given
    │   └── DeprecatedArgumentError         (official name; via the bridge only)
    ├── APIError                            the API answered, but not with success
    │   ├── AuthenticationError             401, 403
    │   ├── NotFoundError                   404
    │   ├── RateLimitError                  429, with ``retry_after``
    │   ├── ServerError                     5xx, 520, 524
    │   ├── RedirectError                   3xx that is not followed
    │   └── InvalidResponseError            2xx whose body is not what was expected
    └── TransportError                      no HTTP answer at all
        ├── ConnectError                    refused, reset, DNS, proxy
        ├── TLSError                        certificate or handshake failure
        └── RequestTimeout                  connect or read timed out

No exception carries a credential: messages are built from statuses, error
codes, server messages and URLs without user information.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "APIError",
    "ArgumentMissingError",
    "AuthenticationError",
    "ChartMogulError",
    "ConfigurationError",
    "ConnectError",
    "DeprecatedArgumentError",
    "InvalidResponseError",
    "NotFoundError",
    "RateLimitError",
    "RedirectError",
    "RequestTimeout",
    "ServerError",
    "TLSError",
    "TransportError",
    "error_class_for_status",
    "error_for_status",
    "linked_errors",
    "without_tracebacks",
]


class ChartMogulError(Exception):
    """Base class of every exception this package raises on purpose."""


class ConfigurationError(ChartMogulError, ValueError):
    """A value given to `Config` (or in its place) cannot work.

    The message names the parameter and the fix, never the value.
    """


class ArgumentMissingError(ConfigurationError):
    """A required argument was not given."""


class DeprecatedArgumentError(ConfigurationError):
    """An argument was given that the API no longer accepts.

    The official library's name, kept so that old ``except`` clauses match.
    The shim itself never raises it; the bridge re-raises the official
    library's own (4.x) as a class that is both.
    """


# Longest server message kept in an exception's text; a huge HTML error page
# would otherwise flood logs and terminals.
_MAX_MESSAGE_CHARS = 200


class APIError(ChartMogulError):
    """The API answered, but not with the success that was asked for.

    As in the official library, ``args[0]`` is the raw response body as
    ``bytes``. The parsed parts are attributes:

    - ``status_code``: the HTTP status (``None`` only for errors built by hand).
    - ``code`` and ``message``: from a JSON body such as
      ``{"code": 401, "message": "No valid API key provided"}``, else ``None``
      and a short summary of the body.
    - ``retry_after``: seconds the server asked to wait (429 and 503), or
      ``None``.
    - ``url``: the request URL, which never holds a credential.
    """

    status_code: int | None
    code: int | str | None
    message: str
    retry_after: float | None
    url: str | None

    def __init__(
        self,
        body: bytes = b"",
        *,
        status_code: int | None = None,
        message: str | None = None,
        retry_after: float | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(body)
        self.status_code = status_code
        self.retry_after = retry_after
        self.url = url

        parsed_code, parsed_message = _parse_error_body(body)
        self.code = parsed_code
        self.message = message or parsed_message or _describe_status(status_code)

    @property
    def body(self) -> bytes:
        """The raw response body (the same object as ``args[0]``)."""
        body: bytes = self.args[0]
        return body

    def __str__(self) -> str:
        if self.status_code is None:
            return self.message
        return f"HTTP {self.status_code}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, "
            f"message={self.message!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor arguments do not survive the default
        # exception pickling, which replays ``args`` alone.
        state = {
            "status_code": self.status_code,
            "message": self.message,
            "retry_after": self.retry_after,
            "url": self.url,
        }
        return (_rebuild_api_error, (type(self), self.body, state))


def _rebuild_api_error(
    cls: type[APIError], body: bytes, state: dict[str, Any]
) -> APIError:
    return cls(body, **state)


class AuthenticationError(APIError):
    """401 or 403: the key is wrong, revoked, or lacks access."""


class NotFoundError(APIError):
    """404: the path or the resource does not exist."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` says how long to wait."""

    def __str__(self) -> str:
        text = super().__str__()
        if self.retry_after is None:
            return text
        return f"{text} (the server asks to wait {self.retry_after:g} s)"


class ServerError(APIError):
    """5xx (and Cloudflare's 520 and 524): the API failed to answer."""


class RedirectError(APIError):
    """A redirect was not followed, so credentials stay on the API's origin."""


class InvalidResponseError(APIError):
    """A success status whose body is not the JSON that was expected."""


class TransportError(ChartMogulError):
    """No HTTP answer came back: the request never completed.

    ``url`` is the request URL (never with credentials); the underlying
    ``requests`` exception is kept as ``__cause__``.
    """

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_transport_error, (type(self), self.args[0], self.url))


def _rebuild_transport_error(
    cls: type[TransportError], message: str, url: str | None
) -> TransportError:
    return cls(message, url=url)


class ConnectError(TransportError):
    """The connection could not be made or was cut before an answer."""


class TLSError(TransportError):
    """TLS failed: an untrusted certificate, a wrong host name, a bad handshake."""


class RequestTimeout(TransportError):
    """Connecting or waiting for the answer took longer than the timeout."""


def error_class_for_status(status_code: int) -> type[APIError]:
    """The `APIError` subclass that matches an HTTP status."""
    if status_code in (401, 403):
        return AuthenticationError
    if status_code == 404:
        return NotFoundError
    if status_code == 429:
        return RateLimitError
    if status_code >= 500:
        return ServerError
    if 300 <= status_code < 400:
        return RedirectError
    return APIError


def error_for_status(
    status_code: int,
    body: bytes,
    *,
    url: str | None = None,
    retry_after: float | None = None,
) -> APIError:
    """Build the `APIError` subclass that matches an HTTP status."""
    cls = error_class_for_status(status_code)
    return cls(body, status_code=status_code, url=url, retry_after=retry_after)


def _parse_error_body(body: bytes) -> tuple[int | str | None, str | None]:
    """Return ``(code, message)`` from an error body, whatever its shape.

    The API's bodies are not uniform: ``{"code", "message"}`` for 401 and 400,
    ``{"error": ...}`` for some 404s, ``{"errors": {...}}`` for 422, and plain
    text or HTML from the load balancer for 5xx.
    """
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return None, None

    import json  # deferred: error paths are rare, and import time counts

    try:
        document = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return None, _summarise_text(text)

    if not isinstance(document, dict):
        return None, _summarise_text(text)

    code = document.get("code")
    if not isinstance(code, (int, str)) or isinstance(code, bool):
        code = None

    for field in ("message", "error", "errors"):
        value = document.get(field)
        if isinstance(value, str) and value:
            return code, _truncate(value)
        if isinstance(value, (dict, list)) and value:
            return code, _truncate(json.dumps(value, sort_keys=True))
    return code, None


def _summarise_text(text: str) -> str:
    # An HTML page says little in its first characters; say what it is.
    if text.lstrip().startswith("<"):
        return "the server answered with an HTML page instead of JSON"
    return _truncate(" ".join(text.split()))


def _truncate(text: str) -> str:
    if len(text) <= _MAX_MESSAGE_CHARS:
        return text
    return text[: _MAX_MESSAGE_CHARS - 3] + "..."


def _describe_status(status_code: int | None) -> str:
    if status_code is None:
        return "the API request failed"
    from http import HTTPStatus  # only needed on this rare path

    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "unexpected status"


def linked_errors(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every error reachable from it, each once.

    Through ``__cause__``, ``__context__``, urllib3's ``reason`` and errors
    passed as arguments (requests wraps urllib3's errors that way).
    """
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current

        linked = [
            current.__cause__,
            current.__context__,
            getattr(current, "reason", None),
        ]
        linked.extend(current.args)
        pending.extend(item for item in linked if isinstance(item, BaseException))


def without_tracebacks(error: BaseException) -> BaseException:
    """``error``, with its traceback and those of the errors linked to it dropped.

    For errors raised through frames that held a credential as a local
    variable, which a traceback printed with locals would show; the messages
    say what went wrong and never show it.
    """
    for linked in linked_errors(error):
        linked.__traceback__ = None
    return error
