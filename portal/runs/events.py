"""In-process events about runs, sent only after the transaction that caused them commits.

`run_completed(sender, run_id, organization_id, workflow_id, status)`: a run reached a final status (or
`lost`, or its true status after being lost). Dashboards keep their aggregates with it.
"""

from django.db import transaction
from django.dispatch import Signal

run_completed = Signal()


def run_completed_on_commit(run) -> None:
    payload = {
        "run_id": str(run.pk),
        "organization_id": run.organization_id,
        "workflow_id": run.workflow_id,
        "status": run.status,
    }
    transaction.on_commit(lambda: run_completed.send(sender=run.__class__, **payload))
