"""Entity keys in the URL, as DEVREF §5 describes them."""

from __future__ import annotations

import pytest

from emulators.sage300.entities import CUSTOMERS, SHIP_TO_LOCATIONS
from emulators.sage300.errors import SageError
from emulators.sage300.keys import key_parse


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("('1200')", ("1200",)),
        ("(1200)", ("1200",)),
        ("(CustomerNumber='1200')", ("1200",)),
        ("('SAM CUST')", ("SAM CUST",)),
        ("('O''NEIL')", ("O'NEIL",)),
        ("('A,B)')", ("A,B)",)),
        ("('1200  ')", ("1200",)),
    ],
)
def test_it_parses_single_keys(text, key):
    assert key_parse(CUSTOMERS, text) == key


@pytest.mark.parametrize(
    "text",
    [
        "(CustomerNumber='1200',ShipToLocationKey='OFFICE')",
        "(ShipToLocationKey='OFFICE', CustomerNumber='1200')",
        "('1200','OFFICE')",
        "('1200', OFFICE)",
    ],
)
def test_it_parses_composite_keys_named_in_any_order_or_positional(text):
    assert key_parse(SHIP_TO_LOCATIONS, text) == ("1200", "OFFICE")


@pytest.mark.parametrize(
    ("entity", "text"),
    [
        (CUSTOMERS, "()"),
        (CUSTOMERS, "('1200'"),
        (CUSTOMERS, "('12'00')"),
        (CUSTOMERS, "(Customer='1200')"),
        (CUSTOMERS, "('1200','X')"),
        (SHIP_TO_LOCATIONS, "('1200')"),
        (SHIP_TO_LOCATIONS, "(CustomerNumber='1200','OFFICE')"),
        (SHIP_TO_LOCATIONS, "(CustomerNumber='1200',CustomerNumber='OFFICE')"),
    ],
)
def test_it_refuses_bad_keys(entity, text):
    with pytest.raises(SageError) as raised:
        key_parse(entity, text)
    assert (raised.value.status, raised.value.code) == (400, "InvalidEntityKey")


@pytest.mark.parametrize(
    "path", ["ARCustomers('1200')", "ARCustomers(1200)", "ARCustomers(CustomerNumber='1200')"]
)
def test_it_reads_one_customer_with_each_key_syntax(sage, path):
    response = sage.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["@odata.context"] == f"{sage.api}$metadata#ARCustomers/$entity"
    assert (body["CustomerNumber"], body["CustomerName"]) == ("1200", "Mr. Ronald Black")


@pytest.mark.parametrize(
    "path",
    [
        "ARShipToLocations(CustomerNumber='1200',ShipToLocationKey='OFFICE')",
        "ARShipToLocations(ShipToLocationKey='OFFICE',CustomerNumber='1200')",
        "ARShipToLocations('1200','OFFICE')",
    ],
)
def test_it_reads_one_ship_to_with_each_composite_key_syntax(sage, path):
    body = sage.get(path).json()
    assert (body["CustomerNumber"], body["ShipToLocationKey"], body["Description"]) == (
        "1200",
        "OFFICE",
        "Head office",
    )


def test_it_reads_a_key_with_a_space_and_a_quote(sage):
    created = sage.post("ARCustomers", {"CustomerNumber": "O'NEIL CO", "GroupCode": "RTL"})
    assert created.status_code == 201
    assert created.headers["Location"] == f"{sage.api}ARCustomers('O''NEIL%20CO')"
    assert sage.get("ARCustomers('O''NEIL CO')").json()["CustomerNumber"] == "O'NEIL CO"


def test_it_answers_a_bad_key_with_invalid_entity_key(sage):
    assert sage.error_of(sage.get("ARShipToLocations('1200')")) == (
        400,
        "InvalidEntityKey",
        "The number of keys specified in the URI does not match number of key properties for the resource "
        "'ARShipToLocations'. Expected: CustomerNumber, ShipToLocationKey.",
    )


def test_it_answers_a_missing_record_with_record_not_found(sage):
    assert sage.error_of(sage.get("ARCustomers('NOPE')")) == (
        404,
        "RecordNotFound",
        "A Record cannot be found for the specified entity key",
    )
