"""Deterministic, realistic customers: the same seed always gives byte-identical JSON.

Timestamps are anchored to fixed dates (not "now") so that a seed means the same data on every run.
Awkward cases come at fixed intervals of the customer's position, so every data set of a few dozen
customers or more contains each of them: emoji, right-to-left names, names and addresses longer than
Sage allows, no e-mail, no phone, no address, twelve or more addresses, disabled customers, province
codes a tax table will not know, and pairs of ids that share their first ten digits.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

from .clock import to_us
from .geography import (
    ADDRESS2,
    CITIES_CA,
    CITIES_LONG,
    CITIES_US,
    CITIES_WORLD,
    COMPANIES,
    COUNTRIES,
    STREETS,
    STREETS_LONG,
    City,
)
from .models import Address, Customer
from .names import CULTURE_WEIGHTS, CULTURES, EMAIL_DOMAINS, EMOJI_NAMES, LONG_NAMES, NOTES, RTL_NAMES, TAGS

GENERATED_FROM_US = to_us(datetime(2019, 1, 1, 14, 0, tzinfo=UTC))
GENERATED_UNTIL_US = to_us(datetime(2025, 6, 30, 17, 0, tzinfo=UTC))
CUSTOMER_ID_BASE = 7_001_000_000_000
ADDRESS_ID_BASE = 8_201_000_000_000
ORDER_ID_BASE = 5_501_000_000_000
SECOND = 1_000_000
UNKNOWN_TAX_CITIES = [c for c in CITIES_WORLD if c.province and c.country != "CA"]
# Weighted picks use flat lists: `random()` is several times cheaper than `choices()`, and 100,000
# customers have to be generated within a few seconds.
_CULTURES = [CULTURES[name] for name, weight in CULTURE_WEIGHTS.items() for _ in range(weight)]
_STATES = ["enabled"] * 45 + ["disabled"] * 45 + ["invited"] * 7 + ["declined"] * 3
_ADDRESS_COUNTS = [1] * 65 + [2] * 25 + [3] * 10
_EMAIL_STATES = ["not_subscribed"] * 6 + ["subscribed"] * 3 + ["unsubscribed"]
T = TypeVar("T")


class Draw:
    """Fast deterministic draws from one seeded stream."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed).random

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        """An int in [low, high]."""
        return low + int(self.random() * (high - low + 1))

    def chance(self, probability: float) -> bool:
        return self.random() < probability


def is_id_pair_partner(position: int) -> bool:
    """Every 50th customer (from the second on) gets an id sharing its first 10 digits with the one before."""
    return position % 50 == 1


def generate_customers(count: int, seed: int) -> list[Customer]:
    draw = Draw(seed)
    customers = []
    step = max((GENERATED_UNTIL_US - GENERATED_FROM_US) // max(count, 1), 1)
    customer_id = CUSTOMER_ID_BASE + draw.between(0, 10**9)
    address_ids = IdSequence(ADDRESS_ID_BASE + draw.between(0, 10**9), draw)
    for position in range(count):
        if is_id_pair_partner(position) and position:
            customer_id += draw.between(1, 999 - customer_id % 1000)
        else:
            customer_id += draw.between(1_000, 40_000)
            if is_id_pair_partner(position + 1):
                # leave room below the next thousand so that the partner shares the first 10 digits
                customer_id = customer_id - customer_id % 1000 + draw.between(0, 499)
        created = (GENERATED_FROM_US + position * step + int(draw.random() * step)) // SECOND * SECOND
        customers.append(_customer(position, customer_id, created, draw, address_ids))
    return customers


class IdSequence:
    """Increasing 13-digit ids with irregular gaps, like Shopify's."""

    def __init__(self, start: int, draw: Draw) -> None:
        self.value = start
        self.draw = draw

    def next(self) -> int:
        self.value += self.draw.between(1_000, 20_000)
        return self.value


def person_name(position: int, draw: Draw) -> tuple[tuple[str, str], tuple[str, str]]:
    """((first, first_ascii), (last, last_ascii))."""
    if position % 17 == 5:
        return draw.pick(RTL_NAMES)
    if position % 13 == 3:
        return draw.pick(EMOJI_NAMES)
    if position % 23 == 7:
        return draw.pick(LONG_NAMES)
    firsts, lasts = draw.pick(_CULTURES)
    return draw.pick(firsts), draw.pick(lasts)


def _customer(position: int, customer_id: int, created: int, draw: Draw, address_ids: IdSequence) -> Customer:
    (first, first_ascii), (last, last_ascii) = person_name(position, draw)
    updated = created
    if draw.chance(0.7):
        updated = (created + int(draw.random() * (GENERATED_UNTIL_US - created))) // SECOND * SECOND
    home = pick_city(position, draw)
    has_email = position % 11 != 2
    has_phone = position % 7 != 1
    email = None
    if has_email:
        email = f"{first_ascii}.{last_ascii}{position}@{draw.pick(EMAIL_DOMAINS)}"
        if draw.chance(0.05):
            email = email.title()
    orders = 0 if draw.chance(0.25) else draw.between(1, 40)
    tax_exempt = draw.chance(0.05)
    customer = Customer(
        customer_id,
        created,
        updated,
        first_name=first,
        last_name=last,
        email=email,
        phone=customer_phone(home, position) if has_phone else None,
        state="disabled" if position % 37 == 10 else draw.pick(_STATES),
        note=draw.pick(NOTES),
        verified_email=has_email and draw.chance(0.9),
        multipass_identifier=None,
        tax_exempt=tax_exempt,
        tax_exemptions=["CA_STATUS_CARD_EXEMPTION"] if tax_exempt and home.country == "CA" else [],
        tags=draw.pick(TAGS),
        orders_count=orders,
        total_spent=f"{orders * (12 + draw.random() * 170):.2f}" if orders else "0.00",
        last_order_id=ORDER_ID_BASE + customer_id % 10**9 if orders else None,
        last_order_name=f"#{draw.between(1001, 99_000)}" if orders else None,
        currency="USD",
        email_consent=_email_consent(created, draw) if has_email else None,
        sms_consent=_sms_consent(created, draw) if has_phone else None,
    )
    for index in range(_address_count(position, draw)):
        city = home if index == 0 else pick_city(position + index, draw)
        stamp = (created + int(draw.random() * (updated - created))) // SECOND * SECOND
        names = (first, last)
        if index and draw.chance(0.3):
            (other_first, _), (other_last, _) = person_name(position + index, draw)
            names = (other_first, other_last)
        elif draw.chance(0.1):
            names = (None, None)
        long_street = position % 19 == 4 and index == 0
        customer.addresses.append(make_address(address_ids.next(), stamp, city, names, draw, long_street))
    if customer.addresses:
        customer.default_address_id = customer.addresses[0].id
    return customer


def customer_phone(city: City, position: int) -> str:
    """E.164 and unique per position, because Shopify refuses a phone number another customer has."""
    return f"{COUNTRIES[city.country].phone_prefix}{city.area_code}{2_000_000 + position:07d}"


def _address_count(position: int, draw: Draw) -> int:
    if position % 31 == 9:
        return 0
    if position % 101 == 50:
        return draw.between(12, 15)
    return draw.pick(_ADDRESS_COUNTS)


def pick_city(position: int, draw: Draw) -> City:
    if position % 29 == 6:
        return draw.pick(CITIES_LONG)
    if position % 43 == 11:
        return draw.pick(UNKNOWN_TAX_CITIES)
    roll = draw.random()
    if roll < 0.6:
        return draw.pick(CITIES_US)
    if roll < 0.85:
        return draw.pick(CITIES_CA)
    return draw.pick(CITIES_WORLD)


def fill_pattern(pattern: str, draw: Draw) -> str:
    out = []
    for ch in pattern:
        if ch == "#":
            ch = "0123456789"[int(draw.random() * 10)]
        elif ch == "A":
            ch = "ABCEGHJKLMNPRSTVWXYZ"[int(draw.random() * 20)]
        out.append(ch)
    return "".join(out)


def make_address(
    address_id: int, stamp: int, city: City, names: tuple, draw: Draw, long_street: bool = False
) -> Address:
    street = draw.pick(STREETS_LONG) if long_street else f"{draw.between(1, 9999)} {draw.pick(STREETS)}"
    phone = None
    roll = draw.random()
    if roll < 0.4:
        phone = f"{city.area_code}-555-{draw.between(0, 9999):04d}"
    elif roll < 0.7:
        phone = f"{COUNTRIES[city.country].phone_prefix}{city.area_code}5550{draw.between(100, 999)}"
    return Address(
        address_id,
        stamp,
        first_name=names[0],
        last_name=names[1],
        company=draw.pick(COMPANIES),
        address1=street,
        address2=draw.pick(ADDRESS2),
        city=city.name,
        province_code=city.province,
        country_code=city.country,
        zip=fill_pattern(city.zip_pattern, draw) or None,
        phone=phone,
    )


def _email_consent(created: int, draw: Draw) -> dict:
    state = draw.pick(_EMAIL_STATES)
    subscribed = state != "not_subscribed"
    return {
        "state": state,
        "opt_in_level": "single_opt_in" if subscribed else None,
        "consent_updated_at": created if subscribed else None,
    }


def _sms_consent(created: int, draw: Draw) -> dict:
    subscribed = draw.chance(0.2)
    return {
        "state": "subscribed" if subscribed else "not_subscribed",
        "opt_in_level": "single_opt_in",
        "consent_updated_at": created if subscribed else None,
        "consent_collected_from": "OTHER",
    }
