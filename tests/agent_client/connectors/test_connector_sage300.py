"""Sage300Client against the real Sage 300 Web API emulator."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from agent_client.connectors.sage300 import Sage300Client
from agent_client.errors import (
    AuthenticationError,
    PermanentError,
    RecordDuplicate,
    RecordNotFound,
    RetryableError,
)

from .conftest import SAGE_PASSWORD, SAGE_USER, SleepRecorder, control

NEW_CUSTOMER = {
    "CustomerNumber": "SHA1B2",
    "GroupCode": "100",
    "CustomerName": "Ada Lovelace",
    "ShortName": "Ada",
}


def make_client(url: str, **kwargs) -> Sage300Client:
    options = {"company": "SAMINC", "user": SAGE_USER, "password": SAGE_PASSWORD, **kwargs}
    return Sage300Client(base_url=url + "/Sage300WebApi/v1.0", **options)


def test_it_reads_a_customer_and_returns_none_for_a_missing_one(sage_url):
    sage = make_client(sage_url)

    assert sage.customer("1100")["CustomerName"] == "Bargain Mart - San Diego"
    assert sage.customer("NOSUCH") is None
    assert sage.stats.by_status == {200: 1, 404: 1}


def test_it_creates_a_customer_and_returns_it_as_stored(sage_url):
    sage = make_client(sage_url)

    created = sage.customer_create(NEW_CUSTOMER)

    assert created["CustomerNumber"] == "SHA1B2"
    assert created["CustomerName"] == "Ada Lovelace"
    assert created["TaxGroup"] == "CALIF"  # defaulted from group 100, so Sage really stored it
    assert sage.customer("SHA1B2")["ShortName"] == "Ada"


def test_it_raises_record_duplicate_for_an_existing_number(sage_url):
    sage = make_client(sage_url)
    sage.customer_create(NEW_CUSTOMER)

    with pytest.raises(RecordDuplicate) as caught:
        sage.customer_create(NEW_CUSTOMER)

    assert caught.value.status == 409
    assert caught.value.code == "RecordDuplicate"
    assert "Record already exists." in str(caught.value)


def test_it_patches_a_customer(sage_url):
    sage = make_client(sage_url)

    assert sage.customer_patch("1100", {"ShortName": "Bargain2", "City": "La Jolla"}) is None

    stored = sage.customer("1100")
    assert (stored["ShortName"], stored["City"]) == ("Bargain2", "La Jolla")


def test_it_raises_record_not_found_when_patching_a_missing_customer(sage_url):
    sage = make_client(sage_url)

    with pytest.raises(RecordNotFound) as caught:
        sage.customer_patch("NOSUCH", {"ShortName": "x"})

    assert caught.value.status == 404
    assert "A Record cannot be found for the specified entity key" in str(caught.value)


def test_it_reports_an_unknown_tax_group_with_sages_message(sage_url):
    sage = make_client(sage_url)

    with pytest.raises(PermanentError) as caught:
        sage.customer_create({**NEW_CUSTOMER, "TaxGroup": "NOPE"})

    assert type(caught.value) is PermanentError
    assert (caught.value.status, caught.value.code) == (409, "FieldInvalid")
    assert (
        str(caught.value)
        == "Sage 300 refused POST /Sage300WebApi/v1.0/-/SAMINC/AR/ARCustomers (409 FieldInvalid): "
        'Tax Group "NOPE" does not exist.'
    )
    assert sage.stats.requests == 1


def test_it_parses_errors_sent_as_text_plain(sage_url):
    control(sage_url, "settings", {"errors_as_text_plain": True})
    sage = make_client(sage_url)
    sage.customer_create(NEW_CUSTOMER)

    with pytest.raises(RecordDuplicate):
        sage.customer_create(NEW_CUSTOMER)
    with pytest.raises(PermanentError) as caught:
        sage.customer_patch("1100", {"TaxGroup": "NOPE"})

    assert caught.value.code == "FieldInvalid"
    assert 'Tax Group "NOPE" does not exist.' in str(caught.value)
    assert sage.customer("NOSUCH") is None


def test_it_creates_reads_patches_and_lists_ship_to_locations(sage_url):
    sage = make_client(sage_url)
    sage.customer_create(NEW_CUSTOMER)

    created = sage.ship_to_create(
        {
            "CustomerNumber": "SHA1B2",
            "ShipToLocationKey": "S00001",
            "Description": "Shopify address 7",
            "City": "Leeds",
        }
    )
    sage.ship_to_create(
        {"CustomerNumber": "SHA1B2", "ShipToLocationKey": "S00002", "Description": "Shopify address 8"}
    )
    sage.ship_to_patch("SHA1B2", "S00001", {"Status": "Inactive"})

    assert (created["CustomerNumber"], created["ShipToLocationKey"], created["City"]) == (
        "SHA1B2",
        "S00001",
        "Leeds",
    )
    assert sage.ship_to("SHA1B2", "S00001")["Status"] == "Inactive"
    assert sage.ship_to("SHA1B2", "S00009") is None
    assert [row["ShipToLocationKey"] for row in sage.ship_tos("SHA1B2")] == ["S00001", "S00002"]


def test_it_quotes_keys_holding_a_quote_and_url_characters(sage_url):
    sage = make_client(sage_url)
    number = "O'NEIL #1"

    sage.customer_create({**NEW_CUSTOMER, "CustomerNumber": number})
    sage.customer_patch(number, {"ShortName": "Quoted"})
    sage.ship_to_create({"CustomerNumber": number, "ShipToLocationKey": "A'B", "Description": "x"})

    assert sage.customer(number)["ShortName"] == "Quoted"
    assert sage.ship_to(number, "A'B")["Description"] == "x"
    assert [row["CustomerNumber"] for row in sage.customers(filter="CustomerNumber eq 'O''NEIL #1'")] == [
        number
    ]
    assert len(list(sage.ship_tos(number))) == 1


def test_it_reads_a_whole_feed_through_next_links(sage_url):
    control(sage_url, "reset", {"sample_customers": False})
    control(sage_url, "seed", {"customers": 250})
    sage = make_client(sage_url)

    numbers = [row["CustomerNumber"] for row in sage.customers(select=["CustomerNumber", "CustomerName"])]

    assert numbers == [f"CUST{i:06d}" for i in range(1, 251)]
    assert sage.stats.requests == 3  # pages of 100, 100 and 50, the last one without a nextLink


def test_it_filters_a_feed(sage_url):
    control(sage_url, "reset", {"sample_customers": False})
    control(sage_url, "seed", {"customers": 250})
    sage = make_client(sage_url)

    rows = list(sage.customers(filter="CustomerNumber ge 'CUST000240'", select=["CustomerNumber"]))

    assert rows == [{"CustomerNumber": f"CUST{i:06d}"} for i in range(240, 251)]


def test_it_retries_429_and_5xx_then_succeeds(sage_url):
    control(sage_url, "faults", {"error_rate": 1.0, "error_status": 503})
    turned_off = SleepRecorder(lambda calls: calls == 2 and control(sage_url, "faults", {"error_rate": 0.0}))
    sage = make_client(sage_url, sleep=turned_off)

    sage.customer_patch("1100", {"ShortName": "Retried"})

    assert sage.customer("1100")["ShortName"] == "Retried"
    assert sage.stats.retries == 2
    assert sage.stats.by_status == {503: 2, 204: 1, 200: 1}
    assert all(0 <= seconds <= 0.5 * 2**i for i, seconds in enumerate(turned_off.calls))


def test_it_retries_a_create_refused_with_429(sage_url):
    control(sage_url, "faults", {"error_rate": 1.0, "error_status": 503})
    turned_off = SleepRecorder(lambda calls: control(sage_url, "faults", {"error_rate": 0.0}))
    sage = make_client(sage_url, sleep=turned_off)

    assert sage.customer_create(NEW_CUSTOMER)["CustomerNumber"] == "SHA1B2"
    assert sage.stats.by_status == {503: 1, 201: 1}


def test_it_gives_up_with_a_retryable_error_naming_the_request(sage_url, sleeps):
    control(sage_url, "faults", {"error_rate": 1.0, "error_status": 500})
    sage = make_client(sage_url, max_retries=3, sleep=sleeps)

    with pytest.raises(RetryableError) as caught:
        sage.customer("1100")

    assert str(caught.value) == (
        "Sage 300 answered 500 4 times in a row for GET /Sage300WebApi/v1.0/-/SAMINC/AR/ARCustomers('1100'); "
        "last answer: 500 InternalServerError An error has occurred."
    )
    assert len(sleeps.calls) == 3


def test_it_never_has_more_writes_in_flight_than_its_slots(sage_url):
    control(sage_url, "faults", {"max_concurrent": 4, "latency_ms": 20})
    sage = make_client(sage_url, max_concurrency=4)
    numbers = ["1100", "1105", "1200", "1210"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda i: sage.customer_patch(numbers[i % 4], {"ShortName": f"N{i}"}), range(64)))

    assert sage.stats.by_status == {204: 64}
    assert control(sage_url, "stats")["requests"]["by_status"] == {"204": 64}


def test_it_reuses_one_login_session_per_thread(sage_url):
    sage = make_client(sage_url)
    sessions_before = control(sage_url, "stats")["sessions"]

    for _ in range(3):
        sage.customer("1100")
    other_thread = threading.Thread(target=sage.customer, args=("1100",))
    other_thread.start()
    other_thread.join()

    # One login per thread: later requests carry the session cookie Sage set on the first.
    assert control(sage_url, "stats")["sessions"] - sessions_before == 2
    assert list(sage._http.sessions.current().cookies.keys()) == ["ASP.NET_SessionId"]


def test_it_explains_a_refused_login(sage_url):
    sage = make_client(sage_url, password="wrong")

    with pytest.raises(AuthenticationError) as caught:
        sage.check()

    assert str(caught.value) == (
        "Sage 300 refused the login for WEBAPI: check [sage300] user and password in ferry-agent.toml "
        "(Sage said: Authorization has been denied for this request.)"
    )


def test_it_explains_an_unknown_company(sage_url):
    sage = make_client(sage_url, company="NOPE")

    with pytest.raises(AuthenticationError) as caught:
        sage.check()

    assert str(caught.value).startswith(
        "Sage 300 could not open company NOPE for WEBAPI: check [sage300] company"
    )


def test_it_checks_a_good_connection(sage_url):
    make_client(sage_url).check()


@pytest.mark.parametrize("suffix", ["", "/", "/-", "/-/"])
def test_it_accepts_the_base_url_with_or_without_tenant(sage_url, suffix):
    sage = Sage300Client(
        base_url=f"{sage_url}/Sage300WebApi/v1.0{suffix}",
        company="SAMINC",
        user=SAGE_USER,
        password=SAGE_PASSWORD,
    )

    assert sage.customer("1100")["CustomerNumber"] == "1100"
