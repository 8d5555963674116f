"""One run of a workflow at a time: a run requested while another is under way waits, queued.

The agent refuses a second run of a workflow it is running, and the user asked for a run, not a
failure: the portal holds the next one back and sends it when the one ahead ends
(`run_dispatch_next_if_queued`, on `run_completed`; a request whose run queued as the one ahead
ended looks again itself, `run_dispatch_next_after_commit`). The watchdog sweeps up queues a lost
message left behind (`runs_queue_sweep`), and `welcome` re-sends only what may go
(`runs_pending_for_agent`).
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal.agents.services import agent_push_on_commit
from portal.rows import row_or_none
from portal.runs.lifecycle import run_transition
from portal.runs.models import Run, RunStatus
from portal.workflows.models import VersionState, Workflow

UNDER_WAY = (RunStatus.QUEUED, RunStatus.DISPATCHED, RunStatus.RUNNING)
BUSY = (RunStatus.DISPATCHED, RunStatus.RUNNING)
SWEEP_AFTER = timedelta(minutes=1)

logger = logging.getLogger(__name__)


def run_blocker(workflow: Workflow, *, published: bool | None = None) -> str | None:
    """Why the workflow cannot run now, in a sentence that says what to do (None when it can).

    `published`: whether it has a published version, when the caller read that already."""
    if published is None:
        published = workflow.versions.filter(state=VersionState.PUBLISHED).exists()
    if not published:
        return f"{workflow.name} has no published version: Generate and Publish it first."
    if not workflow.is_active:
        return f"{workflow.name} is not active: switch it on first."
    if workflow.agent is None:
        return f"{workflow.name} has no agent: assign one in the workflow's settings."
    if workflow.agent.detached_at is not None:
        return f"Agent {workflow.agent.name} is detached: attach it first."
    return None


def workflow_under_way(workflow_id: int) -> bool:
    """Is a run of the workflow queued, dispatched or running? (Its own partial index answers.)"""
    return Run.objects.filter(workflow_id=workflow_id, status__in=UNDER_WAY).exists()


def run_waits_behind(run: Run) -> bool:
    """Is an earlier run of the same workflow still under way (so this one is held back)?"""
    return (
        Run.objects.filter(organization_id=run.organization_id, workflow_id=run.workflow_id)
        .filter(status__in=UNDER_WAY, created_at__lte=run.created_at)
        .exclude(pk=run.pk)
        .exists()
    )


def run_dispatch_on_commit(run: Run) -> None:
    from portal.runs.services import run_start_frame

    frame = run_start_frame(run)
    agent_push_on_commit(run.agent_id, {"type": "agent.frame", "frame": frame, "dispatch_run": str(run.pk)})


@transaction.atomic
def run_dispatch_next(*, organization_id: int, workflow_id: int, only: uuid.UUID | None = None) -> Run | None:
    """Send the oldest queued run of the workflow once none of its runs is dispatched or running.

    `only`: a run's id; nothing is sent unless that run is the one next.
    The workflow is checked again first: one switched off, unpublished or left without an agent
    while runs waited fails them with the reason; one moved to another agent sends them there.
    Sending a run.start twice is harmless: the agent answers a run it knows with run.accepted.
    """
    workflow = row_or_none(
        Workflow.objects.filter(organization_id=organization_id, pk=workflow_id)
        .select_for_update(of=("self",))
        .select_related("agent")
    )
    if workflow is None:
        return None
    runs = Run.objects.for_organization(organization_id).filter(workflow=workflow)
    # One look at the workflow's runs under way (a few rows, on their own index) answers both
    # "is one busy?" and "which queued run is next?".
    under_way = list(runs.filter(status__in=UNDER_WAY).order_by("created_at").values_list("pk", "status"))
    if not under_way or any(status in BUSY for _, status in under_way):
        return None
    if only is not None and under_way[0][0] != only:
        return None
    # Locked and read again: a cancel (which does not take the workflow's lock) may have ended it.
    run = (
        runs.filter(pk=under_way[0][0], status=RunStatus.QUEUED)
        .select_for_update(of=("self",))
        .select_related("workflow", "version")
        .defer("version__design", "version__plan_json")  # run.start names the plan; it does not carry it
        .first()
    )
    if run is None:
        return None
    blocker = run_blocker(workflow)
    if blocker is not None:
        from portal.runs.services import run_changed_on_commit

        for waiting in runs.filter(status=RunStatus.QUEUED).select_for_update():
            waiting.error = f"not sent: {blocker}"
            waiting.save(update_fields=["error"])
            run_transition(waiting, RunStatus.FAILED)
            run_changed_on_commit(waiting)
        return None
    if run.agent_id != workflow.agent_id:
        run.agent = workflow.agent
    run.last_activity_at = timezone.now()  # the watchdog's silence counts from now, not from the request
    run.save(update_fields=["agent", "last_activity_at"])
    run_dispatch_on_commit(run)
    return run


def run_dispatch_next_if_queued(*, organization_id: int, workflow_id: int) -> Run | None:
    """`run_dispatch_next` when a run of the workflow is queued: what ends a run calls this.

    Most runs end with nothing queued behind them. A look without locks tells so in one query, where
    the locked look took a transaction of four round trips (bench/dispatch.py: ~5% of the portal's
    CPU at 20 runs a second). A request that queues its run while this looks has not committed yet;
    it looks again itself once committed (`run_dispatch_next_after_commit`), so the run is not left
    for the sweep.
    """
    queued = Run.objects.filter(
        organization_id=organization_id, workflow_id=workflow_id, status=RunStatus.QUEUED
    )
    if not queued.exists():
        return None
    return run_dispatch_next(organization_id=organization_id, workflow_id=workflow_id)


def run_dispatch_next_after_commit(run: Run) -> None:
    """For a run that waits behind another: once committed, send it if it is now the one next.

    Its request read the run ahead as under way, and that run's end may have looked for queued
    runs before this one was committed (`run_dispatch_next_if_queued` takes no lock). Only this
    run: an older queued run is sent by what ends the run ahead of it (or by the sweep, which keeps
    the minute a busy agent is given).
    """
    organization_id, workflow_id, run_id = run.organization_id, run.workflow_id, run.pk

    def look_again() -> None:
        try:
            run_dispatch_next(organization_id=organization_id, workflow_id=workflow_id, only=run_id)
        except Exception:  # the run is committed: the request succeeded; the sweep sends it later
            logger.exception("runs: sending queued run %s (organization %s) failed", run_id, organization_id)

    transaction.on_commit(look_again)


def runs_queue_sweep() -> int:
    """Send what waits behind nothing (a run_completed lost to a crash): called by the watchdog."""
    quiet_since = timezone.now() - SWEEP_AFTER  # younger ones were just requested or just sent
    stuck = (
        Run.objects.filter(
            status=RunStatus.QUEUED, last_activity_at__lt=quiet_since
        )  # unscoped: serves everyone
        .exclude(workflow__runs__status__in=BUSY)
        .values_list("organization_id", "workflow_id")
        .distinct()
    )
    return sum(
        run_dispatch_next(organization_id=org, workflow_id=workflow) is not None for org, workflow in stuck
    )


def runs_pending_for_agent(agent, running: list[str] | tuple = ()) -> list[Run]:
    """Runs for this agent that it never accepted, re-sent in `welcome`: the ones dispatched, and
    per workflow the oldest queued run when nothing of that workflow is dispatched or running
    (on any agent, or on this one by its own account in `hello.running`)."""
    mine = list(
        Run.objects.for_organization(agent.organization)
        .filter(agent=agent, status__in=[RunStatus.QUEUED, RunStatus.DISPATCHED])
        .select_related("workflow", "version")
        .order_by("created_at")
    )
    workflows = {run.workflow_id for run in mine}
    busy = set(
        Run.objects.for_organization(agent.organization)
        .filter(workflow_id__in=workflows)
        .filter(status__in=BUSY)
        .values_list("workflow_id", flat=True)
    ) | set(
        Run.objects.for_organization(agent.organization)
        .filter(agent=agent, pk__in=running)
        .values_list("workflow_id", flat=True)
    )
    first_queued: dict[int, object] = {}
    for workflow_id, pk in (
        Run.objects.for_organization(agent.organization)
        .filter(workflow_id__in=workflows, status=RunStatus.QUEUED)
        .order_by("created_at")
        .values_list("workflow_id", "pk")
    ):
        first_queued.setdefault(workflow_id, pk)
    pending = [run for run in mine if run.status == RunStatus.DISPATCHED]
    pending += [
        run
        for run in mine
        if run.status == RunStatus.QUEUED
        and run.workflow_id not in busy
        and first_queued.get(run.workflow_id) == run.pk
    ]
    return sorted(pending, key=lambda run: run.created_at)
