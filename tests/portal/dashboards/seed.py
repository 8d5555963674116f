"""Runs with snapshot records that match their counts, finished through the real run lifecycle.

`run_complete` moves a run to its final status the way the agent's report does, so the
`run_completed` signal (after commit) is what fills the dashboards' aggregates.
"""

from datetime import UTC, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count

from portal.runs.lifecycle import run_transition
from portal.runs.models import Run, SnapshotRecord
from portal.workflows.design import workflow_create

NODE = "customer_update"
COUNTED = ["succeeded", "completed_with_errors", "failed", "cancelled", "lost"]


def workflow_make(*, organization, owner, template: str = "customer_update", name: str = "", agent=None):
    return workflow_create(organization=organization, actor=owner, template=template, name=name, agent=agent)


def run_make(
    *,
    workflow,
    created_at: datetime,
    succeeded: int = 0,
    failed: list[str] = (),
    skipped: int = 0,
    warnings: int = 0,
    duration_s: float | None = 60.0,
    cursor: str = "",
    agent=None,
) -> Run:
    """A running run of `workflow` whose snapshot records are exactly its counts (one node)."""
    statuses = (
        ["success"] * succeeded + ["failed"] * len(failed) + ["skipped"] * skipped + ["warning"] * warnings
    )
    read = len(statuses)
    counts = {
        "read": read,
        "succeeded": succeeded,
        "failed": len(failed),
        "skipped": skipped,
        "warnings": warnings,
    }
    started = created_at + timedelta(seconds=2)
    run = Run.objects.create(
        organization=workflow.organization, workflow=workflow, version=workflow.versions.order_by("number").first(),
        plan_hash="0" * 64, agent=agent, status="running", counts={NODE: counts},
        records_read=read, records_succeeded=succeeded, records_failed=len(failed), records_skipped=skipped,
        records_warnings=warnings, started_at=started, cursor_after=cursor,
        finished_at=started + timedelta(seconds=duration_s) if duration_s is not None else None,
    )  # fmt: skip
    Run.objects.filter(pk=run.pk).update(created_at=created_at)
    messages = iter(failed)
    SnapshotRecord.objects.bulk_create(
        SnapshotRecord(
            organization=workflow.organization,
            run=run,
            node_id=NODE,
            seq=1,
            record_key=f"{run.pk.hex[:6]}-{i}",
            source_id=str(7_000_000 + i),
            status=status,
            message=next(messages) if status == "failed" else f"{7_000_000 + i} is pushed as C{i:05d}",
        )  # fmt: skip
        for i, status in enumerate(statuses)
    )
    run.refresh_from_db()
    return run


def run_complete(run: Run, status: str) -> Run:
    """The agent's report: the run reaches `status` in one transaction (the signal follows the commit)."""
    with transaction.atomic():
        locked = Run.objects.select_for_update().get(pk=run.pk)
        run_transition(locked, status)
    return locked


def records_by_status(organization, *, since: datetime, until: datetime, workflow=None) -> dict[str, int]:
    """The truth, counted from snapshot records: what the dashboard must show from its aggregates."""
    records = SnapshotRecord.objects.filter(
        organization=organization,
        run__status__in=COUNTED,
        run__created_at__gte=since,
        run__created_at__lt=until,
    )
    if workflow is not None:
        records = records.filter(run__workflow=workflow)
    rows = records.values("status").annotate(n=Count("id")).order_by()
    found = {row["status"]: row["n"] for row in rows}
    return {status: found.get(status, 0) for status in ("success", "failed", "skipped", "warning")}


def runs_by_status(organization, *, since: datetime, until: datetime) -> dict[str, int]:
    rows = (
        Run.objects.filter(
            organization=organization, status__in=COUNTED, created_at__gte=since, created_at__lt=until
        )
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}


TAX_ZZ, TAX_QC = 'Tax Group "ZZ" does not exist.', 'Tax Group "QC" does not exist.'


def story_seed(*, organization, owner, now: datetime) -> dict:
    """Acme's month: two workflows, an agent online and one offline, runs of every final status.

    Returns the workflows and agents by name. Runs are completed through the lifecycle, so the
    caller decides when their commit callbacks run (immediately in a transactional test).
    """
    from portal.agents.models import Agent

    update = workflow_make(organization=organization, owner=owner, template="customer_update")
    add = workflow_make(organization=organization, owner=owner, template="customer_add")
    online = Agent.objects.create(
        organization=organization, name="sage-prod", online=True, last_seen_at=now - timedelta(seconds=5),
        version="1.4.2", hostname="SAGE01",
    )  # fmt: skip
    offline = Agent.objects.create(
        organization=organization, name="sage-test", online=False, last_seen_at=now - timedelta(days=3),
        version="1.3.0", hostname="SAGE-TEST",
    )  # fmt: skip
    plan = [
        (update, timedelta(hours=1), "succeeded",
         {"succeeded": 40, "duration_s": 20, "cursor": "2024-06-01T10:00:00Z"}),
        (update, timedelta(hours=3), "lost", {"succeeded": 5, "duration_s": None}),
        (add, timedelta(hours=5), "completed_with_errors",
         {"succeeded": 12, "failed": ['Customer "C-9" already exists.'], "duration_s": 4, "cursor": "2024-06-01T07:00:00Z"}),
        (update, timedelta(days=2), "completed_with_errors",
         {"succeeded": 30, "failed": [TAX_ZZ, TAX_QC, TAX_ZZ, "Customer 1001 is locked."], "skipped": 2, "warnings": 1,
          "duration_s": 45, "cursor": "2024-05-30T08:00:00Z"}),
        (update, timedelta(days=10), "failed", {"failed": ["Sage 300 refused the login for WEBAPI."], "duration_s": 3}),
        (update, timedelta(days=12), "cancelled", {"duration_s": 0}),
        (add, timedelta(days=20), "succeeded", {"succeeded": 100, "skipped": 4, "duration_s": 50}),
        (add, timedelta(days=40), "succeeded", {"succeeded": 7}),
    ]  # fmt: skip
    for workflow, ago, status, shape in plan:
        run_complete(run_make(workflow=workflow, created_at=now - ago, agent=online, **shape), status)
    # Still running: not counted anywhere until it finishes.
    run_make(workflow=update, created_at=now - timedelta(minutes=10), succeeded=3, agent=online)
    return {"Customer Update": update, "Customer Add": add, "sage-prod": online, "sage-test": offline}


def window_bounds(key: str, now: datetime) -> tuple[datetime, datetime]:
    """[since, until) of a dashboard range, written out independently of `portal.dashboards.ranges`."""
    if key == "24h":
        return now - timedelta(hours=24), now
    days = int(key[:-1])
    first = datetime.combine(now.date() - timedelta(days=days - 1), time.min, tzinfo=UTC)
    return first, datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=UTC)
