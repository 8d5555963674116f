"""Webhook subscriptions and a delivery worker that behaves like Shopify's.

Each change to a customer becomes one delivery per matching subscription: the body is rendered once at
trigger time (retries resend that same, possibly stale, payload, as Shopify does), signed with base64
HMAC-SHA256 of the exact bytes, and POSTed with the `X-Shopify-*` headers. A non-2xx answer or a network
error is retried with exponential backoff (`retry_base_s` × 2^n, `max_attempts` tries — Shopify uses 8
tries over 4 hours; tests shrink the base). Switches inject exact duplicate deliveries and out-of-order
delivery (fresh deliveries held back in groups of `reorder_window` and sent newest first).
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import http.client
import itertools
import random
import threading
import time
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from .clock import shop_time
from .models import Customer, dump

TOPICS = ("customers/create", "customers/update")
# 2025-01 removed marketing consent, tags and order summary fields from customers/* webhook payloads.
PAYLOAD_FIELDS_2025 = (
    "id", "email", "created_at", "updated_at", "first_name", "last_name", "state", "note", "verified_email",
    "multipass_identifier", "tax_exempt", "currency", "phone", "addresses", "tax_exemptions",
    "admin_graphql_api_id", "default_address",
)  # fmt: skip


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def webhook_body(customer: Customer, api_version: str, fields: list[str]) -> bytes:
    payload = customer.to_rest()
    if api_version >= "2025-01":
        payload = {k: payload[k] for k in PAYLOAD_FIELDS_2025}
    if fields:
        payload = {k: v for k, v in payload.items() if k in fields}
    return dump(payload)


@dataclass
class WebhookSettings:
    retry_base_s: float = 1.0
    max_attempts: int = 8
    timeout_s: float = 5.0
    duplicate_rate: float = 0.0  # share of deliveries sent a second time with the same Webhook-Id
    reorder_window: int = 0  # >1: hold fresh deliveries in groups of this size and send them reversed
    reorder_hold_s: float = 0.5  # a partial group is released after this long

    def validate(self) -> list[str]:
        problems = []
        if not 0 <= self.retry_base_s <= 3600:
            problems.append("retry_base_s must be between 0 and 3600")
        if not 1 <= self.max_attempts <= 20:
            problems.append("max_attempts must be between 1 and 20")
        if not 0 <= self.duplicate_rate <= 1:
            problems.append("duplicate_rate must be between 0 and 1")
        if self.reorder_window < 0:
            problems.append("reorder_window must be 0 or more")
        return problems


@dataclass
class Delivery:
    webhook_id: str
    event_id: str
    topic: str
    address: str
    api_version: str
    name: str | None
    customer_id: int
    body: bytes
    triggered_at: str
    attempt: int = 0


@dataclass
class WebhookStats:
    delivered: int = 0
    failed_attempts: int = 0
    gave_up: int = 0
    duplicates_sent: int = 0
    log: deque = field(default_factory=lambda: deque(maxlen=500))


class WebhookDispatcher:
    def __init__(self, secret: str, shop_domain: str, seed: int = 0) -> None:
        self.secret = secret
        self.shop_domain = shop_domain
        self.settings = WebhookSettings()
        self.subscriptions: dict[int, dict] = {}
        self.stats = WebhookStats()
        self._next_id = itertools.count(1_301_000_000_000 + seed * 7_919, 104_729)
        self._random = random.Random(seed)
        self._cond = threading.Condition()
        self._queue: list[tuple[float, int, Delivery]] = []
        self._held: list[Delivery] = []
        self._held_since = 0.0
        self._sequence = itertools.count()
        self._thread: threading.Thread | None = None
        self._stop = False

    # subscriptions -----------------------------------------------------------------------------------
    def subscribe(
        self, topic: str, address: str, api_version: str, fields: list[str], name: str | None
    ) -> dict:
        now = shop_time(time.time_ns() // 1000)
        subscription = {
            "id": next(self._next_id),
            "address": address,
            "topic": topic,
            "created_at": now,
            "updated_at": now,
            "format": "json",
            "fields": fields,
            "metafield_namespaces": [],
            "api_version": api_version,
            "private_metafield_namespaces": [],
        }
        if name:
            subscription["name"] = name
        self.subscriptions[subscription["id"]] = subscription
        return subscription

    def configure(self, values: dict) -> list[str]:
        unknown = set(values) - set(asdict(self.settings))
        if unknown:
            return [f"unknown webhook setting(s): {', '.join(sorted(unknown))}"]
        try:
            merged = WebhookSettings(**{**asdict(self.settings), **values})
            merged.max_attempts, merged.reorder_window = int(merged.max_attempts), int(merged.reorder_window)
            for name in ("retry_base_s", "timeout_s", "duplicate_rate", "reorder_hold_s"):
                setattr(merged, name, float(getattr(merged, name)))
        except (TypeError, ValueError) as exc:
            return [f"bad webhook setting: {exc}"]
        problems = merged.validate()
        if not problems:
            self.settings = merged
        return problems

    # delivery ----------------------------------------------------------------------------------------
    def customer_changed(self, customer: Customer, topic: str) -> None:
        targets = [s for s in self.subscriptions.values() if s["topic"] == topic]
        if not targets:
            return
        event_id = str(uuid.uuid4())
        triggered = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        for subscription in targets:
            body = webhook_body(customer, subscription["api_version"], subscription["fields"])
            delivery = Delivery(
                str(uuid.uuid4()), event_id, topic, subscription["address"], subscription["api_version"],
                subscription.get("name"), customer.id, body, triggered,
            )  # fmt: skip
            self._schedule(delivery, 0.0)

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + len(self._held)

    def _schedule(self, delivery: Delivery, delay: float) -> None:
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="shopify-webhooks", daemon=True)
                self._thread.start()
            heapq.heappush(self._queue, (time.monotonic() + delay, next(self._sequence), delivery))
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _next_batch(self) -> list[Delivery] | None:
        with self._cond:
            while not self._stop:
                now = time.monotonic()
                batch = []
                while self._queue and self._queue[0][0] <= now:
                    delivery = heapq.heappop(self._queue)[2]
                    if delivery.attempt == 0 and self.settings.reorder_window > 1:
                        if not self._held:
                            self._held_since = now
                        self._held.append(delivery)
                    else:
                        batch.append(delivery)
                window, hold = self.settings.reorder_window, self.settings.reorder_hold_s
                if self._held and (len(self._held) >= window or now - self._held_since >= hold):
                    batch.extend(reversed(self._held))
                    self._held = []
                if batch:
                    return batch
                waits = [self._queue[0][0] - now] if self._queue else []
                if self._held:
                    waits.append(self._held_since + hold - now)
                self._cond.wait(max(min(waits), 0.001) if waits else None)
            return None

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            for delivery in batch:
                ok = self._send(delivery, duplicate=False)
                if ok and self._random.random() < self.settings.duplicate_rate:
                    self.stats.duplicates_sent += 1
                    self._send(delivery, duplicate=True)

    def _send(self, delivery: Delivery, duplicate: bool) -> bool:
        if not duplicate:
            delivery.attempt += 1
        status = _post(delivery, self._headers(delivery), self.settings.timeout_s)
        ok = status is not None and 200 <= status < 300
        self.stats.log.append(
            {
                "webhook_id": delivery.webhook_id,
                "event_id": delivery.event_id,
                "topic": delivery.topic,
                "customer_id": delivery.customer_id,
                "address": delivery.address,
                "attempt": delivery.attempt,
                "duplicate": duplicate,
                "status": status,
            }
        )
        if duplicate:
            return ok
        if ok:
            self.stats.delivered += 1
        else:
            self.stats.failed_attempts += 1
            if delivery.attempt < self.settings.max_attempts:
                self._schedule(delivery, self.settings.retry_base_s * 2 ** (delivery.attempt - 1))
            else:
                self.stats.gave_up += 1
        return ok

    def _headers(self, delivery: Delivery) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": delivery.topic,
            "X-Shopify-Hmac-Sha256": sign(delivery.body, self.secret),
            "X-Shopify-Shop-Domain": self.shop_domain,
            "X-Shopify-API-Version": delivery.api_version,
            "X-Shopify-Webhook-Id": delivery.webhook_id,
            "X-Shopify-Triggered-At": delivery.triggered_at,
            "X-Shopify-Event-Id": delivery.event_id,
        }
        if delivery.name:
            headers["X-Shopify-Name"] = delivery.name
        return headers

    def as_dict(self) -> dict:
        return {
            "settings": asdict(self.settings),
            "subscriptions": list(self.subscriptions.values()),
            "delivered": self.stats.delivered,
            "failed_attempts": self.stats.failed_attempts,
            "gave_up": self.stats.gave_up,
            "duplicates_sent": self.stats.duplicates_sent,
            "pending": self.pending(),
            "log": list(self.stats.log),
        }


def _post(delivery: Delivery, headers: dict[str, str], timeout: float) -> int | None:
    """POST the exact body bytes; the status code, or None when the receiver could not be reached."""
    url = urlsplit(delivery.address)
    connection_class = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    try:
        connection = connection_class(url.hostname or "", url.port, timeout=timeout)
        try:
            connection.request("POST", path, body=delivery.body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()
    except (OSError, http.client.HTTPException):
        return None
