"""The REST pacer against a simulated Shopify bucket, in simulated time (no server, no sleeping)."""

import math

import pytest

from agent_client.connectors.shopify_pacing import CALL_LIMIT_HEADER, CallLimitPacer


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class _Bucket:
    """Shopify's side: leaks `leak`/s, counts a request when it arrives, reports the level rounded up."""

    def __init__(self, size=40, leak=2.0):
        self.size, self.leak, self.level, self.at, self.overflows = size, leak, 0.0, 0.0, 0

    def request(self, t: float) -> str:
        self.level = max(0.0, self.level - (t - self.at) * self.leak)
        self.at = t
        if self.level + 1 > self.size:
            self.overflows += 1
            return f"{self.size}/{self.size}"
        self.level += 1
        return f"{math.ceil(self.level)}/{self.size}"


class _Response:
    def __init__(self, header: str):
        self.status_code = 200
        self.headers = {CALL_LIMIT_HEADER: header}


@pytest.mark.parametrize("round_trip", [0.01, 0.1, 0.3])
def test_a_long_read_runs_at_the_leak_rate_and_never_overflows(round_trip):
    clock, bucket = _Clock(), _Bucket()
    pacer = CallLimitPacer(clock=clock)
    requests = 1000
    for _ in range(requests):
        clock.now += pacer.reserve()
        header = bucket.request(clock.now + 0.001)  # counted as it arrives
        clock.now += round_trip  # the answer (a page of customers) arrives a round trip later
        pacer.settle(_Response(header))
    assert bucket.overflows == 0
    # 39 at once, then one per half second: what the leak allows, whatever the round trip.
    ideal = (requests - 39) / 2.0
    assert clock.now <= ideal + round_trip + 0.5, (clock.now, ideal)
