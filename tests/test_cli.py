"""The command line, run as a real subprocess against the sandbox."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from typing import IO

import pytest

from chartmogul_compat import __version__
from chartmogul_compat._cli import (
    EXIT_API_ERROR,
    EXIT_AUTH,
    EXIT_CONFIG,
    EXIT_INTERRUPTED,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_USAGE,
    main,
)
from chartmogul_compat.sandbox import Sandbox, ServerFailure

WRONG_KEY = "cm_wrong_0123456789abcdef"


def _run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CHARTMOGUL_")}
    return subprocess.run(
        [sys.executable, "-m", "chartmogul_compat", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        timeout=timeout,
        check=False,
    )


def _ping_args(sandbox: Sandbox) -> list[str]:
    return ["ping", "--base-url", sandbox.base_url, "--ca-bundle", sandbox.ca_bundle]


def test_exit_codes_are_distinct_and_none_is_one() -> None:
    codes = [EXIT_OK, EXIT_USAGE, EXIT_CONFIG, EXIT_AUTH, EXIT_NETWORK, EXIT_API_ERROR]
    assert codes == [0, 2, 3, 4, 5, 6]


def test_ping_prints_pong(sandbox: Sandbox) -> None:
    result = _run(*_ping_args(sandbox), env={"CHARTMOGUL_API_KEY": sandbox.api_key})
    assert (result.returncode, result.stdout, result.stderr) == (0, "pong!\n", "")
    assert sandbox.requests[0].path == "/v1/ping"


def test_ping_with_legacy_variables_warns_on_stderr(sandbox: Sandbox) -> None:
    env = {
        "CHARTMOGUL_ACCOUNT_TOKEN": sandbox.api_key,
        "CHARTMOGUL_SECRET_KEY": sandbox.api_key,
    }
    result = _run(*_ping_args(sandbox), env=env)
    assert result.returncode == EXIT_OK
    assert result.stdout == "pong!\n"
    assert result.stderr.startswith(
        "warning: LegacyCredentialsWarning: CHARTMOGUL_ACCOUNT_TOKEN / "
        "CHARTMOGUL_SECRET_KEY are deprecated: set CHARTMOGUL_API_KEY"
    )
    assert sandbox.api_key not in result.stderr


def test_ping_without_credentials_is_a_configuration_error() -> None:
    result = _run("ping")
    assert result.returncode == EXIT_CONFIG
    assert result.stdout == ""
    assert result.stderr == (
        "chartmogul-compat: configuration error: no ChartMogul credentials in "
        "the environment: set CHARTMOGUL_API_KEY to your API key\n"
    )


def test_ping_with_a_malformed_key_names_the_variable() -> None:
    result = _run("ping", env={"CHARTMOGUL_API_KEY": "cm_live_5f0c2b9e8d7a41c3 "})
    assert result.returncode == EXIT_CONFIG
    assert result.stderr == (
        "chartmogul-compat: configuration error: CHARTMOGUL_API_KEY has trailing "
        "whitespace; copy the API key again from ChartMogul (Profile > API keys)\n"
    )


def test_ping_with_plain_http_is_a_configuration_error() -> None:
    result = _run(
        "ping",
        "--base-url",
        "http://127.0.0.1:1",
        env={"CHARTMOGUL_API_KEY": WRONG_KEY},
    )
    assert result.returncode == EXIT_CONFIG
    assert "base_url must start with https://" in result.stderr


def test_ping_with_a_wrong_key_is_an_authentication_failure(sandbox: Sandbox) -> None:
    result = _run(*_ping_args(sandbox), env={"CHARTMOGUL_API_KEY": WRONG_KEY})
    assert result.returncode == EXIT_AUTH
    assert result.stdout == ""
    assert result.stderr == (
        "chartmogul-compat: authentication failed (HTTP 401: No valid API key "
        "provided); check the API key (ChartMogul: Profile > API keys)\n"
    )


@pytest.mark.parametrize(
    "path", ["", "/cm_live_5f0c2b9e8d7a41c3"], ids=["root", "key-pasted-in-path"]
)
def test_ping_to_a_closed_port_is_a_network_failure(
    closed_port: int, path: str
) -> None:
    # The message names the origin only: a path is the user's text.
    result = _run(
        "ping",
        "--base-url",
        f"https://127.0.0.1:{closed_port}{path}",
        "--max-retries",
        "0",
        env={"CHARTMOGUL_API_KEY": WRONG_KEY},
    )
    assert result.returncode == EXIT_NETWORK
    assert result.stderr == (
        "chartmogul-compat: network error: could not reach "
        f"https://127.0.0.1:{closed_port}: Failed to establish a new connection: "
        "[Errno 111] Connection refused\n"
    )


def test_ping_with_an_untrusted_certificate_is_a_network_failure(
    sandbox: Sandbox,
) -> None:
    result = _run(
        "ping",
        "--base-url",
        sandbox.base_url,
        env={"CHARTMOGUL_API_KEY": sandbox.api_key},
    )
    assert result.returncode == EXIT_NETWORK
    assert result.stderr.startswith(
        f"chartmogul-compat: network error: TLS with {sandbox.base_url} failed: "
    )
    assert result.stderr.endswith(
        "give its PEM file as ca_bundle (on the command line: --ca-bundle PATH)\n"
    )
    assert len(sandbox.requests) == 0


def test_ping_with_a_server_error_is_an_api_error(sandbox: Sandbox) -> None:
    sandbox.inject(ServerFailure(500))
    result = _run(
        *_ping_args(sandbox),
        "--max-retries",
        "0",
        env={"CHARTMOGUL_API_KEY": sandbox.api_key},
    )
    assert result.returncode == EXIT_API_ERROR
    assert result.stderr == (
        "chartmogul-compat: API error: HTTP 500: the server answered with an HTML "
        "page instead of JSON\n"
    )


def test_ping_takes_no_key_option() -> None:
    result = _run("ping", "--api-key", WRONG_KEY)
    assert result.returncode == EXIT_USAGE
    assert "unrecognized arguments: --api-key ****cdef" in result.stderr
    assert WRONG_KEY not in result.stderr


def test_demo_shows_the_warning_the_pong_and_the_401() -> None:
    result = _run("demo")
    assert result.returncode == EXIT_OK, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("A local HTTPS sandbox is serving at https://127.0.0.1:")
    assert lines[1:] == [
        "",
        "1. Old code, with the same API key as token and secret:",
        "   config = Config(ACCOUNT_TOKEN, SECRET_KEY)",
        "   warning: LegacyCredentialsWarning: Config(account_token, secret_key) is "
        "deprecated: ChartMogul takes a single API key since October 2021, and this "
        "call now uses the account token as that key. Write Config(api_key) "
        "instead. The two-value form will be removed in chartmogul-compat 1.0.0.",
        "   Ping.ping(config).get() -> <Ping{data='pong!'}>",
        "pong!",
        "",
        "2. A wrong key gets a clear error, not a traceback:",
        "   AuthenticationError: HTTP 401: No valid API key provided",
    ]
    assert result.stderr == ""


def test_version_and_usage() -> None:
    version = _run("--version")
    assert (version.returncode, version.stdout) == (
        0,
        f"chartmogul-compat {__version__}\n",
    )
    assert _run().returncode == EXIT_USAGE
    unknown = _run("no-such-command")
    assert unknown.returncode == EXIT_USAGE
    assert unknown.stderr.startswith("chartmogul-compat: error: argument COMMAND: ")


def test_verbose_logs_the_request_without_the_key(sandbox: Sandbox) -> None:
    result = _run(
        "-v", *_ping_args(sandbox), env={"CHARTMOGUL_API_KEY": sandbox.api_key}
    )
    assert result.returncode == EXIT_OK
    assert "chartmogul_compat: GET /v1/ping -> 200 in " in result.stderr
    assert sandbox.api_key not in result.stderr


def test_console_script_is_installed() -> None:
    # The README's test command runs after `pip install`, which puts the
    # script beside the interpreter.
    script = os.path.join(os.path.dirname(sys.executable), "chartmogul-compat")
    result = subprocess.run(
        [script, "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout == f"chartmogul-compat {__version__}\n"


def _read_line(stream: IO[str]) -> str:
    line = stream.readline()
    assert line, "the sandbox command ended early"
    return line.rstrip("\n")


def _start_sandbox_command(*args: str) -> subprocess.Popen[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CHARTMOGUL_")}
    return subprocess.Popen(
        [sys.executable, "-m", "chartmogul_compat", "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=base,
    )


def _stop(process: subprocess.Popen[str], signum: int) -> tuple[int, str]:
    process.send_signal(signum)
    returncode = process.wait(timeout=10)
    assert process.stderr is not None
    stderr = process.stderr.read()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    return returncode, stderr


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["int", "term", "hup"]
)
def test_sandbox_command_serves_until_stopped_and_cleans_up(signum: int) -> None:
    process = _start_sandbox_command()
    try:
        assert process.stdout is not None
        exports = dict(
            _read_line(process.stdout).removeprefix("export ").split("=", 1)
            for _ in range(3)
        )
        assert sorted(exports) == [
            "CHARTMOGUL_API_KEY",
            "CHARTMOGUL_BASE_URL",
            "CHARTMOGUL_CA_BUNDLE",
        ]
        # Exported as printed, they are all `ping` needs.
        pinged = _run("ping", env=exports)
        assert (pinged.returncode, pinged.stdout, pinged.stderr) == (0, "pong!\n", "")
    finally:
        returncode, stderr = _stop(process, signum)

    url = exports["CHARTMOGUL_BASE_URL"]
    assert returncode == EXIT_OK
    assert stderr == (
        f"ChartMogul sandbox at {url} (Ctrl-C to stop); with the lines above "
        "exported, `chartmogul-compat ping` pings it\n"
    )
    assert not os.path.exists(exports["CHARTMOGUL_CA_BUNDLE"])


def test_sandbox_command_on_a_busy_port_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = _run("sandbox", "--port", str(port))
    assert result.returncode == EXIT_CONFIG
    assert result.stderr == (
        f"chartmogul-compat: cannot listen on 127.0.0.1:{port}: Address already in "
        "use\n"
    )


@pytest.mark.parametrize(
    "port", ["99999", "-1", "http"], ids=["high", "negative", "word"]
)
def test_sandbox_command_rejects_a_bad_port(port: str) -> None:
    result = _run("sandbox", "--port", port)
    assert result.returncode == EXIT_USAGE
    assert result.stderr.startswith("chartmogul-compat: error: argument --port: must ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--key", "KEY"], "unrecognized arguments: --key ****41c3"),
        (["--api-key=KEY"], "unrecognized arguments: --api-key=****41c3"),
        (["-xKEY"], "unrecognized arguments: -x****41c3"),
        (["--timeout=KEY"], "argument --timeout: invalid float value: '****41c3'"),
        (
            ["--max-retries", "KEY"],
            "argument --max-retries: invalid int value: '****41c3'",
        ),
        (["--time", "5"], "unrecognized arguments: --time 5"),
    ],
    ids=["separate", "joined", "short", "bad-float", "bad-int", "no-abbreviations"],
)
def test_usage_errors_never_echo_a_pasted_key(
    arguments: list[str], message: str
) -> None:
    key = "cm_live_5f0c2b9e8d7a41c3"
    result = _run("ping", *(argument.replace("KEY", key) for argument in arguments))
    assert result.returncode == EXIT_USAGE
    assert result.stderr == (
        f"chartmogul-compat: error: {message} (see chartmogul-compat --help)\n"
    )


def test_verbose_main_in_process_leaves_logging_as_it_was(
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CHARTMOGUL_API_KEY", sandbox.api_key)
    import chartmogul_compat._transport  # noqa: F401 - adds the NullHandler first

    logger = logging.getLogger("chartmogul_compat")
    handlers, level = list(logger.handlers), logger.level
    for _ in range(3):
        assert main(["-v", *_ping_args(sandbox)]) == EXIT_OK
        err = capsys.readouterr().err
        assert err.count("chartmogul_compat: GET /v1/ping -> 200") == 1
    assert (logger.handlers, logger.level) == (handlers, level)


def test_demo_behind_a_proxy_says_so_in_one_line(closed_port: int) -> None:
    result = _run("demo", env={"HTTPS_PROXY": f"http://127.0.0.1:{closed_port}"})
    assert result.returncode == EXIT_NETWORK
    assert result.stderr.startswith(
        "chartmogul-compat: the demo could not reach its own sandbox: could not "
        "reach https://127.0.0.1:"
    )
    assert result.stderr.endswith("If HTTPS_PROXY is set, add 127.0.0.1 to NO_PROXY\n")
    assert result.stderr.count("\n") == 1


def test_verbose_works_after_the_command_and_logs_only_the_package(
    sandbox: Sandbox,
) -> None:
    result = _run(
        *_ping_args(sandbox), "-v", env={"CHARTMOGUL_API_KEY": sandbox.api_key}
    )
    assert result.returncode == EXIT_OK
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("chartmogul_compat: GET /v1/ping -> 200 in ")


def test_ping_reads_base_url_and_ca_bundle_from_the_environment(
    sandbox: Sandbox,
) -> None:
    env = {
        "CHARTMOGUL_API_KEY": sandbox.api_key,
        "CHARTMOGUL_BASE_URL": sandbox.base_url,
        "CHARTMOGUL_CA_BUNDLE": sandbox.ca_bundle,
    }
    result = _run("ping", env=env)
    assert (result.returncode, result.stdout) == (0, "pong!\n")


def test_ping_interrupted_says_so_and_exits_130() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        base = {k: v for k, v in os.environ.items() if not k.startswith("CHARTMOGUL_")}
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "chartmogul_compat",
                "ping",
                "--base-url",
                f"https://127.0.0.1:{port}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**base, "CHARTMOGUL_API_KEY": WRONG_KEY},
        )
        # Interrupted once it waits on the silent server's TLS handshake.
        silent.settimeout(30)
        connection, _ = silent.accept()
        with connection:
            time.sleep(0.2)  # from connect() into the handshake's read
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate(timeout=10)
    assert (process.returncode, stdout, stderr) == (
        EXIT_INTERRUPTED,
        "",
        "chartmogul-compat: interrupted\n",
    )


def test_main_returns_the_code_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ping"]) == EXIT_CONFIG
    assert capsys.readouterr().err.startswith("chartmogul-compat: configuration error")
