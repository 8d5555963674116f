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
on the agent. `packed_file_open` and `packed_file_email` check it and it is stored as it came,
with none of the decoding and compressing above (bench/dispatch.py measures both kinds).
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

from agent_client.protocol import FILE_PART_SET, MAX_FRAME_BYTES
from agent_client.protocol import FILE_PARTS as PARTS
from agent_client.record_file import LEVEL

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
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


# Brackets in a document below which it cannot nest deeper than the standard library reads (its
# recursion limit, ~1,000 levels; orjson reads 1,024): payload_unpack must read what was checked.
_SHALLOW = 500


def packed_file_open(text: str) -> tuple[bytes, int]:
    """The packed File's bytes and the size it declares (cheap: nothing is decompressed yet, so a
    batch's Files can be held against their budget first). Raises PackedFileInvalid."""
    try:
        blob = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise PackedFileInvalid("is not base64 (standard alphabet, padded, no line breaks)") from None
    if blob[:4] != ZSTD_MAGIC:
        raise PackedFileInvalid("is not a Zstandard frame")
    try:
        size = zstandard.frame_content_size(blob)
    except zstandard.ZstdError as error:
        raise PackedFileInvalid(f"has no readable Zstandard frame header ({error})") from None
    if size < 0:
        raise PackedFileInvalid("does not declare its size (the Zstandard frame must carry it)")
    if size > MAX_FRAME_BYTES:
        raise PackedFileInvalid(f"declares {size:,} bytes, more than the {MAX_FRAME_BYTES:,} allowed")
    return blob, size


def packed_file_email(blob: bytes, size: int) -> str:
    """Check an opened File as strictly as one sent as JSON objects, and return the customer's
    email from it. Raises PackedFileInvalid.

    One Zstandard frame and nothing after it, of exactly the size it declares (libzstd checks
    the size against the frame's content), holding a JSON object with exactly the three parts."""
    try:
        document_json = _codecs()[1].decompress(blob, max_output_size=size, allow_extra_data=False)
    except zstandard.ZstdError as error:
        raise PackedFileInvalid(
            f"is not one whole Zstandard frame of the size it declares, and nothing after it ({error})"
        ) from None
    document = _document(document_json)
    if not isinstance(document, dict) or document.keys() != FILE_PART_SET:
        raise PackedFileInvalid("must hold a JSON object with exactly input, output and response")
    return email_of(document["input"])


def _document(document_json: bytes) -> Any:
    """The File read for checking, by what payload_unpack will read back. orjson reads it fast;
    what orjson refuses (NaN, a lone surrogate) the standard library reads, as frame_loads does,
    and so does a document with enough brackets to nest deeper than the standard library goes.
    Integers beyond 64 bits read as floats by orjson are harmless: the document is only looked
    at here, and stored as the agent wrote it."""
    if document_json.count(b"[") + document_json.count(b"{") < _SHALLOW:
        try:
            return orjson.loads(document_json)
        except orjson.JSONDecodeError:
            pass  # the standard library decides, and says why
    try:
        return frame_loads(document_json)
    except RecursionError:
        raise PackedFileInvalid("nests deeper than the portal can read back") from None
    except ValueError as error:
        raise PackedFileInvalid(f"does not hold JSON ({error})") from None


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
