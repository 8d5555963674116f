"""The dashboards' aggregates follow the runs: every run that completes (or is lost) is counted."""

import logging

from django.dispatch import receiver

from portal.dashboards.services import stats_run_record
from portal.runs.events import run_completed

logger = logging.getLogger(__name__)


@receiver(run_completed)
def stats_on_run_completed(sender, *, run_id, organization_id, status, **_):
    # Sent after the run's transaction committed, to whoever committed it (often the agent's
    # socket): a failure here must not fail the agent's report. `manage.py dashboards_recount`
    # repairs what a failure missed.
    try:
        stats_run_record(run_id=run_id)
    except Exception:
        logger.exception("dashboards: counting run %s of organization %s failed", run_id, organization_id)
