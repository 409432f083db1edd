"""The settled Promise that stands in for the official library's."""

from __future__ import annotations

import pytest

from chartmogul_compat import Promise


def test_get_returns_the_value() -> None:
    assert Promise.resolve(5).get() == 5
    assert Promise.resolve(5).get(timeout=1) == 5


def test_get_raises_the_error() -> None:
    error = ValueError("boom")
    with pytest.raises(ValueError, match=r"^boom$") as caught:
        Promise.reject(error).get()
    assert caught.value is error


def test_then_runs_the_callback_before_returning() -> None:
    seen: list[int] = []

    def record(value: int) -> int:
        seen.append(value)
        return value * 10

    chained = Promise.resolve(2).then(record)
    assert seen == [2]
    assert chained.get() == 20


def test_then_on_rejection_runs_the_error_callback() -> None:
    error = KeyError("x")
    recovered = Promise.reject(error).then(
        None, lambda e: f"handled {type(e).__name__}"
    )
    assert recovered.get() == "handled KeyError"


def test_a_raising_callback_rejects_the_chained_promise() -> None:
    def fail(value: int) -> int:
        raise RuntimeError(f"bad {value}")

    chained = Promise.resolve(1).then(fail)
    assert chained.is_rejected
    with pytest.raises(RuntimeError, match=r"^bad 1$"):
        chained.get()


def test_missing_callbacks_pass_the_outcome_through() -> None:
    fulfilled = Promise.resolve(3)
    assert fulfilled.then(None, lambda e: 0) is fulfilled
    rejected = Promise.reject(OSError())
    assert rejected.then(lambda v: 0) is rejected


def test_catch_is_then_with_only_an_error_callback() -> None:
    assert Promise.reject(OSError("x")).catch(lambda e: str(e)).get() == "x"
    assert Promise.resolve(4).catch(lambda e: 0).get() == 4


def test_attempt_captures_exceptions_but_not_base_exceptions() -> None:
    assert Promise.attempt(lambda: 1 / 0).is_rejected
    with pytest.raises(KeyboardInterrupt):
        Promise.attempt(_interrupt)


def _interrupt() -> None:
    raise KeyboardInterrupt


def test_repr_says_the_state() -> None:
    assert repr(Promise.resolve("pong!")) == "<Promise fulfilled: 'pong!'>"
    assert repr(Promise.reject(ValueError("k"))) == "<Promise rejected: ValueError>"


def test_a_callback_returning_a_promise_is_flattened() -> None:
    chained = Promise.resolve(1).then(lambda value: Promise.resolve(value + 1))
    assert chained.get() == 2
    failed = Promise.resolve(1).then(lambda value: Promise.reject(OSError("no")))
    with pytest.raises(OSError, match=r"^no$"):
        failed.get()
