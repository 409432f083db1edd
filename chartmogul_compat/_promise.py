"""A settled, synchronous stand-in for the official library's promises.

The official library returns ``promise.Promise`` objects, and old code calls
``.get()``, ``.then(...)`` and ``.catch(...)`` on them. Requests here are
synchronous, so a `Promise` is created already settled: callbacks run at once,
and when ``.then(...)`` returns its callback has run.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, TypeVar

__all__ = ["Promise"]

T = TypeVar("T")


class Promise(Generic[T]):
    """The outcome of a call: a value, or the exception that was raised."""

    __slots__ = ("_error", "_value")

    def __init__(self, value: T | None = None, error: BaseException | None = None):
        self._value = value
        self._error = error

    @classmethod
    def resolve(cls, value: T) -> Promise[T]:
        """A promise fulfilled with ``value``."""
        return cls(value)

    @classmethod
    def reject(cls, error: BaseException) -> Promise[Any]:
        """A promise rejected with ``error``."""
        return cls(None, error)

    @classmethod
    def attempt(cls, function: Callable[[], T]) -> Promise[T]:
        """Call ``function`` now; fulfil with its result or reject with its error.

        A result that is itself a `Promise` is returned as it is, so chains
        flatten as the official library's promises do.
        """
        try:
            result = function()
        except Exception as error:
            return cls(None, error)
        if isinstance(result, Promise):
            return result
        return cls(result)

    @property
    def is_fulfilled(self) -> bool:
        return self._error is None

    @property
    def is_rejected(self) -> bool:
        return self._error is not None

    def get(self, timeout: float | None = None) -> T:
        """Return the value, or raise the error.

        ``timeout`` exists for the official signature; a settled promise never
        waits.
        """
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def then(
        self,
        on_fulfilled: Callable[[T], Any] | None = None,
        on_rejected: Callable[[BaseException], Any] | None = None,
    ) -> Promise[Any]:
        """Run the matching callback now and return a promise of its result.

        A callback that raises gives a rejected promise; a missing callback
        passes the value or error through.
        """
        if self._error is None:
            if on_fulfilled is None:
                return self
            value = self._value
            return Promise.attempt(lambda: on_fulfilled(value))  # type: ignore[arg-type]

        if on_rejected is None:
            return self
        error = self._error
        return Promise.attempt(lambda: on_rejected(error))

    def catch(self, on_rejected: Callable[[BaseException], Any]) -> Promise[Any]:
        """``then(None, on_rejected)``."""
        return self.then(None, on_rejected)

    def __repr__(self) -> str:
        if self._error is not None:
            return f"<Promise rejected: {type(self._error).__name__}>"
        return f"<Promise fulfilled: {self._value!r}>"
