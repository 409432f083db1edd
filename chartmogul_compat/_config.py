"""`Config`: one API key and the settings of the connection that uses it.

Two call shapes are accepted, the official library's before and after its 3.0:

- legacy: ``Config(account_token, secret_key, request_timeout=None,
  max_retries=20, backoff_factor=2)``, which warns and collapses the pair into
  one key;
- modern: ``Config(api_key, request_timeout=None, max_retries=20,
  backoff_factor=2)``.

The second positional argument tells them apart: a string is a secret key, a
number or None is a request timeout.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any, Final, Union, overload

from ._credentials import collapse_legacy, mask_key, validate_key
from ._errors import ArgumentMissingError, ConfigurationError, without_tracebacks
from ._retry import DEFAULT_RETRY_BUDGET
from ._warnings import LegacyCredentialsWarning, warn_at_caller

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

    from typing_extensions import Self, deprecated

    from ._transport import Transport
else:

    def deprecated(message: str) -> Any:
        """Mark an overload as deprecated (PEP 702) without typing_extensions.

        Type checkers read the import above. At run time
        ``typing_extensions.deprecated`` would make the function warn when
        called, but an overload is never called (the implementation replaces
        it), so only the marker is kept and the import (several milliseconds)
        is saved.
        """

        def mark(function: Any) -> Any:
            function.__deprecated__ = message
            return function

        return mark


__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "Config",
    "transport_for",
]

DEFAULT_BASE_URL: Final = "https://api.chartmogul.com"

# The official library's defaults, kept so old code behaves the same.
_DEFAULT_MAX_RETRIES: Final = 20
_DEFAULT_BACKOFF_FACTOR: Final = 2

#: (connect, read) seconds used when ``request_timeout`` is None, so that no
#: call can hang forever. The official library waits without limit.
DEFAULT_TIMEOUT: Final = (10.0, 60.0)

#: What ``request_timeout`` may be: seconds for both phases, or
#: ``(connect, read)``, or None for `DEFAULT_TIMEOUT`.
Timeout = Union[float, tuple[float, float], None]

_LEGACY_ORDER: Final = (
    "account_token",
    "secret_key",
    "request_timeout",
    "max_retries",
    "backoff_factor",
)
_MODERN_ORDER: Final = ("api_key", "request_timeout", "max_retries", "backoff_factor")

_ENV_API_KEY: Final = "CHARTMOGUL_API_KEY"
_ENV_ACCOUNT_TOKEN: Final = "CHARTMOGUL_ACCOUNT_TOKEN"
_ENV_SECRET_KEY: Final = "CHARTMOGUL_SECRET_KEY"
_ENV_BASE_URL: Final = "CHARTMOGUL_BASE_URL"
_ENV_CA_BUNDLE: Final = "CHARTMOGUL_CA_BUNDLE"


# Guards creating a Config's Transport, which happens once per Config. One
# lock for all, so that a forked child can be given a fresh one: a lock held
# by another thread at the fork would stay held in the child for ever.
_transport_lock = threading.Lock()


def _renew_transport_lock() -> None:
    global _transport_lock
    _transport_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX only
    os.register_at_fork(after_in_child=_renew_transport_lock)


class _Unset:
    """Marks an argument that was not passed; None is a real value here."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unset>"


_UNSET: Final = _Unset()


class Config:
    """Credentials and connection settings for the ChartMogul API.

    ``Config(api_key)`` is the way to build one. ``Config(account_token,
    secret_key)`` still works for old code: it emits a
    `LegacyCredentialsWarning` and uses one key, as ChartMogul's October-2021
    guidance says (`collapse_legacy` has the rules, also for two values that
    differ).

    :param api_key: the API key (ChartMogul: Profile > API keys).
    :param request_timeout: seconds for connecting and for reading, or a
        ``(connect, read)`` pair; None means `DEFAULT_TIMEOUT`.
    :param max_retries: retries after a 429, a 5xx or a connection failure, for
        idempotent requests only; 0 turns retries off.
    :param backoff_factor: seconds; the n-th retry waits about
        ``backoff_factor * 2**n``, with jitter, unless the server sends
        ``Retry-After``.
    :param base_url: where the API lives; must be ``https://``.
    :param ca_bundle: a PEM file of CAs to trust instead of the system's (the
        sandbox's CA, a corporate proxy's). It wins over ``REQUESTS_CA_BUNDLE``.
    :param retry_budget: seconds after the first attempt past which no retry
        starts; a ``Retry-After`` longer than what is left fails at once.
    :raises ConfigurationError: for any value that cannot work, naming the
        parameter; the message never contains a key.

    A Config is immutable and safe to share between threads. It keeps one
    pooled HTTPS session, opened on first use; `close` (or ``with``) releases
    it, and a later request opens a new one.
    """

    __slots__ = (
        "_official_config",
        "_transport",
        "api_key",
        "backoff_factor",
        "base_url",
        "ca_bundle",
        "max_retries",
        "request_timeout",
        "retry_budget",
        "timeout",
    )

    api_key: str
    request_timeout: Timeout
    max_retries: int
    backoff_factor: float
    base_url: str
    ca_bundle: str | None
    retry_budget: float
    #: The (connect, read) timeout actually used, after defaults.
    timeout: tuple[float, float]
    _transport: Transport | None
    # The official library's Config the bridge hands to official calls, built
    # on first use (see `_bridge.official_config_for`).
    _official_config: Any

    # The overloads tell type checkers the call shapes; the legacy ones are
    # marked deprecated (PEP 702), so `mypy --enable-error-code deprecated`
    # and pyright's reportDeprecated flag them before any code runs. The
    # messages must be string literals: type checkers ignore anything else.
    # The implementation below decides the shape at run time and warns.

    @overload
    def __init__(
        self,
        api_key: str,
        request_timeout: Timeout = None,
        max_retries: int = _DEFAULT_MAX_RETRIES,
        backoff_factor: float = _DEFAULT_BACKOFF_FACTOR,
        *,
        base_url: str = DEFAULT_BASE_URL,
        ca_bundle: str | os.PathLike[str] | None = None,
        retry_budget: float = DEFAULT_RETRY_BUDGET,
    ) -> None: ...

    # The pair, by position or keyword. Both are `str | None`, so that
    # `Config(TOKEN, os.environ.get("SECRET"))` is reported as deprecated (it
    # is, whenever the variable is set) rather than as matching no overload.
    # A literal None second argument matches the modern shape first, as at
    # run time. Known gap: with a first argument typed `str | None` (an
    # os.environ.get()), `Config(maybe_key, None)` is reported as this
    # deprecated pair, where at run time it is the modern shape missing its key.
    @overload
    @deprecated(
        "Config(account_token, secret_key) is deprecated: write Config(api_key) "
        "with your API key instead. The two-value form will be removed in "
        "chartmogul-compat 1.0.0."
    )
    def __init__(
        self,
        account_token: str | None,
        secret_key: str | None,
        request_timeout: Timeout = None,
        max_retries: int = _DEFAULT_MAX_RETRIES,
        backoff_factor: float = _DEFAULT_BACKOFF_FACTOR,
        *,
        base_url: str = DEFAULT_BASE_URL,
        ca_bundle: str | os.PathLike[str] | None = None,
        retry_budget: float = DEFAULT_RETRY_BUDGET,
    ) -> None: ...

    # One of the two legacy keywords alone (with both, the overload above
    # matches). Two overloads, so that Config() matches none.
    @overload
    @deprecated(
        "Config(account_token=...) is deprecated: write Config(api_key=...) "
        "with your API key instead. The legacy keywords will be removed in "
        "chartmogul-compat 1.0.0."
    )
    def __init__(
        self,
        *,
        account_token: str | None,
        request_timeout: Timeout = None,
        max_retries: int = _DEFAULT_MAX_RETRIES,
        backoff_factor: float = _DEFAULT_BACKOFF_FACTOR,
        base_url: str = DEFAULT_BASE_URL,
        ca_bundle: str | os.PathLike[str] | None = None,
        retry_budget: float = DEFAULT_RETRY_BUDGET,
    ) -> None: ...

    @overload
    @deprecated(
        "Config(secret_key=...) is deprecated: write Config(api_key=...) with "
        "your API key instead. The legacy keywords will be removed in "
        "chartmogul-compat 1.0.0."
    )
    def __init__(
        self,
        *,
        secret_key: str | None,
        request_timeout: Timeout = None,
        max_retries: int = _DEFAULT_MAX_RETRIES,
        backoff_factor: float = _DEFAULT_BACKOFF_FACTOR,
        base_url: str = DEFAULT_BASE_URL,
        ca_bundle: str | os.PathLike[str] | None = None,
        retry_budget: float = DEFAULT_RETRY_BUDGET,
    ) -> None: ...

    def __init__(
        self,
        *args: Any,
        api_key: Any = _UNSET,
        account_token: Any = _UNSET,
        secret_key: Any = _UNSET,
        request_timeout: Any = _UNSET,
        max_retries: Any = _UNSET,
        backoff_factor: Any = _UNSET,
        base_url: str = DEFAULT_BASE_URL,
        ca_bundle: str | os.PathLike[str] | None = None,
        retry_budget: float = DEFAULT_RETRY_BUDGET,
    ) -> None:
        keywords = {
            name: value
            for name, value in (
                ("api_key", api_key),
                ("account_token", account_token),
                ("secret_key", secret_key),
                ("request_timeout", request_timeout),
                ("max_retries", max_retries),
                ("backoff_factor", backoff_factor),
            )
            if value is not _UNSET
        }
        try:
            warning = self._initialise(
                args, keywords, base_url, ca_bundle, retry_budget
            )
        except (TypeError, ValueError) as error:
            failure: BaseException | None = without_tracebacks(error)
        else:
            failure = None

        # Error trackers and `pytest -l` show each frame's local variables:
        # drop the credentials from this frame before anything leaves it. The
        # frames below it went with the failure's traceback.
        del args, keywords, api_key, account_token, secret_key
        if failure is not None:
            raise failure

        # Warn last: a call that fails validation only raises.
        if warning is not None:
            warn_at_caller(*warning)

    def _initialise(
        self,
        args: tuple[Any, ...],
        keywords: dict[str, Any],
        base_url: object,
        ca_bundle: object,
        retry_budget: object,
    ) -> tuple[str, type[Warning]] | None:
        """Bind the call to its shape, check and store it; the warning to give."""
        bound, is_legacy = _bind_arguments(args, keywords)

        legacy = None
        if is_legacy:
            legacy = collapse_legacy(
                bound.get("account_token"), bound.get("secret_key")
            )
            key = legacy.api_key
        elif bound.get("api_key", _UNSET) is None:
            # Config(None) or Config(None, None): most often an environment
            # variable read with .get() that is not set.
            raise ArgumentMissingError(
                "api_key is None: pass your API key as Config(api_key); if it "
                "comes from an environment variable, that variable is not set"
            )
        elif "api_key" in bound:
            key = validate_key(bound["api_key"], "api_key")
        else:
            raise ArgumentMissingError(
                "api_key is missing: pass Config(api_key), or use "
                "Config.from_env() to read CHARTMOGUL_API_KEY"
            )

        self._setup(
            key,
            request_timeout=bound.get("request_timeout"),
            max_retries=bound.get("max_retries", _DEFAULT_MAX_RETRIES),
            backoff_factor=bound.get("backoff_factor", _DEFAULT_BACKOFF_FACTOR),
            base_url=base_url,
            ca_bundle=ca_bundle,
            retry_budget=retry_budget,
        )
        return None if legacy is None else (legacy.message, legacy.category)

    def _setup(
        self,
        api_key: str,
        *,
        request_timeout: object,
        max_retries: object,
        backoff_factor: object,
        base_url: object,
        ca_bundle: object,
        retry_budget: object,
        base_url_name: str = "base_url",
        ca_bundle_name: str = "ca_bundle",
    ) -> None:
        """Validate and store every setting; shared by all constructors.

        The ``*_name`` arguments are what errors call those settings: the
        environment variable, when that is where the value came from.
        """
        try:
            self.api_key  # noqa: B018 - unset until the first _setup
        except AttributeError:
            pass
        else:
            # Calling __init__ again would swap the key under a live pool.
            raise TypeError("Config is immutable; build a new Config instead")

        # Every check before any attribute is set: a config is whole or absent.
        settings = {
            "api_key": api_key,
            "timeout": _check_timeout(request_timeout),
            "request_timeout": request_timeout,
            "max_retries": _check_count(max_retries, "max_retries"),
            "backoff_factor": _check_seconds(backoff_factor, "backoff_factor"),
            "base_url": _check_base_url(base_url, base_url_name),
            "ca_bundle": _check_ca_bundle(ca_bundle, ca_bundle_name),
            "retry_budget": _check_seconds(retry_budget, "retry_budget"),
            "_transport": None,
            "_official_config": None,
        }
        for name, value in settings.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        request_timeout: Timeout = None,
        max_retries: int = _DEFAULT_MAX_RETRIES,
        backoff_factor: float = _DEFAULT_BACKOFF_FACTOR,
        base_url: str | None = None,
        ca_bundle: str | os.PathLike[str] | None = None,
        retry_budget: float = DEFAULT_RETRY_BUDGET,
    ) -> Self:
        """Build a Config from environment variables.

        The key: ``CHARTMOGUL_API_KEY`` when set and not empty; else the
        legacy pair ``CHARTMOGUL_ACCOUNT_TOKEN`` / ``CHARTMOGUL_SECRET_KEY``,
        collapsed by the same rules as the legacy constructor and with the
        same warning. When the modern variable is set, legacy ones that are
        set too are ignored, with a warning saying so.

        ``base_url`` and ``ca_bundle``, when not given, come from
        ``CHARTMOGUL_BASE_URL`` and ``CHARTMOGUL_CA_BUNDLE`` (which the
        sandbox command prints), else their `Config` defaults.

        :param environ: the mapping to read instead of ``os.environ``.
        :raises ConfigurationError: when none of them holds a key.
        """
        env = os.environ if environ is None else environ
        try:
            config, warning = cls._from_mapping(
                env,
                request_timeout=request_timeout,
                max_retries=max_retries,
                backoff_factor=backoff_factor,
                base_url=base_url,
                ca_bundle=ca_bundle,
                retry_budget=retry_budget,
            )
        except (TypeError, ValueError) as error:
            failure: BaseException | None = without_tracebacks(error)
        else:
            failure = None

        # As in __init__: no credential in this frame's locals when an error
        # or a warning (under an error filter) leaves it.
        del env, environ
        if failure is not None:
            raise failure
        if warning is not None:
            warn_at_caller(*warning)
        return config

    @classmethod
    def _from_mapping(
        cls,
        env: Mapping[str, str],
        *,
        request_timeout: object,
        max_retries: object,
        backoff_factor: object,
        base_url: str | None,
        ca_bundle: object,
        retry_budget: object,
    ) -> tuple[Self, tuple[str, type[Warning]] | None]:
        """`from_env`'s work: the config, and the warning to give."""
        base_url_name = ca_bundle_name = None
        if base_url is None:
            base_url = env.get(_ENV_BASE_URL) or DEFAULT_BASE_URL
            base_url_name = _ENV_BASE_URL
        if ca_bundle is None:
            ca_bundle = env.get(_ENV_CA_BUNDLE) or None
            ca_bundle_name = _ENV_CA_BUNDLE

        key, message, category = _key_from_env(env)

        config = cls.__new__(cls)
        config._setup(
            key,
            request_timeout=request_timeout,
            max_retries=max_retries,
            backoff_factor=backoff_factor,
            base_url=base_url,
            ca_bundle=ca_bundle,
            retry_budget=retry_budget,
            base_url_name=base_url_name or "base_url",
            ca_bundle_name=ca_bundle_name or "ca_bundle",
        )
        return config, None if message is None else (message, category)

    # The official library's attribute names, so old code reading them works.

    @property
    def auth(self) -> tuple[str, str]:
        """``(api_key, "")``: the Basic Auth pair that is sent."""
        return (self.api_key, "")

    @property
    def uri(self) -> str:
        """The versioned API root, ``base_url + "/v1"``."""
        return self.base_url + "/v1"

    def to_official(self) -> Any:
        """This config as the installed official library's own ``chartmogul.Config``.

        Built the way the installed version takes it: ``Config(api_key, ...)``
        from 3.0 on, ``Config(api_key, api_key, ...)`` before (the same key in
        both places, as ChartMogul's 2021 guidance says). The timeout in use,
        ``max_retries`` and ``backoff_factor`` carry over, and a non-default
        ``base_url`` becomes the official object's ``uri``. ``ca_bundle`` and
        ``retry_budget`` cannot carry over: the official library has no such
        settings. It trusts ``REQUESTS_CA_BUNDLE`` instead, so a ``ca_bundle``
        that variable does not also name warns with `OfficialBridgeWarning`.

        Each call builds a new object, which the caller may change freely.

        :raises ModuleNotFoundError: if the official library is not installed
            (``pip install "chartmogul-compat[official]"``).
        """
        from ._bridge import to_official  # deferred: it reads package metadata

        return to_official(self)

    def close(self) -> None:
        """Close pooled connections. A later request opens new ones."""
        transport = self._transport
        if transport is not None:
            transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(
            f"Config is immutable; build a new Config to change {name}"
        )

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Config is immutable; cannot delete {name}")

    def __repr__(self) -> str:
        if not hasattr(self, "api_key"):
            # Seen by error trackers showing the frame of a failed __init__.
            return "<Config, not set up>"
        return (
            f"Config(api_key={mask_key(self.api_key)!r}, "
            f"base_url={self.base_url!r}, "
            f"request_timeout={self.request_timeout!r}, "
            f"max_retries={self.max_retries!r}, "
            f"backoff_factor={self.backoff_factor!r})"
        )

    __str__ = __repr__

    def __reduce__(self) -> Any:
        # A pickle would hold the key in clear, in a file or a pipe; refuse
        # rather than surprise. Build the Config where it is used instead.
        raise TypeError(
            "Config cannot be pickled because it holds a credential; build it "
            "in the process that uses it, e.g. with Config.from_env()"
        )

    # Immutable, so a copy is the same object; this also keeps `copy` away
    # from the refusing __reduce__.
    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Self:
        return self


def transport_for(config: Config) -> Transport:
    """The one `Transport` that sends ``config``'s requests, made on first use.

    For the package's resources (`Ping` and those to come); not public API.
    """
    transport = config._transport
    if transport is not None:
        return transport

    from ._transport import Transport  # deferred: it imports requests

    with _transport_lock:
        transport = config._transport
        if transport is None:
            transport = Transport(config)
            object.__setattr__(config, "_transport", transport)
    return transport


def _key_from_env(
    env: Mapping[str, str],
) -> tuple[str, str | None, type[LegacyCredentialsWarning]]:
    """The key in ``env``, and the warning to give about it (None if none)."""
    api_key = env.get(_ENV_API_KEY, "")
    account_token = env.get(_ENV_ACCOUNT_TOKEN, "")
    secret_key = env.get(_ENV_SECRET_KEY, "")
    legacy_names = [
        name
        for name, value in (
            (_ENV_ACCOUNT_TOKEN, account_token),
            (_ENV_SECRET_KEY, secret_key),
        )
        if value
    ]

    if api_key:
        key = validate_key(api_key, _ENV_API_KEY)
        if not legacy_names:
            return key, None, LegacyCredentialsWarning
        message = (
            f"{' and '.join(legacy_names)} ignored because {_ENV_API_KEY} is set; "
            "remove the legacy variables from the environment."
        )
        return key, message, LegacyCredentialsWarning

    if legacy_names:
        legacy = collapse_legacy(
            account_token,
            secret_key,
            token_parameter=_ENV_ACCOUNT_TOKEN,
            secret_parameter=_ENV_SECRET_KEY,
        )
        message = (
            f"{_ENV_ACCOUNT_TOKEN} / {_ENV_SECRET_KEY} are deprecated: set "
            f"{_ENV_API_KEY} to your API key instead. " + legacy.message
        )
        return legacy.api_key, message, legacy.category

    raise ArgumentMissingError(
        f"no ChartMogul credentials in the environment: set {_ENV_API_KEY} to "
        "your API key"
    )


def _bind_arguments(
    args: tuple[Any, ...], keywords: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """Name the positional arguments by the call shape they follow.

    Returns the bound arguments and whether the call is the legacy shape.
    """
    is_legacy = (
        (len(args) >= 2 and isinstance(args[1], (str, bytes, bytearray)))
        or "account_token" in keywords
        or "secret_key" in keywords
    )
    order = _LEGACY_ORDER if is_legacy else _MODERN_ORDER

    if len(args) > len(order):
        raise TypeError(
            f"Config() takes at most {len(order)} positional arguments "
            f"({len(args)} given)"
        )

    bound = dict(keywords)
    for name, value in zip(order, args):
        if name in bound:
            raise TypeError(f"Config() got multiple values for argument {name!r}")
        bound[name] = value

    if is_legacy and "api_key" in bound:
        raise ConfigurationError(
            "api_key cannot be combined with account_token or secret_key: pass "
            "only Config(api_key)"
        )
    return bound, is_legacy


def _is_number(value: object) -> bool:
    # Any real number (int, float, Fraction, NumPy scalars, and Decimal, which
    # is not registered as Real), but not bool: Config(key, True) is a
    # mistake, not a one-second timeout.
    from decimal import Decimal
    from numbers import Real

    return not isinstance(value, bool) and isinstance(value, (Real, Decimal))


# No setting in seconds needs more than a day, and a larger one would
# overflow the socket layer's timeout (`1e10` does).
_MAX_SECONDS = 86_400.0


def _check_seconds(value: object, parameter: str, *, allow_zero: bool = True) -> float:
    if not _is_number(value):
        raise ConfigurationError(
            f"{parameter} must be a number of seconds, not {type(value).__name__}"
        )
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (ArithmeticError, ValueError):  # Decimal("sNaN"), 10**400
        seconds = float("nan")

    # Compared after conversion: Decimal("1e-400") is above 0 but becomes 0.0.
    above_minimum = seconds >= 0 if allow_zero else seconds > 0
    if above_minimum and seconds <= _MAX_SECONDS:  # False for NaN, as wanted
        return seconds
    if allow_zero:
        raise ConfigurationError(
            f"{parameter} must be a number of seconds from 0 to {_MAX_SECONDS:g}"
        )
    raise ConfigurationError(
        f"{parameter} must be more than 0 and at most {_MAX_SECONDS:g} seconds"
    )


def _check_count(value: object, parameter: str) -> int:
    from numbers import Integral

    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ConfigurationError(
            f"{parameter} must be an int, not {type(value).__name__}"
        )
    value = int(value)
    if value < 0:
        raise ConfigurationError(f"{parameter} must be >= 0 (0 turns retries off)")
    return value


def _check_timeout(value: object) -> tuple[float, float]:
    """The (connect, read) pair for a ``request_timeout`` value."""
    if value is None:
        return DEFAULT_TIMEOUT

    if isinstance(value, tuple) and len(value) == 2:
        connect, read = value
        return (
            _check_positive(connect, "request_timeout (connect)"),
            _check_positive(read, "request_timeout (read)"),
        )

    if _is_number(value):
        seconds = _check_positive(value, "request_timeout")
        return (seconds, seconds)

    raise ConfigurationError(
        "request_timeout must be seconds (a number), a (connect, read) pair or "
        f"None, not {type(value).__name__}; if this is a secret key, pass "
        "Config(api_key) instead"
    )


def _check_positive(value: object, parameter: str) -> float:
    return _check_seconds(value, parameter, allow_zero=False)


def _check_base_url(value: object, parameter: str = "base_url") -> str:
    if not isinstance(value, str):
        raise ConfigurationError(
            f"{parameter} must be a str, not {type(value).__name__}"
        )

    from urllib.parse import urlsplit  # deferred: only Config() needs it

    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigurationError(
            f"{parameter} is not a valid URL; use e.g. https://api.chartmogul.com"
        ) from None

    if parts.scheme.lower() != "https":
        raise ConfigurationError(
            f"{parameter} must start with https://: the API key travels in every "
            "request and ChartMogul accepts HTTPS only"
        )
    if not parts.hostname:
        raise ConfigurationError(f"{parameter} has no host name")
    if not _is_valid_host(parts.hostname):
        raise ConfigurationError(f"{parameter} has a malformed host name")
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(
            f"{parameter} must not contain user information; pass the key as api_key"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"{parameter} must not have a query or fragment")

    path = parts.path.rstrip("/")
    if path.endswith("/v1"):
        # An easy slip: the official library's `uri` includes /v1.
        raise ConfigurationError(
            f"{parameter} must not end in /v1: it is the API's root, and /v1 is added "
            "(config.uri)"
        )
    return f"https://{parts.netloc}{path}"


# One DNS label: 1 to 63 characters, no hyphen at either end.
_ASCII_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"


def _is_valid_host(host: str) -> bool:
    """Whether ``host`` is an IP address or a name DNS could look up.

    ASCII labels are letters, digits, hyphens (and underscores, which some
    internal names use); other labels must be letters, digits and hyphens
    that IDNA can encode. Anything else would only fail later, at the first
    request.
    """
    import ipaddress
    import re

    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True

    name = host.rstrip(".")  # a trailing dot is DNS's root, not a label
    if len(name) > 253:
        return False
    for label in name.split("."):
        if not label.isascii() and not all(c.isalnum() or c == "-" for c in label):
            return False
        if label.isascii() and not re.fullmatch(_ASCII_LABEL, label):
            return False
        try:
            label.encode("idna")  # refuses empty and overlong labels
        except UnicodeError:
            return False
    return True


def _check_ca_bundle(value: object, parameter: str = "ca_bundle") -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise ConfigurationError(
            f"{parameter} must be a path (str or os.PathLike), not "
            f"{type(value).__name__}"
        )
    path = os.fspath(value)
    if not isinstance(path, str) or not os.path.isfile(path):
        raise ConfigurationError(
            f"{parameter} must name an existing PEM file of CA certificates"
        )

    # Read now, so that a wrong file is a configuration error here rather
    # than a TLS failure at the first request.
    import ssl

    try:
        ssl.create_default_context(cafile=path)
    except (ssl.SSLError, OSError, ValueError):
        raise ConfigurationError(
            f"{parameter} holds no CA certificate in PEM form; give the CA's "
            "PEM file (for the sandbox, its ca_bundle)"
        ) from None
    return path
