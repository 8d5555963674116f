"""Customers and their addresses, and how the REST API renders them.

A customer's REST JSON is rendered once and cached as bytes until the customer changes: listing pages
then only joins cached fragments, which is what lets the list endpoint serve tens of thousands of
customers per second.
"""

from __future__ import annotations

import json
from typing import Any

from .clock import shop_time
from .geography import COUNTRIES

# Shopify lists only this many (most recently updated) addresses inside the customer payload;
# `customers/{id}/addresses.json` lists them all.
PAYLOAD_ADDRESS_LIMIT = 10

ADDRESS_FIELDS = (
    "first_name", "last_name", "company", "address1", "address2", "city", "province_code", "country_code",
    "zip", "phone",
)  # fmt: skip


class Address:
    __slots__ = ("id", "updated_us", *ADDRESS_FIELDS)

    def __init__(self, id: int, updated_us: int, **fields: Any) -> None:
        self.id = id
        self.updated_us = updated_us
        for name in ADDRESS_FIELDS:
            setattr(self, name, fields.get(name))

    def to_rest(self, customer_id: int, default: bool) -> dict:
        country = COUNTRIES.get(self.country_code or "")
        country_name = country.name if country else None
        province = country.provinces.get(self.province_code) if country and self.province_code else None
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return {
            "id": self.id,
            "customer_id": customer_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "company": self.company,
            "address1": self.address1,
            "address2": self.address2,
            "city": self.city,
            "province": province,
            "country": country_name,
            "zip": self.zip,
            "phone": self.phone,
            "name": name,
            "province_code": self.province_code,
            "country_code": self.country_code,
            "country_name": country_name,
            "default": default,
        }


CUSTOMER_FIELDS = (
    "first_name", "last_name", "email", "phone", "state", "note", "verified_email", "multipass_identifier",
    "tax_exempt", "tax_exemptions", "tags", "orders_count", "total_spent", "last_order_id", "last_order_name",
    "currency", "email_consent", "sms_consent",
)  # fmt: skip


class Customer:
    """One customer. `email_consent`/`sms_consent` are dicts whose `consent_updated_at` is in microseconds."""

    __slots__ = (
        "id",
        "created_us",
        "updated_us",
        "addresses",
        "default_address_id",
        "_json",
        *CUSTOMER_FIELDS,
    )

    def __init__(self, id: int, created_us: int, updated_us: int, **fields: Any) -> None:
        self.id = id
        self.created_us = created_us
        self.updated_us = updated_us
        self.addresses: list[Address] = []
        self.default_address_id: int | None = None
        self._json: bytes | None = None
        for name in CUSTOMER_FIELDS:
            setattr(self, name, fields.get(name))

    def invalidate(self) -> None:
        self._json = None

    def address(self, address_id: int) -> Address | None:
        return next((a for a in self.addresses if a.id == address_id), None)

    def default_address(self) -> Address | None:
        return self.address(self.default_address_id) if self.default_address_id else None

    def payload_addresses(self) -> list[Address]:
        """The ten most recently updated addresses, listed by id like the full list."""
        if len(self.addresses) <= PAYLOAD_ADDRESS_LIMIT:
            return self.addresses
        recent = sorted(self.addresses, key=lambda a: a.updated_us, reverse=True)[:PAYLOAD_ADDRESS_LIMIT]
        return sorted(recent, key=lambda a: a.id)

    def address_to_rest(self, address: Address) -> dict:
        return address.to_rest(self.id, address.id == self.default_address_id)

    def to_rest(self) -> dict:
        default = self.default_address()
        return {
            "id": self.id,
            "email": self.email,
            "created_at": shop_time(self.created_us),
            "updated_at": shop_time(self.updated_us),
            "first_name": self.first_name,
            "last_name": self.last_name,
            "orders_count": self.orders_count,
            "state": self.state,
            "total_spent": self.total_spent,
            "last_order_id": self.last_order_id,
            "note": self.note,
            "verified_email": self.verified_email,
            "multipass_identifier": self.multipass_identifier,
            "tax_exempt": self.tax_exempt,
            "tags": self.tags,
            "last_order_name": self.last_order_name,
            "currency": self.currency,
            "phone": self.phone,
            "addresses": [self.address_to_rest(a) for a in self.payload_addresses()],
            "tax_exemptions": list(self.tax_exemptions),
            "email_marketing_consent": _consent(self.email_consent),
            "sms_marketing_consent": _consent(self.sms_consent),
            "admin_graphql_api_id": f"gid://shopify/Customer/{self.id}",
            "default_address": self.address_to_rest(default) if default else None,
        }

    def rest_json(self) -> bytes:
        if self._json is None:
            self._json = dump(self.to_rest())
        return self._json


def _consent(consent: dict | None) -> dict | None:
    if consent is None:
        return None
    updated = consent["consent_updated_at"]
    return {**consent, "consent_updated_at": shop_time(updated) if updated else None}


def dump(value: Any) -> bytes:
    """Compact JSON with non-ASCII escaped, as in Shopify's documented payloads (`"L\\u00e9on"`)."""
    return json.dumps(value, separators=(",", ":")).encode()
