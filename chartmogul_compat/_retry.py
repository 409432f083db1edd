"""When to retry a request, and how long to wait first.

The policy is pure arithmetic over what happened so far; the transport asks it
after each failed attempt. Sleep, clock and randomness are injectable so tests
neither wait nor depend on chance.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEFAULT_RETRY_BUDGET",
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "RetryPolicy",
    "parse_retry_after",
]

#: Statuses worth another try: rate limiting, and the server or its load
#: balancer failing (520 and 524 are Cloudflare's). The official library's list.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 524})

#: Only these are retried: repeating them cannot create a second resource.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})

#: Seconds from the first attempt after which no retry starts. The official
#: defaults (20 retries, factor 2) could otherwise sleep for half an hour.
DEFAULT_RETRY_BUDGET = 60.0

#: The longest single backoff sleep, before jitter.
MAX_BACKOFF = 30.0


class RetryPolicy:
    """Capped exponential backoff with jitter, within a total time budget.

    After the n-th failure (n from 0) the wait is
    ``min(MAX_BACKOFF, backoff_factor * 2**n)``, scaled by a random factor in
    [0.5, 1.0) so that many clients do not retry in step. A ``Retry-After``
    from the server replaces that wait. No retry starts when ``max_retries``
    are used up, or when the wait would end past ``budget`` seconds after the
    first attempt began.
    """

    __slots__ = ("_random", "backoff_factor", "budget", "clock", "max_retries", "sleep")

    def __init__(
        self,
        max_retries: int,
        backoff_factor: float,
        budget: float = DEFAULT_RETRY_BUDGET,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] | None = None,
    ) -> None:
        self.max_retries = max_retries
        self.backoff_factor = backoff_factor
        self.budget = budget
        self.sleep = sleep
        self.clock = clock
        self._random = random

    def delay(
        self, retries_done: int, elapsed: float, retry_after: float | None = None
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to stop retrying."""
        if retries_done >= self.max_retries:
            return None

        if retry_after is not None:
            wait = retry_after
        else:
            # The exponent is capped: past 2**32 the wait is MAX_BACKOFF anyway,
            # and a float overflows near 2**1024.
            backoff = min(MAX_BACKOFF, self.backoff_factor * 2 ** min(retries_done, 32))
            wait = backoff * (0.5 + self._next_random() / 2)

        if elapsed + wait > self.budget:
            return None
        return wait

    def _next_random(self) -> float:
        if self._random is None:
            # Deferred: `random` pulls in hashlib and more, and most
            # processes never retry.
            import random

            self._random = random.random
        return self._random()

    def __repr__(self) -> str:
        return (
            f"RetryPolicy(max_retries={self.max_retries}, "
            f"backoff_factor={self.backoff_factor}, budget={self.budget})"
        )


def parse_retry_after(
    headers: Mapping[str, str], now: Callable[[], float] = time.time
) -> float | None:
    """Seconds asked for by a ``Retry-After`` header, or None.

    The header holds either a number of seconds or an HTTP-date. A date in the
    past means "now" (0). Anything unreadable is ignored, as if absent.
    """
    value = headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()

    # isdigit() alone would accept "²", which float() refuses.
    if value.isascii() and value.isdigit():
        return float(value)

    from email.utils import parsedate_to_datetime  # deferred: rare, and slow

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now())
