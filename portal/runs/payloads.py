"""A snapshot record's File (its input, its output and the Sage response), kept as one compressed
JSON document.

Why: the three payloads are most of a record's bytes and are only ever shown one record at a time,
never filtered on. Stored as jsonb, PostgreSQL parsed and wrote ~2 KB per record, which bounded
ingest; compressed they are ~40% of that and cost PostgreSQL nothing to parse. The one field that
is searched (the customer's email) has its own column.

Compression is a large part of the portal's own work per ingested record, so it is Zstandard:
~8–14 µs for a 1.9 KB File against ~27–36 µs for zlib level 1, for the same size (bench/dispatch.py:
ingest 8.1k → 8.9–9.6k records/s). Files packed earlier with zlib still read back: the two
formats are told apart by their first bytes.

Files of ingested records are encoded with orjson, ~11× faster than the standard library (15 µs
a record). orjson alone would lose data without a word: it writes NaN and Infinity as null, and
it reads integers beyond 64 bits as floats. So frames are read by the standard library
(`frame_loads`: exact integers, and non-finite numbers marked as `NonFinite`), and a File orjson
refuses (a NonFinite, an integer beyond 64 bits, a lone surrogate) is encoded the exact way.

Agents now send the File packed (agent_client.record_file): the same compressed document, made
on the agent. `payload_from_packed_file` checks it and it is stored as it came, with none of the
decoding and compressing above (bench/dispatch.py measures both kinds of record).
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import zlib
from typing import Any

import orjson
import zstandard

from agent_client.protocol import MAX_FRAME_BYTES
from agent_client.record_file import LEVEL, PARTS, ZSTD_MAGIC

_PART_SET = frozenset(PARTS)
EMPTY = {part: None for part in PARTS}
# The compressor objects are not thread-safe, and agent frames and requests run on several threads.
_local = threading.local()


def _codecs() -> tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor]:
    codecs = getattr(_local, "codecs", None)
    if codecs is None:
        codecs = _local.codecs = (zstandard.ZstdCompressor(level=LEVEL), zstandard.ZstdDecompressor())
    return codecs


class NonFinite(float):
    """NaN or ±Infinity read from a frame: JSON has no such numbers, Python's json writes them.
    Marked so that orjson refuses the File instead of writing null (see payload_pack_from_frame)."""


def _float(text: str) -> float:
    number = float(text)
    return number if number - number == 0.0 else NonFinite(text)  # 1e400 is Infinity too


def frame_loads(text: str | bytes) -> Any:
    """A frame's JSON as the standard library reads it, non-finite numbers as NonFinite."""
    return json.loads(text, parse_float=_float, parse_constant=NonFinite)


def payload_pack_from_frame(record: dict) -> bytes:
    """The File of a record read by frame_loads: orjson where it is exact, else the exact way."""
    document = {part: record[part] for part in PARTS}
    try:
        encoded = orjson.dumps(document)
    except TypeError:  # NonFinite, an integer beyond 64 bits or a lone surrogate
        encoded = _exact_json(document)
    return _codecs()[0].compress(encoded)


class PackedFileInvalid(ValueError):
    """A packed File (agent_client.record_file) the portal cannot store; the message says why."""


def payload_from_packed_file(text: str) -> tuple[bytes, str]:
    """The File an agent packed, checked, as it is stored (the agent's own compressed bytes), and
    the customer's email from it. Raises PackedFileInvalid.

    Checked as strictly as a File sent as JSON objects: one Zstandard frame whose declared size is
    within a frame's limit (no decompression bomb), holding a JSON object with exactly the three
    parts. orjson reads it fast; what orjson refuses (NaN, a lone surrogate) the standard library
    reads, as frame_loads does. Integers beyond 64 bits read as floats here are harmless: the
    document is only looked at, and stored as the agent wrote it."""
    try:
        blob = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise PackedFileInvalid("is not base64") from None
    if blob[:4] != ZSTD_MAGIC:
        raise PackedFileInvalid("is not a Zstandard frame")
    try:
        size = zstandard.frame_content_size(blob)
        if size < 0 or size > MAX_FRAME_BYTES:
            raise PackedFileInvalid(
                f"must declare its size, at most {MAX_FRAME_BYTES:,} bytes (declared: {size:,})"
            )
        document_json = _codecs()[1].decompress(blob, max_output_size=MAX_FRAME_BYTES)
    except zstandard.ZstdError as error:
        raise PackedFileInvalid(f"cannot be decompressed ({error})") from None
    try:
        document = orjson.loads(document_json)
    except orjson.JSONDecodeError:
        try:
            document = frame_loads(document_json)
        except (ValueError, RecursionError):
            raise PackedFileInvalid("does not hold JSON") from None
    if not isinstance(document, dict) or document.keys() != _PART_SET:
        raise PackedFileInvalid("must hold a JSON object with exactly input, output and response")
    return blob, email_of(document["input"])


def payload_pack(*, input=None, output=None, response=None) -> bytes:  # noqa: A002 - the File's own words
    return _codecs()[0].compress(_exact_json({"input": input, "output": output, "response": response}))


def _exact_json(document: dict) -> bytes:
    try:
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        # A lone surrogate (JSON allows "\ud800"; UTF-8 has no such character): ASCII escapes
        # keep it, and it reads back as it came.
        return json.dumps(document, separators=(",", ":")).encode()


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
