"""Which chartmogul requirements allow no version 3.0 or later."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from chartmogul_compat._pins import allows_only_before_3, legacy_pin, poetry_specifier


@pytest.mark.parametrize(
    ("specifier", "expected"),
    [
        ("<3", True),
        ("<3.0", True),
        ("==2.9.0", True),
        ("~=1.6", True),
        ("~=2.9", True),
        ("==2.*", True),
        ("<=2.99", True),
        ("!=3.*,<4", True),
        (">=3.0rc1,<3.0", True),  # only pre-releases of 3.0, which sort before it
        ("<1,>2", True),  # allows nothing at all
        (">=3", False),
        (">=2.9,<4", False),
        ("", False),
        ("<=3", False),
        ("<3.0.1", False),
        (">3,<3.0.1", False),  # 3.0.0.1 fits
        ("!=3.*,<5", False),  # 4.x fits
        ("!=3.0", False),
        ("~=3.0", False),
        ("==3.*", False),
        (">2", False),
        ("===3.0", False),
    ],
)
def test_allows_only_before_3(specifier: str, expected: bool) -> None:
    assert allows_only_before_3(SpecifierSet(specifier)) is expected


# Boundaries have at most two components from 0 to 4, so every run of versions
# between them holds a version of the grid below (three components, 0 to 5):
# the brute-force answer over the grid is the true one.
_BOUNDARY = st.builds(
    lambda parts: ".".join(map(str, parts)),
    st.lists(st.integers(0, 4), min_size=1, max_size=2),
)
_CLAUSE = st.one_of(
    st.builds(
        lambda op, v: op + v,
        st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
        _BOUNDARY,
    ),
    st.builds(lambda op, v: f"{op}{v}.*", st.sampled_from(["==", "!="]), _BOUNDARY),
    st.builds(lambda a, b: f"~={a}.{b}", st.integers(0, 4), st.integers(0, 4)),
)
_GRID = [
    Version(".".join(map(str, parts)))
    for parts in [
        *[(a,) for a in range(6)],
        *[(a, b) for a in range(6) for b in range(6)],
        *[(a, b, c) for a in range(6) for b in range(6) for c in range(6)],
    ]
]
_FROM_3 = [version for version in _GRID if version >= Version("3")]


@given(st.lists(_CLAUSE, min_size=1, max_size=3))
def test_allows_only_before_3_agrees_with_brute_force(clauses: list[str]) -> None:
    specifier = SpecifierSet(",".join(clauses))
    brute_force = not any(specifier.contains(version) for version in _FROM_3)
    assert allows_only_before_3(specifier) is brute_force


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chartmogul<3", "chartmogul<3"),
        ("  ChartMogul == 2.9.0 ", "ChartMogul == 2.9.0"),
        (
            "chartmogul[x]~=1.6; python_version<'4'",
            "chartmogul[x]~=1.6; python_version<'4'",
        ),
        ("chartmogul>=3", None),
        ("chartmogul", None),
        ("chartmogul-compat<1", None),
        ("chartmogul @ https://example.invalid/x.whl", None),
        ("chartmogul is great", None),
        ("requests<3", None),
    ],
)
def test_legacy_pin(text: str, expected: str | None) -> None:
    assert legacy_pin(text) == expected


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("^2.9", ">=2.9,<3"),
        ("^0.3.1", ">=0.3.1,<0.4"),
        ("~2.9.1", ">=2.9.1,<2.10"),
        ("~2", ">=2,<3"),
        ("2.9.0", "==2.9.0"),
        ("=2.9.0", "==2.9.0"),
        ("2.*", "==2.*"),
        (">= 2.1, < 3", ">=2.1,<3"),
        (">=2.0 <3.0", ">=2.0,<3.0"),
        ("*", ""),
        ("1.0 || 2.0", None),
        ("^banana", None),
    ],
)
def test_poetry_specifier(constraint: str, expected: str | None) -> None:
    assert poetry_specifier(constraint) == expected
