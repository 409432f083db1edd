"""Warning categories, and the one helper that emits them.

Both categories subclass `DeprecationWarning`, so a filter on either the
standard category or the package's own catches them, and
``python -W error::chartmogul_compat.LegacyCredentialsWarning`` turns them into
failures.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import TYPE_CHECKING

from ._version import LEGACY_REMOVAL_VERSION

if TYPE_CHECKING:
    from types import FrameType

__all__ = [
    "LegacyCredentialsWarning",
    "SecretKeyMismatchWarning",
    "warn_legacy_credentials",
]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class LegacyCredentialsWarning(DeprecationWarning):
    """Code still passes an account token and secret key instead of one API key."""


class SecretKeyMismatchWarning(LegacyCredentialsWarning):
    """The legacy secret key differs from the account token and is ignored."""


LEGACY_CONSTRUCTOR_MESSAGE = (
    "Config(account_token, secret_key) is deprecated: ChartMogul takes a single "
    "API key since October 2021, and this call now uses the account token as "
    "that key. Write Config(api_key) instead. The two-value form will be "
    f"removed in chartmogul-compat {LEGACY_REMOVAL_VERSION}."
)

SECRET_MISMATCH_MESSAGE = (
    "Config(account_token, secret_key) was given two different values: the "
    "account token is used as the API key and the secret key is ignored, as "
    "the official library has done since 2.9.0. If requests now fail with "
    "401, the secret key may have been the real API key. Write Config(api_key) "
    "with your API key instead. The two-value form will be removed in "
    f"chartmogul-compat {LEGACY_REMOVAL_VERSION}."
)


def warn_legacy_credentials(message: str, category: type[Warning]) -> None:
    """Warn, blaming the first caller outside this package.

    The caller's file and line are what a user needs to fix, and a warning
    blamed on the package would be hidden by the default filters.
    """
    if sys.version_info >= (3, 12):
        warnings.warn(message, category, skip_file_prefixes=(_PACKAGE_DIR,))
        return

    # Before 3.12 there is no skip_file_prefixes: count our own frames.
    # Remove this branch when Python 3.11 support ends.
    # stacklevel 2 is the frame that called this helper; go on outwards.
    stacklevel = 2
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        stacklevel += 1
        frame = frame.f_back
    warnings.warn(message, category, stacklevel=stacklevel)
