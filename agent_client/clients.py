"""Build the connector clients a plan needs from the agent's configuration."""

from __future__ import annotations

from agent_client.config import AgentConfig, ConfigError
from agent_client.connectors.sage300 import Sage300Client
from agent_client.connectors.shopify import ShopifyClient
from agent_client.plan import Plan
from agent_client.runner.context import Clients


def shopify_client(config: AgentConfig, name: str = "shopify") -> ShopifyClient:
    settings = config.connection(name, "shopify")
    return ShopifyClient(
        shop_url=settings["shop_url"],
        token=settings["token"],
        api_version=settings.get("api_version", "2025-07"),
    )


def sage_client(config: AgentConfig, name: str = "sage300") -> Sage300Client:
    settings = config.connection(name, "sage300")
    return Sage300Client(
        base_url=settings["base_url"],
        company=settings["company"],
        user=settings["user"],
        password=settings["password"],
        max_concurrency=int(settings.get("max_concurrency", 4)),
    )


def clients_for(config: AgentConfig, plan: Plan) -> Clients:
    node = plan.nodes[0]
    if any(
        n.source_connection != node.source_connection
        or n.destination_connection != node.destination_connection
        for n in plan.nodes
    ):
        raise ConfigError(
            "a plan whose nodes use different connections is not supported by this agent version"
        )
    return Clients(
        shopify=shopify_client(config, node.source_connection),
        sage=sage_client(config, node.destination_connection),
    )
