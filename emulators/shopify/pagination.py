"""Cursor pagination as Shopify's REST API does it: opaque `page_info`, one `Link` header, absolute URLs.

`page_info` is url-safe base64 of JSON holding the frozen filters, the sort order, the direction and the
key of the row the page ended on — a keyset cursor, so paging by `updated_at asc` neither skips nor
repeats rows when customers change while a client pages.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Generic, TypeVar
from urllib.parse import urlencode

T = TypeVar("T")
Key = tuple[int, int]
DEFAULT_LIMIT = 50
MAX_LIMIT = 250
PAGINATION_DOCS = "See https://shopify.dev/api/usage/pagination-rest for more information."


@dataclass
class Cursor:
    direction: str = "next"  # "next" or "prev"
    last: Key | None = None
    filters: dict[str, str] = field(default_factory=dict)


def encode_page_info(cursor: Cursor) -> str:
    document = {"direction": cursor.direction, **cursor.filters}
    if cursor.last is not None:
        document["last_id"] = cursor.last[1]
        document["last_value"] = cursor.last[0]
    raw = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_info(token: str) -> Cursor | None:
    try:
        document = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        direction = document.pop("direction")
        last_id, last_value = document.pop("last_id", None), document.pop("last_value", None)
        if direction not in ("next", "prev") or not all(isinstance(v, str) for v in document.values()):
            return None
        last = (int(last_value), int(last_id)) if last_id is not None else None
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error):
        return None
    return Cursor(direction, last, document)


def misused_params(params: dict[str, str], filters: tuple[str, ...]) -> dict[str, str]:
    """Shopify's 400 body entries for filters sent alongside `page_info` (only limit and fields may be)."""
    return {
        name: f"{name} cannot be passed when page_info is present. {PAGINATION_DOCS}"
        for name in filters
        if name in params
    }


def parse_limit(text: str | None) -> int:
    """Default 50; values above 250 are served as 250, below 1 as 1."""
    try:
        return min(max(int(text), 1), MAX_LIMIT) if text not in (None, "") else DEFAULT_LIMIT
    except ValueError:
        return DEFAULT_LIMIT


@dataclass
class Page(Generic[T]):
    items: list[T]
    has_next: bool
    has_previous: bool


def take_page(
    scan: Callable[[bool, Key | None], Iterator[T]], key: Callable[[T], Key], limit: int, cursor: Cursor
) -> Page[T]:
    """One page from `scan(backwards, after)`, which walks in (or against) page order strictly after a key."""
    if cursor.direction == "next":
        items = list(islice(scan(False, cursor.last), limit + 1))
        has_next = len(items) > limit
        items = items[:limit]
        anchor = key(items[0]) if items else cursor.last
        has_previous = cursor.last is not None and anchor is not None and _any(scan(True, anchor))
        return Page(items, has_next, has_previous)
    items = list(islice(scan(True, cursor.last), limit + 1))
    has_previous = len(items) > limit
    items = items[:limit][::-1]
    anchor = key(items[-1]) if items else cursor.last
    has_next = anchor is not None and _any(scan(False, anchor))
    return Page(items, has_next, has_previous)


def _any(iterator: Iterator) -> bool:
    return next(iterator, None) is not None


def link_header(
    base_url: str, page: Page, key: Callable, limit: int, fields: str | None, filters: dict[str, str]
) -> str | None:
    """`<url>; rel="previous", <url>; rel="next"` in one header, as Shopify's own clients parse it."""
    links = []
    if page.has_previous and page.items:
        links.append((Cursor("prev", key(page.items[0]), filters), "previous"))
    if page.has_next and page.items:
        links.append((Cursor("next", key(page.items[-1]), filters), "next"))
    if not links:
        return None
    parts = []
    for cursor, rel in links:
        query = {
            "limit": limit,
            **({"fields": fields} if fields else {}),
            "page_info": encode_page_info(cursor),
        }
        parts.append(f'<{base_url}?{urlencode(query)}>; rel="{rel}"')
    return ", ".join(parts)
