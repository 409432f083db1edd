"""Warning categories, and the one helper that emits them.

The credential categories subclass `DeprecationWarning`, so a filter on
either the standard category or the package's own catches them, and
``python -W error::chartmogul_compat.LegacyCredentialsWarning`` turns them into
failures. The bridge's categories subclass `UserWarning`: they report a setting
that does not reach the official library, or an official version the bridge
was not tested with, not a deprecation.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import TYPE_CHECKING

from ._version import LEGACY_REMOVAL_VERSION

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType

__all__ = [
    "LegacyCredentialsWarning",
    "OfficialBridgeWarning",
    "SecretKeyMismatchWarning",
    "UntestedOfficialVersionWarning",
    "warn_at_caller",
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


class OfficialBridgeWarning(UserWarning):
    """The official library, reached through the bridge, cannot do what was asked.

    For example a `Config`'s ``ca_bundle``, which the official library has no
    way to take.
    """


class UntestedOfficialVersionWarning(OfficialBridgeWarning):
    """The installed official library is newer than the versions the bridge knows."""


def _legacy_message(key_source: str) -> str:
    return (
        "Config(account_token, secret_key) is deprecated: ChartMogul takes a "
        f"single API key since October 2021, and this call now uses the "
        f"{key_source} as that key. Write Config(api_key) instead. The two-value "
        f"form will be removed in chartmogul-compat {LEGACY_REMOVAL_VERSION}."
    )


LEGACY_CONSTRUCTOR_MESSAGE = _legacy_message("account token")

#: The same, for a call whose account token was empty.
LEGACY_SECRET_ONLY_MESSAGE = _legacy_message("secret key")

SECRET_MISMATCH_MESSAGE = (
    "Config(account_token, secret_key) was given two different values: the "
    "account token is used as the API key and the secret key is ignored, as "
    "the official library has done since 2.9.0. If requests now fail with "
    "401, the secret key may have been the real API key. Write Config(api_key) "
    "with your API key instead. The two-value form will be removed in "
    f"chartmogul-compat {LEGACY_REMOVAL_VERSION}."
)


#: Called as ``observer(category, filename, lineno)`` before each
#: legacy-credential warning `warn_at_caller` gives, with the line it blames.
#: The pytest plugin counts legacy calls through this, including those an
#: ``error`` filter turns into exceptions that pytest never records as
#: warnings. Empty unless the plugin is active; while it is empty, warning
#: costs nothing extra.
legacy_call_observers: list[Callable[[type[Warning], str, int], None]] = []


def warn_at_caller(message: str, category: type[Warning]) -> None:
    """Warn, blaming the first caller outside this package.

    The caller's file and line are what a user needs to fix, and a warning
    blamed on the package would be hidden by the default filters.
    """
    if legacy_call_observers and issubclass(category, LegacyCredentialsWarning):
        caller, _ = _first_frame_outside_package()
        if caller is not None:
            for observer in list(legacy_call_observers):
                observer(category, caller.f_code.co_filename, caller.f_lineno)

    if sys.version_info >= (3, 12):
        warnings.warn(message, category, skip_file_prefixes=_PACKAGE_DIRS)
        return

    # Before 3.12 there is no skip_file_prefixes: count our own frames.
    # Remove this branch when Python 3.11 support ends.
    _, depth = _first_frame_outside_package()
    warnings.warn(message, category, stacklevel=depth)


def _first_frame_outside_package() -> tuple[FrameType | None, int]:
    """The innermost caller outside this package, and its ``stacklevel``.

    Counted as `warn_at_caller` sees it: stacklevel 2 is the frame
    that called that helper.
    """
    stacklevel = 2
    frame: FrameType | None = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIRS):
        stacklevel += 1
        frame = frame.f_back
    return frame, stacklevel


_OURS = (
    LegacyCredentialsWarning,
    SecretKeyMismatchWarning,
    OfficialBridgeWarning,
    UntestedOfficialVersionWarning,
)

# Python's own order: an abbreviation means the first action it begins.
_ACTIONS = ("default", "always", "ignore", "module", "once", "error")


def _apply_command_line_filters() -> None:
    """Apply ``-W`` and ``PYTHONWARNINGS`` options that name our categories.

    Python reads those options at start-up, before site-packages can be
    imported, so it drops one naming a category of an installed package
    (printing "Invalid -W option ignored"). Applied here, once the category
    exists, ``-W error::chartmogul_compat.LegacyCredentialsWarning`` works as
    documented.

    Precedence follows Python's: a later option wins. So from the first
    option naming one of our categories on, every option is applied again in
    order (re-adding a filter moves it rather than duplicating it). Filters
    that code added after start-up and before this import end up behind
    them. If this import happens inside ``warnings.catch_warnings()`` (as
    within a pytest test), the filters last only as long as that block.
    """
    for option in sys.warnoptions:
        _report_unknown_category_of_ours(option)

    parsed = [_parse_option(option) for option in sys.warnoptions]
    first = next(
        (
            index
            for index, filter_ in enumerate(parsed)
            if filter_ and filter_[2] in _OURS
        ),
        None,
    )
    if first is None:
        return

    for filter_ in parsed[first:]:
        if filter_ is not None:
            action, message, category, module, lineno = filter_
            warnings.filterwarnings(action, message, category, module, lineno)  # type: ignore[arg-type]


def _parse_option(option: str) -> tuple[str, str, type[Warning], str, int] | None:
    """Read one ``-W`` option as Python does; None where Python rejects it."""
    fields = [field.strip() for field in option.split(":")]
    if len(fields) > 5:
        return None
    fields += [""] * (5 - len(fields))
    action_prefix, message, category_name, module, lineno_text = fields

    action = next((a for a in _ACTIONS if a.startswith(action_prefix)), None)
    category = _find_category(category_name)
    if action is None or category is None:
        return None

    lineno = 0
    if lineno_text:
        try:
            lineno = int(lineno_text)
        except ValueError:
            return None
        if lineno < 0:
            return None

    if message or module:
        import re  # as Python does: literal text, matched from the start

        message = re.escape(message) if message else ""
        module = re.escape(module) + r"\Z" if module else ""
    return action, message, category, module, lineno


def _report_unknown_category_of_ours(option: str) -> None:
    """Say so when an option names one of our categories that does not exist.

    Python's start-up line looks the same for a typo as for a good name, so a
    misspelt category in CI would silently check nothing.
    """
    fields = option.split(":")
    name = fields[2].strip() if len(fields) > 2 else ""
    if name.startswith("chartmogul_compat.") and _find_category(name) is None:
        print(
            f"Invalid -W option ignored: unknown warning category: {name!r}",
            file=sys.stderr,
        )


def _find_category(name: str) -> type[Warning] | None:
    """The warning class an option names, without importing anything new."""
    if not name:
        return Warning
    for ours in _OURS:
        if name in (
            f"chartmogul_compat.{ours.__name__}",
            f"{__name__}.{ours.__name__}",
        ):
            return ours

    module_name, _, class_name = name.rpartition(".")
    module = sys.modules.get(module_name or "builtins")
    found = getattr(module, class_name, None)
    if isinstance(found, type) and issubclass(found, Warning):
        return found
    return None


_apply_command_line_filters()
