"""The official `ShopifyAPI` package, pointed at the emulator, works unchanged."""

from __future__ import annotations

import shopify


def _activate(emulator) -> shopify.Session:
    # ShopifyAPI keeps only the first DNS label of the shop and appends its domain and port:
    # shop "127" + domain "0.0.1" + port => http://127.0.0.1:PORT/admin/api/2025-07
    port = int(emulator.url.rsplit(":", 1)[1])
    shopify.Session.setup(protocol="http", myshopify_domain="0.0.1", port=port)
    session = shopify.Session("127", "2025-07", emulator.shop.config.token)
    shopify.ShopifyResource.activate_session(session)
    return session


def _deactivate() -> None:
    shopify.ShopifyResource.clear_session()
    shopify.Session.setup(protocol="https", myshopify_domain="myshopify.com", port=None)


def test_it_lists_every_customer_through_the_official_pagination_helpers(start_emulator):
    emulator = start_emulator(customers=130)
    _activate(emulator)
    try:
        ids = []
        pages = 0
        for page in shopify.PaginatedIterator(shopify.Customer.find(limit=50)):
            pages += 1
            ids.extend(customer.id for customer in page)
        first = shopify.Customer.find(limit=50)
        assert first.has_next_page() and not first.has_previous_page()
        second = first.next_page()
        assert second.has_previous_page()
        assert [c.id for c in second.previous_page()] == [c.id for c in first]
        count = shopify.Customer.count()
        one = shopify.Customer.find(ids[77])
        shop = shopify.Shop.current()
        used, limit = shopify.Limits.credit_used(), shopify.Limits.credit_limit()
    finally:
        _deactivate()
    expected = sorted(emulator.shop.store.by_id)
    assert pages == 3
    assert ids == expected
    assert count == 130
    assert one.id == expected[77]
    assert one.admin_graphql_api_id == f"gid://shopify/Customer/{expected[77]}"
    assert one.email == emulator.shop.store.get(expected[77]).email
    assert shop.myshopify_domain == "ferry-demo.myshopify.com"
    assert (used, limit) == (1, 40)


def test_it_serves_the_official_client_on_a_throttled_plan_with_real_call_limits(start_emulator):
    emulator = start_emulator(customers=10, plan="standard")
    _activate(emulator)
    try:
        shopify.Shop.current()
        shopify.Shop.current()
        used = shopify.Limits.credit_used()
        customers = shopify.Customer.find(since_id=0, limit=5)
    finally:
        _deactivate()
    assert used == 2
    assert len(customers) == 5
