import pytest

from agent_client.mapping import (
    EvaluationError,
    LookupMissing,
    LookupTables,
    MappingErrors,
    MappingRow,
    RecordError,
    RecordMappingError,
    RowPreview,
    compile_mapping,
    source_paths,
)

TABLES = LookupTables({"Tax": {"rows": {"ON": "ONTARIO"}}})


def test_it_reports_every_bad_row_with_row_target_column_and_reason():
    rows = [
        MappingRow("CustomerNumber", '"SH" + upper(base36(id))'),
        MappingRow("CustomerName", "first_name +"),
        MappingRow("TaxGroup", 'lookup("Tax", lookp(x))'),
        MappingRow("Email", "email.lower()"),
        MappingRow("Email", "email"),
        MappingRow("", "email"),
        MappingRow("ShortName", "left(a, 10)", max_length=0),
    ]
    with pytest.raises(MappingErrors) as caught:
        compile_mapping(rows)
    assert [str(error) for error in caught.value.errors] == [
        "row 2 (CustomerName), column 13: expression is incomplete",
        'row 3 (TaxGroup), column 15: unknown function "lookp" (did you mean "lookup"?)',
        "row 4 (Email), column 6: functions are called as lower(x), not x.lower()",
        "row 5 (Email): target already mapped in row 4",
        "row 6 (): the target field is empty",
        "row 7 (ShortName): max length must be at least 1",
    ]
    first = caught.value.errors[0]
    assert (first.row, first.target, first.column) == (2, "CustomerName", 13)


def test_it_maps_a_record():
    mapping = compile_mapping(
        [MappingRow("Name", 'trim(first + " " + last)'), MappingRow("Tax", 'lookup("Tax", p)')]
    )
    result = mapping.apply({"first": "Ann", "last": None, "p": "ON"}, TABLES)
    assert result.output == {"Name": "Ann", "Tax": "ONTARIO"}
    assert result.warnings == []


def test_it_keeps_null_as_none_and_text_as_text():
    mapping = compile_mapping([MappingRow("A", "missing"), MappingRow("B", '""'), MappingRow("C", "n")])
    assert mapping.apply({"n": 5}, TABLES).output == {"A": None, "B": "", "C": 5}


def test_it_cuts_over_long_text_with_a_warning_naming_field_and_length():
    mapping = compile_mapping([MappingRow("ShortName", "name", max_length=10), MappingRow("Other", "name")])
    result = mapping.apply({"name": "Bartholomew Jones"}, TABLES)
    assert result.output == {"ShortName": "Bartholome", "Other": "Bartholomew Jones"}
    [warning] = result.warnings
    assert (warning.target, warning.original_length, warning.max_length) == ("ShortName", 17, 10)
    assert str(warning) == "ShortName was cut to 10 characters (it had 17)"
    assert mapping.apply({"name": "Bartholome"}, TABLES).warnings == []


def test_it_fails_the_record_when_required_fields_are_empty():
    mapping = compile_mapping(
        [
            MappingRow("CustomerNumber", "number", required=True),
            MappingRow("GroupCode", "group", required=True),
            MappingRow("Email", "email", required=False),
        ]
    )
    with pytest.raises(RecordMappingError) as caught:
        mapping.apply({"number": "", "email": None}, TABLES)
    assert caught.value.fields == ["CustomerNumber", "GroupCode"]
    assert str(caught.value) == "CustomerNumber is required but empty; GroupCode is required but empty"
    assert mapping.apply({"number": "SH1", "group": "100"}, TABLES).output["Email"] is None


def test_it_fails_the_record_for_a_value_outside_the_choices():
    mapping = compile_mapping([MappingRow("Status", "state", choices=("Active", "Inactive"))])
    assert mapping.apply({"state": "Active"}, TABLES).output == {"Status": "Active"}
    assert mapping.apply({}, TABLES).output == {"Status": None}
    with pytest.raises(RecordMappingError, match="Status must be one of Active, Inactive, got 'enabled'"):
        mapping.apply({"state": "enabled"}, TABLES)
    with pytest.raises(RecordMappingError):
        mapping.apply({"state": ["Active"]}, TABLES)


def test_it_names_the_row_of_a_failing_record():
    mapping = compile_mapping(
        [MappingRow("A", '"ok"'), MappingRow("TaxGroup", 'lookup("Tax", p)'), MappingRow("C", "upper(x)")]
    )
    with pytest.raises(LookupMissing) as caught:
        mapping.apply({"p": "QC"}, TABLES)
    assert (caught.value.row, caught.value.target, caught.value.table, caught.value.value) == (
        2,
        "TaxGroup",
        "Tax",
        "QC",
    )
    assert str(caught.value) == 'TaxGroup: lookup table "Tax" has no row for "QC" and no default'
    with pytest.raises(EvaluationError) as caught_evaluation:
        mapping.apply({"p": "ON", "x": {"a": 1}}, TABLES)
    assert (caught_evaluation.value.row, caught_evaluation.value.target) == (3, "C")


def test_it_previews_every_row_even_when_one_fails():
    mapping = compile_mapping(
        [
            MappingRow("CustomerNumber", '"SH" + id', max_length=4, required=True),
            MappingRow("TaxGroup", 'lookup("Tax", p)'),
            MappingRow("GroupCode", "group", required=True),
            MappingRow("Email", "lower(email)"),
            MappingRow("Status", '"Gone"', choices=("Active", "Inactive")),
        ]
    )
    preview = mapping.preview({"id": 12345, "p": "QC", "email": "A@B.C"}, TABLES)
    assert preview == [
        RowPreview(1, "CustomerNumber", "SH12", warning="CustomerNumber was cut to 4 characters (it had 7)"),
        RowPreview(2, "TaxGroup", None, error='lookup table "Tax" has no row for "QC" and no default'),
        RowPreview(3, "GroupCode", None, error="GroupCode is required but empty"),
        RowPreview(4, "Email", "a@b.c"),
        RowPreview(5, "Status", "Gone", error="Status must be one of Active, Inactive, got 'Gone'"),
    ]


def test_it_lists_source_paths():
    mapping = compile_mapping(
        [MappingRow("A", 'coalesce(default_address.city, addresses[0].city, "x")'), MappingRow("B", "id")]
    )
    assert source_paths(mapping) == ["addresses[0].city", "default_address.city", "id"]
    assert source_paths('x["odd key"] + y') == ['x["odd key"]', "y"]


def test_it_compiles_an_empty_mapping():
    assert compile_mapping([]).apply({}, TABLES).output == {}


def test_it_shares_path_reads_between_rows():
    mapping = compile_mapping(
        [MappingRow("A", "default_address.city"), MappingRow("B", "upper(default_address.city)")]
    )
    assert (
        mapping.source.count("r.get('default_address')") == 1 + 2
    )  # whole mapping once, each row preview once
    assert mapping.apply({"default_address": {"city": "Oslo"}}, TABLES).output == {"A": "Oslo", "B": "OSLO"}


def test_record_errors_share_one_base_class():
    assert issubclass(LookupMissing, RecordError)
    assert issubclass(EvaluationError, RecordError)
    assert issubclass(RecordMappingError, RecordError)
