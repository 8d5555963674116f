"""Publishing tells the workflow's agent at once (config.available); it pulls the plan when it wants."""

from django.dispatch import receiver

from agent_client.protocol import make_frame
from portal.agents.services import agent_push
from portal.workflows.events import workflow_published
from portal.workflows.models import Workflow


@receiver(workflow_published)
def config_available_push(sender, *, organization_id, workflow_id, workflow_pk, version, plan_hash, **_):
    agent_pk = (
        Workflow.objects.filter(pk=workflow_pk, organization_id=organization_id)
        .values_list("agent_id", flat=True)
        .first()
    )
    if agent_pk is not None:
        frame = make_frame("config.available", workflow_id=workflow_id, version=version, plan_hash=plan_hash)
        agent_push(agent_pk, {"type": "agent.frame", "frame": frame})
