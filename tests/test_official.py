"""The bridge to the official ``chartmogul`` library, against the sandbox.

Tests marked ``needs_official`` run where the extra ``official`` is
installed: the main CI environment (the current 4.x) and its 2.9.0
environment. The others run everywhere; those about a missing or a future
official library run a child Python that genuinely has that install.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

import chartmogul_compat
from chartmogul_compat import (
    APIError,
    ArgumentMissingError,
    AuthenticationError,
    Config,
    LegacyCredentialsWarning,
    OfficialBridgeWarning,
    UntestedOfficialVersionWarning,
    _bridge,
    official,
)
from chartmogul_compat.sandbox import Sandbox

OFFICIAL_VERSION = _bridge.installed_version()

needs_official = pytest.mark.skipif(
    OFFICIAL_VERSION is None,
    reason="needs the official chartmogul library (extra 'official'); .ci/run "
    "installs it in its main and its 2.9.0 environments",
)

PACKAGE_ROOT = str(Path(chartmogul_compat.__file__).parent.parent)

CUSTOMER_UUID = "cus_00000000-0000-4000-8000-000000000001"


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


@pytest.fixture
def trusting(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The sandbox, with requests (and so the official library) trusting its CA."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox.ca_bundle)
    return sandbox


def bridged_config(sandbox: Sandbox, **settings: Any) -> Config:
    # No ca_bundle: the official library cannot take one (see the warning test).
    return Config(sandbox.api_key, base_url=sandbox.base_url, **settings)


# -- version rules: pure functions ---------------------------------------------


@pytest.mark.parametrize(
    ("version", "single_key", "known"),
    [
        pytest.param("1.5.0", False, True, id="1.5.0"),
        pytest.param("2.9.0", False, True, id="2.9.0"),
        pytest.param("3.0.0", True, True, id="3.0.0"),
        pytest.param("4.11.0", True, True, id="4.11.0"),
        pytest.param("5.0.0rc1", True, False, id="5.0.0rc1"),
        pytest.param("6.1", True, False, id="6.1"),
    ],
)
def test_version_rules(version: str, single_key: bool, known: bool) -> None:
    assert _bridge.takes_single_key(Version(version)) is single_key
    assert _bridge.is_known(Version(version)) is known


# -- with the official library installed ----------------------------------------


@needs_official
def test_official_ping_sends_key_with_empty_password(trusting: Sandbox) -> None:
    import chartmogul

    answer = official.Ping.ping(bridged_config(trusting)).get()

    assert type(answer) is chartmogul.Ping
    assert repr(answer) == "<Ping{data='pong!'}>"
    (request,) = trusting.requests
    assert (request.method, request.path) == ("GET", "/v1/ping")
    assert request.headers["authorization"] == basic(trusting.api_key)


@needs_official
def test_official_ping_is_not_the_shims(trusting: Sandbox) -> None:
    import chartmogul

    assert official.Ping is not chartmogul_compat.Ping
    assert issubclass(official.Ping, chartmogul.Ping)
    assert chartmogul_compat.Ping.ping(bridged_config(trusting)).get().data == "pong!"


@needs_official
def test_to_official_builds_the_installed_versions_config(sandbox: Sandbox) -> None:
    import chartmogul

    config = Config("cm_key_0123456789", (3, 7.5), 5, 0.5, base_url=sandbox.base_url)

    built = config.to_official()

    # Also tells the call shapes apart: Config(key, (3, 7.5), 5, 0.5) on 2.x
    # would read the timeout as the secret key and shift every setting.
    assert type(built) is chartmogul.Config
    assert vars(built) == {
        "auth": ("cm_key_0123456789", ""),
        "request_timeout": (3.0, 7.5),
        "max_retries": 5,
        "backoff_factor": 0.5,
        "uri": sandbox.base_url + "/v1",
    }


@needs_official
def test_to_official_defaults() -> None:
    built = Config("cm_key_0123456789").to_official()

    assert "uri" not in vars(built)
    assert built.uri == "https://api.chartmogul.com/v1"
    assert built.request_timeout == (10.0, 60.0)
    assert (built.max_retries, built.backoff_factor) == (20, 2.0)


@needs_official
def test_to_official_builds_a_new_object_each_call() -> None:
    config = Config("cm_key_0123456789")

    assert config.to_official() is not config.to_official()


@needs_official
def test_bridge_builds_the_official_config_once_per_config() -> None:
    config = Config("cm_key_0123456789")

    first = _bridge.official_config_for(config)

    assert _bridge.official_config_for(config) is first
    assert _bridge.official_config_for(Config("cm_key_0123456789")) is not first


@needs_official
def test_to_official_warns_that_ca_bundle_does_not_carry_over(
    sandbox: Sandbox,
) -> None:
    config = sandbox.config()

    with pytest.warns(OfficialBridgeWarning) as caught:
        config.to_official()

    (warning,) = caught
    assert str(warning.message) == (
        "ca_bundle does not reach the official chartmogul library, which takes "
        "no CA setting and verifies TLS the requests way; set REQUESTS_CA_BUNDLE "
        "to the same file for calls through the bridge"
    )
    assert warning.filename == __file__


@needs_official
def test_to_official_is_quiet_when_requests_trusts_the_same_ca(
    trusting: Sandbox,
) -> None:
    built = trusting.config().to_official()  # a warning would fail the test

    assert built.auth == (trusting.api_key, "")


@needs_official
def test_customer_all_with_legacy_config_reaches_the_sandbox(
    trusting: Sandbox,
) -> None:
    key = trusting.api_key
    with pytest.warns(LegacyCredentialsWarning):
        config = chartmogul_compat.Config(key, key, base_url=trusting.base_url)  # type: ignore[deprecated]

    page = chartmogul_compat.Customer.all(config, per_page=10).get()

    assert [customer.uuid for customer in page.entries] == [CUSTOMER_UUID]
    assert page.has_more is False
    (request,) = trusting.requests
    assert (request.method, request.path) == ("GET", "/v1/customers?per_page=10")
    assert request.headers["authorization"] == basic(key)


@needs_official
def test_customer_all_takes_config_as_keyword(trusting: Sandbox) -> None:
    page = chartmogul_compat.Customer.all(config=bridged_config(trusting)).get()

    assert page.entries[0].name == "Sandbox Customer"
    assert trusting.requests[0].headers["authorization"] == basic(trusting.api_key)


@needs_official
def test_official_objects_pass_isinstance_against_stand_ins(trusting: Sandbox) -> None:
    import chartmogul

    class Subclassed(chartmogul_compat.Customer):  # type: ignore[misc]
        pass

    page = Subclassed.all(bridged_config(trusting)).get()
    customer = page.entries[0]

    assert type(customer) is chartmogul.Customer
    assert isinstance(customer, chartmogul_compat.Customer)
    assert issubclass(chartmogul.Customer, chartmogul_compat.Customer)
    assert not isinstance(customer, Subclassed)
    assert not issubclass(chartmogul.Customer, Subclassed)


@needs_official
def test_api_error_is_both_the_shims_and_the_official(trusting: Sandbox) -> None:
    import chartmogul

    config = Config("cm_wrong_key_0000", base_url=trusting.base_url)

    with pytest.raises(AuthenticationError) as caught:
        chartmogul_compat.Customer.all(config).get()

    error = caught.value
    assert isinstance(error, chartmogul.APIError)
    assert error.args == (
        b'{"code":401,"message":"No valid API key provided","param":null}',
    )
    assert (error.status_code, error.message) == (401, "No valid API key provided")
    assert error.url == trusting.base_url + "/v1/customers"
    assert error.__cause__.response.status_code == 401  # as the official one


@needs_official
def test_argument_error_is_both_the_shims_and_the_official(trusting: Sandbox) -> None:
    import chartmogul

    with pytest.raises(ArgumentMissingError) as caught:
        chartmogul_compat.Customer.retrieve(bridged_config(trusting))

    assert isinstance(caught.value, chartmogul.ArgumentMissingError)
    assert caught.value.args == ("Please pass 'uuid' parameter",)
    assert trusting.requests == []


@needs_official
def test_shared_error_pickles_as_the_shim_class(trusting: Sandbox) -> None:
    config = Config("cm_wrong_key_0000", base_url=trusting.base_url)
    with pytest.raises(APIError) as caught:
        chartmogul_compat.Customer.all(config).get()

    copy = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 - our own bytes

    assert type(copy) is AuthenticationError
    assert (copy.status_code, copy.body) == (401, caught.value.body)


@needs_official
def test_other_failures_pass_through_unchanged(closed_port: int) -> None:
    import requests

    config = Config(
        "cm_key_0123456789", max_retries=0, base_url=f"https://127.0.0.1:{closed_port}"
    )

    with pytest.raises(requests.exceptions.ConnectionError):
        chartmogul_compat.Customer.all(config).get()


@needs_official
def test_api_error_cause_does_not_show_the_key(trusting: Sandbox) -> None:
    config = Config("cm_wrong_key_0000", base_url=trusting.base_url)
    with pytest.raises(AuthenticationError) as caught:
        chartmogul_compat.Customer.all(config).get()

    cause: Any = caught.value.__cause__  # a requests.HTTPError
    assert cause.request.headers["Authorization"] == "[secure]"
    assert cause.response.request.headers["Authorization"] == "[secure]"


@needs_official
def test_passed_through_failures_do_not_show_the_key(closed_port: int) -> None:
    import requests

    config = Config(
        "cm_key_0123456789", max_retries=0, base_url=f"https://127.0.0.1:{closed_port}"
    )

    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        chartmogul_compat.Customer.all(config).get()

    request: Any = caught.value.request
    assert request.headers["Authorization"] == "[secure]"


@needs_official
def test_names_forward_to_one_object_each() -> None:
    import chartmogul

    assert chartmogul_compat.Customer is official.Customer
    assert chartmogul_compat.Config is Config
    assert official.Config is chartmogul.Config
    assert official.APIError is chartmogul.APIError
    assert chartmogul_compat.APIError is APIError
    assert repr(official.Customer) == "<class 'chartmogul_compat.official.Customer'>"


@needs_official
def test_dir_and_star_import_list_the_official_names() -> None:
    names = _bridge.official_names()
    namespace: dict[str, Any] = {}
    exec("from chartmogul_compat import *", namespace)  # noqa: S102 - fixed code

    assert "Customer" in names
    assert "Invoice" in names
    assert set(names) <= set(dir(chartmogul_compat))
    assert set(names) <= set(dir(official))
    assert namespace["Customer"] is chartmogul_compat.Customer
    assert namespace["Config"] is Config
    assert official.__all__ == list(names)


@needs_official
def test_unknown_name_says_neither_defines_it() -> None:
    with pytest.raises(AttributeError) as caught:
        chartmogul_compat.Custmer  # noqa: B018

    assert str(caught.value) == (
        "module 'chartmogul_compat' has no attribute 'Custmer', and the installed "
        f"chartmogul {OFFICIAL_VERSION} does not define it either"
    )


# -- without the official library, or with a future one: child processes --------


def run_child(code: str, *, pythonpath: list[str], no_site: bool) -> Any:
    """Run ``code`` in a new Python and return the JSON it prints.

    ``no_site`` runs it with ``-S``: no site-packages, so no installed library.
    """
    arguments = [sys.executable, "-S"] if no_site else [sys.executable]
    result = subprocess.run(
        [*arguments, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(pythonpath)},
        timeout=60,
    )
    return json.loads(result.stdout)


def install_stand_in(directory: Path, version: str, source: str) -> None:
    """A stand-in chartmogul ``version`` in ``directory``, to put first on the path."""
    (directory / "chartmogul").mkdir()
    (directory / "chartmogul" / "__init__.py").write_text(source)
    metadata = directory / f"chartmogul-{version}.dist-info"
    metadata.mkdir()
    (metadata / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: chartmogul\nVersion: {version}\n"
    )


NOT_INSTALLED_CHILD = """
    import json, warnings
    warnings.simplefilter("error")
    import chartmogul_compat

    results = {}
    for expression in (
        "chartmogul_compat.Customer",
        "chartmogul_compat.official.Customer",
        "chartmogul_compat.official.__all__",
        "chartmogul_compat.Config('cm_key_0123456789').to_official()",
    ):
        try:
            eval(expression)
        except Exception as error:
            results[expression] = [type(error).__name__, str(error)]
    namespace = {}
    exec("from chartmogul_compat import *", namespace)
    results["star"] = sorted(name for name in namespace if name != "__builtins__")
    results["dir"] = "Customer" in dir(chartmogul_compat)
    results["hasattr"] = hasattr(chartmogul_compat, "Customer")
    print(json.dumps(results))
"""


def test_without_the_official_library_names_say_how_to_install_it() -> None:
    # -S and a path holding only this package: no chartmogul distribution.
    results = run_child(NOT_INSTALLED_CHILD, pythonpath=[PACKAGE_ROOT], no_site=True)

    install = 'pip install "chartmogul-compat[official]"'
    assert results == {
        "chartmogul_compat.Customer": [
            "AttributeError",
            "module 'chartmogul_compat' has no attribute 'Customer': names the "
            "shim does not define come from the official chartmogul library, "
            f"which is not installed; {install}",
        ],
        "chartmogul_compat.official.Customer": [
            "AttributeError",
            "module 'chartmogul_compat.official' has no attribute 'Customer': "
            "names the shim does not define come from the official chartmogul "
            f"library, which is not installed; {install}",
        ],
        "chartmogul_compat.official.__all__": [
            "AttributeError",
            "chartmogul_compat.official forwards the official chartmogul library, "
            f"which is not installed; {install}",
        ],
        "chartmogul_compat.Config('cm_key_0123456789').to_official()": [
            "ModuleNotFoundError",
            f"the official chartmogul library is not installed; {install}",
        ],
        "star": sorted(chartmogul_compat._OWN_NAMES),
        "dir": False,
        "hasattr": False,
    }


FUTURE_LIBRARY = """
class Config:
    uri = "https://api.chartmogul.com/v1"

    def __init__(self, api_key, request_timeout=None, max_retries=20, backoff_factor=2):
        self.auth = (api_key, "")
        self.request_timeout = request_timeout
        self.max_retries = max_retries
        self.backoff_factor = backoff_factor


class Thing:
    @classmethod
    def fetch(cls, config, **kwargs):
        return (type(config).__module__, config.auth[1], kwargs)
"""

FUTURE_CHILD = """
    import json, warnings
    import chartmogul_compat

    config = chartmogul_compat.Config("cm_key_0123456789", 4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = chartmogul_compat.Thing.fetch(config, page=2)
        again = chartmogul_compat.official.Thing.fetch(config=config)
        built = vars(config.to_official())
    print(json.dumps({
        "warnings": [
            [w.category.__name__, str(w.message), w.filename, w.lineno]
            for w in caught
        ],
        "calls": [first, again],
        "built": built,
    }))
"""
FIRST_FORWARDED_LINE = 1 + textwrap.dedent(FUTURE_CHILD).splitlines().index(
    "    first = chartmogul_compat.Thing.fetch(config, page=2)"
)


def test_future_official_version_is_used_the_modern_way_and_warned_once(
    tmp_path: Path,
) -> None:
    install_stand_in(tmp_path, "5.0.0", FUTURE_LIBRARY)

    results = run_child(
        FUTURE_CHILD, pythonpath=[str(tmp_path), *sys.path], no_site=False
    )

    assert results == {
        "warnings": [
            [
                UntestedOfficialVersionWarning.__name__,
                "chartmogul 5.0.0 is newer than the versions chartmogul-compat "
                "knows (1.x to 4.x) and is untested with it; it is used the 3.0+ "
                "way, Config(api_key, ...). Check the calls you rely on, and look "
                "for a newer chartmogul-compat.",
                "<string>",
                FIRST_FORWARDED_LINE,
            ]
        ],
        "calls": [["chartmogul", "", {"page": 2}], ["chartmogul", "", {}]],
        "built": {
            "auth": ["cm_key_0123456789", ""],
            "request_timeout": [4.0, 4.0],
            "max_retries": 20,
            "backoff_factor": 2.0,
        },
    }


UNIMPORTABLE_CHILD = """
    import json
    import chartmogul_compat

    results = {}
    for expression in (
        "chartmogul_compat.Customer",
        "dir(chartmogul_compat)",
        "chartmogul_compat.Config('cm_key_0123456789').to_official()",
    ):
        try:
            eval(expression)
        except Exception as error:
            cause = error.__cause__
            results[expression] = [
                type(error).__name__,
                str(error),
                type(cause).__name__,
                str(cause),
            ]
    print(json.dumps(results))
"""

TWO_VALUE_FIX = (
    'chartmogul 2.x needs Python 3.11 or older and pip install "marshmallow<3.20" '
    '"urllib3<2"; or install chartmogul 3.0 or later, which the shim bridges too'
)


@pytest.mark.parametrize(
    ("version", "raised", "message", "fix"),
    [
        pytest.param(
            "2.9.0",
            "TypeError",
            "Can't instantiate abstract class Number with abstract method num_type",
            TWO_VALUE_FIX,
            id="2.9.0-new-marshmallow",
        ),
        pytest.param(
            "2.9.0",
            "ModuleNotFoundError",
            "No module named 'imp'",
            TWO_VALUE_FIX,
            id="2.9.0-python-3.12",
        ),
        pytest.param(
            "2.9.0",
            "DeprecationWarning",
            "the imp module is deprecated in favour of importlib",
            "a warnings filter (such as -W error::DeprecationWarning) made the "
            "official library's own warning an error; add an ignore filter for it",
            id="2.9.0-warnings-as-errors",
        ),
        pytest.param(
            "4.11.0",
            "ModuleNotFoundError",
            "No module named 'uritemplate'",
            "pip check lists missing or conflicting dependencies",
            id="4.11.0-missing-dependency",
        ),
    ],
)
def test_unimportable_official_library_says_why_and_how_to_fix_it(
    tmp_path: Path, version: str, raised: str, message: str, fix: str
) -> None:
    install_stand_in(tmp_path, version, f"raise {raised}({message!r})\n")

    results = run_child(
        UNIMPORTABLE_CHILD, pythonpath=[str(tmp_path), *sys.path], no_site=False
    )

    expected = [
        "ImportError",
        f"the installed official chartmogul {version} cannot be imported "
        f"({raised}: {message}); {fix}",
        raised,
        message,
    ]
    assert results == {
        "chartmogul_compat.Customer": expected,
        "dir(chartmogul_compat)": expected,
        "chartmogul_compat.Config('cm_key_0123456789').to_official()": expected,
    }


SUBMODULES_CHILD = """
    import json
    from chartmogul_compat import pytest_plugin, sandbox

    print(json.dumps([sandbox.__name__, pytest_plugin.__name__]))
"""


def test_submodules_import_without_the_official_library(tmp_path: Path) -> None:
    # `from package import submodule` asks the package for the name first.
    # A chartmogul that cannot be imported (2.9.0 on Python 3.12, say) fails
    # the import if that lookup reaches the official library.
    install_stand_in(tmp_path, "2.9.0", 'raise ImportError("not to be imported")\n')

    results = run_child(
        SUBMODULES_CHILD, pythonpath=[str(tmp_path), *sys.path], no_site=False
    )

    assert results == ["chartmogul_compat.sandbox", "chartmogul_compat.pytest_plugin"]
