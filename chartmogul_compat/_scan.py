"""Find legacy ChartMogul credentials in a source tree: the ``scan`` command.

Detection only: `scan_paths` walks files and folders and returns `Finding`
tuples; ``_report`` turns them into text, JSON, GitHub or SARIF, and ``_fix``
rewrites what can be rewritten. What is found, by rule code:

- Python files (``ast``, imports resolved, so only ChartMogul's ``Config``
  counts): a legacy ``Config(...)`` call (CMC001-CMC003) and reads of the
  legacy environment variables (CMC004);
- ``.env``, YAML, TOML and INI files: the legacy variables being set (CMC005);
- requirements files, ``pyproject.toml``, ``setup.cfg`` and ``setup.py``: a pin
  of ``chartmogul`` that allows no version 3.0 or later (CMC006);
- a file that cannot be read or parsed (CMC900), after which the scan goes on.

Speed: a file is read once, as bytes, and skipped unless it contains
``chartmogul`` or ``CHARTMOGUL_``; most files of a tree never reach a parser.
Findings are named tuples rather than dataclasses because ``dataclasses``
imports ``inspect``, which costs more at start-up than a whole small scan.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import re
from typing import TYPE_CHECKING, NamedTuple

from ._credentials import MIN_KEY_LIKE_LENGTH, mask_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

__all__ = [
    "LEGACY_VARIABLES",
    "LINE_BREAK",
    "RULES",
    "TOO_DEEP_TO_PARSE",
    "Finding",
    "PythonHit",
    "Rule",
    "character_column",
    "decode_python",
    "hit_column",
    "hit_suppressed",
    "is_timeout_literal",
    "iter_files",
    "mask_quoted",
    "python_hits",
    "scan_file",
    "scan_paths",
]


class Rule(NamedTuple):
    """A rule: its stable code, what it finds, and what to do about it."""

    code: str
    name: str
    summary: str
    fix: str


class Finding(NamedTuple):
    """One place to change. ``line`` and ``column`` count from 1, in characters."""

    path: str
    line: int
    column: int
    code: str
    message: str
    fix: str


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            "CMC001",
            "legacy-config-secret-argument",
            "Config() is given a secret key as its second positional argument",
            "pass the API key alone, Config(api_key); `chartmogul-compat fix` "
            "drops the second argument",
        ),
        Rule(
            "CMC002",
            "legacy-config-account-token",
            "Config() is given the legacy account_token= keyword",
            "write api_key= instead; `chartmogul-compat fix` renames it",
        ),
        Rule(
            "CMC003",
            "legacy-config-secret-key",
            "Config() is given the legacy secret_key= keyword",
            "drop secret_key= and pass the API key as api_key; "
            "`chartmogul-compat fix` rewrites it",
        ),
        Rule(
            "CMC004",
            "legacy-variable-read",
            "code reads a legacy environment variable",
            "read CHARTMOGUL_API_KEY instead, or build the config with "
            "Config.from_env()",
        ),
        Rule(
            "CMC005",
            "legacy-variable-set",
            "a settings file sets a legacy environment variable",
            "set CHARTMOGUL_API_KEY to the API key instead",
        ),
        Rule(
            "CMC006",
            "chartmogul-pinned-before-3",
            "a requirement of chartmogul allows no version 3.0 or later",
            "allow chartmogul>=3 (it takes Config(api_key)), or depend on "
            "chartmogul-compat until the code is migrated",
        ),
        Rule(
            "CMC900",
            "unparseable-file",
            "a file that may hold findings could not be read or parsed",
            "fix the file, or leave it out with --exclude",
        ),
    )
}

LEGACY_VARIABLES = ("CHARTMOGUL_ACCOUNT_TOKEN", "CHARTMOGUL_SECRET_KEY")

# Folders never walked into (a virtual environment is also recognised by its
# pyvenv.cfg, whatever its name). A path named on the command line is always
# scanned.
_SKIPPED_FOLDERS = frozenset(
    {".git", ".venv", "venv", "node_modules", "__pycache__", "build", "dist"}
)

# What ChartMogul's Config is called once imports are resolved: the official
# library's two spellings, the shim's, and the official one the shim's bridge
# passes through.
_CONFIG_NAMES = frozenset(
    {
        "chartmogul.Config",
        "chartmogul.api.config.Config",
        "chartmogul_compat.Config",
        "chartmogul_compat.official.Config",
    }
)
_TRACKED_MODULES = frozenset({"chartmogul", "chartmogul_compat", "os"})
_ENVIRON = "os.environ"
_ENVIRON_GETTERS = frozenset(
    {"os.getenv", "os.environ.get", "os.environ.pop", "os.environ.setdefault"}
)

LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A quoted run within one line, backslash escapes included: the text of a
# string literal, or of each piece of a concatenated or split one.
_QUOTED = re.compile(r"""(["'])((?:\\.|(?!\1)[^\\])*)\1""")
_SUPPRESSION = re.compile(
    r"#\s*chartmogul-compat:\s*ignore(?:\[(?P<codes>[A-Za-z0-9,\s]*)\])?(?=\s*(?:#|$))"
)

_VARIABLE = r"(?P<name>CHARTMOGUL_(?:ACCOUNT_TOKEN|SECRET_KEY))\b"
# A key being given a value: `NAME=`, `NAME: `, `export NAME=`, `- NAME=` (a
# compose list), `"NAME" = ` (TOML), also after `{` or `,` in an inline table.
_KEY_SETTING = re.compile(
    rf"""(?:^|[{{,])\s*(?:-\s+)?(?:export\s+)?(["']?){_VARIABLE}\1\s*[:=](?!=)"""
)
# A shell assignment inside a value or script, `... export NAME=value`, or a
# string holding one, "NAME=value" (pytest-env, tox).
_INLINE_SETTING = re.compile(
    rf"""(?:(?<=[\s"'`;&|(]))(?:export\s+)?{_VARIABLE}=(?!=)"""
)
# Kubernetes-style environment entries: `- name: NAME` followed by `value:`.
_YAML_NAME_SETTING = re.compile(
    rf"""^\s*(?:-\s+)?name\s*:\s*(["']?){_VARIABLE}\1\s*$"""
)

_SETTINGS_PATTERNS = {
    "env": (_KEY_SETTING,),
    "yaml": (_KEY_SETTING, _INLINE_SETTING, _YAML_NAME_SETTING),
    "toml": (_KEY_SETTING, _INLINE_SETTING),
    "ini": (_KEY_SETTING, _INLINE_SETTING),
}
_COMMENT_LEADERS = {"env": "#", "yaml": "#", "toml": "#", "ini": "#;"}
# Which files can pin chartmogul, and which settings reader each kind gets
# (requirements files set no variables: no reader).
_PIN_KINDS = frozenset({"requirements", "pyproject", "setup.cfg"})
_SETTINGS_KIND = {
    "env": "env",
    "yaml": "yaml",
    "toml": "toml",
    "pyproject": "toml",
    "ini": "ini",
    "setup.cfg": "ini",
}
# The first read of a file, and each later one for a file longer than that.
_FIRST_READ = 1 << 15
_NEXT_READS = 1 << 20


# What ast.parse raises, besides SyntaxError, for source nested too deep for
# it (generated code): its parser's stack overflows (MemoryError), or, from
# Python 3.11, building the tree does (RecursionError).
TOO_DEEP_TO_PARSE = (MemoryError, RecursionError)


class PythonHit(NamedTuple):
    """A finding in a Python file, still as syntax: the fixer works on these."""

    node: ast.expr | ast.keyword
    code: str
    detail: str
    call: ast.Call | None  # the Config call, for CMC001-CMC003


def scan_paths(
    paths: Sequence[str], exclude: Sequence[str] = ()
) -> tuple[list[Finding], int]:
    """Scan files and folders; return the sorted findings and the files read."""
    findings: list[Finding] = []
    scanned = 0
    for path in iter_files(paths, exclude):
        found = scan_file(path)
        if found is not None:
            scanned += 1
            findings.extend(found)
    findings.sort()
    return findings, scanned


def iter_files(paths: Sequence[str], exclude: Sequence[str] = ()) -> Iterator[str]:
    """The files under ``paths`` that could hold a finding, in a stable order.

    A named file is yielded whatever its name; folders are walked, skipping
    the usual tool and environment folders and anything matching an
    ``exclude`` glob (tried on the name and on the path).
    """
    for path in paths:
        if os.path.isdir(path):
            yield from _walk(os.path.normpath(path), exclude, on_command_line=True)
        else:
            yield os.path.normpath(path)


def _walk(
    folder: str, exclude: Sequence[str], on_command_line: bool = False
) -> Iterator[str]:
    """The regular files under ``folder`` of a kind that is read, by name.

    A virtual environment (a folder holding ``pyvenv.cfg``) is skipped unless
    it is the folder named on the command line.
    """
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        # Not a finding: a folder that cannot be listed (README, Known limits).
        return
    if not on_command_line and any(entry.name == "pyvenv.cfg" for entry in entries):
        return

    in_requirements_folder = os.path.basename(folder) == "requirements"
    for entry in entries:
        name = entry.name
        path = entry.path[2:] if folder == "." else entry.path
        if exclude and _excluded(name, path, exclude):
            continue
        if entry.is_dir(follow_symlinks=False):
            if name not in _SKIPPED_FOLDERS:
                yield from _walk(path, exclude)
        elif _kind(name, in_requirements_folder) is not None and entry.is_file():
            # Regular files only: reading a named pipe would wait for a writer.
            yield path


def _excluded(name: str, path: str, exclude: Sequence[str]) -> bool:
    posix_path = path.replace(os.sep, "/")
    return any(
        fnmatch.fnmatchcase(name, glob) or fnmatch.fnmatchcase(posix_path, glob)
        for glob in exclude
    )


def _kind(name: str, in_requirements_folder: bool = False) -> str | None:
    """Which reader a file name gets, or None for files that are not read."""
    lowered = name.lower()
    if lowered.endswith(".py"):
        return "python"
    if lowered == "pyproject.toml":
        return "pyproject"
    if lowered == "setup.cfg":
        return "setup.cfg"
    if lowered.endswith((".txt", ".in")) and (
        lowered.startswith("requirements") or in_requirements_folder
    ):
        return "requirements"
    if lowered == ".env" or lowered.startswith(".env.") or lowered.endswith(".env"):
        return "env"
    if lowered.endswith((".yml", ".yaml")):
        return "yaml"
    if lowered.endswith(".toml"):
        return "toml"
    if lowered.endswith((".ini", ".cfg")):
        return "ini"
    return None


def scan_file(path: str) -> list[Finding] | None:
    """The findings in one file, or None when it is not a kind that is read."""
    name = os.path.basename(path)
    kind = _kind(name, os.path.basename(os.path.dirname(path)) == "requirements")
    if kind is None:
        return None
    may_pin = kind in _PIN_KINDS or name == "setup.py"

    try:
        data = _read(path)
    except OSError as error:
        return [_finding(path, 1, 1, "CMC900", f"cannot read: {error.strerror}")]

    # Windows tools write byte order marks; PowerShell 5's `>` (as in
    # `pip freeze > requirements.txt`) writes UTF-16, as pip reads it too.
    if kind != "python" and data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16", "replace").encode("utf-8")

    # The cheap test that keeps a scan near grep's speed. Package names are
    # case-insensitive, so files that pin get a lower-cased look.
    if (
        b"chartmogul" not in data
        and b"CHARTMOGUL_" not in data
        and not (may_pin and b"chartmogul" in data.lower())
    ):
        return []

    if kind == "python":
        return _scan_python(path, data)
    text = data.decode("utf-8-sig", "replace")
    lines = LINE_BREAK.split(text)
    findings = []
    if kind in _SETTINGS_KIND:
        findings = _scan_settings(path, lines, _SETTINGS_KIND[kind])
    if kind in _PIN_KINDS:
        findings.extend(_scan_pins(path, lines, kind))
    return findings


def _read(path: str) -> bytes:
    # os.open and os.read skip the buffered file object: in a tree of small
    # files, opening is most of the cost. The first read is small on purpose:
    # a buffer past malloc's mmap threshold (128 KiB) costs two more system
    # calls per file, which made reading 5,000 files five times slower.
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        chunks = [os.read(descriptor, _FIRST_READ)]
        while len(chunks[-1]) == (_FIRST_READ if len(chunks) == 1 else _NEXT_READS):
            chunks.append(os.read(descriptor, _NEXT_READS))
    finally:
        os.close(descriptor)
    return b"".join(chunks)


def _finding(path: str, line: int, column: int, code: str, detail: str) -> Finding:
    return Finding(path, line, column, code, detail, RULES[code].fix)


# Python


def _scan_python(path: str, data: bytes) -> list[Finding]:
    try:
        text = decode_python(data)
        tree = ast.parse(text, filename=path)
    except SyntaxError as error:
        return [
            _finding(
                path,
                error.lineno or 1,
                max(error.offset or 1, 1),
                "CMC900",
                # Python 3.9 quotes the statement in some messages.
                f"cannot parse as Python: {mask_quoted(error.msg)}",
            )
        ]
    except TOO_DEEP_TO_PARSE:
        detail = "cannot parse as Python: it nests deeper than Python's parser allows"
        return [_finding(path, 1, 1, "CMC900", detail)]
    except (UnicodeDecodeError, LookupError) as error:
        return [_finding(path, 1, 1, "CMC900", f"cannot decode: {error}")]

    hits = python_hits(tree)
    if os.path.basename(path) == "setup.py":
        hits.extend(_setup_py_pins(tree))
    if not hits:
        return []

    lines = LINE_BREAK.split(text)
    return [
        _finding(path, hit.node.lineno, hit_column(lines, hit), hit.code, hit.detail)
        for hit in hits
        if not hit_suppressed(lines, hit)
    ]


def hit_suppressed(lines: list[str], hit: PythonHit) -> bool:
    """Whether a suppression comment covers ``hit``.

    The comment may be on the hit's line or, for an argument of a Config
    call, on the call's first line, which is where a call that spans several
    lines is annotated.
    """
    anchors = {hit.node.lineno}
    if hit.call is not None:
        anchors.add(hit.call.lineno)
    return suppressed(lines, anchors, hit.code)


def hit_column(lines: list[str], hit: PythonHit) -> int:
    """The 1-based column of ``hit``, in characters."""
    line = lines[hit.node.lineno - 1]
    return character_column(line, hit.node.col_offset) + 1


def decode_python(data: bytes) -> str:
    """Source text as Python would read it: UTF-8 unless a BOM or cookie says not."""
    if data.startswith(b"\xef\xbb\xbf") or b"coding" in data[:200]:
        import io
        import tokenize

        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    return data.decode("utf-8")


def character_column(line: str, utf8_offset: int) -> int:
    """A 0-based column in characters from ``ast``'s column in UTF-8 bytes."""
    if line.isascii():
        return utf8_offset
    return len(line.encode("utf-8")[:utf8_offset].decode("utf-8", "replace"))


def python_hits(tree: ast.Module) -> list[PythonHit]:
    """Legacy Config calls and legacy variable reads in a parsed module.

    Names are resolved from the module's imports anywhere in the file, not
    per scope: a file that imports ChartMogul's Config and also defines a
    class Config of its own has both read as ChartMogul's.
    """
    names = _imported_names(tree)
    if not names:
        return []

    hits: list[PythonHit] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            target = _resolve(node.func, names)
            if target in _CONFIG_NAMES:
                hits.extend(_config_hits(node))
            elif target in _ENVIRON_GETTERS and node.args:
                hits.extend(_variable_hit(node.args[0]))
        elif isinstance(node, ast.Subscript):
            if _resolve(node.value, names) == _ENVIRON:
                hits.extend(_variable_hit(node.slice))
        elif (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], (ast.In, ast.NotIn))
            and _resolve(node.comparators[0], names) == _ENVIRON
        ):
            hits.extend(_variable_hit(node.left))
    return hits


def _imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted name it was imported as, for tracked modules."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.partition(".")[0]
                if root not in _TRACKED_MODULES:
                    continue
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    names[root] = root
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.partition(".")[0] not in _TRACKED_MODULES:
                continue
            for alias in node.names:
                if alias.name == "*":
                    for public in ("Config", "environ", "getenv"):
                        names[public] = f"{node.module}.{public}"
                else:
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _resolve(node: ast.expr, names: dict[str, str]) -> str | None:
    """``cm.api.config.Config`` -> ``chartmogul.api.config.Config``, or None."""
    attributes = []
    while isinstance(node, ast.Attribute):
        attributes.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in names:
        return None
    return ".".join([names[node.id], *reversed(attributes)])


def _config_hits(call: ast.Call) -> Iterator[PythonHit]:
    # A star before the second place hides what the second argument is.
    leading = call.args[:2]
    if len(leading) == 2 and not any(isinstance(a, ast.Starred) for a in leading):
        second = leading[1]
        if not is_timeout_literal(second):
            yield PythonHit(
                second,
                "CMC001",
                "Config() is given a second positional argument, read as the "
                "legacy secret key",
                call,
            )

    for keyword in call.keywords:
        if keyword.arg == "account_token":
            yield PythonHit(
                keyword,
                "CMC002",
                "Config() is given account_token=, the legacy keyword",
                call,
            )
        elif keyword.arg == "secret_key":
            yield PythonHit(
                keyword,
                "CMC003",
                "Config() is given secret_key=, the legacy keyword",
                call,
            )


def is_timeout_literal(node: ast.expr) -> bool:
    """Whether a second positional argument is the modern ``request_timeout``.

    Only literals can be told apart: a number, ``None``, or a tuple of
    numbers; a string, a name or any other expression is a secret key, as
    the shim itself reads a string there at run time.
    """
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if isinstance(node, ast.Constant):
        return not isinstance(node.value, (str, bytes))
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(is_timeout_literal(element) for element in node.elts)
    return False


def mask_quoted(text: str) -> str:
    """``text`` with each quoted run of 8 or more characters masked.

    For output that shows source text (a diff, a parser's message): a key is
    a quoted literal there, whatever its prefix (``f``, ``b``, ``r``), its
    escapes, or the pieces it is split into. Text outside quotes, such as a
    key in a comment or inside a multi-line string, is not recognised.
    """

    def mask(match: re.Match[str]) -> str:
        quote, body = match.groups()
        if len(body) >= MIN_KEY_LIKE_LENGTH:
            body = mask_key(body)
        return quote + body + quote

    return _QUOTED.sub(mask, text)


def _variable_hit(node: ast.expr) -> Iterator[PythonHit]:
    if isinstance(node, ast.Constant) and node.value in LEGACY_VARIABLES:
        yield PythonHit(
            node, "CMC004", f"reads {node.value}, a legacy environment variable", None
        )


def _setup_py_pins(tree: ast.Module) -> list[PythonHit]:
    from ._pins import legacy_pin

    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            requirement = legacy_pin(node.value)
            if requirement is not None:
                hits.append(PythonHit(node, "CMC006", _pin_detail(requirement), None))
    return hits


def _pin_detail(requirement: str) -> str:
    return f"{requirement!r} allows no chartmogul 3.0 or later"


# Settings and pin files: read line by line, since the only runtime
# dependencies are requests, typing-extensions and packaging (no TOML or YAML
# parser on Python 3.9/3.10). Only settings count, never mentions: a line's
# comment is cut off before it is matched.


def _scan_settings(path: str, lines: list[str], kind: str) -> list[Finding]:
    patterns = _SETTINGS_PATTERNS[kind]
    findings = []
    for number, line in enumerate(lines, start=1):
        if "CHARTMOGUL_" not in line:
            continue
        code_part = line[: _comment_start(line, _COMMENT_LEADERS[kind])]
        names = {
            match.start("name"): match.group("name")
            for pattern in patterns
            for match in pattern.finditer(code_part)
        }
        if names and suppressed(lines, {number}, "CMC005"):
            continue
        for column, name in sorted(names.items()):
            findings.append(
                _finding(
                    path,
                    number,
                    column + 1,
                    "CMC005",
                    f"sets {name}, a legacy environment variable",
                )
            )
    return findings


def _comment_start(line: str, leaders: str) -> int:
    """Where a line's comment starts (its length if none), quotes respected.

    A comment leader counts at the start of the line or after whitespace, as
    in YAML, shell and requirements files.
    """
    quote = ""
    for index, character in enumerate(line):
        if quote:
            if character == quote:
                quote = ""
        elif character in "\"'":
            quote = character
        elif character in leaders and (index == 0 or line[index - 1].isspace()):
            return index
    return len(line)


def _scan_pins(path: str, lines: list[str], kind: str) -> list[Finding]:
    from ._pins import candidates_in_line, legacy_pin

    findings = []
    section = ""
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        if "chartmogul" not in line.lower():
            continue
        code_part = line[: _comment_start(line, "#;" if kind == "setup.cfg" else "#")]
        for column, requirement, written in candidates_in_line(
            code_part, kind, section
        ):
            if legacy_pin(requirement) is None:
                continue
            if not suppressed(lines, {number}, "CMC006"):
                detail = _pin_detail(written)
                findings.append(_finding(path, number, column + 1, "CMC006", detail))
    return findings


def suppressed(lines: list[str], line_numbers: Iterable[int], code: str) -> bool:
    """Whether a `# chartmogul-compat: ignore[...]` on one of the lines covers it."""
    for number in line_numbers:
        match = _SUPPRESSION.search(lines[number - 1])
        if match is None:
            continue
        codes = match.group("codes")
        if codes is None:
            return True
        if code in {part.strip().upper() for part in codes.split(",")}:
            return True
    return False
