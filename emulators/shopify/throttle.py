"""Shopify's leaky buckets: one per token for REST requests and one for GraphQL query cost.

Plans (REST size/leak per second; GraphQL points/restore per second): standard 40/2 and 2000/100,
advanced 80/4 and 4000/200, plus 400/20 and 20000/1000. GraphQL bucket sizes other than standard's are
inferred as 20 s of restore, as the reference notes say. `unlimited` never throttles (benchmarks, demos)
and reports an idle standard bucket so that clients pacing on the headers do not slow down.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    name: str
    rest_size: int
    rest_leak: float
    graphql_size: float
    graphql_restore: float
    enforced: bool = True


PLANS = {
    "standard": Plan("standard", 40, 2, 2000, 100),
    "advanced": Plan("advanced", 80, 4, 4000, 200),
    "plus": Plan("plus", 400, 20, 20000, 1000),
    "unlimited": Plan("unlimited", 40, 2, 2000, 100, enforced=False),
}


class LeakyBucket:
    """`level` fills with each use and drains at `rate` per second of monotonic time."""

    def __init__(self, size: float, rate: float) -> None:
        self.size = size
        self.rate = rate
        self.level = 0.0
        self._stamp = time.monotonic()

    def _drain(self) -> None:
        now = time.monotonic()
        self.level = max(0.0, self.level - (now - self._stamp) * self.rate)
        self._stamp = now

    def take(self, amount: float) -> bool:
        self._drain()
        if self.level + amount > self.size:
            return False
        self.level += amount
        return True

    def give_back(self, amount: float) -> None:
        self._drain()
        self.level = max(0.0, self.level - amount)

    def available(self) -> float:
        self._drain()
        return self.size - self.level

    def wait_for(self, amount: float) -> float:
        """Seconds until `amount` fits."""
        self._drain()
        return max(0.0, (self.level + amount - self.size) / self.rate)


@dataclass
class RestVerdict:
    allowed: bool
    call_limit: str  # X-Shopify-Shop-Api-Call-Limit, "used/size"
    retry_after: str | None = None


@dataclass
class CostVerdict:
    allowed: bool
    maximum: float
    available: float
    restore: float


class Throttle:
    def __init__(self, plan: str = "standard") -> None:
        self._lock = threading.Lock()
        self.set_plan(plan)

    def set_plan(self, name: str) -> None:
        with self._lock:
            self.plan = PLANS[name]
            self._rest: dict[str, LeakyBucket] = {}
            self._graphql: dict[str, LeakyBucket] = {}
            self.burst_remaining = 0

    def set_burst(self, count: int) -> None:
        with self._lock:
            self.burst_remaining = max(0, count)

    def rest_level(self, token: str) -> str:
        """The call-limit header value right now, without counting a call (for refused requests)."""
        plan = self.plan
        with self._lock:
            bucket = self._rest.get(token)
            level = bucket.level if bucket is not None and plan.enforced else 1
            return f"{min(max(math.ceil(level), 1), plan.rest_size)}/{plan.rest_size}"

    def rest(self, token: str) -> RestVerdict:
        plan = self.plan
        with self._lock:
            bucket = self._rest.get(token)
            if bucket is None:
                bucket = self._rest[token] = LeakyBucket(plan.rest_size, plan.rest_leak)
            if self.burst_remaining:
                self.burst_remaining -= 1
                return RestVerdict(False, f"{plan.rest_size}/{plan.rest_size}", _seconds(1 / plan.rest_leak))
            if not plan.enforced:
                return RestVerdict(True, f"1/{plan.rest_size}")
            if not bucket.take(1):
                return RestVerdict(False, f"{plan.rest_size}/{plan.rest_size}", _seconds(bucket.wait_for(1)))
            used = min(max(math.ceil(bucket.level), 1), plan.rest_size)
            return RestVerdict(True, f"{used}/{plan.rest_size}")

    def graphql_take(self, token: str, cost: float) -> CostVerdict:
        plan = self.plan
        with self._lock:
            bucket = self._graphql_bucket(token)
            burst = self.burst_remaining > 0
            if burst:
                self.burst_remaining -= 1
            allowed = not burst and (not plan.enforced or bucket.take(cost))
            return CostVerdict(allowed, bucket.size, self._available(bucket), plan.graphql_restore)

    def graphql_refund(self, token: str, amount: float) -> CostVerdict:
        plan = self.plan
        with self._lock:
            bucket = self._graphql_bucket(token)
            bucket.give_back(amount)
            return CostVerdict(True, bucket.size, self._available(bucket), plan.graphql_restore)

    def _graphql_bucket(self, token: str) -> LeakyBucket:
        bucket = self._graphql.get(token)
        if bucket is None:
            bucket = self._graphql[token] = LeakyBucket(self.plan.graphql_size, self.plan.graphql_restore)
        return bucket

    def _available(self, bucket: LeakyBucket) -> float:
        return bucket.size if not self.plan.enforced else math.floor(bucket.available())


def _seconds(value: float) -> str:
    """Retry-After as Shopify writes it (`2.0`), rounded up to a tenth so a client that waits it succeeds."""
    return f"{max(math.ceil(value * 10) / 10, 0.1):.1f}"
