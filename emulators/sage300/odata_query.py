"""The query options of a feed: `$filter`, `$select`, `$orderby`, `$top`, `$skip`, `$count`.

Sage documents `$filter/$select/$top/$skip/$count` (DEVREF §4.2); `$orderby` is used by third-party
clients. Options other than `$…` are ignored, as ASP.NET does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import invalid_parameters
from .odata_filter import filter_compile
from .schema import DETAILS, ENUM, Entity


@dataclass
class FeedQuery:
    predicate: Callable[[dict], object] | None = None
    select: tuple[str, ...] | None = None
    orderby: list[tuple[str, bool]] = field(default_factory=list)  # (property, descending)
    top: int | None = None
    skip: int = 0
    count: bool = False
    # `<first key> eq '<literal>'` (how clients read one customer's ship-to locations): the feed
    # looks only at rows with that key instead of evaluating the filter on the whole table.
    first_key_equals: str | None = None


def _property_list(entity: Entity, text: str, option: str) -> list[str]:
    names = [part.strip() for part in text.split(",")]
    if not all(names):
        raise invalid_parameters(f"The {option} '{text}' is not valid.")
    for name in names:
        if name != "*" and name not in entity.fields:
            raise invalid_parameters(
                f"Could not find a property named '{name}' on type '{entity.namespace}.{entity.type_name}'."
            )
    return names


def _non_negative(option: str, text: str) -> int:
    if not text.strip().isdigit():
        raise invalid_parameters(f"Invalid value '{text}' for {option} query option found.")
    return int(text)


def _first_key_equals(entity: Entity, text: str) -> str | None:
    match = re.fullmatch(r"\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*", text)
    if match is None or match.group(1) != entity.keys[0]:
        return None
    return match.group(2).replace("''", "'")


def feed_query_parse(entity: Entity, params: list[tuple[str, str]]) -> FeedQuery:
    """Read the `$` options of a request; other parameters are ignored as ASP.NET does."""
    query = FeedQuery()
    seen: set[str] = set()
    for raw_name, value in params:
        if not raw_name.startswith("$"):
            continue
        name = raw_name.lower()
        if name in seen:
            raise invalid_parameters(
                f"Query option '{raw_name}' was specified more than once, "
                "but it must be specified at most once."
            )
        seen.add(name)
        if name == "$filter":
            query.predicate = filter_compile(entity, value)
            query.first_key_equals = _first_key_equals(entity, value)
        elif name == "$select":
            names = _property_list(entity, value, "$select")
            query.select = None if "*" in names else tuple(names)
        elif name == "$orderby":
            query.orderby = _orderby_parse(entity, value)
        elif name == "$top":
            query.top = _non_negative("$top", value)
        elif name == "$skip":
            query.skip = _non_negative("$skip", value)
        elif name == "$count":
            if value.lower() not in ("true", "false"):
                raise invalid_parameters(f"'{value}' is not a valid count option.")
            query.count = value.lower() == "true"
        elif name == "$expand":
            # Details are complex-type collections returned inline (DEVREF §3); expanding them is a no-op.
            for detail in _property_list(entity, value, "$expand"):
                if entity.fields[detail].kind != DETAILS:
                    raise invalid_parameters(f"Property '{detail}' is not a navigation property.")
        elif name == "$format":
            if value.lower() not in ("json", "application/json"):
                raise invalid_parameters(f"The $format '{value}' is not supported.")
        else:
            raise invalid_parameters(f"The query parameter '{raw_name}' is not supported.")
    return query


def _orderby_parse(entity: Entity, text: str) -> list[tuple[str, bool]]:
    order: list[tuple[str, bool]] = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise invalid_parameters(f"The $orderby '{text}' is not valid.")
        name = words[0]
        spec = entity.fields.get(name)
        if spec is None or spec.kind == DETAILS:
            raise invalid_parameters(
                f"Could not find a property named '{name}' on type '{entity.namespace}.{entity.type_name}'."
            )
        order.append((name, len(words) == 2 and words[1].lower() == "desc"))
    return order


def records_order(entity: Entity, records: list[dict], orderby: list[tuple[str, bool]]) -> list[dict]:
    """Stable multi-key sort; null sorts before any value and enums by member number, as in OData."""
    for name, descending in reversed(orderby):
        spec = entity.fields[name]
        members = dict(spec.enum.members) if spec.kind == ENUM and spec.enum else None

        def sort_key(record, name=name, members=members):
            value = record[name]
            if members is not None:
                value = members.get(value)
            return (value is not None, 0 if value is None else value)

        records.sort(key=sort_key, reverse=descending)
    return records
