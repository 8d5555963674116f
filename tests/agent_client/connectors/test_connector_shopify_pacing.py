"""The call-limit pacer: exact in virtual time, then against a fast-leaking fake bucket."""

from __future__ import annotations

import math

import pytest
import requests

from agent_client.connectors.shopify import ShopifyClient
from agent_client.connectors.shopify_pacing import CallLimitPacer, leak_for_size, parse_call_limit

from .conftest import SHOPIFY_TOKEN


class VirtualShop:
    """Shopify's bucket in virtual time, answering like the real header (level rounded up)."""

    def __init__(self, size: int, leak: float, latency: float) -> None:
        self.size, self.leak, self.latency = size, leak, latency
        self.now = 0.0
        self.level = 0.0
        self.stamp = 0.0
        self.throttled = 0

    def clock(self) -> float:
        return self.now

    def serve(self) -> requests.Response:
        self.now += self.latency / 2
        self.level = max(0.0, self.level - (self.now - self.stamp) * self.leak)
        self.stamp = self.now
        response = requests.Response()
        if self.level + 1 > self.size:
            self.throttled += 1
            response.status_code = 429
            response.headers["X-Shopify-Shop-Api-Call-Limit"] = f"{self.size}/{self.size}"
        else:
            self.level += 1
            response.status_code = 200
            response.headers["X-Shopify-Shop-Api-Call-Limit"] = f"{max(1, math.ceil(self.level))}/{self.size}"
        self.now += self.latency / 2
        return response


@pytest.mark.parametrize(("size", "leak", "latency"), [(40, 2.0, 0.3), (80, 4.0, 0.15), (400, 20.0, 0.03)])
def test_it_reads_long_runs_at_the_leak_rate_without_a_429(size, leak, latency):
    # Latency below 1/leak: a serial reader could go faster than the bucket allows.
    shop = VirtualShop(size, leak, latency=latency)
    pacer = CallLimitPacer(clock=shop.clock)

    for _ in range(3000):
        shop.now += pacer.reserve()
        pacer.settle(shop.serve())

    steady_rate = (3000 - size) / shop.now
    assert shop.throttled == 0
    assert pacer.leak_rate == leak
    assert steady_rate >= 0.95 * leak
    assert steady_rate <= leak


def test_it_bursts_while_the_bucket_has_room():
    shop = VirtualShop(40, 2.0, latency=0.001)
    pacer = CallLimitPacer(clock=shop.clock)

    waits = []
    for _ in range(39):
        waits.append(pacer.reserve())
        shop.now += waits[-1]
        pacer.settle(shop.serve())

    assert waits == [0.0] * 39  # the level after each stays <= size - 1
    assert pacer.reserve() > 0


def test_it_takes_the_bucket_as_full_after_a_429():
    clock = [0.0]
    pacer = CallLimitPacer(clock=lambda: clock[0])
    throttled = requests.Response()
    throttled.status_code = 429
    throttled.headers["X-Shopify-Shop-Api-Call-Limit"] = "40/40"

    pacer.reserve()
    pacer.settle(throttled)

    assert pacer.reserve() == pytest.approx(1.0)  # level 40 must leak to 38 before the next call


@pytest.mark.parametrize(
    ("header", "expected"),
    [("32/40", (32, 40)), (" 1 / 80 ", (1, 80)), ("", None), ("x/40", None), ("3/0", None)],
)
def test_it_parses_the_call_limit_header(header, expected):
    assert parse_call_limit(header) == expected


@pytest.mark.parametrize(("size", "leak"), [(40, 2.0), (80, 4.0), (400, 20.0), (100, 5.0)])
def test_it_infers_the_leak_rate_from_the_bucket_size(size, leak):
    assert leak_for_size(size) == leak


def test_a_real_read_keeps_90_percent_of_a_fast_bucket_and_never_overruns_it(fake_shopify):
    fake, url = fake_shopify(count=80, size=10, leak=20.0)
    shopify = ShopifyClient(shop_url=url, token=SHOPIFY_TOKEN, page_size=1, leak_rate=20.0)

    ids = [row["id"] for page in shopify.customers_updated_since(None) for row in page]

    log = fake.requests_for("customers.json")
    assert ids == list(range(1, 81))
    assert [status for *_, status in log] == [200] * 80
    assert shopify.stats.throttled == 0
    # Once the first burst has filled the bucket, requests must come at the leak rate.
    steady = [at for at, *_ in log[10:]]
    rate = (len(steady) - 1) / (steady[-1] - steady[0])
    assert rate >= 0.9 * 20.0
    assert shopify.stats.paced_seconds > 0
