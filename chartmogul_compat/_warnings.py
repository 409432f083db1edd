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

# Code objects keep the path the package was imported by, which may be
# relative-looking ("/app/../lib/...") or a symlink; match every spelling.
_PACKAGE_DIRS = tuple(
    dict.fromkeys(
        os.path.dirname(path) + os.sep
        for path in (__file__, os.path.abspath(__file__), os.path.realpath(__file__))
    )
)


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

#: The same, for a call whose account token was empty.
LEGACY_SECRET_ONLY_MESSAGE = LEGACY_CONSTRUCTOR_MESSAGE.replace(
    "uses the account token", "uses the secret key"
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
        warnings.warn(message, category, skip_file_prefixes=_PACKAGE_DIRS)
        return

    # Before 3.12 there is no skip_file_prefixes: count our own frames.
    # Remove this branch when Python 3.11 support ends.
    # stacklevel 2 is the frame that called this helper; go on outwards.
    stacklevel = 2
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIRS):
        stacklevel += 1
        frame = frame.f_back
    warnings.warn(message, category, stacklevel=stacklevel)


def _apply_command_line_filters() -> None:
    """Apply ``-W`` and ``PYTHONWARNINGS`` options that name our categories.

    Python reads those options at start-up, before site-packages can be
    imported, so it drops one naming a category of an installed package
    (printing "Invalid -W option ignored"). Applying them here, when the
    category exists, makes ``-W error::chartmogul_compat.LegacyCredentialsWarning``
    work as documented.
    """
    categories: dict[str, type[Warning]] = {}
    for ours in (LegacyCredentialsWarning, SecretKeyMismatchWarning):
        categories[f"chartmogul_compat.{ours.__name__}"] = ours
        categories[f"{__name__}.{ours.__name__}"] = ours

    for option in sys.warnoptions:
        fields = [field.strip() for field in option.split(":")]
        fields += [""] * (5 - len(fields))
        action_prefix, message, category_name, module, lineno = fields[:5]

        category = categories.get(category_name)
        if category is None:
            continue
        if any(existing[2] is category for existing in warnings.filters):
            continue  # Python could import us at start-up (PYTHONPATH) and did.

        action = _ACTIONS.get(action_prefix[:1])
        if action is None or (lineno and not lineno.isdigit()):
            continue  # Python has already reported it as invalid.
        if message or module:
            import re  # as Python itself does: literal text, matched at the start

            message = re.escape(message)
            module = re.escape(module) + r"\Z" if module else ""
        warnings.filterwarnings(
            action,  # type: ignore[arg-type]
            message,
            category,
            module,
            int(lineno or 0),
        )


# Python accepts any prefix of an action's name; the first letters differ.
_ACTIONS = {
    name[0]: name for name in ("default", "always", "ignore", "module", "once", "error")
}

_apply_command_line_filters()
