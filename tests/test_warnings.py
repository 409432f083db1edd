"""How -W options naming the package's categories are read and applied."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import chartmogul_compat
from chartmogul_compat import (
    LegacyCredentialsWarning,
    SecretKeyMismatchWarning,
    _warnings,
)
from chartmogul_compat._warnings import _parse_option

LEGACY = "chartmogul_compat.LegacyCredentialsWarning"


def _line_of(marker: str) -> int:
    """The line number in this file of the line ending with ``# marker``."""
    source = Path(__file__).read_text().splitlines()
    return next(n for n, line in enumerate(source, 1) if line.endswith(f"# {marker}"))


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (f"error::{LEGACY}", ("error", "", LegacyCredentialsWarning, "", 0)),
        (f"e::{LEGACY}", ("error", "", LegacyCredentialsWarning, "", 0)),
        (f"::{LEGACY}", ("default", "", LegacyCredentialsWarning, "", 0)),
        (
            f"ignore:Config(a:{LEGACY}:app.mod:+7",
            ("ignore", r"Config\(a", LegacyCredentialsWarning, r"app\.mod\Z", 7),
        ),
        (
            "always::chartmogul_compat._warnings.SecretKeyMismatchWarning",
            ("always", "", SecretKeyMismatchWarning, "", 0),
        ),
        ("error::DeprecationWarning", ("error", "", DeprecationWarning, "", 0)),
        ("error", ("error", "", Warning, "", 0)),
        (f"errxyz::{LEGACY}", None),
        (f"error::{LEGACY}:::extra", None),
        (f"error::{LEGACY}::\u00b2", None),
        (f"error::{LEGACY}::-1", None),
        ("error::chartmogul_compat.NoSuchWarning", None),
        ("error::not_imported_anywhere.SomeWarning", None),
        ("error::ValueError", None),
    ],
    ids=[
        "error",
        "abbreviated",
        "empty-action",
        "all-fields",
        "private-path",
        "builtin",
        "no-category",
        "bad-action",
        "too-many-fields",
        "unicode-lineno",
        "negative-lineno",
        "unknown-category",
        "module-not-imported",
        "not-a-warning",
    ],
)
def test_parse_option_reads_what_python_reads(
    option: str, expected: tuple[object, ...] | None
) -> None:
    assert _parse_option(option) == expected


# Options over builtin categories, which CPython can resolve itself.
_fields = st.text(st.sampled_from("aeidlmorsy.:_ 0123456789+-"), max_size=12)
_categories = st.sampled_from(["", "Warning", "DeprecationWarning", "UserWarning"])


@given(
    action=st.sampled_from(["", "e", "err", "error", "i", "a", "d", "m", "o", "x"]),
    message=_fields,
    category=_categories,
    module=_fields,
    lineno=st.sampled_from(["", "0", "7", "+3", "-1", "x", "\u00b2"]),
)
def test_parse_option_agrees_with_cpython(
    action: str, message: str, category: str, module: str, lineno: str
) -> None:
    option = ":".join([action, message, category, module, lineno])
    with warnings.catch_warnings():
        warnings.resetwarnings()
        try:
            warnings._setoption(option)  # type: ignore[attr-defined]
        except warnings._OptionError:
            python_reads = None
        else:
            python_reads = warnings.filters[0]

    ours = _parse_option(option)
    if python_reads is None:
        assert ours is None
        return
    assert ours is not None
    action_, message_, category_, module_, lineno_ = python_reads
    assert ours == (
        action_,
        message_.pattern if message_ is not None else "",
        category_,
        module_.pattern if module_ is not None else "",
        lineno_,
    )


_LEGACY_MODULE = """
import chartmogul_compat as cm

def make():
    return cm.Config("cm_live_5f0c2b9e8d7a41c3", "cm_live_5f0c2b9e8d7a41c3")
"""
_PACKAGE_PARENT = str(Path(chartmogul_compat.__file__).resolve().parent.parent)


def _run(
    tmp_path: Path, *options: str, package_parent: str = _PACKAGE_PARENT
) -> subprocess.CompletedProcess[str]:
    """Run a legacy call in an imported module, under ``-W`` options.

    The package goes on ``sys.path`` at run time, as an installed package's
    does after start-up, where Python's own ``-W`` handling cannot see it.
    """
    (tmp_path / "legacy_module.py").write_text(_LEGACY_MODULE)
    program = (
        "import sys; "
        f"sys.path[:0] = [{str(tmp_path)!r}, {package_parent!r}]; "
        "import legacy_module; legacy_module.make(); print('finished')"
    )
    return subprocess.run(
        [sys.executable, "-I", *options, "-c", program],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("options", "raises"),
    [
        ([f"error::{LEGACY}"], True),
        ([f"error::{LEGACY}", f"ignore::{LEGACY}"], False),
        ([f"ignore::{LEGACY}", f"error::{LEGACY}"], True),
        ([f"error::{LEGACY}", "ignore::DeprecationWarning"], False),
        (["ignore::DeprecationWarning", f"error::{LEGACY}"], True),
        ([f"error::{LEGACY}:legacy_module"], True),
        ([f"error::{LEGACY}:other_module"], False),
        ([f"error::{LEGACY}:legacy_module:5"], True),
        ([f"error::{LEGACY}:legacy_module:4"], False),
        (["error::chartmogul_compat.SecretKeyMismatchWarning"], False),
    ],
    ids=[
        "error",
        "later-ignore-wins",
        "later-error-wins",
        "later-broader-ignore-wins",
        "later-narrower-error-wins",
        "module-matches",
        "module-differs",
        "line-matches",
        "line-differs",
        "other-category",
    ],
)
def test_w_options_apply_with_pythons_precedence(
    tmp_path: Path, options: list[str], raises: bool
) -> None:
    # "always" first, so that a call that is not turned into an error shows.
    arguments = ["-W", "always::DeprecationWarning"]
    for option in options:
        arguments += ["-W", option]
    result = _run(tmp_path, *arguments)

    if raises:
        assert result.returncode == 1
        assert f"{LEGACY}: Config(account_token" in result.stderr
    else:
        assert (result.returncode, result.stdout) == (0, "finished\n")


def test_w_default_shows_the_warning_at_the_callers_line(tmp_path: Path) -> None:
    result = _run(tmp_path, "-W", f"default::{LEGACY}")
    assert (result.returncode, result.stdout) == (0, "finished\n")
    assert f"{tmp_path / 'legacy_module.py'}:5: LegacyCredentialsWarning" in (
        result.stderr
    )


def test_warning_blames_the_caller_through_an_unnormalised_path(
    tmp_path: Path,
) -> None:
    # "/x/../x/chartmogul_compat/_config.py" is still the package's own file.
    parent = Path(_PACKAGE_PARENT)
    detour = f"{parent}/../{parent.name}"
    result = _run(tmp_path, "-W", "always::DeprecationWarning", package_parent=detour)
    assert result.returncode == 0
    assert f"{tmp_path / 'legacy_module.py'}:5: LegacyCredentialsWarning" in (
        result.stderr
    )


def test_a_misspelt_category_of_ours_is_reported(tmp_path: Path) -> None:
    result = _run(tmp_path, "-W", "error::chartmogul_compat.LegacyCredentialWarning")
    assert (result.returncode, result.stdout) == (0, "finished\n")
    assert (
        "Invalid -W option ignored: unknown warning category: "
        "'chartmogul_compat.LegacyCredentialWarning'\n"
    ) in result.stderr


def test_import_under_a_blanket_error_filter_is_clean(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-W",
            "error",
            "-c",
            f"import sys; sys.path.insert(0, {_PACKAGE_PARENT!r}); "
            "import chartmogul_compat; print('imported')",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "imported\n")


def test_observers_see_each_legacy_call_even_when_it_raises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[type[Warning], str, int]] = []
    observers: list[Callable[[type[Warning], str, int], None]] = [
        lambda *call: seen.append(call)
    ]
    monkeypatch.setattr(_warnings, "legacy_call_observers", observers)
    token, secret = "cm_live_5f0c2b9e8d7a41c3", "cm_live_0aa11bb22cc33dd4"

    with warnings.catch_warnings():
        warnings.simplefilter("error", LegacyCredentialsWarning)
        with pytest.raises(SecretKeyMismatchWarning):
            chartmogul_compat.Config(token, secret)  # type: ignore[deprecated]  # observed
    assert seen == [(SecretKeyMismatchWarning, __file__, _line_of("observed"))]
