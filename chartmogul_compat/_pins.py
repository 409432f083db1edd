"""Requirements of ``chartmogul`` that keep a project before 3.0 (rule CMC006).

The official library took ``Config(account_token, secret_key)`` before 3.0
and ``Config(api_key)`` since. A requirement that allows no 3.x or later
release keeps the old form in place. ``packaging`` evaluates the specifier;
this module only decides which versions to ask it about. Imported by the
scanner only when a line mentions chartmogul.
"""

from __future__ import annotations

import re

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

__all__ = [
    "allows_only_before_3",
    "candidates_in_line",
    "legacy_pin",
    "poetry_specifier",
]

FIRST_MODERN = Version("3.0")
# Above every real release: stands for "no upper bound".
_FAR_FUTURE = Version("99999")

_QUOTED = re.compile(r"""(["'])((?:(?!\1).)*)\1""")
_POETRY_KEY = re.compile(r"""^\s*(["']?)chartmogul\1\s*=\s*(?P<value>.+)$""", re.I)
_POETRY_TABLE_VERSION = re.compile(r"""\bversion\s*=\s*(["'])(?P<version>.*?)\1""")
_OPERATOR_SPACE = re.compile(r"([<>=!~^]=?)\s+")


def allows_only_before_3(specifier: SpecifierSet) -> bool:
    """Whether no version 3.0 or later satisfies ``specifier``.

    The versions a specifier allows are runs between its boundary versions,
    so it is enough to ask about 3.0, each boundary (a wildcard or ``~=``
    adds the end of its range), the smallest version just above each
    boundary, and one far above all of them. Pre-releases count only where
    the specifier names one, as pip has it.
    """
    return not any(specifier.contains(probe) for probe in _probes(specifier))


def _probes(specifier: SpecifierSet) -> list[Version]:
    boundaries: list[Version] = []
    for clause in specifier:
        text = clause.version
        try:
            if text.endswith(".*"):
                prefix = Version(text[:-2])
                boundaries += [prefix, _next_release(prefix.release)]
            elif clause.operator == "~=":
                version = Version(text)
                boundaries += [version, _next_release(version.release[:-1])]
            else:
                boundaries.append(Version(text))
        except InvalidVersion:
            continue  # `===anything`: matches that exact string only

    width = max((len(version.release) for version in boundaries), default=1)
    probes = {FIRST_MODERN, _FAR_FUTURE}
    for version in boundaries:
        probes.add(version)
        # 3 padded to the widest boundary, then .1: 3.0.0.1 is above 3 and
        # below any other boundary above 3.
        padded = version.release + (0,) * (width - len(version.release))
        probes.add(_release(version.epoch, (*padded, 1)))
    return sorted(probe for probe in probes if probe >= FIRST_MODERN)


def _next_release(release: tuple[int, ...]) -> Version:
    return _release(0, (*release[:-1], release[-1] + 1))


def _release(epoch: int, release: tuple[int, ...]) -> Version:
    text = ".".join(map(str, release))
    return Version(f"{epoch}!{text}" if epoch else text)


def legacy_pin(text: str) -> str | None:
    """``text`` stripped if it is a requirement of chartmogul before 3.0, else None."""
    stripped = text.strip()
    if not stripped.lower().startswith("chartmogul"):
        return None
    try:
        requirement = Requirement(stripped)
    except InvalidRequirement:
        return None
    if canonicalize_name(requirement.name) != "chartmogul" or requirement.url:
        return None
    return stripped if allows_only_before_3(requirement.specifier) else None


def candidates_in_line(
    line: str, kind: str, section: str
) -> list[tuple[int, str, str]]:
    """(0-based column, requirement text, text as written) for each candidate.

    ``kind`` is ``requirements``, ``pyproject`` or ``setup.cfg``; ``section``
    is the last ``[header]`` seen, which tells a Poetry dependency table.
    """
    stripped = line.strip()
    if not stripped or stripped.startswith("["):
        return []
    start = line.index(stripped[0])

    if kind == "requirements":
        if stripped.startswith("-"):
            return []  # -r, -c, -e and other options
        requirement = stripped.rstrip("\\").partition(" --")[0]
        return [(start, requirement, requirement.strip())]

    if kind == "setup.cfg":
        # `install_requires = chartmogul<3` or a continuation line of it.
        key, equals, value = line.partition("=")
        if equals and not stripped.lower().startswith("chartmogul"):
            value_start = len(key) + 1 + (len(value) - len(value.lstrip()))
            return [(value_start, value, value.strip())]
        return [(start, stripped, stripped)]

    found = [
        (match.start(), match.group(2), match.group(2).strip())
        for match in _QUOTED.finditer(line)
    ]
    if "dependencies" in section and "poetry" in section:
        poetry_key = _POETRY_KEY.match(line)
        if poetry_key is not None:
            found = [_poetry_candidate(start, poetry_key.group("value").strip())]
    return [candidate for candidate in found if candidate[1]]


def _poetry_candidate(column: int, value: str) -> tuple[int, str, str]:
    if value.startswith("{"):
        version = _POETRY_TABLE_VERSION.search(value)
        value = version.group("version") if version else '"*"'
    constraint = value.strip("\"'")
    specifier = poetry_specifier(constraint)
    if specifier is None:
        return (column, "", "")  # an empty requirement: dropped by the caller
    return (column, f"chartmogul{specifier}", f"chartmogul = {constraint!r}")


def poetry_specifier(constraint: str) -> str | None:
    """A Poetry version constraint as a PEP 440 specifier, or None if unknown.

    Handles ``^``, ``~``, ``*``, wildcards, bare versions and comparisons
    joined by commas or spaces; ``||`` alternatives are not translated.
    """
    if "||" in constraint:
        return None
    clauses = []
    for part in re.split(r"[,\s]+", _OPERATOR_SPACE.sub(r"\1", constraint.strip())):
        if part in ("", "*"):
            continue
        try:
            clauses.append(_poetry_clause(part))
        except InvalidVersion:
            return None
    specifier = ",".join(clauses)
    try:
        SpecifierSet(specifier)
    except InvalidSpecifier:
        return None
    return specifier


def _poetry_clause(part: str) -> str:
    """One Poetry constraint (``^1.2``, ``~1.2``, ``=1.2``, ``1.*``) in PEP 440."""
    if part.startswith("^"):
        release = Version(part[1:]).release
        nonzero = next((i for i, n in enumerate(release) if n), len(release) - 1)
        return f">={part[1:]},<{_next_release(release[: nonzero + 1])}"
    if part.startswith("~") and not part.startswith("~="):
        release = Version(part[1:]).release
        kept = release[:2] if len(release) > 1 else release
        return f">={part[1:]},<{_next_release(kept)}"
    if part.startswith(("==", "!=", "<=", ">=", "<", ">", "~=")):
        return part
    if part.startswith("="):
        return "=" + part
    Version(part.removesuffix(".*"))  # raises InvalidVersion for nonsense
    return "==" + part
