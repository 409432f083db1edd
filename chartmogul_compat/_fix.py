"""Rewrite legacy ``Config(...)`` calls: the ``fix`` command.

Every byte outside the rewritten arguments is kept: the file is decoded and
re-encoded with its own encoding, and edits are made at the positions
``ast`` gives, never by reprinting the code. The rewrites:

- ``Config(token, secret, ...)`` -> ``Config(token, ...)``: the shim already
  uses the account token as the key, and the later positionals keep their
  meaning (``request_timeout`` and on);
- ``Config(token, secret_key=secret)`` -> ``Config(token)``;
- ``Config(account_token=token, secret_key=secret)`` -> ``Config(api_key=token)``,
  and ``secret_key=`` alone becomes ``api_key=``.

A call is left alone, with the reason, when a rewrite could change what it
means: star-arguments, ``api_key=`` beside a legacy keyword, a credential
both by position and by keyword, or a second argument that may be a
``request_timeout`` held in a variable (one whose text does not look like a
credential).
"""

from __future__ import annotations

import ast
import os
import re
from typing import NamedTuple

from ._scan import (
    LINE_BREAK,
    TOO_DEEP_TO_PARSE,
    Finding,
    PythonHit,
    character_column,
    decode_python,
    hit_column,
    hit_suppressed,
    mask_quoted,
    python_hits,
)

__all__ = ["FileFix", "fix_file", "fix_source", "unified_diff"]

# Words that mark an expression as a credential, so that dropping it cannot
# drop a timeout: CHARTMOGUL_SECRET_KEY, settings.secret, api_token, ...
_CREDENTIAL_WORDS = ("secret", "token", "key", "password", "passwd", "credential")
# A line and its break, split as Python splits source lines (str.splitlines
# would also split at form feeds and Unicode separators).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

# Replace text[start:end] with the string: (start, end, replacement).
_Edit = tuple[int, int, str]


class _Unsafe(Exception):
    """A call that cannot be rewritten without risk; the message says why."""


class FileFix(NamedTuple):
    """The outcome for one file: its text before and after, and what was left."""

    path: str
    before: str
    after: str
    encoding: str
    rewritten: int
    refused: list[Finding]


def fix_file(path: str) -> FileFix | None:
    """Rewrite one Python file's legacy calls in memory; None if it has none."""
    with open(path, "rb") as file:
        data = file.read()
    if b"chartmogul" not in data:
        return None
    try:
        before = decode_python(data)
        tree = ast.parse(before, filename=path)
    except (SyntaxError, *TOO_DEEP_TO_PARSE, UnicodeDecodeError, LookupError):
        return None  # scan reports it as CMC900

    encoding = _encoding_of(data, before)
    after, rewritten, refusals = fix_source(before, tree)
    refused = [
        Finding(path, line, column, code, reason, "rewrite it by hand")
        for line, column, code, reason in refusals
    ]
    if before.encode(encoding) != data:
        # Writing it back would change bytes outside the calls.
        reason = "not rewritten: its bytes do not survive decoding and re-encoding"
        refused = [Finding(path, 1, 1, "CMC900", reason, "rewrite it by hand")]
        after, rewritten = before, 0
    if not rewritten and not refused:
        return None
    return FileFix(path, before, after, encoding, rewritten, refused)


def _encoding_of(data: bytes, text: str) -> str:
    for encoding in ("utf-8", "utf-8-sig"):
        if text.encode(encoding) == data:
            return encoding
    import io
    import tokenize

    return tokenize.detect_encoding(io.BytesIO(data).readline)[0]


def fix_source(
    text: str, tree: ast.Module
) -> tuple[str, int, list[tuple[int, int, str, str]]]:
    """Rewrite the legacy Config calls of a parsed module.

    Returns the new text, the number of calls rewritten, and the calls left
    alone as (line, column, code, reason).
    """
    lines = LINE_BREAK.split(text)
    starts = _line_starts(text)
    # Each call once, with its first hit: where a refusal is reported.
    calls: dict[int, tuple[ast.Call, PythonHit]] = {}
    for hit in python_hits(tree):
        if hit.call is None or hit_suppressed(lines, hit):
            continue
        calls.setdefault(id(hit.call), (hit.call, hit))

    edits: list[_Edit] = []
    refusals = []
    rewritten = 0
    for call, first in calls.values():
        try:
            call_edits = _edits_for(text, starts, lines, call)
            if any(_overlaps(edit, done) for edit in call_edits for done in edits):
                raise _Unsafe(
                    "it is inside another call being rewritten; run fix again"
                )
        except _Unsafe as reason:
            line, column = first.node.lineno, hit_column(lines, first)
            refusals.append((line, column, first.code, f"not rewritten: {reason}"))
            continue
        edits.extend(call_edits)
        rewritten += 1

    after = text
    for start, end, replacement in sorted(edits, reverse=True):
        after = after[:start] + replacement + after[end:]

    # A last check: a rewrite that does not parse is never written.
    try:
        ast.parse(after)
    except SyntaxError:
        refusal = (1, 1, "CMC900", "not rewritten: the rewritten file would not parse")
        return text, 0, [refusal]
    return after, rewritten, refusals


def _overlaps(edit: _Edit, other: _Edit) -> bool:
    return edit[0] < other[1] and other[0] < edit[1]


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(match.end() for match in LINE_BREAK.finditer(text))
    return starts


def _edits_for(
    text: str, starts: list[int], lines: list[str], call: ast.Call
) -> list[_Edit]:
    """The edits that rewrite one legacy call; `_Unsafe` says why there are none.

    ``starts`` holds where each line starts in ``text``: with it, ``ast``'s
    (line, UTF-8 column) positions become offsets into ``text``.
    """

    def offset(line: int, utf8_column: int) -> int:
        return starts[line - 1] + character_column(lines[line - 1], utf8_column)

    if any(isinstance(argument, ast.Starred) for argument in call.args) or any(
        keyword.arg is None for keyword in call.keywords
    ):
        raise _Unsafe("star-arguments hide which argument is which")

    keywords = {keyword.arg: keyword for keyword in call.keywords}
    if "api_key" in keywords and (
        "account_token" in keywords or "secret_key" in keywords
    ):
        raise _Unsafe("api_key= is given beside a legacy keyword")

    # Arguments in source order (keywords come after positionals), each with
    # its [start, end) in text.
    items: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
    spans = [
        (
            offset(item.lineno, item.col_offset),
            offset(item.end_lineno or item.lineno, item.end_col_offset or 0),
        )
        for item in items
    ]
    closing_paren = offset(call.end_lineno or call.lineno, call.end_col_offset or 0) - 1

    positional = len(call.args)
    token_keyword = keywords.get("account_token")
    secret_keyword = keywords.get("secret_key")
    if positional >= 2:
        if token_keyword or secret_keyword:
            raise _Unsafe("a credential is given both by position and by keyword")
        segment = text[spans[1][0] : spans[1][1]]
        if not _looks_like_credential(call.args[1], segment):
            raise _Unsafe(
                "the second argument may be a request_timeout held in a variable"
            )
        return [_removal(text, spans, 1, closing_paren)]

    if token_keyword is not None and positional:
        raise _Unsafe("account_token= is given beside a positional key")

    edits = []
    if secret_keyword is not None:
        index = items.index(secret_keyword)
        if positional or token_keyword is not None:
            edits.append(_removal(text, spans, index, closing_paren))
        else:
            edits.append(_rename(spans[index][0], "secret_key"))
    if token_keyword is not None:
        edits.append(_rename(spans[items.index(token_keyword)][0], "account_token"))
    return edits


def _looks_like_credential(node: ast.expr, segment: str) -> bool:
    if isinstance(node, (ast.Constant, ast.JoinedStr)):
        return True  # a string: is_timeout_literal already ruled numbers out
    lowered = segment.lower()
    return any(word in lowered for word in _CREDENTIAL_WORDS)


def _rename(start: int, keyword: str) -> _Edit:
    return (start, start + len(keyword), "api_key")


def _removal(
    text: str, spans: list[tuple[int, int]], index: int, closing_paren: int
) -> _Edit:
    """The edit that deletes argument ``index`` and one comma.

    Between two arguments there is only a comma, spaces, comments, line
    breaks and the parentheses of a parenthesised argument, so the comma is
    the first one outside a comment. An argument alone on its line(s), with
    any comment after it, goes with its whole lines, so that comments stay
    beside the arguments they were written for.
    """
    if index == 0:
        # Only a keyword comes first and goes: `secret_key=S, account_token=T`.
        return (spans[0][0], spans[1][0], "")
    comma_before = _comma_in(text, spans[index - 1][1], spans[index][0])
    if comma_before is None:
        raise _Unsafe("its arguments could not be told apart")
    next_start = spans[index + 1][0] if index + 1 < len(spans) else closing_paren
    comma_after = _comma_in(text, spans[index][1], next_start)

    item_start = _skip_blank(text, comma_before + 1, spans[index][0])
    item_end = (
        comma_after + 1
        if comma_after is not None
        else _after_parens(text, spans[index][1], closing_paren)
    )
    line_start = text.rfind("\n", 0, item_start) + 1
    line_end = _end_of_line(text, item_end)
    if (
        not text[line_start:item_start].strip()
        and line_end is not None
        and line_end <= closing_paren
    ):
        return (line_start, line_end, "")
    return (comma_before, comma_after if comma_after is not None else item_end, "")


def _comma_in(text: str, start: int, end: int) -> int | None:
    """The first comma in [start, end) outside a comment, or None."""
    index = start
    while index < end:
        character = text[index]
        if character == "#":
            newline = text.find("\n", index, end)
            index = end if newline == -1 else newline
        elif character == ",":
            return index
        index += 1
    return None


def _skip_blank(text: str, start: int, end: int) -> int:
    """The first position in [start, end) that is not blank or a comment."""
    index = start
    while index < end:
        if text[index] == "#":
            newline = text.find("\n", index, end)
            index = end if newline == -1 else newline
        elif text[index].isspace() or text[index] == "\\":
            index += 1
        else:
            return index
    return end


def _after_parens(text: str, start: int, closing_paren: int) -> int:
    """Past the closing parentheses of a parenthesised last argument."""
    index = start
    while index < closing_paren:
        blank_end = _skip_blank(text, index, closing_paren)
        if blank_end < closing_paren and text[blank_end] == ")":
            index = blank_end + 1
        else:
            break
    return index


def _end_of_line(text: str, start: int) -> int | None:
    """Past the line break ending this line, if only blanks or a comment remain."""
    newline = text.find("\n", start)
    if newline == -1:
        return None
    rest = text[start:newline].strip()
    if rest and not rest.startswith("#"):
        return None
    return newline + 1


def unified_diff(fix: FileFix) -> str:
    """The change as a unified diff, string literals masked.

    A diff is printed, and a credential never is: quoted text of 8 or more
    characters, on every line of the diff, is shown as ``****`` and at most
    its last four characters. ``--write`` writes the real text.
    """
    import difflib

    path = fix.path.replace(os.sep, "/")
    lines = difflib.unified_diff(
        _LINE.findall(fix.before),
        _LINE.findall(fix.after),
        f"a/{path}",
        f"b/{path}",
    )
    out = []
    for line in lines:
        line = mask_quoted(line)
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)
