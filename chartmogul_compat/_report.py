"""Output formats for ``scan`` findings: text, JSON, GitHub Actions and SARIF.

Each renderer takes the sorted findings and returns the whole output as one
string, so that nothing is printed half-way if rendering fails.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ._scan import RULES
from ._version import __version__

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._scan import Finding

__all__ = [
    "FORMATS",
    "github_data",
    "github_property",
    "render",
]

FORMATS = ("text", "json", "github", "sarif")

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
    "sarif-schema-2.1.0.json"
)


def render(format_name: str, findings: Sequence[Finding], scanned: int) -> str:
    """The findings in ``format_name``, one of `FORMATS`."""
    if format_name == "text":
        return _text(findings, scanned)
    if format_name == "json":
        return _json(findings)
    if format_name == "github":
        return _github(findings)
    if format_name == "sarif":
        return _sarif(findings)
    raise ValueError(f"unknown format {format_name!r}; use one of {FORMATS}")


def _text(findings: Sequence[Finding], scanned: int) -> str:
    lines = [
        f"{f.path}:{f.line}:{f.column}: {f.code} {f.message} (fix: {f.fix})"
        for f in findings
    ]
    files = f"{_counted(scanned, 'file')} scanned"
    if findings:
        with_findings = len({finding.path for finding in findings})
        lines.append(
            f"Found {_counted(len(findings), 'finding')} "
            f"in {_counted(with_findings, 'file')} ({files})."
        )
    else:
        lines.append(f"No legacy ChartMogul usage found ({files}).")
    return "\n".join(lines) + "\n"


def _counted(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _json(findings: Sequence[Finding]) -> str:
    import json

    # Key order and names are part of the interface: tools read them.
    records = [
        {
            "path": finding.path,
            "line": finding.line,
            "column": finding.column,
            "code": finding.code,
            "message": finding.message,
            "fix": finding.fix,
        }
        for finding in findings
    ]
    return json.dumps(records, indent=2) + "\n"


def _github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    return "".join(
        f"::warning file={github_property(finding.path)},line={finding.line},"
        f"col={finding.column},"
        f"title={github_property(f'{finding.code} {RULES[finding.code].name}')}"
        f"::{github_data(f'{finding.message}. Fix: {finding.fix}')}\n"
        for finding in findings
    )


def github_data(text: str) -> str:
    """Escape a workflow command's message (after ``::``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """Escape a workflow command's property value (``file=...``, ``title=...``)."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def _sarif(findings: Sequence[Finding]) -> str:
    import json

    rule_codes = list(RULES)
    rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "help": {"text": rule.fix},
            "defaultConfiguration": {"level": "warning"},
        }
        for rule in RULES.values()
    ]
    results: list[dict[str, Any]] = [
        {
            "ruleId": finding.code,
            "ruleIndex": rule_codes.index(finding.code),
            "level": "warning",
            "message": {"text": f"{finding.message}. Fix: {finding.fix}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _artifact_uri(finding.path)},
                        "region": {
                            "startLine": finding.line,
                            "startColumn": finding.column,
                        },
                    }
                }
            ],
        }
        for finding in findings
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "chartmogul-compat",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                # Columns count characters, as in the text output; SARIF's
                # default would be UTF-16 code units.
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _artifact_uri(path: str) -> str:
    """A relative path as a URI reference; an absolute one as a file: URI."""
    from pathlib import Path, PurePath
    from urllib.parse import quote

    if os.path.isabs(path):
        return Path(path).as_uri()
    return quote(PurePath(path).as_posix())
