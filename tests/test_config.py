"""Config: both constructor shapes, validation, the warnings, from_env."""

from __future__ import annotations

import copy
import inspect
import pickle
import warnings
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import trustme
from packaging.version import Version

import chartmogul_compat
from chartmogul_compat import (
    DEFAULT_TIMEOUT,
    ArgumentMissingError,
    Config,
    ConfigurationError,
    LegacyCredentialsWarning,
    SecretKeyMismatchWarning,
)
from chartmogul_compat._version import LEGACY_REMOVAL_VERSION

KEY = "cm_live_5f0c2b9e8d7a41c3"
OTHER = "cm_live_0aa11bb22cc33dd4"


def _line_of(marker: str) -> int:
    """The line number in this file of the line ending with ``# marker``."""
    source = Path(__file__).read_text().splitlines()
    return next(n for n, line in enumerate(source, 1) if line.endswith(f"# {marker}"))


# --- the modern shape -------------------------------------------------------


def test_modern_constructor_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = Config(KEY)
    assert config.api_key == KEY
    assert config.auth == (KEY, "")
    assert config.uri == "https://api.chartmogul.com/v1"
    assert config.request_timeout is None
    assert config.timeout == DEFAULT_TIMEOUT
    assert config.max_retries == 20
    assert config.backoff_factor == 2


@pytest.mark.parametrize(
    ("args", "kwargs", "timeout", "retries", "backoff"),
    [
        ((KEY, 30), {}, 30, 20, 2),
        ((KEY, None, 4, 0), {}, None, 4, 0),
        ((KEY, 2.5, 3, 1.5), {}, 2.5, 3, 1.5),
        ((KEY,), {"request_timeout": (3, 7), "max_retries": 0}, (3, 7), 0, 2),
        ((), {"api_key": KEY, "backoff_factor": 0}, None, 20, 0),
    ],
    ids=["timeout", "official-test-shape", "floats", "tuple-timeout", "keywords"],
)
def test_modern_positionals_keep_the_official_meaning(
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    timeout: object,
    retries: int,
    backoff: float,
) -> None:
    config = Config(*args, **kwargs)
    assert config.api_key == KEY
    assert config.request_timeout == timeout
    assert config.max_retries == retries
    assert config.backoff_factor == backoff


# --- the legacy shape -------------------------------------------------------


def test_legacy_constructor_warns_at_the_callers_line() -> None:
    with pytest.warns(LegacyCredentialsWarning) as caught:
        config = Config(KEY, KEY)  # type: ignore[deprecated]  # legacy-call-site
    assert config.api_key == KEY
    assert config.auth == (KEY, "")
    assert len(caught) == 1
    assert caught[0].category is LegacyCredentialsWarning
    assert caught[0].filename == __file__
    assert caught[0].lineno == _line_of("legacy-call-site")


def test_legacy_warning_message_is_exact_and_holds_no_value() -> None:
    with pytest.warns(LegacyCredentialsWarning) as caught:
        Config(KEY, KEY)  # type: ignore[deprecated]
    message = str(caught[0].message)
    assert message == (
        "Config(account_token, secret_key) is deprecated: ChartMogul takes a "
        "single API key since October 2021, and this call now uses the account "
        "token as that key. Write Config(api_key) instead. The two-value form "
        f"will be removed in chartmogul-compat {LEGACY_REMOVAL_VERSION}."
    )
    assert KEY not in message


def test_legacy_mismatch_warns_with_the_stronger_category() -> None:
    with pytest.warns(SecretKeyMismatchWarning) as caught:
        config = Config(KEY, OTHER)  # type: ignore[deprecated]  # mismatch-call-site
    assert config.api_key == KEY
    assert len(caught) == 1
    assert issubclass(caught[0].category, LegacyCredentialsWarning)
    assert caught[0].lineno == _line_of("mismatch-call-site")
    message = str(caught[0].message)
    assert KEY not in message
    assert OTHER not in message
    assert "secret key is ignored" in message


def test_legacy_warning_is_a_deprecation_warning() -> None:
    assert issubclass(LegacyCredentialsWarning, DeprecationWarning)
    assert issubclass(SecretKeyMismatchWarning, LegacyCredentialsWarning)


class _Subclassed(Config):
    def __init__(self, token: str, secret: str) -> None:
        super().__init__(token, secret)  # type: ignore[deprecated]  # subclass-call-site


def test_legacy_warning_blames_the_first_frame_outside_the_package() -> None:
    with pytest.warns(LegacyCredentialsWarning) as caught:
        _Subclassed(KEY, KEY)
    assert caught[0].filename == __file__
    assert caught[0].lineno == _line_of("subclass-call-site")


def test_legacy_warning_becomes_an_error_under_a_filter() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", LegacyCredentialsWarning)
        with pytest.raises(LegacyCredentialsWarning):
            Config(KEY, KEY)  # type: ignore[deprecated]


@pytest.mark.parametrize(
    ("args", "kwargs", "timeout", "retries", "backoff"),
    [
        ((KEY, KEY, 30), {}, 30, 20, 2),
        ((KEY, KEY, None, 5, 0), {}, None, 5, 0),
        ((KEY, KEY), {"max_retries": 3}, None, 3, 2),
        ((), {"account_token": KEY, "secret_key": KEY}, None, 20, 2),
        ((KEY,), {"secret_key": KEY, "request_timeout": 9}, 9, 20, 2),
        ((), {"account_token": KEY}, None, 20, 2),
        ((), {"secret_key": KEY}, None, 20, 2),
        (("", KEY), {}, None, 20, 2),
        ((KEY, ""), {}, None, 20, 2),
    ],
    ids=[
        "timeout",
        "all-positional",
        "keyword-retries",
        "keywords",
        "mixed",
        "token-only",
        "secret-only",
        "empty-token",
        "empty-secret",
    ],
)
def test_legacy_positionals_keep_the_legacy_meaning(
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    timeout: object,
    retries: int,
    backoff: float,
) -> None:
    with pytest.warns(LegacyCredentialsWarning):
        config = Config(*args, **kwargs)
    assert config.api_key == KEY
    assert config.request_timeout == timeout
    assert config.max_retries == retries
    assert config.backoff_factor == backoff


def test_positional_none_second_is_a_modern_timeout() -> None:
    # `Config(key, None)` is the modern shape with request_timeout=None.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = Config(KEY, None)
    assert config.request_timeout is None


def test_deprecation_removal_version_is_not_reached_yet() -> None:
    # Fails on the release that should have removed the legacy constructor.
    assert Version(chartmogul_compat.__version__) < Version(LEGACY_REMOVAL_VERSION)


# --- errors at construction ------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((KEY,), {"token": KEY}, "unexpected keyword argument 'token'"),
        ((KEY, KEY, None, 1, 1, 1), {}, "at most 5 positional arguments (6 given)"),
        ((KEY, None, 1, 1, 1), {}, "at most 4 positional arguments (5 given)"),
        ((KEY,), {"api_key": KEY}, "multiple values for argument 'api_key'"),
        (
            (KEY, KEY),
            {"account_token": KEY},
            "multiple values for argument 'account_token'",
        ),
    ],
    ids=["unknown-keyword", "too-many-legacy", "too-many-modern", "dup", "dup-legacy"],
)
def test_bad_call_shapes_raise_type_error(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError) as caught:
        Config(*args, **kwargs)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"api_key": KEY, "account_token": KEY},
        {"api_key": KEY, "secret_key": KEY},
    ],
    ids=["with-token", "with-secret"],
)
def test_mixing_api_key_with_legacy_keywords_is_an_error(
    kwargs: dict[str, Any],
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Config(**kwargs)
    assert str(caught.value) == (
        "api_key cannot be combined with account_token or secret_key: pass only "
        "Config(api_key)"
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (
            (),
            {},
            "api_key is missing: pass Config(api_key), or use "
            "Config.from_env() to read CHARTMOGUL_API_KEY",
        ),
        (
            (None,),
            {},
            "api_key is None: pass your API key as Config(api_key); if it comes "
            "from an environment variable, that variable is not set",
        ),
        (
            (None, None),
            {},
            "api_key is None: pass your API key as Config(api_key); if it comes "
            "from an environment variable, that variable is not set",
        ),
        (
            ("",),
            {},
            "api_key is empty; copy the API key again from ChartMogul "
            "(Profile > API keys)",
        ),
        (
            (KEY + "\n",),
            {},
            "api_key has a trailing newline; copy the API key "
            "again from ChartMogul (Profile > API keys)",
        ),
        (
            (KEY, KEY + "\n"),
            {},
            "secret_key has a trailing newline; copy the API "
            "key again from ChartMogul (Profile > API keys)",
        ),
        (
            (KEY, b"secret"),
            {},
            "secret_key must be a str, not bytes; decode it "
            "first, for example value.decode('ascii')",
        ),
        (
            ("", ""),
            {},
            "account_token and secret_key are both empty; pass your "
            "API key as Config(api_key)",
        ),
        (
            (KEY, [1]),
            {},
            "request_timeout must be seconds (a number), a (connect, "
            "read) pair or None, not list; if this is a secret key, pass "
            "Config(api_key) instead",
        ),
        ((KEY, 0), {}, "request_timeout must be more than 0 and at most 86400 seconds"),
        (
            (KEY, -1),
            {},
            "request_timeout must be more than 0 and at most 86400 seconds",
        ),
        (
            (KEY, True),
            {},
            "request_timeout must be seconds (a number), a (connect, "
            "read) pair or None, not bool; if this is a secret key, pass "
            "Config(api_key) instead",
        ),
        (
            (KEY,),
            {"request_timeout": (1, 0)},
            "request_timeout (read) must be more than 0 and at most 86400 seconds",
        ),
        ((KEY,), {"max_retries": -1}, "max_retries must be >= 0 (0 turns retries off)"),
        ((KEY,), {"max_retries": 2.0}, "max_retries must be an int, not float"),
        (
            (KEY,),
            {"backoff_factor": "2"},
            "backoff_factor must be a number of seconds, not str",
        ),
        (
            (KEY,),
            {"backoff_factor": float("nan")},
            "backoff_factor must be a number of seconds from 0 to 86400",
        ),
        (
            (KEY,),
            {"retry_budget": float("inf")},
            "retry_budget must be a number of seconds from 0 to 86400",
        ),
        (
            (KEY, 1e10),
            {},
            "request_timeout must be more than 0 and at most 86400 seconds",
        ),
        (
            (KEY, Decimal("1e-400")),
            {},
            "request_timeout must be more than 0 and at most 86400 seconds",
        ),
        (
            (KEY, Decimal("NaN")),
            {},
            "request_timeout must be more than 0 and at most 86400 seconds",
        ),
        (
            (KEY,),
            {"backoff_factor": Decimal("sNaN")},
            "backoff_factor must be a number of seconds from 0 to 86400",
        ),
        (
            (KEY, 10**400),
            {},
            "request_timeout must be more than 0 and at most 86400 seconds",
        ),
        (
            (KEY,),
            {"retry_budget": Fraction(10**400)},
            "retry_budget must be a number of seconds from 0 to 86400",
        ),
    ],
    ids=[
        "no-key",
        "none-key",
        "none-none",
        "empty-key",
        "newline-key",
        "newline-secret",
        "bytes-secret",
        "both-empty",
        "list-timeout",
        "zero-timeout",
        "negative-timeout",
        "bool-timeout",
        "zero-read-timeout",
        "negative-retries",
        "float-retries",
        "str-backoff",
        "nan-backoff",
        "infinite-budget",
        "huge-timeout",
        "underflowing-timeout",
        "decimal-nan-timeout",
        "signalling-nan-backoff",
        "int-overflow-timeout",
        "fraction-overflow-budget",
    ],
)
def test_bad_values_raise_configuration_error(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with warnings.catch_warnings():
        # A failing call raises without warning first.
        warnings.simplefilter("error")
        with pytest.raises(ConfigurationError) as caught:
            Config(*args, **kwargs)
    assert str(caught.value) == message
    assert KEY not in str(caught.value)


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        (
            "http://api.chartmogul.com",
            "base_url must start with https://: the API "
            "key travels in every request and ChartMogul accepts HTTPS only",
        ),
        (
            "api.chartmogul.com",
            "base_url must start with https://: the API key "
            "travels in every request and ChartMogul accepts HTTPS only",
        ),
        ("https://", "base_url has no host name"),
        (
            "https://u:p@api.chartmogul.com",
            "base_url must not contain user information; pass the key as api_key",
        ),
        (
            "https://api.chartmogul.com/?a=1",
            "base_url must not have a query or fragment",
        ),
        (
            "https://api.chartmogul.com/v1",
            "base_url must not end in /v1: it is "
            "the API's root, and /v1 is added (config.uri)",
        ),
        (
            "https://api.chartmogul.com:99999",
            "base_url is not a valid URL; use e.g. https://api.chartmogul.com",
        ),
        (
            "https://a..b",
            "base_url has a malformed host name",
        ),
        (
            "https://" + "a" * 64 + ".example",
            "base_url has a malformed host name",
        ),
        ("https://exa mple.com", "base_url has a malformed host name"),
        ("https://host%00.example", "base_url has a malformed host name"),
        ("https://exa\u200bmple.com", "base_url has a malformed host name"),
        ("https://-leading.example", "base_url has a malformed host name"),
        ("https://" + "a." * 127 + "com", "base_url has a malformed host name"),
        (b"https://api.chartmogul.com", "base_url must be a str, not bytes"),
    ],
    ids=[
        "http",
        "no-scheme",
        "no-host",
        "userinfo",
        "query",
        "v1",
        "port",
        "empty-label",
        "long-label",
        "space",
        "percent",
        "zero-width-space",
        "leading-hyphen",
        "long-name",
        "bytes",
    ],
)
def test_base_url_must_be_plain_https(base_url: Any, message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Config(KEY, base_url=base_url)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("base_url", "uri"),
    [
        ("https://[::1]:8443", "https://[::1]:8443/v1"),
        ("https://bücher.example", "https://bücher.example/v1"),
        ("https://internal_host.corp:9000", "https://internal_host.corp:9000/v1"),
        ("https://api.chartmogul.com/", "https://api.chartmogul.com/v1"),
        ("HTTPS://127.0.0.1:8443", "https://127.0.0.1:8443/v1"),
        ("https://proxy.example/chartmogul/", "https://proxy.example/chartmogul/v1"),
    ],
    ids=["ipv6", "idn", "underscore", "trailing-slash", "upper-scheme", "path-prefix"],
)
def test_base_url_is_normalised(base_url: str, uri: str) -> None:
    assert Config(KEY, base_url=base_url).uri == uri


def test_ca_bundle_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Config(KEY, ca_bundle=tmp_path / "missing.pem")
    assert str(caught.value) == (
        "ca_bundle must name an existing PEM file of CA certificates"
    )

    not_pem = tmp_path / "hostname"
    not_pem.write_text("build-host\n")
    with pytest.raises(ConfigurationError) as caught:
        Config(KEY, ca_bundle=not_pem)
    assert str(caught.value) == (
        "ca_bundle holds no CA certificate in PEM form; give the CA's PEM file "
        "(for the sandbox, its ca_bundle)"
    )

    pem = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(pem))
    assert Config(KEY, ca_bundle=pem).ca_bundle == str(pem)


# --- repr, immutability, copies ---------------------------------------------


@pytest.mark.parametrize("render", [repr, str], ids=["repr", "str"])
def test_repr_masks_the_key(render: Any) -> None:
    assert render(Config(KEY)) == (
        "Config(api_key='****41c3', base_url='https://api.chartmogul.com', "
        "request_timeout=None, max_retries=20, backoff_factor=2.0)"
    )


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(Decimal("2.5"), 2.5), (Fraction(1, 2), 0.5), (7, 7.0)],
    ids=["decimal", "fraction", "int"],
)
def test_any_real_number_is_a_timeout(value: Any, seconds: float) -> None:
    config = Config(KEY, value, 3, value)
    assert config.timeout == (seconds, seconds)
    assert config.backoff_factor == seconds


def test_calling_init_again_cannot_swap_the_key() -> None:
    config = Config(KEY)
    with pytest.raises(TypeError) as caught:
        config.__init__(OTHER)  # type: ignore[misc]
    assert str(caught.value) == "Config is immutable; build a new Config instead"
    assert config.api_key == KEY


def test_config_is_immutable() -> None:
    config = Config(KEY)
    with pytest.raises(AttributeError) as caught:
        config.api_key = OTHER
    assert (
        str(caught.value) == "Config is immutable; build a new Config to change api_key"
    )
    with pytest.raises(AttributeError):
        del config.max_retries
    assert not hasattr(config, "__dict__")


def test_config_refuses_pickling_but_copies_to_itself() -> None:
    config = Config(KEY)
    with pytest.raises(TypeError) as caught:
        pickle.dumps(config)
    assert KEY not in str(caught.value)
    assert copy.copy(config) is config
    assert copy.deepcopy(config) is config


def test_config_is_a_context_manager_that_closes() -> None:
    with Config(KEY) as config:
        assert isinstance(config, Config)
    config.close()  # closing twice, or unopened, is harmless


# --- from_env ----------------------------------------------------------------


def test_from_env_prefers_the_modern_variable() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = Config.from_env({"CHARTMOGUL_API_KEY": KEY})
    assert config.api_key == KEY


def test_from_env_reads_the_legacy_pair_with_a_warning() -> None:
    environ = {"CHARTMOGUL_ACCOUNT_TOKEN": KEY, "CHARTMOGUL_SECRET_KEY": KEY}
    with pytest.warns(LegacyCredentialsWarning) as caught:
        config = Config.from_env(environ)  # from-env-call-site
    assert config.api_key == KEY
    assert caught[0].category is LegacyCredentialsWarning
    assert caught[0].lineno == _line_of("from-env-call-site")
    assert str(caught[0].message).startswith(
        "CHARTMOGUL_ACCOUNT_TOKEN / CHARTMOGUL_SECRET_KEY are deprecated: set "
        "CHARTMOGUL_API_KEY to your API key instead. Config(account_token, "
        "secret_key) is deprecated"
    )
    assert KEY not in str(caught[0].message)


def test_from_env_legacy_mismatch_uses_the_stronger_warning() -> None:
    environ = {"CHARTMOGUL_ACCOUNT_TOKEN": KEY, "CHARTMOGUL_SECRET_KEY": OTHER}
    with pytest.warns(SecretKeyMismatchWarning):
        config = Config.from_env(environ)
    assert config.api_key == KEY


def test_from_env_modern_wins_and_warns_that_legacy_is_ignored() -> None:
    environ = {
        "CHARTMOGUL_API_KEY": KEY,
        "CHARTMOGUL_ACCOUNT_TOKEN": OTHER,
        "CHARTMOGUL_SECRET_KEY": OTHER,
    }
    with pytest.warns(LegacyCredentialsWarning) as caught:
        config = Config.from_env(environ)
    assert config.api_key == KEY
    assert str(caught[0].message) == (
        "CHARTMOGUL_ACCOUNT_TOKEN and CHARTMOGUL_SECRET_KEY ignored because "
        "CHARTMOGUL_API_KEY is set; remove the legacy variables from the "
        "environment."
    )


def test_from_env_empty_modern_variable_falls_back_to_legacy() -> None:
    environ = {"CHARTMOGUL_API_KEY": "", "CHARTMOGUL_SECRET_KEY": KEY}
    with pytest.warns(LegacyCredentialsWarning):
        config = Config.from_env(environ)
    assert config.api_key == KEY


def test_from_env_without_credentials_names_the_variable() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Config.from_env({"CHARTMOGUL_API_KEY": ""})
    assert str(caught.value) == (
        "no ChartMogul credentials in the environment: set CHARTMOGUL_API_KEY to "
        "your API key"
    )


def test_from_env_errors_name_the_variable_not_the_value() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Config.from_env({"CHARTMOGUL_API_KEY": KEY + "\n"})
    assert str(caught.value).startswith("CHARTMOGUL_API_KEY has a trailing newline")
    assert KEY not in str(caught.value)


def test_from_env_reads_os_environ_and_passes_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHARTMOGUL_API_KEY", KEY)
    config = Config.from_env(request_timeout=5, max_retries=1)
    assert (config.api_key, config.request_timeout, config.max_retries) == (KEY, 5, 1)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "CHARTMOGUL_BASE_URL",
            "http://127.0.0.1:8443",
            "CHARTMOGUL_BASE_URL must start with https://: the API key travels in "
            "every request and ChartMogul accepts HTTPS only",
        ),
        (
            "CHARTMOGUL_CA_BUNDLE",
            "/nonexistent/stopped-sandbox/ca.pem",
            "CHARTMOGUL_CA_BUNDLE must name an existing PEM file of CA certificates",
        ),
    ],
    ids=["base-url", "ca-bundle"],
)
def test_from_env_errors_name_the_variable_they_came_from(
    variable: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Config.from_env({"CHARTMOGUL_API_KEY": KEY, variable: value})
    assert str(caught.value) == message


def test_from_env_reads_base_url_and_ca_bundle(tmp_path: Path) -> None:
    pem = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(pem))
    environ = {
        "CHARTMOGUL_API_KEY": KEY,
        "CHARTMOGUL_BASE_URL": "https://127.0.0.1:8443",
        "CHARTMOGUL_CA_BUNDLE": str(pem),
    }
    config = Config.from_env(environ)
    assert (config.uri, config.ca_bundle) == ("https://127.0.0.1:8443/v1", str(pem))

    # Arguments win over the environment.
    chosen = Config.from_env(environ, base_url="https://api.example", ca_bundle=None)
    assert chosen.uri == "https://api.example/v1"
    assert chosen.ca_bundle == str(pem)  # None means "not given"
    assert Config.from_env({"CHARTMOGUL_API_KEY": KEY}).uri == (
        "https://api.chartmogul.com/v1"
    )


def test_from_env_signature_matches_the_constructor_settings() -> None:
    constructor = inspect.signature(Config.__init__).parameters
    from_env = inspect.signature(Config.from_env).parameters
    shared = set(constructor) - {
        "self",
        "args",
        "api_key",
        "account_token",
        "secret_key",
    }
    assert shared == set(from_env) - {"environ"}


def test_a_missing_key_is_an_argument_missing_error() -> None:
    with pytest.raises(ArgumentMissingError):
        Config()  # type: ignore[call-overload]
    with pytest.raises(ArgumentMissingError):
        Config.from_env({})
    assert issubclass(ArgumentMissingError, ConfigurationError)
