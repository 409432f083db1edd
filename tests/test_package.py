"""The package surface: exported names, import cost, entry points."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import chartmogul_compat
from chartmogul_compat import _bridge

EXPECTED_PUBLIC_NAMES = [
    "DEFAULT_BASE_URL",
    "DEFAULT_RETRY_BUDGET",
    "DEFAULT_TIMEOUT",
    "APIError",
    "ArgumentMissingError",
    "AuthenticationError",
    "ChartMogulError",
    "Config",
    "ConfigurationError",
    "ConnectError",
    "DeprecatedArgumentError",
    "InvalidResponseError",
    "LegacyCredentialsWarning",
    "NotFoundError",
    "OfficialBridgeWarning",
    "Ping",
    "Promise",
    "RateLimitError",
    "RedirectError",
    "RequestTimeout",
    "SecretKeyMismatchWarning",
    "ServerError",
    "TLSError",
    "TransportError",
    "UntestedOfficialVersionWarning",
    "__version__",
]


def test_all_lists_exactly_the_public_names() -> None:
    # Then the official library's own names, when it is installed.
    official = [
        name for name in _bridge.official_names() if name not in EXPECTED_PUBLIC_NAMES
    ]

    assert chartmogul_compat.__all__ == EXPECTED_PUBLIC_NAMES + official
    for name in chartmogul_compat.__all__:
        assert hasattr(chartmogul_compat, name)


def test_public_classes_name_the_public_module() -> None:
    assert chartmogul_compat.ConnectError.__module__ == "chartmogul_compat"
    assert repr(chartmogul_compat.Config) == "<class 'chartmogul_compat.Config'>"


def test_import_stays_light() -> None:
    # typing_extensions too: type checkers read `deprecated` from it, and
    # importing it would cost several milliseconds for nothing at run time.
    # The bridge and what it needs load only when an official name is used.
    code = (
        "import sys, chartmogul_compat; "
        "print(sorted(m for m in ('requests', 'urllib3', 'logging', 'json', "
        "'typing_extensions', 'chartmogul_compat._transport', "
        "'chartmogul_compat._bridge', 'chartmogul', 'packaging', "
        "'importlib.metadata') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": ":".join(sys.path)},
    )
    assert result.stdout.strip() == "[]"


def test_package_ships_py_typed() -> None:
    from importlib.resources import files

    assert files("chartmogul_compat").joinpath("py.typed").is_file()


def test_wheel_ships_py_typed_and_the_pytest_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # hatchling's PEP 517 hook in-process: no isolated build, no network.
    from hatchling.build import build_wheel

    monkeypatch.chdir(Path(__file__).parent.parent)
    with zipfile.ZipFile(tmp_path / build_wheel(str(tmp_path))) as wheel:
        names = set(wheel.namelist())
        dist_info = next(name for name in names if name.endswith(".dist-info/WHEEL"))
        entry_points = wheel.read(dist_info.replace("WHEEL", "entry_points.txt"))

    assert {
        "chartmogul_compat/py.typed",
        "chartmogul_compat/pytest_plugin.py",
    } <= names
    assert entry_points.decode().splitlines() == [
        "[console_scripts]",
        "chartmogul-compat = chartmogul_compat._cli:main",
        "",
        "[pytest11]",
        "chartmogul_compat = chartmogul_compat.pytest_plugin",
    ]


def test_sdist_holds_what_its_tests_and_readme_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The tests read .pre-commit-hooks.yaml; README.md links to benchmarks/,
    # whose scripts mypy's `files` names too.
    import tarfile

    from hatchling.build import build_sdist

    root = Path(__file__).parent.parent
    monkeypatch.chdir(root)
    with tarfile.open(tmp_path / build_sdist(str(tmp_path))) as sdist:
        names = {name.partition("/")[2] for name in sdist.getnames()}

    wanted = {
        ".pre-commit-hooks.yaml",
        "benchmarks/README.md",
        "benchmarks/run.py",
        "benchmarks/scan.py",
        *(str(path.relative_to(root)) for path in (root / "tests").glob("*.py")),
    }
    assert wanted - names == set()
