"""The run state machine, declared once and enforced under select_for_update.

queued → dispatched → running → succeeded | completed_with_errors | failed | cancelled;
dispatched → queued when the agent answers that it is busy (sent again later);
queued | dispatched | running → lost when the agent stays silent past the watchdog limit; a late
report from the agent still lands and sets the true final state.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.runs.events import run_completed_on_commit
from portal.runs.models import FINAL_STATUSES, Run, RunStatus

S = RunStatus
ALLOWED: dict[str, set[str]] = {
    S.QUEUED: {S.DISPATCHED, S.RUNNING, S.FAILED, S.CANCELLED, S.LOST, *FINAL_STATUSES},
    # → queued: the agent was busy and said so (run.rejected busy); the run waits to be sent again.
    S.DISPATCHED: {S.QUEUED, S.RUNNING, S.FAILED, S.CANCELLED, S.LOST, *FINAL_STATUSES},
    S.RUNNING: {*FINAL_STATUSES, S.LOST},
    S.LOST: {S.RUNNING, *FINAL_STATUSES},  # a late report from the agent still lands
    S.SUCCEEDED: set(),
    S.COMPLETED_WITH_ERRORS: set(),
    S.FAILED: set(),
    S.CANCELLED: set(),
}


# What a transition changes on the run: the fields run_transition saves (or its caller, with save=False).
TRANSITION_FIELDS = (
    "status",
    "transitions",
    "last_activity_at",
    "dispatched_at",
    "started_at",
    "finished_at",
)


class IllegalTransition(ValidationError):
    pass


def run_transition(run: Run, status: str, *, save: bool = True) -> bool:
    """Move a run (already locked by the caller) to `status`; False when it is there already."""
    if run.status == status:
        return False
    if status not in ALLOWED[run.status]:
        raise IllegalTransition(f"A {run.status} run cannot become {status}.")
    now = timezone.now()
    run.status = status
    run.transitions = [*run.transitions, {"status": status, "at": now.isoformat()}]
    run.last_activity_at = now
    if status == S.DISPATCHED:
        run.dispatched_at = now
    if status == S.RUNNING and run.started_at is None:
        run.started_at = now
    if status in FINAL_STATUSES:
        run.finished_at = run.finished_at or now
    if status in FINAL_STATUSES or status == S.LOST:
        run_completed_on_commit(run)
    if save:
        run.save(update_fields=TRANSITION_FIELDS)
    return True
