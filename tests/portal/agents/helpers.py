"""An organization ready to run (connections, a published Customer Add workflow, a registered
agent), and snapshot records shaped like the ones a real agent sends."""

from __future__ import annotations

from dataclasses import dataclass

from portal.agents.models import Agent
from portal.agents.services import agent_create, agent_register
from portal.connectors.services import connection_create
from portal.workflows.design import workflow_create
from portal.workflows.lifecycle import version_generate, version_publish
from portal.workflows.models import Workflow, WorkflowVersion


@dataclass
class Ready:
    agent: Agent
    token: str
    workflow: Workflow
    version: WorkflowVersion


def org_ready(*, organization, owner, agent_name: str = "sage-server") -> Ready:
    """Connections, one registered agent and its published Customer Add workflow."""
    connection_create(
        organization=organization, actor=owner, kind="shopify", name="shopify",
        settings={"shop_url": f"https://{organization.slug}.myshopify.com"}, secrets={"token": "shpat_x"},
    )  # fmt: skip
    connection_create(
        organization=organization, actor=owner, kind="sage300", name="sage300",
        settings={"base_url": "http://sage.local/Sage300WebApi/v1.0", "company": "SAMINC"},
    )  # fmt: skip
    agent, code = agent_create(organization=organization, name=agent_name, actor=owner)
    agent, token = agent_register(code=code, hostname="sage01", platform="Windows", agent_version="1.0.0")
    workflow = workflow_create(organization=organization, actor=owner, template="customer_add", agent=agent)
    version = version_publish(
        workflow=workflow, version=version_generate(workflow=workflow, actor=owner), actor=owner
    )
    return Ready(agent=agent, token=token, workflow=workflow, version=version)


def snapshot_record(n: int, *, status: str = "success", email: str | None = None) -> dict:
    """One record as the agent reports it: a Shopify customer in, a Sage 300 customer out."""
    source_id = str(7_000_000_000 + n)
    email = email or f"customer{n}@example.com"
    return {
        "record_key": source_id,
        "source_id": source_id,
        "destination_id": f"SHP{n:06d}" if status == "success" else None,
        "status": status,
        "message": "" if status == "success" else "Sage 300: Customer group 'RTL' does not exist.",
        "tries": 1,
        "input": {"id": int(source_id), "email": email, "first_name": "Ada", "last_name": f"Lovelace {n}"},
        "output": {"IDCUST": f"SHP{n:06d}", "NAMECUST": f"Ada Lovelace {n}", "EMAIL1": email},
        "response": {"status": 201} if status == "success" else {"status": 400},
        "duration_ms": 12,
    }
