"""Shopify Admin API: customers changed since a cursor, one customer, its addresses, the shop.

Every request goes through `RetryingHttp` (timeouts, retries, `Retry-After`). REST requests share
the `CallLimitPacer`, so the app's REST bucket is never overrun however many threads read. Pages
follow the `Link: <…>; rel="next"` URL exactly as Shopify gives it: its `page_info` carries the
filters, and Shopify refuses the filters repeated next to it. A customer's full address list is
read through GraphQL (`shopify_graphql`), whose cost bucket is separate from the REST one.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import requests

from agent_client.connectors.http import RetryingHttp, ServerMessage, body_json, snippet
from agent_client.connectors.shopify_graphql import ShopifyGraphQL, graphql_error_message
from agent_client.connectors.shopify_pacing import CallLimitPacer
from agent_client.errors import AuthenticationError, PermanentError, RecordNotFound

Page = tuple[list[dict[str, Any]], str | None]


def shopify_message(response: requests.Response) -> ServerMessage:
    """Shopify errors are `{"errors": …}` holding a string, a list or field -> message(s); GraphQL's
    are a list of `{"message", "extensions": {"code"}}`."""
    data = body_json(response)
    errors = data.get("errors", data.get("error")) if isinstance(data, dict) else None
    if errors is None:
        return ServerMessage(None, snippet(response.text) or response.reason or "")
    return graphql_error_message(errors) or ServerMessage(None, _flatten_errors(errors))


def _flatten_errors(errors: Any) -> str:
    if isinstance(errors, str):
        return errors
    if isinstance(errors, list):
        return "; ".join(_flatten_errors(item) for item in errors)
    if isinstance(errors, dict):
        parts = []
        for field, messages in errors.items():
            for message in messages if isinstance(messages, list) else [messages]:
                text = _flatten_errors(message)
                # {"updated_at_min": "updated_at_min cannot be passed…"} already names the field.
                parts.append(text if text.startswith(str(field)) else f"{field} {text}")
        return "; ".join(parts)
    return str(errors)


@dataclass(frozen=True)
class _ReadEnd:
    """The reader thread is done: at the last page (error None) or with this error."""

    error: BaseException | None


class ShopifyClient:
    """Reads one shop. Thread-safe; `stats` counts requests, 429s, retries and waits."""

    def __init__(
        self,
        *,
        shop_url: str,
        token: str,
        api_version: str = "2025-07",
        timeout: tuple[float, float] = (5.0, 30.0),
        max_retries: int = 8,
        page_size: int = 250,
        prefetch_pages: int = 4,
        leak_rate: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.shop_url = shop_url.rstrip("/")
        self.api_version = api_version
        self.page_size = page_size
        self.prefetch_pages = max(1, prefetch_pages)
        self._token = token
        self.pacer = CallLimitPacer(leak_rate=leak_rate, clock=clock)
        self._http = RetryingHttp(
            service="Shopify",
            configure_session=self._configure_session,
            parse_error=shopify_message,
            refusal=self._refusal,
            timeout=timeout,
            max_retries=max_retries,
            sleep=sleep,
        )
        self.stats = self._http.stats
        self.graphql = ShopifyGraphQL(
            http=self._http, url=self._url("graphql.json"), shop_url=self.shop_url, clock=clock
        )

    def customers_updated_since(self, updated_at_min: str | None) -> Iterator[list[dict[str, Any]]]:
        """Pages of customers with `updated_at >= updated_at_min` (None = all), oldest change first.

        Pages are fetched on a background thread while the caller works, up to `prefetch_pages`
        ahead: under a throttled plan the reader then never waits for a slow page of writes, so the
        read runs at the leak rate. An error of a fetch is raised here, when the caller reaches
        that page. Closing the generator early (break, `close()`) stops the fetch and joins the thread.
        """
        params = {"limit": str(self.page_size), "order": "updated_at asc"}
        if updated_at_min:
            params["updated_at_min"] = updated_at_min
        return self._prefetched(self._url("customers.json"), params, "customers")

    def customer(self, customer_id: int) -> dict[str, Any]:
        return self._get(self._url(f"customers/{customer_id}.json"))["customer"]

    def customer_addresses(self, customer_id: int) -> list[dict[str, Any]]:
        """All addresses (the customer payload lists only the ten most recently updated), each
        exactly as REST's `customers/{id}/addresses.json` lists it, in its order.

        Read through GraphQL `addressesV2`: its cost bucket is separate from the REST bucket, so
        these reads do not slow the customer pages down. A customer Shopify does not have raises
        `RecordNotFound`, as REST's 404 did.
        """
        return self.graphql.customer_addresses(customer_id)

    def shop(self) -> dict[str, Any]:
        return self._get(self._url("shop.json"))["shop"]

    def customer_count(self, updated_at_min: str | None = None) -> int:
        params = {"updated_at_min": updated_at_min} if updated_at_min else None
        return int(self._get(self._url("customers/count.json"), params)["count"])

    def close(self) -> None:
        self._http.close()

    def _prefetched(self, url: str, params: dict[str, str], key: str) -> Iterator[list[dict[str, Any]]]:
        cancel = threading.Event()
        pages: queue.SimpleQueue[Page | _ReadEnd] = queue.SimpleQueue()
        room = threading.Semaphore(self.prefetch_pages)  # pages read but not yet taken by the caller

        def read() -> None:
            next_url: str | None = url
            next_params: dict[str, str] | None = params
            try:
                while next_url is not None:
                    while not room.acquire(timeout=0.1):
                        if cancel.is_set():
                            return
                    if cancel.is_set():
                        return
                    page, next_url = self._page(next_url, next_params, key, cancel)
                    next_params = None
                    pages.put((page, next_url))
                pages.put(_ReadEnd(None))
            except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread, at that page
                pages.put(_ReadEnd(exc))

        reader = threading.Thread(target=read, name="shopify-prefetch", daemon=True)
        reader.start()
        try:
            while True:
                item = pages.get()
                if isinstance(item, _ReadEnd):
                    if item.error is not None:
                        raise item.error
                    return
                room.release()
                yield item[0]
        finally:
            cancel.set()
            reader.join()

    def _page(
        self, url: str, params: dict[str, str] | None, key: str, cancel: threading.Event | None = None
    ) -> Page:
        response = self._http.call("GET", url, params=params, pacer=self.pacer, cancel=cancel)
        data = self._json(response, url)
        rows = data.get(key) if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise PermanentError(
                f"Shopify answered GET {url} without a {key!r} list", status=response.status_code
            )
        following = response.links.get("next", {}).get("url")
        return rows, urljoin(response.url, following) if following else None

    def _get(self, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        response = self._http.call("GET", url, params=params, pacer=self.pacer)
        data = self._json(response, url)
        if not isinstance(data, dict):
            raise PermanentError(
                f"Shopify answered GET {url} with no JSON object", status=response.status_code
            )
        return data

    def _json(self, response: requests.Response, url: str) -> Any:
        return self._http.json(response, f"GET {url}")

    def _url(self, path: str) -> str:
        return f"{self.shop_url}/admin/api/{self.api_version}/{path}"

    def _configure_session(self, session: requests.Session) -> None:
        session.headers.update({"X-Shopify-Access-Token": self._token, "Accept": "application/json"})

    def _refusal(self, response: requests.Response, message: ServerMessage, what: str) -> PermanentError:
        status = response.status_code
        if status == 401:
            return AuthenticationError(
                f"Shopify refused the access token for {self.shop_url} ({message.text}): "
                "check the access token of the Shopify connection",
                status=status,
            )
        if status == 403:
            return AuthenticationError(
                f"Shopify refused {what} for {self.shop_url} ({message.text}): "
                "check that the app has the read_customers scope and protected customer data access",
                status=status,
            )
        if status == 404:
            return RecordNotFound(f"Shopify has nothing at {what} ({message.text})", status=status)
        return PermanentError(f"Shopify refused {what} with {status}: {message.text}", status=status)
