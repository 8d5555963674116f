"""The agent websocket, /ws/agent/v1/, spoken to as an agent would: real ASGI application, real
channel layer (Redis when REDIS_URL is set), real database."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from datetime import timedelta

import pytest
import zstandard
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from agent_client.protocol import dump_frame, make_frame
from agent_client.record_file import file_json, file_pack
from portal.agents.models import Agent
from portal.agents.services import agent_delete, agent_detach, agent_revoke, agent_update_configuration
from portal.asgi import application
from portal.runs.models import Run, RunLog, SnapshotBatch, SnapshotRecord
from portal.runs.queue import runs_queue_sweep
from portal.runs.services import run_cancel, run_request
from portal.workflows.design import workflow_create
from portal.workflows.lifecycle import version_generate, version_publish
from portal.workflows.selectors import lookup_tables_payload
from tests.helpers import redis_channel_layer
from tests.portal.agents.helpers import org_ready, snapshot_record

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 5  # seconds a reply may take (a worker thread and PostgreSQL in between)
db = database_sync_to_async


@pytest.fixture
def ready(acme, alice):
    return org_ready(organization=acme, owner=alice)


@pytest.fixture
def charlies(globex, charlie):
    return org_ready(organization=globex, owner=charlie, agent_name="globex-server")


def communicator(token: str | None) -> WebsocketCommunicator:
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    return WebsocketCommunicator(application, "/ws/agent/v1/", headers=headers)


def hello_frame(plans=None, lookups_hash=None, protocol=1) -> dict:
    return make_frame(
        "hello", protocol=protocol, agent_version="1.4.0", hostname="sage01", platform="Windows-10",
        plans=plans or {}, lookups_hash=lookups_hash, running=[],
    )  # fmt: skip


async def send(comm, frame: dict) -> None:
    await comm.send_to(text_data=dump_frame(frame))


async def ask(comm, frame: dict) -> dict:
    await send(comm, frame)
    return await comm.receive_json_from(timeout=WAIT)


async def connected(token: str, **hello) -> tuple[WebsocketCommunicator, dict]:
    comm = communicator(token)
    ok, _ = await comm.connect(timeout=WAIT)
    assert ok
    welcome = await ask(comm, hello_frame(**hello))
    assert welcome["type"] == "welcome"
    return comm, welcome


async def closed_with(comm) -> int:
    output = await comm.receive_output(timeout=WAIT)
    assert output["type"] == "websocket.close", output
    return output["code"]


async def settled(comm) -> None:
    """The consumer handles one message at a time: once a heartbeat is acked, all before it are done."""
    reply = await ask(
        comm, make_frame("heartbeat", running=[], cpu_percent=None, rss_mb=None, outbox_depth=0)
    )
    assert reply["type"] == "heartbeat.ack"


def strip_ids(frame: dict) -> dict:
    return {key: value for key, value in frame.items() if key != "id"}


def run_start(run: Run, workflow, version, **options) -> dict:
    return {
        "type": "run.start", "run_id": str(run.pk), "workflow_id": str(workflow.public_id), "version": version.number,
        "plan_hash": version.plan_hash, "trigger": "manual", "options": options,
    }  # fmt: skip


async def dispatched_run(comm, ready, alice) -> Run:
    run = await db(run_request)(workflow=ready.workflow, actor=alice)
    frame = await comm.receive_json_from(timeout=WAIT)
    assert strip_ids(frame) == run_start(run, ready.workflow, ready.version)
    await settled(comm)  # the consumer has marked the run dispatched (its database work is over)
    return run


async def running_run(comm, ready, alice) -> Run:
    run = await dispatched_run(comm, ready, alice)
    await send(comm, make_frame("run.accepted", re=str(uuid.uuid4()), run_id=str(run.pk)))
    await settled(comm)
    return run


async def fetch(model, **filters):
    return await db(lambda: model.objects.get(**filters))()


def finished_frame(run_id, status="completed_with_errors", counts=None) -> dict:
    return make_frame(
        "run.finished", run_id=str(run_id), status=status,
        counts=counts or {"customer_add": {"read": 3, "succeeded": 2, "failed": 1, "skipped": 0, "warnings": 0}},
        cursor_before="2025-01-01T00:00:00Z", cursor_after="2025-01-02T00:00:00Z",
        started_at="2025-01-02T10:00:00+00:00", finished_at="2025-01-02T10:05:00+00:00", error=None,
    )  # fmt: skip


def batch_frame(run_id, seq=1, records=None, logs=None, node_id="customer_add") -> dict:
    return make_frame(
        "snapshot.batch", run_id=str(run_id), seq=seq, node_id=node_id,
        records=records if records is not None else [snapshot_record(1), snapshot_record(2, status="failed")],
        logs=logs if logs is not None else [
            {"ts": 1735812000.5, "level": "info", "node_id": node_id, "message": "read 2 customers"}
        ],
    )  # fmt: skip


# -- connecting ----------------------------------------------------------------------------------
async def test_it_closes_4401_without_a_valid_token(ready):
    for token in (None, "ferry_agt_not-a-token", "ferry_pat_a-personal-token", ready.token[:-1]):
        comm = communicator(token)
        ok, _ = await comm.connect(timeout=WAIT)

        assert ok is True  # accepted, so the agent can read the close code
        assert await closed_with(comm) == 4401


async def test_it_closes_4401_for_a_revoked_token_and_4403_for_a_detached_agent(ready, alice):
    await db(agent_detach)(agent=ready.agent, actor=alice)
    comm = communicator(ready.token)
    await comm.connect(timeout=WAIT)
    assert await closed_with(comm) == 4403

    await db(agent_revoke)(agent=ready.agent, actor=alice)
    comm = communicator(ready.token)
    await comm.connect(timeout=WAIT)
    assert await closed_with(comm) == 4401


async def test_it_closes_4426_for_another_protocol_version(ready):
    comm = communicator(ready.token)
    await comm.connect(timeout=WAIT)

    await send(comm, hello_frame(protocol=2))

    assert await closed_with(comm) == 4426


async def test_it_answers_frames_before_hello_with_an_error(ready):
    comm = communicator(ready.token)
    await comm.connect(timeout=WAIT)
    frame = make_frame("lookups.get")

    reply = await ask(comm, frame)

    assert strip_ids(reply) == {
        "type": "error", "re": frame["id"], "code": "hello_first", "message": "send hello before anything else"
    }  # fmt: skip
    await comm.disconnect()


async def test_it_welcomes_the_agent_with_pending_runs_and_stale_configuration(ready, alice, acme):
    queued = await db(run_request)(workflow=ready.workflow, actor=alice)  # the agent is offline

    comm, welcome = await connected(ready.token)

    lookups_hash, _ = await db(lookup_tables_payload)(acme)
    assert set(welcome) == {
        "type", "id", "re", "agent_id", "organization", "heartbeat_s", "server_time", "pending", "stale"
    }  # fmt: skip
    assert (welcome["agent_id"], welcome["organization"], welcome["heartbeat_s"]) == (
        str(ready.agent.pk),
        "acme",
        20,
    )
    assert [strip_ids(frame) for frame in welcome["pending"]] == [
        run_start(queued, ready.workflow, ready.version)
    ]
    assert welcome["stale"] == {"plans": [str(ready.workflow.public_id)], "lookups": True}
    agent = await fetch(Agent, pk=ready.agent.pk)
    assert (agent.online, agent.version, agent.hostname, agent.platform) == (
        True,
        "1.4.0",
        "sage01",
        "Windows-10",
    )
    assert agent.plans == {} and agent.lookups_hash == ""
    await comm.disconnect()

    comm, welcome = await connected(
        ready.token, plans={str(ready.workflow.public_id): ready.version.plan_hash}, lookups_hash=lookups_hash
    )
    assert welcome["stale"] == {"plans": [], "lookups": False}
    agent = await fetch(Agent, pk=ready.agent.pk)
    assert agent.plans == {str(ready.workflow.public_id): ready.version.plan_hash}
    assert agent.lookups_hash == lookups_hash
    await comm.disconnect()
    assert (await fetch(Agent, pk=ready.agent.pk)).online is False


async def test_it_marks_the_agent_offline_even_when_the_channel_layer_fails(ready, monkeypatch):
    comm, _ = await connected(ready.token)
    layer = get_channel_layer()

    async def refused(*args):
        raise ConnectionError("Too many connections")  # what redis-py says when its pool is full

    monkeypatch.setattr(type(layer), "group_discard", refused)
    await comm.disconnect()

    assert (await fetch(Agent, pk=ready.agent.pk)).online is False


INVALID_FRAMES = [  # (text, code, message, answers the frame id)
        ("{not json", "invalid_json", "the frame is not valid JSON", False),
        ("[1, 2]", "invalid_frame", "a frame must be a JSON object", False),
        ('{"type": "bogus", "id": "%s"}', "unknown_type", 'unknown frame type "bogus"', True),
        (
            '{"type": "welcome", "id": "%s"}', "wrong_direction",
            "welcome: frames of this type are sent by the portal, not by the agent", True,
        ),
        (
            '{"type": "heartbeat", "id": "%s", "running": [], "cpu_percent": 1, "rss_mb": 2}',
            "missing_field", 'heartbeat: field "outbox_depth" is missing', True,
        ),
        (
            '{"type": "lookups.get", "id": "%s", "tables": {}}',
            "unknown_field", 'lookups.get: field "tables" is not a field of the protocol', True,
        ),
        (
            '{"type": "snapshot.batch", "id": "%s", "run_id": "r", "seq": 0, "node_id": "n", "records": [], "logs": []}',
            "invalid_field", 'snapshot.batch: field "seq" must be a positive integer', True,
        ),
        (
            '{"type": "run.accepted", "id": "%s", "run_id": "r"}',
            "missing_field", 'run.accepted: field "re" is missing (the id of the run.start frame this answers)', True,
        ),
]  # fmt: skip


async def test_it_answers_invalid_frames_with_exact_errors(ready):
    comm, _ = await connected(ready.token)

    for text, code, message, answers in INVALID_FRAMES:
        frame_id = str(uuid.uuid4())
        reply = await ask_text(comm, text % frame_id if "%s" in text else text)
        assert strip_ids(reply) == {
            "type": "error",
            "re": frame_id if answers else None,
            "code": code,
            "message": message,
        }

    await settled(comm)  # the socket stays open
    await comm.disconnect()


async def ask_text(comm, text: str) -> dict:
    await comm.send_to(text_data=text)
    return await comm.receive_json_from(timeout=WAIT)


async def test_it_acks_heartbeats_and_stores_the_agents_presence(ready):
    comm, _ = await connected(ready.token)
    frame = make_frame("heartbeat", running=[], cpu_percent=12.5, rss_mb=88.0, outbox_depth=7)
    before = time.time()

    reply = await ask(comm, frame)

    assert strip_ids(reply) == {"type": "heartbeat.ack", "re": frame["id"]}
    agent = await fetch(Agent, pk=ready.agent.pk)
    assert (agent.online, agent.cpu_percent, agent.rss_mb, agent.outbox_depth) == (True, 12.5, 88.0, 7)
    assert agent.last_seen_at.timestamp() >= before - 1
    await comm.disconnect()


async def test_it_tells_an_agent_deleted_under_its_socket_that_it_is_unknown(ready):
    # The socket's close (pushed on delete) can be lost with the channel layer: frames still get
    # an answer, heartbeats included, and change nothing.
    comm, _ = await connected(ready.token)
    await db(Agent.objects.filter(pk=ready.agent.pk).delete)()
    heartbeat = make_frame("heartbeat", running=[], cpu_percent=1.0, rss_mb=50.0, outbox_depth=0)
    config = make_frame("config.get")

    replies = [await ask(comm, heartbeat), await ask(comm, config)]

    assert [strip_ids(reply) for reply in replies] == [
        {
            "type": "error",
            "code": "unknown_agent",
            "message": "this agent was deleted in the portal",
            "re": frame["id"],
        }
        for frame in (heartbeat, config)
    ]
    assert not await db(Agent.objects.filter(pk=ready.agent.pk).exists)()
    await comm.disconnect()


async def test_a_deleted_agent_s_run_reports_are_refused_as_from_an_unknown_agent(ready, alice):
    # Run reports are looked up by the agent's key without reading its row first: a deleted agent
    # owns no run or workflow any more, so they are refused, and the refusal says why.
    comm, _ = await connected(ready.token)
    run = await running_run(comm, ready, alice)
    await db(Agent.objects.filter(pk=ready.agent.pk).delete)()
    finished = finished_frame(run.pk, status="succeeded")
    opened = make_frame(
        "run.open", local_id="after-delete", workflow_id=str(ready.workflow.public_id), version=1,
        plan_hash=ready.version.plan_hash, trigger="agent",
    )  # fmt: skip

    replies = [await ask(comm, finished), await ask(comm, opened)]

    assert [(reply["code"], reply["re"]) for reply in replies] == [
        ("unknown_agent", finished["id"]),
        ("unknown_agent", opened["id"]),
    ]
    stored = await fetch(Run, pk=run.pk)
    assert (stored.status, stored.records_read) == ("running", 0)
    assert not await db(Run.objects.filter(local_id="after-delete").exists)()
    await comm.disconnect()


async def test_the_socket_is_read_and_pushes_go_out_while_a_frame_is_handled(ready, monkeypatch):
    """A frame waiting for its database work does not stop the socket: the next frames are read
    (the server answers pings only while it reads) and a push for the agent goes out at once."""
    import threading

    from portal.agents import consumers

    release, handled = threading.Event(), []
    real = consumers.frame_handle

    def slow_heartbeat(agent_ref, frame):
        if frame.type == "heartbeat" and "heartbeat" not in handled:
            release.wait(10)
        handled.append(frame.type)
        return real(agent_ref, frame)

    monkeypatch.setattr(consumers, "frame_handle", slow_heartbeat)
    comm, _ = await connected(ready.token)
    heartbeat = make_frame("heartbeat", running=[], cpu_percent=1.0, rss_mb=50.0, outbox_depth=0)
    await send(comm, heartbeat)
    await send(comm, make_frame("config.get"))  # read ahead: waits behind the heartbeat, in order
    push = make_frame("config.available", workflow_id=str(uuid.uuid4()), version=2, plan_hash="a" * 64)
    await get_channel_layer().group_send(f"agent-{ready.agent.pk}", {"type": "agent.frame", "frame": push})
    try:
        assert (await comm.receive_json_from(timeout=WAIT))["type"] == "config.available"
        assert handled == ["hello"]
    finally:
        release.set()
    replies = [await comm.receive_json_from(timeout=WAIT) for _ in range(2)]
    assert [reply["type"] for reply in replies] == ["heartbeat.ack", "config.plans"]
    assert handled == ["hello", "heartbeat", "config.get"]
    await comm.disconnect()


async def test_it_sends_the_published_plans_on_config_get(ready):
    comm, _ = await connected(ready.token)
    frame = make_frame("config.get")

    reply = await ask(comm, frame)

    assert strip_ids(reply) == {
        "type": "config.plans", "re": frame["id"],
        "plans": [{
            "workflow_id": str(ready.workflow.public_id), "version": 1, "plan_hash": ready.version.plan_hash,
            "plan": json.loads(ready.version.plan_json),
        }],
    }  # fmt: skip
    filtered = await ask(comm, make_frame("config.get", workflow_ids=[str(uuid.uuid4())]))
    assert filtered["plans"] == []
    await comm.disconnect()


async def test_it_sends_the_lookup_tables_on_lookups_get(ready, acme):
    comm, _ = await connected(ready.token)
    frame = make_frame("lookups.get")

    reply = await ask(comm, frame)

    lookups_hash, tables = await db(lookup_tables_payload)(acme)
    assert strip_ids(reply) == {
        "type": "lookups.tables",
        "re": frame["id"],
        "hash": lookups_hash,
        "tables": tables,
    }
    assert set(tables) >= {"Tax"}
    await comm.disconnect()


# -- runs ----------------------------------------------------------------------------------------
async def test_it_dispatches_a_requested_run_and_the_agent_accepts_it(ready, alice):
    comm, _ = await connected(ready.token)

    run = await dispatched_run(comm, ready, alice)
    await settled(comm)

    assert (await fetch(Run, pk=run.pk)).status == "dispatched"
    await send(comm, make_frame("run.accepted", re=str(uuid.uuid4()), run_id=str(run.pk)))
    await settled(comm)
    stored = await fetch(Run, pk=run.pk)
    assert stored.status == "running"
    assert [t["status"] for t in stored.transitions] == ["queued", "dispatched", "running"]
    assert stored.started_at is not None
    # A reconnect no longer sees it as pending.
    await comm.disconnect()
    comm, welcome = await connected(ready.token)
    assert welcome["pending"] == []
    await comm.disconnect()


async def test_it_fails_a_run_the_agent_rejects(ready, alice):
    comm, _ = await connected(ready.token)
    run = await dispatched_run(comm, ready, alice)

    await send(
        comm, make_frame("run.rejected", re=str(uuid.uuid4()), run_id=str(run.pk), reason="plan unknown")
    )
    await settled(comm)

    stored = await fetch(Run, pk=run.pk)
    assert (stored.status, stored.error) == ("failed", "the agent refused the run: plan unknown")
    await comm.disconnect()


async def test_a_run_the_busy_agent_holds_back_is_queued_again_and_sent_when_it_is_free(ready, alice):
    comm, _ = await connected(ready.token)
    run = await dispatched_run(comm, ready, alice)

    await send(
        comm,
        make_frame(
            "run.rejected",
            re=str(uuid.uuid4()),
            run_id=str(run.pk),
            reason="workflow Customer Add is already running (run local-7)",
            busy=True,
        ),
    )
    await settled(comm)

    stored = await fetch(Run, pk=run.pk)
    assert (stored.status, stored.error) == ("queued", "")
    assert [t["status"] for t in stored.transitions] == ["queued", "dispatched", "queued"]
    log = await database_sync_to_async(lambda: list(stored.logs.values_list("level", "message")))()
    assert log == [
        (
            "warning",
            "The agent is busy (workflow Customer Add is already running (run local-7)); "
            "the run waits and is sent again when it is free.",
        )
    ]
    # A minute later the queue sweep sends it again: the same run.start reaches the agent.
    await database_sync_to_async(
        lambda: Run.objects.filter(pk=run.pk).update(last_activity_at=timezone.now() - timedelta(minutes=2))
    )()
    await database_sync_to_async(runs_queue_sweep)()
    again = await comm.receive_json_from(timeout=WAIT)
    assert (again["type"], again["run_id"]) == ("run.start", str(run.pk))
    await settled(comm)
    # Still busy: queued again, its minute restarted, and the Log does not repeat itself.
    await send(
        comm,
        make_frame(
            "run.rejected",
            re=again["id"],
            run_id=str(run.pk),
            reason="workflow Customer Add is already running (run local-7)",
            busy=True,
        ),
    )
    await settled(comm)
    stored = await fetch(Run, pk=run.pk)
    assert stored.status == "queued"
    assert stored.last_activity_at > timezone.now() - timedelta(seconds=30)
    assert await database_sync_to_async(stored.logs.count)() == 1
    await comm.disconnect()


async def test_it_stores_snapshot_batches_once(ready, alice):
    comm, _ = await connected(ready.token)
    run = await running_run(comm, ready, alice)
    frame = batch_frame(run.pk)

    first = await ask(comm, frame)
    again = await ask(comm, frame)

    for reply in (first, again):
        assert strip_ids(reply) == {
            "type": "snapshot.ack",
            "re": frame["id"],
            "run_id": str(run.pk),
            "seq": 1,
        }
    fields = ("organization_id", "node_id", "seq", "record_key", "source_id", "destination_id", "status", "message",
              "tries", "input", "output", "response", "duration_ms", "email")  # fmt: skip
    stored = await db(lambda: list(SnapshotRecord.objects.filter(run=run).order_by("id")))()
    rows = [{field: getattr(row, field) for field in fields} for row in stored]
    expected = [snapshot_record(1), snapshot_record(2, status="failed")]
    assert rows == [
        {**record, "destination_id": record["destination_id"] or "", "organization_id": ready.agent.organization_id,
         "node_id": "customer_add", "seq": 1, "email": record["input"]["email"]}
        for record in expected
    ]  # fmt: skip
    logs = await db(
        lambda: list(RunLog.objects.filter(run=run).values_list("node_id", "level", "message", "ts"))
    )()
    assert [(n, lv, m, ts.timestamp()) for n, lv, m, ts in logs] == [
        ("customer_add", "info", "read 2 customers", 1735812000.5)
    ]
    assert await db(SnapshotBatch.objects.filter(run=run).count)() == 1
    second = await ask(comm, batch_frame(run.pk, seq=2, records=[snapshot_record(3)], logs=[]))
    assert second["type"] == "snapshot.ack" and second["seq"] == 2
    assert await db(SnapshotRecord.objects.filter(run=run).count)() == 3
    await comm.disconnect()


async def test_a_batch_keeps_numbers_json_has_no_word_for_exactly(ready, alice):
    """Python's json (the agent's) writes NaN and Infinity and exact integers beyond 64 bits; the
    portal's fast File encoder must neither turn them into null nor into floats."""
    comm, _ = await connected(ready.token)
    run = await running_run(comm, ready, alice)
    record = snapshot_record(1)
    record["input"]["note"] = [
        float("nan"),
        float("inf"),
        -float("inf"),
        2**70,
        -(2**65),
        18446744073709551616,
    ]
    frame = batch_frame(run.pk, records=[record, snapshot_record(2)], logs=[])

    reply = await ask_text(comm, json.dumps(frame))  # not dump_frame's compact form: any valid text

    assert reply["type"] == "snapshot.ack"
    stored = await db(lambda: list(SnapshotRecord.objects.filter(run=run).order_by("id")))()
    note = stored[0].input["note"]
    assert (
        json.dumps(note)
        == "[NaN, Infinity, -Infinity, 1180591620717411303424, -36893488147419103232, 18446744073709551616]"
    )
    assert stored[1].input == snapshot_record(2)["input"]
    await comm.disconnect()


def packed(record: dict) -> dict:
    """The record as agents send it: its File packed (agent_client.record_file)."""
    parts = [json.dumps(record[part]) for part in ("input", "output", "response")]
    rest = {k: v for k, v in record.items() if k not in ("input", "output", "response")}
    return {**rest, "file": file_pack(file_json(*parts))}


async def test_it_stores_packed_files_as_the_agent_packed_them(ready, alice):
    comm, _ = await connected(ready.token)
    run = await running_run(comm, ready, alice)
    awkward = snapshot_record(1, email="zoë@例え.jp")
    awkward["input"]["note"] = [float("nan"), 2**70, "half a pair: \ud800"]
    records = [packed(awkward), packed(snapshot_record(2, status="failed")), snapshot_record(3)]

    reply = await ask(comm, batch_frame(run.pk, records=records, logs=[]))

    assert reply["type"] == "snapshot.ack"
    stored = await db(lambda: list(SnapshotRecord.objects.filter(run=run).order_by("id")))()
    assert bytes(stored[0].payload) == base64.b64decode(records[0]["file"])  # the agent's bytes
    expected = [awkward, snapshot_record(2, status="failed"), snapshot_record(3)]
    for row, record in zip(stored, expected, strict=True):
        assert json.dumps([row.input, row.output, row.response]) == json.dumps(
            [record["input"], record["output"], record["response"]]
        )
        assert (row.email, row.status, row.destination_id) == (
            record["input"]["email"],
            record["status"],
            record["destination_id"] or "",
        )
    await comm.disconnect()


def _zstd(data: bytes, **options) -> str:
    return base64.b64encode(zstandard.ZstdCompressor(**options).compress(data)).decode()


def _declaring(document: bytes, size: int) -> str:
    """A frame whose header declares `size` for `document` (one byte of size: small documents)."""
    blob = bytearray(zstandard.ZstdCompressor().compress(document))
    assert blob[5] == len(document)  # single-segment frame, one-byte content size
    blob[5] = size
    return base64.b64encode(bytes(blob)).decode()


EMPTY_FILE = b'{"input":null,"output":null,"response":null}'
WHOLE_FRAME = "is not one whole Zstandard frame of the size it declares, and nothing after it"


@pytest.mark.parametrize(
    ("file", "problem"),
    [
        ("not base64!", "is not base64 (standard alphabet, padded, no line breaks)"),
        (base64.b64encode(b'{"input": null}').decode(), "is not a Zstandard frame"),
        (_zstd(EMPTY_FILE, write_content_size=False), "does not declare its size (the Zstandard frame must carry it)"),
        (_zstd(b" " * (8 * 1024 * 1024 + 1)), "declares 8,388,609 bytes, more than the 8,388,608 allowed"),
        (_declaring(EMPTY_FILE, len(EMPTY_FILE) - 3), WHOLE_FRAME),
        (_declaring(EMPTY_FILE, len(EMPTY_FILE) + 3), WHOLE_FRAME),
        (_zstd(EMPTY_FILE)[:-4] + base64.b64encode(b"garbage").decode(), WHOLE_FRAME),
        (base64.b64encode(base64.b64decode(_zstd(EMPTY_FILE)) + base64.b64decode(_zstd(b"hidden"))).decode(),
         WHOLE_FRAME),
        (_zstd(b'{"input": {"id": 1}'), "does not hold JSON (Expecting ',' delimiter: line 1 column 20 (char 19))"),
        (_zstd(b'{"input":' + b"[" * 1010 + b"]" * 1010 + b',"output":null,"response":null}'),
         "nests deeper than the portal can read back"),
        (_zstd(b'{"input": null, "output": null}'), "must hold a JSON object with exactly input, output and response"),
        (_zstd(b"[]"), "must hold a JSON object with exactly input, output and response"),
    ],
)  # fmt: skip
async def test_it_refuses_a_packed_file_it_cannot_store_and_stores_nothing(ready, alice, file, problem):
    comm, _ = await connected(ready.token)
    run = await running_run(comm, ready, alice)
    records = [packed(snapshot_record(1)), {**packed(snapshot_record(2)), "file": file}]

    reply = await ask(comm, batch_frame(run.pk, records=records))

    assert (reply["type"], reply["code"]) == ("error", "invalid_field")
    expected = f'snapshot.batch: field "records[1].file" {problem}'
    if problem == WHOLE_FRAME:  # then libzstd's own words, in brackets
        assert reply["message"].startswith(f"{expected} (")
    else:
        assert reply["message"] == expected
    assert await db(SnapshotRecord.objects.filter(run=run).count)() == 0
    assert await db(SnapshotBatch.objects.filter(run=run).count)() == 0
    assert await db(RunLog.objects.filter(run=run).count)() == 0
    await comm.disconnect()


async def test_it_refuses_a_batch_whose_files_together_exceed_a_frame(ready, alice):
    """Each File is bounded, but a thousand of them, each ~1 KB packed, would unpack to gigabytes."""
    comm, _ = await connected(ready.token)
    run = await running_run(comm, ready, alice)
    padded = json.dumps({"input": {"note": " " * (3 * 1024 * 1024)}, "output": None, "response": None})
    record = {**packed(snapshot_record(1)), "file": _zstd(padded.encode())}

    reply = await ask(comm, batch_frame(run.pk, records=[record, record, record]))

    assert (reply["type"], reply["code"]) == ("error", "too_large")
    assert reply["message"] == (
        f'snapshot.batch: field "records" holds Files of {3 * len(padded):,} bytes in all, more than the '
        "8,388,608 bytes a frame may carry: send fewer records a batch"
    )
    assert await db(SnapshotRecord.objects.filter(run=run).count)() == 0
    ok = await ask(comm, batch_frame(run.pk, records=[record, record]))  # two fit
    assert ok["type"] == "snapshot.ack"
    assert [
        r.input["note"][:3] for r in await db(lambda: list(SnapshotRecord.objects.filter(run=run)))()
    ] == [
        "   ",
        "   ",
    ]
    await comm.disconnect()


async def test_it_finishes_a_run_once(ready, alice):
    comm, _ = await connected(ready.token)
    run = await running_run(comm, ready, alice)
    frame = finished_frame(run.pk)

    reply = await ask(comm, frame)

    assert strip_ids(reply) == {"type": "run.finished.ack", "re": frame["id"], "run_id": str(run.pk)}
    stored = await fetch(Run, pk=run.pk)
    expected = (
        "completed_with_errors",
        3,
        2,
        1,
        0,
        0,
        "2025-01-01T00:00:00Z",
        "2025-01-02T00:00:00Z",
        300.0,
        {"customer_add": {"read": 3, "succeeded": 2, "failed": 1, "skipped": 0, "warnings": 0}},
    )
    summary = lambda r: (  # noqa: E731
        r.status, r.records_read, r.records_succeeded, r.records_failed, r.records_skipped, r.records_warnings,
        r.cursor_before, r.cursor_after, r.duration_s, r.counts,
    )  # fmt: skip
    assert summary(stored) == expected
    again = finished_frame(run.pk, status="succeeded")
    reply = await ask(comm, again)
    assert strip_ids(reply) == {"type": "run.finished.ack", "re": again["id"], "run_id": str(run.pk)}
    assert summary(await fetch(Run, pk=run.pk)) == expected
    await comm.disconnect()


async def test_it_opens_an_agent_run_once_per_local_id(ready):
    comm, _ = await connected(ready.token)
    frame = make_frame(
        "run.open", local_id="local-1", workflow_id=str(ready.workflow.public_id), version=1,
        plan_hash=ready.version.plan_hash, trigger="agent_schedule",
    )  # fmt: skip

    reply = await ask(comm, frame)
    again = await ask(comm, {**frame, "id": str(uuid.uuid4())})

    run = await fetch(Run, local_id="local-1")
    assert strip_ids(reply) == {
        "type": "run.opened",
        "re": frame["id"],
        "local_id": "local-1",
        "run_id": str(run.pk),
    }
    assert (again["local_id"], again["run_id"]) == ("local-1", str(run.pk))
    assert (run.status, run.trigger, run.agent_id, run.version_id) == (
        "running",
        "agent_schedule",
        ready.agent.pk,
        ready.version.pk,
    )
    assert await db(Run.objects.count)() == 1
    other = await ask(comm, {**frame, "id": str(uuid.uuid4()), "local_id": "local-2"})
    assert other["run_id"] != str(run.pk)
    assert await db(Run.objects.count)() == 2
    wrong_plan = {**frame, "id": str(uuid.uuid4()), "local_id": "local-3", "plan_hash": "f" * 64}
    error = await ask(comm, wrong_plan)
    assert strip_ids(error) == {
        "type": "error", "re": wrong_plan["id"], "code": "unknown_plan",
        "message": f"run.open: Customer Add has no version 1 with plan {'f' * 12}",
    }  # fmt: skip
    await comm.disconnect()


def customer_update_workflow(organization, owner, agent):
    workflow = workflow_create(
        organization=organization, actor=owner, template="customer_update", agent=agent
    )
    version_publish(workflow=workflow, version=version_generate(workflow=workflow, actor=owner), actor=owner)
    return workflow


def counts(read, succeeded=0, failed=0):
    return {"read": read, "succeeded": succeeded, "failed": failed, "skipped": 0, "warnings": 0}


async def test_it_counts_the_source_node_when_post_tasks_report_progress(ready, alice, acme):
    workflow = await db(customer_update_workflow)(acme, alice, ready.agent)
    comm, _ = await connected(ready.token)
    run = await db(run_request)(workflow=workflow, actor=alice)
    await comm.receive_json_from(timeout=WAIT)  # run.start
    progress = [("customer_update", counts(10, 9, 1)), ("address_update", counts(9, 9)),
                ("customer_update", counts(20, 18, 2)), ("address_update", counts(18, 17, 1))]  # fmt: skip

    for node_id, node_counts in progress:
        await send(comm, make_frame("run.progress", run_id=str(run.pk), node_id=node_id, counts=node_counts))
        await settled(comm)
        stored = await fetch(Run, pk=run.pk)
        read_by_source = next(c for n, c in reversed(progress[: progress.index((node_id, node_counts)) + 1])
                              if n == "customer_update")  # fmt: skip
        assert (stored.records_read, stored.records_succeeded, stored.records_failed) == (
            read_by_source["read"],
            read_by_source["succeeded"],
            read_by_source["failed"],
        )

    assert stored.status == "running"  # progress of a dispatched run means it runs
    assert stored.counts == {"customer_update": counts(20, 18, 2), "address_update": counts(18, 17, 1)}
    await comm.disconnect()


async def test_it_pushes_run_cancel_when_a_running_run_is_cancelled(ready, alice):
    comm, _ = await connected(ready.token)
    run = await running_run(comm, ready, alice)

    await db(run_cancel)(run=run, actor=alice)

    frame = await comm.receive_json_from(timeout=WAIT)
    assert strip_ids(frame) == {"type": "run.cancel", "run_id": str(run.pk)}
    assert (await fetch(Run, pk=run.pk)).status == "running"  # until the agent reports `cancelled`
    await comm.disconnect()


async def test_it_pushes_config_available_when_a_workflow_is_published(ready, alice, acme):
    comm, _ = await connected(ready.token)

    workflow = await db(customer_update_workflow)(acme, alice, ready.agent)

    frame = await comm.receive_json_from(timeout=WAIT)
    version = await db(lambda: workflow.versions.get(state="published"))()
    assert strip_ids(frame) == {
        "type": "config.available", "workflow_id": str(workflow.public_id), "version": 1,
        "plan_hash": version.plan_hash,
    }  # fmt: skip
    await comm.disconnect()


async def test_it_pushes_configuration_and_lookups_on_update_configuration(ready, alice, acme):
    comm, _ = await connected(ready.token)

    sent = await db(agent_update_configuration)(agent=ready.agent, actor=alice)

    frames = [strip_ids(await comm.receive_json_from(timeout=WAIT)) for _ in range(sent)]
    lookups_hash, _ = await db(lookup_tables_payload)(acme)
    assert frames == [
        {"type": "config.available", "workflow_id": str(ready.workflow.public_id), "version": 1,
         "plan_hash": ready.version.plan_hash},
        {"type": "lookups.available", "lookups_hash": lookups_hash},
    ]  # fmt: skip
    await comm.disconnect()


# -- one socket per agent, and the portal closing it ---------------------------------------------
async def test_it_supersedes_the_older_socket_of_the_same_agent(ready, alice):
    first, _ = await connected(ready.token)

    second, _ = await connected(ready.token)

    assert await closed_with(first) == 4409
    await first.disconnect()  # the superseded socket going away does not mark the agent offline
    assert (await fetch(Agent, pk=ready.agent.pk)).online is True
    run = await dispatched_run(second, ready, alice)
    assert await first.receive_nothing(timeout=0.2)
    await settled(second)
    assert (await fetch(Run, pk=run.pk)).status == "dispatched"
    await second.disconnect()
    assert (await fetch(Agent, pk=ready.agent.pk)).online is False


@pytest.mark.parametrize(("change", "code"), [("detach", 4403), ("revoke", 4401), ("delete", 4401)])
async def test_it_closes_the_socket_when_the_agent_is_detached_revoked_or_deleted(ready, alice, change, code):
    comm, _ = await connected(ready.token)
    service = {"detach": agent_detach, "revoke": agent_revoke, "delete": agent_delete}[change]

    await db(service)(agent=ready.agent, actor=alice)

    if change == "detach":
        frame = await comm.receive_json_from(timeout=WAIT)
        assert strip_ids(frame) == {"type": "agent.detach", "reason": "detached in the portal"}
    assert await closed_with(comm) == code


# -- Charlie's agent names Acme's things ---------------------------------------------------------
def acme_state(organization) -> tuple:
    return (
        list(Run.objects.filter(organization=organization).order_by("pk").values()),
        SnapshotRecord.objects.filter(organization=organization).count(),
        SnapshotBatch.objects.filter(organization=organization).count(),
        RunLog.objects.filter(organization=organization).count(),
    )


async def test_it_refuses_frames_naming_another_organizations_runs(ready, charlies, alice, acme):
    acme_comm, _ = await connected(ready.token)
    run = await running_run(acme_comm, ready, alice)
    await ask(acme_comm, batch_frame(run.pk))
    await acme_comm.disconnect()
    before = await db(acme_state)(acme)
    comm, _ = await connected(charlies.token)
    run_id = str(run.pk)
    frames = [
        make_frame("run.accepted", re=str(uuid.uuid4()), run_id=run_id),
        make_frame("run.rejected", re=str(uuid.uuid4()), run_id=run_id, reason="no"),
        make_frame("run.progress", run_id=run_id, node_id="customer_add", counts=counts(5)),
        batch_frame(run_id, seq=2),
        finished_frame(run_id, status="failed"),
        make_frame("run.accepted", re=str(uuid.uuid4()), run_id="not-a-uuid"),
    ]

    replies = [await ask(comm, frame) for frame in frames]

    assert [strip_ids(reply) for reply in replies] == [
        {"type": "error", "re": frame["id"], "code": "unknown_run",
         "message": f"{frame['type']}: run {frame['run_id']} is not a run of this agent"}
        for frame in frames
    ]  # fmt: skip
    opened = make_frame(
        "run.open", local_id="charlie-1", workflow_id=str(ready.workflow.public_id), version=1,
        plan_hash=ready.version.plan_hash, trigger="agent",
    )  # fmt: skip
    assert strip_ids(await ask(comm, opened)) == {
        "type": "error", "re": opened["id"], "code": "unknown_workflow",
        "message": f"run.open: workflow {ready.workflow.public_id} is not assigned to this agent",
    }  # fmt: skip
    plans = await ask(comm, make_frame("config.get", workflow_ids=[str(ready.workflow.public_id)]))
    assert plans["plans"] == []
    assert await db(acme_state)(acme) == before
    assert await db(Run.objects.filter(organization=charlies.agent.organization).count)() == 0
    await comm.disconnect()


async def test_it_refuses_frames_naming_another_agents_runs_of_the_same_organization(ready, alice, acme):
    run = await db(run_request)(workflow=ready.workflow, actor=alice)
    other = await db(org_ready_second_agent)(acme, alice)
    before = await db(acme_state)(acme)
    comm, welcome = await connected(other)
    assert welcome["pending"] == []
    frame = make_frame("run.accepted", re=str(uuid.uuid4()), run_id=str(run.pk))

    reply = await ask(comm, frame)

    assert (reply["code"], reply["re"]) == ("unknown_run", frame["id"])
    assert await db(acme_state)(acme) == before
    await comm.disconnect()


def org_ready_second_agent(organization, owner) -> str:
    from portal.agents.services import agent_create, agent_register

    _, code = agent_create(organization=organization, name="sage-server-2", actor=owner)
    return agent_register(code=code)[1]


@pytest.mark.skipif(not redis_channel_layer(), reason="the in-memory layer has no read timeout")
async def test_it_keeps_an_idle_agent_connected_on_the_redis_layer(ready, alice):
    comm, _ = await connected(ready.token)

    await asyncio.sleep(6)  # idle past channels_redis' 5 s BZPOPMIN wait: the thing under test

    await settled(comm)
    await dispatched_run(comm, ready, alice)
    await comm.disconnect()
