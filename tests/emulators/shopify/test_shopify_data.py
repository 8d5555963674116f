"""Generated data: deterministic by seed, realistic, and full of the cases that break integrations."""

from __future__ import annotations

import unicodedata

from emulators.shopify.datagen import generate_customers
from emulators.shopify.models import PAYLOAD_ADDRESS_LIMIT


def _json(customers) -> list[bytes]:
    return [c.rest_json() for c in customers]


def test_it_generates_identical_json_for_the_same_seed_and_different_for_another():
    assert _json(generate_customers(300, 7)) == _json(generate_customers(300, 7))
    assert _json(generate_customers(300, 8)) != _json(generate_customers(300, 7))


def test_it_serves_the_same_customers_for_the_same_seed(start_emulator):
    one, two = start_emulator(seed=42), start_emulator(seed=42)
    assert one.get("/customers.json?limit=250").content == two.get("/customers.json?limit=250").content


def test_it_uses_13_digit_ascending_ids_with_pairs_sharing_their_first_10_digits():
    customers = generate_customers(1000, 7)
    ids = [c.id for c in customers]
    assert ids == sorted(ids) and len(set(ids)) == 1000
    assert all(len(str(i)) == 13 for i in ids)
    prefixes = [str(i)[:10] for i in ids]
    assert len(prefixes) - len(set(prefixes)) >= 10
    address_ids = [a.id for c in customers for a in c.addresses]
    assert len(set(address_ids)) == len(address_ids) and all(len(str(i)) == 13 for i in address_ids)


def test_it_includes_every_nasty_case_in_a_small_data_set():
    customers = generate_customers(200, 3)

    def rtl(text):
        return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text or "")

    def emoji(text):
        return any(unicodedata.category(ch) == "So" for ch in text or "")

    assert any(rtl(c.first_name) for c in customers)
    assert any(emoji(f"{c.first_name}{c.last_name}") for c in customers)
    assert any(len(f"{c.first_name} {c.last_name}") > 60 for c in customers)
    assert any(len(a.address1) > 60 for c in customers for a in c.addresses)
    assert any(len(a.city) > 30 for c in customers for a in c.addresses)
    assert any(c.email is None for c in customers)
    assert any(c.phone is None for c in customers)
    assert any(not c.addresses and c.default_address_id is None for c in customers)
    assert any(len(c.addresses) >= 12 for c in customers)
    assert any(c.state == "disabled" for c in customers)
    unknown_to_tax_tables = {
        "PR",
        "GU",
        "AE",
        "JAL",
        "CMX",
        "NSW",
        "VIC",
        "JP-13",
        "MH",
        "KA",
        "DU",
        "SP",
        "M",
    }
    assert any(a.province_code in unknown_to_tax_tables for c in customers for a in c.addresses)
    assert any(a.province_code is None for c in customers for a in c.addresses)


def test_it_lists_only_the_ten_most_recently_updated_addresses_in_the_payload():
    customer = next(c for c in generate_customers(200, 7) if len(c.addresses) >= 12)
    listed = customer.to_rest()["addresses"]
    newest = sorted(customer.addresses, key=lambda a: a.updated_us, reverse=True)[:PAYLOAD_ADDRESS_LIMIT]
    assert [a["id"] for a in listed] == sorted(a.id for a in newest)
    assert customer.to_rest()["default_address"]["id"] == customer.default_address_id


def test_it_renders_the_documented_customer_shape():
    document = generate_customers(5, 7)[1].to_rest()
    assert list(document) == [
        "id", "email", "created_at", "updated_at", "first_name", "last_name", "orders_count", "state",
        "total_spent", "last_order_id", "note", "verified_email", "multipass_identifier", "tax_exempt", "tags",
        "last_order_name", "currency", "phone", "addresses", "tax_exemptions", "email_marketing_consent",
        "sms_marketing_consent", "admin_graphql_api_id", "default_address",
    ]  # fmt: skip
    assert list(document["default_address"]) == [
        "id", "customer_id", "first_name", "last_name", "company", "address1", "address2", "city", "province",
        "country", "zip", "phone", "name", "province_code", "country_code", "country_name", "default",
    ]  # fmt: skip
    assert document["created_at"].endswith("-05:00") and document["updated_at"] >= document["created_at"]


def test_it_touches_customers_with_realistic_edits_and_fresh_updated_at(emulator):
    store = emulator.shop.store
    before = {i: (c.updated_us, len(c.addresses), c.default_address_id) for i, c in store.by_id.items()}
    high_water = max(c.updated_us for c in store.by_id.values())
    touched = emulator.control("POST", "touch", {"count": 60, "seed": 5}).json()["touched"]
    assert len({t["id"] for t in touched}) == 60
    kinds = {change.get("action", change["field"]) for t in touched for change in t["changes"]}
    assert {"added", "removed", "edited", "default_address", "first_name", "email"} <= kinds
    stamps = [store.get(t["id"]).updated_us for t in touched]
    assert stamps == sorted(stamps) and len(set(stamps)) == 60 and stamps[0] > high_water
    for t in touched:
        customer = store.get(t["id"])
        for change in t["changes"]:
            if change.get("action") == "added":
                assert customer.address(change["address_id"]) is not None
            if change.get("action") == "removed":
                assert customer.address(change["address_id"]) is None
                assert len(customer.addresses) < before[t["id"]][1] + 2
    since = emulator.get(
        "/customers.json?updated_at_min=" + touched[0]["updated_at"].replace("+", "%2B") + "&limit=250"
    )
    assert {c["id"] for c in since.json()["customers"]} >= {t["id"] for t in touched}


def test_it_touches_the_same_customers_the_same_way_for_the_same_seed(start_emulator):
    one, two = start_emulator(), start_emulator()

    def strip(touched):
        return [{"id": t["id"], "changes": t["changes"]} for t in touched]

    first = one.control("POST", "touch", {"count": 10, "seed": 9}).json()["touched"]
    second = two.control("POST", "touch", {"count": 10, "seed": 9}).json()["touched"]
    assert strip(first) == strip(second)
