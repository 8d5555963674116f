"""The snapshot records an agent queues for the portal carry their File packed; its own history
keeps them as plain JSON, searchable by the customer's email."""

from __future__ import annotations

import base64
import json

import zstandard

from agent_client.runner.outcome import FAILED, SUCCESS, Outcome
from agent_client.runner.snapshot import SnapshotSink
from agent_client.state import AgentState

CUSTOMER = {
    "id": 7001,
    "email": "zoë@例え.jp",
    "note": "half a pair: \ud800",
    "big": 2**70,
    "n": float("nan"),
}


def _outcomes() -> list[Outcome]:
    added = Outcome(
        node_id="customer_add", record_key="7001", status=SUCCESS, message="pushed", source_id="7001",
        destination_id="SH7001", input=CUSTOMER, output={"CustomerNumber": "SH7001"},
        response={"CustomerNumber": "SH7001", "Status": "Active"}, duration_ms=14,
    )  # fmt: skip
    address = Outcome(
        node_id="address_update", record_key="7001", status=FAILED, message="Sage 300: no such customer",
        input=CUSTOMER, output=None, response={"error": {"code": "RecordNotFound"}}, tries=2,
    )  # fmt: skip
    return [added, address]


def test_queued_records_carry_the_file_packed_and_exact(tmp_path):
    state = AgentState(tmp_path / "state.sqlite3")
    sink = SnapshotSink(
        state=state, run_ref="r1", local_id="l1", workflow_id="wf", batch_size=100, to_outbox=True
    )
    outcomes = _outcomes()

    sink.commit(outcomes)

    frames = [frame for _, kind, frame in state.outbox_pending() if kind == "snapshot.batch"]
    assert [frame["node_id"] for frame in frames] == ["customer_add", "address_update"]
    for frame, outcome in zip(frames, outcomes, strict=True):
        (record,) = frame["records"]
        assert set(record) == {"record_key", "source_id", "destination_id", "status", "message", "tries",
                               "file", "duration_ms"}  # fmt: skip
        document = json.loads(zstandard.ZstdDecompressor().decompress(base64.b64decode(record["file"])))
        assert json.dumps(document) == json.dumps(
            {"input": outcome.input, "output": outcome.output, "response": outcome.response}
        )  # NaN, the 70-bit integer and the lone surrogate as they were
        assert (record["status"], record["tries"]) == (outcome.status, outcome.tries)


def test_the_local_history_keeps_plain_json_and_finds_the_email(tmp_path):
    state = AgentState(tmp_path / "state.sqlite3")
    sink = SnapshotSink(
        state=state, run_ref="r1", local_id="l1", workflow_id="wf", batch_size=100, to_outbox=True
    )
    sink.commit(_outcomes())

    found = state.transactions_query(workflow_id="wf", search="zoë@例え.jp")
    assert [row["node_id"] for row in found] == ["address_update", "customer_add"]
    (stored,) = state._query("SELECT record_json FROM transactions WHERE node_id = 'customer_add'")
    assert json.loads(stored[0])["output"] == {"CustomerNumber": "SH7001"}
