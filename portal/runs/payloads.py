"""A snapshot record's File (its input, its output and the Sage response), kept as one compressed
JSON document.

Why: the three payloads are most of a record's bytes and are only ever shown one record at a time,
never filtered on. Stored as jsonb, PostgreSQL parsed and wrote ~2 KB per record, which bounded
ingest; compressed they are ~40% of that and cost PostgreSQL nothing to parse. The one field that
is searched (the customer's email) has its own column.

Compression is most of the portal's own work per ingested record, so it is Zstandard: ~14 µs
for a 1.9 KB File against ~27–36 µs for zlib level 1, for the same size (bench/dispatch.py:
ingest 8.1k → 8.9–9.6k records/s). Files packed earlier with zlib still read back: the two
formats are told apart by their first bytes. (orjson would encode ~19 µs faster, but it writes
NaN as null without a word, and JSON from an agent may hold NaN.)
"""

from __future__ import annotations

import json
import threading
import zlib

import zstandard

PARTS = ("input", "output", "response")
EMPTY = {part: None for part in PARTS}
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# Level 3 (Zstandard's default): as small as zlib level 1 here, at about half its cost.
_LEVEL = 3
# The compressor objects are not thread-safe, and agent frames and requests run on several threads.
_local = threading.local()


def _codecs() -> tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor]:
    codecs = getattr(_local, "codecs", None)
    if codecs is None:
        codecs = _local.codecs = (zstandard.ZstdCompressor(level=_LEVEL), zstandard.ZstdDecompressor())
    return codecs


def payload_pack(*, input=None, output=None, response=None) -> bytes:  # noqa: A002 - the File's own words
    document = {"input": input, "output": output, "response": response}
    try:
        encoded = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        # A lone surrogate (JSON allows "\ud800"; UTF-8 has no such character): ASCII escapes
        # keep it, and it reads back as it came.
        encoded = json.dumps(document, separators=(",", ":")).encode()
    return _codecs()[0].compress(encoded)


def payload_unpack(blob: bytes | memoryview | None) -> dict:
    if not blob:
        return dict(EMPTY)
    raw = bytes(blob)
    text = _codecs()[1].decompress(raw) if raw[:4] == ZSTD_MAGIC else zlib.decompress(raw)
    document = json.loads(text)
    return {part: document.get(part) for part in PARTS}


def clean_text(text: str) -> str:
    """Text PostgreSQL can store: NUL and lone surrogates (both valid in JSON strings) become
    U+FFFD, the same on every database."""
    text = text.replace("\x00", "\ufffd")
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:
            text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def email_of(source: object) -> str:
    """The source customer's email, as the Processed Snapshot search finds it."""
    email = source.get("email") if isinstance(source, dict) else None
    return clean_text(email)[:254] if isinstance(email, str) else ""
