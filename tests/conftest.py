"""Shared fixtures: one sandbox for the session, reset around each test."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from chartmogul_compat.sandbox import Sandbox

# The pytester fixture, for the tests of the package's pytest plugin.
pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(sandbox_server: Sandbox) -> Iterator[Sandbox]:
    sandbox_server.reset()
    yield sandbox_server
    sandbox_server.reset()


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(autouse=True)
def _clean_network_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # CI images often set these; each test that wants one sets it itself.
    for name in (
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "CHARTMOGUL_API_KEY",
        "CHARTMOGUL_ACCOUNT_TOKEN",
        "CHARTMOGUL_SECRET_KEY",
    ):
        monkeypatch.delenv(name, raising=False)


# The scanner's sample projects hold Python files that are not tests (and one
# that does not parse).
collect_ignore = ["scan_fixtures"]
