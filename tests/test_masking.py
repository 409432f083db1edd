"""A credential never shows: not in a repr, a warning, a log line, an
exception, a traceback or CLI output. Every path runs with a sentinel key."""

from __future__ import annotations

import base64
import io
import logging
import os
import pickle
import traceback
import warnings
from collections.abc import Callable, Iterator

import pytest

import chartmogul_compat as cm
from chartmogul_compat._config import transport_for
from chartmogul_compat.sandbox import (
    DropConnection,
    InvalidJSON,
    RateLimited,
    Respond,
    Sandbox,
    ServerFailure,
    Slow,
)

SENTINEL = "cm_sentinel_7d1e0c55b2a94f36"
SECRET = "cm_sentinel_secret_44e0a9c1b7"
# What a leak could look like: the key, its Basic Auth form, its masked tail
# being longer than four characters.
FORBIDDEN = [
    SENTINEL,
    SECRET,
    base64.b64encode(f"{SENTINEL}:".encode()).decode(),
    base64.b64encode(f"{SENTINEL}:".encode()).decode()[:-2],
    SENTINEL[-5:],
    SECRET[-5:],
]


@pytest.fixture
def leak_sandbox() -> Iterator[Sandbox]:
    # Accepts the sentinel, so that successful paths run with it too.
    with Sandbox([SENTINEL]) as sandbox:
        yield sandbox


def _assert_clean(text: str) -> None:
    for forbidden in FORBIDDEN:
        assert forbidden not in text


def _render(error: BaseException) -> str:
    """Every way an error gets printed, including with each frame's locals."""
    parts = [str(error), repr(error)]
    parts.extend(traceback.format_exception(type(error), error, error.__traceback__))
    return "\n".join(parts)


def _caught(call: Callable[[], object]) -> BaseException:
    """The exception ``call`` raises, with a traceback that starts here.

    The test's own frame stays out of it: it holds the key it passed, as any
    caller's frame does, which no library can hide.
    """
    try:
        call()
    except BaseException as error:  # handed back to the caller
        return error
    raise AssertionError("nothing was raised")


def _render_with_locals(error: BaseException) -> str:
    """What error trackers and ``pytest -l`` show: every frame's locals."""
    rendered = traceback.TracebackException.from_exception(error, capture_locals=True)
    return "".join(rendered.format())


def test_tracebacks_with_locals_do_not_leak_the_key(
    leak_sandbox: Sandbox, closed_port: int
) -> None:
    sandbox = leak_sandbox
    port = closed_port
    configs = {
        "unauthorized": cm.Config(
            SECRET, base_url=sandbox.base_url, ca_bundle=sandbox.ca_bundle
        ),
        "timeout": cm.Config(
            SENTINEL, 0.2, 0, base_url=sandbox.base_url, ca_bundle=sandbox.ca_bundle
        ),
        "tls": cm.Config(SENTINEL, base_url=sandbox.base_url),
        "refused": cm.Config(
            SENTINEL, base_url=f"https://127.0.0.1:{port}", max_retries=0
        ),
    }
    expected = {
        "unauthorized": cm.AuthenticationError,
        "timeout": cm.RequestTimeout,
        "tls": cm.TLSError,
        "refused": cm.ConnectError,
    }

    for name, config in configs.items():
        if name == "timeout":
            sandbox.inject(Slow(2))
        error = _caught(lambda config=config: cm.Ping.ping(config).get())  # type: ignore[misc]
        assert type(error) is expected[name]
        # The chained requests and urllib3 errors are there, tracebacks gone.
        assert error.__cause__ is not None
        rendered = _render_with_locals(error)
        assert "The above exception was the direct cause" in rendered
        _assert_clean(rendered)
        config.close()


def _legacy_as_error(call: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("error", cm.LegacyCredentialsWarning)
            return call()

    return run


_LEGACY_ENV = {"CHARTMOGUL_ACCOUNT_TOKEN": SENTINEL, "CHARTMOGUL_SECRET_KEY": SECRET}


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        # An error filter turns the legacy warning into an exception raised
        # from inside the constructor, whose frames held the pair.
        (
            _legacy_as_error(lambda: cm.Config(SENTINEL, SECRET)),  # type: ignore[deprecated]
            cm.SecretKeyMismatchWarning,
        ),
        (
            _legacy_as_error(lambda: cm.Config(account_token=SENTINEL)),  # type: ignore[deprecated]
            cm.LegacyCredentialsWarning,
        ),
        (
            _legacy_as_error(lambda: cm.Config.from_env(_LEGACY_ENV)),
            cm.SecretKeyMismatchWarning,
        ),
        (lambda: cm.Config(SENTINEL + "\n"), cm.ConfigurationError),
        (lambda: cm.Config(SENTINEL, SECRET + " "), cm.ConfigurationError),  # type: ignore[deprecated]
        (lambda: cm.Config(SENTINEL, base_url="http://x"), cm.ConfigurationError),
        (lambda: cm.Config(SENTINEL, 1, 2, 3, 4), TypeError),  # type: ignore[call-overload]
        (lambda: cm.Config(SENTINEL, api_key=SENTINEL), TypeError),  # type: ignore[call-overload]
        (
            lambda: cm.Config.from_env({"CHARTMOGUL_API_KEY": SENTINEL + " x"}),
            cm.ConfigurationError,
        ),
    ],
    ids=[
        "legacy-warning-as-error",
        "legacy-keyword-warning-as-error",
        "from-env-warning-as-error",
        "invalid-key",
        "invalid-secret",
        "bad-setting",
        "too-many-arguments",
        "key-given-twice",
        "from-env-invalid-key",
    ],
)
def test_constructor_failures_with_locals_do_not_leak_the_key(
    call: Callable[[], object], expected: type[BaseException]
) -> None:
    # What pytest -l, Sentry or rich show: each frame's locals, of linked
    # errors too. The callers here hold the key as a global, not a local.
    error = _caught(call)
    assert type(error) is expected
    package = os.path.dirname(cm.__file__) + os.sep
    ours = [
        frame
        for frame, _ in traceback.walk_tb(error.__traceback__)
        if frame.f_code.co_filename.startswith(package)
    ]
    assert ours  # the error left through the package's own frame
    _assert_clean(_render_with_locals(error))


def test_no_path_leaks_the_key(
    leak_sandbox: Sandbox,
    closed_port: int,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    sandbox = leak_sandbox

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        legacy = cm.Config(  # type: ignore[deprecated]
            SENTINEL,
            SECRET,
            base_url=sandbox.base_url,
            ca_bundle=sandbox.ca_bundle,
            backoff_factor=0,
        )
        cm.Config(SENTINEL, SENTINEL)  # type: ignore[deprecated]
        cm.Config.from_env(
            {"CHARTMOGUL_ACCOUNT_TOKEN": SENTINEL, "CHARTMOGUL_SECRET_KEY": SECRET}
        )
        cm.Config.from_env(
            {"CHARTMOGUL_API_KEY": SENTINEL, "CHARTMOGUL_SECRET_KEY": SECRET}
        )
    assert len(caught) == 4
    seen.extend(str(w.message) for w in caught)
    seen.extend(
        warnings.formatwarning(w.message, w.category, w.filename, w.lineno)
        for w in caught
    )

    seen.extend([repr(legacy), str(legacy), repr(transport_for(legacy))])
    seen.append(repr(cm.Ping.ping(legacy).get()))
    seen.append(repr(transport_for(legacy)._pool.session.auth))  # type: ignore[union-attr]

    # Every fault, with retries on so the retry log lines run too.
    sandbox.inject(RateLimited("0"), ServerFailure(503), DropConnection())
    seen.append(repr(cm.Ping.ping(legacy).get()))
    for fault in (
        InvalidJSON(),
        Respond(302, b"", {"Location": "http://elsewhere.example/"}),
        Respond(400, b'{"code":400,"message":"bad","param":"x"}'),
    ):
        sandbox.inject(fault)
        with pytest.raises(cm.APIError) as error:
            cm.Ping.ping(legacy).get()
        seen.append(_render(error.value))

    wrong = cm.Config(SECRET, base_url=sandbox.base_url, ca_bundle=sandbox.ca_bundle)
    with pytest.raises(cm.AuthenticationError) as unauthorized:
        cm.Ping.ping(wrong).get()
    seen.append(_render(unauthorized.value))

    sandbox.inject(Slow(2))
    slow = cm.Config(
        SENTINEL, 0.2, 0, base_url=sandbox.base_url, ca_bundle=sandbox.ca_bundle
    )
    with pytest.raises(cm.RequestTimeout) as timed_out:
        cm.Ping.ping(slow).get()
    seen.append(_render(timed_out.value))

    untrusted = cm.Config(SENTINEL, base_url=sandbox.base_url, max_retries=0)
    with pytest.raises(cm.TLSError) as tls:
        cm.Ping.ping(untrusted).get()
    seen.append(_render(tls.value))

    closed = cm.Config(
        SENTINEL, base_url=f"https://127.0.0.1:{closed_port}", max_retries=0
    )
    with pytest.raises(cm.ConnectError) as refused:
        cm.Ping.ping(closed).get()
    seen.append(_render(refused.value))

    for bad in (SENTINEL + "\n", SENTINEL + ":x", " " + SENTINEL, SENTINEL + "é"):
        with pytest.raises(cm.ConfigurationError) as invalid:
            cm.Config(bad)
        seen.append(_render(invalid.value))
        with pytest.raises(cm.ConfigurationError) as invalid_secret:
            cm.Config(SENTINEL, bad)  # type: ignore[deprecated]
        seen.append(_render(invalid_secret.value))

    with pytest.raises(TypeError) as pickled:
        pickle.dumps(legacy)
    seen.append(_render(pickled.value))

    for config in (legacy, wrong, slow, untrusted, closed):
        config.close()

    seen.append(repr(sandbox.requests))

    seen.extend(record.getMessage() for record in caplog.records)
    captured = capsys.readouterr()
    seen.extend([captured.out, captured.err])

    # The checks above must have produced real text to search.
    assert len(seen) > 30
    assert any("GET /v1/ping -> 200" in line for line in seen)
    assert any("retrying GET /v1/ping" in line for line in seen)
    _assert_clean("\n".join(seen))


def test_logging_a_config_with_percent_args_is_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    config = cm.Config(SENTINEL)
    logging.getLogger("app").info("using %s and %r", config, config)
    stream = io.StringIO()
    print(config, file=stream)
    _assert_clean(caplog.text + stream.getvalue())
    assert "****4f36" in caplog.text


PROXY_PASSWORD = "px_sentinel/9c2e41"
UNPARSABLE_PROXY = (
    "the proxy set in the environment (HTTPS_PROXY) for {base_url} is not a "
    "valid URL: check its host and port, and percent-encode any / # ? @ in its "
    "user name or password"
)


@pytest.mark.parametrize(
    ("proxy", "message"),
    [
        # Ports past 65535 and a "/" left unescaped in the password fail
        # urllib3's URL parser, whose message quotes the whole URL.
        (f"http://proxyuser:{PROXY_PASSWORD}@127.0.0.1:3128", UNPARSABLE_PROXY),
        ("http://proxyuser:px_sentinel_9c2e41@127.0.0.1:99999", UNPARSABLE_PROXY),
        (
            "http://proxyuser:px_sentinel_9c2e41@127.0.0.1:{closed_port}",
            "could not reach {base_url} through the proxy set in the environment "
            "(HTTPS_PROXY): Failed to establish a new connection: [Errno 111] "
            "Connection refused",
        ),
    ],
    ids=["unescaped-slash", "bad-port", "refused"],
)
def test_a_proxy_password_never_shows_in_errors(
    leak_sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    closed_port: int,
    proxy: str,
    message: str,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.format(closed_port=closed_port))
    config = leak_sandbox.config(max_retries=0)
    error = _caught(lambda: cm.Ping.ping(config).get())
    config.close()

    assert str(error) == message.format(base_url=leak_sandbox.base_url)
    rendered = _render_with_locals(error)
    assert "The above exception was the direct cause" in rendered
    assert "px_sentinel" not in rendered
