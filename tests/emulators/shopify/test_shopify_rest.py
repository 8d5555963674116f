"""REST customers: filters, cursor pagination, error shapes, writes."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import parse_qs, quote, urlsplit

import requests

PAGE_INFO_400 = (
    "updated_at_min cannot be passed when page_info is present. "
    "See https://shopify.dev/api/usage/pagination-rest for more information."
)


def _ids(response) -> list[int]:
    return [c["id"] for c in response.json()["customers"]]


def test_it_links_pages_with_one_absolute_link_header_on_the_request_host(emulator):
    host = emulator.url.removeprefix("http://")
    first = emulator.get("/customers.json?limit=50")
    assert first.status_code == 200
    link = first.headers["Link"]
    assert re.fullmatch(
        rf'<http://{re.escape(host)}/admin/api/2025-07/customers.json\?limit=50&page_info=[\w-]+>; rel="next"',
        link,
    )
    second = emulator.get(first.links["next"]["url"])
    middle = second.headers["Link"]
    assert re.fullmatch(
        r'<[^>]+page_info=[\w-]+>; rel="previous", <[^>]+page_info=[\w-]+>; rel="next"', middle
    )
    last = emulator.get(second.links["next"]["url"])
    assert re.fullmatch(r'<[^>]+>; rel="previous"', last.headers["Link"])
    assert len(_ids(first)) == 50 and len(_ids(second)) == 50 and len(_ids(last)) == 20
    assert _ids(first) + _ids(second) + _ids(last) == sorted(emulator.shop.store.by_id)
    assert _ids(emulator.get(last.links["previous"]["url"])) == _ids(second)
    assert "Link" not in emulator.get("/customers.json?limit=250").headers


def test_it_builds_link_urls_from_the_host_header_the_client_sent(emulator):
    response = requests.get(
        emulator.api + "/customers.json?limit=5",
        headers={"X-Shopify-Access-Token": emulator.shop.config.token, "Host": "shop.example.test:8443"},
        timeout=10,
    )
    assert response.links["next"]["url"].startswith(
        "http://shop.example.test:8443/admin/api/2025-07/customers.json?"
    )


def test_it_keeps_page_info_opaque_but_carrying_the_frozen_filters(emulator):
    first = emulator.get("/customers.json?limit=10&updated_at_min=2020-01-01&order=updated_at+asc")
    token = parse_qs(urlsplit(first.links["next"]["url"]).query)["page_info"][0]
    document = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert document["direction"] == "next"
    assert document["updated_at_min"] == "2020-01-01"
    assert document["order"] == "updated_at asc"
    assert document["last_id"] == _ids(first)[-1]


def test_it_refuses_a_filter_sent_with_page_info_with_shopifys_message(emulator):
    first = emulator.get("/customers.json?limit=10")
    response = emulator.get(first.links["next"]["url"] + "&updated_at_min=2024-01-01")
    assert response.status_code == 400
    assert response.json() == {"errors": {"updated_at_min": PAGE_INFO_400}}


def test_it_accepts_limit_and_fields_with_page_info_and_ignores_unknown_params(emulator):
    first = emulator.get("/customers.json?limit=10&status=any")
    assert first.status_code == 200
    second = emulator.get(first.links["next"]["url"] + "&limit=3&fields=id,email")
    assert second.status_code == 200
    assert [list(c) for c in second.json()["customers"]] == [["id", "email"]] * 3


def test_it_serves_at_most_250_and_50_by_default(start_emulator):
    emulator = start_emulator(customers=300)
    assert len(_ids(emulator.get("/customers.json"))) == 50
    assert len(_ids(emulator.get("/customers.json?limit=1000"))) == 250
    assert "limit=250&" in emulator.get("/customers.json?limit=1000").links["next"]["url"]


def test_it_projects_fields_in_resource_order(emulator):
    response = emulator.get("/customers.json?fields=tags,%20id,email,nonsense&limit=2")
    customers = response.json()["customers"]
    assert [list(c) for c in customers] == [["id", "email", "tags"]] * 2
    one = emulator.get(f"/customers/{customers[0]['id']}.json?fields=id,default_address").json()["customer"]
    assert list(one) == ["id", "default_address"]


def test_it_filters_by_since_id_and_ids(emulator):
    every = sorted(emulator.shop.store.by_id)
    assert _ids(emulator.get(f"/customers.json?since_id={every[9]}&limit=5")) == every[10:15]
    wanted = f"{every[3]},{every[1]},999"
    assert _ids(emulator.get(f"/customers.json?ids={wanted}")) == [every[1], every[3]]


def test_it_filters_updated_at_inclusively_at_whole_seconds_in_any_client_format(emulator):
    store = emulator.shop.store
    customers = sorted(store.by_id.values(), key=lambda c: (c.updated_us, c.id))
    pick = customers[60]
    stamp = emulator.get(f"/customers/{pick.id}.json").json()["customer"]["updated_at"]
    expected_min = [c.id for c in customers if c.updated_us // 1_000_000 >= pick.updated_us // 1_000_000]
    expected_max = [c.id for c in customers if c.updated_us // 1_000_000 <= pick.updated_us // 1_000_000]
    by_updated = "&order=updated_at%20asc&limit=250"
    assert _ids(emulator.get(f"/customers.json?updated_at_min={quote(stamp)}{by_updated}")) == expected_min
    assert _ids(emulator.get(f"/customers.json?updated_at_max={quote(stamp)}{by_updated}")) == expected_max
    python_str_datetime = "2022-06-01 00:00:00+00:00"
    expected = [c.id for c in customers if c.updated_us >= 1_654_041_600 * 1_000_000]
    assert (
        _ids(emulator.get(f"/customers.json?updated_at_min={quote(python_str_datetime)}{by_updated}"))
        == expected
    )
    assert emulator.get("/customers/count.json?updated_at_min=2022-06-01T00:00:00Z").json() == {
        "count": len(expected)
    }
    assert len(_ids(emulator.get(f"/customers.json?updated_at_min={by_updated}"))) == 120


def test_it_pages_by_updated_at_without_skips_while_customers_change(emulator):
    store, shop = emulator.shop.store, emulator.shop
    first = emulator.get("/customers.json?order=updated_at+asc&limit=40&updated_at_min=2019-01-01")
    seen = _ids(first)
    # customers already read move to the end; one not yet read moves too
    for customer_id in seen[:5] + [sorted(store.by_id)[-1]]:
        customer = store.get(customer_id)
        store.change(customer, lambda c=customer: setattr(c, "note", "moved"))
    url = first.links["next"]["url"]
    while url:
        page = emulator.get(url)
        seen += _ids(page)
        url = page.links.get("next", {}).get("url")
    # every customer once, plus the five re-read after they moved past the cursor
    assert len(seen) == 125
    assert set(seen) == set(store.by_id)
    assert seen[-6:] == [*seen[:5], sorted(store.by_id)[-1]]
    assert shop.store.count() == 120


def test_it_answers_401_without_or_with_a_wrong_token(emulator):
    for token in (None, "shpat_wrong"):
        response = emulator.get("/customers.json", token=token)
        assert response.status_code == 401
        assert response.json() == {
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        }


def test_it_answers_404_with_shopifys_body(emulator):
    assert emulator.get("/customers/1234567890123.json").json() == {"errors": "Not Found"}
    assert emulator.get("/customers/1234567890123.json").status_code == 404
    assert emulator.get("/products.json").status_code == 404


def test_it_answers_403_when_the_token_lacks_the_scope(emulator):
    emulator.control("POST", "scopes", {"scopes": ["read_products"]})
    response = emulator.get("/customers.json")
    assert response.status_code == 403
    assert response.json() == {"errors": "This action requires merchant approval for read_customers scope."}


def test_it_updates_a_customer_and_moves_updated_at_forward(emulator):
    customer_id = sorted(emulator.shop.store.by_id)[5]
    before = emulator.get(f"/customers/{customer_id}.json").json()["customer"]
    response = emulator.send(
        "PUT",
        f"/customers/{customer_id}.json",
        {"customer": {"id": customer_id, "first_name": "Renée", "phone": "(613) 555-0199"}},
    )
    assert response.status_code == 200
    after = response.json()["customer"]
    assert (after["first_name"], after["phone"]) == ("Renée", "+16135550199")
    assert after["updated_at"] >= before["updated_at"]
    assert emulator.shop.store.get(customer_id).updated_us > 1_750_000_000 * 1_000_000


def test_it_refuses_bad_writes_with_422_field_errors(emulator):
    ids = sorted(emulator.shop.store.by_id)
    store = emulator.shop.store
    taken = next(c.email for c in store.by_id.values() if c.email and c.id != ids[0])
    response = emulator.send("PUT", f"/customers/{ids[0]}.json", {"customer": {"email": taken}})
    assert (response.status_code, response.json()) == (422, {"errors": {"email": ["has already been taken"]}})
    response = emulator.send(
        "POST", "/customers.json", {"customer": {"email": "not-an-email", "phone": "12"}}
    )
    assert response.status_code == 422
    assert response.json() == {"errors": {"email": ["is invalid"], "phone": ["is invalid"]}}
    response = emulator.send("POST", "/customers.json", {"nothing": {}})
    assert (response.status_code, response.json()) == (
        400,
        {"errors": {"customer": "Required parameter missing or invalid"}},
    )


def test_it_creates_a_customer_with_an_address(emulator):
    address = {"address1": "1 Main St", "city": "Ottawa", "province": "ON", "country": "CA", "zip": "K1A 0B1"}
    body = {
        "customer": {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "addresses": [address],
        }
    }
    response = emulator.send("POST", "/customers.json", body)
    assert response.status_code == 201
    created = response.json()["customer"]
    assert created["state"] == "disabled"
    assert created["default_address"]["province"] == "Ontario"
    assert created["default_address"]["country_name"] == "Canada"
    assert created["default_address"]["default"] is True
    assert emulator.get("/customers/count.json").json() == {"count": 121}
    assert (
        emulator.get("/customers/search.json?query=email:ada@example.com").json()["customers"][0]["id"]
        == created["id"]
    )


def test_it_lists_creates_edits_and_deletes_addresses(emulator):
    store = emulator.shop.store
    many = next(c for c in store.by_id.values() if len(c.addresses) >= 12)
    payload = emulator.get(f"/customers/{many.id}.json").json()["customer"]
    full = emulator.get(f"/customers/{many.id}/addresses.json?limit=250").json()["addresses"]
    assert len(payload["addresses"]) == 10
    assert len(full) == len(many.addresses)
    path = f"/customers/{many.id}/addresses"
    created = emulator.send(
        "POST", f"{path}.json", {"address": {"address1": "9 Rue Neuve", "city": "Lyon", "country": "France"}}
    )
    assert created.status_code == 201
    address = created.json()["customer_address"]
    assert (address["country_code"], address["default"]) == ("FR", False)
    edited = emulator.send("PUT", f"{path}/{address['id']}.json", {"address": {"zip": "69001"}}).json()[
        "customer_address"
    ]
    assert edited["zip"] == "69001"
    # the just-edited address is among the ten most recent, so the payload lists it
    assert address["id"] in [
        a["id"] for a in emulator.get(f"/customers/{many.id}.json").json()["customer"]["addresses"]
    ]
    refused = emulator.send("DELETE", f"{path}/{many.default_address_id}.json")
    assert refused.status_code == 422
    assert emulator.send("DELETE", f"{path}/{address['id']}.json").json() == {}
    assert emulator.send("GET", f"{path}/{address['id']}.json").status_code == 404
    default = emulator.send("PUT", f"{path}/{many.addresses[3].id}/default.json").json()["customer_address"]
    assert default["default"] is True
    assert (
        emulator.get(f"/customers/{many.id}.json").json()["customer"]["default_address"]["id"]
        == many.addresses[3].id
    )


def test_it_searches_with_shopify_query_syntax(emulator):
    store = emulator.shop.store
    target = store.get(sorted(store.by_id)[0])
    response = emulator.get(
        f"/customers/search.json?query=last_name:{target.last_name}&fields=id,last_name&limit=250"
    )
    found = response.json()["customers"]
    assert {c["id"] for c in found} == {
        c.id for c in store.by_id.values() if c.last_name.lower() == target.last_name.lower()
    }
    disabled = emulator.get("/customers/search.json?query=state:disabled&limit=250").json()["customers"]
    assert {c["id"] for c in disabled} == {c.id for c in store.by_id.values() if c.state == "disabled"}


def test_it_serves_shop_access_scopes_and_client_credentials(emulator):
    assert emulator.get("/shop.json").json()["shop"]["myshopify_domain"] == "ferry-demo.myshopify.com"
    scopes = emulator.get(emulator.url + "/admin/oauth/access_scopes.json").json()
    assert scopes == {"access_scopes": [{"handle": "read_customers"}, {"handle": "write_customers"}]}
    token = requests.post(
        emulator.url + "/admin/oauth/access_token",
        json={
            "client_id": "app",
            "client_secret": emulator.shop.config.webhook_secret,
            "grant_type": "client_credentials",
        },
        timeout=10,
    ).json()
    assert token == {
        "access_token": emulator.shop.config.token,
        "scope": "read_customers,write_customers",
        "expires_in": 86399,
    }
