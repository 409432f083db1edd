"""The pytest plugin, run on small user test suites through pytester."""

from __future__ import annotations

import subprocess
import sys

import pytest

KEY = "cm_live_5f0c2b9e8d7a41c3"
OTHER = "cm_live_0aa11bb22cc33dd4"

_PING_TESTS = """
from chartmogul_compat import Config, Ping
from chartmogul_compat.sandbox import ServerFailure


def test_ping_with_the_helper(chartmogul_sandbox):
    config = chartmogul_sandbox.config(max_retries=0)
    assert Ping.ping(config).get().data == "pong!"


def test_ping_with_a_config_built_by_hand(chartmogul_sandbox):
    config = Config(
        chartmogul_sandbox.api_key,
        base_url=chartmogul_sandbox.base_url,
        ca_bundle=chartmogul_sandbox.ca_bundle,
        max_retries=0,
    )
    assert Ping.ping(config).get().data == "pong!"
    chartmogul_sandbox.inject(ServerFailure(503))


def test_each_test_starts_with_a_clean_sandbox(chartmogul_sandbox):
    # The previous test pinged once and left a fault queued.
    assert chartmogul_sandbox.requests == []
    config = chartmogul_sandbox.config(max_retries=0)
    assert Ping.ping(config).get().data == "pong!"
"""


def test_fixture_serves_a_sandbox_to_ping_reset_between_tests(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_ping=_PING_TESTS)
    result = pytester.runpytest()
    result.assert_outcomes(passed=3)


@pytest.mark.parametrize(
    ("options", "ini", "setups"),
    [
        ((), "", ["SETUP    S chartmogul_sandbox"]),
        (
            ("--chartmogul-sandbox-scope=module",),
            "",
            ["SETUP    M chartmogul_sandbox", "SETUP    M chartmogul_sandbox"],
        ),
        (
            (),
            "chartmogul_sandbox_scope = module",
            ["SETUP    M chartmogul_sandbox", "SETUP    M chartmogul_sandbox"],
        ),
        (
            ("--chartmogul-sandbox-scope=session",),
            "chartmogul_sandbox_scope = module",
            ["SETUP    S chartmogul_sandbox"],
        ),
    ],
    ids=["default-session", "option-module", "ini-module", "option-beats-ini"],
)
def test_sandbox_scope_follows_the_option_then_the_ini(
    pytester: pytest.Pytester,
    options: tuple[str, ...],
    ini: str,
    setups: list[str],
) -> None:
    pytester.makeini(f"[pytest]\n{ini}\n")
    test = "def test_one(chartmogul_sandbox):\n    pass\n"
    pytester.makepyfile(test_a=test, test_b=test.replace("one", "two"))
    result = pytester.runpytest("--setup-show", *options)
    result.assert_outcomes(passed=2)
    assert [line.strip() for line in result.outlines if "SETUP" in line] == setups


def test_bad_scope_in_the_ini_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nchartmogul_sandbox_scope = class\n")
    pytester.makepyfile(test_a="def test_one():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.errlines == [
        "ERROR: chartmogul_sandbox_scope must be module or session, not 'class'",
        "",
    ]


def test_error_mode_without_the_warnings_plugin_is_a_usage_error(
    pytester: pytest.Pytester,
) -> None:
    # Without pytest's warnings plugin no filter is applied: error mode would
    # pass every legacy call silently. In a subprocess: in this one, this
    # run's own filters would still apply.
    pytester.makepyfile(
        test_a="from chartmogul_compat import Config\n\n\n"
        f"def test_one():\n    Config({KEY!r}, {KEY!r})\n"
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:warnings", "--chartmogul-legacy=error"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.errlines == [
        "ERROR: --chartmogul-legacy=error needs pytest's warnings plugin, which "
        "-p no:warnings turns off",
        "",
    ]


def test_fixture_without_trustme_names_the_extra(pytester: pytest.Pytester) -> None:
    # In a subprocess: hiding trustme must not reach this process's modules.
    pytester.makeconftest("import sys\n\nsys.modules['trustme'] = None\n")
    pytester.makepyfile(test_a="def test_one(chartmogul_sandbox):\n    pass\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(errors=1)
    message = (
        "the chartmogul_sandbox fixture cannot start: chartmogul_compat.sandbox "
        'needs trustme; install it with pip install "chartmogul-compat[sandbox]" '
        "(from a checkout: pip install '.[sandbox]')"
    )
    result.stdout.fnmatch_lines(
        ["*_ ERROR at setup of test_one _*", message, "*= short test summary info =*"],
        consecutive=True,
    )


_LEGACY_TESTS = f"""
import pytest

from chartmogul_compat import Config, LegacyCredentialsWarning

KEY = {KEY!r}


def test_legacy_pair():
    for _ in range(2):
        Config(KEY, KEY)  # pair


def test_legacy_mismatch():
    Config(KEY, {OTHER!r})  # mismatch


def test_legacy_from_the_environment(monkeypatch):
    monkeypatch.setenv("CHARTMOGUL_ACCOUNT_TOKEN", KEY)
    Config.from_env()  # environment


def test_legacy_expected():
    with pytest.warns(LegacyCredentialsWarning):
        Config(account_token=KEY)  # expected


def test_modern():
    Config(KEY, 30)
"""


def _write_legacy_tests(pytester: pytest.Pytester) -> dict[str, int]:
    """Write the legacy test file; return the line of each ``# marker``."""
    path = pytester.makepyfile(test_legacy=_LEGACY_TESTS)
    lines = path.read_text().splitlines()
    return {
        line.rpartition("# ")[2]: number
        for number, line in enumerate(lines, 1)
        if "  # " in line
    }


def test_warn_mode_lets_legacy_calls_pass_and_lists_them(
    pytester: pytest.Pytester,
) -> None:
    line = _write_legacy_tests(pytester)
    result = pytester.runpytest()
    result.assert_outcomes(passed=5, warnings=4)
    result.stdout.fnmatch_lines(
        [
            "*= chartmogul-compat: 5 legacy credential calls from 4 lines =*",
            f"test_legacy.py:{line['pair']}: 2 calls",
            f"test_legacy.py:{line['mismatch']}: 1 call",
            f"test_legacy.py:{line['environment']}: 1 call",
            f"test_legacy.py:{line['expected']}: 1 call",
        ],
        consecutive=True,
    )
    assert KEY not in result.stdout.str()


def test_error_mode_fails_legacy_calls_and_still_lists_them(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # short summary lines in full
    line = _write_legacy_tests(pytester)
    result = pytester.runpytest("--chartmogul-legacy=error")
    # pytest.warns still catches the warning it expects.
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.fnmatch_lines(
        [
            "FAILED test_legacy.py::test_legacy_pair - "
            "chartmogul_compat.LegacyCredentialsWarning: Config(account_token, "
            "secret_key) is deprecated: *",
            "FAILED test_legacy.py::test_legacy_mismatch - "
            "chartmogul_compat.SecretKeyMismatchWarning: Config(account_token, "
            "secret_key) was given two different values: *",
            "FAILED test_legacy.py::test_legacy_from_the_environment - "
            "chartmogul_compat.LegacyCredentialsWarning: CHARTMOGUL_ACCOUNT_TOKEN "
            "/ CHARTMOGUL_SECRET_KEY are deprecated: *",
        ],
        consecutive=True,
    )
    # The failing pair test stopped at its first call.
    result.stdout.fnmatch_lines(
        [
            "*= chartmogul-compat: 4 legacy credential calls from 4 lines =*",
            f"test_legacy.py:{line['pair']}: 1 call",
            f"test_legacy.py:{line['mismatch']}: 1 call",
            f"test_legacy.py:{line['environment']}: 1 call",
            f"test_legacy.py:{line['expected']}: 1 call",
        ],
        consecutive=True,
    )
    assert KEY not in result.stdout.str()


def test_error_mode_also_catches_legacy_calls_at_import(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_at_import=f"from chartmogul_compat import Config\n\n"
        f"CONFIG = Config({KEY!r}, {KEY!r})\n\n\ndef test_one():\n    pass\n"
    )
    result = pytester.runpytest("--chartmogul-legacy=error")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*= chartmogul-compat: 1 legacy credential call from 1 line =*",
            "test_at_import.py:3: 1 call",
        ],
        consecutive=True,
    )


def test_summary_paths_outside_rootdir_stay_absolute(
    pytester: pytest.Pytester,
) -> None:
    outside = pytester.mkdir("elsewhere")
    (outside / "legacy_helper.py").write_text(
        "from chartmogul_compat import Config\n\n\n"
        f"def make():\n    return Config({KEY!r}, {KEY!r})\n"
    )
    tests = pytester.mkdir("project")
    (tests / "test_helper.py").write_text(
        f"import sys\n\nsys.path.insert(0, {str(outside)!r})\n"
        "import legacy_helper\n\n\n"
        "def test_one():\n    legacy_helper.make()\n"
    )
    result = pytester.runpytest(f"--rootdir={tests}", str(tests))
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*= chartmogul-compat: 1 legacy credential call from 1 line =*",
            f"{outside / 'legacy_helper.py'}:5: 1 call",
        ],
        consecutive=True,
    )


def test_plugin_is_silent_without_legacy_calls(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_modern=f"from chartmogul_compat import Config\n\n\n"
        f"def test_one():\n    Config({KEY!r})\n"
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    mentions = [line for line in result.outlines if "chartmogul" in line]
    assert [line for line in mentions if not line.startswith("plugins: ")] == []


def test_plugin_can_be_turned_off(pytester: pytest.Pytester) -> None:
    _write_legacy_tests(pytester)
    result = pytester.runpytest("-p", "no:chartmogul_compat")
    result.assert_outcomes(passed=5, warnings=4)
    assert "legacy credential call" not in result.stdout.str()


def test_plugin_options_are_documented_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "chartmogul-compat:",
            "  --chartmogul-legacy={warn,error}",
            "*error: a LegacyCredentialsWarning fails the test*",
        ]
    )


def test_plugin_import_loads_no_sandbox_or_requests() -> None:
    code = (
        "import sys, chartmogul_compat.pytest_plugin; "
        "print(sorted(m for m in ('requests', 'trustme', 'ssl', "
        "'chartmogul_compat.sandbox') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_plugin_is_inert_on_pytest_before_7(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pytest 6 has no pytest.StashKey, which the plugin keeps its state in;
    # loaded into every run where the package is installed, the plugin must
    # not break those runs. Simulated by removing the name before pytest
    # loads its plugins (checked by hand with pytest 6.2.5 on Python 3.9);
    # only this plugin is loaded, as other installed ones need the name too.
    pytester.makepyfile(
        test_old=f"from chartmogul_compat import Config\n\n\n"
        f"def test_one():\n    Config({KEY!r}, {KEY!r})\n"
    )
    runner = pytester.makepyfile(
        run_old_pytest="import sys\n\nimport pytest\n\ndel pytest.StashKey\n"
        "sys.exit(pytest.main(['-p', 'chartmogul_compat.pytest_plugin', "
        "'-p', 'no:cacheprovider', 'test_old.py']))\n"
    )
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = pytester.run(sys.executable, str(runner))
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*= 1 passed, 1 warning in *"])
    assert "legacy credential call" not in result.stdout.str()
    assert result.stderr.lines == []
