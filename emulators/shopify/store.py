"""The shop's customers in memory, with sorted indexes for keyset scans.

Every index holds `(sort value, id)` tuples, so a cursor is simply the last tuple a page ended on and a
scan is a bisect plus a walk. Writes happen on the event-loop thread; the bulk-operation thread reads
under the same lock, so a page or a chunk is always taken from one consistent state.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .clock import MonotonicClock
from .models import Customer

Key = tuple[int, int]
Predicate = Callable[[Customer], bool]
ORDER_FIELDS = ("id", "updated_at", "created_at")


@dataclass(frozen=True)
class Bounds:
    """Inclusive low / exclusive high limits on the sort value (the first element of the key)."""

    low: int | None = None
    high: int | None = None


class CustomerStore:
    def __init__(self, customers: list[Customer]) -> None:
        self.lock = threading.RLock()
        self.by_id: dict[int, Customer] = {c.id: c for c in customers}
        self._indexes: dict[str, list[Key]] = {
            "id": sorted((c.id, c.id) for c in customers),
            "updated_at": sorted((c.updated_us, c.id) for c in customers),
            "created_at": sorted((c.created_us, c.id) for c in customers),
        }
        self.emails = {c.email.lower(): c.id for c in customers if c.email}
        self.phones = {c.phone: c.id for c in customers if c.phone}
        self.warmed = False
        self.clock = MonotonicClock(max((c.updated_us for c in customers), default=0))
        self._next_customer_id = max(self.by_id, default=7_001_000_000_000)
        self._next_address_id = max((a.id for c in customers for a in c.addresses), default=8_201_000_000_000)

    def __len__(self) -> int:
        return len(self.by_id)

    @staticmethod
    def key(customer: Customer, order: str) -> Key:
        if order == "updated_at":
            return (customer.updated_us, customer.id)
        if order == "created_at":
            return (customer.created_us, customer.id)
        return (customer.id, customer.id)

    def get(self, customer_id: int) -> Customer | None:
        return self.by_id.get(customer_id)

    def scan(
        self,
        order: str,
        descending: bool = False,
        after: Key | None = None,
        bounds: Bounds = Bounds(),
        predicate: Predicate | None = None,
    ) -> Iterator[Customer]:
        """Customers strictly after `after` in the given direction, within `bounds`, matching `predicate`.

        Callers consume it without yielding to other writers (a REST page, or under `lock`).
        """
        index = self._indexes[order]
        by_id = self.by_id
        if not descending:
            start = bisect_right(index, after) if after is not None else 0
            if bounds.low is not None:
                start = max(start, bisect_left(index, (bounds.low,)))
            stop = bisect_left(index, (bounds.high,)) if bounds.high is not None else len(index)
            positions = range(start, stop)
        else:
            stop = bisect_left(index, after) if after is not None else len(index)
            if bounds.high is not None:
                stop = min(stop, bisect_left(index, (bounds.high,)))
            start = bisect_left(index, (bounds.low,)) if bounds.low is not None else 0
            positions = range(stop - 1, start - 1, -1)
        for position in positions:
            customer = by_id[index[position][1]]
            if predicate is None or predicate(customer):
                yield customer

    def count(self, bounds: Bounds = Bounds(), predicate: Predicate | None = None, order: str = "id") -> int:
        if predicate is None and bounds == Bounds():
            return len(self.by_id)
        return sum(1 for _ in self.scan(order, bounds=bounds, predicate=predicate))

    def add(self, customer: Customer) -> None:
        with self.lock:
            self.by_id[customer.id] = customer
            for order, index in self._indexes.items():
                insort(index, self.key(customer, order))
            self._index_contacts(customer)

    def change(self, customer: Customer, edit: Callable[[], None]) -> None:
        """Apply `edit` to a customer and give it a fresh, strictly later `updated_at`."""
        with self.lock:
            index = self._indexes["updated_at"]
            del index[bisect_left(index, (customer.updated_us, customer.id))]
            self._unindex_contacts(customer)
            try:
                edit()
            finally:
                customer.updated_us = self.clock.now_us()
                customer.invalidate()
                insort(index, (customer.updated_us, customer.id))
                self._index_contacts(customer)

    def new_customer_id(self) -> int:
        with self.lock:
            self._next_customer_id += 7_919
            return self._next_customer_id

    def new_address_id(self) -> int:
        with self.lock:
            self._next_address_id += 4_001
            return self._next_address_id

    def _index_contacts(self, customer: Customer) -> None:
        if customer.email:
            self.emails[customer.email.lower()] = customer.id
        if customer.phone:
            self.phones[customer.phone] = customer.id

    def _unindex_contacts(self, customer: Customer) -> None:
        if customer.email:
            self.emails.pop(customer.email.lower(), None)
        if customer.phone:
            self.phones.pop(customer.phone, None)

    def warm(self, chunk: int = 500) -> None:
        """Render every customer's JSON ahead of the first list request (run on a background thread)."""
        ids = list(self.by_id)
        for start in range(0, len(ids), chunk):
            with self.lock:
                for customer_id in ids[start : start + chunk]:
                    customer = self.by_id.get(customer_id)
                    if customer is not None:
                        customer.rest_json()
        self.warmed = True
