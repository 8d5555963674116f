"""Feeds: paging with @odata.nextLink and $skip, and the query options Sage documents."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest


@pytest.fixture
def many(sage):
    sage.control("reset", {"sample_customers": False})
    sage.control("seed", {"company": "SAMINC", "customers": 250})
    return sage


def test_it_pages_250_customers_in_three_pages_through_next_link(many):
    page = many.get("ARCustomers?$select=CustomerNumber").json()
    numbers = [row["CustomerNumber"] for row in page["value"]]
    links = []
    while "@odata.nextLink" in page:
        links.append(page["@odata.nextLink"])
        page = many.session.get(page["@odata.nextLink"], timeout=10).json()
        numbers.extend(row["CustomerNumber"] for row in page["value"])
    assert len(links) == 2
    assert links[0] == f"{many.api}ARCustomers?$select=CustomerNumber&$skip=100"
    assert links[1] == f"{many.api}ARCustomers?$select=CustomerNumber&$skip=200"
    assert numbers == [f"CUST{index:06d}" for index in range(1, 251)]
    assert len(page["value"]) == 50


def test_it_pages_with_skip_until_a_short_page(many):
    sizes = [len(many.get(f"ARCustomers?$skip={skip}").json()["value"]) for skip in (0, 100, 200, 300)]
    assert sizes == [100, 100, 50, 0]


def test_it_keeps_the_clients_options_in_next_link(many):
    response = many.get(
        "ARCustomers",
        params={
            "$filter": "startswith(CustomerNumber,'CUST0001')",
            "$count": "true",
            "$orderby": "CustomerNumber desc",
        },
    )
    body = response.json()
    assert body["@odata.count"] == 100  # CUST000100..CUST000199
    assert "@odata.nextLink" not in body
    body = many.get("ARCustomers", params={"$filter": "CustomerName ne 'x'", "$count": "true"}).json()
    query = parse_qs(urlsplit(body["@odata.nextLink"]).query)
    assert query == {"$filter": ["CustomerName ne 'x'"], "$count": ["true"], "$skip": ["100"]}
    assert body["@odata.count"] == 250


def test_it_caps_a_page_at_top_and_splits_a_top_above_the_page_size(many):
    assert len(many.get("ARCustomers?$top=7").json()["value"]) == 7
    assert "@odata.nextLink" not in many.get("ARCustomers?$top=7").json()
    body = many.get("ARCustomers?$top=150&$skip=10&$select=CustomerNumber").json()
    assert body["value"][0]["CustomerNumber"] == "CUST000011"
    assert len(body["value"]) == 100
    assert body["@odata.nextLink"].endswith("ARCustomers?$select=CustomerNumber&$skip=110&$top=50")
    rest = many.session.get(body["@odata.nextLink"], timeout=10).json()
    assert len(rest["value"]) == 50
    assert "@odata.nextLink" not in rest


def test_it_uses_the_page_size_setting(many):
    many.control("settings", {"page_size": 40})
    body = many.get("ARCustomers?$top=30").json()
    assert len(body["value"]) == 30
    body = many.get("ARCustomers").json()
    assert len(body["value"]) == 40
    assert body["@odata.nextLink"].endswith("ARCustomers?$skip=40")


def test_it_answers_a_feed_with_context_and_count(sage):
    body = sage.get("ARCustomers?$count=true&$select=CustomerNumber,ShortName,GroupCode").json()
    assert body == {
        "@odata.context": f"{sage.api}$metadata#ARCustomers(CustomerNumber,ShortName,GroupCode)",
        "@odata.count": 4,
        "value": [
            {"CustomerNumber": "1100", "ShortName": "Bargain", "GroupCode": "RTL"},
            {"CustomerNumber": "1105", "ShortName": "Bargain", "GroupCode": "RTL"},
            {"CustomerNumber": "1200", "ShortName": "Black", "GroupCode": "WHL"},
            {"CustomerNumber": "1210", "ShortName": "Jack's", "GroupCode": "WHL"},
        ],
    }


def _numbers(sage, filter_text: str, **extra) -> list[str]:
    response = sage.get("ARCustomers", params={"$filter": filter_text, "$select": "CustomerNumber", **extra})
    assert response.status_code == 200, response.text
    return [row["CustomerNumber"] for row in response.json()["value"]]


def test_it_filters_with_comparison_and_logical_operators(sage):
    assert _numbers(sage, "CustomerNumber eq '1200'") == ["1200"]
    assert _numbers(sage, "  CustomerNumber   eq '1200' ") == ["1200"]  # the one-key fast path
    assert _numbers(sage, "CustomerNumber eq '1200 '") == []  # exact, as the filter is
    assert _numbers(sage, "CustomerNumber eq '12''00'") == []
    assert _numbers(sage, "CustomerNumber ne '1200'") == ["1100", "1105", "1210"]
    assert _numbers(sage, "CustomerNumber gt '1105'") == ["1200", "1210"]
    assert _numbers(sage, "CustomerNumber ge '1105'") == ["1105", "1200", "1210"]
    assert _numbers(sage, "CustomerNumber lt '1105'") == ["1100"]
    assert _numbers(sage, "CustomerNumber le '1105'") == ["1100", "1105"]
    assert _numbers(sage, "GroupCode eq 'RTL' and City eq 'Seattle'") == ["1105"]
    assert _numbers(sage, "City eq 'Seattle' or City eq 'Toronto'") == ["1105", "1200"]
    assert _numbers(sage, "not (GroupCode eq 'RTL') and (Status eq 'Active' or TaxGroup eq 'BC')") == [
        "1200",
        "1210",
    ]
    assert _numbers(sage, "Status eq 'Inactive'") == ["1210"]


def test_it_filters_with_string_functions(sage):
    assert _numbers(sage, "startswith(CustomerName,'Bargain')") == ["1100", "1105"]
    assert _numbers(sage, "endswith(CustomerName,'Seattle')") == ["1105"]
    assert _numbers(sage, "contains(CustomerName,'Black')") == ["1200"]
    assert _numbers(sage, "substringof('Black', CustomerName)") == ["1200"]
    assert _numbers(sage, "tolower(ShortName) eq 'black'") == ["1200"]
    assert _numbers(sage, "ShortName eq 'Jack''s'") == ["1210"]
    # Sage 300 databases use a binary collation: comparisons are case-sensitive.
    assert _numbers(sage, "startswith(CustomerName,'bargain')") == []


def test_it_filters_dates_and_numbers(sage):
    sage.control("settings", {"today": "2025-03-10"})
    assert sage.patch("ARCustomers('1105')", {"CreditLimitCustomerCurrency": 2500.5}).status_code == 204
    assert _numbers(sage, "DateLastMaintained ge 2025-03-10T00:00:00Z") == ["1105"]
    assert _numbers(sage, "DateLastMaintained gt 2025-03-09T12:00:00Z") == ["1105"]
    assert _numbers(sage, "DateLastMaintained lt 2025-03-10") == ["1100", "1200", "1210"]
    assert _numbers(
        sage, "DateLastMaintained eq 2024-01-15T00:00:00Z and year(DateLastMaintained) eq 2024"
    ) == [
        "1100",
        "1200",
        "1210",
    ]
    assert _numbers(sage, "DateLastMaintained eq datetime'2025-03-10T00:00:00'") == ["1105"]
    assert _numbers(sage, "CreditLimitCustomerCurrency gt 1000.00 and AccountType eq 'OpenItem'") == ["1105"]
    assert _numbers(sage, "CreditLimitCustomerCurrency eq 0") == ["1100", "1200", "1210"]
    assert _numbers(sage, "InactiveDate eq null") == ["1100", "1105", "1200"]
    assert _numbers(sage, "InactiveDate ne null") == ["1210"]


def test_it_orders_by_several_properties(sage):
    response = sage.get("ARCustomers?$orderby=GroupCode desc,CustomerName asc&$select=CustomerNumber")
    assert [row["CustomerNumber"] for row in response.json()["value"]] == ["1210", "1200", "1100", "1105"]
    response = sage.get("ARCustomers?$orderby=Status,CustomerNumber desc&$select=CustomerNumber")
    assert [row["CustomerNumber"] for row in response.json()["value"]] == ["1210", "1200", "1105", "1100"]


def test_it_answers_collection_count_as_plain_text(sage):
    response = sage.get("ARCustomers/$count?$filter=GroupCode eq 'RTL'")
    assert (response.status_code, response.text) == (200, "2")


def test_it_checks_existence_as_sage_crm_does(sage):
    body = sage.get("ARCustomers?$count=true&$top=1&$filter=CustomerNumber eq '1200'").json()
    assert body["@odata.count"] == 1
    body = sage.get("ARCustomers?$count=true&$top=1&$filter=CustomerNumber eq 'NOPE'").json()
    assert (body["@odata.count"], body["value"]) == (0, [])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("$filter=CustomerName eq", "Syntax error at position 15 in 'CustomerName eq'."),
        (
            "$filter=Nope eq 1",
            "Could not find a property named 'Nope' on type "
            "'Sage.CA.SBS.ERP.Sage300.AR.WebApi.Models.Customer'.",
        ),
        ("$filter=Status eq 'Open'", "The string 'Open' is not a valid enumeration value."),
        (
            "$select=CustomerNumber,Nope",
            "Could not find a property named 'Nope' on type "
            "'Sage.CA.SBS.ERP.Sage300.AR.WebApi.Models.Customer'.",
        ),
        ("$top=-1", "Invalid value '-1' for $top query option found."),
        (
            "$top=1&$top=2",
            "Query option '$top' was specified more than once, but it must be specified at most once.",
        ),
        ("$apply=x", "The query parameter '$apply' is not supported."),
    ],
)
def test_it_refuses_bad_query_options(sage, query, message):
    assert sage.error_of(sage.get(f"ARCustomers?{query}")) == (400, "InvalidParameters", message)
