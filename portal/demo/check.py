"""Is Sage's data right? Every Shopify customer, mapped by the published plans, is in Sage 300.

The tests hold an independent reference implementation of MAPPING.md; the demo checks with the
plans themselves, so a person editing a mapping in the portal sees the demo agree with them.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from agent_client.mapping import LookupTables, compile_mapping
from agent_client.plan import mapping_row, plan_from_dict
from agent_client.runner.outcome import clean_payload


def sage_feed_all(url: str) -> list[dict]:
    """Every row of a Sage 300 feed URL, following @odata.nextLink."""
    rows, next_url = [], url
    while next_url:
        response = requests.get(
            next_url, auth=("WEBAPI", "webapi"), headers={"Content-Type": "application/json"}, timeout=30
        )
        response.raise_for_status()
        body = response.json()
        rows += body["value"]
        next_url = body.get("@odata.nextLink")
    return rows


def shopify_customers_all(url: str) -> list[dict]:
    """Every Shopify customer with every address (the list endpoint shows at most 10 addresses)."""
    customers, next_url = [], f"{url}/admin/api/2025-07/customers.json?limit=250"
    headers = {"X-Shopify-Access-Token": "shpat_demo"}
    while next_url:
        response = requests.get(next_url, headers=headers, timeout=30)
        response.raise_for_status()
        customers += response.json()["customers"]
        link = response.headers.get("Link", "")
        next_url = next((p.split(";")[0].strip()[1:-1] for p in link.split(",") if 'rel="next"' in p), None)
    for customer in customers:
        if len(customer.get("addresses") or []) >= 10:
            customer["addresses"] = requests.get(
                f"{url}/admin/api/2025-07/customers/{customer['id']}/addresses.json?limit=250",
                headers=headers,
                timeout=30,
            ).json()["addresses"]
    return customers


def sage_matches(*, shop_url: str, sage_url: str, add_plan: str, update_plan: str, tables: dict) -> list[str]:
    """Problems found (empty when Sage is right)."""
    lookups = LookupTables(tables)
    add, update = plan_from_dict(json.loads(add_plan)), plan_from_dict(json.loads(update_plan))
    number_of = compile_mapping(
        [mapping_row(r) for r in add.nodes[0].mapping if r.target == "CustomerNumber"]
    )
    customer_map = compile_mapping([mapping_row(r) for r in update.nodes[0].mapping])
    task = update.nodes[0].post_tasks[0]
    address_map = compile_mapping([mapping_row(r) for r in task.mapping])
    ship_to_map = compile_mapping([mapping_row(r) for r in task.ship_to_mapping])
    base = f"{sage_url}/-/SAMINC/AR"
    in_sage = {c["CustomerNumber"]: c for c in sage_feed_all(f"{base}/ARCustomers")}
    ship_tos: dict[str, dict[str, Any]] = {}
    for location in sage_feed_all(f"{base}/ARShipToLocations"):
        ship_tos.setdefault(location["CustomerNumber"], {})[location["Description"]] = location
    problems: list[str] = []
    for customer in shopify_customers_all(shop_url):
        number = number_of.apply(customer, lookups).output["CustomerNumber"]
        actual = in_sage.get(number)
        if actual is None:
            problems.append(f"Shopify customer {customer['id']} is not in Sage as {number}")
            continue
        expected = {
            **clean_payload(customer_map.apply(customer, lookups).output),
            **clean_payload(address_map.apply(customer, lookups).output),
        }
        wrong = sorted(k for k, v in expected.items() if actual.get(k) != v)
        if wrong:
            problems.append(f"{number}: {', '.join(wrong)} differ from Shopify customer {customer['id']}")
        default_id = (customer.get("default_address") or {}).get("id")
        have = ship_tos.get(number, {})
        for address in customer.get("addresses") or []:
            if address["id"] == default_id:
                continue
            location = have.get(f"Shopify address {address['id']}")
            wanted = clean_payload(ship_to_map.apply(address, lookups).output)
            if (
                location is None
                or location["Status"] != "Active"
                or any(location.get(k) != v for k, v in wanted.items())
            ):
                problems.append(f"{number}: ship-to for Shopify address {address['id']} is missing or wrong")
    return problems
