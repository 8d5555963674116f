"""Validating and applying changes to customers and their addresses (REST writes, the edit page, `touch`).

Every accepted change goes through `CustomerStore.change`, which moves `updated_at` strictly forward,
and then `ShopState.customer_changed`, which queues the `customers/update` webhook. A write that changes
nothing leaves `updated_at` alone and sends nothing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .geography import COUNTRIES, COUNTRY_BY_NAME
from .models import ADDRESS_FIELDS, Address, Customer

if TYPE_CHECKING:
    from .state import ShopState

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_TEXT = 255
WRITABLE = ("first_name", "last_name", "email", "phone", "note", "tags", "tax_exempt", "tax_exemptions",
            "verified_email", "multipass_identifier")  # fmt: skip
Errors = dict[str, list[str]]


def normalize_phone(text: str) -> str | None:
    """E.164 like Shopify stores it; ten bare digits are read as a North American number."""
    digits = re.sub(r"[\s\-().]", "", text)
    if re.fullmatch(r"\+\d{8,15}", digits):
        return digits
    if re.fullmatch(r"1?\d{10}", digits):
        return "+1" + digits[-10:]
    return None


def _clean_customer(shop: ShopState, data: dict, customer: Customer | None) -> tuple[dict, Errors]:
    """The writable values the input sets, normalised, and Shopify-style errors."""
    values: dict[str, Any] = {}
    problems: Errors = {}
    for name in WRITABLE:
        if name not in data:
            continue
        value = data[name]
        if name in ("first_name", "last_name", "note", "multipass_identifier") and value is not None:
            value = str(value)
            if name != "note" and len(value) > MAX_TEXT:
                problems.setdefault(name, []).append(f"is too long (maximum is {MAX_TEXT} characters)")
        elif name == "email" and value not in (None, ""):
            value = str(value).strip()
            owner = shop.store.emails.get(value.lower())
            if not EMAIL.match(value):
                problems.setdefault("email", []).append("is invalid")
            elif owner is not None and (customer is None or owner != customer.id):
                problems.setdefault("email", []).append("has already been taken")
        elif name == "phone" and value not in (None, ""):
            value = normalize_phone(str(value))
            owner = shop.store.phones.get(value) if value else None
            if value is None:
                problems.setdefault("phone", []).append("is invalid")
            elif owner is not None and (customer is None or owner != customer.id):
                problems.setdefault("phone", []).append("has already been taken")
        elif name == "tags":
            parts = value if isinstance(value, list) else str(value or "").split(",")
            value = ", ".join(p.strip() for p in parts if str(p).strip())
        elif name == "tax_exemptions":
            value = [str(v) for v in value] if isinstance(value, list) else []
        elif name in ("tax_exempt", "verified_email"):
            value = bool(value)
        values[name] = None if value == "" and name in ("email", "phone") else value
    return values, problems


def clean_address(data: dict, current: Address | None, prefix: str = "") -> tuple[dict, Errors]:
    """Address fields from input (country/province by code or name), merged over `current`."""
    values = (
        {name: getattr(current, name) for name in ADDRESS_FIELDS}
        if current
        else dict.fromkeys(ADDRESS_FIELDS)
    )
    problems: Errors = {}
    for name in ("first_name", "last_name", "company", "address1", "address2", "city", "zip", "phone"):
        if name in data:
            values[name] = None if data[name] is None else str(data[name])
    country_text = data.get("country_code") or data.get("country")
    if country_text:
        country = COUNTRIES.get(str(country_text).upper()) or COUNTRY_BY_NAME.get(str(country_text).lower())
        if country is None:
            problems[f"{prefix}country"] = ["is invalid"]
            return values, problems
        if country.code != values["country_code"]:
            values["province_code"] = None
        values["country_code"] = country.code
    province_text = data.get("province_code") or data.get("province")
    country = COUNTRIES.get(values["country_code"] or "")
    if province_text and country and country.provinces:
        text = str(province_text)
        code = text.upper() if text.upper() in country.provinces else None
        code = code or next((c for c, n in country.provinces.items() if n.lower() == text.lower()), None)
        if code is None:
            problems[f"{prefix}province"] = ["is invalid"]
        values["province_code"] = code
    if (
        country
        and country.provinces
        and not values["province_code"]
        and values["country_code"] in ("US", "CA")
    ):
        problems[f"{prefix}province"] = ["can't be blank"]
    return values, problems


def customer_create(shop: ShopState, data: dict) -> tuple[Customer | None, Errors]:
    values, problems = _clean_customer(shop, data, None)
    if not any(values.get(n) for n in ("first_name", "last_name", "email", "phone")):
        problems.setdefault("customer", []).append("Customer must have a name, phone number or email address")
    addresses = []
    for item in data.get("addresses") or []:
        fields, address_problems = clean_address(item if isinstance(item, dict) else {}, None, "addresses.")
        problems.update(address_problems)
        addresses.append(fields)
    if problems:
        return None, problems
    store = shop.store
    now = store.clock.now_us()
    email, phone = values.get("email"), values.get("phone")
    customer = Customer(
        store.new_customer_id(),
        now,
        now,
        **{"tags": "", "tax_exemptions": [], "tax_exempt": False, "verified_email": bool(email), **values},
        state="disabled",
        orders_count=0,
        total_spent="0.00",
        currency="USD",
        email_consent={"state": "not_subscribed", "opt_in_level": "single_opt_in", "consent_updated_at": None}
        if email
        else None,
        sms_consent={"state": "not_subscribed", "opt_in_level": "single_opt_in", "consent_updated_at": None,
                     "consent_collected_from": "OTHER"} if phone else None,
    )  # fmt: skip
    for fields in addresses:
        customer.addresses.append(Address(store.new_address_id(), now, **fields))
    if customer.addresses:
        customer.default_address_id = customer.addresses[0].id
    store.add(customer)
    shop.customer_changed(customer, "customers/create")
    return customer, {}


def customer_update(shop: ShopState, customer: Customer, data: dict) -> Errors:
    values, problems = _clean_customer(shop, data, customer)
    address_changes = []
    for item in data.get("addresses") or []:
        item = item if isinstance(item, dict) else {}
        current = customer.address(int(item["id"])) if str(item.get("id", "")).isdigit() else None
        fields, address_problems = clean_address(item, current, "addresses.")
        problems.update(address_problems)
        address_changes.append((current, fields, bool(item.get("default"))))
    if problems:
        return problems
    changed = {k: v for k, v in values.items() if getattr(customer, k) != v}
    address_changes = [
        change
        for change in address_changes
        if change[0] is None
        or any(getattr(change[0], k) != v for k, v in change[1].items())
        or (change[2] and customer.default_address_id != change[0].id)
    ]
    if not changed and not address_changes:
        return {}

    def edit() -> None:
        for name, value in changed.items():
            setattr(customer, name, value)
        for current, fields, make_default in address_changes:
            address = current or _attach(shop, customer)
            _write_address(shop, address, fields)
            if make_default:
                customer.default_address_id = address.id

    shop.store.change(customer, edit)
    shop.customer_changed(customer)
    return {}


def _attach(shop: ShopState, customer: Customer) -> Address:
    address = Address(shop.store.new_address_id(), 0)
    customer.addresses.append(address)
    if customer.default_address_id is None:
        customer.default_address_id = address.id
    return address


def _write_address(shop: ShopState, address: Address, fields: dict) -> None:
    for name, value in fields.items():
        setattr(address, name, value)
    address.updated_us = shop.store.clock.now_us()


def address_create(shop: ShopState, customer: Customer, data: dict) -> tuple[Address | None, Errors]:
    fields, problems = clean_address(data, None)
    if problems:
        return None, problems
    created: list[Address] = []

    def edit() -> None:
        address = _attach(shop, customer)
        _write_address(shop, address, fields)
        if data.get("default"):
            customer.default_address_id = address.id
        created.append(address)

    shop.store.change(customer, edit)
    shop.customer_changed(customer)
    return created[0], {}


def address_update(shop: ShopState, customer: Customer, address: Address, data: dict) -> Errors:
    fields, problems = clean_address(data, address)
    if problems:
        return problems
    make_default = bool(data.get("default")) and customer.default_address_id != address.id
    if not make_default and all(getattr(address, k) == v for k, v in fields.items()):
        return {}

    def edit() -> None:
        _write_address(shop, address, fields)
        if make_default:
            customer.default_address_id = address.id

    shop.store.change(customer, edit)
    shop.customer_changed(customer)
    return {}


def address_delete(shop: ShopState, customer: Customer, address: Address) -> Errors:
    if address.id == customer.default_address_id:
        return {"base": ["Cannot delete the customer’s default address"]}
    shop.store.change(customer, lambda: customer.addresses.remove(address))
    shop.customer_changed(customer)
    return {}


def address_make_default(shop: ShopState, customer: Customer, address: Address) -> None:
    if customer.default_address_id == address.id:
        return

    def edit() -> None:
        customer.default_address_id = address.id
        address.updated_us = shop.store.clock.now_us()

    shop.store.change(customer, edit)
    shop.customer_changed(customer)
