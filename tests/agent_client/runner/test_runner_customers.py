"""Customer Add then Customer Update with Address Update, against both emulators over real HTTP."""

import pytest
import requests

from agent_client.plan import plan_load, template_path
from agent_client.runner import RunOptions, run_plan
from tests.agent_client.runner.reference import (
    expected_customer,
    expected_ship_to,
    sage_feed,
    shopify_customers,
)

pytestmark = pytest.mark.slow
ADDRESS_FIELDS = [
    "AddressLine1",
    "AddressLine2",
    "AddressLine3",
    "City",
    "StateProvince",
    "ZipPostalCode",
    "Country",
    "ContactName",
    "PhoneNumber",
    "Description",
    "Status",
]


def _run(state, clients, name, **options):
    return run_plan(
        plan=plan_load(template_path(name)),
        state=state,
        clients=clients,
        options=RunOptions(retry_pauses=(0.05,), **options),
    )


def assert_sage_matches_shopify(shopify, sage, tables):
    customers = shopify_customers(shopify.url)
    in_sage = {c["CustomerNumber"]: c for c in sage_feed(sage.url, "ARCustomers")}
    ship_tos: dict[str, list[dict]] = {}
    for location in sage_feed(sage.url, "ARShipToLocations"):
        ship_tos.setdefault(location["CustomerNumber"], []).append(location)
    numbers = set()
    for customer in customers:
        expected = expected_customer(customer, tables)
        number = expected["CustomerNumber"]
        numbers.add(number)
        actual = in_sage[number]
        assert {k: actual[k] for k in expected} == expected, customer["id"]
        default_id = (customer.get("default_address") or {}).get("id")
        wanted = {
            f"Shopify address {a['id']}": expected_ship_to(a, tables)
            for a in customer.get("addresses") or []
            if a["id"] != default_id
        }
        have = {loc["Description"]: loc for loc in ship_tos.get(number, [])}
        for description, fields in wanted.items():
            assert {k: have[description][k] for k in ADDRESS_FIELDS} == fields, (customer["id"], description)
        for description, location in have.items():
            if description not in wanted:
                assert location["Status"] == "Inactive", (customer["id"], description)
        assert len({loc["ShipToLocationKey"] for loc in have.values()}) == len(have)
    assert len(numbers) == len(customers)  # ids sharing their first 10 digits map to different customers
    return customers


def test_it_adds_then_updates_customers_exactly_as_the_mapping_says(agent, emulators):
    state, clients = agent
    shopify, sage, seed = emulators
    seed(5000, seed=11)
    added = _run(state, clients, "customer_add")
    assert added.status == "succeeded", added.error
    assert added.counts["customer_add"]["read"] == 5000
    assert added.counts["customer_add"]["failed"] == 0

    first = _run(state, clients, "customer_update")
    assert first.status == "succeeded"
    touched = shopify.control("touch", {"count": 1000, "seed": 5})["touched"]
    assert len(touched) == 1000
    second = _run(state, clients, "customer_update")
    assert second.status == "succeeded", second.error
    assert second.counts["customer_update"]["failed"] == 0

    _, tables = state.lookups_current()
    customers = assert_sage_matches_shopify(shopify, sage, tables)
    prefixes = {}
    for customer in customers:
        prefixes.setdefault(str(customer["id"])[:10], []).append(customer["id"])
    assert any(len(ids) > 1 for ids in prefixes.values()), "the data set must include ids sharing 10 digits"

    creates = sage.control("changes?summary=1")["summary"]["SAMINC"]["ARCustomers"]
    shopify_numbers = {k: v for k, v in creates.items() if k.startswith("SH")}
    assert len(shopify_numbers) == 5000
    assert {v["creates"] for v in shopify_numbers.values()} == {1}

    before = sage.control("stats")
    third = _run(state, clients, "customer_update")
    assert third.status == "succeeded"
    assert third.counts["customer_update"]["succeeded"] == 0
    assert third.counts["address_update"]["succeeded"] == 0
    after = sage.control("stats")
    assert _writes(after) == _writes(before)


def _writes(stats: dict) -> int:
    return sum(
        count
        for method, count in stats["requests"]["by_method"].items()
        if method in ("POST", "PATCH", "PUT")
    )


# Full address lists are read through GraphQL (the agent sends no other GraphQL request).
ADDRESS_LIST = "POST graphql.json"


def test_it_reads_all_addresses_of_a_customer_again_only_when_it_changed(agent, emulators):
    """Customers with more than 10 addresses (Shopify lists 10): a resync of everyone reads no address
    list again, yet an old, unlisted address removed in Shopify still makes its ship-to Inactive."""
    state, clients = agent
    shopify, sage, seed = emulators
    seed(300, seed=11)
    assert _run(state, clients, "customer_add").status == "succeeded"
    assert _run(state, clients, "customer_update").status == "succeeded"
    many = [c for c in shopify_customers(shopify.url) if len(c["addresses"]) > 10]
    assert many, "the data set must include customers with more than 10 addresses"

    reads_before = shopify.control("stats")["per_endpoint"].get(ADDRESS_LIST, 0)
    workflow_id = plan_load(template_path("customer_update")).workflow_id
    state.cursor_set(workflow_id, "customer_update", None, reason="test: resync everyone")
    everyone = _run(state, clients, "customer_update")
    assert everyone.status == "succeeded" and everyone.counts["customer_update"]["read"] == 300
    assert everyone.counts["address_update"]["succeeded"] == 0
    assert shopify.control("stats")["per_endpoint"].get(ADDRESS_LIST, 0) == reads_before

    customer = many[0]
    default_id = customer["default_address"]["id"]
    oldest = next(a for a in customer["addresses"] if a["id"] != default_id)  # not among the 10 listed
    deleted = requests.delete(
        f"{shopify.url}/admin/api/2025-07/customers/{customer['id']}/addresses/{oldest['id']}.json",
        headers={"X-Shopify-Access-Token": "shpat_demo"},
        timeout=10,
    )
    assert deleted.status_code == 200, deleted.text
    after = _run(state, clients, "customer_update")
    assert after.status == "succeeded"
    assert shopify.control("stats")["per_endpoint"][ADDRESS_LIST] == reads_before + 1
    _, tables = state.lookups_current()
    assert_sage_matches_shopify(shopify, sage, tables)  # the removed address's ship-to is Inactive
    locations = [
        loc
        for loc in sage_feed(sage.url, "ARShipToLocations")
        if loc["Description"].endswith(str(oldest["id"]))
    ]
    assert [loc["Status"] for loc in locations] == ["Inactive"]
