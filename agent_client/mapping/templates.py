"""The Shopify → Sage 300 customer templates of MAPPING.md, as data.

- `CUSTOMER_FIELDS`: the Sage 300 `AR/ARCustomers` fields the templates write, with their
  maximum length, required flag and allowed values.
- `CUSTOMER_ADD_ROWS`, `CUSTOMER_UPDATE_ROWS` (all but CustomerNumber), `ADDRESS_UPDATE_ROWS`:
  the default rows, mapping a Shopify customer record.
- `SHIPTO_FIELDS`, `SHIPTO_ROWS`: `ARShipToLocations`. These rows map ONE Shopify address
  (`address1`, `city`, `province_code`, `country_code`, `id`...), so the runner applies them to
  each non-default address of a customer as it is. `ShipToLocationKey` is not mapped: the
  runner allocates it once per Shopify address id (S00001, S00002...) and keeps it in the
  cross-reference; a removed address is set `Inactive` by the runner, not by the mapping.
- `DEFAULT_LOOKUP_TABLES`: the lookup tables the templates use, in the `LookupTables` shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .compiler import MappingRow
from .nodes import quote

STATUSES = ("Active", "Inactive")


@dataclass(frozen=True)
class SageField:
    name: str
    max_length: int | None
    required: bool = False
    choices: tuple[str, ...] | None = None


CUSTOMER_FIELDS: list[SageField] = [
    SageField("CustomerNumber", 12, required=True),
    SageField("CustomerName", 60),
    SageField("ShortName", 10),
    SageField("GroupCode", 6, required=True),
    SageField("TaxGroup", 12),
    SageField("Email", 50),
    SageField("PhoneNumber", 30),
    SageField("WebSite", 100),
    SageField("Status", None, choices=STATUSES),
    SageField("AddressLine1", 60),
    SageField("AddressLine2", 60),
    SageField("AddressLine3", 60),
    SageField("City", 30),
    SageField("StateProvince", 30),
    SageField("ZipPostalCode", 20),
    SageField("Country", 30),
]

SHIPTO_FIELDS: list[SageField] = [
    SageField("ShipToLocationKey", 6, required=True),
    SageField("Description", 60),
    SageField("AddressLine1", 60),
    SageField("AddressLine2", 60),
    SageField("City", 30),
    SageField("StateProvince", 30),
    SageField("ZipPostalCode", 20),
    SageField("Country", 30),
    SageField("PhoneNumber", 30),
    SageField("Status", None, choices=STATUSES),
]

# The customer number prefix is a node option; "SH" is its default.
DEFAULT_CUSTOMER_PREFIX = "SH"


def customer_number_expression(prefix: str = DEFAULT_CUSTOMER_PREFIX) -> str:
    """`"SH" + upper(base36(id))` with another prefix. A 13-digit Shopify id needs 9 base-36
    characters, so a prefix of up to 3 characters fits CustomerNumber's 12."""
    return f"{quote(prefix)} + upper(base36(id))"


def _rows(fields: list[SageField], expressions: dict[str, str]) -> list[MappingRow]:
    by_name = {field.name: field for field in fields}
    return [
        MappingRow(
            target,
            expression,
            max_length=by_name[target].max_length,
            required=by_name[target].required,
            choices=by_name[target].choices,
        )
        for target, expression in expressions.items()
    ]


_CUSTOMER_EXPRESSIONS = {
    "CustomerNumber": customer_number_expression(),
    "CustomerName": 'coalesce(trim(first_name + " " + last_name), default_address.company, email)',
    "ShortName": "left(coalesce(first_name, last_name, email), 10)",
    "GroupCode": 'lookup("Customer Group", "default")',
    "TaxGroup": 'lookup("Tax", default_address.province_code, lookup("Tax", "default"))',
    "Email": "lower(email)",
    "PhoneNumber": "coalesce(phone, default_address.phone)",
    "WebSite": 'lookup("Website", "default")',
    "Status": '"Inactive" if state == "disabled" else "Active"',
}

CUSTOMER_ADD_ROWS: list[MappingRow] = _rows(CUSTOMER_FIELDS, _CUSTOMER_EXPRESSIONS)

CUSTOMER_UPDATE_ROWS: list[MappingRow] = [row for row in CUSTOMER_ADD_ROWS if row.target != "CustomerNumber"]

ADDRESS_UPDATE_ROWS: list[MappingRow] = _rows(
    CUSTOMER_FIELDS,
    {
        "AddressLine1": "default_address.address1",
        "AddressLine2": "default_address.address2",
        "AddressLine3": "default_address.company",
        "City": "default_address.city",
        "StateProvince": "default_address.province_code",
        "ZipPostalCode": "default_address.zip",
        "Country": 'lookup("Country", default_address.country_code, default_address.country)',
    },
)

SHIPTO_ROWS: list[MappingRow] = _rows(
    SHIPTO_FIELDS,
    {
        # "Shopify address <id>" lets the link to Shopify be rebuilt from Sage alone.
        "Description": '"Shopify address " + id',
        "AddressLine1": "address1",
        "AddressLine2": "address2",
        "City": "city",
        "StateProvince": "province_code",
        "ZipPostalCode": "zip",
        "Country": 'lookup("Country", country_code, country)',
        "PhoneNumber": "phone",
        "Status": '"Active"',
    },
)

DEFAULT_LOOKUP_TABLES: dict[str, dict[str, Any]] = {
    "Customer Group": {"rows": {}, "default": "100"},
    "Tax": {
        "rows": {
            "CA": "CALIF",
            "NY": "NY",
            "TX": "TX",
            "ON": "ONTARIO",
            "QC": "QUEBEC",
            "BC": "BC",
        },
        "default": "CALIF",
    },
    "Website": {"rows": {}, "default": "1"},
    "Country": {
        "rows": {
            "US": "United States",
            "CA": "Canada",
            "MX": "Mexico",
            "GB": "United Kingdom",
            "IE": "Ireland",
            "FR": "France",
            "DE": "Germany",
            "ES": "Spain",
            "IT": "Italy",
            "NL": "Netherlands",
            "BE": "Belgium",
            "CH": "Switzerland",
            "SE": "Sweden",
            "AU": "Australia",
            "NZ": "New Zealand",
            "JP": "Japan",
            "CN": "China",
            "IN": "India",
            "BR": "Brazil",
        },
        "default": None,
    },
}
