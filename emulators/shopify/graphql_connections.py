"""Relay connections as Shopify serves them: opaque cursors, `first`/`after`, `last`/`before`, max 250."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

from .pagination import Cursor, Page

MAX_PAGE = 250


def encode_cursor(key: tuple) -> str:
    raw = json.dumps({"last_id": key[1], "last_value": key[0]}, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple:
    try:
        document = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return (document["last_value"], int(document["last_id"]))
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}") from exc


def page_request(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> tuple[int, Cursor]:
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last", extensions={"code": "BAD_REQUEST"})
    if first is not None and last is not None:
        raise GraphQLError(
            "providing both first and last is not supported", extensions={"code": "BAD_REQUEST"}
        )
    size = first if first is not None else last
    if size < 0 or size > MAX_PAGE:
        raise GraphQLError(
            f"The maximum number of items per page is {MAX_PAGE}; {size} were requested.",
            extensions={"code": "BAD_REQUEST"},
        )
    if first is not None:
        return size, Cursor("next", decode_cursor(after) if after else None)
    return size, Cursor("prev", decode_cursor(before) if before else None)


def connection(page: Page, key: Callable[[Any], tuple], view: Callable[[Any], Any]) -> dict:
    nodes = [view(item) for item in page.items]
    cursors = [encode_cursor(key(item)) for item in page.items]
    return {
        "edges": [{"cursor": cursor, "node": node} for cursor, node in zip(cursors, nodes, strict=True)],
        "nodes": nodes,
        "pageInfo": {
            "hasNextPage": page.has_next,
            "hasPreviousPage": page.has_previous,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }
