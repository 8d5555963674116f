"""GraphQL Admin API: customers connection, search filter, cost, throttling, bulk operations."""

from __future__ import annotations

import json
import time

import requests

from emulators.shopify.clock import utc_time

TAP_SHOPIFY_QUERY = """
query Customers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    edges { node { email multipassIdentifier defaultAddress { city address1 zip id province phone country firstName
      lastName countryCodeV2 name provinceCode address2 company timeZone validationResultSummary latitude longitude
      coordinatesValidated formattedArea } numberOfOrders state verifiedEmail firstName updatedAt note phone
      addresses(first: 250) { city address1 zip id province phone country firstName lastName countryCodeV2 name
      provinceCode address2 company } lastName tags taxExempt id createdAt taxExemptions
      emailMarketingConsent { consentUpdatedAt marketingOptInLevel marketingState }
      smsMarketingConsent { consentCollectedFrom consentUpdatedAt marketingOptInLevel marketingState }
      validEmailAddress productSubscriberStatus amountSpent { amount currencyCode } dataSaleOptOut displayName
      locale lifetimeDuration lastOrder { id } } }
    pageInfo { endCursor hasNextPage } } }
"""


def test_it_pages_through_customers_like_tap_shopify_with_an_updated_at_window(emulator):
    store = emulator.shop.store
    ordered = sorted(store.by_id.values(), key=lambda c: (c.updated_us, c.id))
    since = ordered[40]
    window = f"updated_at:>='{utc_time(since.updated_us).replace('T', ' ').replace('Z', '+00:00')}'"
    expected = [c.id for c in ordered if c.updated_us // 1_000_000 >= since.updated_us // 1_000_000]
    seen, after, pages = [], None, 0
    while True:
        variables = {"first": 25, "after": after, "query": window}
        body = emulator.graphql(TAP_SHOPIFY_QUERY, variables).json()
        assert "errors" not in body
        connection = body["data"]["customers"]
        seen += [int(edge["node"]["id"].rsplit("/", 1)[1]) for edge in connection["edges"]]
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == expected
    assert pages == -(-len(expected) // 25)
    node = emulator.graphql(TAP_SHOPIFY_QUERY, {"first": 1, "query": window}).json()["data"]["customers"][
        "edges"
    ][0]["node"]
    assert node["updatedAt"] == utc_time(store.get(expected[0]).updated_us)
    assert isinstance(node["numberOfOrders"], str)
    assert node["state"] in {"ENABLED", "DISABLED", "INVITED", "DECLINED"}


def test_it_reports_cost_in_extensions_and_charges_the_actual_cost(emulator):
    body = emulator.graphql(TAP_SHOPIFY_QUERY, {"first": 250}).json()
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 252
    assert cost["actualQueryCost"] == 122  # 120 customers returned
    assert cost["throttleStatus"] == {
        "maximumAvailable": 2000.0,
        "currentlyAvailable": 2000,
        "restoreRate": 100.0,
    }
    one = emulator.graphql('{ customer(id: "gid://shopify/Customer/1") { id } shop { name } }').json()
    assert one["data"] == {"customer": None, "shop": {"name": "Ferry Demo"}}
    assert one["extensions"]["cost"]["requestedQueryCost"] == 2


def test_it_answers_throttled_with_http_200_when_the_cost_bucket_is_empty(start_emulator):
    emulator = start_emulator(customers=300, plan="standard")
    query = "{ " + " ".join(f"{alias}: customers(first: 250) {{ nodes {{ id }} }}" for alias in "abc") + " }"
    first, second = emulator.graphql(query).json(), emulator.graphql(query).json()
    assert first["extensions"]["cost"]["requestedQueryCost"] == 756
    assert "errors" not in second
    throttled = emulator.graphql(query)
    assert throttled.status_code == 200
    body = throttled.json()
    assert body["errors"] == [
        {
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
        }
    ]
    assert "data" not in body
    assert body["extensions"]["cost"]["actualQueryCost"] is None
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] < 756
    assert emulator.control("GET", "stats").json()["throttled"] == 1


def test_it_refuses_a_query_over_the_single_query_max_cost(emulator):
    aliases = " ".join(f"c{i}: customers(first: 250) {{ nodes {{ id }} }}" for i in range(4))
    body = emulator.graphql("{ " + aliases + " }").json()
    assert body["errors"] == [
        {
            "message": "Query cost is 1008, which exceeds the single query max cost limit (1000).",
            "extensions": {"code": "MAX_COST_EXCEEDED", "cost": 1008, "maxCost": 1000},
        }
    ]


def test_it_reports_graphql_errors_for_bad_queries_and_bad_arguments(emulator):
    assert emulator.graphql("{ customers(first: 5) { nodes { zzz } } }").json()["errors"][0]["message"] == (
        "Cannot query field 'zzz' on type 'Customer'."
    )
    too_many = emulator.graphql("{ customers(first: 251) { nodes { id } } }").json()
    assert too_many["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}
    missing = emulator.graphql("{ customers { nodes { id } } }").json()
    assert missing["errors"][0]["message"] == "you must provide one of first or last"


def test_it_pages_backwards_and_sorts_by_name(emulator):
    last = emulator.graphql(
        "{ customers(last: 3, reverse: true) { nodes { legacyResourceId } pageInfo { hasPreviousPage } } }"
    ).json()
    ids = sorted(emulator.shop.store.by_id)
    assert [int(n["legacyResourceId"]) for n in last["data"]["customers"]["nodes"]] == ids[2::-1]
    by_name = emulator.graphql("{ customers(first: 250, sortKey: NAME) { nodes { displayName } } }").json()
    names = [n["displayName"].lower() for n in by_name["data"]["customers"]["nodes"]]
    assert names == sorted(names)


def test_it_counts_customers_matching_a_query(emulator):
    body = emulator.graphql('{ customersCount(query: "state:disabled") { count precision } }').json()
    expected = sum(1 for c in emulator.shop.store.by_id.values() if c.state == "disabled")
    assert body["data"]["customersCount"] == {"count": expected, "precision": "EXACT"}


def _poll(emulator, gid: str) -> dict:
    query = (
        f'{{ node(id: "{gid}") {{ ... on BulkOperation '
        "{ id status errorCode objectCount rootObjectCount fileSize url } } }"
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        node = emulator.graphql(query).json()["data"]["node"]
        if node["status"] == "COMPLETED":
            return node
        time.sleep(0.05)
    raise AssertionError("bulk operation did not complete")


def test_it_runs_a_bulk_operation_and_serves_the_jsonl(emulator):
    inner = (
        "{ customers(query: \"updated_at:>='2019-01-01'\", sortKey: UPDATED_AT) "
        "{ edges { node { id email addressesV2 { edges { node { id city } } } } } } }"
    )
    mutation = (
        f'mutation {{ bulkOperationRunQuery(query: """{inner}""") '
        "{ bulkOperation { id status } userErrors { code field message } } }"
    )
    started = emulator.graphql(mutation).json()["data"]["bulkOperationRunQuery"]
    assert started["userErrors"] == []
    node = _poll(emulator, started["bulkOperation"]["id"])
    store = emulator.shop.store
    addresses = sum(len(c.addresses) for c in store.by_id.values())
    assert node["rootObjectCount"] == "120"
    assert node["objectCount"] == str(120 + addresses)
    assert node["url"].startswith(emulator.url + "/_emulator/bulk/")
    lines = [json.loads(line) for line in requests.get(node["url"], timeout=10).text.splitlines()]
    assert len(lines) == 120 + addresses
    assert int(node["fileSize"]) == len(requests.get(node["url"], timeout=10).content)
    roots = [line for line in lines if "__parentId" not in line]
    ordered = sorted(store.by_id.values(), key=lambda c: (c.updated_us, c.id))
    assert [r["id"] for r in roots] == [f"gid://shopify/Customer/{c.id}" for c in ordered]
    child = next(line for line in lines if "__parentId" in line)
    owner = store.get(int(child["__parentId"].rsplit("/", 1)[1]))
    assert child["id"] == f"gid://shopify/MailingAddress/{owner.addresses[0].id}?model_name=CustomerAddress"
    current = emulator.graphql("{ currentBulkOperation { id status } }").json()["data"][
        "currentBulkOperation"
    ]
    assert current == {"id": started["bulkOperation"]["id"], "status": "COMPLETED"}


def test_it_allows_one_bulk_query_at_a_time_before_2026_01(emulator):
    inner = "{ customers { edges { node { id } } } }"
    field = (
        f'bulkOperationRunQuery(query: "{inner}") {{ bulkOperation {{ id }} userErrors {{ code message }} }}'
    )
    with emulator.shop.store.lock:  # keeps the first operation running while the second is asked for
        body = emulator.graphql(f"mutation {{ first: {field} second: {field} }}").json()["data"]
    first_id = body["first"]["bulkOperation"]["id"]
    assert body["second"] == {
        "bulkOperation": None,
        "userErrors": [
            {
                "code": "OPERATION_IN_PROGRESS",
                "message": f"A bulk query operation for this app and shop is already in progress: {first_id}.",
            }
        ],
    }
    _poll(emulator, first_id)


def test_it_can_answer_throttled_with_http_429_when_asked_to(emulator):
    emulator.control("POST", "faults", {"throttle_burst": 1, "graphql_throttled_status": 429})
    throttled = emulator.graphql("{ shop { name } }")
    assert throttled.status_code == 429
    assert throttled.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert emulator.graphql("{ shop { name } }").json()["data"] == {"shop": {"name": "Ferry Demo"}}
