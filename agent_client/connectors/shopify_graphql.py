"""Shopify's GraphQL Admin API: the cost-bucket pacer, queries with Shopify's in-body errors, and
a customer's full address list read through `addressesV2`.

GraphQL calls draw on their own bucket per app and store — query-cost points, 2000 restoring
100/s on the standard plan — not on the REST bucket of 40 requests leaking 2/s that the customer
pages use. Reading address lists here leaves the whole REST bucket to the pages.

Shopify answers a throttled query with HTTP 200 (sometimes 429) and `errors[].extensions.code`
`THROTTLED`, and a failure of its own with `INTERNAL_SERVER_ERROR`: both are retried, up to the
client's `max_retries`. Any other entry in `errors` is a `PermanentError` with Shopify's message.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from agent_client.connectors.http import RetryingHttp, ServerMessage, backoff_delay, body_json
from agent_client.errors import AuthenticationError, PermanentError, RecordNotFound, RetryableError

THROTTLED = "THROTTLED"
RETRYABLE_CODES = frozenset({THROTTLED, "INTERNAL_SERVER_ERROR"})

# Every MailingAddress field that has a REST counterpart; `defaultAddress` gives REST's `default`.
# 250 is the most a connection gives per page.
ADDRESSES_QUERY = """
query CustomerAddresses($id: ID!, $after: String) {
  customer(id: $id) {
    defaultAddress { id }
    addressesV2(first: 250, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id firstName lastName company address1 address2 city province provinceCode
        country countryCodeV2 zip phone name
      }
    }
  }
}
"""


@dataclass(frozen=True)
class CostStatus:
    """`extensions.cost` of an answer: the bucket after it, and what the query asked for."""

    maximum: float
    available: float
    restore: float
    requested: float | None


def cost_status(body: Any) -> CostStatus | None:
    """The cost report of a GraphQL answer, or None when it has none (not JSON, an HTTP error page)."""
    try:
        cost = body["extensions"]["cost"]
        bucket = cost["throttleStatus"]
        status = CostStatus(
            maximum=float(bucket["maximumAvailable"]),
            available=float(bucket["currentlyAvailable"]),
            restore=float(bucket["restoreRate"]),
            requested=None if cost.get("requestedQueryCost") is None else float(cost["requestedQueryCost"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    return status if status.restore > 0 and status.maximum > 0 else None


class CostPacer:
    """Client-side model of the GraphQL cost bucket, fed by each answer's `throttleStatus`.

    Shopify charges a query's requested cost up front (refunding down to the actual cost after)
    and throttles it when fewer points are available. Before a request the pacer waits until the
    points it was last told of, restored at `restoreRate` since, cover the last requested cost:
    `(requestedQueryCost - currentlyAvailable) / restoreRate`, the wait Shopify's docs give. It
    paces one query, so the last requested cost is the next one's. Reservations not yet answered
    count as spent, so threads sharing the pacer do not all go for the same points. Nothing is
    known before the first answer: the first request goes at once. Same interface as
    `CallLimitPacer`, so `RetryingHttp` drives it; thread-safe.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.maximum: float | None = None
        self.restore: float | None = None
        self.cost = 0.0
        self._available = 0.0
        self._stamp = clock()  # the moment `_available` describes; may lie ahead (reserved points)
        self._in_flight = 0

    def reserve(self) -> float:
        with self._lock:
            now = self._clock()
            self._in_flight += 1
            if self.maximum is None or not self.restore:
                return 0.0
            start = max(now, self._stamp)
            available = min(self.maximum, self._available + (start - self._stamp) * self.restore)
            need = min(self.cost, self.maximum)
            extra = max(0.0, (need - available) / self.restore)
            self._available = available + extra * self.restore - need
            self._stamp = start + extra
            return self._stamp - now

    def settle(self, response: requests.Response | None) -> None:
        with self._lock:
            self._in_flight -= 1
            status = cost_status(body_json(response)) if response is not None else None
            if status is None:
                return
            self.maximum, self.restore = status.maximum, status.restore
            if status.requested is not None:
                self.cost = status.requested
            self._available = status.available - self.cost * self._in_flight
            self._stamp = self._clock()

    def available(self) -> float | None:
        """The modelled points available now (for logs and tests); None before the first answer."""
        with self._lock:
            if self.maximum is None or not self.restore:
                return None
            elapsed = max(self._clock() - self._stamp, 0.0)
            return min(self.maximum, self._available + elapsed * self.restore)


def graphql_error_message(errors: Any) -> ServerMessage | None:
    """`[{"message": …, "extensions": {"code": …}}, …]` as one message (the first code), else None."""
    if not isinstance(errors, list) or not errors or not all(isinstance(e, dict) for e in errors):
        return None
    if not all("message" in error for error in errors):
        return None
    codes = [_code(error) for error in errors]
    return ServerMessage(next((c for c in codes if c), None), "; ".join(str(e["message"]) for e in errors))


def _code(error: dict[str, Any]) -> str | None:
    extensions = error.get("extensions")
    code = extensions.get("code") if isinstance(extensions, dict) else None
    return str(code) if code else None


def gid_number(gid: Any) -> int:
    """`gid://shopify/MailingAddress/123?model_name=CustomerAddress` -> 123 (REST's integer id)."""
    text = str(gid) if isinstance(gid, str | int) else ""
    number = text.split("?", 1)[0].rsplit("/", 1)[-1]
    if not text.startswith("gid://shopify/") or not number.isdigit():
        raise PermanentError(f"Shopify answered an id that is not a Shopify global id: {gid!r}")
    return int(number)


def mailing_address_to_rest(node: dict[str, Any], customer_id: int, default_id: int | None) -> dict[str, Any]:
    """A GraphQL MailingAddress as `customers/{id}/addresses.json` lists it (same keys, same order)."""
    address_id = gid_number(node.get("id"))
    return {
        "id": address_id,
        "customer_id": customer_id,
        "first_name": node.get("firstName"),
        "last_name": node.get("lastName"),
        "company": node.get("company"),
        "address1": node.get("address1"),
        "address2": node.get("address2"),
        "city": node.get("city"),
        "province": node.get("province"),
        "country": node.get("country"),
        "zip": node.get("zip"),
        "phone": node.get("phone"),
        "name": node.get("name"),
        "province_code": node.get("provinceCode"),
        "country_code": node.get("countryCodeV2"),
        "country_name": node.get("country"),
        "default": address_id == default_id,
    }


class ShopifyGraphQL:
    """Queries one shop's `graphql.json` through the client's `RetryingHttp` (timeouts, network,
    5xx and 429 retries, request counts), paced on the cost bucket by its own `pacer`."""

    def __init__(
        self,
        *,
        http: RetryingHttp,
        url: str,
        shop_url: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self.url = url
        self.shop_url = shop_url
        self.pacer = CostPacer(clock=clock)
        self._what = f"POST {urlsplit(url).path}"
        self._rng = random.Random()
        self._rng_lock = threading.Lock()

    def query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The `data` of the answer; THROTTLED and INTERNAL_SERVER_ERROR answers are retried."""
        failures = 0
        while True:
            response = self._http.call(
                "POST", self.url, json_body={"query": query, "variables": variables}, pacer=self.pacer
            )
            body = self._http.json(response, self._what)
            if not isinstance(body, dict):
                raise PermanentError(
                    f"Shopify answered {self._what} with no JSON object", status=response.status_code
                )
            errors = body.get("errors")
            if not errors:
                data = body.get("data")
                if not isinstance(data, dict):
                    raise PermanentError(
                        f"Shopify answered {self._what} without data", status=response.status_code
                    )
                return data
            message = graphql_error_message(errors) or ServerMessage(None, str(errors))
            codes = {_code(e) for e in errors} if isinstance(errors, list) and message.code else set()
            if not codes or not codes <= RETRYABLE_CODES:
                raise self._refusal(message, response.status_code)
            if failures >= self._http.max_retries:
                raise RetryableError(
                    f"Shopify answered {message.code} {failures + 1} times in a row for {self._what}; "
                    f"last answer: {message.text}",
                    status=response.status_code,
                    code=message.code,
                )
            failures += 1
            self._http.stats.add("retries")
            delay = 0.0
            if THROTTLED in codes:
                self._http.stats.add("throttled")
            if not self._waits_for_points(body, codes):
                with self._rng_lock:
                    delay = backoff_delay(failures - 1, self._rng)
                self._http.stats.add("backoff_seconds", delay)
            self._http.pause(delay)

    def customer_addresses(self, customer_id: int) -> list[dict[str, Any]]:
        """Every address of the customer, shaped and ordered as REST's `addresses.json` lists them.

        A customer Shopify does not have (`customer: null`) raises `RecordNotFound`, as the 404 of
        REST's `customers/{id}/addresses.json` did.
        """
        gid = f"gid://shopify/Customer/{int(customer_id)}"
        addresses: list[dict[str, Any]] = []
        after: str | None = None
        default_id: int | None = None
        while True:
            customer = self.query(ADDRESSES_QUERY, {"id": gid, "after": after}).get("customer")
            if customer is None:
                raise RecordNotFound(f"Shopify has no customer {customer_id} (customer {gid} is null)")
            if after is None:  # one customer's addresses all get `default` from the same answer
                default = customer.get("defaultAddress")
                default_id = gid_number(default.get("id")) if isinstance(default, dict) else None
            connection = customer.get("addressesV2")
            nodes = connection.get("nodes") if isinstance(connection, dict) else None
            page_info = connection.get("pageInfo") if isinstance(connection, dict) else None
            if not isinstance(nodes, list) or not isinstance(page_info, dict):
                raise PermanentError(f"Shopify answered {self._what} without the addresses of {gid}")
            addresses += [mailing_address_to_rest(node, int(customer_id), default_id) for node in nodes]
            if not page_info.get("hasNextPage"):
                return addresses
            after = page_info.get("endCursor")
            if not after:
                raise PermanentError(f"Shopify answered {self._what} with a next page but no endCursor")

    def _waits_for_points(self, body: dict[str, Any], codes: set[str | None]) -> bool:
        """THROTTLED with a bucket short of the requested cost: the pacer, told of this answer,
        waits for exactly the missing points before the retry, so no backoff is added here."""
        status = cost_status(body)
        return (
            THROTTLED in codes
            and status is not None
            and status.requested is not None
            and status.available < status.requested
        )

    def _refusal(self, message: ServerMessage, status: int) -> PermanentError:
        if message.code == "ACCESS_DENIED":
            return AuthenticationError(
                f"Shopify refused {self._what} for {self.shop_url} ({message.text}): "
                "check that the app has the read_customers scope and protected customer data access",
                status=status,
                code=message.code,
            )
        return PermanentError(
            f"Shopify refused {self._what}: {message.text}", status=status, code=message.code
        )
