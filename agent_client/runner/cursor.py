"""Cursor arithmetic: Shopify timestamps carry the shop's UTC offset, so compare them as datetimes."""

from __future__ import annotations

from datetime import datetime, timedelta


def parse_timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def later(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return b if parse_timestamp(b) > parse_timestamp(a) else a


def read_since(cursor: str | None, overlap_seconds: int) -> str | None:
    """Where the next read starts: the cursor minus the overlap (late-committed updates are not missed)."""
    if cursor is None:
        return None
    return (parse_timestamp(cursor) - timedelta(seconds=overlap_seconds)).isoformat()


def validate_cursor(value: str) -> str:
    """A cursor typed by a person: ISO 8601 with a UTC offset, e.g. 2026-01-31T00:00:00-05:00."""
    try:
        parsed = parse_timestamp(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a date and time: use ISO 8601, e.g. 2026-01-31T00:00:00+00:00"
        ) from None
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset: add one, e.g. {value}+00:00")
    return parsed.isoformat()
