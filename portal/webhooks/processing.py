"""What a stored delivery does: start (or join) a webhook run of every workflow listening to it.

Called by the `webhooks.delivery_process` task with nothing but the delivery id.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.runs.models import Trigger
from portal.runs.services import run_not_started, run_request
from portal.webhooks.models import WebhookDelivery
from portal.webhooks.selectors import workflows_listening
from portal.workflows.models import Workflow

logger = logging.getLogger(__name__)


@transaction.atomic
def delivery_process(*, delivery_id: int) -> WebhookDelivery | None:
    """Start a `webhook` run of each listening workflow, or join the run it already has queued.

    Idempotent: the delivery is locked and a processed one is left as it is, so a task delivered
    twice (late ack, a redelivered webhook re-enqueueing) starts nothing more. Each workflow row is
    locked before looking for its not-yet-started run, so two deliveries processed at the same
    time by two workers start one run between them, not two.
    """
    # Unscoped on purpose: a task carries only the id; the organization comes from the row itself
    # and scopes every read and write below.
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("organization", "endpoint__connection")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.processed_at is not None:
        return delivery
    organization, connection = delivery.organization, delivery.endpoint.connection
    outcome: dict[str, list] = {"started": [], "coalesced": [], "skipped": []}
    covered_by = None
    for listening in workflows_listening(organization=organization, connection=connection):
        workflow = Workflow.objects.for_organization(organization).select_for_update().get(pk=listening.pk)
        entry = {"workflow": workflow.pk, "name": workflow.name}
        pending = run_not_started(organization=organization, workflow=workflow)
        if pending is not None:
            outcome["coalesced"].append({**entry, "run": str(pending.pk)})
            covered_by = covered_by or pending
            continue
        try:
            run = run_request(workflow=workflow, actor=None, trigger=Trigger.WEBHOOK)
        except ValidationError as exc:  # permanent (inactive, no agent, detached): recorded, not retried
            outcome["skipped"].append({**entry, "reason": exc.messages[0]})
            continue
        outcome["started"].append({**entry, "run": str(run.pk)})
        covered_by = covered_by or run
    if not any(outcome.values()):
        outcome["skipped"].append(
            {"reason": f"no active Customer Update workflow with an agent reads from {connection.name}"}
        )
    delivery.outcome = outcome
    delivery.run = covered_by
    delivery.processed_at = timezone.now()
    delivery.save(update_fields=["outcome", "run", "processed_at"])
    logger.info(
        "webhook delivery %s (%s, organization %s): %d run(s) started, %d joined, %d skipped",
        delivery.webhook_id,
        delivery.topic,
        organization.slug,
        len(outcome["started"]),
        len(outcome["coalesced"]),
        len(outcome["skipped"]),
    )
    return delivery
