"""Type checkers flag the legacy constructor in user code, and only that."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mypy import api as mypy_api

from chartmogul_compat._version import LEGACY_REMOVAL_VERSION

# Each call ends with the overload a type checker should report it under:
# "# pair" or "# token-keyword" or "# secret-keyword", or "# ok" for none.
_USER_CODE = """\
import os

from chartmogul_compat import Config

KEY = "cm_live_5f0c2b9e8d7a41c3"

Config(KEY, KEY)  # pair
Config(KEY, KEY, 30, 3, 1.5)  # pair
Config(account_token=KEY, secret_key=KEY)  # pair
Config(KEY, secret_key=KEY)  # pair
Config(KEY, os.environ.get("CHARTMOGUL_SECRET_KEY"))  # pair
Config(account_token=KEY)  # token-keyword
Config(secret_key=KEY)  # secret-keyword
Config(KEY)  # ok
Config(api_key=KEY)  # ok
Config(KEY, 30)  # ok
Config(KEY, None)  # ok
Config(KEY, (3.0, 7.0), 5, 0.5, base_url="https://api.chartmogul.com")  # ok
Config.from_env()  # ok
"""

_MESSAGES = {
    "pair": (
        "Config(account_token, secret_key) is deprecated: write Config(api_key) "
        "with your API key instead. The two-value form will be removed in "
        f"chartmogul-compat {LEGACY_REMOVAL_VERSION}."
    ),
    "token-keyword": (
        "Config(account_token=...) is deprecated: write Config(api_key=...) with "
        "your API key instead. The legacy keywords will be removed in "
        f"chartmogul-compat {LEGACY_REMOVAL_VERSION}."
    ),
    "secret-keyword": (
        "Config(secret_key=...) is deprecated: write Config(api_key=...) with "
        "your API key instead. The legacy keywords will be removed in "
        f"chartmogul-compat {LEGACY_REMOVAL_VERSION}."
    ),
}


def _expected_reports() -> list[tuple[int, str]]:
    """(line, message) for every call the user code marks as deprecated."""
    expected = []
    for number, line in enumerate(_USER_CODE.splitlines(), 1):
        marker = line.rpartition("  # ")[2] if "  # " in line else None
        if marker in _MESSAGES:
            expected.append((number, _MESSAGES[marker]))
    return expected


@pytest.fixture
def user_code(tmp_path: Path) -> Path:
    path = tmp_path / "user_code.py"
    path.write_text(_USER_CODE)
    return path


def test_mypy_reports_exactly_the_legacy_calls(user_code: Path) -> None:
    # No config file: the user's, not ours; the package is found installed,
    # which also needs its py.typed.
    (user_code.parent / "mypy.ini").write_text("[mypy]\n")
    stdout, stderr, status = mypy_api.run(
        [
            "--config-file",
            str(user_code.parent / "mypy.ini"),
            "--enable-error-code",
            "deprecated",
            "--cache-dir",
            str(user_code.parent / ".mypy_cache"),
            "--no-error-summary",
            "--hide-error-context",
            str(user_code),
        ]
    )
    assert stderr == ""
    reports = []
    for line in stdout.splitlines():
        location, _, text = line.partition(": error: ")
        message = text.removesuffix("  [deprecated]").partition(" is deprecated: ")[2]
        reports.append((int(location.rpartition(":")[2]), message))
    assert reports == _expected_reports()
    assert status == 1


def test_pyright_reports_exactly_the_legacy_calls(user_code: Path) -> None:
    (user_code.parent / "pyrightconfig.json").write_text(
        json.dumps({"typeCheckingMode": "standard", "reportDeprecated": "error"})
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "basedpyright",
            "--pythonpath",
            sys.executable,
            "--project",
            str(user_code.parent),
            "--outputjson",
            str(user_code),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    output = json.loads(result.stdout)
    reports = [
        (diagnostic["range"]["start"]["line"] + 1, diagnostic["message"])
        for diagnostic in output["generalDiagnostics"]
    ]
    # pyright indents the reason with two no-break spaces.
    assert reports == [
        (number, f'The constructor for class "Config" is deprecated\n\xa0\xa0{message}')
        for number, message in _expected_reports()
    ]
    assert {d["rule"] for d in output["generalDiagnostics"]} == {"reportDeprecated"}
    assert result.returncode == 1
