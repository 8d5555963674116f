import pytest


@pytest.fixture
def connections(acme, alice):
    """Acme's Shopify and Sage 300 connections, named as the agent's ferry-agent.toml names them."""
    from portal.connectors.services import connection_create

    shopify = connection_create(
        organization=acme,
        actor=alice,
        kind="shopify",
        name="shopify",
        settings={"shop_url": "https://acme.myshopify.com"},
        secrets={"token": "shpat_acme_secret"},
    )
    sage = connection_create(
        organization=acme,
        actor=alice,
        kind="sage300",
        name="sage300",
        settings={"base_url": "http://sage.acme.local/Sage300WebApi/v1.0", "company": "SAMINC"},
    )
    return shopify, sage


@pytest.fixture
def update_workflow(acme, alice, connections):
    """Acme's Customer Update workflow, fresh from its template: version 1 is a draft."""
    from portal.workflows.design import workflow_create

    return workflow_create(organization=acme, actor=alice, template="customer_update")


@pytest.fixture
def draft(update_workflow):
    return update_workflow.versions.get(number=1)
