"""RetryPolicy arithmetic and Retry-After parsing, with no sleeping."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chartmogul_compat._retry import MAX_BACKOFF, RetryPolicy, parse_retry_after


def _policy(**kwargs: float) -> RetryPolicy:
    settings = {"max_retries": 20, "backoff_factor": 2.0, "budget": 60.0}
    settings.update(kwargs)
    return RetryPolicy(
        int(settings["max_retries"]),
        settings["backoff_factor"],
        settings["budget"],
        random=lambda: 1.0,  # the top of the jitter range: no reduction
    )


def test_backoff_doubles_from_the_factor() -> None:
    policy = _policy(budget=1000)
    assert [policy.delay(n, 0) for n in range(6)] == [2, 4, 8, 16, 30, 30]


def test_jitter_scales_the_wait_into_its_upper_half() -> None:
    policy = RetryPolicy(5, 2.0, 60, random=lambda: 0.0)
    assert policy.delay(2, 0) == 4.0  # 8 s at the bottom of [0.5, 1.0)


def test_no_retry_once_max_retries_are_used() -> None:
    policy = _policy(max_retries=2)
    assert policy.delay(1, 0) == 4
    assert policy.delay(2, 0) is None


def test_zero_retries_turns_retrying_off() -> None:
    assert _policy(max_retries=0).delay(0, 0) is None


def test_zero_backoff_retries_at_once() -> None:
    assert _policy(backoff_factor=0).delay(3, 0) == 0


def test_retry_after_replaces_the_backoff() -> None:
    assert _policy().delay(0, 0, retry_after=7) == 7


def test_a_wait_past_the_budget_is_not_taken() -> None:
    policy = _policy(budget=10)
    assert policy.delay(0, 7.9) == 2
    assert policy.delay(0, 8.1) is None
    assert policy.delay(0, 0, retry_after=11) is None


@given(
    retries=st.integers(min_value=0, max_value=5000),
    elapsed=st.floats(min_value=0, max_value=120),
    jitter=st.floats(min_value=0, max_value=0.999),
)
def test_delay_never_exceeds_the_cap_or_the_budget(
    retries: int, elapsed: float, jitter: float
) -> None:
    policy = RetryPolicy(10_000, 2.0, 60.0, random=lambda: jitter)
    wait = policy.delay(retries, elapsed)
    if wait is None:
        return
    assert 0 <= wait <= MAX_BACKOFF
    assert elapsed + wait <= 60.0


def test_default_random_is_used_when_none_is_given() -> None:
    policy = RetryPolicy(3, 2.0, 60.0)
    wait = policy.delay(0, 0)
    assert wait is not None
    assert 1.0 <= wait < 2.0


NOW = datetime(2026, 12, 3, 18, 0, 0, tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        ("120", 120.0),
        (" 3 ", 3.0),
        (
            format_datetime(
                datetime(2026, 12, 3, 18, 0, 30, tzinfo=timezone.utc), usegmt=True
            ),
            30.0,
        ),
        ("Thu, 03 Dec 2026 17:59:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("\u00b2", None),
        ("", None),
    ],
    ids=[
        "zero",
        "seconds",
        "spaces",
        "date",
        "past-date",
        "word",
        "negative",
        "fraction",
        "superscript",
        "empty",
    ],
)
def test_parse_retry_after_reads_seconds_and_dates(
    value: str, seconds: float | None
) -> None:
    assert parse_retry_after({"Retry-After": value}, now=lambda: NOW) == seconds


def test_parse_retry_after_absent_is_none() -> None:
    assert parse_retry_after({}) is None
