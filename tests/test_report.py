"""The scan's output formats: text, JSON, GitHub workflow commands, SARIF."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from chartmogul_compat import __version__
from chartmogul_compat._cli import _SCAN_FORMATS
from chartmogul_compat._report import FORMATS, github_data, github_property, render
from chartmogul_compat._scan import RULES, Finding, scan_paths

from .test_scan import PROJECT, PROJECT_FINDINGS

SCHEMA = Path(__file__).parent / "sarif" / "sarif-schema-2.1.0.json"

FINDINGS = [
    Finding("app/a.py", 3, 7, "CMC001", "first", "do this"),
    Finding("ci, 100%.yml", 1, 1, "CMC005", "line one\nline: two", "do that"),
]


def test_cli_knows_every_format() -> None:
    assert _SCAN_FORMATS == FORMATS


def test_text_format() -> None:
    assert render("text", FINDINGS, 9) == (
        "app/a.py:3:7: CMC001 first (fix: do this)\n"
        "ci, 100%.yml:1:1: CMC005 line one\nline: two (fix: do that)\n"
        "Found 2 findings in 2 files (9 files scanned).\n"
    )
    assert render("text", FINDINGS[:1], 1) == (
        "app/a.py:3:7: CMC001 first (fix: do this)\n"
        "Found 1 finding in 1 file (1 file scanned).\n"
    )
    assert (
        render("text", [], 4) == "No legacy ChartMogul usage found (4 files scanned).\n"
    )


def test_json_format_has_stable_keys() -> None:
    assert json.loads(render("json", FINDINGS, 9)) == [
        {
            "path": "app/a.py",
            "line": 3,
            "column": 7,
            "code": "CMC001",
            "message": "first",
            "fix": "do this",
        },
        {
            "path": "ci, 100%.yml",
            "line": 1,
            "column": 1,
            "code": "CMC005",
            "message": "line one\nline: two",
            "fix": "do that",
        },
    ]
    assert render("json", [], 0) == "[]\n"


def test_github_format_escapes_data_and_properties() -> None:
    assert render("github", FINDINGS, 9) == (
        "::warning file=app/a.py,line=3,col=7,"
        "title=CMC001 legacy-config-secret-argument::first. Fix: do this\n"
        "::warning file=ci%2C 100%25.yml,line=1,col=1,"
        "title=CMC005 legacy-variable-set::line one%0Aline: two. Fix: do that\n"
    )


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("100%", "100%25", "100%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("C:\\x,y", "C:\\x,y", "C%3A\\x%2Cy"),
        ("%0A", "%250A", "%250A"),  # an escape already in the text stays text
    ],
)
def test_github_escaping(text: str, data: str, prop: str) -> None:
    assert github_data(text) == data
    assert github_property(text) == prop


def test_sarif_format() -> None:
    log = json.loads(render("sarif", FINDINGS, 9))
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert run["tool"]["driver"]["name"] == "chartmogul-compat"
    assert run["tool"]["driver"]["version"] == __version__
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == list(RULES)
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["results"][1] == {
        "ruleId": "CMC005",
        "ruleIndex": 4,
        "level": "warning",
        "message": {"text": "line one\nline: two. Fix: do that"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "ci%2C%20100%25.yml"},
                    "region": {"startLine": 1, "startColumn": 1},
                }
            }
        ],
    }


def test_sarif_of_the_project_is_valid_against_the_published_schema(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(PROJECT)
    findings, scanned = scan_paths(["."])
    log = json.loads(render("sarif", findings, scanned))

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert list(validator.iter_errors(log)) == []

    located = [
        (
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            result["locations"][0]["physicalLocation"]["region"]["startLine"],
            result["locations"][0]["physicalLocation"]["region"]["startColumn"],
            result["ruleId"],
        )
        for result in log["runs"][0]["results"]
    ]
    assert located == PROJECT_FINDINGS


def test_schema_check_rejects_a_broken_log() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    log = json.loads(render("sarif", FINDINGS, 9))
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"][
        "startLine"
    ] = 0
    assert len(list(validator.iter_errors(log))) == 1


def test_sarif_uses_file_uris_for_absolute_paths(tmp_path: Path) -> None:
    path = tmp_path / "a b.py"
    finding = Finding(str(path), 1, 1, "CMC001", "m", "f")
    log = json.loads(render("sarif", [finding], 1))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == path.as_uri()
