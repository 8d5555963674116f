"""Snapshot records leave the runner here: local history, resync bucket and the outbox, atomically.

Each page of outcomes is committed in one transaction together with the state changes the
writes made (cross-references, payload hashes), so after a crash the snapshot and the state
agree. Snapshot batches are numbered per (run, node) with `seq`, which the portal uses to
accept a resent batch exactly once.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from typing import Any

from agent_client.protocol import FILE_PARTS
from agent_client.record_file import file_json, file_pack, json_text
from agent_client.runner.outcome import COUNT_NAMES, FAILED, Outcome, empty_counts
from agent_client.state import AgentState


class SnapshotSink:
    def __init__(
        self,
        *,
        state: AgentState,
        run_ref: str,
        local_id: str,
        workflow_id: str,
        batch_size: int,
        to_outbox: bool,
    ):
        self.state = state
        self.run_ref = run_ref  # the portal's run id, or the local id until the portal assigns one
        self.local_id = local_id
        self.workflow_id = workflow_id
        self.batch_size = batch_size
        self.to_outbox = to_outbox
        self.counts: dict[str, dict[str, int]] = defaultdict(empty_counts)
        self._seq: dict[str, int] = defaultdict(int)
        self._records: dict[str, list[str]] = defaultdict(list)  # snapshot records as JSON, to send
        self._logs: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def log(self, node_id: str, message: str, level: str = "info") -> None:
        self._logs[node_id].append(
            {"ts": time.time(), "level": level, "node_id": node_id, "message": message}
        )

    def commit(self, outcomes: list[Outcome]) -> None:
        """Record final outcomes (after any in-run retries) of one page."""
        if not outcomes:
            return
        rows = []
        now = time.time()
        inputs: dict[int, str] = {}  # a record's parent and post-task outcomes share one input
        with self.state.transaction():
            for outcome in outcomes:
                for kind, args in outcome.effects:
                    if kind == "xref":
                        self.state.xref_set(*args)
                    elif kind == "hash":
                        self.state.hash_set(*args)
                if outcome.status == FAILED:
                    self.state.bucket_put(
                        workflow_id=self.workflow_id,
                        node_id=outcome.node_id,
                        record_key=outcome.record_key,
                        source=outcome.input,
                        tries=outcome.tries,
                        message=outcome.message,
                        run_id=self.local_id,
                    )
                elif outcome.tries > 1 or outcome.in_bucket:
                    self.state.bucket_remove(
                        workflow_id=self.workflow_id, node_id=outcome.node_id, record_key=outcome.record_key
                    )
                counts = self.counts[outcome.node_id]
                counts["read"] += 1
                counts[COUNT_NAMES[outcome.status]] += 1
                record, sent = _record_json(outcome, inputs)
                rows.append(
                    (
                        self.local_id,
                        self.workflow_id,
                        outcome.node_id,
                        outcome.record_key,
                        outcome.source_id,
                        outcome.destination_id,
                        outcome.status,
                        outcome.message,
                        outcome.tries,
                        now,
                        record,
                    )
                )
                self._records[outcome.node_id].append(sent)
            self.state.transactions_add(rows)
            # Every committed record goes out with its page: a crash right after this commit
            # loses no snapshot record, and the counts of an interrupted run match what was sent.
            for node_id in list(self._records):
                pending = self._records[node_id]
                for start in range(0, len(pending), self.batch_size):
                    self._emit(node_id, pending[start : start + self.batch_size])
                self._records[node_id] = []

    def flush(self) -> None:
        with self.state.transaction():
            for node_id in set(self._records) | set(self._logs):
                if self._records.get(node_id) or self._logs.get(node_id):
                    self._emit(node_id, self._records.get(node_id, []))
                    self._records[node_id] = []

    def _emit(self, node_id: str, records: list[str]) -> None:
        logs, self._logs[node_id] = self._logs.get(node_id, []), []
        self._seq[node_id] += 1
        if self.to_outbox:
            head = json_text(
                {
                    "type": "snapshot.batch",
                    "id": str(uuid.uuid4()),
                    "run_id": self.run_ref,
                    "seq": self._seq[node_id],
                    "node_id": node_id,
                    "logs": logs,
                }
            )
            # The records are JSON already: spliced in rather than decoded and encoded again.
            frame_json = f'{head[:-1]},"records":[{",".join(records)}]}}'
            self.state.outbox_put_json("snapshot.batch", frame_json, run_id=self.run_ref)


def _record_json(outcome: Outcome, inputs: dict[int, str]) -> tuple[str, str]:
    """The snapshot record as JSON for the local history, and as the portal is sent it (its File
    packed, see agent_client.record_file). The input (the whole Shopify customer, most of its
    bytes) is encoded once per page for the parent node and its post-tasks, which all carry the
    same one.

    Why: encoding every record's input once per node was a sixth of the agent's CPU in a
    Customer Update; `inputs` lives for one page, while every outcome (and input) is alive."""
    encoded = inputs.get(id(outcome.input))
    if encoded is None:
        encoded = inputs[id(outcome.input)] = json_text(outcome.input)
    output, response = json_text(outcome.output), json_text(outcome.response)
    record = outcome.snapshot_record()
    for part in FILE_PARTS:
        del record[part]
    head = json_text(record)[:-1]
    local = f'{head},"input":{encoded},"output":{output},"response":{response}}}'
    sent = f'{head},"file":"{file_pack(file_json(encoded, output, response))}"}}'
    return local, sent
