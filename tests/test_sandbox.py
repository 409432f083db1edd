"""Tests for the HTTPS sandbox, spoken to with the standard library only."""

from __future__ import annotations

import base64
import concurrent.futures
import http.client
import importlib
import json
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from chartmogul_compat.sandbox import (
    DropConnection,
    Fault,
    InvalidJSON,
    RateLimited,
    RecordedRequest,
    Respond,
    Sandbox,
    ServerFailure,
    Slow,
    Trickle,
)

KEY = "cm_test_0123456789abcdef"
OTHER_KEY = "cm_test_fedcba9876543210"

PONG = b'{"data":"pong!"}'
UNAUTHORIZED = b'{"code":401,"message":"No valid API key provided","param":null}'
NOT_FOUND = b'{"code":404,"message":"Not found","param":null}'
NOT_ALLOWED = b'{"code":405,"message":"Method not allowed","param":null}'
RATE_LIMITED = (
    b'{"code":429,"message":"Your request rate has exceeded our rate limit.",'
    b'"param":null}'
)


def basic(user: str, password: str = "") -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return f"Basic {token}"


def address(sandbox: Sandbox) -> tuple[str, int]:
    url = urlsplit(sandbox.base_url)
    assert url.hostname is not None
    assert url.port is not None
    return url.hostname, url.port


def connect(
    sandbox: Sandbox, context: ssl.SSLContext | None = None
) -> http.client.HTTPSConnection:
    if context is None:
        context = ssl.create_default_context(cafile=sandbox.ca_bundle)
    host, port = address(sandbox)
    return http.client.HTTPSConnection(host, port, context=context, timeout=10)


def call(
    sandbox: Sandbox,
    method: str = "GET",
    path: str = "/v1/ping",
    authorization: str | None = basic(KEY),
    body: bytes | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """Send one request on a new connection; return status, headers and body."""
    headers = {} if authorization is None else {"Authorization": authorization}
    connection = connect(sandbox)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        received = {name.lower(): value for name, value in response.getheaders()}
        return response.status, received, response.read()
    finally:
        connection.close()


def wait_for_requests(sandbox: Sandbox, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(sandbox.requests) < count:
        assert time.monotonic() < deadline, "the sandbox never saw the request"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def running_sandbox() -> Iterator[Sandbox]:
    with Sandbox([KEY, OTHER_KEY]) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(running_sandbox: Sandbox) -> Sandbox:
    running_sandbox.reset()
    return running_sandbox


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(basic(KEY), id="empty-password"),
        pytest.param(basic(KEY, KEY), id="password-is-key"),
        pytest.param(basic(OTHER_KEY), id="second-key"),
        pytest.param(basic(KEY).replace("Basic", "basic"), id="lower-case-scheme"),
    ],
)
def test_ping_accepts_key(sandbox: Sandbox, authorization: str) -> None:
    status, headers, body = call(sandbox, authorization=authorization)

    assert (status, body) == (200, PONG)
    assert headers["content-type"] == "application/json"
    assert headers["content-length"] == "16"


def test_ping_ignores_query_string(sandbox: Sandbox) -> None:
    assert call(sandbox, path="/v1/ping?page=2")[::2] == (200, PONG)


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(basic("cm_wrong_key"), id="wrong-key"),
        pytest.param(basic(KEY, "secret"), id="wrong-password"),
        pytest.param(basic(KEY, OTHER_KEY), id="other-key-as-password"),
        pytest.param(basic(""), id="empty-user"),
        pytest.param(None, id="missing"),
        pytest.param(f"Bearer {KEY}", id="bearer"),
        pytest.param("Basic", id="no-credentials"),
        pytest.param("Basic !!not-base64!!", id="bad-base64"),
        pytest.param("Basic " + base64.b64encode(KEY.encode()).decode(), id="no-colon"),
        pytest.param("Basic " + base64.b64encode(b"\xff:").decode(), id="not-utf8"),
    ],
)
def test_ping_rejects_credentials(sandbox: Sandbox, authorization: str | None) -> None:
    status, headers, body = call(sandbox, authorization=authorization)

    assert (status, body) == (401, UNAUTHORIZED)
    assert headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/v1/invoices", id="unknown-resource"),
        pytest.param("/v1/ping/extra", id="below-ping"),
        pytest.param("/", id="root"),
        pytest.param("/favicon.ico", id="outside-v1"),
    ],
)
def test_routing_unknown_path_is_404(sandbox: Sandbox, path: str) -> None:
    status, headers, body = call(sandbox, path=path)

    assert (status, body) == (404, NOT_FOUND)
    assert headers["content-type"] == "application/json"


def test_routing_checks_key_before_path(sandbox: Sandbox) -> None:
    assert call(sandbox, path="/v1/customers", authorization=None)[::2] == (
        401,
        UNAUTHORIZED,
    )


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_routing_wrong_method_is_405(sandbox: Sandbox, method: str) -> None:
    status, headers, body = call(sandbox, method=method)

    assert (status, body) == (405, NOT_ALLOWED)
    assert headers["allow"] == "GET"


def test_routing_head_sends_no_body(sandbox: Sandbox) -> None:
    status, headers, body = call(sandbox, method="HEAD")

    assert (status, body) == (405, b"")
    assert headers["content-length"] == str(len(NOT_ALLOWED))


@pytest.mark.parametrize(
    ("fault", "status", "headers", "body"),
    [
        pytest.param(
            RateLimited(),
            429,
            {"content-type": "application/json", "retry-after": "1"},
            RATE_LIMITED,
            id="rate-limited",
        ),
        pytest.param(
            RateLimited("0"),
            429,
            {"content-type": "application/json", "retry-after": "0"},
            RATE_LIMITED,
            id="rate-limited-zero",
        ),
        pytest.param(
            RateLimited("Wed, 21 Oct 2015 07:28:00 GMT"),
            429,
            {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"},
            RATE_LIMITED,
            id="rate-limited-http-date",
        ),
        pytest.param(
            RateLimited(None),
            429,
            {"content-type": "application/json", "retry-after": None},
            RATE_LIMITED,
            id="rate-limited-no-retry-after",
        ),
        pytest.param(
            ServerFailure(),
            500,
            {"content-type": "text/html"},
            b"<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n"
            b"<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n"
            b"</body>\r\n</html>\r\n",
            id="server-error",
        ),
        pytest.param(
            ServerFailure(502, b"Bad Gateway", "text/plain"),
            502,
            {"content-type": "text/plain", "content-length": "11"},
            b"Bad Gateway",
            id="server-error-502-plain",
        ),
        pytest.param(
            InvalidJSON(),
            200,
            {"content-type": "application/json"},
            b'{"data": "pong!"',
            id="invalid-json",
        ),
        pytest.param(
            Respond(302, b"", {"Location": "http://evil.example/"}),
            302,
            {"location": "http://evil.example/", "content-length": "0"},
            b"",
            id="redirect",
        ),
        pytest.param(
            Respond(200, b'{"data": 5}', {"Content-Type": "application/json"}),
            200,
            {"content-type": "application/json"},
            b'{"data": 5}',
            id="wrong-json",
        ),
        pytest.param(
            Respond(520, b"", {}),
            520,
            {"content-type": None},
            b"",
            id="bare-status",
        ),
    ],
)
def test_fault_answers_exactly(
    sandbox: Sandbox,
    fault: Fault,
    status: int,
    headers: dict[str, str | None],
    body: bytes,
) -> None:
    sandbox.inject(fault)

    received_status, received_headers, received_body = call(sandbox)

    assert (received_status, received_body) == (status, body)
    assert {name: received_headers.get(name) for name in headers} == headers


def test_fault_invalid_json_does_not_parse(sandbox: Sandbox) -> None:
    sandbox.inject(InvalidJSON())

    body = call(sandbox)[2]

    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


def test_fault_respond_copies_headers() -> None:
    headers = {"Location": "https://example.test/"}
    fault = Respond(301, b"", headers)

    headers["Location"] = "http://evil.example/"

    assert fault.headers == {"Location": "https://example.test/"}


def test_fault_drop_connection_raises_on_client(sandbox: Sandbox) -> None:
    sandbox.inject(DropConnection())

    with pytest.raises(http.client.RemoteDisconnected):
        call(sandbox)

    assert call(sandbox)[::2] == (200, PONG)


def test_fault_slow_delays_response(sandbox: Sandbox) -> None:
    sandbox.inject(Slow(0.3))
    started = time.monotonic()

    status, _, body = call(sandbox)

    assert time.monotonic() - started >= 0.3
    assert (status, body) == (200, PONG)


def test_inject_consumes_faults_fifo_one_per_request(sandbox: Sandbox) -> None:
    sandbox.inject(RateLimited(), ServerFailure(503))
    sandbox.inject(Respond(418, b"teapot"))

    answers = [
        call(sandbox, path="/v1/ping")[0],
        call(sandbox, path="/nowhere")[0],
        call(sandbox, path="/v1/ping", authorization=None)[0],
        call(sandbox, path="/v1/ping")[0],
        call(sandbox, path="/v1/ping")[0],
    ]

    assert answers == [429, 503, 418, 200, 200]


def test_inject_rejects_non_fault(sandbox: Sandbox) -> None:
    with pytest.raises(TypeError, match=r"^inject\(\) takes Fault objects, not 429$"):
        sandbox.inject(RateLimited(), 429)  # type: ignore[arg-type]

    assert call(sandbox)[0] == 200


def test_reset_forgets_faults_and_requests(sandbox: Sandbox) -> None:
    sandbox.inject(ServerFailure())
    call(sandbox, path="/before-reset")

    sandbox.inject(ServerFailure())
    sandbox.reset()

    assert sandbox.requests == []
    assert call(sandbox)[0] == 200


def test_requests_record_method_path_and_headers(sandbox: Sandbox) -> None:
    authorization = "Basic !!not-base64!!"
    connection = connect(sandbox)
    try:
        connection.request(
            "GET",
            "/v1/ping?page=2",
            headers={"Authorization": authorization, "X-Trace": "abc"},
        )
        connection.getresponse().read()
        connection.request("POST", "/v1/ping", body=b'{"a":1}', headers={})
        connection.getresponse().read()
    finally:
        connection.close()

    host = urlsplit(sandbox.base_url).netloc
    assert sandbox.requests == [
        RecordedRequest(
            method="GET",
            path="/v1/ping?page=2",
            headers={
                "host": host,
                "accept-encoding": "identity",
                "authorization": authorization,
                "x-trace": "abc",
            },
            body=b"",
        ),
        RecordedRequest(
            method="POST",
            path="/v1/ping",
            headers={
                "host": host,
                "accept-encoding": "identity",
                "content-length": "7",
            },
            body=b'{"a":1}',
        ),
    ]


@pytest.mark.parametrize(
    ("header", "value", "status"),
    [
        pytest.param("Transfer-Encoding", "chunked", 501, id="chunked"),
        pytest.param("Content-Length", "-1", 400, id="negative-length"),
        pytest.param("Content-Length", "\N{SUPERSCRIPT TWO}", 400, id="unicode-digit"),
        pytest.param("Content-Length", str(2**40), 413, id="huge-length"),
    ],
)
def test_requests_unreadable_body_is_refused_unrecorded(
    sandbox: Sandbox, header: str, value: str, status: int
) -> None:
    connection = connect(sandbox)
    try:
        connection.putrequest("POST", "/v1/ping")
        connection.putheader(header, value.encode("latin-1"))
        connection.endheaders()
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()

    assert (response.status, response.getheader("Connection")) == (status, "close")
    assert sandbox.requests == []


def test_requests_property_is_a_copy(sandbox: Sandbox) -> None:
    call(sandbox)

    sandbox.requests.clear()

    assert len(sandbox.requests) == 1


def test_tls_rejects_client_without_ca(sandbox: Sandbox) -> None:
    untrusting = ssl.create_default_context()
    connection = connect(sandbox, untrusting)

    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            connection.request("GET", "/v1/ping")
    finally:
        connection.close()

    assert call(sandbox)[0] == 200


@pytest.mark.parametrize(
    "hostname",
    [
        pytest.param("127.0.0.1", id="ipv4"),
        pytest.param("localhost", id="localhost"),
    ],
)
def test_tls_certificate_covers_loopback_names(sandbox: Sandbox, hostname: str) -> None:
    context = ssl.create_default_context(cafile=sandbox.ca_bundle)
    port = address(sandbox)[1]
    connection = http.client.HTTPSConnection(
        hostname, port, context=context, timeout=10
    )
    try:
        connection.request("GET", "/v1/ping", headers={"Authorization": basic(KEY)})
        assert connection.getresponse().read() == PONG
    finally:
        connection.close()


def test_tls_silent_client_does_not_stall_server(sandbox: Sandbox) -> None:
    # The handshake timeout is 5 s: a handshake in the accept loop would hold
    # this call that long behind the silent client.
    with socket.create_connection(address(sandbox), timeout=10):
        started = time.monotonic()
        assert call(sandbox)[::2] == (200, PONG)
        assert time.monotonic() - started < 2.5


def test_trickle_sends_the_normal_answer_one_byte_at_a_time(sandbox: Sandbox) -> None:
    sandbox.inject(Trickle(0.05))
    started = time.monotonic()
    assert call(sandbox)[::2] == (200, PONG)
    assert time.monotonic() - started >= 0.05 * (len(PONG) - 1)


def test_recorded_request_repr_hides_the_authorization_header(
    sandbox: Sandbox,
) -> None:
    call(sandbox)
    (request,) = sandbox.requests
    assert request.headers["authorization"] == basic(KEY)
    assert "'authorization': '[secure]'" in repr(request)
    assert basic(KEY).split()[1] not in repr(sandbox.requests)


def test_sandbox_writes_nothing_to_stderr(
    sandbox: Sandbox, capfd: pytest.CaptureFixture[str]
) -> None:
    call(sandbox)
    call(sandbox, path="/missing", authorization=None)
    sandbox.inject(DropConnection())
    with pytest.raises(http.client.RemoteDisconnected):
        call(sandbox)
    connection = connect(sandbox, ssl.create_default_context())
    with pytest.raises(ssl.SSLCertVerificationError):
        connection.request("GET", "/v1/ping")
    connection.close()

    # A last full exchange, so the failed handshake has been handled.
    call(sandbox)

    assert capfd.readouterr() == ("", "")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_sandbox_answers_curl(sandbox: Sandbox) -> None:
    curl = shutil.which("curl")
    assert curl is not None

    result = subprocess.run(
        [
            curl,
            "-sS",
            "-u",
            f"{KEY}:",
            "--cacert",
            sandbox.ca_bundle,
            f"{sandbox.base_url}/v1/ping",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        '{"data":"pong!"}',
        "",
    )


def test_sandbox_serves_concurrent_keep_alive_clients(sandbox: Sandbox) -> None:
    def client() -> tuple[list[int], int]:
        statuses = []
        # http.client reconnects silently, so keep-alive shows as every
        # response arriving on the same socket object.
        sockets = []
        connection = connect(sandbox)
        try:
            for _ in range(20):
                connection.request(
                    "GET", "/v1/ping", headers={"Authorization": basic(KEY)}
                )
                response = connection.getresponse()
                assert response.read() == PONG
                statuses.append(response.status)
                sockets.append(connection.sock)
        finally:
            connection.close()
        return statuses, len({id(sock) for sock in sockets})

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(client) for _ in range(16)]
        results = [future.result(timeout=60) for future in futures]

    assert results == [([200] * 20, 1)] * 16
    assert len(sandbox.requests) == 320


def test_sandbox_default_key_is_random() -> None:
    first, second = Sandbox(), Sandbox()

    assert re.fullmatch(r"cm_sandbox_[0-9a-f]{32}", first.api_key)
    assert first.api_keys == (first.api_key,)
    assert first.api_key != second.api_key


def test_sandbox_keeps_given_keys_in_order() -> None:
    sandbox = Sandbox(iter([OTHER_KEY, KEY]))

    assert (sandbox.api_keys, sandbox.api_key) == ((OTHER_KEY, KEY), OTHER_KEY)


@pytest.mark.parametrize(
    ("api_keys", "error", "message"),
    [
        pytest.param(
            KEY,
            TypeError,
            "api_keys must be an iterable of keys, not one str; "
            "write Sandbox([api_key])",
            id="single-str",
        ),
        pytest.param(
            [], ValueError, "api_keys is empty; give at least one key", id="empty"
        ),
        pytest.param(
            ["cm:key"],
            ValueError,
            "api_keys contains ':' (character 3), which Basic Auth cannot send; "
            "copy the API key again from ChartMogul (Profile > API keys)",
            id="colon",
        ),
    ],
)
def test_sandbox_rejects_bad_api_keys(
    api_keys: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        Sandbox(api_keys)

    assert str(caught.value) == message


@pytest.mark.parametrize("attribute", ["base_url", "ca_bundle"])
def test_sandbox_not_started_has_no_address(attribute: str) -> None:
    with pytest.raises(RuntimeError) as caught:
        getattr(Sandbox(), attribute)

    assert str(caught.value) == (
        "the Sandbox is not running; call start() or use it in a with block"
    )


def test_sandbox_repr_shows_no_key() -> None:
    sandbox = Sandbox([KEY])

    assert repr(sandbox) == "<Sandbox not running, 1 key(s)>"


def test_start_twice_keeps_one_server() -> None:
    with Sandbox() as sandbox:
        base_url = sandbox.base_url

        assert sandbox.start() is sandbox
        assert sandbox.base_url == base_url


def test_start_after_stop_raises() -> None:
    sandbox = Sandbox()
    sandbox.start().stop()

    with pytest.raises(RuntimeError) as caught:
        sandbox.start()

    assert str(caught.value) == "a stopped Sandbox cannot start again; create another"


def test_stop_removes_ca_and_is_safe_twice() -> None:
    sandbox = Sandbox().start()
    ca_bundle = Path(sandbox.ca_bundle)
    assert ca_bundle.read_text().startswith("-----BEGIN CERTIFICATE-----")

    sandbox.stop()
    sandbox.stop()

    assert not ca_bundle.parent.exists()


def test_stop_without_start_is_harmless() -> None:
    Sandbox().stop()


def test_stop_interrupts_slow_request() -> None:
    sandbox = Sandbox().start()
    sandbox.inject(Slow(30))
    errors: list[BaseException] = []

    def client() -> None:
        try:
            call(sandbox, authorization=basic(sandbox.api_key))
        except (OSError, http.client.HTTPException) as exc:
            errors.append(exc)

    thread = threading.Thread(target=client)
    thread.start()
    wait_for_requests(sandbox, 1)

    started = time.monotonic()
    sandbox.stop()
    elapsed = time.monotonic() - started
    thread.join(timeout=10)

    assert elapsed < 5
    assert not thread.is_alive()
    assert [type(error) for error in errors] in (
        [ConnectionResetError],
        [http.client.RemoteDisconnected],
    )


def test_stop_closes_idle_keep_alive_connections() -> None:
    sandbox = Sandbox().start()
    connection = connect(sandbox)
    try:
        connection.request(
            "GET", "/v1/ping", headers={"Authorization": basic(sandbox.api_key)}
        )
        assert connection.getresponse().read() == PONG

        sandbox.stop()

        assert connection.sock is not None
        assert connection.sock.recv(1) == b""
    finally:
        connection.close()


def test_sandbox_serves_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("this Python has no IPv6 support")
    try:
        sandbox = Sandbox([KEY], host="::1").start()
    except OSError as exc:
        pytest.skip(f"cannot listen on ::1: {exc}")

    try:
        assert sandbox.base_url.startswith("https://[::1]:")
        assert call(sandbox)[::2] == (200, PONG)
    finally:
        sandbox.stop()


def test_sandbox_config_points_a_config_at_the_sandbox(sandbox: Sandbox) -> None:
    chosen = sandbox.config(OTHER_KEY, request_timeout=3)
    assert (chosen.api_key, chosen.request_timeout) == (OTHER_KEY, 3)
    assert (chosen.base_url, chosen.ca_bundle) == (sandbox.base_url, sandbox.ca_bundle)
    assert sandbox.config().api_key == KEY


def test_import_without_trustme_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "trustme", None)
    monkeypatch.delitem(sys.modules, "chartmogul_compat.sandbox")

    with pytest.raises(ImportError) as caught:
        importlib.import_module("chartmogul_compat.sandbox")

    assert str(caught.value) == (
        "chartmogul_compat.sandbox needs trustme; install it with "
        'pip install "chartmogul-compat[sandbox]" (from a checkout: '
        "pip install '.[sandbox]')"
    )
