"""Leaky buckets, call-limit headers and injected faults."""

from __future__ import annotations

import re
import time

from emulators.shopify.throttle import LeakyBucket, Throttle

EXCEEDED = "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."


def test_it_counts_requests_in_the_call_limit_header_and_answers_429_over_the_bucket(start_emulator):
    emulator = start_emulator(customers=5, plan="standard")
    limits = [
        emulator.get("/customers/count.json").headers["X-Shopify-Shop-Api-Call-Limit"] for _ in range(40)
    ]
    assert limits[0] == "1/40"
    assert all(re.fullmatch(r"\d+/40", value) for value in limits)
    over = emulator.get("/customers/count.json")
    assert over.status_code == 429
    assert over.json() == {"errors": EXCEEDED}
    assert over.headers["X-Shopify-Shop-Api-Call-Limit"] == "40/40"
    assert 0.1 <= float(over.headers["Retry-After"]) <= 0.5
    assert re.fullmatch(r"\d+\.\d", over.headers["Retry-After"])
    time.sleep(float(over.headers["Retry-After"]))
    assert emulator.get("/customers/count.json").status_code == 200
    assert emulator.control("GET", "stats").json()["throttled"] == 1


def test_it_uses_the_plan_sizes_and_switches_plan_at_runtime(start_emulator):
    emulator = start_emulator(customers=5, plan="plus")
    assert emulator.get("/shop.json").headers["X-Shopify-Shop-Api-Call-Limit"] == "1/400"
    assert emulator.control("POST", "plan", {"plan": "advanced"}).json()["rest"] == {
        "bucket_size": 80,
        "leak_per_second": 4,
    }
    assert emulator.get("/shop.json").headers["X-Shopify-Shop-Api-Call-Limit"] == "1/80"
    assert emulator.control("POST", "plan", {"plan": "gold"}).status_code == 400


def test_it_leaks_the_bucket_on_the_monotonic_clock():
    bucket = LeakyBucket(size=2, rate=100)
    assert bucket.take(1) and bucket.take(1) and not bucket.take(1)
    time.sleep(0.02)
    assert bucket.take(1)


def test_it_keeps_one_bucket_per_token():
    throttle = Throttle("standard")
    assert [throttle.rest("a").allowed for _ in range(41)].count(False) == 1
    assert throttle.rest("b").call_limit == "1/40"


def test_it_answers_the_next_k_requests_429_on_a_throttle_burst(emulator):
    emulator.control("POST", "faults", {"throttle_burst": 2})
    statuses = [emulator.get("/customers/count.json").status_code for _ in range(3)]
    assert statuses == [429, 429, 200]


def test_it_injects_5xx_with_shopify_bodies_and_latency(emulator):
    assert emulator.control("POST", "faults", {"error_rate": 1, "error_status": 503}).status_code == 200
    response = emulator.get("/customers.json")
    assert (response.status_code, response.json()) == (503, {"errors": "Service Unavailable"})
    emulator.control("POST", "faults", {"error_rate": 0, "latency_ms": 150})
    started = time.monotonic()
    assert emulator.get("/customers/count.json").status_code == 200
    assert time.monotonic() - started >= 0.15
    assert emulator.control("POST", "faults", {"error_status": 404}).json() == {
        "errors": ["error_status must be a 5xx status"]
    }
    assert emulator.control("GET", "stats").json()["faults_injected"] == 1


def test_it_answers_402_and_423_for_a_frozen_or_locked_shop(emulator):
    emulator.control("POST", "faults", {"shop_state": "frozen"})
    assert (emulator.get("/shop.json").status_code, emulator.get("/shop.json").json()) == (
        402,
        {"errors": "Unavailable Shop"},
    )
    emulator.control("POST", "faults", {"shop_state": "locked"})
    assert emulator.get("/shop.json").status_code == 423
