"""ShopifyClient against the real Shopify Admin API emulator."""

from __future__ import annotations

import time

import pytest

from agent_client.connectors.shopify import ShopifyClient
from agent_client.errors import AuthenticationError, RecordNotFound, RetryableError

from .conftest import SHOPIFY_TOKEN, SleepRecorder, control


def store_of(shopify_server):
    return shopify_server.app.state.shop.store


def test_it_reads_every_customer_in_updated_at_order_through_link_pages(shopify_server, shopify_url):
    shopify = ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN)

    pages = list(shopify.customers_updated_since(None))

    expected = [customer.id for customer in store_of(shopify_server).scan("updated_at")]
    assert [len(page) for page in pages] == [250, 250, 100]
    assert [row["id"] for page in pages for row in page] == expected
    stamps = [row["updated_at"] for page in pages for row in page]
    assert stamps == sorted(stamps)
    assert shopify.stats.requests == 3


def test_it_reads_only_customers_changed_since_the_cursor(shopify_url):
    shopify = ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN, page_size=2)
    touched = control(shopify_url, "touch", {"count": 5, "seed": 3})["touched"]
    cursor = min(item["updated_at"] for item in touched)

    rows = [row for page in shopify.customers_updated_since(cursor) for row in page]

    assert {item["id"] for item in touched} <= {row["id"] for row in rows}
    assert len(rows) == shopify.customer_count(cursor)
    assert all(row["updated_at"] >= cursor for row in rows)
    assert shopify.stats.requests == 3 + 1  # pages of 2, 2 and 1, then the count


def test_it_fetches_the_next_page_while_the_caller_holds_the_current_one(shopify_url):
    shopify = ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN, prefetch_pages=1)
    pages = shopify.customers_updated_since(None)

    next(pages)

    deadline = time.monotonic() + 5
    while control(shopify_url, "stats")["per_endpoint"].get("GET customers.json") != 2:
        assert time.monotonic() < deadline, control(shopify_url, "stats")
        time.sleep(0.01)
    pages.close()


def test_it_reads_one_customer_all_its_addresses_the_shop_and_the_count(shopify_server, shopify_url):
    shopify = ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN)
    many = next(c for c in store_of(shopify_server).by_id.values() if len(c.addresses) > 10)

    customer = shopify.customer(many.id)
    addresses = shopify.customer_addresses(many.id)

    assert customer["id"] == many.id
    assert len(customer["addresses"]) == 10
    assert [address["id"] for address in addresses] == [address.id for address in many.addresses]
    assert shopify.shop()["myshopify_domain"] == "ferry-demo.myshopify.com"
    assert shopify.customer_count() == 600


def test_it_raises_record_not_found_for_an_unknown_customer(shopify_url):
    with pytest.raises(RecordNotFound) as caught:
        ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN).customer(1)

    assert str(caught.value) == "Shopify has nothing at GET /admin/api/2025-07/customers/1.json (Not Found)"


def test_it_never_overruns_the_standard_bucket(shopify_url):
    control(shopify_url, "plan", {"plan": "standard"})
    shopify = ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN)
    for _ in range(45):
        shopify.shop()

    assert control(shopify_url, "stats")["throttled"] == 0
    assert shopify.stats.by_status == {200: 45}
    assert shopify.pacer.size == 40
    assert shopify.pacer.leak_rate == 2.0
    # 39 calls fit in the bucket at once; the pacer made the rest wait for it to leak, at 2 per
    # second: at least (45 - 40) / 2 s of waits it computed (not a wall-clock measure).
    assert shopify.stats.paced_seconds >= 2.0


def test_it_honours_retry_after_on_a_429(shopify_url):
    control(shopify_url, "faults", {"throttle_burst": 1})
    sleeps = SleepRecorder()
    shopify = ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN, sleep=sleeps)

    assert shopify.customer_count() == 600
    assert sleeps.calls[0] == 0.1  # Retry-After of the plus plan: one call leaks in 0.05 s, sent as "0.1"
    assert (shopify.stats.throttled, shopify.stats.retries, shopify.stats.backoff_seconds) == (1, 1, 0.1)


def test_it_retries_5xx_until_it_clears(shopify_url):
    control(shopify_url, "faults", {"error_rate": 1.0, "error_status": 502})
    sleeps = SleepRecorder(lambda calls: calls == 3 and control(shopify_url, "faults", {"error_rate": 0.0}))
    shopify = ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN, sleep=sleeps)

    assert shopify.shop()["myshopify_domain"] == "ferry-demo.myshopify.com"
    assert shopify.stats.by_status == {502: 3, 200: 1}


def test_it_gives_up_after_max_retries_of_5xx(shopify_url):
    control(shopify_url, "faults", {"error_rate": 1.0, "error_status": 503})
    shopify = ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN, max_retries=4, sleep=SleepRecorder())

    with pytest.raises(RetryableError) as caught:
        next(shopify.customers_updated_since(None))

    assert str(caught.value) == (
        "Shopify answered 503 5 times in a row for GET /admin/api/2025-07/customers.json; "
        "last answer: 503 Service Unavailable"
    )


def test_it_explains_a_refused_token(shopify_url):
    with pytest.raises(AuthenticationError) as caught:
        ShopifyClient(shop_url=shopify_url, token="shpat_wrong").shop()

    assert str(caught.value) == (
        f"Shopify refused the access token for {shopify_url} "
        "([API] Invalid API key or access token (unrecognized login or wrong password)): "
        "check the access token of the Shopify connection"
    )


def test_it_explains_a_missing_scope(shopify_url):
    control(shopify_url, "scopes", {"scopes": []})

    with pytest.raises(AuthenticationError) as caught:
        next(ShopifyClient(shop_url=shopify_url, token=SHOPIFY_TOKEN).customers_updated_since(None))

    assert caught.value.status == 403
    assert "This action requires merchant approval for read_customers scope." in str(caught.value)
