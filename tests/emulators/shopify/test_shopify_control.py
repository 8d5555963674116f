"""`/_emulator/` control endpoints and the HTML page."""

from __future__ import annotations

import re

import requests


def test_it_reseeds_and_resets_to_the_initial_data(emulator):
    original = emulator.get("/customers.json?limit=5").content
    assert emulator.control("POST", "seed", {"customers": 30, "seed": 99}).json() == {
        "ok": True,
        "customers": 30,
        "seed": 99,
    }
    assert emulator.get("/customers/count.json").json() == {"count": 30}
    emulator.control("POST", "plan", {"plan": "standard"})
    emulator.control("POST", "faults", {"latency_ms": 5})
    assert emulator.control("POST", "reset").json() == {"ok": True, "customers": 120, "seed": 7}
    assert emulator.get("/customers.json?limit=5").content == original
    assert emulator.control("GET", "plan").json()["plan"] == "unlimited"
    assert emulator.control("GET", "faults").json()["latency_ms"] == 0
    assert emulator.control("POST", "seed", {"customers": -1}).status_code == 400


def test_it_counts_requests_per_endpoint(emulator):
    emulator.get("/customers.json")
    emulator.get("/customers/count.json")
    emulator.get("/customers/count.json")
    stats = emulator.control("GET", "stats").json()
    assert stats["requests"] == 3
    assert stats["per_endpoint"] == {"GET customers.json": 1, "GET customers/count.json": 2}
    assert stats["throttled"] == 0


def test_it_shows_a_raw_customer_with_all_addresses(emulator):
    customer = next(c for c in emulator.shop.store.by_id.values() if len(c.addresses) >= 12)
    raw = emulator.control("GET", f"customers/{customer.id}").json()
    assert len(raw["all_addresses"]) == len(customer.addresses)
    assert len(raw["addresses"]) == 10
    assert raw["updated_at_us"] == customer.updated_us


def test_it_lists_customers_on_the_html_page_and_edits_one_through_the_form(emulator):
    page = requests.get(emulator.url + "/", timeout=10)
    assert page.status_code == 200 and "<h1>Customers</h1>" in page.text
    customer = next(c for c in emulator.shop.store.by_id.values() if len(c.addresses) == 2)
    assert "120 customers" in page.text
    form_page = requests.get(f"{emulator.url}/_emulator/ui/customers/{customer.id}", timeout=10).text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form_page))
    kept, dropped = customer.addresses
    fields.update(
        {
            "first_name": "Émilie",
            "email": "emilie.edited@example.com",
            f"address-{kept.id}-city": "Gatineau",
            f"address-{kept.id}-province_code": "QC",
            f"address-{kept.id}-country_code": "CA",
            "address-new-address1": "77 Rue Principale",
            "address-new-city": "Montréal",
            "address-new-country_code": "CA",
            "address-new-province_code": "QC",
            "default": str(kept.id),
            "delete": str(dropped.id),
        }
    )
    fields = {k: v for k, v in fields.items() if k not in ("q",)}
    saved = requests.post(f"{emulator.url}/_emulator/ui/customers/{customer.id}", data=fields, timeout=10)
    assert saved.status_code == 200 and "Saved." in saved.text
    document = emulator.get(f"/customers/{customer.id}.json").json()["customer"]
    assert (document["first_name"], document["email"]) == ("Émilie", "emilie.edited@example.com")
    assert document["default_address"]["city"] == "Gatineau"
    assert document["default_address"]["province"] == "Quebec"
    assert [a["city"] for a in document["addresses"]] == ["Gatineau", "Montréal"]


def test_it_shows_validation_errors_on_the_edit_form(emulator):
    customer_id = sorted(emulator.shop.store.by_id)[0]
    response = requests.post(
        f"{emulator.url}/_emulator/ui/customers/{customer_id}", data={"email": "broken"}, timeout=10
    )
    assert response.status_code == 422
    assert "email: is invalid" in response.text
