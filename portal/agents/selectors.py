"""Reads for the Agents page. Every function takes the organization first."""

from portal.agents.models import Agent
from portal.agents.services import agent_is_online


def organization_agents(organization) -> list[tuple[Agent, bool]]:
    """Each agent of the organization with its presence (online only while heartbeats arrive)."""
    return [(agent, agent_is_online(agent)) for agent in Agent.objects.for_organization(organization)]


def agent_of(organization, agent_id) -> Agent | None:
    if not str(agent_id).isdigit():
        return None
    return Agent.objects.for_organization(organization).filter(pk=int(agent_id)).first()
