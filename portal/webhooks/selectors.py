"""Reads for webhooks. Everything but the endpoint lookup by its public id takes the organization first."""

from __future__ import annotations

import json
import uuid

from portal.runs.models import Run, RunStatus
from portal.webhooks.models import WebhookEndpoint
from portal.workflows.models import Template, VersionState, Workflow, WorkflowVersion

# A run that has not started reading yet will see every change made before it starts: a burst of
# deliveries joins it instead of queueing one run per delivery.
NOT_STARTED = (RunStatus.QUEUED, RunStatus.DISPATCHED)


def unscoped_endpoint_by_public_id(public_id: uuid.UUID) -> WebhookEndpoint | None:
    # Unscoped on purpose: Shopify knows only the endpoint's random id. The organization comes from
    # the endpoint row, and everything done for the delivery is scoped to it.
    return (
        WebhookEndpoint.objects.select_related("organization", "connection")
        .filter(public_id=public_id)
        .first()
    )


def organization_endpoints(organization):
    return WebhookEndpoint.objects.for_organization(organization).select_related("connection")


def plan_source_connections(plan_json: str) -> set[str]:
    """Names of the connections a plan's tasks read from (post-tasks read their parent's records)."""
    try:
        plan = json.loads(plan_json or "{}")
        return {
            str(node["source"]["connection"])
            for node in plan.get("nodes", [])
            if isinstance(node, dict)
            and isinstance(node.get("source"), dict)
            and node["source"].get("connection")
        }
    except (ValueError, TypeError, KeyError, AttributeError):
        return set()


def workflows_listening(*, organization, connection) -> list[Workflow]:
    """Active Customer Update workflows with an agent whose published plan reads from `connection`."""
    versions = (
        WorkflowVersion.objects.for_organization(organization)
        .filter(
            state=VersionState.PUBLISHED,
            workflow__template=Template.CUSTOMER_UPDATE,
            workflow__is_active=True,
            workflow__agent__isnull=False,
        )
        .select_related("workflow")
        .order_by("workflow_id")
    )
    return [v.workflow for v in versions if connection.name in plan_source_connections(v.plan_json)]


def run_not_started(*, organization, workflow: Workflow) -> Run | None:
    return (
        Run.objects.for_organization(organization)
        .filter(workflow=workflow, status__in=NOT_STARTED)
        .filter(record_ids__isnull=True)  # a reprocess of a few records reads nothing new
        .order_by("created_at")
        .first()
    )
