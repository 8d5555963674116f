import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_client.mapping import LookupMissing, LookupTables, RecordMappingError, compile_mapping
from agent_client.mapping.templates import (
    ADDRESS_UPDATE_ROWS,
    CUSTOMER_ADD_ROWS,
    CUSTOMER_FIELDS,
    CUSTOMER_UPDATE_ROWS,
    DEFAULT_LOOKUP_TABLES,
    SHIPTO_FIELDS,
    SHIPTO_ROWS,
    customer_number_expression,
)

TABLES = LookupTables(DEFAULT_LOOKUP_TABLES)
ADD = compile_mapping(CUSTOMER_ADD_ROWS)
ADDRESS = compile_mapping(ADDRESS_UPDATE_ROWS)

ALICE = {
    "id": 7001234567890,
    "email": "Alice.Martin@Example.COM",
    "first_name": "Alice",
    "last_name": "Martin",
    "phone": "+14165550101",
    "state": "enabled",
    "default_address": {
        "id": 9001,
        "company": "Martin Bakery",
        "address1": "12 King St W",
        "address2": "Unit 4",
        "city": "Toronto",
        "province_code": "ON",
        "country_code": "CA",
        "country": "Canada",
        "zip": "M5H 1A1",
        "phone": "+14165550199",
    },
}
# No names, no phone, no address: falls back to the email everywhere.
BOB = {"id": 7001234567891, "email": "bob@example.com", "first_name": None, "last_name": None,
       "phone": None, "state": "disabled"}  # fmt: skip
# Only a last name, an address in a province with no Tax row and a country with no Country row.
CHARLIE = {
    "id": 6999999999999,
    "email": None,
    "first_name": "",
    "last_name": "Okonkwo-Bartholomew",
    "phone": None,
    "state": "invited",
    "default_address": {"company": None, "province_code": "WA", "country_code": "NG", "country": "Nigeria",
                        "phone": "+2348000000", "city": None},
}  # fmt: skip


def test_it_ships_exactly_the_mapping_md_expressions():
    assert [(r.target, r.expression) for r in CUSTOMER_ADD_ROWS] == [
        ("CustomerNumber", '"SH" + upper(base36(id))'),
        ("CustomerName", 'coalesce(trim(first_name + " " + last_name), default_address.company, email)'),
        ("ShortName", "left(coalesce(first_name, last_name, email), 10)"),
        ("GroupCode", 'lookup("Customer Group", "default")'),
        ("TaxGroup", 'lookup("Tax", default_address.province_code, lookup("Tax", "default"))'),
        ("Email", "lower(email)"),
        ("PhoneNumber", "coalesce(phone, default_address.phone)"),
        ("WebSite", 'lookup("Website", "default")'),
        ("Status", '"Inactive" if state == "disabled" else "Active"'),
    ]
    assert [r.target for r in CUSTOMER_UPDATE_ROWS] == [r.target for r in CUSTOMER_ADD_ROWS][1:]
    assert [(r.target, r.expression) for r in ADDRESS_UPDATE_ROWS] == [
        ("AddressLine1", "default_address.address1"),
        ("AddressLine2", "default_address.address2"),
        ("AddressLine3", "default_address.company"),
        ("City", "default_address.city"),
        ("StateProvince", "default_address.province_code"),
        ("ZipPostalCode", "default_address.zip"),
        ("Country", 'lookup("Country", default_address.country_code, default_address.country)'),
    ]
    limits = {r.target: (r.max_length, r.required) for r in CUSTOMER_ADD_ROWS}
    assert limits == {
        "CustomerNumber": (12, True), "CustomerName": (60, False), "ShortName": (10, False),
        "GroupCode": (6, True), "TaxGroup": (12, False), "Email": (50, False), "PhoneNumber": (30, False),
        "WebSite": (100, False), "Status": (None, False),
    }  # fmt: skip
    assert {f.name: f.max_length for f in CUSTOMER_FIELDS}["ZipPostalCode"] == 20
    assert {f.name: f.max_length for f in SHIPTO_FIELDS}["ShipToLocationKey"] == 6


def test_it_maps_alice():
    result = ADD.apply(ALICE, TABLES)
    assert result.output == {
        "CustomerNumber": "SH2HCBMAMKY",
        "CustomerName": "Alice Martin",
        "ShortName": "Alice",
        "GroupCode": "100",
        "TaxGroup": "ONTARIO",
        "Email": "alice.martin@example.com",
        "PhoneNumber": "+14165550101",
        "WebSite": "1",
        "Status": "Active",
    }
    assert result.warnings == []
    assert ADDRESS.apply(ALICE, TABLES).output == {
        "AddressLine1": "12 King St W",
        "AddressLine2": "Unit 4",
        "AddressLine3": "Martin Bakery",
        "City": "Toronto",
        "StateProvince": "ON",
        "ZipPostalCode": "M5H 1A1",
        "Country": "Canada",
    }


def test_it_maps_bob_without_names_or_address():
    result = ADD.apply(BOB, TABLES)
    assert result.output == {
        "CustomerNumber": "SH2HCBMAMKZ",
        "CustomerName": "bob@example.com",
        "ShortName": "bob@exampl",
        "GroupCode": "100",
        "TaxGroup": "CALIF",
        "Email": "bob@example.com",
        "PhoneNumber": None,
        "WebSite": "1",
        "Status": "Inactive",
    }
    assert result.warnings == []
    assert set(ADDRESS.apply(BOB, TABLES).output.values()) == {None}


def test_it_maps_charlie_with_unknown_province_and_country():
    result = ADD.apply(CHARLIE, TABLES)
    assert result.output["CustomerName"] == "Okonkwo-Bartholomew"
    assert result.output["ShortName"] == "Okonkwo-Ba"  # coalesce skips the empty first name
    assert result.output["TaxGroup"] == "CALIF"
    assert result.output["Email"] is None
    assert result.output["PhoneNumber"] == "+2348000000"
    assert result.output["Status"] == "Active"
    assert ADDRESS.apply(CHARLIE, TABLES).output["Country"] == "Nigeria"


def test_it_warns_when_a_template_value_is_cut():
    long_name = dict(ALICE, first_name="Maximiliana-Josephina-Theodora", last_name="Wittelsbach-" + "x" * 30)
    result = ADD.apply(long_name, TABLES)
    assert len(result.output["CustomerName"]) == 60
    assert result.output["ShortName"] == "Maximilian"
    assert [str(w) for w in result.warnings] == ["CustomerName was cut to 60 characters (it had 73)"]


def test_it_fails_the_customer_when_the_group_table_lost_its_default():
    tables = LookupTables(dict(DEFAULT_LOOKUP_TABLES, **{"Customer Group": {"rows": {}, "default": None}}))
    with pytest.raises(LookupMissing) as caught:
        ADD.apply(ALICE, tables)
    assert (
        str(caught.value)
        == 'GroupCode: lookup table "Customer Group" has no row for "default" and no default'
    )


def test_it_fails_the_customer_when_group_code_maps_to_empty():
    tables = LookupTables(dict(DEFAULT_LOOKUP_TABLES, **{"Customer Group": {"rows": {"default": ""}}}))
    with pytest.raises(RecordMappingError, match="^GroupCode is required but empty$"):
        ADD.apply(ALICE, tables)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=10**12, max_value=10**13 - 1), st.integers(min_value=1, max_value=999))
def test_customer_numbers_fit_and_never_collide(shopify_id, offset):
    number = ADD.apply(dict(BOB, id=shopify_id), TABLES).output["CustomerNumber"]
    assert len(number) <= 12 and number.startswith("SH") and number.isupper()
    assert int(number[2:], 36) == shopify_id
    # Two ids sharing their first 10 digits still get different numbers.
    other = shopify_id - offset if shopify_id - offset >= 10**12 else shopify_id + offset
    assert ADD.apply(dict(BOB, id=other), TABLES).output["CustomerNumber"] != number


def test_it_accepts_a_shopify_id_given_as_text():
    assert ADD.apply(dict(BOB, id="7001234567891"), TABLES).output["CustomerNumber"] == "SH2HCBMAMKZ"


def test_it_builds_the_customer_number_with_another_prefix():
    rows = [row for row in CUSTOMER_ADD_ROWS if row.target == "CustomerNumber"]
    assert customer_number_expression('W"1') == '"W\\"1" + upper(base36(id))'
    mapping = compile_mapping([type(rows[0])("CustomerNumber", customer_number_expression("WEB"), 12, True)])
    assert mapping.apply(ALICE, TABLES).output == {"CustomerNumber": "WEB2HCBMAMKY"}


def test_it_maps_a_ship_to_address():
    address = {"id": 9002, "address1": "1 Rue X", "address2": None, "city": "Montréal", "province_code": "QC",
               "zip": "H2X 1Y4", "country_code": "CA", "country": "Canada", "phone": "+15145550000"}  # fmt: skip
    result = compile_mapping(SHIPTO_ROWS).apply(address, TABLES)
    assert result.output == {
        "Description": "Shopify address 9002",
        "AddressLine1": "1 Rue X",
        "AddressLine2": None,
        "City": "Montréal",
        "StateProvince": "QC",
        "ZipPostalCode": "H2X 1Y4",
        "Country": "Canada",
        "PhoneNumber": "+15145550000",
        "Status": "Active",
    }


def test_default_tables_cover_the_templates():
    for rows in (CUSTOMER_ADD_ROWS, ADDRESS_UPDATE_ROWS, SHIPTO_ROWS):
        assert set(compile_mapping(rows).referenced_lookups()) <= set(DEFAULT_LOOKUP_TABLES)
    assert TABLES.lookup("Country", "GB") == "United Kingdom"
    assert TABLES.lookup("Tax", "QC") == "QUEBEC"
