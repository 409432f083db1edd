"""The package surface: exported names, import cost, entry points."""

from __future__ import annotations

import subprocess
import sys

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


def test_import_does_not_load_requests_logging_or_the_official_library() -> None:
    code = (
        "import sys, chartmogul_compat; "
        "print(sorted(m for m in ('requests', 'urllib3', 'logging', 'json', "
        "'chartmogul_compat._transport', 'chartmogul_compat._bridge', "
        "'chartmogul', 'packaging', 'importlib.metadata') if m in sys.modules))"
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
