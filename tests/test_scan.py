"""The scanner: what counts as a finding, where it is, and what is skipped."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from chartmogul_compat import _scan
from chartmogul_compat._scan import RULES, Finding, scan_file, scan_paths

FIXTURES = Path(__file__).parent / "scan_fixtures"
PROJECT = FIXTURES / "project"

# Every finding in the sample project: one of each kind, and none for the
# look-alikes in app/look_alikes.py, app/plain.py and the comments.
PROJECT_FINDINGS = [
    (".env", 2, 1, "CMC005"),
    (".env", 3, 8, "CMC005"),
    (".github/workflows/ci.yml", 7, 7, "CMC005"),
    (".github/workflows/ci.yml", 13, 18, "CMC005"),
    ("app/broken.py", 4, 12, "CMC900"),
    ("app/legacy_calls.py", 11, 50, "CMC001"),  # after "café": characters
    ("app/legacy_calls.py", 12, 28, "CMC001"),
    ("app/legacy_calls.py", 13, 29, "CMC002"),
    ("app/legacy_calls.py", 13, 50, "CMC003"),
    ("app/legacy_calls.py", 14, 23, "CMC003"),
    ("app/legacy_calls.py", 15, 20, "CMC004"),
    ("app/legacy_calls.py", 16, 20, "CMC004"),
    ("app/legacy_calls.py", 17, 24, "CMC004"),
    ("app/legacy_calls.py", 18, 15, "CMC004"),
    ("app/legacy_calls.py", 19, 11, "CMC004"),
    ("app/legacy_calls.py", 20, 26, "CMC001"),
    ("app/legacy_calls.py", 21, 27, "CMC001"),
    ("app/legacy_calls.py", 22, 19, "CMC002"),
    ("config/settings.toml", 2, 1, "CMC005"),
    ("config/settings.toml", 6, 11, "CMC005"),
    ("deploy/app.yaml", 4, 15, "CMC005"),
    ("pyproject.toml", 4, 5, "CMC006"),
    ("pyproject.toml", 12, 1, "CMC006"),
    ("pyproject.toml", 15, 9, "CMC005"),
    ("requirements-dev.txt", 2, 1, "CMC006"),
    ("requirements.txt", 2, 1, "CMC006"),
    ("setup.cfg", 6, 5, "CMC006"),
    ("setup.py", 3, 41, "CMC006"),
    ("tox.ini", 4, 5, "CMC005"),
]


def _positions(findings: list[Finding]) -> list[tuple[str, int, int, str]]:
    return [(f.path, f.line, f.column, f.code) for f in findings]


def _scan_text(tmp_path: Path, name: str, text: str) -> list[tuple[int, int, str]]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    found = scan_file(str(path))
    assert found is not None
    return [(f.line, f.column, f.code) for f in found]


def test_scan_finds_exactly_the_project_findings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(PROJECT)
    findings, scanned = scan_paths(["."])
    assert _positions(findings) == PROJECT_FINDINGS
    assert scanned == 14


def test_scan_findings_carry_the_rule_fix_and_a_message_without_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(PROJECT)
    findings, _ = scan_paths(["app/legacy_calls.py", ".env"])
    assert findings[0] == Finding(
        ".env",
        2,
        1,
        "CMC005",
        "sets CHARTMOGUL_ACCOUNT_TOKEN, a legacy environment variable",
        RULES["CMC005"].fix,
    )
    assert findings[2].message == (
        "Config() is given a second positional argument, read as the legacy secret key"
    )
    for finding in findings:
        assert "placeholder" not in finding.message
        assert finding.fix == RULES[finding.code].fix


def test_rule_codes_are_stable() -> None:
    assert list(RULES) == [
        "CMC001",
        "CMC002",
        "CMC003",
        "CMC004",
        "CMC005",
        "CMC006",
        "CMC900",
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import chartmogul\nchartmogul.Config(T, S)\n", [(2, 22, "CMC001")]),
        ("import chartmogul as cm\ncm.Config(T, 'x')\n", [(2, 14, "CMC001")]),
        ("from chartmogul import Config\nConfig(T, S)\n", [(2, 11, "CMC001")]),
        ("from chartmogul import Config as C\nC(T, S)\n", [(2, 6, "CMC001")]),
        (
            "from chartmogul.api.config import Config\nConfig(T, S)\n",
            [(2, 11, "CMC001")],
        ),
        (
            "import chartmogul.api.config\nchartmogul.api.config.Config(T, S)\n",
            [(2, 33, "CMC001")],
        ),
        ("from chartmogul import api\napi.config.Config(T, S)\n", [(2, 22, "CMC001")]),
        (
            "import chartmogul_compat as chartmogul\nchartmogul.Config(T, S)\n",
            [(2, 22, "CMC001")],
        ),
        ("from chartmogul_compat import *\nConfig(T, S)\n", [(2, 11, "CMC001")]),
        (
            "from chartmogul_compat.official import Config\nConfig(T, S)\n",
            [(2, 11, "CMC001")],
        ),
        (
            "import chartmogul_compat.official as cm\ncm.Config(T, S)\n",
            [(2, 14, "CMC001")],
        ),
        ("import chartmogul\nchartmogul.Config(T, f'{S}')\n", [(2, 22, "CMC001")]),
        ("import chartmogul\nchartmogul.Config(T, -1)\n", []),
        ("import chartmogul\nchartmogul.Config(T, 2.5)\n", []),
        ("import chartmogul\nchartmogul.Config(T, None)\n", []),
        ("import chartmogul\nchartmogul.Config(T, [5, 30])\n", []),
        ("import chartmogul\nchartmogul.Config(*PAIR)\n", []),
        ("import chartmogul\nchartmogul.Config(T)\n", []),
        ("import chartmogul\nConfig(T, S)\n", []),  # not imported
        ("import chartmogulx\nchartmogulx.Config(T, S)\n", []),
        ("from other import Config  # chartmogul\nConfig(T, S)\n", []),
        (
            "import chartmogul\nimport os\nos.environ.get('CHARTMOGUL_SECRET_KEY')\n",
            [(3, 16, "CMC004")],
        ),
        (
            "import os as o\no.environ.pop('CHARTMOGUL_SECRET_KEY')\n",
            [(2, 15, "CMC004")],
        ),
        (
            "from os import environ as e\ne['CHARTMOGUL_ACCOUNT_TOKEN'] = 'x'\n",
            [(2, 3, "CMC004")],
        ),
        ("import os\nos.environ.get('CHARTMOGUL_API_KEY')\n", []),
        ("environ = {}\nenviron['CHARTMOGUL_SECRET_KEY']\n", []),
    ],
)
def test_python_findings(
    tmp_path: Path, source: str, expected: list[tuple[int, int, str]]
) -> None:
    assert _scan_text(tmp_path, "module.py", source) == expected


def test_python_column_counts_characters_not_utf8_bytes(tmp_path: Path) -> None:
    source = "import chartmogul\nnom = 'ünïcödé'; chartmogul.Config(T, S)\n"
    # S is the 39th character; in UTF-8 bytes it would be the 43rd.
    assert _scan_text(tmp_path, "module.py", source) == [(2, 39, "CMC001")]


def test_python_file_with_a_coding_cookie(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(
        b"# -*- coding: latin-1 -*-\nimport chartmogul\n"
        b"x = '\xe9'; chartmogul.Config(T, S)\n"
    )
    assert _positions(scan_file(str(path)) or []) == [
        (str(path), 3, 31, "CMC001")  # 32 if counted in UTF-8 bytes
    ]


def test_multi_line_call_is_suppressed_on_its_first_line(tmp_path: Path) -> None:
    source = (
        "import chartmogul\n"
        "chartmogul.Config(  # chartmogul-compat: ignore[CMC001]\n"
        "    TOKEN,\n"
        "    SECRET,\n"
        "    secret_key=S,\n"
        ")\n"
    )
    assert _scan_text(tmp_path, "module.py", source) == [(5, 5, "CMC003")]


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("# chartmogul-compat: ignore", []),
        ("#chartmogul-compat:ignore[cmc001]", []),
        ("# chartmogul-compat: ignore[CMC004, CMC001]", []),
        ("# chartmogul-compat: ignore[CMC002]", [(2, 22, "CMC001")]),
        ("# noqa  # chartmogul-compat: ignore", []),
        ("# chartmogul-compat: ignored", [(2, 22, "CMC001")]),
    ],
)
def test_suppression_comment(
    tmp_path: Path, comment: str, expected: list[tuple[int, int, str]]
) -> None:
    source = f"import chartmogul\nchartmogul.Config(T, S)  {comment}\n"
    assert _scan_text(tmp_path, "module.py", source) == expected


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (".env.production", "CHARTMOGUL_SECRET_KEY = x\n", [(1, 1, "CMC005")]),
        ("prod.env", "  export CHARTMOGUL_ACCOUNT_TOKEN=x\n", [(1, 10, "CMC005")]),
        (".env", "CHARTMOGUL_API_KEY=$CHARTMOGUL_SECRET_KEY\n", []),
        (".env", "X=1 # CHARTMOGUL_SECRET_KEY=y\n", []),
        (
            "compose.yml",
            "environment:\n  - CHARTMOGUL_SECRET_KEY=x\n",
            [(2, 5, "CMC005")],
        ),
        ("compose.yml", 'env: {"CHARTMOGUL_SECRET_KEY": x}\n', [(1, 8, "CMC005")]),
        ("a.yaml", "cmd: 'echo # CHARTMOGUL_SECRET_KEY=x'\n", [(1, 14, "CMC005")]),
        ("a.yaml", "script: run CHARTMOGUL_SECRET_KEY==x\n", []),
        (
            "pytest.ini",
            "[pytest]\nenv =\n    CHARTMOGUL_ACCOUNT_TOKEN=x\n",
            [(3, 5, "CMC005")],
        ),
        ("a.cfg", "; CHARTMOGUL_SECRET_KEY = x\n", []),
        ("a.toml", "'CHARTMOGUL_SECRET_KEY' = 1\n", [(1, 2, "CMC005")]),
        ("notes.md", "CHARTMOGUL_SECRET_KEY=x\n", None),
    ],
)
def test_settings_findings(
    tmp_path: Path,
    name: str,
    text: str,
    expected: list[tuple[int, int, str]] | None,
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    found = scan_file(str(path))
    if expected is None:
        assert found is None
    else:
        assert [(f.line, f.column, f.code) for f in found or []] == expected


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("requirements.txt", "chartmogul==1.6.2  # old\n", [(1, 1, "CMC006")]),
        (
            "requirements.txt",
            "  chartmogul[extra]<3; python_version>'3.8'\n",
            [(1, 3, "CMC006")],
        ),
        ("requirements.txt", "chartmogul\nchartmogul>=3\nchartmogul-compat<1\n", []),
        ("requirements.txt", "chartmogul @ https://example.invalid/c.whl\n", []),
        ("requirements.txt", "chartmogul<<3\n", []),  # not a requirement
        ("requirements/base.txt", "chartmogul!=3.*,<4\n", [(1, 1, "CMC006")]),
        ("requirements-lock.in", "CHARTMOGUL<3\n", [(1, 1, "CMC006")]),
        (
            "setup.cfg",
            "[options]\ninstall_requires = chartmogul~=2.0\n",
            [(2, 20, "CMC006")],
        ),
        (
            "pyproject.toml",
            "[tool.poetry.dependencies]\nchartmogul = '~2.9'\n",
            [(2, 1, "CMC006")],
        ),
        (
            "pyproject.toml",
            "[tool.poetry.dependencies]\nchartmogul = {version = '>=2,<3.5'}\n",
            [],
        ),
        ("pyproject.toml", "[tool.poetry.dependencies]\nchartmogul = '^3.0'\n", []),
        ("pyproject.toml", "[x]\nchartmogul = '^2.0'\n", []),  # not dependencies
        ("setup.py", "REQUIRES = ['ChartMogul==2.9.0']\n", [(1, 13, "CMC006")]),
        ("other.py", "REQUIRES = ['chartmogul==2.9.0']\n", []),
    ],
)
def test_pin_findings(
    tmp_path: Path, name: str, text: str, expected: list[tuple[int, int, str]]
) -> None:
    assert _scan_text(tmp_path, name, text) == expected


def test_unparseable_files_are_reported_and_the_scan_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_bytes(b"import chartmogul\n\xff\xfe = 1\n")
    (tmp_path / "b.py").write_text("import chartmogul\nchartmogul.Config(T, S)\n")
    findings, scanned = scan_paths([str(tmp_path)])
    assert [(os.path.basename(f.path), f.code) for f in findings] == [
        ("a.py", "CMC900"),
        ("b.py", "CMC001"),
    ]
    assert findings[0].message.startswith("cannot decode: 'utf-8' codec")
    assert scanned == 2


def test_walk_skips_tool_and_environment_folders(tmp_path: Path) -> None:
    legacy = "import chartmogul\nchartmogul.Config(T, S)\n"
    for folder in [
        ".git",
        ".venv",
        "venv",
        "node_modules/pkg",
        "src/__pycache__",
        "build",
        "dist",
        "env-with-any-name",
        "src",
    ]:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "legacy.py").write_text(legacy)
    (tmp_path / "env-with-any-name" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "src" / "generated").mkdir()
    (tmp_path / "src" / "generated" / "legacy.py").write_text(legacy)

    paths = list(_scan.iter_files([str(tmp_path)], exclude=["generated"]))
    assert paths == [str(tmp_path / "src" / "legacy.py")]
    assert list(_scan.iter_files([str(tmp_path / "build" / "legacy.py")])) == [
        str(tmp_path / "build" / "legacy.py")
    ]


def test_exclude_globs_match_names_and_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(PROJECT, tmp_path / "project")
    monkeypatch.chdir(tmp_path / "project")
    findings, _ = scan_paths(["."], exclude=["app/*", "*.toml", ".env"])
    assert sorted({f.path for f in findings}) == [
        ".github/workflows/ci.yml",
        "deploy/app.yaml",
        "requirements-dev.txt",
        "requirements.txt",
        "setup.cfg",
        "setup.py",
        "tox.ini",
    ]


@pytest.mark.parametrize("size", [(1 << 15) - 1, 1 << 15, (1 << 15) + 1, 3 << 20])
def test_read_returns_the_whole_file_at_every_size(tmp_path: Path, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    (tmp_path / "f").write_bytes(data)
    assert _scan._read(str(tmp_path / "f")) == data


def test_unreadable_file_is_a_finding(tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.py")
    assert scan_file(missing) == [
        Finding(
            missing,
            1,
            1,
            "CMC900",
            "cannot read: No such file or directory",
            RULES["CMC900"].fix,
        )
    ]


def test_unparseable_file_message_never_shows_a_literal_key(tmp_path: Path) -> None:
    # Python 3.9's message quotes the statement: Did you mean print("...")?
    path = tmp_path / "legacy.py"
    path.write_text('import chartmogul\nprint "cm_live_0123456789abcd"\n')
    hint = 'print("****abcd")' if sys.version_info < (3, 10) else "print(...)"
    assert [(f.line, f.code, f.message) for f in scan_file(str(path)) or []] == [
        (
            2,
            "CMC900",
            "cannot parse as Python: Missing parentheses in call to 'print'. "
            f"Did you mean {hint}?",
        )
    ]


# Generated code can nest deeper than Python's parser goes: a unary chain
# overflows its stack (MemoryError), a long "+" chain the step that builds
# the tree (RecursionError, from Python 3.11; 3.9 and 3.10 parse it).
_UNARY_CHAIN = "x = " + "-" * 100_000 + "1\n"
_PLUS_CHAIN = "x = " + " + ".join(["s"] * 50_000) + "\n"
_TOO_DEEP = (1, 1, "CMC900")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (_UNARY_CHAIN, [_TOO_DEEP]),
        (
            _PLUS_CHAIN,
            [_TOO_DEEP] if sys.version_info >= (3, 11) else [(2, 35, "CMC001")],
        ),
    ],
    ids=["unary-chain", "plus-chain"],
)
def test_file_too_deep_to_parse_is_a_finding_and_the_scan_goes_on(
    tmp_path: Path, body: str, expected: list[tuple[int, int, str]]
) -> None:
    source = "import chartmogul\nconfig = chartmogul.Config(TOKEN, SECRET)\n" + body
    (tmp_path / "generated.py").write_text(source)
    (tmp_path / "later.py").write_text("import chartmogul\nchartmogul.Config(A, B)\n")

    findings, scanned = scan_paths([str(tmp_path)])

    assert scanned == 2
    assert [(f.line, f.column, f.code) for f in findings] == [
        *expected,
        (2, 22, "CMC001"),
    ]
    if expected == [_TOO_DEEP]:
        assert findings[0].message == (
            "cannot parse as Python: it nests deeper than Python's parser allows"
        )


@pytest.mark.parametrize(
    ("name", "text", "encoding", "code"),
    [
        (".env", "CHARTMOGUL_SECRET_KEY=x\n", "utf-8-sig", "CMC005"),
        ("settings.ini", "CHARTMOGUL_SECRET_KEY = x\n", "utf-8-sig", "CMC005"),
        ("requirements.txt", "chartmogul==2.9.0\n", "utf-8-sig", "CMC006"),
        # What `pip freeze > requirements.txt` writes in Windows PowerShell 5.
        ("requirements.txt", "chartmogul==2.9.0\r\n", "utf-16", "CMC006"),
        ("requirements.txt", "chartmogul==2.9.0\r\n", "utf-16-be", "CMC006"),
    ],
    ids=["env-bom", "ini-bom", "requirements-bom", "utf-16-le", "utf-16-be"],
)
def test_settings_and_pins_on_the_first_line_after_a_byte_order_mark(
    tmp_path: Path, name: str, text: str, encoding: str, code: str
) -> None:
    path = tmp_path / name
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    assert [(f.line, f.column, f.code) for f in scan_file(str(path)) or []] == [
        (1, 1, code)
    ]


def test_a_virtual_environment_named_on_the_command_line_is_walked(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "site.py").write_text("import chartmogul\n")
    assert list(_scan.iter_files([str(tmp_path)])) == [
        str(tmp_path / "pyvenv.cfg"),  # an INI file, as setup.cfg is
        str(tmp_path / "site.py"),
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_walk_yields_regular_files_only(tmp_path: Path) -> None:
    # Reading a named pipe would wait for a writer and stall the scan.
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "app.py").write_text("import chartmogul\n")
    assert list(_scan.iter_files([str(tmp_path)])) == [str(tmp_path / "app.py")]
