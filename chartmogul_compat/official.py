"""The installed official ``chartmogul`` library, taking shim configs as well.

Every public name of the installed version is here (its own ``Ping``
included, for comparison with the shim's), and is the same object that
``chartmogul_compat.<name>`` gives for a name the shim does not define::

    from chartmogul_compat import Config
    from chartmogul_compat.official import Customer, Ping

    config = Config(API_KEY)
    Customer.all(config, per_page=10).get()  # the official library's call
    Ping.ping(config).get()  # the official Ping, not the shim's

Classes with class or static methods are stand-ins that subclass the
official class and turn a shim `Config` first argument into the official
one (see ``chartmogul_compat._bridge``); exception classes and ``Config`` are
the official objects themselves. Submodules (``chartmogul.api``) are not
forwarded.

Needs the ``official`` extra: ``pip install "chartmogul-compat[official]"``.
Without it, importing this module works and every name raises an
`AttributeError` saying so.
"""

# Only private names at module level: every public one is the official
# library's.
import typing as _typing

from . import _bridge


def __getattr__(name: str) -> _typing.Any:
    """The official library's ``name``; ``__all__`` is built on first use."""
    if name == "__all__":
        if _bridge.installed_version() is None:
            raise AttributeError(
                f"{__name__} forwards the official chartmogul library, which is "
                f"not installed; {_bridge.INSTALL_COMMAND}"
            )
        names = list(_bridge.official_names())
        globals()["__all__"] = names
        return names
    if name.startswith("_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _bridge.forward(name, __name__)


def __dir__() -> list[str]:
    return sorted({*globals(), *_bridge.official_names()})
