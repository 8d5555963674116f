"""A test-side reference implementation of MAPPING.md, written by hand without the mapping engine.

Given Shopify's customers (with all their addresses) and the lookup tables, it computes what
Sage 300 should hold: AR customers and, per customer, ship-to locations keyed by the
`Shopify address <id>` description (keys are allocated in processing order, so they are not
compared).
"""

from __future__ import annotations

import string

from portal.demo.check import sage_feed_all, shopify_customers_all

DIGITS = string.digits + string.ascii_lowercase


def base36(number: int) -> str:
    text = ""
    while True:
        number, remainder = divmod(number, 36)
        text = DIGITS[remainder] + text
        if number == 0:
            return text


def _text(value) -> str:
    return "" if value is None else str(value)


def _coalesce(*values):
    for value in values:
        if value is not None and value != "":
            return value
    return None


def _lookup(tables, table, value, default=None, *, has_default=False):
    entry = tables[table]
    if value is not None and str(value) in entry["rows"]:
        return entry["rows"][str(value)]
    if has_default:
        return default
    return entry.get("default")


def _cut(value, length):
    value = _text(value)
    return value[:length]


def expected_customer(customer: dict, tables: dict) -> dict:
    address = customer.get("default_address") or {}
    first, last = customer.get("first_name"), customer.get("last_name")
    name = (_text(first) + " " + _text(last)).strip()
    return {
        "CustomerNumber": ("SH" + base36(int(customer["id"])).upper())[:12],
        "CustomerName": _cut(_coalesce(name, address.get("company"), customer.get("email")), 60),
        "ShortName": _cut(_coalesce(first, last, customer.get("email")), 10),
        "GroupCode": _lookup(tables, "Customer Group", "default"),
        "TaxGroup": _lookup(
            tables, "Tax", address.get("province_code"), _lookup(tables, "Tax", "default"), has_default=True
        ),
        "Email": _cut(customer["email"].lower() if customer.get("email") else None, 50),
        "PhoneNumber": _cut(_coalesce(customer.get("phone"), address.get("phone")), 30),
        "WebSite": _lookup(tables, "Website", "default"),
        "Status": "Inactive" if customer.get("state") == "disabled" else "Active",
        "AddressLine1": _cut(address.get("address1"), 60),
        "AddressLine2": _cut(address.get("address2"), 60),
        "AddressLine3": _cut(address.get("company"), 60),
        "City": _cut(address.get("city"), 30),
        "StateProvince": _cut(address.get("province_code"), 30),
        "ZipPostalCode": _cut(address.get("zip"), 20),
        "Country": _cut(
            _lookup(tables, "Country", address.get("country_code"), address.get("country"), has_default=True),
            30,
        ),
    }


def expected_ship_to(address: dict, tables: dict) -> dict:
    return {
        "Description": f"Shopify address {address['id']}",
        "AddressLine1": _cut(address.get("address1"), 60),
        "AddressLine2": _cut(address.get("address2"), 60),
        "AddressLine3": _cut(address.get("company"), 60),
        "City": _cut(address.get("city"), 30),
        "StateProvince": _cut(address.get("province_code"), 30),
        "ZipPostalCode": _cut(address.get("zip"), 20),
        "Country": _cut(
            _lookup(tables, "Country", address.get("country_code"), address.get("country"), has_default=True),
            30,
        ),
        "ContactName": _cut(
            (_text(address.get("first_name")) + " " + _text(address.get("last_name"))).strip(), 60
        ),
        "PhoneNumber": _cut(address.get("phone"), 30),
        "Status": "Active",
    }


def shopify_customers(url: str) -> list[dict]:
    """Every customer with every address (fetching is shared with the demo's check; mapping is not)."""
    return shopify_customers_all(url)


def sage_feed(url: str, entity: str) -> list[dict]:
    return sage_feed_all(f"{url}/Sage300WebApi/v1.0/-/SAMINC/AR/{entity}")
