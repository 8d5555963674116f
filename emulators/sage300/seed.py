"""Sample data a fresh company starts with, shaped like Sage's SAMINC sample company.

Customer group "100" is Ferry's default lookup (MAPPING.md: Customer Group default → 100), so
Customer Add works against a fresh emulator without setup. Seeding is not an API write: it
leaves the change log alone.
"""

from __future__ import annotations

from datetime import date

from .entities import CUSTOMER_GROUPS, CUSTOMERS, SHIP_TO_LOCATIONS, TAX_GROUPS
from .schema import Entity
from .store import Company

# The date the sample records were last maintained: fixed, so a test can tell them from its own writes.
SAMPLE_DATE = date(2024, 1, 15)

# The account sets a group may name, with the currency a customer takes from it.
ACCOUNT_SET_CURRENCIES = {"USA": "USD", "CAN": "CAD", "INT": "USD"}

SALES_TAX_GROUPS = [
    ("CALIF", "California Tax Group", "USD"),
    ("NY", "New York Tax Group", "USD"),
    ("TX", "Texas Tax Group", "USD"),
    ("USDTAX", "U.S. Tax Group", "USD"),
    ("EXEMPT", "Tax Exempt", "USD"),
    ("ONTARIO", "Ontario Tax Group", "CAD"),
    ("QUEBEC", "Quebec Tax Group", "CAD"),
    ("BC", "British Columbia Tax Group", "CAD"),
]
# A purchases-only group: naming it on a customer must fail, as Sage only offers sales groups.
PURCHASE_TAX_GROUPS = [("PURCH", "Purchases Tax Group", "USD")]

CUSTOMER_GROUPS_SAMPLE = [
    {"GroupCode": "100", "Description": "Default customers", "AccountSet": "USA", "TaxGroup": "CALIF"},
    {"GroupCode": "RTL", "Description": "Retail", "AccountSet": "USA", "TaxGroup": "CALIF"},
    {
        "GroupCode": "WHL",
        "Description": "Wholesale",
        "AccountSet": "USA",
        "TaxGroup": "USDTAX",
        "AccountType": "BalanceForward",
    },
    {"GroupCode": "INT", "Description": "International", "AccountSet": "INT", "TaxGroup": "EXEMPT"},
]

CUSTOMERS_SAMPLE = [
    {
        "CustomerNumber": "1100",
        "ShortName": "Bargain",
        "GroupCode": "RTL",
        "CustomerName": "Bargain Mart - San Diego",
        "AddressLine1": "1201 Market Street",
        "City": "San Diego",
        "StateProvince": "CA",
        "ZipPostalCode": "92101",
        "Country": "USA",
        "PhoneNumber": "6195550199",
        "Email": "orders@bargainmart.example",
    },
    {
        "CustomerNumber": "1105",
        "ShortName": "Bargain",
        "GroupCode": "RTL",
        "CustomerName": "Bargain Mart - Seattle",
        "City": "Seattle",
        "StateProvince": "WA",
        "Country": "USA",
    },
    {
        "CustomerNumber": "1200",
        "ShortName": "Black",
        "GroupCode": "WHL",
        "CustomerName": "Mr. Ronald Black",
        "AddressLine1": "44 Spadina Avenue",
        "City": "Toronto",
        "StateProvince": "ON",
        "ZipPostalCode": "M5V 2H8",
        "Country": "Canada",
        "TaxGroup": "ONTARIO",
    },
    {
        "CustomerNumber": "1210",
        "ShortName": "Jack's",
        "GroupCode": "WHL",
        "CustomerName": "Jack's Electrical Contracting",
        "City": "Vancouver",
        "StateProvince": "BC",
        "Country": "Canada",
        "TaxGroup": "BC",
        "Status": "Inactive",
    },
]

SHIP_TOS_SAMPLE = [
    {"CustomerNumber": "1100", "ShipToLocationKey": "WARE", "Description": "Warehouse", "City": "San Diego"},
    {
        "CustomerNumber": "1200",
        "ShipToLocationKey": "OFFICE",
        "Description": "Head office",
        "City": "Toronto",
    },
]


def _row(entity: Entity, values: dict, today: date, company: Company) -> dict:
    row = entity.template()
    row.update(values)
    if "DateLastMaintained" in row:
        row["DateLastMaintained"] = today
    if "Database" in row:
        row["Database"] = company.name
    return row


def tax_group_add(
    company: Company,
    code: str,
    description: str = "",
    *,
    currency: str = "USD",
    transaction_type: str = "Sales",
    today: date,
) -> None:
    values = {
        "TaxGroup": code,
        "TransactionType": transaction_type,
        "Description": description or code,
        "TaxCurrency": currency,
        "LastMaintained": today,
        "TaxAuthority1": code[:12],
        "Taxable1": "Yes",
    }
    row = _row(TAX_GROUPS, values, today, company)
    company.table(TAX_GROUPS)[TAX_GROUPS.key_of(row)] = row


def customer_group_add(company: Company, values: dict, today: date) -> None:
    defaults = {"BillingCycle": "BILLMT", "InterestProfile": "INTRTL", "Terms": "N30", "RateType": "SP"}
    row = _row(CUSTOMER_GROUPS, {**defaults, **values}, today, company)
    company.table(CUSTOMER_GROUPS)[CUSTOMER_GROUPS.key_of(row)] = row


def customer_add(company: Company, values: dict, today: date) -> dict:
    """A customer with its group's defaults, as the view would have created it."""
    group = company.table(CUSTOMER_GROUPS).get((values["GroupCode"],), {})
    inherited = {
        name: group[name]
        for name in (
            "AccountSet",
            "BillingCycle",
            "InterestProfile",
            "Terms",
            "RateType",
            "TaxGroup",
            "AccountType",
        )
        if name in group
    }
    currency = ACCOUNT_SET_CURRENCIES.get(inherited.get("AccountSet", ""), "")
    row = _row(
        CUSTOMERS, {**inherited, "CurrencyCode": currency, "StartDate": today, **values}, today, company
    )
    if row["Status"] == "Inactive":
        row["InactiveDate"] = today
    company.table(CUSTOMERS)[(row["CustomerNumber"],)] = row
    return row


def ship_to_add(company: Company, values: dict, today: date) -> None:
    row = _row(SHIP_TO_LOCATIONS, values, today, company)
    company.table(SHIP_TO_LOCATIONS)[SHIP_TO_LOCATIONS.key_of(row)] = row


def company_seed(company: Company, *, today: date = SAMPLE_DATE, sample_customers: bool = True) -> None:
    for code, description, currency in SALES_TAX_GROUPS:
        tax_group_add(company, code, description, currency=currency, today=today)
    for code, description, currency in PURCHASE_TAX_GROUPS:
        tax_group_add(
            company, code, description, currency=currency, transaction_type="Purchases", today=today
        )
    for values in CUSTOMER_GROUPS_SAMPLE:
        customer_group_add(company, values, today)
    if sample_customers:
        for values in CUSTOMERS_SAMPLE:
            customer_add(company, values, today)
        for values in SHIP_TOS_SAMPLE:
            ship_to_add(company, values, today)


def customers_generate(company: Company, count: int, *, today: date, group: str = "100") -> list[str]:
    """`count` plain customers numbered after the highest `CUST…` number already there."""
    table = company.table(CUSTOMERS)
    taken = [int(key[0][4:]) for key in table if key[0].startswith("CUST") and key[0][4:].isdigit()]
    start = max(taken, default=0) + 1
    numbers = []
    for index in range(start, start + count):
        number = f"CUST{index:06d}"
        customer_add(
            company,
            {
                "CustomerNumber": number,
                "ShortName": f"C{index}"[:10],
                "GroupCode": group,
                "CustomerName": f"Customer {index}",
                "Email": f"customer{index}@example.com",
            },
            today,
        )
        numbers.append(number)
    return numbers
