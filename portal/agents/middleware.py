"""Agent sockets authenticate in ASGI middleware: `Authorization: Bearer <agent token>`."""

from portal.agents.services import agent_authenticate
from portal.sync_threads import database_sync_in_pool


class AgentTokenMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers") or [])
        scheme, _, raw = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        agent = None
        if scheme.lower() == "bearer" and raw:
            agent = await database_sync_in_pool(_authenticate, raw.strip())
        return await self.app({**scope, "agent": agent}, receive, send)


def _authenticate(raw: str):
    agent = agent_authenticate(raw)
    if agent is not None:
        return {
            "pk": agent.pk,
            "organization_id": agent.organization_id,
            "detached": agent.detached_at is not None,
        }
    return None
