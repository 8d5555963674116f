"""What agents report about runs: accepted/rejected, opened, progress, snapshot batches, finished.

Every id in a frame is looked up within the agent's organization and among its own runs; an
unknown one is refused with an error frame and nothing changes. Everything is idempotent:
a resent snapshot batch (same run, node, seq), a second `run.finished` or a known `run.open`
local id changes nothing and is acked again.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from agent_client.protocol import MAX_FRAME_BYTES
from portal.rows import row_or_none
from portal.runs.lifecycle import TRANSITION_FIELDS, run_transition
from portal.runs.models import FINAL_STATUSES, Run, RunLog, RunStatus, SnapshotBatch, Trigger
from portal.runs.payloads import (
    PackedFileInvalid,
    clean_text,
    email_of,
    packed_file_email,
    packed_file_open,
    payload_pack_from_frame,
)
from portal.runs.plans import plan_nodes
from portal.runs.records_copy import records_insert
from portal.runs.services import run_changed_on_commit
from portal.workflows.models import Workflow


class FrameRefused(Exception):
    def __init__(self, code: str, message: str):
        self.code, self.message = code, message
        super().__init__(message)


def _run_of_agent(agent, run_id: str, *, lock: bool = False) -> Run:
    queryset = Run.objects.for_organization(agent.organization_id).filter(agent_id=agent.pk)
    if lock:
        queryset = queryset.select_for_update()
    # Not a UUID: Django would raise ValidationError (not ValueError) and drop the socket.
    pk = _uuid(run_id)
    run = row_or_none(queryset.filter(pk=pk)) if pk is not None else None
    if run is None:
        raise FrameRefused("unknown_run", f"run {run_id} is not a run of this agent")
    return run


def _source_node(run: Run) -> str | None:
    """The plan's first node: it reads the source; post-tasks re-handle the same records."""
    nodes = plan_nodes(run)
    return nodes[0].get("id") if nodes and isinstance(nodes[0], dict) else None


def _totals(counts: dict, source_node: str | None) -> dict[str, int]:
    totals = {"read": 0, "succeeded": 0, "failed": 0, "skipped": 0, "warnings": 0}
    # By the plan's first node, not the dict's first key: PostgreSQL's jsonb does not keep key
    # order (it sorts keys by length), so after a round trip "address_update" comes first.
    first = counts.get(source_node) if source_node in counts else next(iter(counts.values()), None)
    if first:
        totals = {name: int(first.get(name, 0)) for name in totals}
    return totals


def _apply_counts(run: Run, counts: dict) -> None:
    run.counts = counts
    totals = _totals(counts, _source_node(run))
    run.records_read, run.records_succeeded = totals["read"], totals["succeeded"]
    run.records_failed, run.records_skipped = totals["failed"], totals["skipped"]
    run.records_warnings = totals["warnings"]


@transaction.atomic
def run_accepted(*, agent, run_id: str) -> None:
    run = _run_of_agent(agent, run_id, lock=True)
    if run.status in (RunStatus.QUEUED, RunStatus.DISPATCHED, RunStatus.LOST):
        run_transition(run, RunStatus.RUNNING)
        run_changed_on_commit(run)


@transaction.atomic
def runs_reported_running(*, agent, run_ids: list[str]) -> list[str]:
    """`hello.running`: runs the agent is still executing. One marked lost meanwhile is running.

    Returns the ids that name a run (the others are ignored)."""
    ids = [run_id for run_id in run_ids if _uuid(run_id) is not None]
    for run in (
        Run.objects.for_organization(agent.organization_id)
        .filter(agent_id=agent.pk, pk__in=ids, status=RunStatus.LOST)
        .select_for_update()
    ):
        run_transition(run, RunStatus.RUNNING)
        run_changed_on_commit(run)
    return ids


@transaction.atomic
def run_rejected(*, agent, run_id: str, reason: str, busy: bool = False) -> None:
    """The agent refused the run. Busy (it is running this workflow already, e.g. a run the portal
    declared lost while the agent was cut off, or it is at its parallel-run limit): the run is
    queued again and sent once that ends, or by the queue sweep a minute later. Anything else
    fails it with the agent's reason."""
    run = _run_of_agent(agent, run_id, lock=True)
    if run.status not in (RunStatus.QUEUED, RunStatus.DISPATCHED):
        return
    reason = _text(reason)
    if busy:
        run_transition(run, RunStatus.QUEUED, save=False)
        run.last_activity_at = timezone.now()  # the sweep's minute starts again (also when still queued)
        run.save(update_fields=["status", "transitions", "last_activity_at"])
        message = f"The agent is busy ({reason}); the run waits and is sent again when it is free."
        # Once per reason: the sweep sends it every minute while the agent stays busy.
        if not RunLog.objects.filter(run=run, node_id="", message=message).exists():
            RunLog.objects.create(
                organization_id=run.organization_id,
                run=run,
                node_id="",
                level="warning",
                message=message,
                ts=timezone.now(),
            )
    else:
        run.error = f"the agent refused the run: {reason}"
        run.save(update_fields=["error"])
        run_transition(run, RunStatus.FAILED)
    run_changed_on_commit(run)


@transaction.atomic
def run_open(*, agent, local_id: str, workflow_id: str, version: int, plan_hash: str, trigger: str) -> Run:
    """A run the agent started itself (Start Sync); the same local id always gives the same run."""
    existing = row_or_none(  # one run per (agent, local id): a constraint
        Run.objects.for_organization(agent.organization_id).filter(agent_id=agent.pk, local_id=local_id)
    )
    if existing is not None:
        return existing
    # Only workflows assigned to this agent: a Start Sync cannot borrow another agent's workflow.
    workflow = (
        Workflow.objects.for_organization(agent.organization_id)
        .filter(public_id=_uuid(workflow_id), agent_id=agent.pk)
        .first()
    )
    if workflow is None:
        raise FrameRefused("unknown_workflow", f"workflow {workflow_id} is not assigned to this agent")
    version_row = workflow.versions.filter(number=version).first()
    if version_row is None or version_row.plan_hash != plan_hash:
        raise FrameRefused(
            "unknown_plan", f"{workflow.name} has no version {version} with plan {plan_hash[:12]}"
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            return Run.objects.create(
                organization_id=agent.organization_id,
                workflow=workflow,
                version=version_row,
                plan_hash=plan_hash,
                agent_id=agent.pk,
                trigger=trigger if trigger in Trigger.values else Trigger.AGENT,
                local_id=local_id,
                status=RunStatus.RUNNING,
                started_at=now,
                last_activity_at=now,
                transitions=[{"status": RunStatus.RUNNING, "at": now.isoformat()}],
            )
    except IntegrityError:  # the same run.open arrived twice at once
        return Run.objects.get(agent_id=agent.pk, local_id=local_id)


def _uuid(value: str):
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


@transaction.atomic
def run_progress(*, agent, run_id: str, node_id: str, counts: dict) -> None:
    run = _run_of_agent(agent, run_id, lock=True)
    if run.status in FINAL_STATUSES:
        return
    merged = {**run.counts, _node(node_id): counts}
    _apply_counts(run, merged)
    run.last_activity_at = timezone.now()
    run.save(
        update_fields=[
            "counts",
            "records_read",
            "records_succeeded",
            "records_failed",
            "records_skipped",
            "records_warnings",
            "last_activity_at",
        ]
    )
    if run.status in (RunStatus.QUEUED, RunStatus.DISPATCHED, RunStatus.LOST):
        run_transition(run, RunStatus.RUNNING)
    run_changed_on_commit(run)


def _text(value) -> str:
    """Text from a frame as PostgreSQL can store it (see clean_text); a refusal there would drop
    the agent's socket, and the agent would send the same frame again and again."""
    return clean_text(str(value or ""))


def _node(node_id: str) -> str:
    return _text(node_id)[:64]


def _packed_files(records: list[dict]) -> dict[int, tuple[bytes, str]]:
    """The batch's packed Files by record index, checked: (the bytes to store, the email).

    All are opened before any is decompressed: their declared sizes together may not exceed what
    one frame could carry as JSON. Each File is bounded, but a thousand small frames of zeros
    would otherwise make the portal decompress and read gigabytes for one frame."""
    opened: dict[int, tuple[bytes, int]] = {}
    for index, record in enumerate(records):
        if "file" in record:
            opened[index] = _file_checked(index, packed_file_open, record["file"])
    total = sum(size for _, size in opened.values())
    if total > MAX_FRAME_BYTES:
        raise FrameRefused(
            "too_large",
            f'field "records" holds Files of {total:,} bytes in all, more than the '
            f"{MAX_FRAME_BYTES:,} bytes a frame may carry: send fewer records a batch",
        )
    return {
        index: (blob, _file_checked(index, packed_file_email, blob, size))
        for index, (blob, size) in opened.items()
    }


def _file_checked(index: int, check, *args):
    """`check(*args)`, a refusal naming the record's file field."""
    try:
        return check(*args)
    except PackedFileInvalid as problem:
        raise FrameRefused("invalid_field", f'field "records[{index}].file" {problem}') from None


def _record_row(organization_id: int, run_id, node_id: str, seq: int, record: dict, packed) -> tuple:
    """One record in records_copy.COLUMNS order; its File packed on the agent (`packed`: checked
    by _packed_files) or sent as JSON."""
    payload, email = packed or (payload_pack_from_frame(record), email_of(record["input"]))
    return (
        organization_id,
        run_id,
        node_id,
        seq,
        _text(record["record_key"])[:128],
        _text(record["source_id"])[:128],
        _text(record["destination_id"])[:128],
        record["status"],
        _text(record["message"]),
        record["tries"],
        payload,
        email,
        record["duration_ms"],
    )


def snapshot_batch_ingest(
    *, agent, run_id: str, node_id: str, seq: int, records: list[dict], logs: list[dict]
) -> bool:
    """Store one batch; False when (run, node, seq) was stored before (a resend)."""
    run = _run_of_agent(agent, run_id)
    node_id = _node(node_id)
    organization_id = agent.organization_id
    # Checked and packed before the transaction: it holds its locks for the writes alone.
    packed = _packed_files(records)
    rows = [
        _record_row(organization_id, run.pk, node_id, seq, r, packed.get(i)) for i, r in enumerate(records)
    ]
    try:
        with transaction.atomic():
            SnapshotBatch.objects.create(
                organization_id=organization_id, run=run, node_id=node_id, seq=seq, records=len(records)
            )
            records_insert(rows)
            if logs:
                RunLog.objects.bulk_create(
                    [
                        RunLog(
                            organization_id=organization_id,
                            run=run,
                            node_id=_node(line["node_id"]),
                            level=line["level"],
                            message=_text(line["message"]),
                            ts=datetime.fromtimestamp(float(line["ts"]), UTC),
                        )
                        for line in logs
                    ]
                )
            Run.objects.filter(pk=run.pk).update(last_activity_at=timezone.now())
    except IntegrityError:
        return False
    return True


@transaction.atomic
def run_finished(
    *,
    agent,
    run_id: str,
    status: str,
    counts: dict,
    cursor_before,
    cursor_after,
    started_at: str,
    finished_at: str,
    error,
) -> None:
    run = _run_of_agent(agent, run_id, lock=True)
    if run.status in FINAL_STATUSES:
        return  # a resend after a lost ack: acked again, nothing changes
    if status not in FINAL_STATUSES:
        raise FrameRefused("invalid_status", f"run.finished status {status!r} is not a final status")
    _apply_counts(run, {_node(node): numbers for node, numbers in counts.items()})
    run.cursor_before = _text(cursor_before)[:64]
    run.cursor_after = _text(cursor_after)[:64]
    run.error = _text(error)
    run.started_at = _parse(started_at) or run.started_at
    run.finished_at = _parse(finished_at) or timezone.now()
    run_transition(run, status, save=False)  # one UPDATE with the report below
    run.save(
        update_fields=[
            "counts",
            "records_read",
            "records_succeeded",
            "records_failed",
            "records_skipped",
            "records_warnings",
            "cursor_before",
            "cursor_after",
            "error",
            *TRANSITION_FIELDS,  # started_at and finished_at among them
        ]
    )
    run_changed_on_commit(run)


def _parse(value: str | None):
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
