"""A customer's full address list through GraphQL: equal to REST's, throttling, errors, the cost pacer."""

from __future__ import annotations

import json

import pytest
import requests

from agent_client.connectors.shopify import ShopifyClient
from agent_client.connectors.shopify_graphql import CostPacer, gid_number
from agent_client.errors import AuthenticationError, PermanentError, RecordNotFound, RetryableError
from emulators.shopify import customer_edits

from .conftest import SHOPIFY_TOKEN, Scripted, SleepRecorder, control

GRAPHQL = "POST graphql.json"
ADDRESS_GID = "gid://shopify/MailingAddress/{}?model_name=CustomerAddress"
# Addresses added to a customer, in turn: every field set, no province, no country at all, right-to-left.
NEW_ADDRESSES = [
    {"first_name": "Zoë", "last_name": "Ng", "company": "Acme & Co", "address1": "{} King St W",
     "address2": "Suite 5", "city": "Toronto", "province": "ON", "country": "CA", "zip": "M5H 1A1",
     "phone": "+14165550100"},
    {"address1": "{} Rue de Rivoli", "city": "Paris", "country": "FR", "zip": "75001"},
    {"address1": "{} Nowhere Lane"},
    {"first_name": "محمد", "last_name": "علي", "address1": "{} Sheikh Zayed Rd", "city": "Dubai",
     "country": "AE", "province": "DU"},
]  # fmt: skip


def rest_addresses(url: str, customer_id: int) -> list[dict]:
    """Every address through REST's `addresses.json`, following its `Link` pages."""
    next_url: str | None = f"{url}/admin/api/2025-07/customers/{customer_id}/addresses.json?limit=250"
    rows: list[dict] = []
    while next_url:
        response = requests.get(next_url, headers={"X-Shopify-Access-Token": SHOPIFY_TOKEN}, timeout=30)
        assert response.status_code == 200, response.text
        rows += response.json()["addresses"]
        next_url = response.links.get("next", {}).get("url")
    return rows


def grow(shop, customer, total: int) -> None:
    """Give `customer` `total` addresses through the emulator's own edit path."""
    for index in range(len(customer.addresses), total):
        template = NEW_ADDRESSES[index % len(NEW_ADDRESSES)]
        data = {
            name: value.format(index) if name == "address1" else value for name, value in template.items()
        }
        address, problems = customer_edits.address_create(shop, customer, data)
        assert address is not None, problems


def test_it_lists_every_address_exactly_as_rest_does(shopify_server, shopify_url):
    shop = shopify_server.app.state.shop
    customers = sorted(shop.store.by_id.values(), key=lambda c: c.id)
    for position, total in ((3, 250), (4, 251), (5, 521)):
        grow(shop, customers[position], total)
    customer_edits.address_make_default(shop, customers[5], customers[5].addresses[300])
    chosen = [c for i, c in enumerate(customers) if i % 6 == 0 or len(c.addresses) not in (1, 2, 3)]
    counts = {len(c.addresses) for c in chosen}
    assert {0, 1, 2, 3, 250, 251, 521} <= counts and any(10 < n < 250 for n in counts)
    shopify = ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN)

    for customer in chosen:
        assert shopify.customer_addresses(customer.id) == rest_addresses(shopify_url, customer.id), (
            customer.id
        )

    # One GraphQL request per 250 addresses (at least one), none on the REST endpoint.
    expected_requests = sum(max(1, -(-len(c.addresses) // 250)) for c in chosen)
    assert shopify.stats.requests == expected_requests
    assert control(shopify_url, "stats")["per_endpoint"][GRAPHQL] == expected_requests
    biggest = shopify.customer_addresses(customers[5].id)
    assert [a["id"] for a in biggest if a["default"]] == [customers[5].addresses[300].id]
    assert biggest[518] == {  # the 4 new addresses in turn: the third has only address1
        "id": customers[5].addresses[518].id,
        "customer_id": customers[5].id,
        "first_name": None,
        "last_name": None,
        "company": None,
        "address1": "518 Nowhere Lane",
        "address2": None,
        "city": None,
        "province": None,
        "country": None,
        "zip": None,
        "phone": None,
        "name": "",
        "province_code": None,
        "country_code": None,
        "country_name": None,
        "default": False,
    }


def test_it_paces_on_the_cost_bucket_and_is_never_throttled(shopify_server, shopify_url):
    control(shopify_url, "plan", {"plan": "standard"})
    shop = shopify_server.app.state.shop
    customer = sorted(shop.store.by_id.values(), key=lambda c: c.id)[3]
    grow(shop, customer, 250)
    shopify = ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN)

    for _ in range(10):
        assert len(shopify.customer_addresses(customer.id)) == 250

    # Each read asks for 253 points and uses them all: 7 fit in the 2000-point bucket, the other 3
    # waited for points restoring at 100/s instead of being sent into a throttled bucket.
    assert control(shopify_url, "stats")["throttled"] == 0
    assert shopify.stats.by_status == {200: 10}
    assert (shopify.stats.throttled, shopify.stats.retries) == (0, 0)
    assert shopify.stats.paced_seconds > 0
    assert (shopify.graphql.pacer.maximum, shopify.graphql.pacer.restore, shopify.graphql.pacer.cost) == (
        2000.0,
        100.0,
        253.0,
    )
    assert shopify.pacer.size is None  # the REST bucket was never touched


@pytest.mark.parametrize("status", [200, 429])
def test_it_retries_throttled_answers_whatever_their_http_status(shopify_server, shopify_url, status):
    customer = next(c for c in shopify_server.app.state.shop.store.by_id.values() if len(c.addresses) > 10)
    expected = rest_addresses(shopify_url, customer.id)
    control(shopify_url, "faults", {"throttle_burst": 2, "graphql_throttled_status": status})
    sleeps = SleepRecorder()
    shopify = ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN, sleep=sleeps)

    assert shopify.customer_addresses(customer.id) == expected

    assert shopify.stats.by_status == ({429: 2, 200: 1} if status == 429 else {200: 3})
    assert (shopify.stats.throttled, shopify.stats.retries) == (2, 2)
    # Throttled by the burst while the bucket is full: no points to wait for, so a backoff.
    assert len(sleeps.calls) == 2
    assert control(shopify_url, "stats")["throttled"] == 2


def test_it_gives_up_after_max_retries_of_throttled_answers(shopify_url):
    control(shopify_url, "faults", {"throttle_burst": 3})
    shopify = ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN, max_retries=2, sleep=SleepRecorder())

    with pytest.raises(RetryableError) as caught:
        shopify.customer_addresses(1)

    assert str(caught.value) == (
        "Shopify answered THROTTLED 3 times in a row for POST /admin/api/2025-07/graphql.json; "
        "last answer: Throttled"
    )
    assert (caught.value.status, caught.value.code) == (200, "THROTTLED")


def test_it_raises_record_not_found_for_a_customer_shopify_does_not_have(shopify_url):
    shopify = ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN)

    with pytest.raises(RecordNotFound) as caught:
        shopify.customer_addresses(1)

    assert str(caught.value) == "Shopify has no customer 1 (customer gid://shopify/Customer/1 is null)"
    assert shopify.stats.requests == 1


def test_it_explains_a_missing_scope_reported_as_a_graphql_error(shopify_server, shopify_url):
    control(shopify_url, "scopes", {"scopes": []})
    some_id = next(iter(shopify_server.app.state.shop.store.by_id))

    with pytest.raises(AuthenticationError) as caught:
        ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN).customer_addresses(some_id)

    assert str(caught.value) == (
        f"Shopify refused POST /admin/api/2025-07/graphql.json for {shopify_url} "
        "(Access denied for customer field. Required access: `read_customers` access scope.): "
        "check that the app has the read_customers scope and protected customer data access"
    )
    assert (caught.value.status, caught.value.code) == (200, "ACCESS_DENIED")


# Against the scriptable fake: answers the emulator cannot give.


def answer(
    nodes: list[dict], *, default: str | None, end: str | None = None, available: int = 1990
) -> Scripted:
    connection = {"pageInfo": {"hasNextPage": end is not None, "endCursor": end}, "nodes": nodes}
    customer = {"defaultAddress": {"id": default} if default else None, "addressesV2": connection}
    return Scripted(200, {"data": {"customer": customer}, "extensions": cost(available)})


def cost(available: int, actual: int | None = 10) -> dict:
    bucket = {"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 100.0}
    return {"cost": {"requestedQueryCost": 253, "actualQueryCost": actual, "throttleStatus": bucket}}


def node(number: int, **fields) -> dict:
    return {"id": ADDRESS_GID.format(number), "firstName": "Ada", "countryCodeV2": "GB", **fields}


THROTTLED = Scripted(
    200,
    {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": cost(53, actual=None),
    },
)


def test_it_waits_for_the_points_a_throttled_answer_is_short_of(fake_shopify):
    fake, url = fake_shopify()
    fake.script = [THROTTLED, answer([node(7)], default=ADDRESS_GID.format(7))]
    sleeps = SleepRecorder()
    shopify = ShopifyClient(shop_url=url, token=SHOPIFY_TOKEN, sleep=sleeps, clock=lambda: 0.0)

    addresses = shopify.customer_addresses(42)

    assert [
        (a["id"], a["customer_id"], a["first_name"], a["country_code"], a["default"]) for a in addresses
    ] == [(7, 42, "Ada", "GB", True)]
    assert sleeps.calls == [2.0]  # (253 requested - 53 available) / 100 per second
    assert (shopify.stats.throttled, shopify.stats.retries) == (1, 1)
    assert (shopify.stats.paced_seconds, shopify.stats.backoff_seconds) == (2.0, 0)
    assert [(method, target) for _, method, target, _ in fake.log] == [
        ("POST", "/admin/api/2025-07/graphql.json?"),
        ("POST", "/admin/api/2025-07/graphql.json?"),
    ]


def test_it_retries_an_internal_server_error_and_follows_end_cursors(fake_shopify):
    fake, url = fake_shopify()
    error = {"message": "Internal error. Looks like something went wrong on our end.",
             "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "abc"}}  # fmt: skip
    fake.script = [
        answer([node(1), node(2)], default=ADDRESS_GID.format(2), end="c2"),
        Scripted(200, {"errors": [error], "extensions": cost(1990)}),
        answer([node(3)], default=None),  # the default of the first answer holds for every page
    ]
    sleeps = SleepRecorder()
    shopify = ShopifyClient(shop_url=url, token=SHOPIFY_TOKEN, sleep=sleeps)

    addresses = shopify.customer_addresses(42)

    assert [(a["id"], a["default"]) for a in addresses] == [(1, False), (2, True), (3, False)]
    assert (shopify.stats.requests, shopify.stats.retries, shopify.stats.throttled) == (3, 1, 0)
    assert len(sleeps.calls) == 1 and shopify.stats.backoff_seconds == sleeps.calls[0]


def test_it_raises_any_other_graphql_error_as_permanent_with_shopifys_message(fake_shopify):
    fake, url = fake_shopify()
    error = {"message": "Field 'addressesV2' doesn't exist on type 'Customer'",
             "extensions": {"code": "undefinedField", "typeName": "Customer", "fieldName": "addressesV2"}}  # fmt: skip
    fake.script = [Scripted(200, {"errors": [error]})]
    shopify = ShopifyClient(shop_url=url, token=SHOPIFY_TOKEN, sleep=SleepRecorder())

    with pytest.raises(PermanentError) as caught:
        shopify.customer_addresses(42)

    assert str(caught.value) == (
        "Shopify refused POST /admin/api/2025-07/graphql.json: "
        "Field 'addressesV2' doesn't exist on type 'Customer'"
    )
    assert (caught.value.code, shopify.stats.requests, shopify.stats.retries) == ("undefinedField", 1, 0)


# The cost pacer and the ids, without a server.


def cost_response(available: float, requested: float | None = 253, status: int = 200) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    bucket = {"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 100.0}
    response._content = json.dumps(
        {"data": {}, "extensions": {"cost": {"requestedQueryCost": requested, "throttleStatus": bucket}}}
    ).encode()
    return response


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_pacer_counts_unanswered_reservations_and_restores_points_with_time():
    clock = Clock()
    pacer = CostPacer(clock=clock)
    assert pacer.reserve() == 0.0  # nothing known before the first answer
    pacer.settle(cost_response(600))

    assert [pacer.reserve(), pacer.reserve()] == [0.0, 0.0]  # 600 -> 347 -> 94 points left
    assert pacer.reserve() == pytest.approx((253 - 94) / 100)
    pacer.settle(cost_response(1000))  # two still unanswered: 1000 - 2 x 253
    assert pacer.available() == 494
    clock.now = 1.0
    assert pacer.available() == 594
    clock.now = 100.0
    assert pacer.available() == 2000  # never more than the bucket holds


def test_the_pacer_keeps_a_long_read_out_of_a_throttled_bucket():
    """Shopify's bucket in virtual time: 60 reads of 253 points take as long as the restore rate
    allows after the first 2000 points, and none is throttled."""
    clock = Clock()
    pacer = CostPacer(clock=clock)
    available, stamp, throttled, latency = 2000.0, 0.0, 0, 0.05
    for _ in range(60):
        clock.now += pacer.reserve() + latency / 2
        available, stamp = min(2000.0, available + (clock.now - stamp) * 100), clock.now
        if available < 253:
            throttled += 1
        else:
            available -= 253
        reported = available
        clock.now += latency / 2
        pacer.settle(cost_response(reported))

    assert throttled == 0
    floor = (60 * 253 - 2000) / 100
    assert floor <= clock.now <= floor + 0.1


@pytest.mark.parametrize(
    ("gid", "number"),
    [
        ("gid://shopify/MailingAddress/8201151576142?model_name=CustomerAddress", 8201151576142),
        ("gid://shopify/MailingAddress/123", 123),
        ("gid://shopify/Customer/207119551", 207119551),
    ],
)
def test_it_reads_rest_ids_from_global_ids(gid, number):
    assert gid_number(gid) == number


@pytest.mark.parametrize(
    "gid", ["123", "gid://shopify/MailingAddress/", "gid://shopify/MailingAddress/x1", None]
)
def test_it_refuses_an_id_that_is_not_a_global_id(gid):
    with pytest.raises(PermanentError):
        gid_number(gid)
