"""Client-side model of Shopify's REST leaky bucket, fed by `X-Shopify-Shop-Api-Call-Limit`.

Shopify counts every REST call into a bucket per app and store (`used/size` in the header) that
leaks at a plan-dependent rate; a call that would overflow it is answered 429. Rather than react
to 429s, the pacer keeps a local copy of the bucket: the level decays at the leak rate with
monotonic time, each request adds one, and each response resets the level to what Shopify
reported (plus the requests still in flight, which Shopify had not counted yet).

Before a request the pacer waits exactly until the level after the request will be at most
`size - headroom`. So a burst runs at full speed while the bucket has room, and a long read
settles at one request per `1 / leak` seconds with the bucket just below full: the leak rate is
used completely (nothing waits longer than needed) and no request ever overflows it.

The header describes the bucket when Shopify counted the request, not when its answer arrived, so
the reported level is dated at the moment the request was sent. Dated at arrival instead (as
this pacer first did), every answer put back the leak of the request's whole round trip (a page
of 250 customers takes 50–150 ms): each request waited that much longer than needed and a long
read ran at ~1.93 instead of 2 requests/s. The header also rounds up, so the local level stays at
or above Shopify's: any error is on the safe side.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import requests

CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"
# Bucket size -> leak per second for Shopify's plans (standard, advanced, plus).
LEAK_BY_SIZE = {40: 2.0, 80: 4.0, 400: 20.0}


def leak_for_size(size: int) -> float:
    """Every known plan drains its bucket in 20 seconds; assume the same for an unknown size."""
    return LEAK_BY_SIZE.get(size, size / 20)


def parse_call_limit(value: str | None) -> tuple[int, int] | None:
    """`"32/40"` -> (32, 40); None when absent or malformed."""
    if not value:
        return None
    used, _, size = value.partition("/")
    try:
        parsed = int(used.strip()), int(size.strip())
    except ValueError:
        return None
    return parsed if parsed[1] > 0 and parsed[0] >= 0 else None


class CallLimitPacer:
    """Thread-safe: the prefetch thread and the caller's thread share one bucket."""

    def __init__(
        self,
        *,
        leak_rate: float | None = None,
        headroom: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._explicit_leak = leak_rate
        self.leak_rate = leak_rate
        self.size: int | None = None
        self.headroom = headroom
        self._clock = clock
        self._lock = threading.Lock()
        self._level = 0.0
        self._stamp = clock()  # the moment `_level` describes; may lie in the future (reserved slots)
        self._in_flight = 0
        self._sending = threading.local()  # per thread: when its reserved request goes out

    def reserve(self) -> float:
        with self._lock:
            now = self._clock()
            self._in_flight += 1
            if self.size is None or not self.leak_rate:
                # Nothing known before the first answer: an empty bucket is Shopify's starting state.
                self._sending.at = now
                return 0.0
            start = max(now, self._stamp)
            level = max(0.0, self._level - (start - self._stamp) * self.leak_rate)
            limit = max(self.size - self.headroom, 1)
            extra = max(0.0, (level + 1 - limit) / self.leak_rate)
            self._level = level - extra * self.leak_rate + 1
            self._stamp = start + extra
            self._sending.at = self._stamp
            return self._stamp - now

    def settle(self, response: requests.Response | None) -> None:
        with self._lock:
            self._in_flight -= 1
            reported = (
                parse_call_limit(response.headers.get(CALL_LIMIT_HEADER)) if response is not None else None
            )
            if reported is None:
                return
            used, size = reported
            self.size = size
            if self._explicit_leak is None:
                self.leak_rate = leak_for_size(size)
            if response is not None and response.status_code == 429:
                used = size
            now = self._clock()
            sent = min(getattr(self._sending, "at", now), now)
            # The level Shopify reported was the level at `sent`; requests still in flight, which
            # it had not counted, are added. Reservations made since are re-made from this level.
            level_now = max(0.0, used + self._in_flight - (now - sent) * (self.leak_rate or 0.0))
            self._level, self._stamp = level_now, now

    def level(self) -> float:
        """The modelled level now (for logs and tests)."""
        with self._lock:
            if not self.leak_rate:
                return self._level
            elapsed = self._clock() - self._stamp
            return max(0.0, self._level - max(elapsed, 0.0) * self.leak_rate)
