"""agent_client.protocol: every frame type round-trips; every rejection has its code and sentence."""

import json
import time
import uuid

import pytest

from agent_client.protocol import (
    AGENT_TO_PORTAL,
    FRAME_TYPES,
    MAX_BATCH_RECORDS,
    MAX_FRAME_BYTES,
    PORTAL_TO_AGENT,
    SPECS,
    ProtocolError,
    dump_frame,
    error_frame,
    make_frame,
    parse_frame,
    validate_frame,
)

COUNTS = {"read": 3, "succeeded": 2, "failed": 1, "skipped": 0, "warnings": 0}
RECORD = {
    "record_key": "3282407456848",
    "source_id": "3282407456848",
    "destination_id": "SH15VX0NF4G",
    "status": "success",
    "message": "3282407456848 is pushed as SH15VX0NF4G",
    "tries": 1,
    "input": {"id": 3282407456848},
    "output": {"IDCUST": "SH15VX0NF4G"},
    "response": {"status": 201},
    "duration_ms": 12,
}
LOG = {"ts": 1769860800.5, "level": "info", "node_id": "customer_update", "message": "reading"}
RE = str(uuid.uuid4())
RUN_START = {
    "run_id": "41",
    "workflow_id": "customer-update",
    "version": 3,
    "plan_hash": "1a2b3c4d5e6f",
    "trigger": "manual",
    "options": {"record_ids": ["3282407456848"], "dry_run": False},
}

# One valid example per type: (type, re or None, payload).
EXAMPLES = [
    (
        "hello",
        None,
        {
            "protocol": 1,
            "agent_version": "0.1.0",
            "hostname": "sage-01",
            "platform": "Windows-2022",
            "plans": {"customer-update": "1a2b3c4d5e6f"},
            "lookups_hash": None,
            "running": [],
        },
    ),
    (
        "welcome",
        RE,
        {
            "agent_id": "7",
            "organization": "Acme",
            "heartbeat_s": 30,
            "server_time": "2026-01-31T12:00:00+00:00",
            "pending": [{"type": "run.start", "id": str(uuid.uuid4()), **RUN_START}],
            "stale": {"plans": ["customer-update"], "lookups": True},
        },
    ),
    ("heartbeat", None, {"running": ["41"], "cpu_percent": 3.5, "rss_mb": None, "outbox_depth": 0}),
    ("heartbeat.ack", RE, {}),
    ("config.available", None, {"workflow_id": "customer-update", "version": 3, "plan_hash": "1a2b"}),
    ("lookups.available", None, {"lookups_hash": "9f8e"}),
    ("config.get", None, {"workflow_ids": ["customer-update"]}),
    ("config.get", None, {}),
    (
        "config.plans",
        RE,
        {"plans": [{"workflow_id": "customer-update", "version": 3, "plan_hash": "1a2b", "plan": {}}]},
    ),
    ("lookups.get", None, {}),
    ("lookups.tables", RE, {"hash": "9f8e", "tables": {"Country": {"rows": {"CA": "CAN"}, "default": None}}}),
    ("run.start", None, RUN_START),
    ("run.start", None, {**RUN_START, "options": {}}),
    ("run.accepted", RE, {"run_id": "41"}),
    ("run.rejected", RE, {"run_id": "41", "reason": "workflow Customer Update is already running (run 40)"}),
    (
        "run.open",
        None,
        {
            "local_id": "l-1",
            "workflow_id": "customer-update",
            "version": 3,
            "plan_hash": "1a2b",
            "trigger": "agent",
        },
    ),
    ("run.opened", RE, {"local_id": "l-1", "run_id": "42"}),
    ("run.progress", None, {"run_id": "41", "node_id": "customer_update", "counts": COUNTS}),
    (
        "snapshot.batch",
        None,
        {"run_id": "41", "seq": 1, "node_id": "customer_update", "records": [RECORD], "logs": [LOG]},
    ),
    ("snapshot.ack", RE, {"run_id": "41", "seq": 1}),
    (
        "run.finished",
        None,
        {
            "run_id": "41",
            "status": "completed_with_errors",
            "counts": {"customer_update": COUNTS},
            "cursor_before": None,
            "cursor_after": "2026-01-31T11:59:00+00:00",
            "started_at": "2026-01-31T12:00:00+00:00",
            "finished_at": "2026-01-31T12:01:00+00:00",
            "error": None,
        },
    ),
    ("run.finished.ack", RE, {"run_id": "41"}),
    ("run.cancel", None, {"run_id": "41"}),
    ("agent.detach", None, {"reason": "detached by alice@acme.test"}),
    (
        "error",
        RE,
        {"code": "invalid_field", "message": 'snapshot.batch: field "seq" must be a positive integer'},
    ),
    ("error", None, {"code": "invalid_json", "message": "the frame is not valid JSON"}),
]


def _sender(kind):
    direction = SPECS[kind].direction
    return PORTAL_TO_AGENT if direction == "both" else direction


def test_it_has_exactly_the_frame_types_of_the_spec():
    assert FRAME_TYPES == {
        "hello", "welcome", "heartbeat", "heartbeat.ack", "config.available", "lookups.available",
        "config.get", "config.plans", "lookups.get", "lookups.tables", "run.start", "run.accepted",
        "run.rejected", "run.open", "run.opened", "run.progress", "snapshot.batch", "snapshot.ack",
        "run.finished", "run.finished.ack", "run.cancel", "agent.detach", "error",
    }  # fmt: skip
    assert {kind for kind, _, _ in EXAMPLES} == FRAME_TYPES


@pytest.mark.parametrize(
    ("kind", "re", "payload"), EXAMPLES, ids=[f"{e[0]}-{i}" for i, e in enumerate(EXAMPLES)]
)
def test_it_round_trips_every_frame_type(kind, re, payload):
    frame = make_frame(kind, re=re, **payload)
    assert uuid.UUID(frame["id"]).version == 4

    parsed = parse_frame(dump_frame(frame), direction=_sender(kind))

    assert (parsed.type, parsed.id, parsed.re, parsed.payload) == (kind, frame["id"], re, payload)
    assert parsed.to_dict() == frame
    assert json.loads(dump_frame(parsed)) == frame


def test_it_reads_payload_fields_as_attributes():
    frame = parse_frame(dump_frame(make_frame("run.cancel", run_id="41")), direction=PORTAL_TO_AGENT)
    assert frame.run_id == "41"
    assert frame.get("missing", "default") == "default"
    with pytest.raises(AttributeError, match="run.cancel frame has no field 'reason'"):
        _ = frame.reason


def test_error_frame_always_carries_re():
    assert error_frame("too_large", "too big")["re"] is None
    assert error_frame("too_large", "too big", RE)["re"] == RE


def _batch(**changes):
    frame = make_frame(
        "snapshot.batch", run_id="41", seq=1, node_id="customer_update", records=[RECORD], logs=[LOG]
    )
    frame.update(changes)
    return frame


def _rejection(data, direction=AGENT_TO_PORTAL):
    text = data if isinstance(data, str | bytes) else json.dumps(data)
    with pytest.raises(ProtocolError) as caught:
        parse_frame(text, direction=direction)
    return caught.value.code, caught.value.message, caught.value.re


def test_it_rejects_what_is_not_json():
    assert _rejection("{nope") == ("invalid_json", "the frame is not valid JSON", None)
    assert _rejection(b"\xff\xfe") == ("invalid_json", "the frame is not valid JSON", None)
    # Nesting deeper than the decoder goes is an answer too, not a crash of the socket's handler.
    assert _rejection("[" * 100_000) == ("invalid_json", "the frame is not valid JSON", None)


def test_the_receiver_may_decode_with_its_own_json_reader():
    seen = []

    def loads(text):
        seen.append(text)
        return json.loads(text)

    text = json.dumps(make_frame("heartbeat", **EXAMPLES[2][2]))
    assert parse_frame(text, direction=AGENT_TO_PORTAL, loads=loads).type == "heartbeat"
    assert seen == [text]


def test_it_rejects_what_is_not_an_object():
    assert _rejection("[1, 2]") == ("invalid_frame", "a frame must be a JSON object", None)


def test_it_rejects_unknown_types_and_keeps_the_id_for_the_answer():
    frame = {"type": "run.explode", "id": RE}
    assert _rejection(frame) == ("unknown_type", 'unknown frame type "run.explode"', RE)
    assert _rejection({"id": RE}) == ("missing_field", 'frame: field "type" is missing', RE)


def test_it_rejects_frames_sent_the_wrong_way():
    frame = make_frame("run.start", **RUN_START)
    assert _rejection(frame, AGENT_TO_PORTAL) == (
        "wrong_direction",
        "run.start: frames of this type are sent by the portal, not by the agent",
        frame["id"],
    )
    hello = make_frame("hello", **EXAMPLES[0][2])
    assert (
        _rejection(hello, PORTAL_TO_AGENT)[1]
        == "hello: frames of this type are sent by the agent, not by the portal"
    )


def test_it_rejects_missing_and_unknown_fields():
    batch = _batch()
    del batch["seq"]
    assert _rejection(batch) == ("missing_field", 'snapshot.batch: field "seq" is missing', batch["id"])
    assert _rejection(_batch(colour="red"))[:2] == (
        "unknown_field",
        'snapshot.batch: field "colour" is not a field of the protocol',
    )
    assert _rejection({"type": "run.cancel", "run_id": "41"}, PORTAL_TO_AGENT)[:2] == (
        "missing_field",
        'run.cancel: field "id" is missing',
    )


def test_it_rejects_re_where_it_does_not_belong_and_requires_it_on_replies():
    assert _rejection(_batch(re=RE))[:2] == (
        "unknown_field",
        'snapshot.batch: field "re" is not a field of the protocol',
    )
    ack = make_frame("snapshot.ack", re=RE, run_id="41", seq=1)
    del ack["re"]
    assert _rejection(ack, PORTAL_TO_AGENT)[:2] == (
        "missing_field",
        'snapshot.ack: field "re" is missing (the id of the snapshot.batch frame this answers)',
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"seq": 0}, 'field "seq" must be a positive integer'),
        ({"seq": True}, 'field "seq" must be a positive integer'),
        ({"seq": "1"}, 'field "seq" must be a positive integer'),
        ({"run_id": ""}, 'field "run_id" must be a non-empty string of at most 200 characters'),
        ({"id": "not-a-uuid"}, 'field "id" must be a UUID string'),
        ({"records": {}}, 'field "records" must be a list of snapshot records'),
        ({"records": [1]}, 'field "records[0]" must be an object'),
        (
            {"records": [{**RECORD, "status": "ok"}]},
            'field "records[0].status" must be one of success, failed, skipped, warning',
        ),
        (
            {"records": [RECORD, {**RECORD, "tries": -1}]},
            'field "records[1].tries" must be a non-negative integer',
        ),
        (
            {"records": [{**RECORD, "duration_ms": 1.5}]},
            'field "records[0].duration_ms" must be a non-negative integer',
        ),
        (
            {"records": [{**RECORD, "source_id": 3282407456848}]},
            'field "records[0].source_id" must be a string or null',
        ),
        ({"records": [{**RECORD, "message": None}]}, 'field "records[0].message" must be a string'),
        (
            {"logs": [{**LOG, "level": "loud"}]},
            'field "logs[0].level" must be one of debug, info, warning, error',
        ),
        ({"logs": [{**LOG, "ts": "noon"}]}, 'field "logs[0].ts" must be a number (seconds since the epoch)'),
    ],
)
def test_it_rejects_wrong_types_with_one_sentence(changes, message):
    code, text, _ = _rejection(_batch(**changes))
    assert (code, text) == ("invalid_field", f"snapshot.batch: {message}")


def test_it_requires_exactly_the_record_and_log_fields():
    record = dict(RECORD)
    del record["tries"]
    assert _rejection(_batch(records=[record]))[:2] == (
        "missing_field",
        'snapshot.batch: field "records[0].tries" is missing',
    )
    assert _rejection(_batch(records=[{**RECORD, "extra": 1}]))[:2] == (
        "unknown_field",
        'snapshot.batch: field "records[0].extra" is not a field of the protocol',
    )
    assert _rejection(_batch(logs=[{"ts": 1, "level": "info", "message": "m"}]))[:2] == (
        "missing_field",
        'snapshot.batch: field "logs[0].node_id" is missing',
    )


PACKED = {
    **{k: v for k, v in RECORD.items() if k not in ("input", "output", "response")},
    "file": "KLUv/QBYSQAA",
}


def test_it_takes_records_with_the_file_packed_or_as_json():
    frame = parse_frame(json.dumps(_batch(records=[PACKED, RECORD])), direction=AGENT_TO_PORTAL)
    assert [sorted(record) for record in frame.records] == [sorted(PACKED), sorted(RECORD)]


@pytest.mark.parametrize(
    ("record", "code", "message"),
    [
        ({**PACKED, "file": ""}, "invalid_field", 'field "records[0].file" must be the packed File (base64 text)'),
        ({**PACKED, "file": {"input": 1}}, "invalid_field",
         'field "records[0].file" must be the packed File (base64 text)'),
        ({**PACKED, "input": {}}, "unknown_field", 'field "records[0].input" is not a field of the protocol'),
        ({k: v for k, v in PACKED.items() if k != "tries"}, "missing_field", 'field "records[0].tries" is missing'),
        ({k: v for k, v in PACKED.items() if k != "file"}, "missing_field", 'field "records[0].file" is missing'),
        ({k: v for k, v in RECORD.items() if k != "input"}, "missing_field", 'field "records[0].input" is missing'),
    ],
)  # fmt: skip
def test_a_packed_record_is_checked_as_strictly(record, code, message):
    assert _rejection(_batch(records=[record]))[:2] == (code, f"snapshot.batch: {message}")


def test_it_checks_nested_objects_of_other_frames():
    finished = make_frame("run.finished", **EXAMPLES[20][2])
    finished["counts"] = {"customer_update": {**COUNTS, "read": -1}}
    assert (
        _rejection(finished)[1]
        == 'run.finished: field "counts.customer_update.read" must be a non-negative integer'
    )
    finished["counts"] = {"customer_update": {"read": 1}}
    assert _rejection(finished)[:2] == (
        "missing_field",
        'run.finished: field "counts.customer_update.failed" is missing',
    )
    start = make_frame("run.start", **RUN_START)
    start["options"] = {"record_ids": ["1"], "priority": "high"}
    assert (
        _rejection(start, PORTAL_TO_AGENT)[1]
        == 'run.start: field "options.priority" is not a field of the protocol'
    )
    opened = make_frame("run.open", **EXAMPLES[15][2])
    opened["trigger"] = "resync"
    assert _rejection(opened)[1] == 'run.open: field "trigger" must be one of agent, agent_schedule'
    heartbeat = make_frame("heartbeat", **EXAMPLES[2][2])
    heartbeat["cpu_percent"] = "high"
    assert _rejection(heartbeat)[1] == 'heartbeat: field "cpu_percent" must be a number'


def test_it_checks_the_run_starts_inside_a_welcome():
    welcome = make_frame("welcome", re=RE, **EXAMPLES[1][2])
    del welcome["pending"][0]["plan_hash"]
    assert _rejection(welcome, PORTAL_TO_AGENT)[:2] == (
        "missing_field",
        'welcome: field "pending[0].plan_hash" is missing',
    )
    welcome["pending"] = [{"type": "run.cancel", "id": RE, "run_id": "41"}]
    assert _rejection(welcome, PORTAL_TO_AGENT)[1] == 'welcome: field "pending[0]" must be a run.start frame'


def test_it_rejects_too_many_records_and_too_many_bytes():
    batch = _batch(records=[RECORD] * (MAX_BATCH_RECORDS + 1))
    assert _rejection(batch)[:2] == (
        "too_large",
        f'snapshot.batch: field "records" holds {MAX_BATCH_RECORDS + 1} records, more than the {MAX_BATCH_RECORDS} allowed',
    )
    huge = json.dumps(_batch(logs=[{**LOG, "message": "é" * (MAX_FRAME_BYTES // 2)}]))
    code, message, _ = _rejection(huge)
    assert code == "too_large"
    assert (
        message
        == f"a frame of {len(huge.encode()):,} bytes is larger than the {MAX_FRAME_BYTES:,} bytes allowed"
    )


def test_make_frame_refuses_a_wrong_payload():
    with pytest.raises(ProtocolError, match=r'^run.accepted: field "run_id" is missing$'):
        make_frame("run.accepted", re=RE)
    with pytest.raises(ProtocolError, match=r'^unknown frame type "run.go"$'):
        make_frame("run.go")


def test_validating_a_full_batch_is_cheap():
    """Prints the cost (no assertion on time: machines differ); the portal budget is ~50 ms."""
    batch = _batch(records=[dict(RECORD, record_key=str(n)) for n in range(MAX_BATCH_RECORDS)])
    text = dump_frame(batch)
    started = time.perf_counter()
    for _ in range(10):
        frame = validate_frame(json.loads(text), direction=AGENT_TO_PORTAL)
    elapsed_ms = (time.perf_counter() - started) / 10 * 1000
    print(f"json + validation of a {MAX_BATCH_RECORDS}-record batch: {elapsed_ms:.2f} ms")
    assert len(frame.records) == MAX_BATCH_RECORDS
