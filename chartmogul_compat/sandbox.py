"""A local HTTPS stand-in for the ChartMogul API, for tests and demos.

`Sandbox` serves ``GET /v1/ping`` and a canned ``GET /v1/customers`` over
real TLS with a throwaway certificate authority, checks Basic Auth the way
the API does, and records every request.
Faults queued with `Sandbox.inject` make the next requests misbehave the ways
the real API and its load balancer do::

    with Sandbox() as sandbox:
        sandbox.inject(RateLimited(retry_after="0"), ServerFailure(502))
        config = sandbox.config()
        ...

Needs the ``sandbox`` extra: ``pip install "chartmogul-compat[sandbox]"``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import secrets
import shutil
import socket
import ssl
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._config import Config
from ._credentials import validate_key

try:
    import trustme
except ImportError as exc:
    raise ImportError(
        "chartmogul_compat.sandbox needs trustme; install it with "
        'pip install "chartmogul-compat[sandbox]" (from a checkout: '
        "pip install '.[sandbox]')",
        name=exc.name,
    ) from exc

if TYPE_CHECKING:
    from types import TracebackType


__all__ = [
    "DropConnection",
    "Fault",
    "Interim",
    "InvalidJSON",
    "RateLimited",
    "RecordedRequest",
    "Respond",
    "Sandbox",
    "ServerFailure",
    "Slow",
    "Trickle",
]

logger = logging.getLogger(__name__)

# The API's request bodies are small; a larger one is refused, not buffered.
_MAX_BODY = 10 * 1024 * 1024

_JSON = "application/json"

# A client that connects and never finishes the handshake holds only its own
# worker thread, and only this long.
_HANDSHAKE_TIMEOUT = 5.0

# Idle keep-alive connections are closed after this, like a load balancer
# would, so abandoned pooled connections give their thread back.
_IDLE_TIMEOUT = 60.0

# How often the accept loop looks for a stop request; it bounds stop().
_POLL_INTERVAL = 0.05

_NOT_RUNNING = "the Sandbox is not running; call start() or use it in a with block"

_DEFAULT_ERROR_PAGE = (
    b"<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n"
    b"<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n"
    b"</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the sandbox received it.

    ``path`` includes the query string. ``headers`` has lower-cased names and
    values exactly as sent; a repeated header's values are joined with ``", "``.
    The repr hides the ``authorization`` value: it is a key in base64.
    """

    __slots__ = ("body", "headers", "method", "path")

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def __repr__(self) -> str:
        shown = {
            name: "[secure]" if name == "authorization" else value
            for name, value in self.headers.items()
        }
        return (
            f"RecordedRequest(method={self.method!r}, path={self.path!r}, "
            f"headers={shown!r}, body={self.body!r})"
        )


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    # Seconds between body bytes; 0 sends the body at once.
    byte_interval: float = 0.0
    # An informational status (103) sent before the answer, or None.
    interim: int | None = None


def _json_reply(status: int, payload: object, *headers: tuple[str, str]) -> _Reply:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return _Reply(status, body, (("Content-Type", _JSON), *headers))


def _error_reply(status: int, message: str, *headers: tuple[str, str]) -> _Reply:
    payload = {"code": status, "message": message, "param": None}
    return _json_reply(status, payload, *headers)


class Fault:
    """Base of the misbehaviours `Sandbox.inject` queues, one per request."""

    __slots__ = ()

    def _reply(self, normal: _Reply, stopping: threading.Event) -> _Reply | None:
        """Say what to answer instead of ``normal``; None drops the connection."""
        raise NotImplementedError(f"{type(self).__name__} does not define _reply")


@dataclass(frozen=True)
class RateLimited(Fault):
    """Answer 429 as the API does, with ``Retry-After`` unless it is None."""

    retry_after: str | None = "1"

    def _reply(self, normal: _Reply, stopping: threading.Event) -> _Reply:
        message = "Your request rate has exceeded our rate limit."
        if self.retry_after is None:
            return _error_reply(429, message)
        return _error_reply(429, message, ("Retry-After", self.retry_after))


@dataclass(frozen=True)
class ServerFailure(Fault):
    """Answer a 5xx with a non-JSON body, as the API's load balancer does."""

    status: int = 500
    body: bytes = _DEFAULT_ERROR_PAGE
    content_type: str = "text/html"

    def _reply(self, normal: _Reply, stopping: threading.Event) -> _Reply:
        return _Reply(self.status, self.body, (("Content-Type", self.content_type),))


@dataclass(frozen=True)
class Slow(Fault):
    """Wait ``seconds``, then answer normally; `Sandbox.stop` cuts the wait short."""

    seconds: float

    def _reply(self, normal: _Reply, stopping: threading.Event) -> _Reply | None:
        if stopping.wait(self.seconds):
            return None
        return normal


@dataclass(frozen=True)
class Trickle(Fault):
    """Send the normal headers at once, then the body one byte per ``interval``.

    Each byte arrives well within a client's read timeout, so only a deadline
    on the whole body stops the wait.
    """

    interval: float

    def _reply(self, normal: _Reply, stopping: threading.Event) -> _Reply:
        return replace(normal, byte_interval=self.interval)


@dataclass(frozen=True)
class Interim(Fault):
    """Send an informational answer (``103 Early Hints``) before the normal one."""

    status: int = 103

    def _reply(self, normal: _Reply, stopping: threading.Event) -> _Reply:
        return _Reply(
            normal.status,
            normal.body,
            normal.headers,
            normal.byte_interval,
            self.status,
        )


@dataclass(frozen=True)
class DropConnection(Fault):
    """Close the connection without sending a single response byte."""

    def _reply(self, normal: _Reply, stopping: threading.Event) -> None:
        return None


@dataclass(frozen=True)
class InvalidJSON(Fault):
    """Answer 200 as JSON with a body cut short, so it does not parse."""

    def _reply(self, normal: _Reply, stopping: threading.Event) -> _Reply:
        return _Reply(200, b'{"data": "pong!"', (("Content-Type", _JSON),))


@dataclass(frozen=True)
class Respond(Fault):
    """Answer exactly ``status``, ``body`` and ``headers``.

    Only ``Content-Length`` is added, and only when ``headers`` lacks it.
    """

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A copy, so changing the caller's dict later cannot change the answer.
        object.__setattr__(self, "headers", dict(self.headers))

    def _reply(self, normal: _Reply, stopping: threading.Event) -> _Reply:
        return _Reply(self.status, self.body, tuple(self.headers.items()))


def _credentials_accepted(authorization: str | None, api_keys: Iterable[str]) -> bool:
    """Apply the API's rule: the key as user name, password empty or the key."""
    if authorization is None:
        return False

    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return False

    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False

    user, colon, password = decoded.partition(":")
    return bool(colon) and user in api_keys and password in ("", user)


def _ping(request: RecordedRequest) -> _Reply:
    return _json_reply(200, {"data": "pong!"})


# One canned page of GET /v1/customers, whatever the query, so that the
# official library's Customer.all has something to parse. It carries both
# kinds of paging field: cursor and has_more, read from official 3.x on, and
# the page numbers that official 2.x requires (it fails without them).
_CUSTOMER_PAGE = {
    "entries": [
        {
            "id": 1,
            "uuid": "cus_00000000-0000-4000-8000-000000000001",
            "external_id": "sandbox-customer-1",
            "external_ids": ["sandbox-customer-1"],
            "data_source_uuid": "ds_00000000-0000-4000-8000-000000000001",
            "data_source_uuids": ["ds_00000000-0000-4000-8000-000000000001"],
            "name": "Sandbox Customer",
            "email": "customer@example.com",
            "status": "Active",
            "customer-since": "2021-11-09T00:00:00+00:00",
            "mrr": 5000,
            "arr": 60000,
            "currency": "EUR",
            "currency-sign": "\u20ac",
        }
    ],
    "has_more": False,
    "cursor": None,
    "per_page": 200,
    "page": 1,
    "current_page": 1,
    "total_pages": 1,
}


def _customers(request: RecordedRequest) -> _Reply:
    return _json_reply(200, _CUSTOMER_PAGE)


# Handlers run only after the key has been accepted.
_ROUTES: dict[tuple[str, str], Callable[[RecordedRequest], _Reply]] = {
    ("GET", "/v1/ping"): _ping,
    ("GET", "/v1/customers"): _customers,
}


def _route(request: RecordedRequest, api_keys: Iterable[str]) -> _Reply:
    """Answer ``request`` as the API would, checking the key first."""
    path = request.path.partition("?")[0]
    authorization = request.headers.get("authorization")
    if path.startswith("/v1/") and not _credentials_accepted(authorization, api_keys):
        return _error_reply(401, "No valid API key provided")

    handler = _ROUTES.get((request.method, path))
    if handler is not None:
        return handler(request)

    allowed = sorted(method for method, known in _ROUTES if known == path)
    if allowed:
        allow = ("Allow", ", ".join(allowed))
        return _error_reply(405, "Method not allowed", allow)
    return _error_reply(404, "Not found")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "chartmogul-compat-sandbox"
    sys_version = ""
    timeout = _IDLE_TIMEOUT
    # Headers and body go out in separate writes; with Nagle's algorithm the
    # body would wait for the client's delayed ACK, 40 ms a request.
    disable_nagle_algorithm = True
    server: _Server

    def _handle(self) -> None:
        length = self.headers.get("Content-Length", "0")
        if "Transfer-Encoding" in self.headers:
            self.send_error(501, "Chunked request bodies are not supported")
            return
        if not (length.isascii() and length.isdigit()):
            self.send_error(400, "Bad Content-Length")
            return
        if int(length) > _MAX_BODY:
            self.send_error(413, "Request body too large for the sandbox")
            return

        request = RecordedRequest(
            method=self.command,
            path=self.path,
            headers=_header_dict(self.headers.items()),
            body=self.rfile.read(int(length)),
        )
        fault = self.server.sandbox._receive(request)
        reply = _route(request, self.server.sandbox.api_keys)

        if fault is not None:
            reply_or_drop = fault._reply(reply, self.server.stopping)
            if reply_or_drop is None:
                self.close_connection = True
                return
            reply = reply_or_drop

        if reply.interim is not None:
            self.send_response_only(reply.interim)
            self.end_headers()
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if all(name.lower() != "content-length" for name, _ in reply.headers):
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()

        if self.command == "HEAD":
            return
        if not reply.byte_interval:
            self.wfile.write(reply.body)
            return

        for index in range(len(reply.body)):
            self.wfile.write(reply.body[index : index + 1])
            self.wfile.flush()
            if self.server.stopping.wait(reply.byte_interval):
                self.close_connection = True
                return

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle

    def log_message(self, format: str, *args: Any) -> None:
        # The default writes every request line to stderr; tests and the CLI
        # own their output.
        pass


def _header_dict(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in items:
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


class _Server(ThreadingHTTPServer):
    """A threading HTTP server that speaks TLS, handshaking in the workers."""

    daemon_threads = True
    # The default backlog of 5 drops the SYNs of a burst of clients, which
    # then wait a full second to retry.
    request_queue_size = socket.SOMAXCONN

    def __init__(
        self, address: tuple[str, int], sandbox: Sandbox, tls: ssl.SSLContext
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.sandbox = sandbox
        self.tls = tls
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[ssl.SSLSocket, Any]:
        # Wrapping does no I/O; the handshake waits for the worker thread, so
        # a silent client cannot hold up the accept loop.
        sock, address = self.socket.accept()
        try:
            tls_sock = self.tls.wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False
            )
        except OSError:
            sock.close()
            raise
        return tls_sock, address

    def finish_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        try:
            if self.stopping.is_set():
                return

            request.settimeout(_HANDSHAKE_TIMEOUT)
            try:
                request.do_handshake()
            except OSError:
                # An untrusting client, plain HTTP or silence: the client sees
                # the failure, and a traceback here would only be noise.
                return

            super().finish_request(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-exchange is routine here; anything else is a
        # bug in the sandbox and is logged rather than printed.
        if not isinstance(sys.exc_info()[1], OSError):
            logger.exception("sandbox failed while serving a request")

    def close_connections(self) -> None:
        """Wake every worker blocked on a client by shutting its socket down."""
        with self._connections_lock:
            connections = list(self._connections)

        for connection in connections:
            # The plain socket method: SSLSocket.shutdown would drop its TLS
            # state under the worker that is still reading it.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(connection, socket.SHUT_RDWR)


class Sandbox:
    """A local HTTPS server that answers like the ChartMogul API.

    :param api_keys: the keys it accepts; by default one random key.
    :param host: the address to listen on; the certificate also covers
        ``127.0.0.1``, ``localhost`` and ``::1``.
    :param port: the port, or 0 for any free one.
    :raises TypeError: if ``api_keys`` is a single ``str``.
    :raises ValueError: if ``api_keys`` is empty or a key cannot be sent
        as a Basic Auth user name.
    """

    def __init__(
        self,
        api_keys: Iterable[str] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if isinstance(api_keys, str):
            raise TypeError(
                "api_keys must be an iterable of keys, not one str; "
                "write Sandbox([api_key])"
            )
        if api_keys is None:
            api_keys = ["cm_sandbox_" + secrets.token_hex(16)]

        self.api_keys = tuple(validate_key(key, "api_keys") for key in api_keys)
        if not self.api_keys:
            raise ValueError("api_keys is empty; give at least one key")
        self.api_key = self.api_keys[0]

        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._faults: deque[Fault] = deque()
        self._requests: list[RecordedRequest] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tempdir: str | None = None
        self._stopped = False

    def __repr__(self) -> str:
        where = self.base_url if self._server is not None else "not running"
        return f"<Sandbox {where}, {len(self.api_keys)} key(s)>"

    @property
    def base_url(self) -> str:
        """The URL to give a client, such as ``https://127.0.0.1:50123``."""
        server = self._running_server()
        host, port = server.server_address[:2]
        if server.address_family == socket.AF_INET6:
            return f"https://[{host!s}]:{port}"
        return f"https://{host!s}:{port}"

    @property
    def ca_bundle(self) -> str:
        """The PEM file of the certificate authority to trust; `stop` deletes it."""
        if self._tempdir is None:
            raise RuntimeError(_NOT_RUNNING)
        return str(Path(self._tempdir, "ca.pem"))

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received since the last `reset`, in order.

        Requests refused before routing (a chunked body, a bad
        ``Content-Length``, an unparsable request line) are not recorded.
        """
        with self._lock:
            return list(self._requests)

    def start(self) -> Sandbox:
        """Start serving in a daemon thread; does nothing if already serving.

        :raises RuntimeError: if the sandbox was stopped; create a new one.
        """
        if self._server is not None:
            return self
        if self._stopped:
            raise RuntimeError("a stopped Sandbox cannot start again; create another")

        tempdir = tempfile.mkdtemp(prefix="chartmogul-sandbox-")
        try:
            ca = trustme.CA()
            ca.cert_pem.write_to_path(str(Path(tempdir, "ca.pem")))

            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.minimum_version = ssl.TLSVersion.TLSv1_2
            tls.set_alpn_protocols(["http/1.1"])
            # The loopback names, and the listening host when it is another one.
            names = ["127.0.0.1", "localhost", "::1", self._host]
            ca.issue_cert(*dict.fromkeys(filter(None, names))).configure_cert(tls)

            server = _Server((self._host, self._port), self, tls)
        except BaseException:
            shutil.rmtree(tempdir, ignore_errors=True)
            raise

        self._tempdir = tempdir
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name=f"chartmogul-sandbox-{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop open connections and delete the CA; safe to repeat."""
        self._stopped = True
        server, self._server = self._server, None
        if server is not None:
            # Wake Slow faults first, then stop accepting, then hang up on
            # whoever is still connected.
            server.stopping.set()
            server.shutdown()
            server.server_close()
            server.close_connections()

        if self._thread is not None:
            self._thread.join()
            self._thread = None

        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def config(self, api_key: str | None = None, **kwargs: Any) -> Config:
        """Return a `Config` that talks to this sandbox and trusts its CA.

        :param api_key: the key to use; by default `api_key`.
        :param kwargs: passed on to `Config`, such as ``request_timeout``.
        """
        return Config(
            self.api_key if api_key is None else api_key,
            base_url=self.base_url,
            ca_bundle=self.ca_bundle,
            **kwargs,
        )

    def inject(self, *faults: Fault) -> None:
        """Queue ``faults``; each request that arrives, on any path, takes one.

        :raises TypeError: if an argument is not a `Fault`.
        """
        for fault in faults:
            if not isinstance(fault, Fault):
                raise TypeError(f"inject() takes Fault objects, not {fault!r}")

        with self._lock:
            self._faults.extend(faults)

    def reset(self) -> None:
        """Forget queued faults and recorded requests."""
        with self._lock:
            self._faults.clear()
            self._requests.clear()

    def _running_server(self) -> _Server:
        if self._server is None:
            raise RuntimeError(_NOT_RUNNING)
        return self._server

    def _receive(self, request: RecordedRequest) -> Fault | None:
        """Record ``request`` and take the next fault, in one step."""
        with self._lock:
            self._requests.append(request)
            return self._faults.popleft() if self._faults else None
