"""Time as Shopify shows it, and the lenient parsing real clients need.

The shop lives at one fixed offset (-05:00) so that timestamps, which some clients compare as strings,
order the same lexically and chronologically. Internally every instant is an int of microseconds since
the epoch: two edits in the same second still get distinct, increasing sort keys while the API renders
whole seconds like Shopify does.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone

SHOP_TZ = timezone(timedelta(hours=-5))
US = 1_000_000


def to_us(moment: datetime) -> int:
    return int(moment.timestamp()) * US + moment.microsecond


def shop_time(us: int) -> str:
    """`2024-01-05T10:11:12-05:00` — REST and webhook payloads."""
    return datetime.fromtimestamp(us // US, SHOP_TZ).isoformat()


def utc_time(us: int) -> str:
    """`2024-01-05T15:11:12Z` — GraphQL `DateTime`."""
    return datetime.fromtimestamp(us // US, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> float | None:
    """Seconds since the epoch for any date format real clients send, or None for an empty value.

    Accepted: `2020-01-01`, `2025-04-01 16:29:45`, `2024-01-01 00:00:00+00:00`, `...T...-04:00`, `...Z`.
    A value without offset is read in the shop's time zone, as Shopify does. Raises ValueError otherwise.
    """
    if text is None:
        return None
    text = text.strip().strip("'\"")
    if not text:
        return None
    # `+` in an offset may arrive decoded as a space when a client forgot to URL-encode it.
    if len(text) > 19 and text[-6] == " " and text[-5:-3].isdigit():
        text = text[:-6] + "+" + text[-5:]
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHOP_TZ)
    return moment.timestamp()


class MonotonicClock:
    """Hands out strictly increasing microsecond timestamps close to wall-clock time."""

    def __init__(self, floor_us: int = 0) -> None:
        self._last = floor_us
        self._lock = threading.Lock()

    def advance_to(self, us: int) -> None:
        with self._lock:
            self._last = max(self._last, us)

    def now_us(self) -> int:
        with self._lock:
            self._last = max(time.time_ns() // 1000, self._last + 1)
            return self._last
