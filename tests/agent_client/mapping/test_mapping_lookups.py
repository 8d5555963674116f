import pytest

from agent_client.mapping import (
    LookupMissing,
    LookupTables,
    MappingRow,
    RecordError,
    compile_mapping,
    evaluate_expression,
    referenced_lookups,
)

TABLES = LookupTables(
    {
        "Tax": {"rows": {"CA": "CALIF", "ON": "ONTARIO", "5": "FIVE"}, "default": "CALIF"},
        "Country": {"rows": {"CA": "Canada", "US": "United States"}, "default": None},
        "Blank": {"rows": {"X": None}},
    }
)


def ev(text, record=None):
    return evaluate_expression(text, record or {}, TABLES)


def test_it_returns_the_row_for_the_value():
    assert ev('lookup("Tax", "ON")') == "ONTARIO"
    assert ev('lookup("Country", code)', {"code": "US"}) == "United States"


def test_it_compares_values_as_text():
    assert ev('lookup("Tax", 5)') == "FIVE"
    assert ev('lookup("Tax", "on")') == "CALIF"  # exact: no row for "on", so the default row


def test_it_falls_back_to_the_table_default_row():
    assert ev('lookup("Tax", "ZZ")') == "CALIF"
    assert ev('lookup("Tax", "default")') == "CALIF"
    assert ev('lookup("Tax", null)') == "CALIF"


def test_it_fails_the_record_naming_table_and_value_when_there_is_no_row_and_no_default():
    with pytest.raises(LookupMissing) as caught:
        ev('lookup("Country", code)', {"code": "ZZ"})
    error = caught.value
    assert (error.table, error.value, error.table_exists) == ("Country", "ZZ", True)
    assert error.message == 'lookup table "Country" has no row for "ZZ" and no default'
    assert str(error) == 'value: lookup table "Country" has no row for "ZZ" and no default'
    with pytest.raises(LookupMissing, match='lookup table "Country" has no row for null and no default'):
        ev('lookup("Country", code)')


def test_it_prefers_the_explicit_default_over_the_table_default():
    assert ev('lookup("Tax", "ZZ", "EXPLICIT")') == "EXPLICIT"
    assert ev('lookup("Tax", "ON", "EXPLICIT")') == "ONTARIO"
    assert ev('lookup("Country", "ZZ", "Elsewhere")') == "Elsewhere"


def test_it_returns_the_explicit_default_for_null():
    assert ev('lookup("Country", null, "d")') == "d"
    assert ev('lookup("Country", missing.path, missing.other)') is None


def test_it_evaluates_the_explicit_default_only_when_needed():
    # The default would fail (no such table) but the row exists.
    assert ev('lookup("Tax", "ON", lookup("Nope", 1))') == "ONTARIO"
    with pytest.raises(LookupMissing, match='lookup table "Nope" does not exist'):
        ev('lookup("Tax", "ZZ", lookup("Nope", 1))')


def test_it_keeps_a_row_whose_destination_is_null():
    assert ev('lookup("Blank", "X", "d")') is None


def test_it_fails_the_record_for_a_table_that_does_not_exist():
    with pytest.raises(LookupMissing) as caught:
        ev('lookup("Customer Group", "default", "100")')
    assert caught.value.table_exists is False
    assert caught.value.message == 'lookup table "Customer Group" does not exist (looking up "default")'
    assert isinstance(caught.value, RecordError)


def test_it_refuses_a_list_as_lookup_value():
    with pytest.raises(RecordError, match="a list cannot be used as text"):
        ev('lookup("Tax", tags)', {"tags": ["a"]})


def test_it_lists_referenced_tables():
    text = 'lookup("Tax", a, lookup("Tax", "default")) + lookup("Country", b, "x")'
    assert referenced_lookups(text) == ["Country", "Tax"]
    mapping = compile_mapping([MappingRow("A", 'lookup("Website", "default")'), MappingRow("B", text)])
    assert referenced_lookups(mapping) == mapping.referenced_lookups() == ["Country", "Tax", "Website"]


def test_it_round_trips_tables():
    data = {"T": {"rows": {"a": "1", "2": "x"}, "default": "d"}, "U": {"rows": {}, "default": None}}
    tables = LookupTables(data)
    assert tables.to_dict() == data
    assert tables.names() == ["T", "U"]
    assert "T" in tables and "V" not in tables
    assert LookupTables({"N": {"rows": {1: "one"}}}).lookup("N", "1") == "one"
