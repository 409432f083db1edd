"""`chartmogul-compat scan` on the command line: formats and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chartmogul_compat._cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, main

from .test_scan import PROJECT, PROJECT_FINDINGS


@pytest.fixture
def in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.mark.usefixtures("in_project")
def test_scan_text_lists_every_finding_then_a_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["scan"]) == EXIT_FINDINGS
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert [line.split(" ", 2)[:2] for line in lines[:-1]] == [
        [f"{path}:{line}:{column}:", code]
        for path, line, column, code in PROJECT_FINDINGS
    ]
    assert lines[0] == (
        ".env:2:1: CMC005 sets CHARTMOGUL_ACCOUNT_TOKEN, a legacy environment "
        "variable (fix: set CHARTMOGUL_API_KEY to the API key instead)"
    )
    assert lines[-1] == "Found 29 findings in 12 files (14 files scanned)."
    assert err == ""


@pytest.mark.usefixtures("in_project")
@pytest.mark.parametrize("format_name", ["json", "github", "sarif"])
def test_scan_machine_formats_hold_exactly_the_findings(
    capsys: pytest.CaptureFixture[str], format_name: str
) -> None:
    assert main(["scan", "--format", format_name, "."]) == EXIT_FINDINGS
    out = capsys.readouterr().out
    if format_name == "json":
        located = [
            (f["path"], f["line"], f["column"], f["code"]) for f in json.loads(out)
        ]
    elif format_name == "github":
        located = []
        for line in out.splitlines():
            properties = dict(
                part.split("=", 1)
                for part in line.removeprefix("::warning ").split("::")[0].split(",")
            )
            located.append(
                (
                    properties["file"],
                    int(properties["line"]),
                    int(properties["col"]),
                    properties["title"].split()[0],
                )
            )
    else:
        located = [
            (
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                r["locations"][0]["physicalLocation"]["region"]["startColumn"],
                r["ruleId"],
            )
            for r in json.loads(out)["runs"][0]["results"]
        ]
    assert located == PROJECT_FINDINGS


@pytest.mark.usefixtures("in_project")
def test_scan_chooses_github_format_on_github_actions(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["scan", "requirements.txt"]) == EXIT_FINDINGS
    assert capsys.readouterr().out == (
        "::warning file=requirements.txt,line=2,col=1,"
        "title=CMC006 chartmogul-pinned-before-3::'chartmogul<3' allows no "
        "chartmogul 3.0 or later. Fix: allow chartmogul>=3 (it takes "
        "Config(api_key)), or depend on chartmogul-compat until the code is "
        "migrated\n"
    )
    assert main(["scan", "--format", "text", "app/look_alikes.py"]) == EXIT_OK
    assert capsys.readouterr().out == (
        "No legacy ChartMogul usage found (1 file scanned).\n"
    )


@pytest.mark.usefixtures("in_project")
def test_scan_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "app/look_alikes.py", "app/plain.py"]) == EXIT_OK
    assert main(["scan", "--exit-zero", "app"]) == EXIT_OK
    argv = ["scan", "--exclude", "legacy_calls.py,*.toml", "--exclude=broken*", "app"]
    assert main(argv) == EXIT_OK
    capsys.readouterr()


@pytest.mark.usefixtures("in_project")
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["scan", "no/such/dir"],
            "chartmogul-compat: error: no such file or folder: no/such/dir "
            "(see chartmogul-compat --help)\n",
        ),
        (
            ["fix", "missing.py"],
            "chartmogul-compat: error: no such file or folder: missing.py "
            "(see chartmogul-compat --help)\n",
        ),
        (
            ["scan", "app", "cm_live_5f0c2b9e8d7a41c3"],
            "chartmogul-compat: error: no such file or folder: ****41c3 "
            "(see chartmogul-compat --help)\n",
        ),
    ],
    ids=["folder", "file", "key-pasted-as-a-path"],
)
def test_scan_and_fix_missing_path_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == EXIT_USAGE
    assert capsys.readouterr() == ("", message)


def test_scan_bad_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", "--format", "xml"])
    assert exit_info.value.code == EXIT_USAGE
    assert "argument --format: invalid choice: 'xml'" in capsys.readouterr().err


def test_scan_as_a_process_imports_no_http_stack(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import chartmogul\nchartmogul.Config(T, S)\n")
    code = (
        "import sys\n"
        "from chartmogul_compat._cli import main\n"
        "code = main(['scan', sys.argv[1]])\n"
        "heavy = ('requests', 'urllib3', 'logging', 'dataclasses', 'inspect')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "sys.exit(code)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == EXIT_FINDINGS
    assert result.stdout.splitlines()[-1] == "[]"
    assert (
        result.stdout.splitlines()[-2] == "Found 1 finding in 1 file (1 file scanned)."
    )


def test_pre_commit_hook_runs_the_scan() -> None:
    hooks = (Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text()
    assert "- id: chartmogul-compat-scan\n" in hooks
    assert "  entry: chartmogul-compat scan\n" in hooks
    assert "  language: python\n" in hooks
