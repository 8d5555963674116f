"""One run of a plan: read Shopify, map, write Sage through a bounded pool, post-tasks, snapshot.

The run ends `succeeded`, `completed_with_errors` (some records failed: they wait in the resync
bucket), `failed` (a run-level failure: the source could not be read, Sage stopped answering) or
`cancelled` (stopped at a record boundary). The cursor advances only after a run without a
run-level failure, to the largest `updated_at` read.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agent_client.errors import ConnectorError
from agent_client.mapping import LookupTables, RunContext
from agent_client.plan import Node, Plan
from agent_client.runner.addresses import AddressTask
from agent_client.runner.context import Clients, NodeContext
from agent_client.runner.cursor import later, read_since
from agent_client.runner.customers import CUSTOMER, CustomerNode, hash_scope
from agent_client.runner.outcome import FAILED, Outcome
from agent_client.runner.snapshot import SnapshotSink
from agent_client.state import AgentState

RECORD_RETRIES = 3  # one try plus three retries per record within a run
RETRY_PAUSES = (1.0, 2.0, 4.0)
CIRCUIT_LIMIT = 25  # this many transient failures in a row means Sage is down: stop the run


@dataclass
class RunOptions:
    trigger: str = "manual"
    record_ids: list[str] | None = None  # reprocess / resync: only these Shopify customer ids
    portal_run_id: str | None = None
    local_id: str | None = None
    max_workers: int = 8
    # A Shopify page (250 customers) makes one snapshot.batch per node: the portal's work per
    # frame (its run check, the batch row, the commit) is shared by as many records as a page has.
    snapshot_batch_size: int = 250
    to_outbox: bool = False
    cancel: threading.Event = field(default_factory=threading.Event)
    on_progress: Callable[[str, dict[str, int]], None] | None = None
    retry_pauses: tuple[float, ...] = RETRY_PAUSES
    sleep: Callable[[float], None] = time.sleep


@dataclass
class RunResult:
    local_id: str
    run_ref: str
    workflow_id: str
    status: str
    counts: dict[str, dict[str, int]]
    cursor_before: str | None
    cursor_after: str | None
    started_at: str
    finished_at: str
    error: str | None = None

    @property
    def totals(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for counts in self.counts.values():
            for name, value in counts.items():
                total[name] = total.get(name, 0) + value
        return total


class _RunAborted(Exception):
    pass


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


class _NodeRun:
    """Runs one root node (and its post-tasks) over its source."""

    def __init__(
        self, ctx: NodeContext, node: Node, sink: SnapshotSink, options: RunOptions, pool: ThreadPoolExecutor
    ):
        self.ctx, self.node, self.sink, self.options, self.pool = ctx, node, sink, options, pool
        self.handler = CustomerNode(ctx, node)
        self.tasks = [AddressTask(ctx, task) for task in node.post_tasks]
        self.max_updated_at: str | None = None
        self.transient_in_a_row = 0

    def pages(self, since: str | None) -> Iterator[list[dict[str, Any]]]:
        shopify = self.ctx.clients.shopify
        if self.options.record_ids is None:
            yield from shopify.customers_updated_since(since)
            return
        page: list[dict[str, Any]] = []
        for record_id in self.options.record_ids:
            if self.ctx.cancel.is_set():
                break
            page.append(shopify.customer(int(record_id)))
            if len(page) == 50:
                yield page
                page = []
        if page:
            yield page

    def run_page(self, records: list[dict[str, Any]]) -> None:
        keys = [str(r.get("id")) for r in records]
        known = self.ctx.state.xrefs_get(CUSTOMER, keys)
        hashes = self.ctx.state.hashes_get(hash_scope(self.ctx, self.node.id), keys)
        in_bucket = self.ctx.state.bucket_tries(self.ctx.workflow_id, self.node.id, keys)
        numbers = [number for number, _ in known.values()]
        for task in self.tasks:
            task.preload(records, numbers)
        futures = []
        for record, key in zip(records, keys, strict=True):
            if self.ctx.cancel.is_set():
                break  # stop at a record boundary: what was submitted finishes, nothing new starts
            futures.append(self.pool.submit(self._record, record, known.get(key), hashes.get(key)))
            updated_at = record.get("updated_at")
            if isinstance(updated_at, str):
                self.max_updated_at = later(self.max_updated_at, updated_at)
        results = [future.result() for future in futures]
        for task in self.tasks:
            task.preload_clear()  # retries below read the state as their first try left it
        retry = [(record, outcomes) for record, outcomes in results if any(o.retryable for o in outcomes)]
        self._count_transients(results)
        if retry:
            results = [r for r in results if not any(o.retryable for o in r[1])] + self._retry(retry)
        outcomes = []
        for _record, record_outcomes in results:
            for outcome in record_outcomes:
                if outcome.node_id == self.node.id and outcome.record_key in in_bucket:
                    outcome.in_bucket = True
                    outcome.tries += in_bucket[outcome.record_key]
                outcomes.append(outcome)
        self.sink.commit(outcomes)
        if self.options.on_progress:
            self.options.on_progress(self.node.id, dict(self.sink.counts[self.node.id]))

    def _record(self, record: dict[str, Any], known, old_hash) -> tuple[dict[str, Any], list[Outcome]]:
        outcome = self.handler.handle(record, known, old_hash)
        outcomes = [outcome]
        if outcome.status != FAILED and outcome.destination_id:
            # Cross-reference effects are applied at the page commit; the post-task needs the number now.
            outcomes += [task.handle(record, outcome.destination_id) for task in self.tasks]
        return record, outcomes

    def _retry(
        self, pending: list[tuple[dict[str, Any], list[Outcome]]]
    ) -> list[tuple[dict[str, Any], list[Outcome]]]:
        done: list[tuple[dict[str, Any], list[Outcome]]] = []
        for attempt in range(RECORD_RETRIES):
            if not pending or self.ctx.cancel.is_set():
                break
            self.options.sleep(self.options.retry_pauses[min(attempt, len(self.options.retry_pauses) - 1)])
            again: list[tuple[dict[str, Any], list[Outcome]]] = []
            for record, outcomes in pending:
                parent = outcomes[0]
                if parent.retryable:
                    known = self.ctx.state.xrefs_get(CUSTOMER, [parent.record_key]).get(parent.record_key)
                    old = self.ctx.state.hashes_get(hash_scope(self.ctx, self.node.id), [parent.record_key])
                    _, fresh = self._record(record, known, old.get(parent.record_key))
                else:  # only a post-task failed: run the post-tasks again
                    number = str(parent.destination_id)
                    fresh = [parent] + [task.handle(record, number) for task in self.tasks]
                for new, old_outcome in zip(fresh, outcomes, strict=False):
                    new.tries = old_outcome.tries + 1
                (again if any(o.retryable for o in fresh) else done).append((record, fresh))
            pending = again
        for record, outcomes in pending:
            for outcome in outcomes:
                outcome.retryable = False
            done.append((record, outcomes))
        return done

    def _count_transients(self, results) -> None:
        for _record, outcomes in results:
            if any(o.retryable for o in outcomes):
                self.transient_in_a_row += 1
            else:
                self.transient_in_a_row = 0
        if self.transient_in_a_row >= CIRCUIT_LIMIT:
            last = next(o.message for _, outcomes in reversed(results) for o in outcomes if o.retryable)
            raise _RunAborted(
                f"stopped after {self.transient_in_a_row} records in a row failed to reach Sage 300: {last}"
            )


def run_plan(
    *, plan: Plan, state: AgentState, clients: Clients, options: RunOptions | None = None
) -> RunResult:
    options = options or RunOptions()
    local_id = options.local_id or str(uuid.uuid4())
    run_ref = options.portal_run_id or local_id
    started = time.time()
    _, tables = state.lookups_current()
    ctx = NodeContext(
        plan=plan,
        state=state,
        clients=clients,
        lookups=LookupTables(tables),
        mapping_context=RunContext(now=datetime.fromtimestamp(started, UTC)),
        run_id=run_ref,
        cancel=options.cancel,
    )
    first = plan.nodes[0]
    cursor_before = state.cursor_get(plan.workflow_id, first.id)
    state.run_create(
        local_id=local_id,
        workflow_id=plan.workflow_id,
        plan_hash=plan.hash,
        trigger=options.trigger,
        portal_run_id=options.portal_run_id,
        cursor_before=cursor_before,
    )
    if options.to_outbox and options.portal_run_id is None:
        state.outbox_put(
            "run.open",
            {
                "type": "run.open",
                "id": str(uuid.uuid4()),
                "local_id": local_id,
                "workflow_id": plan.workflow_id,
                "version": plan.version,
                "plan_hash": plan.hash,
                "trigger": options.trigger,
            },
            run_id=local_id,
        )
    sink = SnapshotSink(
        state=state,
        run_ref=run_ref,
        local_id=local_id,
        workflow_id=plan.workflow_id,
        batch_size=options.snapshot_batch_size,
        to_outbox=options.to_outbox,
    )
    error: str | None = None
    cursors: dict[str, str | None] = {}
    with ThreadPoolExecutor(max_workers=options.max_workers, thread_name_prefix="ferry-writer") as pool:
        for node in plan.nodes:
            node_run = _NodeRun(ctx, node, sink, options, pool)
            cursor = state.cursor_get(plan.workflow_id, node.id)
            since = read_since(cursor, int(node.option("cursor_overlap_seconds", 300)))
            sink.log(node.id, f"reading Shopify customers updated since {since or 'the beginning'}")
            try:
                for page in node_run.pages(since):
                    if options.cancel.is_set():
                        break
                    node_run.run_page(page)
            except (ConnectorError, _RunAborted) as exc:
                error = str(exc)
                sink.log(node.id, error, level="error")
                break
            cursors[node.id] = later(cursor, node_run.max_updated_at)
    status = _final_status(error, options.cancel.is_set(), sink)
    cursor_after = cursor_before
    if status in ("succeeded", "completed_with_errors") and options.record_ids is None:
        for node_id, value in cursors.items():
            if value is not None and value != state.cursor_get(plan.workflow_id, node_id):
                state.cursor_set(plan.workflow_id, node_id, value, reason=f"run {local_id}")
        cursor_after = cursors.get(first.id, cursor_before)
    sink.flush()
    finished = time.time()
    counts = {node_id: dict(c) for node_id, c in sink.counts.items()}
    for node_id in plan.all_node_ids():
        counts.setdefault(node_id, {"read": 0, "succeeded": 0, "failed": 0, "skipped": 0, "warnings": 0})
    result = RunResult(
        local_id=local_id,
        run_ref=run_ref,
        workflow_id=plan.workflow_id,
        status=status,
        counts=counts,
        cursor_before=cursor_before,
        cursor_after=cursor_after,
        started_at=_iso(started),
        finished_at=_iso(finished),
        error=error,
    )
    with state.transaction():
        state.run_finish(
            local_id=local_id, status=status, counts=counts, cursor_after=cursor_after, error=error
        )
        if options.to_outbox:
            state.outbox_put(
                "run.finished",
                {
                    "type": "run.finished",
                    "id": str(uuid.uuid4()),
                    "run_id": run_ref,
                    "status": status,
                    "counts": counts,
                    "cursor_before": cursor_before,
                    "cursor_after": cursor_after,
                    "started_at": result.started_at,
                    "finished_at": result.finished_at,
                    "error": error,
                },
                run_id=run_ref,
            )
    return result


def _final_status(error: str | None, cancelled: bool, sink: SnapshotSink) -> str:
    if error:
        return "failed"
    if cancelled:
        return "cancelled"
    if any(c["failed"] for c in sink.counts.values()):
        return "completed_with_errors"
    return "succeeded"
