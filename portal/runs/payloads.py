"""A snapshot record's File (its input, its output and the Sage response), kept as one compressed
JSON document.

Why: the three payloads are most of a record's bytes and are only ever shown one record at a time,
never filtered on. Stored as jsonb, PostgreSQL parsed and wrote ~2 KB per record, which bounded
ingest; compressed they are ~40% of that and cost PostgreSQL nothing to parse. The one field that
is searched (the customer's email) has its own column.
"""

from __future__ import annotations

import json
import zlib

PARTS = ("input", "output", "response")
EMPTY = {part: None for part in PARTS}


def payload_pack(*, input=None, output=None, response=None) -> bytes:  # noqa: A002 - the File's own words
    document = {"input": input, "output": output, "response": response}
    # Level 1: a third of the size at a fraction of the cost of higher levels.
    return zlib.compress(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode(), 1)


def payload_unpack(blob: bytes | memoryview | None) -> dict:
    if not blob:
        return dict(EMPTY)
    document = json.loads(zlib.decompress(bytes(blob)))
    return {part: document.get(part) for part in PARTS}


def email_of(source: object) -> str:
    """The source customer's email, as the Processed Snapshot search finds it."""
    email = source.get("email") if isinstance(source, dict) else None
    return email.replace("\x00", "\ufffd")[:254] if isinstance(email, str) else ""
