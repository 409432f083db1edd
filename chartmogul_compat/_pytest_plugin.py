"""The pytest plugin's hooks and fixture; `pytest_plugin` documents them.

Imported by `chartmogul_compat.pytest_plugin`, the entry point, on pytest 7
or later only.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ._warnings import legacy_call_observers

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Literal

    from .sandbox import Sandbox

__all__ = ["chartmogul_sandbox"]

_SCOPES = ("module", "session")

# Appended to the ini filters, so it wins over those; -W options and
# filterwarnings marks still win over it, as they do over any ini filter.
_LEGACY_AS_ERROR = "error::chartmogul_compat.LegacyCredentialsWarning"

# Source lines that used legacy credentials: (filename, line) -> calls.
_legacy_calls: pytest.StashKey[Counter[tuple[str, int]]] = pytest.StashKey()
# The observer that fills it, kept so that pytest_unconfigure can remove it.
_observer: pytest.StashKey[Callable[[type[Warning], str, int], None]] = (
    pytest.StashKey()
)
# The sandboxes the fixture is serving, reset before each test.
_live_sandboxes: pytest.StashKey[list[Sandbox]] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chartmogul-compat")
    group.addoption(
        "--chartmogul-legacy",
        choices=("warn", "error"),
        default="warn",
        help="error: a LegacyCredentialsWarning fails the test that caused it "
        "(default: warn)",
    )
    group.addoption(
        "--chartmogul-sandbox-scope",
        choices=_SCOPES,
        default=None,
        help="how long one chartmogul_sandbox lives (default: the "
        "chartmogul_sandbox_scope ini option, else session)",
    )
    parser.addini(
        "chartmogul_sandbox_scope",
        help=f"how long one chartmogul_sandbox lives: {' or '.join(_SCOPES)}",
        default="session",
    )


def pytest_configure(config: pytest.Config) -> None:
    # The option's choices are checked by argparse; the ini value is not.
    scope = config.getini("chartmogul_sandbox_scope")
    if scope not in _SCOPES:
        raise pytest.UsageError(
            f"chartmogul_sandbox_scope must be module or session, not {scope!r}"
        )

    if config.getoption("chartmogul_legacy") == "error":
        # The ini filter is applied by pytest's warnings plugin; without it,
        # error mode would let every legacy call pass.
        if not config.pluginmanager.has_plugin("warnings"):
            raise pytest.UsageError(
                "--chartmogul-legacy=error needs pytest's warnings plugin, which "
                "-p no:warnings turns off"
            )
        config.addinivalue_line("filterwarnings", _LEGACY_AS_ERROR)

    calls: Counter[tuple[str, int]] = Counter()

    def count(category: type[Warning], filename: str, lineno: int) -> None:
        calls[(filename, lineno)] += 1

    legacy_call_observers.append(count)
    config.stash[_legacy_calls] = calls
    config.stash[_observer] = count
    config.stash[_live_sandboxes] = []


def pytest_unconfigure(config: pytest.Config) -> None:
    count = config.stash.get(_observer, None)
    if count in legacy_call_observers:
        legacy_call_observers.remove(count)


def _sandbox_scope(
    fixture_name: str, config: pytest.Config
) -> Literal["module", "session"]:
    # pytest calls this before pytest_configure, which rejects a bad ini
    # value; here a bad value only needs not to fail.
    scope = config.getoption("chartmogul_sandbox_scope") or config.getini(
        "chartmogul_sandbox_scope"
    )
    return "module" if scope == "module" else "session"


@pytest.fixture(scope=_sandbox_scope)
def chartmogul_sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A local HTTPS stand-in for the ChartMogul API, reset before each test.

    It has ``base_url``, ``ca_bundle``, a valid ``api_key``, and
    ``config(**settings)`` for a `Config` pointed at it; faults queued with
    ``inject`` and the ``requests`` it recorded last until the next test.
    One sandbox serves the whole session, or each module with
    ``--chartmogul-sandbox-scope=module`` or the ``chartmogul_sandbox_scope``
    ini option.
    """
    try:
        from .sandbox import Sandbox
    except ImportError as error:
        # Without the chained ImportError: its message says it all.
        message = f"the chartmogul_sandbox fixture cannot start: {error}"
        raise pytest.fail.Exception(message, pytrace=False) from None

    live = request.config.stash[_live_sandboxes]
    with Sandbox() as sandbox:
        live.append(sandbox)
        try:
            yield sandbox
        finally:
            live.remove(sandbox)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before the test's own fixtures run, so that faults they queue stay.
    for sandbox in item.config.stash.get(_live_sandboxes, []):
        sandbox.reset()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter,
    exitstatus: int,
    config: pytest.Config,
) -> None:
    calls = config.stash.get(_legacy_calls, None)
    if not calls:
        return

    total = sum(calls.values())
    terminalreporter.write_sep(
        "=",
        f"chartmogul-compat: {_plural(total, 'legacy credential call')} from "
        f"{_plural(len(calls), 'line')}",
    )
    lines = sorted(
        (_relative_to(filename, config.rootpath), lineno, count)
        for (filename, lineno), count in calls.items()
    )
    for path, lineno, count in lines:
        terminalreporter.write_line(f"{path}:{lineno}: {_plural(count, 'call')}")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _relative_to(filename: str, root: Path) -> str:
    """``filename`` relative to ``root`` when it is inside it, else absolute."""
    path = Path(os.path.abspath(filename))
    if path.is_relative_to(root):
        return str(path.relative_to(root))
    return str(path)
