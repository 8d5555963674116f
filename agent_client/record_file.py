"""A snapshot record's File (its input, output and Sage response) as the agent sends it: one JSON
document `{"input": …, "output": …, "response": …}`, compressed with Zstandard, in base64.

Why: the File is most of a record's bytes and the portal only stores it and shows it one record
at a time. Sent as JSON objects, the portal spent ~60 µs a record decoding them into Python
objects and compressing them again, more than PostgreSQL spent storing the record; sent packed,
it checks the document and stores the agent's bytes as they came. The packing is done once per
record on the agent, which waits on Shopify and Sage most of the time anyway, and the frames are
~4× smaller on the customer's line.

The portal still accepts records carrying `input`, `output` and `response` (agents from before).
"""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

import zstandard

# Level 3 (Zstandard's default): as small as zlib level 1 for these Files, at about half its cost.
LEVEL = 3
# ZstdCompressor is not thread-safe, and an agent may run several workflows at once.
_local = threading.local()


def json_text(value: Any) -> str:
    """A value as the agent writes snapshot JSON: compact, non-ASCII kept, anything else as text.

    A lone surrogate ("\\ud800" is valid JSON) cannot be held by UTF-8, which SQLite stores and the
    File is packed in: the commit of a whole page failed on one. It can only stand inside a JSON
    string, where backslashreplace writes it back as the same escape."""
    text = json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:
            text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def file_json(input_json: str, output_json: str, response_json: str) -> str:
    """The File document from its three parts, each written by json_text."""
    return f'{{"input":{input_json},"output":{output_json},"response":{response_json}}}'


def file_pack(document_json: str) -> str:
    compressor = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=LEVEL)
    return base64.b64encode(compressor.compress(document_json.encode())).decode("ascii")
