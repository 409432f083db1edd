"""The HTTPS transport under every request: requests, pooled, retried.

Imported on the first request, not with the package, because ``requests``
takes longer to import than everything else here together.

Each `Config` owns one `Transport`, and each transport one
``requests.Session`` (one connection pool), opened on first use and opened
again in a forked child: a pooled TLS socket shared with the parent would
interleave both processes' bytes.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, TypeVar
from urllib.parse import urlsplit

import requests
import requests.auth
from requests.adapters import HTTPAdapter

from ._errors import (
    APIError,
    ConnectError,
    InvalidResponseError,
    RequestTimeout,
    TLSError,
    TransportError,
    error_for_status,
)
from ._retry import IDEMPOTENT_METHODS, RETRY_STATUSES, RetryPolicy, parse_retry_after
from ._version import __version__

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._config import Config

__all__ = ["USER_AGENT", "Transport"]

T = TypeVar("T")

log = logging.getLogger("chartmogul_compat")
log.addHandler(logging.NullHandler())

USER_AGENT = f"chartmogul-compat/{__version__}"

# ChartMogul answers 503 past 20 parallel connections, so a larger pool would
# only hold connections the API refuses.
_POOL_SIZE = 20


class Transport:
    """Sends requests for one `Config` and turns answers into data or errors."""

    __slots__ = (
        "_auth",
        "_lock",
        "_path_prefix",
        "_pid",
        "_retry",
        "_session",
        "_timeout",
        "_uri",
        "_verify",
    )

    def __init__(self, config: Config) -> None:
        self._uri = config.uri
        self._path_prefix = urlsplit(config.uri).path  # for log lines
        self._timeout = config.timeout
        # An explicit CA bundle is passed per request: requests lets
        # REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE override a session's `verify`
        # but not a request's. Without one, True lets those variables apply.
        self._verify: str | bool = config.ca_bundle or True
        self._retry = RetryPolicy(
            config.max_retries, config.backoff_factor, config.retry_budget
        )

        # Built once; the key never appears anywhere else in this object.
        token = base64.b64encode(f"{config.api_key}:".encode("ascii")).decode("ascii")
        self._auth = _HeaderAuth(f"Basic {token}")

        self._lock = threading.Lock()
        self._session: requests.Session | None = None
        self._pid = os.getpid()

    def __repr__(self) -> str:
        return f"<Transport {self._uri}>"

    def _get_session(self) -> requests.Session:
        session = self._session
        if session is not None and self._pid == os.getpid():
            return session

        if self._pid != os.getpid():
            # A forked child: the parent's lock may have been held at the
            # fork, and its sockets belong to the parent. Leave both unclosed
            # (closing could disturb the parent's TLS sessions) and start anew.
            self._lock = threading.Lock()
            self._session = None
            self._pid = os.getpid()

        with self._lock:
            if self._session is None:
                self._session = _new_session(self._auth)
            return self._session

    def close(self) -> None:
        """Close the pooled connections; the next request opens a new pool."""
        with self._lock:
            session, self._session = self._session, None
        if session is not None and self._pid == os.getpid():
            session.close()

    def request_json(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        *,
        params: Mapping[str, Any] | None = None,
    ) -> T:
        """Send ``method path`` and return ``parse`` of the decoded JSON body.

        ``parse`` raises `ValueError` for a body that is JSON but not the
        expected shape; that becomes an `InvalidResponseError` with the body.

        Retries idempotent requests on `RETRY_STATUSES` and on connection
        failures, as the `RetryPolicy` allows.

        :raises APIError: the matching subclass for an error status, or
            `InvalidResponseError` for a success that is not JSON.
        :raises TransportError: when no answer came back.
        """
        url = self._uri + path
        path = self._path_prefix + path  # what the log lines show
        retry = self._retry
        may_retry = method in IDEMPOTENT_METHODS
        session = self._get_session()
        started = retry.clock()
        retries = 0

        while True:
            attempt_started = time.perf_counter()
            try:
                response = session.request(
                    method,
                    url,
                    params=params,
                    timeout=self._timeout,
                    verify=self._verify,
                    # A redirect could carry the Authorization header to
                    # another host or to plain HTTP; the API never redirects.
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                error = _transport_error(exc, url, self._timeout)
                wait = (
                    retry.delay(retries, retry.clock() - started) if may_retry else None
                )
                if wait is None:
                    log.debug(
                        "%s %s failed: %s (retries: %d)", method, path, error, retries
                    )
                    raise error from exc
                retries = self._wait(method, path, str(error), wait, retries)
                continue

            status = response.status_code
            elapsed_ms = (time.perf_counter() - attempt_started) * 1000
            log.debug(
                "%s %s -> %d in %.1f ms (retries: %d)",
                method,
                path,
                status,
                elapsed_ms,
                retries,
            )
            if status < 300:
                return _decode_json(response, url, parse)

            retry_after = parse_retry_after(response.headers)
            if may_retry and status in RETRY_STATUSES:
                wait = retry.delay(retries, retry.clock() - started, retry_after)
                if wait is not None:
                    retries = self._wait(method, path, f"HTTP {status}", wait, retries)
                    continue

            raise _status_error(response, url, retry_after)

    def _wait(
        self, method: str, path: str, reason: str, wait: float, retries: int
    ) -> int:
        log.debug(
            "retrying %s %s in %.2f s after %s (retry %d of %d)",
            method,
            path,
            wait,
            reason,
            retries + 1,
            self._retry.max_retries,
        )
        self._retry.sleep(wait)
        return retries + 1


class _HeaderAuth(requests.auth.AuthBase):
    """Sets a prebuilt ``Authorization`` header on each request.

    Given as the session's ``auth``, it also keeps requests from reading
    ``~/.netrc``, whose entry for the host would replace the config's key.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self._value
        return request

    def __repr__(self) -> str:
        return "<HeaderAuth [secure]>"


def _new_session(auth: _HeaderAuth) -> requests.Session:
    session = requests.Session()
    session.auth = auth
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})

    # Retries are ours (see RetryPolicy); the adapter makes one attempt.
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=_POOL_SIZE, max_retries=0)
    session.mount("https://", adapter)
    # No plain-HTTP adapter: a request that somehow targets http:// fails
    # rather than sending the key in clear.
    session.adapters.pop("http://", None)
    return session


def _decode_json(response: requests.Response, url: str, parse: Callable[[Any], T]) -> T:
    try:
        document = response.json()
    except ValueError:
        message = "the API answered with a body that is not JSON"
    else:
        try:
            return parse(document)
        except ValueError as exc:
            message = str(exc)
    raise InvalidResponseError(
        response.content, status_code=response.status_code, message=message, url=url
    )


def _status_error(
    response: requests.Response, url: str, retry_after: float | None
) -> APIError:
    error = error_for_status(
        response.status_code, response.content, url=url, retry_after=retry_after
    )
    if 300 <= response.status_code < 400:
        error.message = (
            f"the API answered with a redirect ({response.status_code}) to "
            f"{_origin(response.headers.get('Location', ''))}, which is not "
            "followed so that the API key stays with base_url; check base_url"
        )

    # Chained from requests' own error, as the official library raises it, so
    # code reading ``err.__cause__.response`` keeps working.
    cause = requests.HTTPError(f"{response.status_code} for {url}", response=response)
    error.__cause__ = cause
    return error


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL: never its user, path or query."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "another location"
    if not parts.scheme or not parts.hostname:
        return "another location"
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")


def _transport_error(
    exc: requests.RequestException, url: str, timeout: tuple[float, float]
) -> TransportError:
    """A TransportError that says what failed, without requests' noise."""
    target = url.split("/v1/", 1)[0] if "/v1/" in url else url
    reason = _innermost_reason(exc)

    if isinstance(exc, requests.exceptions.SSLError):
        return TLSError(
            f"TLS with {target} failed: {reason}. If the server uses a private CA "
            "(the sandbox, a proxy), pass ca_bundle=PATH",
            url=url,
        )
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return RequestTimeout(
            f"connecting to {target} timed out after {timeout[0]:g} s", url=url
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return RequestTimeout(
            f"{target} sent no answer within {timeout[1]:g} s (read timeout)", url=url
        )
    if isinstance(exc, requests.exceptions.ProxyError):
        # The proxy's URL is left out: it may hold the proxy's own password.
        return ConnectError(
            f"could not reach {target} through the proxy set in the environment "
            f"(HTTPS_PROXY): {reason}",
            url=url,
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        return ConnectError(f"could not reach {target}: {reason}", url=url)
    return TransportError(f"the request to {target} failed: {reason}", url=url)


def _innermost_reason(exc: BaseException) -> str:
    """The most specific description in a chain of wrapped exceptions.

    requests wraps urllib3, which wraps the socket error; the innermost says
    what happened ("Connection refused") without the layers' boilerplate.
    """
    current: BaseException = exc
    seen = set()
    while id(current) not in seen:
        seen.add(id(current))
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            current = reason
            continue
        nested = [arg for arg in current.args if isinstance(arg, BaseException)]
        if nested:
            current = nested[-1]
            continue
        break

    text = str(current) or type(current).__name__
    # urllib3 starts with the connection's repr: "HTTPSConnection(host=...,
    # port=...): Failed to establish...". The sentence after it is the news.
    return _CONNECTION_PREFIX.sub("", text)


_CONNECTION_PREFIX = re.compile(r"^(<[^>]*>|\w+\(host=[^)]*\)): ")
