"""A run that waited behind another run of its workflow is sent to the agent when that one ends."""

import logging

from django.dispatch import receiver

from portal.runs.events import run_completed
from portal.runs.queue import run_dispatch_next_if_queued

logger = logging.getLogger(__name__)


@receiver(run_completed)
def dispatch_next_on_run_completed(sender, *, run_id, organization_id, workflow_id, **_):
    # Sent after the run's transaction committed, often inside the agent's socket: a failure here
    # must not fail the agent's report. The run stays queued; the watchdog's sweep sends it.
    try:
        run_dispatch_next_if_queued(organization_id=organization_id, workflow_id=workflow_id)
    except Exception:
        logger.exception(
            "runs: sending the run queued after %s (organization %s) failed", run_id, organization_id
        )
