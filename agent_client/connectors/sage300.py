"""Sage 300 Web API (OData v4) client for A/R customers and ship-to locations.

URLs look like `{base}/-/{company}/AR/ARCustomers('1200')`. Every request carries Basic auth and
`Content-Type: application/json` (Sage answers 500 without it, even on a GET); each thread keeps
its own keep-alive session and the session cookie Sage sets.

Writes hold `write_slots` while they are in flight, so however many threads a caller runs, at
most `max_concurrency` writes reach Sage at once (Sage has no `$batch` and refuses floods with
429). PATCH is idempotent and retried like a read. A create is retried only when Sage said it
did not apply it (429, 503) or the connection failed before sending; otherwise see `_create`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urljoin

import requests

from agent_client.connectors.http import RetryingHttp, ServerMessage
from agent_client.connectors.sage300_errors import CONFIG_FILE, sage_message, sage_refusal
from agent_client.errors import OutcomeUnknownError, PermanentError, RecordNotFound, RetryableError

CUSTOMERS = "ARCustomers"
SHIP_TOS = "ARShipToLocations"


def odata_literal(value: str) -> str:
    """An OData string literal: single quotes, a quote inside doubled."""
    return "'" + value.replace("'", "''") + "'"


def odata_key(*parts: tuple[str, str]) -> str:
    """`('1200')` for one key part, `(CustomerNumber='1200',ShipToLocationKey='OFFICE')` for more,
    URL-encoded except for the OData punctuation so spaces, '#', '?' and '/' survive."""
    if len(parts) == 1:
        text = odata_literal(parts[0][1])
    else:
        text = ",".join(f"{name}={odata_literal(value)}" for name, value in parts)
    return quote(f"({text})", safe="'(),=")


def service_base(base_url: str) -> str:
    """`http://h/Sage300WebApi/v1.0`, accepting a trailing `/` or the `/-` tenant segment."""
    base = base_url.strip().rstrip("/")
    if base.endswith("/-"):
        base = base[:-2].rstrip("/")
    return base


class Sage300Client:
    """One company of one Sage 300 Web API server. Thread-safe."""

    def __init__(
        self,
        *,
        base_url: str,
        company: str,
        user: str,
        password: str,
        timeout: tuple[float, float] = (5.0, 30.0),
        max_retries: int = 5,
        max_concurrency: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = service_base(base_url)
        self.company = company
        self.user = user
        self._password = password
        self.write_slots = threading.BoundedSemaphore(max_concurrency)
        self._http = RetryingHttp(
            service="Sage 300",
            configure_session=self._configure_session,
            parse_error=sage_message,
            refusal=self._refusal,
            timeout=timeout,
            max_retries=max_retries,
            sleep=sleep,
        )
        self.stats = self._http.stats

    # Customers

    def customer(self, number: str) -> dict[str, Any] | None:
        return self._read(CUSTOMERS, ("CustomerNumber", number))

    def customer_create(self, payload: dict[str, Any]) -> dict[str, Any]:
        """POST; `RecordDuplicate` when the number exists. Put CustomerNumber and GroupCode first:
        Sage applies properties in payload order and the group fills in defaults."""
        return self._create(CUSTOMERS, payload, ("CustomerNumber",))

    def customer_patch(self, number: str, payload: dict[str, Any]) -> None:
        self._write("PATCH", self._entity_url(CUSTOMERS, ("CustomerNumber", number)), payload)

    def customers(
        self, *, filter: str | None = None, select: list[str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every customer matching the OData `filter`, page after page."""
        params: dict[str, str] = {}
        if filter:
            params["$filter"] = filter
        if select:
            params["$select"] = ",".join(select)
        return self._feed(CUSTOMERS, params)

    # Ship-to locations

    def ship_to(self, customer: str, key: str) -> dict[str, Any] | None:
        return self._read(SHIP_TOS, ("CustomerNumber", customer), ("ShipToLocationKey", key))

    def ship_to_create(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._create(SHIP_TOS, payload, ("CustomerNumber", "ShipToLocationKey"))

    def ship_to_patch(self, customer: str, key: str, payload: dict[str, Any]) -> None:
        url = self._entity_url(SHIP_TOS, ("CustomerNumber", customer), ("ShipToLocationKey", key))
        self._write("PATCH", url, payload)

    def ship_tos(self, customer: str) -> Iterator[dict[str, Any]]:
        return self._feed(SHIP_TOS, {"$filter": f"CustomerNumber eq {odata_literal(customer)}"})

    # Connection

    def check(self) -> None:
        """One cheap read proving the URL, the company and the credentials; raises a clear error."""
        try:
            self._http.call(
                "GET", self._set_url(CUSTOMERS), params={"$top": "1", "$select": "CustomerNumber"}
            )
        except RetryableError as exc:
            if exc.status is not None:
                raise
            raise RetryableError(
                f"The Sage 300 Web API at {self.base_url} cannot be reached: check [sage300] base_url in "
                f"{CONFIG_FILE} and that the Sage 300 Web API site is running ({exc})"
            ) from exc
        except PermanentError as exc:
            if exc.status != 404:
                raise
            raise PermanentError(
                f"{self.base_url} does not answer like a Sage 300 Web API: check [sage300] base_url in "
                f"{CONFIG_FILE}, e.g. http://server/Sage300WebApi/v1.0 ({exc})",
                status=exc.status,
                code=exc.code,
            ) from exc

    def close(self) -> None:
        self._http.close()

    # Internals

    def _read(self, set_name: str, *key: tuple[str, str]) -> dict[str, Any] | None:
        url = self._entity_url(set_name, *key)
        try:
            response = self._http.call("GET", url)
        except RecordNotFound:
            return None
        return self._object(response, f"GET {url}")

    def _create(self, set_name: str, payload: dict[str, Any], key_names: tuple[str, ...]) -> dict[str, Any]:
        """POST one record and return it as Sage stored it.

        When the outcome is unknown (timeout or dropped connection after sending, or a 5xx other
        than 503) the record is read back by its key: if it exists, the create happened and the
        record is returned; if not, `OutcomeUnknownError` (retryable) is raised. Repeating the
        create later is safe because the key is part of the payload: a create that did land in the
        meantime makes the repeat fail with `RecordDuplicate`, never a second record.
        """
        missing = [name for name in key_names if not payload.get(name)]
        if missing:
            raise PermanentError(f"A {set_name} record needs {', '.join(missing)} to be created")
        key = tuple((name, str(payload[name])) for name in key_names)
        try:
            response = self._write("POST", self._set_url(set_name), payload, idempotent=False)
        except OutcomeUnknownError as exc:
            existing = self._read(set_name, *key)
            if existing is not None:
                return existing
            raise OutcomeUnknownError(
                f"{exc}; {set_name}{odata_key(*key)} does not exist (yet), so creating it again is safe",
                status=exc.status,
                code=exc.code,
            ) from exc
        if not response.content.strip():
            stored = self._read(set_name, *key)
            if stored is None:
                raise PermanentError(
                    f"Sage 300 accepted a new {set_name}{odata_key(*key)} but cannot read it back"
                )
            return stored
        return self._object(response, f"POST {set_name}")

    def _write(
        self, method: str, url: str, payload: dict[str, Any], *, idempotent: bool = True
    ) -> requests.Response:
        return self._http.call(
            method, url, json_body=payload, idempotent=idempotent, slot=lambda: self.write_slots
        )

    def _feed(self, set_name: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        """Follow `@odata.nextLink`; a server that never sends one is paged with `$skip` until a
        page comes back empty or shorter than the longest page so far (the server's page size)."""
        url = self._set_url(set_name)
        query: dict[str, str] | None = dict(params)
        served_links = False
        longest = 0
        read = 0
        while True:
            response = self._http.call("GET", url, params=query)
            data = self._object(response, f"GET {url}")
            rows = data.get("value")
            if not isinstance(rows, list):
                raise PermanentError(
                    f"Sage 300 answered GET {url} without a 'value' list", status=response.status_code
                )
            yield from rows
            read += len(rows)
            next_link = data.get("@odata.nextLink")
            if next_link:
                served_links = True
                url, query = urljoin(url, str(next_link)), None
                continue
            if served_links or not rows or len(rows) < longest:
                return
            longest = max(longest, len(rows))
            url, query = self._set_url(set_name), {**params, "$skip": str(read)}

    def _object(self, response: requests.Response, what: str) -> dict[str, Any]:
        data = self._http.json(response, what)
        if not isinstance(data, dict):
            raise PermanentError(
                f"Sage 300 answered {what} without a JSON object", status=response.status_code
            )
        return data

    def _set_url(self, set_name: str) -> str:
        return f"{self.base_url}/-/{quote(self.company, safe='')}/AR/{set_name}"

    def _entity_url(self, set_name: str, *key: tuple[str, str]) -> str:
        return self._set_url(set_name) + odata_key(*key)

    def _configure_session(self, session: requests.Session) -> None:
        session.auth = (self.user, self._password)
        session.headers.update({"Content-Type": "application/json", "Accept": "application/json"})

    def _refusal(self, response: requests.Response, message: ServerMessage, what: str) -> PermanentError:
        return sage_refusal(response, message, what, user=self.user, company=self.company)
