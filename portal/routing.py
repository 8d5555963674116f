"""Websocket routes. Agents authenticate with their token (no browser Origin to check);
browsers authenticate with the session and must come from an allowed host."""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from portal.agents.consumers import AgentConsumer
from portal.agents.middleware import AgentTokenMiddleware
from portal.runs.ui_consumer import UiConsumer

websocket_application = URLRouter(
    [
        path("ws/agent/v1/", AgentTokenMiddleware(AgentConsumer.as_asgi())),
        path("ws/ui/", AllowedHostsOriginValidator(AuthMiddlewareStack(UiConsumer.as_asgi()))),
    ]
)
