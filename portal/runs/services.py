"""Starting, cancelling and reprocessing runs. A run executes exactly one plan, named by its hash."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.agents.services import agent_push_on_commit
from portal.realtime import ui_event_on_commit
from portal.rows import row_or_none
from portal.runs.lifecycle import run_transition
from portal.runs.models import FINAL_STATUSES, Run, RunStatus, SnapshotRecord, Trigger
from portal.runs.queue import (
    run_blocker,
    run_dispatch_next_after_commit,
    run_dispatch_on_commit,
    run_waits_behind,
    runs_queue_sweep,
    workflow_under_way,
)
from portal.tenants.services import audit_record
from portal.workflows.models import VersionState, Workflow

WATCHDOG_SILENCE = timedelta(minutes=10)
# A run that has not started reading yet will see every change made before it starts: a burst of
# webhook deliveries or a schedule's tick joins it instead of queueing one more run.
NOT_STARTED = (RunStatus.QUEUED, RunStatus.DISPATCHED)


def run_summary(run: Run) -> dict:
    return {
        "id": str(run.pk),
        "workflow": run.workflow_id,
        "status": run.status,
        "trigger": run.trigger,
        "counts": run.counts,
        "read": run.records_read,
        "succeeded": run.records_succeeded,
        "failed": run.records_failed,
        "skipped": run.records_skipped,
        "warnings": run.records_warnings,
        "error": run.error,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def run_changed_on_commit(run: Run) -> None:
    ui_event_on_commit(run.organization_id, "run", run_summary(run))


def run_start_frame(run: Run) -> dict:
    from agent_client.protocol import make_frame

    options: dict = {}
    if run.record_ids is not None:
        options["record_ids"] = [str(x) for x in run.record_ids]
    return make_frame(
        "run.start",
        run_id=str(run.pk),
        workflow_id=str(run.workflow.public_id),
        version=run.version.number,
        plan_hash=run.plan_hash,
        trigger=run.trigger,
        options=options,
    )


@transaction.atomic
def run_request(
    *,
    workflow: Workflow,
    actor,
    trigger: str = Trigger.MANUAL,
    record_ids: list[str] | None = None,
    reprocess_of: Run | None = None,
) -> Run:
    """Queue a run of the workflow's published plan and send it to its agent once committed.

    When another run of the workflow is under way the new one stays queued and is sent when that
    one ends (see portal.runs.queue).

    `workflow` is read again under its lock, within its organization: Workflow.DoesNotExist when
    the organization has no such workflow (see run_request_by_id).
    """
    workflow = (
        Workflow.objects.for_organization(workflow.organization_id)
        .select_for_update(of=("self",))
        .select_related("agent", "organization")
        .get(pk=workflow.pk)
    )
    # Not the plan document itself: the run names its version and hash, the agent holds the plan.
    version = row_or_none(  # one published version per workflow (a constraint)
        workflow.versions.only("id", "number", "plan_hash", "workflow_id").filter(
            state=VersionState.PUBLISHED
        )
    )
    blocker = run_blocker(workflow, published=version is not None)
    if blocker is not None:
        raise ValidationError(blocker)
    agent = workflow.agent
    waits = workflow_under_way(workflow.pk)  # read under the workflow's lock: two requests cannot both go
    run = Run.objects.create(
        organization=workflow.organization,
        workflow=workflow,
        version=version,
        plan_hash=version.plan_hash,
        agent=agent,
        trigger=trigger,
        requested_by=actor if actor and actor.is_authenticated else None,
        record_ids=record_ids,
        reprocess_of=reprocess_of,
        transitions=[{"status": RunStatus.QUEUED, "at": timezone.now().isoformat()}],
        last_activity_at=timezone.now(),
    )
    audit_record(
        organization=workflow.organization,
        actor=actor,
        action="run.requested",
        target=run,
        data={"workflow": workflow.name, "trigger": trigger},
    )
    if waits:
        run_dispatch_next_after_commit(run)
    else:
        run_dispatch_on_commit(run)
    run_changed_on_commit(run)
    return run


def run_request_by_id(*, organization, workflow_id: int, actor, trigger: str) -> Run:
    """`run_request` for the organization's workflow with this id, read once (under its lock);
    Workflow.DoesNotExist when the organization has none."""
    return run_request(
        workflow=Workflow(pk=workflow_id, organization=organization), actor=actor, trigger=trigger
    )


@transaction.atomic
def run_mark_dispatched(*, run_id: str) -> None:
    """Called by the socket that forwarded run.start (a queued run becomes dispatched)."""
    run = row_or_none(Run.objects.select_for_update().filter(pk=run_id))
    if run is not None and run.status == RunStatus.QUEUED:
        run_transition(run, RunStatus.DISPATCHED)
        run_changed_on_commit(run)


@transaction.atomic
def run_cancel(*, run: Run, actor) -> Run:
    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.status in FINAL_STATUSES:
        raise ValidationError(f"This run is {run.status} already.")
    if run.status == RunStatus.QUEUED:
        run_transition(run, RunStatus.CANCELLED)
    if run.agent_id:  # a queued run may be on its way already: the agent stops it if it started
        from agent_client.protocol import make_frame

        agent_push_on_commit(
            run.agent_id, {"type": "agent.frame", "frame": make_frame("run.cancel", run_id=str(run.pk))}
        )
    audit_record(organization=run.organization, actor=actor, action="run.cancel_requested", target=run)
    run_changed_on_commit(run)
    return run


def run_reprocess(*, run: Run, actor, record_keys: list[str] | None = None) -> Run:
    """A new run (trigger `reprocess`, linked to this one) over the given records or all failures."""
    records = SnapshotRecord.objects.for_organization(run.organization).filter(run=run)
    if record_keys:
        chosen = records.filter(record_key__in=record_keys)
    else:
        chosen = records.filter(status="failed")
    source_ids = sorted({sid for sid in chosen.values_list("source_id", flat=True) if sid})
    if not source_ids:
        raise ValidationError("There is nothing to reprocess: no failed records match.")
    return run_request(
        workflow=run.workflow, actor=actor, trigger=Trigger.REPROCESS, record_ids=source_ids, reprocess_of=run
    )


def run_not_started(*, organization, workflow: Workflow) -> Run | None:
    return (
        Run.objects.for_organization(organization)
        .filter(workflow=workflow, status__in=NOT_STARTED)
        .filter(record_ids__isnull=True)  # a reprocess of a few records reads nothing new
        .order_by("created_at")
        .first()
    )


def runs_watchdog() -> int:
    """Runs whose agent stayed silent past the limit become `lost` (a late report still lands).

    A run held back behind another run of its workflow is not silent, it waits; the queue sweep
    first sends whatever waits behind nothing any more.
    """
    runs_queue_sweep()  # first: a run nothing holds any more is sent, not declared lost
    limit = timezone.now() - WATCHDOG_SILENCE
    lost = 0
    # Unscoped on purpose: the watchdog serves every organization.
    for run_id in Run.objects.filter(
        status__in=[RunStatus.QUEUED, RunStatus.DISPATCHED, RunStatus.RUNNING], last_activity_at__lt=limit
    ).values_list("pk", flat=True):
        with transaction.atomic():
            run = Run.objects.select_for_update().get(pk=run_id)
            if run.status == RunStatus.QUEUED and run_waits_behind(run):
                continue  # held back, never sent: not the agent's silence
            if run.last_activity_at and run.last_activity_at < limit and run.status not in FINAL_STATUSES:
                run.error = "the agent stayed silent for more than 10 minutes"
                run.save(update_fields=["error"])
                run_transition(run, RunStatus.LOST)
                run_changed_on_commit(run)
                lost += 1
    return lost
