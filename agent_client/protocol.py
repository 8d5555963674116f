"""The agent ↔ portal protocol, version 1: frame types, their fields, and one validator.

Both ends import this module (the portal through `from agent_client.protocol import ...`), so a
frame one side builds with `make_frame` is exactly what the other side accepts in
`parse_frame`. Unknown types and unknown fields are rejected, never dropped, with a
`ProtocolError` whose message is one sentence naming the frame type and the field:
`snapshot.batch: field "seq" must be a positive integer`.

Every frame is a JSON object `{"type", "id": <uuid4>, ...payload}`; a reply also carries
`"re": <id of the frame it answers>`. Identifiers (agent, run, workflow ids) are strings.

A snapshot record carries its File either packed, `file` (agent_client.record_file: what agents
send), or as the three JSON values `input`, `output` and `response` (what agents sent before;
the portal takes both, so an agent may be older than its portal, never the other way round).

Validation sits on the portal's hot path (tens of thousands of snapshot records a second), so
checks are plain `isinstance` tests and set comparisons; nothing is copied but the payload dict.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

PROTOCOL_VERSION = 1

CLOSE_BAD_TOKEN = 4401  # bad or revoked token: register again
CLOSE_DETACHED = 4403  # the agent was detached in the portal
CLOSE_SUPERSEDED = 4409  # a newer connection of the same agent took over
CLOSE_UNSUPPORTED = 4426  # the portal does not speak this protocol version
PERMANENT_CLOSE_CODES = frozenset({CLOSE_BAD_TOKEN, CLOSE_DETACHED, CLOSE_UNSUPPORTED})

MAX_FRAME_BYTES = 8 * 1024 * 1024
MAX_BATCH_RECORDS = 1000

AGENT_TO_PORTAL = "agent_to_portal"
PORTAL_TO_AGENT = "portal_to_agent"
BOTH = "both"
_SENDER = {AGENT_TO_PORTAL: "the agent", PORTAL_TO_AGENT: "the portal"}

RECORD_STATUSES = ("success", "failed", "skipped", "warning")
RUN_STATUSES = ("succeeded", "completed_with_errors", "failed", "cancelled")
AGENT_TRIGGERS = ("agent", "agent_schedule")
LOG_LEVELS = ("debug", "info", "warning", "error")
COUNT_FIELDS = frozenset({"read", "succeeded", "failed", "skipped", "warnings"})
RECORD_FIELDS = frozenset(
    {
        "record_key",
        "source_id",
        "destination_id",
        "status",
        "message",
        "tries",
        "input",
        "output",
        "response",
        "duration_ms",
    }
)
# A record's File, in the order it is shown; or packed in one field (agent_client.record_file),
# as agents send it.
FILE_PARTS = ("input", "output", "response")
FILE_PART_SET = frozenset(FILE_PARTS)
PACKED_RECORD_FIELDS = (RECORD_FIELDS - FILE_PART_SET) | {"file"}
LOG_FIELDS = frozenset({"ts", "level", "node_id", "message"})
_ENVELOPE = frozenset({"type", "id", "re"})


class ProtocolError(Exception):
    """A frame that breaks the protocol. `re` is the offending frame's id when it could be read."""

    def __init__(self, code: str, message: str, re: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.re = re

    def __str__(self) -> str:
        return self.message


class _Invalid(Exception):
    """Raised by field checks: `path` is the field (`records[3].status`), `problem` the rest."""

    def __init__(self, path: str, problem: str, code: str = "invalid_field"):
        self.path, self.problem, self.code = path, problem, code


# -- field checks: each takes (value, path) and raises _Invalid --------------------------------
Check = Callable[[Any, str], None]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: Any, path: str) -> None:
    if not isinstance(value, str):
        raise _Invalid(path, "must be a string")


def _ident(value: Any, path: str) -> None:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise _Invalid(path, "must be a non-empty string of at most 200 characters")


def _positive_int(value: Any, path: str) -> None:
    if not _is_int(value) or value < 1:
        raise _Invalid(path, "must be a positive integer")


def _count(value: Any, path: str) -> None:
    if not _is_int(value) or value < 0:
        raise _Invalid(path, "must be a non-negative integer")


def _number(value: Any, path: str) -> None:
    if not _is_number(value):
        raise _Invalid(path, "must be a number")


def _positive_number(value: Any, path: str) -> None:
    if not _is_number(value) or value <= 0:
        raise _Invalid(path, "must be a positive number")


def _boolean(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        raise _Invalid(path, "must be true or false")


def _object(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        raise _Invalid(path, "must be an object")


def _nullable(check: Check) -> Check:
    def nullable(value: Any, path: str) -> None:
        if value is not None:
            check(value, path)

    return nullable


def _one_of(*choices: str) -> Check:
    allowed = frozenset(choices)
    listed = ", ".join(choices)

    def one_of(value: Any, path: str) -> None:
        if not isinstance(value, str) or value not in allowed:
            raise _Invalid(path, f"must be one of {listed}")

    return one_of


def _list_of(check: Check, what: str) -> Check:
    def list_of(value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise _Invalid(path, f"must be a list of {what}")
        for index, item in enumerate(value):
            check(item, f"{path}[{index}]")

    return list_of


def _map_of(check: Check, what: str) -> Check:
    def map_of(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise _Invalid(path, f"must be an object mapping names to {what}")
        for key, item in value.items():
            if not key:
                raise _Invalid(path, "must not have an empty key")
            check(item, f"{path}.{key}")

    return map_of


def _exact_keys(value: dict[str, Any], expected: frozenset[str], path: str) -> None:
    """Cheap when right (one set comparison); names the first difference when wrong."""
    if value.keys() == expected:
        return
    missing = sorted(expected - value.keys())
    if missing:
        raise _Invalid(f"{path}.{missing[0]}", "is missing", "missing_field")
    extra = sorted(value.keys() - expected)
    raise _Invalid(f"{path}.{extra[0]}", "is not a field of the protocol", "unknown_field")


def _shape(fields: Mapping[str, Check], optional: Mapping[str, Check] | None = None) -> Check:
    """A nested object with exactly these fields (plus any of `optional`)."""
    required = frozenset(fields)
    allowed = required | frozenset(optional or {})
    every = {**fields, **(optional or {})}

    def shape(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise _Invalid(path, "must be an object")
        keys = value.keys()
        if keys != required:
            missing = sorted(required - keys)
            if missing:
                raise _Invalid(f"{path}.{missing[0]}", "is missing", "missing_field")
            extra = sorted(keys - allowed)
            if extra:
                raise _Invalid(f"{path}.{extra[0]}", "is not a field of the protocol", "unknown_field")
        for name, item in value.items():
            every[name](item, f"{path}.{name}")

    return shape


_counts = _shape(dict.fromkeys(COUNT_FIELDS, _count))
_STATUS_SET = frozenset(RECORD_STATUSES)
_LEVEL_SET = frozenset(LOG_LEVELS)


def _records(value: Any, path: str) -> None:
    if not isinstance(value, list):
        raise _Invalid(path, "must be a list of snapshot records")
    if len(value) > MAX_BATCH_RECORDS:
        raise _Invalid(
            path, f"holds {len(value)} records, more than the {MAX_BATCH_RECORDS} allowed", "too_large"
        )
    for index, record in enumerate(value):
        # The hot loop of the whole protocol: keep it to isinstance tests and set lookups.
        if not isinstance(record, dict):
            raise _Invalid(f"{path}[{index}]", "must be an object")
        keys = record.keys()
        if keys == PACKED_RECORD_FIELDS:
            if not isinstance(record["file"], str) or not record["file"]:
                raise _Invalid(f"{path}[{index}].file", "must be the packed File (base64 text)")
        elif keys != RECORD_FIELDS:
            # Named after the form the record is closer to; with neither, the packed one agents send.
            packed = "file" in keys or not keys & FILE_PART_SET
            _exact_keys(record, PACKED_RECORD_FIELDS if packed else RECORD_FIELDS, f"{path}[{index}]")
        if record["status"] not in _STATUS_SET:
            raise _Invalid(f"{path}[{index}].status", f"must be one of {', '.join(RECORD_STATUSES)}")
        if not isinstance(record["record_key"], str):
            raise _Invalid(f"{path}[{index}].record_key", "must be a string")
        if not isinstance(record["message"], str):
            raise _Invalid(f"{path}[{index}].message", "must be a string")
        for name in ("source_id", "destination_id"):
            if record[name] is not None and not isinstance(record[name], str):
                raise _Invalid(f"{path}[{index}].{name}", "must be a string or null")
        for name in ("tries", "duration_ms"):
            number = record[name]
            if not _is_int(number) or number < 0:
                raise _Invalid(f"{path}[{index}].{name}", "must be a non-negative integer")


def _logs(value: Any, path: str) -> None:
    if not isinstance(value, list):
        raise _Invalid(path, "must be a list of log lines")
    for index, line in enumerate(value):
        if not isinstance(line, dict):
            raise _Invalid(f"{path}[{index}]", "must be an object")
        if line.keys() != LOG_FIELDS:
            _exact_keys(line, LOG_FIELDS, f"{path}[{index}]")
        if not _is_number(line["ts"]):
            raise _Invalid(f"{path}[{index}].ts", "must be a number (seconds since the epoch)")
        if line["level"] not in _LEVEL_SET:
            raise _Invalid(f"{path}[{index}].level", f"must be one of {', '.join(LOG_LEVELS)}")
        if not isinstance(line["node_id"], str) or not isinstance(line["message"], str):
            raise _Invalid(f"{path}[{index}]", "node_id and message must be strings")


def _pending(value: Any, path: str) -> None:
    """`welcome.pending`: whole run.start frames, checked as if received on their own."""
    if not isinstance(value, list):
        raise _Invalid(path, "must be a list of run.start frames")
    for index, item in enumerate(value):
        where = f"{path}[{index}]"
        if not isinstance(item, dict) or item.get("type") != "run.start":
            raise _Invalid(where, "must be a run.start frame")
        _frame_id(item.get("id"), f"{where}.id")
        if "re" in item:
            raise _Invalid(f"{where}.re", "is not a field of the protocol", "unknown_field")
        _check_payload(SPECS["run.start"], item, f"{where}.")


def _frame_id(value: Any, path: str) -> None:
    if not isinstance(value, str):
        raise _Invalid(path, "must be a UUID string")
    try:
        uuid.UUID(value)
    except ValueError:
        raise _Invalid(path, "must be a UUID string") from None


# -- the frame table --------------------------------------------------------------------------
@dataclass(frozen=True)
class FrameSpec:
    """One frame type: who sends it, its fields, and (for replies) which frame it answers.

    A reply must carry `re`; other frames must not (except `error`, where `re` may be null
    because the offending frame's id may be unreadable).
    """

    type: str
    direction: str
    required: Mapping[str, Check] = field(default_factory=dict)
    optional: Mapping[str, Check] = field(default_factory=dict)
    answers: str | None = None

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.required) | frozenset(self.optional)


_run_options = _shape({}, {"record_ids": _list_of(_ident, "record ids"), "dry_run": _boolean})
_stale = _shape({"plans": _list_of(_ident, "workflow ids"), "lookups": _boolean})
_plan_entry = _shape({"workflow_id": _ident, "version": _positive_int, "plan_hash": _ident, "plan": _object})
_RUN_START_FIELDS: dict[str, Check] = {
    "run_id": _ident,
    "workflow_id": _ident,
    "version": _positive_int,
    "plan_hash": _ident,
    "trigger": _ident,
    "options": _run_options,
}

SPECS: dict[str, FrameSpec] = {
    spec.type: spec
    for spec in (
        FrameSpec(
            "hello",
            AGENT_TO_PORTAL,
            {
                "protocol": _positive_int,
                "agent_version": _ident,
                "hostname": _text,
                "platform": _text,
                "plans": _map_of(_ident, "plan hashes"),
                "lookups_hash": _nullable(_ident),
                "running": _list_of(_ident, "run ids"),
            },
        ),
        FrameSpec(
            "welcome",
            PORTAL_TO_AGENT,
            {
                "agent_id": _ident,
                "organization": _text,
                "heartbeat_s": _positive_number,
                "server_time": _text,
                "pending": _pending,
                "stale": _stale,
            },
            answers="hello",
        ),
        FrameSpec(
            "heartbeat",
            AGENT_TO_PORTAL,
            {
                "running": _list_of(_ident, "run ids"),
                "cpu_percent": _nullable(_number),
                "rss_mb": _nullable(_number),
                "outbox_depth": _count,
            },
        ),
        FrameSpec("heartbeat.ack", PORTAL_TO_AGENT, answers="heartbeat"),
        FrameSpec(
            "config.available",
            PORTAL_TO_AGENT,
            {"workflow_id": _ident, "version": _positive_int, "plan_hash": _ident},
        ),
        FrameSpec("lookups.available", PORTAL_TO_AGENT, {"lookups_hash": _ident}),
        FrameSpec("config.get", AGENT_TO_PORTAL, optional={"workflow_ids": _list_of(_ident, "workflow ids")}),
        FrameSpec(
            "config.plans",
            PORTAL_TO_AGENT,
            {"plans": _list_of(_plan_entry, "plans")},
            answers="config.get",
        ),
        FrameSpec("lookups.get", AGENT_TO_PORTAL),
        FrameSpec(
            "lookups.tables", PORTAL_TO_AGENT, {"hash": _ident, "tables": _object}, answers="lookups.get"
        ),
        FrameSpec("run.start", PORTAL_TO_AGENT, _RUN_START_FIELDS),
        FrameSpec("run.accepted", AGENT_TO_PORTAL, {"run_id": _ident}, answers="run.start"),
        # busy: refused only for now (the workflow, or the agent's run limit, is taken); the portal
        # queues the run again instead of failing it.
        FrameSpec(
            "run.rejected",
            AGENT_TO_PORTAL,
            {"run_id": _ident, "reason": _text},
            {"busy": _boolean},
            answers="run.start",
        ),
        FrameSpec(
            "run.open",
            AGENT_TO_PORTAL,
            {
                "local_id": _ident,
                "workflow_id": _ident,
                "version": _positive_int,
                "plan_hash": _ident,
                "trigger": _one_of(*AGENT_TRIGGERS),
            },
        ),
        FrameSpec("run.opened", PORTAL_TO_AGENT, {"local_id": _ident, "run_id": _ident}, answers="run.open"),
        FrameSpec("run.progress", AGENT_TO_PORTAL, {"run_id": _ident, "node_id": _ident, "counts": _counts}),
        FrameSpec(
            "snapshot.batch",
            AGENT_TO_PORTAL,
            {"run_id": _ident, "seq": _positive_int, "node_id": _ident, "records": _records, "logs": _logs},
        ),
        FrameSpec(
            "snapshot.ack",
            PORTAL_TO_AGENT,
            {"run_id": _ident, "seq": _positive_int},
            answers="snapshot.batch",
        ),
        FrameSpec(
            "run.finished",
            AGENT_TO_PORTAL,
            {
                "run_id": _ident,
                "status": _one_of(*RUN_STATUSES),
                "counts": _map_of(_counts, "counts"),
                "cursor_before": _nullable(_text),
                "cursor_after": _nullable(_text),
                "started_at": _text,
                "finished_at": _text,
                "error": _nullable(_text),
            },
        ),
        FrameSpec("run.finished.ack", PORTAL_TO_AGENT, {"run_id": _ident}, answers="run.finished"),
        FrameSpec("run.cancel", PORTAL_TO_AGENT, {"run_id": _ident}),
        FrameSpec("agent.detach", PORTAL_TO_AGENT, {"reason": _text}),
        FrameSpec("error", BOTH, {"code": _ident, "message": _text}),
    )
}
FRAME_TYPES = frozenset(SPECS)


# -- frames ----------------------------------------------------------------------------------
class Frame:
    """A validated frame. Payload fields read as attributes (`frame.run_id`) or with `get`."""

    __slots__ = ("type", "id", "re", "payload")

    def __init__(self, type: str, id: str, re: str | None, payload: dict[str, Any]):
        self.type = type
        self.id = id
        self.re = re
        self.payload = payload

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "payload":
            raise AttributeError(name)  # copy/pickle probe dunders before __init__ has run
        try:
            return self.payload[name]
        except KeyError:
            raise AttributeError(f"{self.type} frame has no field {name!r}") from None

    def get(self, name: str, default: Any = None) -> Any:
        return self.payload.get(name, default)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "id": self.id}
        if self.re is not None or self.type == "error":
            data["re"] = self.re
        data.update(self.payload)
        return data

    def __repr__(self) -> str:
        return f"Frame({self.type!r}, id={self.id!r}, re={self.re!r}, fields={sorted(self.payload)})"


def _check_payload(spec: FrameSpec, data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Check every non-envelope key of `data` against `spec`; return the payload."""
    payload = {key: value for key, value in data.items() if key not in _ENVELOPE}
    for name in spec.required:
        if name not in payload:
            raise _Invalid(prefix + name, "is missing", "missing_field")
    if len(payload) > len(spec.required):
        allowed = spec.fields
        for name in payload:
            if name not in allowed:
                raise _Invalid(prefix + name, "is not a field of the protocol", "unknown_field")
    for name, value in payload.items():
        check = spec.required.get(name) or spec.optional[name]
        check(value, prefix + name)
    return payload


def _check_re(spec: FrameSpec, data: dict[str, Any]) -> str | None:
    re = data.get("re")
    if spec.type == "error":
        if re is not None and not isinstance(re, str):
            raise _Invalid("re", "must be the id of the frame it answers, or null")
        return re
    if spec.answers is None:
        if "re" in data:
            raise _Invalid("re", "is not a field of the protocol", "unknown_field")
        return None
    if "re" not in data:
        raise _Invalid("re", f"is missing (the id of the {spec.answers} frame this answers)", "missing_field")
    if not isinstance(re, str) or not re:
        raise _Invalid("re", f"must be the id of the {spec.answers} frame this answers")
    return re


def validate_frame(data: Any, *, direction: str | None) -> Frame:
    """Check a decoded frame. `direction` is who sent it (None: do not check the sender)."""
    if not isinstance(data, dict):
        raise ProtocolError("invalid_frame", "a frame must be a JSON object")
    frame_id = data.get("id")
    known_id = frame_id if isinstance(frame_id, str) else None
    frame_type = data.get("type")
    if frame_type is None:
        raise ProtocolError("missing_field", 'frame: field "type" is missing', known_id)
    spec = SPECS.get(frame_type) if isinstance(frame_type, str) else None
    if spec is None:
        shown = frame_type if isinstance(frame_type, str) else json.dumps(frame_type)[:40]
        raise ProtocolError("unknown_type", f'unknown frame type "{shown[:60]}"', known_id)
    if direction is not None and spec.direction not in (BOTH, direction):
        raise ProtocolError(
            "wrong_direction",
            f"{spec.type}: frames of this type are sent by {_SENDER[spec.direction]}, "
            f"not by {_SENDER[direction]}",
            known_id,
        )
    try:
        if frame_id is None:
            raise _Invalid("id", "is missing", "missing_field")
        _frame_id(frame_id, "id")
        re = _check_re(spec, data)
        payload = _check_payload(spec, data)
    except _Invalid as problem:
        raise ProtocolError(
            problem.code, f'{spec.type}: field "{problem.path}" {problem.problem}', known_id
        ) from None
    return Frame(spec.type, frame_id, re, payload)


def parse_frame(
    text: str | bytes, *, direction: str, loads: Callable[[str | bytes], Any] = json.loads
) -> Frame:
    """Decode and validate one received frame; `direction` is AGENT_TO_PORTAL or PORTAL_TO_AGENT.

    `loads` decodes the JSON (the portal marks non-finite numbers as it reads, see
    portal.runs.payloads.frame_loads); it must raise ValueError on text that is not JSON.

    Raises ProtocolError(code, message, re) — answer it with `error_frame(e.code, e.message, e.re)`.
    """
    if direction not in _SENDER:
        raise ValueError(f"direction must be {AGENT_TO_PORTAL!r} or {PORTAL_TO_AGENT!r}, not {direction!r}")
    size = len(text)
    if size > MAX_FRAME_BYTES // 4 and isinstance(text, str):
        size = len(text.encode("utf-8"))  # only long texts need the exact byte count
    if size > MAX_FRAME_BYTES:
        raise ProtocolError(
            "too_large", f"a frame of {size:,} bytes is larger than the {MAX_FRAME_BYTES:,} bytes allowed"
        )
    try:
        data = loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nesting too deep
        raise ProtocolError("invalid_json", "the frame is not valid JSON") from None
    return validate_frame(data, direction=direction)


def make_frame(type: str, *, re: str | None = None, **payload: Any) -> dict[str, Any]:
    """Build a frame with a fresh id, validated; raises ProtocolError if the payload is wrong."""
    data: dict[str, Any] = {"type": type, "id": str(uuid.uuid4())}
    if re is not None or type == "error":
        data["re"] = re
    data.update(payload)
    validate_frame(data, direction=None)
    return data


def error_frame(code: str, message: str, re: str | None = None) -> dict[str, Any]:
    return make_frame("error", re=re, code=code, message=message)


def dump_frame(frame: dict[str, Any] | Frame) -> str:
    data = frame.to_dict() if isinstance(frame, Frame) else frame
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
