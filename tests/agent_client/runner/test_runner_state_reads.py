"""What a Customer Update asks of the agent's local state and of Sage when little has changed."""

import pytest
import requests

from agent_client import lookups
from agent_client.plan import plan_load, template_path
from agent_client.state import AgentState
from tests.agent_client.runner.reference import shopify_customers
from tests.agent_client.runner.test_runner_customers import _run, assert_sage_matches_shopify

pytestmark = pytest.mark.slow


class _Counted:
    def __init__(self, monkeypatch, owner, name):
        self.calls = 0
        original = getattr(owner, name)

        def counted(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)


def test_a_page_of_unchanged_customers_costs_a_few_state_queries_and_no_sage_call(
    agent, emulators, monkeypatch
):
    state, clients = agent
    shopify, sage, seed = emulators
    seed(500, seed=5)
    assert _run(state, clients, "customer_add").status == "succeeded"
    assert _run(state, clients, "customer_update").status == "succeeded"
    workflow_id = plan_load(template_path("customer_update")).workflow_id
    state.cursor_set(workflow_id, "customer_update", None, reason="test: resync everyone")

    queries = _Counted(monkeypatch, AgentState, "_query")
    ship_to_reads = _Counted(monkeypatch, clients.sage, "ship_tos")
    everyone = _run(state, clients, "customer_update", max_workers=4)

    assert everyone.status == "succeeded"
    assert everyone.counts["customer_update"]["skipped"] == 500
    assert everyone.counts["address_update"]["skipped"] == 500
    # Two pages of 250: a handful of queries each (customers, hashes, bucket, ship-tos, markers),
    # not several per record as when every writer thread asked for its own record's state.
    assert queries.calls < 60, queries.calls
    assert ship_to_reads.calls == 0


def test_a_first_ship_to_of_a_synced_customer_needs_no_read_of_sage(agent, emulators, monkeypatch):
    state, clients = agent
    shopify, sage, seed = emulators
    seed(60, seed=9)
    assert _run(state, clients, "customer_add").status == "succeeded"
    assert _run(state, clients, "customer_update").status == "succeeded"
    single = next(c for c in shopify_customers(shopify.url) if len(c["addresses"]) == 1)
    added = requests.post(
        f"{shopify.url}/admin/api/2025-07/customers/{single['id']}/addresses.json",
        headers={"X-Shopify-Access-Token": "shpat_demo"},
        json={"address": {"address1": "1 Harbour St", "city": "Toronto", "province_code": "ON",
                          "country_code": "CA", "zip": "M5J 2N8", "first_name": "Dock", "last_name": "Office"}},
        timeout=10,
    )  # fmt: skip
    assert added.status_code in (200, 201), added.text

    ship_to_reads = _Counted(monkeypatch, clients.sage, "ship_tos")
    after = _run(state, clients, "customer_update")
    assert after.status == "succeeded"
    assert after.counts["address_update"]["succeeded"] == 1
    assert ship_to_reads.calls == 0  # its (empty) ship-to list is known to be complete locally
    _, tables = state.lookups_current()
    assert_sage_matches_shopify(shopify, sage, tables)


def test_a_lost_state_still_rebuilds_ship_to_links_from_sage(agent, emulators, tmp_path, monkeypatch):
    """Without the marker (a new state file), the ship-tos already in Sage are found, not created twice."""
    state, clients = agent
    shopify, sage, seed = emulators
    seed(40, seed=3)
    assert _run(state, clients, "customer_add").status == "succeeded"
    assert _run(state, clients, "customer_update").status == "succeeded"

    fresh = AgentState(tmp_path / "fresh.sqlite3")
    for customer_key, (number, xref_state) in state.xrefs_get("customer", [
        str(c["id"]) for c in shopify_customers(shopify.url)
    ]).items():  # fmt: skip
        fresh.xref_set("customer", customer_key, number, xref_state)
    lookups.tables_current(fresh)
    ship_to_reads = _Counted(monkeypatch, clients.sage, "ship_tos")
    again = _run(fresh, clients, "customer_update")
    assert again.status == "succeeded"
    assert ship_to_reads.calls > 0
    _, tables = fresh.lookups_current()
    assert_sage_matches_shopify(shopify, sage, tables)  # one ship-to per address: none created twice
