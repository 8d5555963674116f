"""`$metadata` and the "A/R Customers" HTML screens."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import requests

EDMX = "{http://docs.oasis-open.org/odata/ns/edmx}"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
MODELS = "Sage.CA.SBS.ERP.Sage300.AR.WebApi.Models"


def test_it_serves_ar_metadata_as_csdl_with_sets_and_keys(sage):
    response = sage.get("$metadata")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml"
    root = ET.fromstring(response.content)  # noqa: S314 - produced by the emulator under test
    assert (root.tag, root.get("Version")) == (f"{EDMX}Edmx", "4.0")
    schemas = {schema.get("Namespace"): schema for schema in root.iter(f"{EDM}Schema")}
    assert set(schemas) == {MODELS, "Default"}
    sets = {
        entity_set.get("Name"): entity_set.get("EntityType")
        for entity_set in schemas["Default"].find(f"{EDM}EntityContainer[@Name='Container']")
    }
    assert sets == {
        "ARCustomers": f"{MODELS}.Customer",
        "ARShipToLocations": f"{MODELS}.ShipToLocation",
        "ARCustomerGroups": f"{MODELS}.CustomerGroup",
    }
    keys = {
        entity.get("Name"): [ref.get("Name") for ref in entity.find(f"{EDM}Key")]
        for entity in schemas[MODELS].iter(f"{EDM}EntityType")
    }
    assert keys == {
        "Customer": ["CustomerNumber"],
        "ShipToLocation": ["CustomerNumber", "ShipToLocationKey"],
        "CustomerGroup": ["GroupCode"],
    }
    customer = schemas[MODELS].find(f"{EDM}EntityType[@Name='Customer']")
    name = customer.find(f"{EDM}Property[@Name='CustomerName']")
    assert (name.get("Type"), name.get("MaxLength")) == ("Edm.String", "60")
    number = customer.find(f"{EDM}Property[@Name='CustomerNumber']")
    assert (number.get("Nullable"), number.get("MaxLength")) == ("false", "12")
    assert customer.find(f"{EDM}Property[@Name='Status']").get("Type") == f"{MODELS}.StatusEnum"
    members = [m.get("Name") for m in schemas[MODELS].find(f"{EDM}EnumType[@Name='StatusEnum']")]
    assert members == ["Inactive", "Active"]
    details = customer.find(f"{EDM}Property[@Name='CustomerOptionalFieldValues']")
    assert details.get("Type") == f"Collection({MODELS}.CustomerOptionalFieldValue)"


def test_it_serves_tx_metadata_with_the_composite_tax_group_key(sage):
    response = sage.session.get(sage.url + "/Sage300WebApi/v1.0/-/SAMINC/TX/$metadata", timeout=10)
    root = ET.fromstring(response.content)  # noqa: S314 - produced by the emulator under test
    entity = next(root.iter(f"{EDM}EntityType"))
    assert [ref.get("Name") for ref in entity.find(f"{EDM}Key")] == ["TaxGroup", "TransactionType"]


def test_it_lists_customers_with_search_and_paging(sage):
    sage.control("seed", {"company": "SAMINC", "customers": 60})
    page = requests.get(sage.url + "/ui/SAMINC/customers", timeout=10)
    assert page.status_code == 200
    assert "<title>A/R Customers — SAMINC</title>" in page.text
    assert "64 customers &middot; page 1 of 2" in page.text
    assert "Bargain Mart - San Diego" in page.text
    assert "Next &raquo;" in page.text
    second = requests.get(sage.url + "/ui/SAMINC/customers?page=2", timeout=10).text
    assert "CUST000060" in second
    found = requests.get(sage.url + "/ui/SAMINC/customers", params={"q": "seattle"}, timeout=10).text
    assert "1 customers &middot; page 1 of 1" in found
    assert "Bargain Mart - Seattle" in found


def test_it_shows_a_customer_with_its_ship_to_locations(sage):
    sage.patch("ARShipToLocations('1200','OFFICE')", {"Status": "Inactive"})
    sage.post(
        "ARShipToLocations",
        {
            "CustomerNumber": "1200",
            "ShipToLocationKey": "S00001",
            "Description": "Shopify address <7>",
            "City": "Ottawa",
        },
    )
    page = requests.get(sage.url + "/ui/SAMINC/customers/1200", timeout=10)
    assert page.status_code == 200
    assert "Mr. Ronald Black" in page.text
    assert "Ship-To Locations (2)" in page.text
    assert "<tr class='inactive'><td>OFFICE</td><td>Head office</td><td>Inactive</td>" in page.text
    assert "<td>S00001</td><td>Shopify address &lt;7&gt;</td><td>Active</td>" in page.text
    missing = requests.get(sage.url + "/ui/SAMINC/customers/NOPE", timeout=10)
    assert missing.status_code == 404
    assert "Customer NOPE does not exist." in missing.text


def test_it_links_the_home_page_to_each_company(sage):
    page = requests.get(sage.url + "/Sage300WebApi", timeout=10)
    assert page.url == sage.url + "/"
    assert "<a href='/ui/SAMINC/customers'>SAMINC &mdash; A/R Customers</a> (4 customers)" in page.text
    assert "<a href='/ui/SAMLTD/customers'>SAMLTD &mdash; A/R Customers</a>" in page.text
