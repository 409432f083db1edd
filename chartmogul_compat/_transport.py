"""The HTTPS transport under every request: requests, pooled, retried.

Imported on the first request, not with the package, because ``requests``
takes longer to import than everything else here together.

Each `Config` owns one `Transport`, and each transport one `_Pool`: a
``requests.Session`` with its connection pool, opened on first use, again
after ``close()`` and again in a forked child (a pooled TLS socket shared with
the parent would interleave both processes' bytes).

Requests go straight to the session's mounted ``HTTPAdapter``, not through
``Session.request``: that re-reads the environment, re-prepares the same
request and runs cookie, hook and redirect machinery on every call, which
costs about a third of a ping on loopback. What it read per call is read once
per pool instead (see `_Pool`).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import socket
import threading
import time
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any, Callable, TypeVar
from urllib.parse import urlsplit

import requests
import requests.auth
import urllib3.exceptions
import urllib3.util
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy

from ._errors import (
    APIError,
    ConnectError,
    InvalidResponseError,
    RequestTimeout,
    TLSError,
    TransportError,
    error_for_status,
    linked_errors,
    without_tracebacks,
)
from ._retry import IDEMPOTENT_METHODS, RETRY_STATUSES, RetryPolicy, parse_retry_after
from ._version import __version__

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from ._config import Config

__all__ = ["USER_AGENT", "Transport"]

T = TypeVar("T")

# The package's logger by name, so records say "chartmogul_compat". Its
# NullHandler is added here, not in __init__, so that importing the package
# does not import logging.
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
        "_pool",
        "_retry",
        "_timeout",
        "_uri",
        "_verify",
    )

    def __init__(self, config: Config) -> None:
        self._uri = config.uri
        self._path_prefix = urlsplit(config.uri).path  # for log lines
        self._timeout = config.timeout
        # An explicit CA bundle wins over REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE;
        # without one, True lets those variables apply (see `_Pool`).
        self._verify: str | bool = config.ca_bundle or True
        self._retry = RetryPolicy(
            config.max_retries, config.backoff_factor, config.retry_budget
        )

        # Built once; the key never appears anywhere else in this object.
        token = base64.b64encode(f"{config.api_key}:".encode("ascii")).decode("ascii")
        self._auth = _HeaderAuth(f"Basic {token}")

        self._lock = threading.Lock()
        self._pool: _Pool | None = None
        self._pid = os.getpid()

    def __repr__(self) -> str:
        return f"<Transport {self._uri}>"

    def _get_pool(self) -> _Pool:
        pool = self._pool
        if pool is not None and self._pid == os.getpid():
            return pool

        self._forget_parent()
        with self._lock:
            if self._pool is None:
                self._pool = _Pool(self._auth, self._uri, self._verify)
            return self._pool

    def _forget_parent(self) -> None:
        """In a forked child, drop what belongs to the parent process.

        The parent's lock may have been held at the fork, and its pooled
        sockets are the parent's: they are left unclosed (closing could
        disturb the parent's TLS sessions) and forgotten.
        """
        if self._pid != os.getpid():
            self._lock = threading.Lock()
            self._pool = None
            self._pid = os.getpid()

    def close(self) -> None:
        """Close the pooled connections; the next request opens a new pool.

        The next pool reads the proxy and CA bundle variables again.
        """
        self._forget_parent()
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.session.close()

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

        Retries idempotent requests on `RETRY_STATUSES`, failed connections
        and timeouts, as the `RetryPolicy` allows.

        :raises APIError: the matching subclass for an error status, or
            `InvalidResponseError` for a success that is not JSON.
        :raises TransportError: when no answer came back.
        """
        url = self._uri + path
        log_path = self._path_prefix + path
        retry = self._retry
        may_retry = method in IDEMPOTENT_METHODS
        started = retry.clock()
        retries = 0

        while True:
            attempt_started = time.perf_counter()
            try:
                response, body = self._send(method, url, params)
            except _SEND_ERRORS as exc:
                error = _transport_error(exc, url, self._timeout)
                _scrub(exc)
                wait = None
                if may_retry and isinstance(error, _RETRYABLE_ERRORS):
                    wait = retry.delay(retries, retry.clock() - started)
                if wait is None:
                    log.debug(
                        "%s %s failed: %s (retries: %d)",
                        method,
                        log_path,
                        error,
                        retries,
                    )
                    raise error from exc
                self._sleep_before_retry(method, log_path, str(error), wait, retries)
                retries += 1
                continue

            status = response.status_code
            elapsed_ms = (time.perf_counter() - attempt_started) * 1000
            log.debug(
                "%s %s -> %d in %.1f ms (retries: %d)",
                method,
                log_path,
                status,
                elapsed_ms,
                retries,
            )
            if status < 300:
                return _decode_json(status, body, url, parse)

            retry_after = parse_retry_after(response.headers)
            if may_retry and status in RETRY_STATUSES:
                wait = retry.delay(retries, retry.clock() - started, retry_after)
                if wait is not None:
                    reason = f"HTTP {status}"
                    self._sleep_before_retry(method, log_path, reason, wait, retries)
                    retries += 1
                    continue

            raise _status_error(response, body, url, retry_after)

    def _send(
        self, method: str, url: str, params: Mapping[str, Any] | None
    ) -> tuple[requests.Response, bytes]:
        """One attempt: the response, and its whole body."""
        # Fetched per attempt, so a retry after close() uses the new pool.
        pool = self._get_pool()
        if pool.proxy_unparsable:  # before urllib3 quotes its password
            raise _UnparsableProxy
        # The adapter never follows redirects (Session.send is what would), so
        # the Authorization header cannot travel to another host or to plain
        # HTTP; the API never redirects.
        response = pool.adapter.send(
            pool.prepare(method, url, params),
            stream=True,
            timeout=self._timeout,
            verify=pool.verify,
            proxies=pool.proxies,
        )

        # requests' read timeout bounds each socket read, not the body: a
        # server trickling a byte at a time could hold the call for ever. So
        # the body has a deadline, the read timeout again, checked after each
        # read; a trickle is cut off within about twice the read timeout.
        # The status line and headers are not under this deadline: a server
        # trickling those is bounded only per read. Known gap, too: the body
        # is kept whole in memory, with no size cap.
        deadline = time.monotonic() + self._timeout[1]
        chunks = []
        try:
            if response.status_code < 200:
                # An interim answer (103 Early Hints) that http.client passed
                # on: the real one follows on this connection, which close()
                # below drops instead of pooling it out of step.
                raise _InterimResponse(response=response)
            for chunk in _body_reads(response):
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _BodyTimeout(response=response)
            # Read to the end: close() below returns the connection to the
            # pool instead of closing it.
            response._content_consumed = True  # type: ignore[attr-defined]
        except _TIMEOUTS as exc:
            raise _BodyTimeout(response=response) from exc
        finally:
            response.close()

        body = b"".join(chunks)
        # For code that reads `err.__cause__.response.content`, as it could
        # with the official library.
        response._content = body
        return response, body

    def _sleep_before_retry(
        self, method: str, path: str, reason: str, wait: float, retries: int
    ) -> None:
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


# Prepared requests kept per pool, by method and URL: every endpoint the
# shim sends to, with room to spare.
_PREPARED_CACHE_SIZE = 64

# Large enough that an API answer is one read; the API's bodies are small.
_CHUNK_SIZE = 64 * 1024

# What one attempt can raise besides answering. requests wraps most urllib3
# errors, but not all (a malformed host name raises LocationParseError), and
# an unreadable CA bundle is a plain OSError.
_SEND_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)

# Failures that may pass: a refused or dropped connection, a timeout. TLS
# failures and malformed URLs would fail the same way again.
_RETRYABLE_ERRORS = (ConnectError, RequestTimeout)

# Not urllib3's TimeoutError: its NewConnectionError ("Connection refused")
# descends from ConnectTimeoutError for historical reasons.
_TIMEOUTS = (TimeoutError, socket.timeout, urllib3.exceptions.ReadTimeoutError)

# urllib3 starts its messages with the connection's repr: "HTTPSConnection(
# host=..., port=...): Failed to establish...". The sentence after it is news.
_CONNECTION_PREFIX = re.compile(r"^(<[^>]*>|\w+\(host=[^)]*\)): ")


class _BodyTimeout(requests.exceptions.ReadTimeout):
    """The body took longer than the read timeout to arrive in full."""


class _InterimResponse(requests.RequestException):
    """A 1xx answer where the final one was expected."""


class _UnparsableProxy(requests.RequestException):
    """The environment's proxy URL for the API's host is not a valid URL."""


def _body_reads(response: requests.Response) -> Iterator[bytes]:
    """The body, piece by piece, each piece as soon as it arrives."""
    read1 = getattr(response.raw, "read1", None)
    if read1 is None:
        # urllib3 1.x has no read1: each read waits for a full chunk, so a
        # trickled body is only cut off once it ends. Remove this branch when
        # requests requires urllib3 2.
        yield from response.iter_content(_CHUNK_SIZE)
        return

    while True:
        # requests opened the response undecoded; gzip from a proxy or CDN is
        # undone here, as iter_content would.
        chunk = read1(_CHUNK_SIZE, decode_content=True)
        if not chunk:
            return
        yield chunk


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


class _Pool:
    """A session's connection pool and what every request through it reuses.

    The environment is read here, once per pool, where ``Session.request``
    would read it on every call: the proxy variables (``HTTPS_PROXY``,
    ``NO_PROXY``, ...) and, when the config has no ``ca_bundle``,
    ``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE``. A change to them takes
    effect at the next pool: after ``config.close()``, or in a forked child.
    The pool's URL fixes the host, so a NO_PROXY match holds for every path.
    """

    __slots__ = (
        "_prepared",
        "adapter",
        "proxies",
        "proxy_unparsable",
        "session",
        "verify",
    )

    def __init__(self, auth: _HeaderAuth, url: str, verify: str | bool) -> None:
        session = requests.Session()
        session.auth = auth
        session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})

        # Retries are ours (see RetryPolicy); the adapter makes one attempt.
        adapter = HTTPAdapter(
            pool_connections=1, pool_maxsize=_POOL_SIZE, max_retries=0
        )
        # Mounted so that session.close() closes it. Requests are sent to it
        # directly, and only under the config's URL, which Config checked is
        # https://: the key never goes out in clear.
        session.mount("https://", adapter)
        self.session = session
        self.adapter = adapter

        # requests' own rules for the environment, applied once; an explicit
        # `verify` path is kept over the CA bundle variables. (No client
        # certificate: the API does not use them.)
        settings = session.merge_environment_settings(url, {}, True, verify, None)
        merged_verify = settings["verify"]
        # None only when None went in; it never does.
        self.verify: str | bool = verify if merged_verify is None else merged_verify
        self.proxies: dict[str, str] = dict(settings["proxies"])

        # Checked here because urllib3 would quote the whole URL, password
        # and all, in its error. The password is what usually breaks it: a
        # "/" or "#" in it must be percent-encoded.
        proxy = select_proxy(url, self.proxies)
        self.proxy_unparsable = proxy is not None and not _parses(proxy)

        self._prepared: dict[tuple[str, str], requests.PreparedRequest] = {}

    def prepare(
        self, method: str, url: str, params: Mapping[str, Any] | None
    ) -> requests.PreparedRequest:
        """A request of its own for one send: headers, auth and URL prepared.

        Each send gets a copy, because error handling redacts the
        ``Authorization`` header of the request an error keeps.
        """
        prepared = self._template(method, url).copy()
        if params is not None:
            # Query strings vary, so only the URL is prepared again.
            prepared.prepare_url(url, params)
        return prepared

    def _template(self, method: str, url: str) -> requests.PreparedRequest:
        # Threads may both prepare the same request at first; either copy
        # serves. Past the cap (paths holding ids would grow the cache without
        # end) requests are prepared per call.
        prepared = self._prepared.get((method, url))
        if prepared is None:
            prepared = self.session.prepare_request(requests.Request(method, url))
            if len(self._prepared) < _PREPARED_CACHE_SIZE:
                self._prepared[method, url] = prepared
        return prepared


def _parses(proxy: str) -> bool:
    try:
        urllib3.util.parse_url(proxy)
    except urllib3.exceptions.LocationValueError:
        return False
    return True


def _decode_json(status: int, body: bytes, url: str, parse: Callable[[Any], T]) -> T:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        message = "the API answered with a body that is not JSON"
    else:
        try:
            return parse(document)
        except ValueError as exc:
            message = str(exc)
    raise InvalidResponseError(body, status_code=status, message=message, url=url)


def _status_error(
    response: requests.Response, body: bytes, url: str, retry_after: float | None
) -> APIError:
    status = response.status_code
    error = error_for_status(status, body, url=url, retry_after=retry_after)
    if 300 <= status < 400:
        error.message = (
            f"the API answered with a redirect ({status}) to "
            f"{_origin(response.headers.get('Location', ''))}, which is not "
            "followed so that the API key stays with base_url; check base_url"
        )

    # Chained from requests' own error, as the official library raises it, so
    # code reading ``err.__cause__.response`` keeps working; the request it
    # holds no longer shows the key.
    if response.request is not None:
        _redact(response.request.headers)
    error.__cause__ = requests.HTTPError(
        f"{status} for {_origin(url)}", response=response
    )
    return error


def _redact(headers: MutableMapping[str, str]) -> None:
    if "Authorization" in headers:
        headers["Authorization"] = "[secure]"


def _scrub(exc: BaseException) -> None:
    """Make a failed attempt's exceptions safe to keep as a cause.

    They hold the prepared request, whose headers carry the key, and
    tracebacks through requests and urllib3 whose frames hold those headers
    as locals (shown by ``traceback`` with ``capture_locals`` and by error
    trackers). The messages, which hold neither, are kept.
    """
    without_tracebacks(exc)
    redact_requests(exc)


def redact_requests(exc: BaseException) -> None:
    """Hide the key in the requests that ``exc`` and the errors linked to it hold.

    Their tracebacks are left alone: urllib3's frames hold a copy of the
    headers as a local, which only `_scrub` removes.
    """
    for current in linked_errors(exc):
        request = getattr(current, "request", None)
        headers = getattr(request, "headers", None)
        if isinstance(headers, MutableMapping):
            _redact(headers)


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
    exc: BaseException, url: str, timeout: tuple[float, float]
) -> TransportError:
    """A TransportError that says what failed, without requests' noise."""
    # The origin only: a path is the user's text and could hold anything.
    target = _origin(url)
    innermost = _innermost(exc)
    reason = _describe(innermost)

    if isinstance(exc, requests.exceptions.SSLError):
        return TLSError(
            f"TLS with {target} failed: {reason}. If the server uses a private CA "
            "(the sandbox, a proxy), give its PEM file as ca_bundle",
            url=url,
        )
    if isinstance(exc, _InterimResponse):
        status = exc.response.status_code if exc.response is not None else "1xx"
        return TransportError(
            f"{target} sent an interim answer (HTTP {status}) that this client "
            "does not handle",
            url=url,
        )
    if isinstance(exc, _UnparsableProxy):
        # Not the proxy's URL itself: it may hold the proxy's password.
        return TransportError(
            f"the proxy set in the environment (HTTPS_PROXY) for {target} is not "
            "a valid URL: check its host and port, and percent-encode any / # ? "
            "@ in its user name or password",
            url=url,
        )
    if isinstance(exc, _BodyTimeout):
        return RequestTimeout(
            f"{target} did not finish its answer within {timeout[1]:g} s "
            "(read timeout)",
            url=url,
        )
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return RequestTimeout(
            f"connecting to {target} timed out after {timeout[0]:g} s", url=url
        )
    if isinstance(exc, (requests.exceptions.Timeout, *_TIMEOUTS)) or (
        # A stall while the body is read comes wrapped as a connection error.
        isinstance(exc, requests.exceptions.ConnectionError)
        and isinstance(innermost, _TIMEOUTS)
    ):
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
    if isinstance(
        exc, (requests.exceptions.ConnectionError, urllib3.exceptions.ProtocolError)
    ):
        return ConnectError(f"could not reach {target}: {reason}", url=url)
    if isinstance(exc, requests.RequestException) or not isinstance(exc, OSError):
        return TransportError(f"the request to {target} failed: {reason}", url=url)

    # A plain OSError: in practice a CA bundle file that cannot be read, such
    # as a REQUESTS_CA_BUNDLE left pointing at a deleted file.
    return TLSError(
        f"TLS with {target} could not start: {reason}. Check ca_bundle and the "
        "REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE variables",
        url=url,
    )


def _innermost(exc: BaseException) -> BaseException:
    """The most specific exception in a chain of wrapped ones.

    requests wraps urllib3, which wraps the socket error; the innermost says
    what happened ("Connection refused") without the layers' boilerplate.
    """
    current = exc
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
    return current


def _describe(exc: BaseException) -> str:
    return _CONNECTION_PREFIX.sub("", str(exc) or type(exc).__name__)
