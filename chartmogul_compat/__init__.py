"""Keep legacy ChartMogul integrations working on the single API key.

Change ``import chartmogul`` to ``import chartmogul_compat as chartmogul``:
``Config(account_token, secret_key)`` keeps working with a
`LegacyCredentialsWarning` at its line, ``Config(api_key)`` works silently,
and both ping through one pooled, retried HTTPS session.

With the extra ``official`` installed, every name the shim does not define
(``Customer``, ``Invoice``, ``Metrics``, ...) is the official library's,
taking a shim `Config` in place of its own: see `chartmogul_compat.official`.

``chartmogul_compat.sandbox`` (extra ``sandbox``) is a local HTTPS stand-in
for the API, for tests.
"""

from typing import Any as _Any

from ._config import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, Config
from ._errors import (
    APIError,
    ArgumentMissingError,
    AuthenticationError,
    ChartMogulError,
    ConfigurationError,
    ConnectError,
    DeprecatedArgumentError,
    InvalidResponseError,
    NotFoundError,
    RateLimitError,
    RedirectError,
    RequestTimeout,
    ServerError,
    TLSError,
    TransportError,
)
from ._ping import Ping
from ._promise import Promise
from ._retry import DEFAULT_RETRY_BUDGET
from ._version import __version__
from ._warnings import (
    LegacyCredentialsWarning,
    OfficialBridgeWarning,
    SecretKeyMismatchWarning,
    UntestedOfficialVersionWarning,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_RETRY_BUDGET",
    "DEFAULT_TIMEOUT",
    "APIError",
    "ArgumentMissingError",
    "AuthenticationError",
    "ChartMogulError",
    "Config",
    "ConfigurationError",
    "ConnectError",
    "DeprecatedArgumentError",
    "InvalidResponseError",
    "LegacyCredentialsWarning",
    "NotFoundError",
    "OfficialBridgeWarning",
    "Ping",
    "Promise",
    "RateLimitError",
    "RedirectError",
    "RequestTimeout",
    "SecretKeyMismatchWarning",
    "ServerError",
    "TLSError",
    "TransportError",
    "UntestedOfficialVersionWarning",
    "__version__",
]

# Tracebacks and reprs name the public path (chartmogul_compat.ConnectError),
# not the private module a class happens to live in; pickling follows it too.
for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, type):
        _value.__module__ = __name__
del _name, _value

# `from chartmogul_compat import *` also brings the official library's names
# when it is installed, and only importing it tells which names those are.
# So the list above, which type checkers and linters read, is moved aside,
# and the one Python reads at run time is built by __getattr__ on first use.
_OWN_NAMES = tuple(__all__)
del __all__

# Besides `official`, which __getattr__ imports.
_SUBMODULES = ("pytest_plugin", "sandbox")


def __getattr__(name: str) -> _Any:
    """Names built on first use: ``__all__``, ``official``, the official library's."""
    if name == "__all__":
        from ._bridge import official_names

        names = [*_OWN_NAMES, *(n for n in official_names() if n not in _OWN_NAMES)]
        globals()["__all__"] = names
        return names
    if name == "official":
        # Not `from . import official`: that asks this function again.
        import importlib

        return importlib.import_module(f"{__name__}.official")
    # Lookups of private and special names (by copy, pickle, doctest, IDEs)
    # stay cheap and never import the official library; so do those of the
    # submodules, which `from chartmogul_compat import sandbox` makes before
    # it imports one.
    if name.startswith("_") or name in _SUBMODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    from ._bridge import forward

    return forward(name, __name__)


def __dir__() -> list[str]:
    from ._bridge import official_names

    return sorted({*globals(), *official_names()})
