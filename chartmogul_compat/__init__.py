"""Keep legacy ChartMogul integrations working on the single API key.

Change ``import chartmogul`` to ``import chartmogul_compat as chartmogul``:
``Config(account_token, secret_key)`` keeps working with a
`LegacyCredentialsWarning` at its line, ``Config(api_key)`` works silently,
and both ping through one pooled, retried HTTPS session.

``chartmogul_compat.sandbox`` (extra ``sandbox``) is a local HTTPS stand-in
for the API, for tests.
"""

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
from ._warnings import LegacyCredentialsWarning, SecretKeyMismatchWarning

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
    "Ping",
    "Promise",
    "RateLimitError",
    "RedirectError",
    "RequestTimeout",
    "SecretKeyMismatchWarning",
    "ServerError",
    "TLSError",
    "TransportError",
    "__version__",
]

# Tracebacks and reprs name the public path (chartmogul_compat.ConnectError),
# not the private module a class happens to live in; pickling follows it too.
for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, type):
        _value.__module__ = __name__
del _name, _value
