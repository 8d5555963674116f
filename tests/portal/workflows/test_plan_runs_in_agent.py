"""A plan generated in the portal runs unchanged in the agent engine, against both emulators."""

import json

import pytest

from agent_client.connectors.sage300 import Sage300Client
from agent_client.connectors.shopify import ShopifyClient
from agent_client.plan import plan_from_dict
from agent_client.runner import RunOptions, run_plan
from agent_client.runner.context import Clients
from agent_client.state import AgentState
from portal.workflows.design import workflow_create
from portal.workflows.lifecycle import version_generate, version_publish
from portal.workflows.selectors import lookup_tables_payload
from tests.agent_client.runner.reference import expected_customer, sage_feed, shopify_customers
from tests.emulator_processes import start_sage, start_shopify

pytestmark = pytest.mark.django_db
CUSTOMERS = 25


@pytest.fixture(scope="module")
def emulators():
    shopify, sage = start_shopify(customers=CUSTOMERS, seed=3), start_sage()
    yield shopify, sage
    shopify.stop()
    sage.stop()


def _published_plan(acme, alice, template):
    workflow = workflow_create(organization=acme, actor=alice, template=template)
    version = version_publish(
        workflow=workflow, version=version_generate(workflow=workflow, actor=alice), actor=alice
    )
    return plan_from_dict(json.loads(version.plan_json))


def test_it_runs_portal_plans_in_the_agent_against_the_emulators(
    acme, alice, connections, emulators, tmp_path
):
    shopify, sage = emulators
    add_plan = _published_plan(acme, alice, "customer_add")
    update_plan = _published_plan(acme, alice, "customer_update")
    state = AgentState(tmp_path / "state.sqlite3")
    digest, tables = lookup_tables_payload(acme)
    state.lookups_store(lookups_hash=digest, tables=tables)
    clients = Clients(
        shopify=ShopifyClient(shop_url=shopify.url, token="shpat_demo"),
        sage=Sage300Client(
            base_url=f"{sage.url}/Sage300WebApi/v1.0", company="SAMINC", user="WEBAPI", password="webapi"
        ),
    )
    options = RunOptions(retry_pauses=(0.05,))

    added = run_plan(plan=add_plan, state=state, clients=clients, options=options)
    assert added.status == "succeeded", added.error
    assert added.counts["customer_add"]["read"] == CUSTOMERS
    assert added.counts["customer_add"]["failed"] == 0
    assert sum(c["CustomerNumber"].startswith("SH") for c in sage_feed(sage.url, "ARCustomers")) == CUSTOMERS

    updated = run_plan(plan=update_plan, state=state, clients=clients, options=options)
    assert updated.status == "succeeded", updated.error
    assert updated.counts["customer_update"]["failed"] == 0
    assert updated.workflow_id == str(update_plan.data["workflow"]["id"])
    # After Add then Update (+ Address Update), Sage holds exactly what the portal's mapping says.
    in_sage = {c["CustomerNumber"]: c for c in sage_feed(sage.url, "ARCustomers")}
    for customer in shopify_customers(shopify.url):
        expected = expected_customer(customer, tables)
        assert {k: in_sage[expected["CustomerNumber"]][k] for k in expected} == expected
