"""Starting, cancelling and reprocessing runs. A run executes exactly one plan, named by its hash."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.agents.services import agent_push_on_commit
from portal.realtime import ui_event_on_commit
from portal.runs.lifecycle import run_transition
from portal.runs.models import FINAL_STATUSES, Run, RunStatus, SnapshotRecord, Trigger
from portal.tenants.services import audit_record
from portal.workflows.models import VersionState, Workflow

WATCHDOG_SILENCE = timedelta(minutes=10)
# A workflow runs once at a time on its agent (the agent refuses a second run.start); a run
# requested while one of these is under way waits, queued, until that one ends.
UNDER_WAY = (RunStatus.QUEUED, RunStatus.DISPATCHED, RunStatus.RUNNING)
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
    one ends (`run_dispatch_next`): the agent would refuse it, and the user asked for a run, not
    for a failure.
    """
    workflow = Workflow.objects.select_for_update(of=("self",)).select_related("agent").get(pk=workflow.pk)
    version = workflow.versions.filter(state=VersionState.PUBLISHED).first()
    if version is None:
        raise ValidationError(f"{workflow.name} has no published version: Generate and Publish it first.")
    if not workflow.is_active:
        raise ValidationError(f"{workflow.name} is not active: switch it on first.")
    agent = workflow.agent
    if agent is None:
        raise ValidationError(f"{workflow.name} has no agent: assign one in the workflow's settings.")
    if agent.detached_at is not None:
        raise ValidationError(f"Agent {agent.name} is detached: attach it first.")
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
    waits_behind = (
        Run.objects.for_organization(workflow.organization)
        .filter(workflow=workflow, status__in=UNDER_WAY)
        .exclude(pk=run.pk)
        .exists()
    )  # read under the workflow's lock: two requests at once cannot both see the way clear
    if not waits_behind:
        _dispatch_on_commit(run)
    run_changed_on_commit(run)
    return run


def _dispatch_on_commit(run: Run) -> None:
    frame = run_start_frame(run)
    agent_push_on_commit(run.agent_id, {"type": "agent.frame", "frame": frame, "dispatch_run": str(run.pk)})


@transaction.atomic
def run_dispatch_next(*, organization_id: int, workflow_id: int) -> Run | None:
    """Send the oldest queued run of the workflow once no run of it is dispatched or running.

    Called after any run of the workflow ends. Sending a run.start twice is harmless: the agent
    answers a run it knows with run.accepted again.
    """
    workflow = (
        Workflow.objects.filter(organization_id=organization_id, pk=workflow_id).select_for_update().first()
    )
    if workflow is None:
        return None
    runs = Run.objects.for_organization(workflow.organization).filter(workflow=workflow)
    if runs.filter(status__in=[RunStatus.DISPATCHED, RunStatus.RUNNING]).exists():
        return None
    waiting = runs.filter(status=RunStatus.QUEUED, agent__isnull=False).select_related("workflow", "version")
    run = waiting.order_by("created_at").first()
    if run is not None:
        _dispatch_on_commit(run)
    return run


@transaction.atomic
def run_mark_dispatched(*, run_id: str) -> None:
    """Called by the socket that forwarded run.start (a queued run becomes dispatched)."""
    run = Run.objects.select_for_update().filter(pk=run_id).first()
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
    elif run.agent_id:
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


def runs_pending_for_agent(agent) -> list[Run]:
    """Runs for this agent that it never accepted, re-sent in `welcome`: per workflow, the ones
    dispatched, or else its oldest queued run unless one of its runs is running."""
    runs = (
        Run.objects.for_organization(agent.organization)
        .filter(agent=agent, status__in=UNDER_WAY)
        .select_related("workflow", "version")
        .order_by("created_at")
    )
    by_workflow: dict[int, list[Run]] = {}
    for run in runs:
        by_workflow.setdefault(run.workflow_id, []).append(run)
    pending: list[Run] = []
    for under_way in by_workflow.values():
        statuses = {run.status for run in under_way}
        if RunStatus.DISPATCHED in statuses:
            pending += [run for run in under_way if run.status == RunStatus.DISPATCHED]
        elif RunStatus.RUNNING not in statuses:
            pending.append(under_way[0])
    return sorted(pending, key=lambda run: run.created_at)


def runs_watchdog() -> int:
    """Runs whose agent stayed silent past the limit become `lost` (a late report still lands)."""
    limit = timezone.now() - WATCHDOG_SILENCE
    lost = 0
    # Unscoped on purpose: the watchdog serves every organization.
    for run_id in Run.objects.filter(
        status__in=[RunStatus.QUEUED, RunStatus.DISPATCHED, RunStatus.RUNNING], last_activity_at__lt=limit
    ).values_list("pk", flat=True):
        with transaction.atomic():
            run = Run.objects.select_for_update().get(pk=run_id)
            if run.last_activity_at and run.last_activity_at < limit and run.status not in FINAL_STATUSES:
                run.error = "the agent stayed silent for more than 10 minutes"
                run.save(update_fields=["error"])
                run_transition(run, RunStatus.LOST)
                run_changed_on_commit(run)
                lost += 1
    return lost
