"""pytest plugin: a sandbox fixture, and a count of legacy-credential calls.

Registered through the ``pytest11`` entry point, so pytest loads it wherever
chartmogul-compat is installed (``-p no:chartmogul_compat`` turns it off). It
stays out of the way until used:

- the ``chartmogul_sandbox`` fixture starts a `Sandbox` only when a test
  requests it; it needs the ``sandbox`` extra, and without it the requesting
  test errors with the ``pip install`` command to run;
- ``--chartmogul-legacy=error`` turns `LegacyCredentialsWarning` (and its
  subclass `SecretKeyMismatchWarning`) into test failures; the default,
  ``warn``, leaves warnings to the usual filters;
- at the end of the run, a summary lists the source lines that used legacy
  credentials, if any did.

Needs pytest 7 or later; on older pytest it does nothing. Known gaps: under
pytest-xdist each worker counts its own calls and no summary is shown (run
without ``-n`` to see it); calls made while a ``conftest.py`` is imported,
before `pytest_configure`, are not counted.
"""

from __future__ import annotations

import pytest

# The plugin keeps its state in pytest's stash, new in pytest 7. Loaded by
# the entry point into every run where this package is installed, on older
# pytest it defines nothing rather than stop the whole run at import. Remove
# the guard once the package itself requires pytest 7.
if hasattr(pytest, "StashKey"):
    from ._pytest_plugin import chartmogul_sandbox as chartmogul_sandbox
    from ._pytest_plugin import pytest_addoption as pytest_addoption
    from ._pytest_plugin import pytest_configure as pytest_configure
    from ._pytest_plugin import pytest_runtest_setup as pytest_runtest_setup
    from ._pytest_plugin import pytest_terminal_summary as pytest_terminal_summary
    from ._pytest_plugin import pytest_unconfigure as pytest_unconfigure
