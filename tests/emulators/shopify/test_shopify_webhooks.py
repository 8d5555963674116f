"""Webhook deliveries: Shopify's headers, a verifiable HMAC, retries, duplicates, out-of-order."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time

from emulators.shopify.webhooks import PAYLOAD_FIELDS_2025


def shopify_verify(raw_body: bytes, header_value: str, client_secret: str) -> bool:
    """Shopify's documented verification: base64 HMAC-SHA256 of the raw body with the app's client secret."""
    digest = base64.b64encode(hmac.new(client_secret.encode(), raw_body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(digest, header_value)


def _subscribe(emulator, receiver, topic: str = "customers/update") -> dict:
    response = emulator.send(
        "POST", "/webhooks.json", {"webhook": {"topic": topic, "address": receiver.url, "format": "json"}}
    )
    assert response.status_code == 201
    return response.json()["webhook"]


def _rename(emulator, customer_id: int, name: str) -> None:
    response = emulator.send("PUT", f"/customers/{customer_id}.json", {"customer": {"first_name": name}})
    assert response.status_code == 200


def test_it_delivers_customers_update_with_every_header_and_a_verifiable_hmac(emulator, receiver):
    subscription = _subscribe(emulator, receiver)
    assert subscription["api_version"] == "2025-07"
    customer_id = sorted(emulator.shop.store.by_id)[3]
    _rename(emulator, customer_id, "Zoë")
    (delivery,) = receiver.wait_for(1)
    headers = delivery.headers
    assert delivery.path == "/hooks/shopify"
    assert shopify_verify(
        delivery.body, headers["X-Shopify-Hmac-Sha256"], emulator.shop.config.webhook_secret
    )
    assert not shopify_verify(
        delivery.body + b" ", headers["X-Shopify-Hmac-Sha256"], emulator.shop.config.webhook_secret
    )
    assert headers["X-Shopify-Topic"] == "customers/update"
    assert headers["X-Shopify-Shop-Domain"] == "ferry-demo.myshopify.com"
    assert headers["X-Shopify-API-Version"] == "2025-07"
    assert headers["Content-Type"] == "application/json"
    uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    assert re.fullmatch(uuid, headers["X-Shopify-Webhook-Id"])
    assert re.fullmatch(uuid, headers["X-Shopify-Event-Id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", headers["X-Shopify-Triggered-At"])
    payload = json.loads(delivery.body)
    assert list(payload) == list(PAYLOAD_FIELDS_2025)
    assert (payload["id"], payload["first_name"]) == (customer_id, "Zoë")
    assert (
        payload["updated_at"]
        == emulator.get(f"/customers/{customer_id}.json").json()["customer"]["updated_at"]
    )
    assert emulator.control("GET", "stats").json()["webhooks"]["delivered"] == 1


def test_it_retries_non_2xx_with_backoff_and_the_same_payload(emulator, receiver):
    emulator.control("POST", "webhooks", {"retry_base_s": 0.05})
    _subscribe(emulator, receiver)
    receiver.statuses = [500, 404]
    _rename(emulator, sorted(emulator.shop.store.by_id)[0], "Retry")
    deliveries = receiver.wait_for(3)
    assert len({d.headers["X-Shopify-Webhook-Id"] for d in deliveries}) == 1
    assert len({d.body for d in deliveries}) == 1
    hooks = emulator.control("GET", "webhooks").json()
    assert [entry["status"] for entry in hooks["log"]] == [500, 404, 200]
    assert [entry["attempt"] for entry in hooks["log"]] == [1, 2, 3]
    assert (hooks["delivered"], hooks["failed_attempts"], hooks["gave_up"]) == (1, 2, 0)


def test_it_gives_up_after_max_attempts(emulator, receiver):
    emulator.control("POST", "webhooks", {"retry_base_s": 0.01, "max_attempts": 2})
    _subscribe(emulator, receiver)
    receiver.statuses = [500, 500, 500]
    _rename(emulator, sorted(emulator.shop.store.by_id)[0], "Lost")
    receiver.wait_for(2)
    # The receiver has answered the second attempt; the emulator records it a moment later.
    deadline = time.monotonic() + 5
    while (hooks := emulator.control("GET", "webhooks").json())[
        "gave_up"
    ] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (hooks["delivered"], hooks["failed_attempts"], hooks["gave_up"]) == (0, 2, 1)


def test_it_injects_exact_duplicate_deliveries(emulator, receiver):
    emulator.control("POST", "webhooks", {"duplicate_rate": 1})
    _subscribe(emulator, receiver)
    _rename(emulator, sorted(emulator.shop.store.by_id)[0], "Twice")
    first, second = receiver.wait_for(2)
    assert first.headers["X-Shopify-Webhook-Id"] == second.headers["X-Shopify-Webhook-Id"]
    assert first.body == second.body
    assert emulator.control("GET", "stats").json()["webhooks"]["duplicates_sent"] == 1


def test_it_injects_out_of_order_deliveries(emulator, receiver):
    emulator.control("POST", "webhooks", {"reorder_window": 3})
    _subscribe(emulator, receiver)
    customer_id = sorted(emulator.shop.store.by_id)[0]
    for name in ("One", "Two", "Three"):
        _rename(emulator, customer_id, name)
    deliveries = receiver.wait_for(3)
    assert [json.loads(d.body)["first_name"] for d in deliveries] == ["Three", "Two", "One"]


def test_it_fires_a_webhook_for_every_touched_customer_and_create(emulator, receiver):
    _subscribe(emulator, receiver)
    _subscribe(emulator, receiver, "customers/create")
    touched = emulator.control("POST", "touch", {"count": 3, "seed": 11}).json()["touched"]
    emulator.send("POST", "/customers.json", {"customer": {"email": "new.person@example.com"}})
    deliveries = receiver.wait_for(4)
    topics = [d.headers["X-Shopify-Topic"] for d in deliveries]
    assert topics == ["customers/update"] * 3 + ["customers/create"]
    assert [json.loads(d.body)["id"] for d in deliveries[:3]] == [t["id"] for t in touched]


def test_it_validates_subscriptions(emulator, receiver):
    bad = emulator.send("POST", "/webhooks.json", {"webhook": {"topic": "orders/paid", "address": "nowhere"}})
    assert bad.status_code == 422
    assert bad.json()["errors"]["address"] == ["is invalid"]
    assert bad.json()["errors"]["topic"][0].startswith("Invalid topic specified: orders/paid.")
    subscription = _subscribe(emulator, receiver)
    again = emulator.send(
        "POST", "/webhooks.json", {"webhook": {"topic": "customers/update", "address": receiver.url}}
    )
    assert again.json() == {"errors": {"address": ["for this topic has already been taken"]}}
    assert emulator.get("/webhooks.json").json() == {"webhooks": [subscription]}
    assert emulator.send("DELETE", f"/webhooks/{subscription['id']}.json").status_code == 200
    assert emulator.get("/webhooks/count.json").json() == {"count": 0}
