"""Frames the portal sends: welcome, configuration and lookup tables for one agent."""

from __future__ import annotations

import json

from django.utils import timezone

from agent_client.protocol import make_frame
from portal.workflows.models import VersionState, WorkflowVersion
from portal.workflows.selectors import lookup_tables_payload

HEARTBEAT_SECONDS = 20


def published_versions(agent) -> list[WorkflowVersion]:
    return list(
        WorkflowVersion.objects.for_organization(agent.organization)
        .filter(workflow__agent=agent, state=VersionState.PUBLISHED)
        .select_related("workflow")
    )


def config_plans_frame(agent, re: str, workflow_ids: list[str] | None) -> dict:
    plans = []
    for version in published_versions(agent):
        workflow_id = str(version.workflow.public_id)
        if workflow_ids is None or workflow_id in workflow_ids:
            plans.append(
                {
                    "workflow_id": workflow_id,
                    "version": version.number,
                    "plan_hash": version.plan_hash,
                    "plan": json.loads(version.plan_json),
                }
            )
    return make_frame("config.plans", re=re, plans=plans)


def config_available_frames(agent) -> list[dict]:
    return [
        make_frame(
            "config.available", workflow_id=str(v.workflow.public_id), version=v.number, plan_hash=v.plan_hash
        )
        for v in published_versions(agent)
    ]


def lookups_available_frame(organization) -> dict:
    lookups_hash, _ = lookup_tables_payload(organization)
    return make_frame("lookups.available", lookups_hash=lookups_hash)


def lookups_tables_frame(organization, re: str) -> dict:
    lookups_hash, tables = lookup_tables_payload(organization)
    return make_frame("lookups.tables", re=re, hash=lookups_hash, tables=tables)


def welcome_frame(agent, hello, pending_runs) -> dict:
    from portal.runs.services import run_start_frame

    held = hello.plans or {}
    stale_plans = [
        str(v.workflow.public_id)
        for v in published_versions(agent)
        if held.get(str(v.workflow.public_id)) != v.plan_hash
    ]
    lookups_hash, _ = lookup_tables_payload(agent.organization)
    return make_frame(
        "welcome",
        re=hello.id,
        agent_id=str(agent.pk),
        organization=agent.organization.slug,
        heartbeat_s=HEARTBEAT_SECONDS,
        server_time=timezone.now().isoformat(),
        pending=[run_start_frame(run) for run in pending_runs],
        stale={"plans": stale_plans, "lookups": hello.lookups_hash != lookups_hash},
    )
