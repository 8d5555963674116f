"""Reads for the Runs pages. Every function takes the organization first or a run loaded through it.

A run may hold a million snapshot records: pages of records are keyset pages (`id > after`),
and totals come from the counts the agent reported (`run.counts`), never from COUNT(*).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Max

from portal.runs.api import records_filtered
from portal.runs.models import Run, RunLog, RunStatus, SnapshotBatch, SnapshotRecord
from portal.runs.plans import plan_nodes

RUNS_PER_PAGE = 50
RECORDS_PER_PAGE = 100
LOG_LINES = 2000
# Record statuses as the Resync Bucket filters them, with the counts key the agent reports them under.
RECORD_STATUSES = {"success": "succeeded", "warning": "warnings", "skipped": "skipped", "failed": "failed"}
ROW_FIELDS = ["id", "record_key", "source_id", "destination_id", "status", "message", "tries", "duration_ms"]


def organization_runs(organization, *, workflow_id: int | None = None):
    runs = Run.objects.for_organization(organization).select_related("workflow", "version")
    return runs.filter(workflow_id=workflow_id) if workflow_id else runs


def runs_page(organization, *, workflow_id: int | None = None, before: str | None = None) -> tuple[list, str]:
    """One page of runs, newest first, and the cursor of the next page ("" on the last one).

    The cursor is the `created_at` of the page's last run, so paging stays cheap on long histories."""
    runs = organization_runs(organization, workflow_id=workflow_id).order_by("-created_at", "-id")
    if before:
        try:
            runs = runs.filter(created_at__lt=datetime.fromisoformat(before))
        except ValueError:
            pass
    rows = list(runs[: RUNS_PER_PAGE + 1])
    more = len(rows) > RUNS_PER_PAGE
    rows = rows[:RUNS_PER_PAGE]
    return rows, rows[-1].created_at.isoformat() if more else ""


def run_of(organization, run_id) -> Run | None:
    try:
        return (
            Run.objects.for_organization(organization)
            .select_related("workflow", "version", "agent", "reprocess_of", "requested_by")
            .filter(pk=run_id)
            .first()
        )
    except (ValueError, TypeError):  # not a UUID
        return None


def run_reprocesses(run: Run) -> list[Run]:
    return list(
        Run.objects.for_organization(run.organization).filter(reprocess_of=run).order_by("created_at")
    )


@dataclass
class NodeSummary:
    """One node of the run's plan as the node tree shows it."""

    id: str
    name: str
    kind: str
    counts: dict
    seconds: float | None = None
    post_task: bool = False
    children: list[NodeSummary] = field(default_factory=list)


def _running_since(run: Run) -> datetime | None:
    """When the portal saw the run start, on the portal's clock (batches are timed on it too)."""
    for step in run.transitions:
        if step.get("status") == RunStatus.RUNNING:
            return datetime.fromisoformat(step["at"])
    return None


def run_node_ids(run: Run) -> list[str]:
    """The plan's node ids in order, post-tasks after their parent, then any other reported node."""
    ids = [
        i for node in plan_nodes(run) for i in (node["id"], *(t["id"] for t in node.get("post_tasks", [])))
    ]
    return ids + [node_id for node_id in run.counts if node_id not in ids]


def run_node_tree(run: Run) -> list[NodeSummary]:
    """The plan's nodes (post-tasks under their parent) with their counts and time.

    A node's time runs from its start (the run's start, or the end of the node before it) to
    its last snapshot batch received by the portal; post-tasks run alongside their parent, so
    they are timed from the parent's start."""
    last_batch = dict(
        SnapshotBatch.objects.filter(run=run)
        .values("node_id")
        .annotate(last=Max("received_at"))
        .values_list("node_id", "last")
    )
    start = _running_since(run)

    def summary(node: dict, since: datetime | None, post_task: bool = False) -> NodeSummary:
        end = last_batch.get(node["id"])
        return NodeSummary(
            id=node["id"],
            name=node.get("name") or node["id"],
            kind=node.get("kind", ""),
            counts=run.counts.get(node["id"], {}),
            seconds=max((end - since).total_seconds(), 0.0) if since and end else None,
            post_task=post_task,
        )

    tree, known = [], set()
    for node in plan_nodes(run):
        parent = summary(node, start)
        parent.children = [summary(task, start, post_task=True) for task in node.get("post_tasks", [])]
        tree.append(parent)
        known |= {node["id"], *(task["id"] for task in node.get("post_tasks", []))}
        start = last_batch.get(node["id"], start)
    # Nodes the agent reported that the plan does not name (should not happen) still show.
    tree += [summary({"id": node_id}, None) for node_id in run.counts if node_id not in known]
    return tree


def records_page(
    run: Run, *, node_id: str, status: str = "", search: str = "", after: int | None = None
) -> tuple[list[SnapshotRecord], int | None]:
    """One Resync Bucket page and the `after` cursor of the next one (None on the last page)."""
    records = records_filtered(
        run,
        node_id=node_id,
        status_filter=status if status in RECORD_STATUSES else None,
        search=search.strip() or None,
    )
    if after is not None:
        records = records.filter(id__gt=after)
    rows = list(records.order_by("id").only(*ROW_FIELDS)[: RECORDS_PER_PAGE + 1])
    more = len(rows) > RECORDS_PER_PAGE
    rows = rows[:RECORDS_PER_PAGE]
    return rows, rows[-1].id if more else None


def record_of(run: Run, record_id) -> SnapshotRecord | None:
    if not str(record_id).isdigit():
        return None
    return (
        SnapshotRecord.objects.for_organization(run.organization).filter(run=run, pk=int(record_id)).first()
    )


def record_files(record: SnapshotRecord) -> list[tuple[str, str, str]]:
    """The record's File: (id, label, pretty JSON) of its input, its output and the Sage response."""
    parts = [("input", "Input (Shopify)", record.input), ("output", "Output (to Sage 300)", record.output)]
    parts.append(("response", "Sage 300 response", record.response))
    return [(key, label, json.dumps(value, indent=2, ensure_ascii=False)) for key, label, value in parts]


def run_logs(run: Run, *, node_id: str) -> list[RunLog]:
    return list(
        RunLog.objects.for_organization(run.organization).filter(run=run, node_id=node_id)[:LOG_LINES]
    )
