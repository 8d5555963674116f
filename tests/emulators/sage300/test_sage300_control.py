"""The /_emulator control endpoints."""

from __future__ import annotations

import requests

from emulators.sage300.app import create_app


def test_it_seeds_groups_tax_groups_and_customers(sage):
    result = sage.control(
        "seed",
        {
            "company": "SAMLTD",
            "tax_groups": ["ALBERTA", {"TaxGroup": "VAT", "Description": "VAT", "TaxCurrency": "GBP"}],
            "groups": ["NEW", {"GroupCode": "UK", "Description": "United Kingdom", "TaxGroup": "VAT"}],
            "customers": 3,
            "customer_group": "UK",
        },
    )
    assert result["seeded"] == {
        "SAMLTD": {
            "tax_groups": ["ALBERTA", "VAT"],
            "groups": ["NEW", "UK"],
            "customers": 3,
            "customer_numbers": ["CUST000001", "CUST000003"],
        }
    }
    api = sage.url + "/Sage300WebApi/v1.0/-/SAMLTD/AR/"
    customer = sage.session.get(api + "ARCustomers('CUST000002')", timeout=10).json()
    assert (customer["GroupCode"], customer["TaxGroup"], customer["CustomerName"]) == (
        "UK",
        "VAT",
        "Customer 2",
    )
    created = sage.session.post(
        api + "ARCustomers",
        json={"CustomerNumber": "X", "GroupCode": "NEW", "TaxGroup": "ALBERTA"},
        timeout=10,
    )
    assert created.status_code == 201
    assert sage.control("changes", company="SAMLTD")["count"] == 1  # seeding is not an API write


def test_it_refuses_bad_seed_requests(sage):
    cases = [
        ({"groups": [{"GroupCode": "G", "TaxGroup": "NOPE"}]}, 'group G: tax group "NOPE" does not exist'),
        ({"customers": -1}, "customers must be a number of customers to generate (0..1000000)"),
        ({"company": "NOPE"}, "unknown company NOPE; known: SAMINC, SAMLTD"),
        ({"colour": "red"}, "unknown seed option(s): colour"),
        (
            {"groups": [{"GroupCode": "TOOLONGCODE"}]},
            "ARCustomerGroups.GroupCode: Group Code is too long. The maximum length is 6 characters.",
        ),
    ]
    for payload, message in cases:
        response = requests.post(sage.url + "/_emulator/seed", json=payload, timeout=10)
        assert (response.status_code, response.json()) == (400, {"error": message})


def test_it_resets_to_the_startup_state(sage):
    sage.post("ARCustomers", {"CustomerNumber": "GONE", "GroupCode": "RTL"})
    sage.control("settings", {"page_size": 5})
    sage.control("reset", {})
    assert sage.get("ARCustomers('GONE')").status_code == 404
    assert sage.control("changes")["count"] == 0
    assert sage.control("settings") == {
        "content_type_required": True,
        "errors_as_text_plain": False,
        "page_size": 100,
        "today": None,
    }
    empty = sage.control("reset", {"sample_customers": False})
    assert empty["records"]["SAMINC"] == {
        "ARCustomers": 0,
        "ARShipToLocations": 0,
        "ARCustomerGroups": 4,
        "TXTaxGroups": 9,
    }


def test_it_filters_the_change_log(sage):
    sage.patch("ARCustomers('1100')", {"City": "A"})
    sage.patch("ARCustomers('1105')", {"City": "B"})
    sage.patch("ARShipToLocations('1100','WARE')", {"City": "C"})
    assert [c["key"] for c in sage.control("changes", since=1)["changes"]] == ["1105", "1100/WARE"]
    assert [c["key"] for c in sage.control("changes", entity="ARShipToLocations")["changes"]] == ["1100/WARE"]
    assert sage.control("changes", key="1105")["count"] == 1
    assert sage.control("changes", company="samltd")["count"] == 0
    assert sage.control("changes")["last_seq"] == 3


def test_it_validates_settings(sage):
    response = requests.post(
        sage.url + "/_emulator/settings", json={"page_size": 0, "today": "soon"}, timeout=10
    )
    problems = [
        "page_size must be an integer between 1 and 100000",
        "today must be a date like 2025-01-31, or null",
    ]
    assert (response.status_code, response.json()) == (400, {"error": "; ".join(problems)})
    unknown = requests.post(sage.url + "/_emulator/settings", json={"speed": 1}, timeout=10)
    assert unknown.json() == {"error": "unknown setting(s): speed"}


def test_it_counts_requests_in_stats(sage):
    sage.get("ARCustomers('1100')")
    sage.get("ARCustomers('NOPE')")
    stats = sage.control("stats")
    assert stats["requests"] == {"total": 2, "by_status": {"200": 1, "404": 1}, "by_method": {"GET": 2}}
    assert stats["records"]["SAMINC"]["ARCustomers"] == 4
    assert stats["faults"]["max_concurrent"] == 0


def test_it_resets_to_the_sample_customers_choice_made_at_startup():
    state = create_app(sample_customers=False, companies=["samltd"]).state.sage
    assert state.store.record_count()["SAMLTD"]["ARCustomers"] == 0
    state.reset()
    assert state.store.record_count()["SAMLTD"]["ARCustomers"] == 0
    state.reset(sample_customers=True)
    assert state.store.record_count()["SAMLTD"]["ARCustomers"] == 4
