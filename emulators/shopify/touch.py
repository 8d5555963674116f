"""`/_emulator/touch`: realistic edits to N customers, the way shop staff and customers change them.

Deterministic for a given seed and data set (which customers, which edits, which new values); each
touched customer gets a new `updated_at` and fires `customers/update`.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from .clock import shop_time
from .datagen import Draw, customer_phone, make_address, person_name, pick_city
from .models import Customer

if TYPE_CHECKING:
    from .state import ShopState

EDITS = ("first_name", "last_name", "email", "phone", "add_address", "remove_address", "change_default",
         "edit_address")  # fmt: skip


def touch_customers(shop: ShopState, count: int, seed: int) -> list[dict]:
    store = shop.store
    chosen = random.Random(seed).sample(sorted(store.by_id), min(max(count, 0), len(store.by_id)))
    draw = Draw(seed)
    touched = []
    for customer_id in chosen:
        customer = store.by_id[customer_id]
        kinds = [draw.pick(EDITS)]
        if draw.chance(0.3):
            kinds.append(draw.pick([k for k in EDITS if k != kinds[0]]))
        changes: list[dict] = []
        store.change(customer, lambda c=customer, k=kinds, out=changes: out.extend(_edit(shop, c, k, draw)))
        shop.customer_changed(customer)
        touched.append({"id": customer_id, "updated_at": shop_time(customer.updated_us), "changes": changes})
    return touched


def _edit(shop: ShopState, customer: Customer, kinds: list[str], draw: Draw) -> list[dict]:
    return [_apply(shop, customer, kind, draw) for kind in kinds]


def _field(customer: Customer, name: str, value) -> dict:
    change = {"field": name, "from": getattr(customer, name), "to": value}
    setattr(customer, name, value)
    return change


def _apply(shop: ShopState, customer: Customer, kind: str, draw: Draw) -> dict:
    store = shop.store
    position = draw.between(0, 10_000)
    if kind == "first_name":
        return _field(customer, "first_name", person_name(position, draw)[0][0])
    if kind == "last_name":
        return _field(customer, "last_name", person_name(position, draw)[1][0])
    if kind == "email":
        (_, first), (_, last) = person_name(position, draw)
        email = f"{first}.{last}.{draw.between(1, 10**9)}@example.com"
        while email.lower() in store.emails:
            email = f"{first}.{last}.{draw.between(1, 10**9)}@example.com"
        return _field(customer, "email", email)
    if kind == "phone":
        phone = customer_phone(pick_city(position, draw), draw.between(0, 7_999_999))
        while phone in store.phones:
            phone = customer_phone(pick_city(position, draw), draw.between(0, 7_999_999))
        return _field(customer, "phone", None if customer.phone and draw.chance(0.15) else phone)
    others = [a for a in customer.addresses if a.id != customer.default_address_id]
    if kind == "remove_address" and others:
        address = draw.pick(others)
        customer.addresses.remove(address)
        return {"field": "addresses", "action": "removed", "address_id": address.id}
    if kind == "change_default" and others:
        previous, customer.default_address_id = customer.default_address_id, draw.pick(others).id
        store_now = store.clock.now_us()
        customer.default_address().updated_us = store_now
        return {"field": "default_address", "from": previous, "to": customer.default_address_id}
    if kind == "edit_address" and customer.addresses:
        return _edit_address(shop, customer, draw)
    names = (customer.first_name, customer.last_name)
    address = make_address(
        store.new_address_id(), store.clock.now_us(), pick_city(position, draw), names, draw
    )
    customer.addresses.append(address)
    if customer.default_address_id is None:
        customer.default_address_id = address.id
    return {"field": "addresses", "action": "added", "address_id": address.id}


def _edit_address(shop: ShopState, customer: Customer, draw: Draw) -> dict:
    address = draw.pick(customer.addresses)
    part = draw.pick(("address1", "address2", "zip", "phone", "company", "city"))
    before = {n: getattr(address, n) for n in ("address1", "address2", "zip", "phone", "company", "city")}
    fresh = make_address(0, 0, pick_city(draw.between(0, 10_000), draw), (None, None), draw)
    if part == "city":  # a move: city, province, country and zip change together
        for name in ("city", "province_code", "country_code", "zip", "address1"):
            setattr(address, name, getattr(fresh, name))
    else:
        number = draw.between(10, 99)
        fallback = {"address2": f"Suite {number}", "phone": f"555-01{number}", "company": f"Atelier {number}"}
        value = getattr(fresh, part)
        setattr(address, part, value if value and value != before[part] else fallback.get(part, value))
    address.updated_us = shop.store.clock.now_us()
    after = {n: getattr(address, n) for n in before}
    return {
        "field": "addresses",
        "action": "edited",
        "address_id": address.id,
        "changed": {n: {"from": before[n], "to": after[n]} for n in before if before[n] != after[n]},
    }
