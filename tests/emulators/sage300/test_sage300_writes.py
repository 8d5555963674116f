"""POST, PATCH, PUT, DELETE and $template on ARCustomers, ARShipToLocations and ARCustomerGroups."""

from __future__ import annotations

import pytest

from emulators.sage300.entities import CUSTOMERS

FERRY_CUSTOMER = {
    "CustomerNumber": "SH1A2B3C4D5",
    "CustomerName": "Ann Example",
    "ShortName": "Ann",
    "GroupCode": "100",
    "TaxGroup": "ONTARIO",
    "Email": "ann@example.com",
    "PhoneNumber": "+1 416 555 0100",
    "WebSite": "1",
    "Status": "Active",
}


DEFAULTED_ON_CREATE = (
    "AccountSet",
    "CurrencyCode",
    "Terms",
    "BillingCycle",
    "InactiveDate",
    "DateLastMaintained",
    "StartDate",
    "OnHold",
    "AccountType",
    "CustomerOptionalFieldValues",
    "UpdateOperation",
    "Database",
    "CreditLimitCustomerCurrency",
    "DateOfLastInvoice",
)
TEMPLATE_SAMPLE = (
    "CustomerNumber",
    "GroupCode",
    "Status",
    "PrintStatements",
    "StartDate",
    "DateLastMaintained",
    "CheckLanguage",
    "TaxClassCode1",
)


@pytest.fixture
def dated(sage):
    sage.control("settings", {"today": "2025-01-02"})
    return sage


def test_it_creates_a_customer_and_returns_the_full_entity(dated):
    response = dated.post("ARCustomers", FERRY_CUSTOMER)
    assert response.status_code == 201
    assert response.headers["Location"] == f"{dated.api}ARCustomers('SH1A2B3C4D5')"
    body = response.json()
    assert set(body) == {"@odata.context", *CUSTOMERS.fields}
    assert body["@odata.context"] == f"{dated.api}$metadata#ARCustomers/$entity"
    assert {name: body[name] for name in FERRY_CUSTOMER} == FERRY_CUSTOMER
    defaulted = {name: body[name] for name in DEFAULTED_ON_CREATE}
    assert defaulted == {
        "AccountSet": "USA",
        "CurrencyCode": "USD",
        "Terms": "N30",
        "BillingCycle": "BILLMT",
        "InactiveDate": None,
        "DateLastMaintained": "2025-01-02T00:00:00Z",
        "StartDate": "2025-01-02T00:00:00Z",
        "OnHold": "No",
        "AccountType": "OpenItem",
        "CustomerOptionalFieldValues": [],
        "UpdateOperation": "Unspecified",
        "Database": "SAMINC",
        "CreditLimitCustomerCurrency": 0,
        "DateOfLastInvoice": None,
    }
    assert dated.get("ARCustomers('SH1A2B3C4D5')").json() == body


def test_it_applies_properties_in_payload_order(sage):
    # GroupCode defaults the tax group; a TaxGroup sent before it is overwritten, after it wins.
    sage.post("ARCustomers", {"CustomerNumber": "A1", "TaxGroup": "NY", "GroupCode": "RTL"})
    sage.post("ARCustomers", {"CustomerNumber": "A2", "GroupCode": "RTL", "TaxGroup": "NY"})
    assert sage.get("ARCustomers('A1')").json()["TaxGroup"] == "CALIF"
    assert sage.get("ARCustomers('A2')").json()["TaxGroup"] == "NY"


def test_it_refuses_a_duplicate_customer(sage):
    assert sage.post("ARCustomers", FERRY_CUSTOMER).status_code == 201
    assert sage.error_of(sage.post("ARCustomers", FERRY_CUSTOMER)) == (
        409,
        "RecordDuplicate",
        "Record already exists.",
    )
    assert sage.control("changes", summary=1)["summary"]["SAMINC"]["ARCustomers"] == {
        "SH1A2B3C4D5": {"creates": 1, "updates": 0, "deletes": 0}
    }


def test_it_patches_moves_date_last_maintained_and_logs_each_update(dated):
    dated.post("ARCustomers", FERRY_CUSTOMER)
    dated.control("settings", {"today": "2025-01-05"})
    response = dated.patch(
        "ARCustomers('SH1A2B3C4D5')", {"CustomerName": "Ann B. Example", "City": "Toronto"}
    )
    assert (response.status_code, response.content) == (204, b"")
    assert "Content-Type" not in response.headers
    body = dated.get("ARCustomers('SH1A2B3C4D5')").json()
    assert (body["CustomerName"], body["City"], body["Email"]) == (
        "Ann B. Example",
        "Toronto",
        "ann@example.com",
    )
    assert body["DateLastMaintained"] == "2025-01-05T00:00:00Z"
    assert dated.patch("ARCustomers('SH1A2B3C4D5')", {"City": "Toronto"}).status_code == 204
    changes = dated.control("changes", entity="ARCustomers", key="SH1A2B3C4D5")["changes"]
    assert [(c["seq"], c["operation"], c["fields"]) for c in changes] == [
        (1, "create", list(FERRY_CUSTOMER)),
        (2, "update", ["CustomerName", "City"]),
        (3, "update", []),
    ]
    assert changes[1]["monotonic_ns"] < changes[2]["monotonic_ns"]
    assert changes[1]["at"].endswith("Z")
    summary = dated.control("changes", summary=1, entity="ARCustomers")["summary"]
    assert summary == {"SAMINC": {"ARCustomers": {"SH1A2B3C4D5": {"creates": 1, "updates": 2, "deletes": 0}}}}


def test_it_returns_the_entity_on_patch_when_the_client_prefers_it(sage):
    response = sage.patch(
        "ARCustomers('1100')", {"OnHold": "Yes"}, headers={"Prefer": "return=representation"}
    )
    assert response.status_code == 200
    assert response.json()["OnHold"] == "Yes"


def test_it_sets_inactive_date_when_status_turns_inactive(dated):
    dated.patch("ARCustomers('1100')", {"Status": "Inactive"})
    assert dated.get("ARCustomers('1100')").json()["InactiveDate"] == "2025-01-02T00:00:00Z"
    dated.patch("ARCustomers('1100')", {"Status": "Active"})
    assert dated.get("ARCustomers('1100')").json()["InactiveDate"] is None


def test_it_refuses_to_change_the_customer_number(sage):
    assert sage.error_of(sage.patch("ARCustomers('1100')", {"CustomerNumber": "9999"})) == (
        400,
        "InvalidPayload",
        "The key property 'CustomerNumber' cannot be changed: "
        "the payload has '9999' but the URL addresses '1100'.",
    )
    assert sage.patch("ARCustomers('1100')", {"CustomerNumber": "1100", "City": "X"}).status_code == 204


def test_it_answers_writes_to_a_missing_customer_with_record_not_found(sage):
    for response in (
        sage.patch("ARCustomers('NOPE')", {"City": "X"}),
        sage.put("ARCustomers('NOPE')", {"GroupCode": "RTL"}),
        sage.delete("ARCustomers('NOPE')"),
    ):
        assert sage.error_of(response)[:2] == (404, "RecordNotFound")


def test_it_replaces_on_put_and_resets_omitted_properties(sage):
    sage.post("ARCustomers", FERRY_CUSTOMER)
    response = sage.put("ARCustomers('SH1A2B3C4D5')", {"GroupCode": "WHL", "CustomerName": "Replaced"})
    assert (response.status_code, response.content) == (204, b"")
    body = sage.get("ARCustomers('SH1A2B3C4D5')").json()
    assert (body["CustomerName"], body["Email"], body["TaxGroup"], body["AccountType"]) == (
        "Replaced",
        "",
        "USDTAX",
        "BalanceForward",
    )
    assert sage.error_of(sage.put("ARCustomers('SH1A2B3C4D5')", {"CustomerName": "No group"})) == (
        409,
        "RecordInvalid",
        "Customer Group cannot be blank.",
    )
    assert (
        sage.control("changes", summary=1)["summary"]["SAMINC"]["ARCustomers"]["SH1A2B3C4D5"]["updates"] == 1
    )


def test_it_deletes_a_customer_with_its_ship_to_locations(sage):
    response = sage.delete("ARCustomers('1200')")
    assert (response.status_code, response.content) == (204, b"")
    assert sage.get("ARCustomers('1200')").status_code == 404
    assert sage.get("ARShipToLocations('1200','OFFICE')").status_code == 404
    operations = [(c["entity"], c["key"], c["operation"]) for c in sage.control("changes")["changes"]]
    assert operations == [("ARCustomers", "1200", "delete"), ("ARShipToLocations", "1200/OFFICE", "delete")]


@pytest.mark.parametrize("path", ["ARCustomers('$template')", "ARCustomers($template)"])
def test_it_returns_the_template_with_defaults(dated, path):
    response = dated.post(path, {})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"@odata.context", *CUSTOMERS.fields}
    assert {name: body[name] for name in TEMPLATE_SAMPLE} == {
        "CustomerNumber": "",
        "GroupCode": "",
        "Status": "Active",
        "PrintStatements": "Yes",
        "StartDate": "2025-01-02T00:00:00Z",
        "DateLastMaintained": None,
        "CheckLanguage": "ENG",
        "TaxClassCode1": 1,
    }
    assert dated.control("changes")["count"] == 0


def test_it_refuses_post_with_another_key(sage):
    assert sage.error_of(sage.post("ARCustomers('1100')", {}))[:2] == (400, "InvalidAction")


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"GroupCode": "NOPE"}, (409, "FieldInvalid", 'Customer Group "NOPE" does not exist.')),
        ({"GroupCode": "RTL", "TaxGroup": "XYZ"}, (409, "FieldInvalid", 'Tax Group "XYZ" does not exist.')),
        (
            {"GroupCode": "RTL", "TaxGroup": "PURCH"},
            (409, "FieldInvalid", 'Tax Group "PURCH" does not exist.'),
        ),
        (
            {"GroupCode": "RTL", "CustomerName": "x" * 61},
            (409, "FieldInvalid", "Customer Name is too long. The maximum length is 60 characters."),
        ),
        (
            {"GroupCode": "RTL", "ShortName": "Elevenchars"},
            (409, "FieldInvalid", "Short Name is too long. The maximum length is 10 characters."),
        ),
        ({"CustomerName": "No group"}, (409, "RecordInvalid", "Customer Group cannot be blank.")),
        (
            {"GroupCode": "RTL", "EmailAddress": "a@b.c"},
            (
                400,
                "InvalidPayload",
                "The property 'EmailAddress' does not exist on type "
                "'Sage.CA.SBS.ERP.Sage300.AR.WebApi.Models.Customer'. "
                "Make sure to only use property names that are defined by the type.",
            ),
        ),
        (
            {"GroupCode": "RTL", "Status": "Enabled"},
            (
                400,
                "InvalidPayload",
                "The value 'Enabled' of the property 'Status' is not a valid StatusEnum member; "
                "expected one of Inactive, Active.",
            ),
        ),
        (
            {"GroupCode": "RTL", "CreditLimitCustomerCurrency": "100"},
            (
                400,
                "InvalidPayload",
                "Cannot convert the literal '100' to the expected type 'Edm.Decimal' "
                "of the property 'CreditLimitCustomerCurrency'.",
            ),
        ),
    ],
)
def test_it_refuses_invalid_customers(sage, payload, error):
    assert sage.error_of(sage.post("ARCustomers", {"CustomerNumber": "BAD1", **payload})) == error
    assert sage.get("ARCustomers('BAD1')").status_code == 404


def test_it_refuses_a_customer_without_number_or_with_a_too_long_one(sage):
    assert sage.error_of(sage.post("ARCustomers", {"GroupCode": "RTL"})) == (
        409,
        "RecordInvalid",
        "Customer Number cannot be blank.",
    )
    assert sage.error_of(
        sage.post("ARCustomers", {"CustomerNumber": "SH1234567890X", "GroupCode": "RTL"})
    ) == (
        409,
        "FieldInvalid",
        "Customer Number is too long. The maximum length is 12 characters.",
    )


def test_it_refuses_bodies_that_are_not_one_json_object(sage):
    response = sage.session.post(sage.api + "ARCustomers", data="{not json", timeout=10)
    assert sage.error_of(response)[:2] == (400, "InvalidPayload")
    assert sage.error_of(sage.post("ARCustomers", [FERRY_CUSTOMER]))[:2] == (400, "InvalidPayload")


def test_it_trims_trailing_spaces_and_leaves_the_record_alone_on_a_refused_patch(sage):
    sage.patch("ARCustomers('1100')", {"City": "San Diego   "})
    assert sage.get("ARCustomers('1100')").json()["City"] == "San Diego"
    refused = sage.patch("ARCustomers('1100')", {"City": "Changed", "TaxGroup": "XYZ"})
    assert sage.error_of(refused)[:2] == (409, "FieldInvalid")
    assert sage.get("ARCustomers('1100')").json()["City"] == "San Diego"


def test_it_keeps_optional_field_values_by_update_operation(sage):
    path = "ARCustomers('1100')"
    sage.patch(path, {"CustomerOptionalFieldValues": [{"OptionalField": "UPSZONE", "Value": "RED"}]})
    sage.patch(
        path,
        {
            "CustomerOptionalFieldValues": [
                {"OptionalField": "WARN", "Value": "1", "UpdateOperation": "Insert"}
            ]
        },
    )
    sage.patch(
        path,
        {
            "CustomerOptionalFieldValues": [
                {"OptionalField": "UPSZONE", "Value": "BLUE", "UpdateOperation": "Update"}
            ]
        },
    )
    body = sage.get(path).json()
    values = [
        (row["CustomerNumber"], row["OptionalField"], row["Value"])
        for row in body["CustomerOptionalFieldValues"]
    ]
    assert values == [("1100", "UPSZONE", "BLUE"), ("1100", "WARN", "1")]
    assert body["NumberOfOptionalFields"] == 2
    refused = sage.patch(
        path, {"CustomerOptionalFieldValues": [{"OptionalField": "NOPE", "UpdateOperation": "Delete"}]}
    )
    assert sage.error_of(refused) == (409, "General", 'Optional field "NOPE" does not exist.')
    sage.patch(
        path, {"CustomerOptionalFieldValues": [{"OptionalField": "WARN", "UpdateOperation": "Delete"}]}
    )
    assert [row["OptionalField"] for row in sage.get(path).json()["CustomerOptionalFieldValues"]] == [
        "UPSZONE"
    ]
    # PUT purges the details the payload does not carry (DEVREF §8).
    sage.put(path, {"GroupCode": "RTL"})
    assert sage.get(path).json()["CustomerOptionalFieldValues"] == []


def test_it_creates_ship_to_locations_for_existing_customers_only(dated):
    dated.post("ARCustomers", FERRY_CUSTOMER)
    payload = {
        "CustomerNumber": "SH1A2B3C4D5",
        "ShipToLocationKey": "S00001",
        "Description": "Shopify address 11",
    }
    response = dated.post("ARShipToLocations", payload)
    assert response.status_code == 201
    body = response.json()
    assert body["@odata.context"] == f"{dated.api}$metadata#ARShipToLocations/$entity"
    assert (body["TaxGroup"], body["Status"], body["PrimaryShipToIndicator"], body["DateLastMaintained"]) == (
        "ONTARIO",
        "Active",
        "No",
        "2025-01-02T00:00:00Z",
    )
    assert response.headers["Location"] == (
        f"{dated.api}ARShipToLocations(CustomerNumber='SH1A2B3C4D5',ShipToLocationKey='S00001')"
    )
    missing = dated.post("ARShipToLocations", {**payload, "CustomerNumber": "SHNOPE"})
    assert dated.error_of(missing) == (409, "General", 'Customer "SHNOPE" does not exist.')
    no_key = dated.post("ARShipToLocations", {"CustomerNumber": "SH1A2B3C4D5"})
    assert dated.error_of(no_key) == (409, "RecordInvalid", "Ship-To Location Code cannot be blank.")
    long_key = dated.post("ARShipToLocations", {**payload, "ShipToLocationKey": "S000001"})
    assert dated.error_of(long_key) == (
        409,
        "FieldInvalid",
        "Ship-To Location Code is too long. The maximum length is 6 characters.",
    )
    assert dated.error_of(dated.post("ARShipToLocations", payload))[:2] == (409, "RecordDuplicate")


def test_it_inactivates_a_ship_to_location(dated):
    path = "ARShipToLocations(CustomerNumber='1200',ShipToLocationKey='OFFICE')"
    assert dated.patch(path, {"Status": "Inactive"}).status_code == 204
    body = dated.get(path).json()
    assert (body["Status"], body["InactiveDate"], body["DateLastMaintained"]) == (
        "Inactive",
        "2025-01-02T00:00:00Z",
        "2025-01-02T00:00:00Z",
    )
    feed = dated.get("ARShipToLocations?$filter=CustomerNumber eq '1200' and Status eq 'Inactive'").json()
    assert [row["ShipToLocationKey"] for row in feed["value"]] == ["OFFICE"]
    summary = dated.control("changes", summary=1, entity="ARShipToLocations", key="1200/OFFICE")["summary"]
    assert summary == {
        "SAMINC": {"ARShipToLocations": {"1200/OFFICE": {"creates": 0, "updates": 1, "deletes": 0}}}
    }


def test_it_keeps_the_primary_ship_to_in_step_with_the_customer(sage):
    sage.post(
        "ARShipToLocations",
        {"CustomerNumber": "1200", "ShipToLocationKey": "WH", "PrimaryShipToIndicator": "Yes"},
    )
    assert sage.get("ARCustomers('1200')").json()["PrimaryShipToLocation"] == "WH"
    sage.patch("ARShipToLocations('1200','OFFICE')", {"PrimaryShipToIndicator": "Yes"})
    assert sage.get("ARCustomers('1200')").json()["PrimaryShipToLocation"] == "OFFICE"
    assert sage.get("ARShipToLocations('1200','WH')").json()["PrimaryShipToIndicator"] == "No"
    refused = sage.patch("ARCustomers('1200')", {"PrimaryShipToLocation": "NOPE"})
    assert sage.error_of(refused) == (409, "FieldInvalid", 'Ship-To Location "NOPE" does not exist.')


def test_it_maintains_customer_groups_and_refuses_deleting_one_in_use(sage):
    created = sage.post("ARCustomerGroups", {"GroupCode": "WEB", "Description": "Web shop", "TaxGroup": "NY"})
    assert created.status_code == 201
    assert created.json()["TaxGroup"] == "NY"
    sage.post("ARCustomers", {"CustomerNumber": "W1", "GroupCode": "WEB"})
    assert sage.get("ARCustomers('W1')").json()["TaxGroup"] == "NY"
    assert sage.error_of(sage.delete("ARCustomerGroups('WEB')")) == (
        409,
        "General",
        'Customer Group "WEB" is assigned to customer "W1".',
    )
    assert sage.error_of(sage.post("ARCustomerGroups", {"GroupCode": "BAD", "TaxGroup": "XYZ"}))[:2] == (
        409,
        "FieldInvalid",
    )
    sage.delete("ARCustomers('W1')")
    assert sage.delete("ARCustomerGroups('WEB')").status_code == 204


def test_it_serves_tax_groups_read_only(sage):
    api = sage.url + "/Sage300WebApi/v1.0/-/SAMINC/TX/"
    body = sage.session.get(
        api + "TXTaxGroups?$filter=TransactionType eq 'Sales'&$select=TaxGroup", timeout=10
    ).json()
    assert [row["TaxGroup"] for row in body["value"]] == [
        "BC",
        "CALIF",
        "EXEMPT",
        "NY",
        "ONTARIO",
        "QUEBEC",
        "TX",
        "USDTAX",
    ]
    one = sage.session.get(api + "TXTaxGroups(TaxGroup='CALIF',TransactionType='Sales')", timeout=10).json()
    assert one["Description"] == "California Tax Group"
    refused = sage.session.post(api + "TXTaxGroups", json={"TaxGroup": "NEW"}, timeout=10)
    assert sage.error_of(refused) == (
        405,
        "MethodNotAllowed",
        "The requested resource does not support http method 'POST'.",
    )
