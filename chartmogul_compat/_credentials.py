"""Rules for API keys: validation, masking, and collapsing the legacy pair.

Pure functions: nothing here prints or logs, and no error message holds a
key's value.
"""

from __future__ import annotations

from ._errors import ConfigurationError
from ._warnings import (
    LEGACY_CONSTRUCTOR_MESSAGE,
    LEGACY_SECRET_ONLY_MESSAGE,
    SECRET_MISMATCH_MESSAGE,
    LegacyCredentialsWarning,
    SecretKeyMismatchWarning,
)

__all__ = [
    "MIN_KEY_LIKE_LENGTH",
    "LegacyCollapse",
    "collapse_legacy",
    "describe_key_problem",
    "mask_key",
    "validate_key",
]

# Keys shorter than this are shown fully masked: four characters of a short
# key would give away too much of it.
_MIN_LENGTH_TO_SHOW_TAIL = 12

# Text the user gave (a command-line word, a quoted literal) this long or
# longer may be a key, so output that shows it masks it. No key is shorter,
# and masking shorter words ("ping", "5") would garble the message.
MIN_KEY_LIKE_LENGTH = 8


def mask_key(key: str) -> str:
    """``****`` and the last four characters; only ``****`` under 12 characters."""
    if len(key) < _MIN_LENGTH_TO_SHOW_TAIL:
        return "****"
    return "****" + key[-4:]


def validate_key(value: object, parameter: str) -> str:
    """Return ``value`` if it can be sent as a Basic Auth user name.

    A key must be a non-empty ``str`` of printable ASCII with no whitespace
    and no ``:`` (which would split the user name from the password).

    :raises ConfigurationError: naming ``parameter`` and the problem, never
        the value.
    """
    if not isinstance(value, str):
        hint = ""
        if isinstance(value, (bytes, bytearray)):
            hint = "; decode it first, for example value.decode('ascii')"
        raise ConfigurationError(
            f"{parameter} must be a str, not {type(value).__name__}{hint}"
        )

    problem = describe_key_problem(value)
    if problem is not None:
        raise ConfigurationError(
            f"{parameter} {problem}; copy the API key again from ChartMogul "
            "(Profile > API keys)"
        )
    return value


def describe_key_problem(key: str) -> str | None:
    """Say what makes ``key`` unusable, or return None when it is fine."""
    if not key:
        return "is empty"
    if key.endswith(("\n", "\r")):
        return "has a trailing newline"
    if key[0].isspace():
        return "has leading whitespace"
    if key[-1].isspace():
        return "has trailing whitespace"

    for position, char in enumerate(key, start=1):
        if char.isspace():
            return f"contains whitespace (character {position})"
        if char == ":":
            return f"contains ':' (character {position}), which Basic Auth cannot send"
        if not char.isascii():
            return f"contains a non-ASCII character (character {position})"
        if not char.isprintable():
            return f"contains a control character (character {position})"
    return None


class LegacyCollapse:
    """The outcome of collapsing a legacy pair: the key, and what to warn."""

    __slots__ = ("api_key", "category", "message")

    def __init__(
        self, api_key: str, category: type[LegacyCredentialsWarning], message: str
    ) -> None:
        self.api_key = api_key
        self.category = category
        self.message = message

    def __repr__(self) -> str:
        masked = mask_key(self.api_key)
        return f"LegacyCollapse(api_key={masked!r}, {self.category.__name__})"


def collapse_legacy(
    account_token: object,
    secret_key: object,
    *,
    token_parameter: str = "account_token",
    secret_parameter: str = "secret_key",
) -> LegacyCollapse:
    """Turn a legacy ``(account_token, secret_key)`` pair into one API key.

    Since October 2021 the API takes one key, and the guidance for old code is
    to pass it in both places. So:

    - both the same, or one of them empty or None: that value is the key;
    - two different values: the account token is the key and the secret is
      ignored, as the official library's 2.9.0 did, with a stronger warning;
    - both empty: there is no key, a `ConfigurationError`.

    The parameter names appear in errors so they match what the caller wrote
    (``account_token`` or ``CHARTMOGUL_ACCOUNT_TOKEN``).
    """
    token = None if account_token is None or account_token == "" else account_token
    secret = None if secret_key is None or secret_key == "" else secret_key

    if token is None and secret is None:
        raise ConfigurationError(
            f"{token_parameter} and {secret_parameter} are both empty; pass your "
            "API key as Config(api_key)"
        )

    if token is None:
        api_key = validate_key(secret, secret_parameter)
        return LegacyCollapse(
            api_key, LegacyCredentialsWarning, LEGACY_SECRET_ONLY_MESSAGE
        )

    api_key = validate_key(token, token_parameter)
    if secret is None or validate_key(secret, secret_parameter) == api_key:
        return LegacyCollapse(
            api_key, LegacyCredentialsWarning, LEGACY_CONSTRUCTOR_MESSAGE
        )
    return LegacyCollapse(api_key, SecretKeyMismatchWarning, SECRET_MISMATCH_MESSAGE)
