"""`chartmogul-compat fix`: the rewrites, the refusals, and the round trip."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from chartmogul_compat._cli import EXIT_FINDINGS, EXIT_OK, main
from chartmogul_compat._fix import fix_file, unified_diff
from chartmogul_compat._scan import scan_paths

from .test_scan import PROJECT

FIXABLE = Path(__file__).parent / "scan_fixtures" / "fixable"
CONFIG_CODES = {"CMC001", "CMC002", "CMC003"}


def _fix_source(tmp_path: Path, source: str) -> tuple[str, list[str]]:
    path = tmp_path / "module.py"
    path.write_text(source, encoding="utf-8")
    result = fix_file(str(path))
    assert result is not None
    return result.after, [finding.message for finding in result.refused]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_fix_write_gives_the_expected_files_byte_for_byte(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    newline: str,
) -> None:
    before = (FIXABLE / "before" / "calls.py").read_bytes()
    after = (FIXABLE / "after" / "calls.py").read_bytes()
    (tmp_path / "calls.py").write_bytes(before.replace(b"\n", newline.encode()))
    monkeypatch.chdir(tmp_path)

    assert main(["fix", "--write", "."]) == EXIT_OK
    assert (tmp_path / "calls.py").read_bytes() == after.replace(
        b"\n", newline.encode()
    )
    assert capsys.readouterr().err == (
        "Rewrote 12 calls in 1 file; 0 left for a hand edit.\n"
    )
    assert scan_paths(["."]) == ([], 1)


def test_fix_round_trip_on_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(PROJECT, tmp_path / "project")
    monkeypatch.chdir(tmp_path / "project")

    assert main(["fix", "--write"]) == EXIT_FINDINGS
    err = capsys.readouterr().err
    assert err == (
        "app/legacy_calls.py:20:26: CMC001 not rewritten: the second argument may "
        "be a request_timeout held in a variable\n"
        "app/legacy_calls.py:21:27: CMC001 not rewritten: star-arguments hide which "
        "argument is which\n"
        "Rewrote 5 calls in 1 file; 2 left for a hand edit.\n"
    )

    findings, _ = scan_paths(["."])
    left = [(f.path, f.line, f.code) for f in findings if f.code in CONFIG_CODES]
    assert left == [
        ("app/legacy_calls.py", 20, "CMC001"),
        ("app/legacy_calls.py", 21, "CMC001"),
    ]
    for name in ("app/legacy_calls.py", "app/look_alikes.py"):
        ast.parse((tmp_path / "project" / name).read_bytes())
    # The look-alikes were not touched, not even the suppressed calls.
    assert (tmp_path / "project" / "app" / "look_alikes.py").read_bytes() == (
        PROJECT / "app" / "look_alikes.py"
    ).read_bytes()


def test_fix_without_write_prints_a_diff_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = (
        "import chartmogul\n"
        "config = chartmogul.Config('cm_live_0123456789abcd', 'cm_live_0123456789abcd')"
    )
    (tmp_path / "app.py").write_text(source)
    monkeypatch.chdir(tmp_path)

    assert main(["fix"]) == EXIT_FINDINGS
    out, err = capsys.readouterr()
    assert out == (
        "--- a/app.py\n"
        "+++ b/app.py\n"
        "@@ -1,2 +1,2 @@\n"
        " import chartmogul\n"
        "-config = chartmogul.Config('****abcd', '****abcd')\n"
        "\\ No newline at end of file\n"
        "+config = chartmogul.Config('****abcd')\n"
        "\\ No newline at end of file\n"
    )
    assert err == "Would rewrite 1 call in 1 file; 0 left for a hand edit.\n"
    assert (tmp_path / "app.py").read_text() == source


def test_fix_with_nothing_to_do_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "app.py").write_text("import chartmogul\nchartmogul.Config(KEY)\n")
    monkeypatch.chdir(tmp_path)
    assert main(["fix"]) == EXIT_OK
    assert capsys.readouterr() == (
        "",
        "Would rewrite 0 calls in 0 files; 0 left for a hand edit.\n",
    )


def test_fix_leaves_a_file_too_deep_to_parse_to_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nested deeper than Python's parser goes: scan reports it as CMC900.
    source = "import chartmogul\nchartmogul.Config(A, B)\nx = " + "-" * 100_000 + "1\n"
    (tmp_path / "generated.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "--write"]) == EXIT_OK
    assert capsys.readouterr() == (
        "",
        "Rewrote 0 calls in 0 files; 0 left for a hand edit.\n",
    )
    assert (tmp_path / "generated.py").read_text() == source


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        ("Config(*PAIR, secret_key=S)", "star-arguments hide which argument is which"),
        ("Config(T, S, **OPTIONS)", "star-arguments hide which argument is which"),
        (
            "Config(api_key=K, secret_key=S)",
            "api_key= is given beside a legacy keyword",
        ),
        (
            "Config(T, SECRET, secret_key=S)",
            "a credential is given both by position and by keyword",
        ),
        (
            "Config(T, account_token=A)",
            "account_token= is given beside a positional key",
        ),
        (
            "Config(T, settings.timeout)",
            "the second argument may be a request_timeout held in a variable",
        ),
    ],
)
def test_fix_refuses_unsafe_calls(tmp_path: Path, call: str, reason: str) -> None:
    source = f"from chartmogul import Config\n{call}\n"
    after, refused = _fix_source(tmp_path, source)
    assert after == source
    assert refused == [f"not rewritten: {reason}"]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("Config(T, settings.SECRET_KEY)", "Config(T)"),
        ("Config(T, creds['password'], 30, 2)", "Config(T, 30, 2)"),
        ("Config(T, f'{S}')", "Config(T)"),
        ("Config(T, 'literal', max_retries=1)", "Config(T, max_retries=1)"),
        ("Config(secret_key=S, account_token=T)", "Config(api_key=T)"),
        (
            "Config(account_token=T, request_timeout=5)",
            "Config(api_key=T, request_timeout=5)",
        ),
        ("Config(T, secret_key=S,)", "Config(T,)"),
        ("Config(T, (\n    S_KEY\n))", "Config(T)"),
    ],
)
def test_fix_rewrites(tmp_path: Path, call: str, expected: str) -> None:
    after, refused = _fix_source(tmp_path, f"from chartmogul import Config\n{call}\n")
    assert (after, refused) == (f"from chartmogul import Config\n{expected}\n", [])
    ast.parse(after)


def test_fix_nested_calls_are_done_one_level_per_run(tmp_path: Path) -> None:
    source = "from chartmogul import Config\nConfig(T, Config(T, S_KEY).api_key)\n"
    path = tmp_path / "module.py"
    path.write_text(source)
    result = fix_file(str(path))
    assert result is not None
    assert result.after == "from chartmogul import Config\nConfig(T)\n"
    assert [f.message for f in result.refused] == [
        "not rewritten: it is inside another call being rewritten; run fix again"
    ]


def test_fix_keeps_a_utf8_bom_and_a_latin1_file(tmp_path: Path) -> None:
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbfimport chartmogul\nchartmogul.Config(T, S_KEY)\n")
    result = fix_file(str(bom))
    assert result is not None
    assert result.after.encode(result.encoding) == (
        b"\xef\xbb\xbfimport chartmogul\nchartmogul.Config(T)\n"
    )

    latin = tmp_path / "latin.py"
    latin.write_bytes(
        b"# coding: latin-1\nimport chartmogul\n"
        b"x = '\xe9'; chartmogul.Config(T, S_KEY)\n"
    )
    result = fix_file(str(latin))
    assert result is not None
    assert result.after.encode(result.encoding) == (
        b"# coding: latin-1\nimport chartmogul\nx = '\xe9'; chartmogul.Config(T)\n"
    )


def test_unified_diff_of_a_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("import chartmogul\nchartmogul.Config(T, S_KEY)\n")
    result = fix_file(str(path))
    assert result is not None
    assert unified_diff(result).splitlines()[-2:] == [
        "-chartmogul.Config(T, S_KEY)",
        "+chartmogul.Config(T)",
    ]


@pytest.mark.parametrize(
    ("before", "masked_before", "masked_after"),
    [
        (
            "Config('cm_live_000011112222' 'aaaa', 'cm_live_3333' '44445555')",
            "Config('****2222' 'aaaa', '****3333' '****')",
            "Config('****2222' 'aaaa')",
        ),
        (
            "Config(f'cm_live_{N}000011112222', f'cm_live_{N}333344445555')",
            "Config(f'****2222', f'****5555')",
            "Config(f'****2222')",
        ),
        (
            "Config(b'cm_live_000011112222', b'cm_live_333344445555')",
            "Config(b'****2222', b'****5555')",
            "Config(b'****2222')",
        ),
        (
            "Config('cm\\x5flive_000011112222', 'cm\\x5flive_333344445555')",
            "Config('****2222', '****5555')",
            "Config('****2222')",
        ),
    ],
    ids=["concatenated", "f-string", "bytes", "escapes"],
)
def test_fix_diff_masks_every_form_of_string_literal(
    tmp_path: Path, before: str, masked_before: str, masked_after: str
) -> None:
    path = tmp_path / "m.py"
    path.write_text(f"from chartmogul import Config\n{before}\n")
    result = fix_file(str(path))
    assert result is not None
    assert unified_diff(result).splitlines()[-2:] == [
        f"-{masked_before}",
        f"+{masked_after}",
    ]


def test_fix_diff_masks_literals_on_context_and_continuation_lines(
    tmp_path: Path,
) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "import chartmogul\n"
        "TOKEN = 'cm_live_000011112222'\n"
        "config = chartmogul.Config(\n"
        "    TOKEN,\n"
        "    'cm_live_3333'\n"
        "    '44445555',\n"
        ")\n"
    )
    result = fix_file(str(path))
    assert result is not None
    assert unified_diff(result).splitlines()[2:] == [
        "@@ -2,6 +2,4 @@",
        " TOKEN = '****2222'",
        " config = chartmogul.Config(",
        "     TOKEN,",
        "-    '****3333'",
        "-    '****',",
        " )",
    ]
