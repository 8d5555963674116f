"""In-process events, sent only after the transaction that caused them commits.

Receivers (the agent link forwards `config.available` to the organization's agents) connect with
`workflow_published.connect(receiver)` and get keyword arguments:

- `workflow_published`: organization_id (int), workflow_id (str: the workflow's public_id, the
  plan's `workflow.id`), workflow_pk (int), version (int), plan_hash (str), rollback (bool).
- `workflow_unpublished` (Reset Publish): organization_id, workflow_id, workflow_pk, version.
"""

from django.db import transaction
from django.dispatch import Signal

workflow_published = Signal()
workflow_unpublished = Signal()


def published_notify_on_commit(*, version, rollback: bool) -> None:
    payload = {
        "organization_id": version.organization_id,
        "workflow_id": str(version.workflow.public_id),
        "workflow_pk": version.workflow_id,
        "version": version.number,
        "plan_hash": version.plan_hash,
        "rollback": rollback,
    }
    transaction.on_commit(lambda: workflow_published.send(sender=version.__class__, **payload))


def unpublished_notify_on_commit(*, version) -> None:
    payload = {
        "organization_id": version.organization_id,
        "workflow_id": str(version.workflow.public_id),
        "workflow_pk": version.workflow_id,
        "version": version.number,
    }
    transaction.on_commit(lambda: workflow_unpublished.send(sender=version.__class__, **payload))
