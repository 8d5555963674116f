"""REST list filters (`ids`, `since_id`, `created_at_*`, `updated_at_*`, `order`) turned into scan arguments.

Date filters compare at whole-second resolution because that is what a client sees: a customer rendered
`10:11:12` matches `updated_at_min=10:11:12` and `updated_at_max=10:11:12` (both inclusive).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .clock import US, parse_time
from .store import Bounds, Predicate

LIST_FILTERS = (
    "ids",
    "since_id",
    "created_at_min",
    "created_at_max",
    "updated_at_min",
    "updated_at_max",
    "order",
)
SEARCH_FILTERS = ("query", "order")
ORDERS = {"id", "updated_at", "created_at"}


@dataclass
class Order:
    field: str = "id"
    descending: bool = False


def parse_order(text: str | None, default: Order) -> Order:
    """`updated_at asc`, `id DESC`, `updated_at` (asc); anything else falls back to `default`."""
    parts = (text or "").replace("+", " ").split()
    if not parts or parts[0] not in ORDERS:
        return default
    return Order(parts[0], len(parts) > 1 and parts[1].lower() == "desc")


def _time(values: dict[str, str], name: str) -> float | None:
    try:
        return parse_time(values.get(name))
    except ValueError:
        return None  # Shopify ignores a date it cannot read rather than failing the list


@dataclass
class ListFilters:
    ids: set[int] | None = None
    since_id: int | None = None
    created: Bounds = field(default_factory=Bounds)
    updated: Bounds = field(default_factory=Bounds)

    @classmethod
    def parse(cls, values: dict[str, str]) -> ListFilters:
        ids = None
        if values.get("ids"):
            ids = {int(part) for part in values["ids"].split(",") if part.strip().isdigit()}
        since = values.get("since_id", "").strip()
        return cls(
            ids=ids,
            since_id=int(since) if since.isdigit() else None,
            created=_bounds(_time(values, "created_at_min"), _time(values, "created_at_max")),
            updated=_bounds(_time(values, "updated_at_min"), _time(values, "updated_at_max")),
        )

    def bounds_for(self, order: str) -> Bounds:
        """The part of the filters a sorted index can skip to directly."""
        if order == "updated_at":
            return self.updated
        if order == "created_at":
            return self.created
        if self.since_id is not None:
            return Bounds(low=self.since_id + 1)
        return Bounds()

    def predicate(self) -> Predicate | None:
        checks: list[Predicate] = []
        if self.ids is not None:
            ids = self.ids
            checks.append(lambda c: c.id in ids)
        if self.since_id is not None:
            since = self.since_id
            checks.append(lambda c: c.id > since)
        checks.extend(_range_checks(self.created, "created_us"))
        checks.extend(_range_checks(self.updated, "updated_us"))
        if not checks:
            return None
        if len(checks) == 1:
            return checks[0]
        return lambda c: all(check(c) for check in checks)


def _bounds(low: float | None, high: float | None) -> Bounds:
    return Bounds(
        low=math.ceil(low) * US if low is not None else None,
        high=(math.floor(high) + 1) * US if high is not None else None,
    )


def _range_checks(bounds: Bounds, attribute: str) -> list[Predicate]:
    checks: list[Predicate] = []
    if bounds.low is not None:
        low = bounds.low
        checks.append(lambda c: getattr(c, attribute) >= low)
    if bounds.high is not None:
        high = bounds.high
        checks.append(lambda c: getattr(c, attribute) < high)
    return checks
