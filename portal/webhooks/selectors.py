"""Reads for webhooks. Everything but the endpoint lookup by its public id takes the organization first."""

from __future__ import annotations

import json
import uuid

from portal.webhooks.models import WebhookEndpoint
from portal.workflows.models import Template, VersionState, Workflow, WorkflowVersion


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
