"""The bridge to the official ``chartmogul`` library (extra ``official``).

The shim implements `Ping` itself; customers, invoices, metrics and the rest
belong to the official library. This module finds which version of it is
installed, builds that version's own ``Config`` from a shim `Config`, and
wraps the official names so that old code passing a shim `Config` works:

- a shim `Config` given as the first argument, positionally or as
  ``config=``, is replaced by its official twin, built once per config;
- the official library's own errors come out as classes that are both the
  official one and the shim's: ``except chartmogul_compat.APIError`` catches
  an official 404 (as `NotFoundError`), and ``except`` with the official
  class still matches it.

The package imports this module on the first name it does not define (or the
first `Config.to_official`), never at ``import chartmogul_compat``: reading
package metadata and importing the official library (requests, marshmallow)
cost tens of milliseconds.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any, Callable, Final, NoReturn, TypeVar

from ._config import DEFAULT_BASE_URL, Config
from ._errors import (
    APIError,
    ArgumentMissingError,
    ConfigurationError,
    DeprecatedArgumentError,
    error_class_for_status,
)
from ._warnings import (
    OfficialBridgeWarning,
    UntestedOfficialVersionWarning,
    warn_at_caller,
)

if TYPE_CHECKING:
    from types import ModuleType

    from packaging.version import Version

__all__ = [
    "INSTALL_COMMAND",
    "forward",
    "installed_version",
    "is_known",
    "official_config_for",
    "official_names",
    "takes_single_key",
    "to_official",
]

INSTALL_COMMAND: Final = 'pip install "chartmogul-compat[official]"'

_DISTRIBUTION: Final = "chartmogul"

_E = TypeVar("_E", bound=Exception)

# 3.0 made the official Config take one key. 4 is the newest major known;
# CI tests 2.9.0 and the current 4.x.
_FIRST_SINGLE_KEY_MAJOR: Final = 3
_NEWEST_KNOWN_MAJOR: Final = 4

# Official errors re-raised as the shim's class of the same name as well.
# Only exact classes: a subclass a later version adds keeps its own type.
_SHIM_ERRORS: Final[dict[str, type[Exception]]] = {
    "APIError": APIError,
    "ArgumentMissingError": ArgumentMissingError,
    "ConfigurationError": ConfigurationError,
    "DeprecatedArgumentError": DeprecatedArgumentError,  # official from 4.0
}


@functools.cache
def installed_version() -> Version | None:
    """The official library's installed version, or None if it is not installed.

    Read from the distribution's metadata, which imports nothing of it.
    Metadata without a valid version raises (README, Known limits).
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        text = version(_DISTRIBUTION)
    except PackageNotFoundError:
        return None

    from packaging.version import Version

    return Version(text)


def takes_single_key(version: Version) -> bool:
    """Whether that official version's Config takes one key (3.0 and later)."""
    return version.major >= _FIRST_SINGLE_KEY_MAJOR


def is_known(version: Version) -> bool:
    """Whether the bridge knows how that official version takes its Config."""
    return version.major <= _NEWEST_KNOWN_MAJOR


_warned_untested = False


def _official_module() -> ModuleType:
    """Import the official library; warn once per process if it is unknown."""
    global _warned_untested

    version = installed_version()
    if version is None:
        raise ModuleNotFoundError(
            f"the official chartmogul library is not installed; {INSTALL_COMMAND}",
            name=_DISTRIBUTION,
        )

    # An install that fails to import raises here, through dir() and
    # `import *` too (README, Known limits): re-raised with what to do, since
    # the original (a marshmallow TypeError, a missing `imp`) does not say.
    try:
        import chartmogul
    except Exception as error:
        raise ImportError(_unimportable_message(version, error)) from error

    module: ModuleType = chartmogul
    if not is_known(version) and not _warned_untested:
        _warned_untested = True
        warn_at_caller(
            f"chartmogul {version} is newer than the versions chartmogul-compat "
            f"knows (1.x to {_NEWEST_KNOWN_MAJOR}.x) and is untested with it; it "
            "is used the 3.0+ way, Config(api_key, ...). Check the calls you "
            "rely on, and look for a newer chartmogul-compat.",
            UntestedOfficialVersionWarning,
        )
    return module


def _unimportable_message(version: Version, error: Exception) -> str:
    """Why the installed official library failed to import, and the fix."""
    if isinstance(error, Warning):
        fix = (
            "a warnings filter (such as -W error::DeprecationWarning) made the "
            "official library's own warning an error; add an ignore filter for it"
        )
    elif version.major != 2:
        fix = "pip check lists missing or conflicting dependencies"
    else:
        # 2.9.0 imports `imp` (gone in 3.12), fails on marshmallow 4 (CI
        # pins it below 3.20), and passes Retry(method_whitelist=), which
        # urllib3 2 removed (that one fails at request time, not here).
        fix = (
            "chartmogul 2.x needs Python 3.11 or older and pip install "
            '"marshmallow<3.20" "urllib3<2"; or install chartmogul 3.0 or later, '
            "which the shim bridges too"
        )
    return (
        f"the installed official chartmogul {version} cannot be imported "
        f"({type(error).__name__}: {error}); {fix}"
    )


@functools.cache
def official_names() -> tuple[str, ...]:
    """The official library's public names, sorted; empty if it is not installed.

    Submodules (``chartmogul.api`` and the like) are left out.
    """
    from types import ModuleType

    if installed_version() is None:
        return ()
    module = _official_module()
    return tuple(
        name
        for name in sorted(dir(module))
        if not name.startswith("_")
        and not isinstance(getattr(module, name), ModuleType)
    )


# name -> what forward() returned, so every lookup gives the same object.
_forwarded: dict[str, Any] = {}


def forward(name: str, owner: str) -> Any:
    """The official library's ``name``, wrapped to take shim configs.

    :param owner: the module asking, for the error message.
    :raises AttributeError: if the library is not installed (saying how to
        install it) or does not define ``name``.
    """
    try:
        return _forwarded[name]
    except KeyError:
        pass

    version = installed_version()
    if version is None:
        raise AttributeError(
            f"module {owner!r} has no attribute {name!r}: names the shim does not "
            "define come from the official chartmogul library, which is not "
            f"installed; {INSTALL_COMMAND}"
        )
    if name not in official_names():
        raise AttributeError(
            f"module {owner!r} has no attribute {name!r}, and the installed "
            f"chartmogul {version} does not define it either"
        )

    value = _stand_in_for(getattr(_official_module(), name))
    # Two threads may wrap the same name at once; both get the first one.
    return _forwarded.setdefault(name, value)


def to_official(config: Config) -> Any:
    """A new official ``chartmogul.Config`` with ``config``'s settings.

    See `Config.to_official` for what carries over and what cannot.
    """
    module = _official_module()
    version = installed_version()
    assert version is not None  # _official_module raised otherwise

    # The timeout in use, not the one given: None here means (10, 60), and
    # in the official library it means waiting for ever. requests takes the
    # (connect, read) pair as it is.
    settings = (config.timeout, config.max_retries, config.backoff_factor)
    if takes_single_key(version):
        official = module.Config(config.api_key, *settings)
    else:
        # Before 3.0: (account_token, secret_key, ...), the key in both places.
        official = module.Config(config.api_key, config.api_key, *settings)

    # The official library keeps its API root, /v1 included, in `uri`: a
    # class attribute, set on the instance only when the root differs.
    if config.base_url != DEFAULT_BASE_URL:
        official.uri = config.uri

    if config.ca_bundle is not None and not _requests_trusts(config.ca_bundle):
        warn_at_caller(
            "ca_bundle does not reach the official chartmogul library, which "
            "takes no CA setting and verifies TLS the requests way; set "
            "REQUESTS_CA_BUNDLE to the same file for calls through the bridge",
            OfficialBridgeWarning,
        )
    return official


def _requests_trusts(ca_bundle: str) -> bool:
    """Whether requests, left to its defaults, verifies with ``ca_bundle``."""
    # The variables requests reads when verify is left at True, in its order.
    chosen = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if chosen is None:
        return False
    return os.path.realpath(chosen) == os.path.realpath(ca_bundle)


def official_config_for(config: Config) -> Any:
    """The official Config passed in ``config``'s place; built on first use."""
    official = config._official_config
    if official is None:
        # Two threads may both build one; they are equal, and either may stay.
        official = to_official(config)
        object.__setattr__(config, "_official_config", official)
    return official


# official object -> its stand-in, so that aliases (Subscription and
# CustomerSubscription) stay the same object.
_stand_ins: dict[Any, Any] = {}


def _stand_in_for(value: Any) -> Any:
    """What the bridge hands out for one of the official library's names."""
    try:
        return _stand_ins[value]
    except (KeyError, TypeError):  # TypeError: an unhashable value
        pass

    if isinstance(value, type):
        # Exception classes stay as they are: ``except`` compares real types
        # and would not see a stand-in. A class with its own metaclass would
        # need one combined with ours; the official library has none.
        if issubclass(value, BaseException) or type(value) is not type:
            return value
        stand_in: Any = _bridged_class(value)
    elif callable(value):
        stand_in = _converting(value, config_index=0)
    else:
        return value
    return _stand_ins.setdefault(value, stand_in)


class _BridgedClass(type):
    """The type of the bridge's stand-ins for official classes.

    A stand-in subclasses its official class, so the official behaviour and
    attributes are all there, and it answers `isinstance` and `issubclass`
    for the official class too: the official library's responses are its own
    ``Customer`` objects, and ``isinstance(customer, chartmogul.Customer)``
    in old code must stay true. User subclasses of a stand-in behave like
    ordinary classes.
    """

    def __instancecheck__(cls, instance: Any) -> bool:
        official = cls.__dict__.get("_bridged_official")
        if official is None:
            return super().__instancecheck__(instance)
        return isinstance(instance, official)

    def __subclasscheck__(cls, subclass: type) -> bool:
        official = cls.__dict__.get("_bridged_official")
        if official is None:
            return super().__subclasscheck__(subclass)
        return issubclass(subclass, official)


def _bridged_class(official: type) -> type:
    """A stand-in for ``official`` whose class and static methods take shim configs.

    Official resources are called on the class (``Customer.all(config,
    ...)``); instance methods never take a config, so they are inherited
    as they are. A class with nothing to convert is returned unchanged.
    """
    methods: dict[str, Any] = {}
    for name in dir(official):
        if name.startswith("_"):
            continue
        raw = _defined_attribute(official, name)
        if isinstance(raw, classmethod):
            methods[name] = classmethod(_converting(raw.__func__, config_index=1))
        elif isinstance(raw, staticmethod):
            methods[name] = staticmethod(_converting(raw.__func__, config_index=0))
    if not methods:
        return official

    namespace = {
        **methods,
        "__module__": "chartmogul_compat.official",
        "__qualname__": official.__qualname__,
        "__doc__": official.__doc__,
        "_bridged_official": official,
    }
    return _BridgedClass(official.__name__, (official,), namespace)


def _defined_attribute(cls: type, name: str) -> object:
    """``name`` as stored in the class that defines it, before binding."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return None


def _converting(function: Callable[..., Any], config_index: int) -> Callable[..., Any]:
    """Wrap ``function`` to take a shim config and raise shared errors.

    :param config_index: where the config sits among positional arguments
        (1 for a classmethod's function, after the class).
    """

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        if len(args) > config_index and isinstance(args[config_index], Config):
            config = official_config_for(args[config_index])
            args = (*args[:config_index], config, *args[config_index + 1 :])
        if isinstance(kwargs.get("config"), Config):
            kwargs["config"] = official_config_for(kwargs["config"])

        # Argument checks raise at once; the request's failure rejects the
        # promise that is returned.
        try:
            result = function(*args, **kwargs)
        except Exception as error:
            _raise_shared(error)

        promise_type = _official_promise_type()
        if promise_type is not None and isinstance(result, promise_type):
            return result.catch(_raise_shared)
        return result

    return call


@functools.cache
def _official_promise_type() -> type[Any] | None:
    """The official library's promise class (from ``promise``), if installed."""
    try:
        from promise import Promise
    except ImportError:  # a version that no longer uses it
        return None
    promise_type: type[Any] = Promise
    return promise_type


def _raise_shared(error: BaseException) -> NoReturn:
    """Raise ``error`` as a shared error if it is an official one, else as is.

    Either way, the requests it holds (the official APIError's cause, a
    passed-through ConnectionError) stop showing the key.
    """
    from ._transport import redact_requests  # requests is loaded by now

    redact_requests(error)

    official_class = type(error)
    name = official_class.__name__
    shim_class = _SHIM_ERRORS.get(name)
    official_module = _official_module()
    if shim_class is None or getattr(official_module, name, None) is not official_class:
        raise error

    shared: Exception
    if shim_class is APIError:
        # As the official library raises it: the body in args[0], chained
        # from the requests.HTTPError whose response has the status.
        body = error.args[0] if error.args else b""
        response = getattr(error.__cause__, "response", None)
        status = getattr(response, "status_code", None)
        api_class = APIError
        if isinstance(status, int):
            api_class = error_class_for_status(status)
        shared = _shared_class(api_class, official_class)(
            body, status_code=status, url=getattr(response, "url", None)
        )
    else:
        shared = _shared_class(shim_class, official_class)(*error.args)
    raise shared from error.__cause__


# (shim class, official class) -> the class that is both.
_shared_classes: dict[tuple[type, type], Any] = {}


def _shared_class(shim: type[_E], official: type) -> type[_E]:
    """An exception class that is both ``shim`` and ``official``, made once."""
    try:
        cached: type[_E] = _shared_classes[shim, official]
    except KeyError:
        pass
    else:
        return cached

    def __reduce__(self: Exception) -> Any:
        # Pickled as the shim class alone: the process that unpickles it may
        # not have the official library, and the class made here has no
        # importable name.
        plain = shim.__new__(shim)
        plain.__dict__.update(self.__dict__)
        plain.args = self.args
        return plain.__reduce__()

    namespace = {
        "__module__": shim.__module__,
        "__qualname__": shim.__qualname__,
        "__doc__": f"{shim.__doc__}\n\nRaised by the official library as its "
        f"{official.__name__}, which this also is.",
        "__reduce__": __reduce__,
    }
    shared: type[_E] = type(shim.__name__, (shim, official), namespace)
    return _shared_classes.setdefault((shim, official), shared)  # type: ignore[no-any-return]
