"""GraphQL views of customers and addresses: attribute names are the schema's (camelCase) field names.

graphql-core's default resolver reads an attribute and, when it is a method, calls it with the field
arguments — so a view is the whole resolver for its type.
"""

from __future__ import annotations

import time
from typing import Any

from .clock import US, utc_time
from .customer_edits import EMAIL
from .geography import COUNTRIES
from .graphql_connections import connection, page_request
from .models import Address, Customer
from .pagination import Page, take_page


def _address_key(address: Address) -> tuple[int, int]:
    return (address.id, address.id)


# Shopify's MailingAddress gid carries the model name as a query string.
ADDRESS_GID = "gid://shopify/MailingAddress/{}?model_name=CustomerAddress"


def _consent_state(consent: dict | None, sms: bool) -> dict | None:
    if consent is None:
        return None
    level = consent["opt_in_level"]
    view = {
        "marketingState": consent["state"].upper(),
        "marketingOptInLevel": level.upper() if level else ("UNKNOWN" if sms else None),
        "consentUpdatedAt": utc_time(consent["consent_updated_at"])
        if consent["consent_updated_at"]
        else None,
    }
    if sms:
        view["consentCollectedFrom"] = consent.get("consent_collected_from")
    return view


class AddressView:
    typename = "MailingAddress"

    def __init__(self, address: Address) -> None:
        self._a = address
        self.id = ADDRESS_GID.format(address.id)
        self.address1, self.address2 = address.address1, address.address2
        self.city, self.company, self.zip, self.phone = (
            address.city,
            address.company,
            address.zip,
            address.phone,
        )
        self.firstName, self.lastName = address.first_name, address.last_name
        self.provinceCode, self.countryCodeV2 = address.province_code, address.country_code
        self.coordinatesValidated = False
        self.latitude = self.longitude = self.timeZone = self.validationResultSummary = None

    @property
    def country(self) -> str | None:
        country = COUNTRIES.get(self._a.country_code or "")
        return country.name if country else None

    @property
    def province(self) -> str | None:
        country = COUNTRIES.get(self._a.country_code or "")
        return country.provinces.get(self._a.province_code) if country and self._a.province_code else None

    @property
    def name(self) -> str:
        return " ".join(part for part in (self._a.first_name, self._a.last_name) if part)

    @property
    def formattedArea(self) -> str | None:
        parts = [self._a.city, self._a.province_code, self.country]
        return ", ".join(p for p in parts if p) or None

    def formatted(self, info: Any, withName: bool = False, withCompany: bool = True) -> list[str]:
        lines = [self.name] if withName and self.name else []
        if withCompany and self._a.company:
            lines.append(self._a.company)
        lines += [x for x in (self._a.address1, self._a.address2) if x]
        lines.append(" ".join(x for x in (self._a.city, self._a.province_code, self._a.zip) if x))
        return [line for line in lines if line] + ([self.country] if self.country else [])


class CustomerView:
    typename = "Customer"

    def __init__(self, customer: Customer) -> None:
        c = self._c = customer
        self.id = f"gid://shopify/Customer/{c.id}"
        self.legacyResourceId = str(c.id)
        self.email, self.phone, self.note = c.email, c.phone, c.note
        self.firstName, self.lastName = c.first_name, c.last_name
        self.multipassIdentifier = c.multipass_identifier
        self.verifiedEmail, self.taxExempt = bool(c.verified_email), bool(c.tax_exempt)
        self.taxExemptions = list(c.tax_exemptions)
        self.state = c.state.upper()
        self.numberOfOrders = str(c.orders_count)
        self.locale, self.dataSaleOptOut, self.productSubscriberStatus = "en", False, "NEVER_SUBSCRIBED"

    @property
    def displayName(self) -> str:
        name = " ".join(p for p in (self._c.first_name, self._c.last_name) if p)
        return name or self._c.email or self._c.phone or ""

    @property
    def validEmailAddress(self) -> bool:
        return bool(self._c.email and EMAIL.match(self._c.email))

    @property
    def tags(self) -> list[str]:
        return [t.strip() for t in (self._c.tags or "").split(",") if t.strip()]

    @property
    def createdAt(self) -> str:
        return utc_time(self._c.created_us)

    @property
    def updatedAt(self) -> str:
        return utc_time(self._c.updated_us)

    @property
    def amountSpent(self) -> dict:
        return {"amount": self._c.total_spent, "currencyCode": self._c.currency}

    @property
    def lastOrder(self) -> dict | None:
        if not self._c.last_order_id:
            return None
        return {"id": f"gid://shopify/Order/{self._c.last_order_id}", "name": self._c.last_order_name}

    @property
    def defaultAddress(self) -> AddressView | None:
        address = self._c.default_address()
        return AddressView(address) if address else None

    def addresses(self, info: Any, first: int | None = None) -> list[AddressView]:
        chosen = self._c.addresses if first is None else self._c.addresses[: max(first, 0)]
        return [AddressView(a) for a in chosen]

    def addressesV2(self, info: Any, first=None, after=None, last=None, before=None, reverse=False) -> dict:
        addresses = self._c.addresses[::-1] if reverse else self._c.addresses
        if info.context.get("bulk") is not None:  # a bulk query reads every address
            return connection(Page(addresses, False, False), _address_key, AddressView)
        size, cursor = page_request(first, after, last, before)

        def scan(backwards: bool, after_key):
            items = addresses[::-1] if backwards else addresses
            if after_key is None:
                return iter(items)
            position = next((i for i, a in enumerate(items) if a.id == after_key[1]), None)
            return iter(items[position + 1 :] if position is not None else [])

        page = take_page(scan, _address_key, size, cursor)
        info.context["returned"][tuple(info.path.as_list())] = len(page.items)
        return connection(page, _address_key, AddressView)

    @property
    def emailMarketingConsent(self) -> dict | None:
        return _consent_state(self._c.email_consent, sms=False)

    @property
    def smsMarketingConsent(self) -> dict | None:
        return _consent_state(self._c.sms_consent, sms=True)

    @property
    def lifetimeDuration(self) -> str:
        days = max(int(time.time() - self._c.created_us / US) // 86_400, 0)
        if days >= 365:
            years = round(days / 365)
            return f"about {years} year{'s' if years != 1 else ''}"
        if days >= 30:
            return f"{days // 30} month{'s' if days >= 60 else ''}"
        return f"{days} day{'s' if days != 1 else ''}"
