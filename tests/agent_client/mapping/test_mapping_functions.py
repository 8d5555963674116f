from datetime import UTC, datetime
from decimal import Decimal

import pytest

from agent_client.mapping import FUNCTIONS, EvaluationError, LookupTables, RunContext, evaluate_expression

RECORD = {
    "id": 7001234567890,
    "name": "  Mary ANN o'neil  ",
    "phone": "(555) 123-4567",
    "created_at": "2024-01-05T10:11:12-05:00",
    "tags": "vip, wholesale, east",
    "empty": "",
    "items": ["a", None, 3],
    "address": {"city": "Toronto"},
}
LOOKUPS = LookupTables({"Tax": {"rows": {"ON": "ONTARIO"}, "default": "CALIF"}})
CONTEXT = RunContext(now=datetime(2025, 3, 1, 12, 0, tzinfo=UTC))


def ev(text, record=RECORD):
    return evaluate_expression(text, record, LOOKUPS, CONTEXT)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('concat("A", null, 1, true, 1.50)', "A1true1.50"),
        ("concat(missing)", ""),
        ("trim(name)", "Mary ANN o'neil"),
        ("trim(missing)", None),
        ("trim(42)", "42"),
        ("upper(trim(name))", "MARY ANN O'NEIL"),
        ("lower(trim(name))", "mary ann o'neil"),
        ("upper(missing)", None),
        ("title(trim(name))", "Mary Ann O'neil"),
        ('title("mcdonald\'s  store")', "Mcdonald's  Store"),
        ('left("Margaret", 3)', "Mar"),
        ('left("Ma", 3)', "Ma"),
        ("left(missing, 3)", None),
        ('right("Margaret", 3)', "ret"),
        ('right("Margaret", 0)', ""),
        ('substr("Margaret", 1, 3)', "arg"),
        ('substr("Margaret", 5)', "ret"),
        ('substr("Margaret", -3)', "ret"),
        ('substr("Margaret", -3, 2)', "re"),
        ('substr("Margaret", 20, 2)', ""),
        ('truncate("Margaret", 6)', "Margar"),
        ('truncate("Margaret", 6, "..")', "Marg.."),
        ('truncate("Margaret", 8, "..")', "Margaret"),
        ('truncate("Margaret", 1, "..")', "."),
        ('replace("a-b-c", "-", "/")', "a/b/c"),
        ('replace("abc", "", "x")', "abc"),
        ('replace(missing, "a", "b")', None),
        ('regex_replace(phone, "[^0-9]", "")', "5551234567"),
        ('regex_replace("555-123-4567", "^(\\\\d{3})-(\\\\d{3})-", "($1) $2-")', "(555) 123-4567"),
        ('regex_replace("a$b", "\\\\$", "$$")', "a$b"),
        ('regex_replace(missing, "a", "b")', None),
        ('coalesce(null, "", "x", "y")', "x"),
        ("coalesce(missing, empty)", None),
        ("coalesce(0, 1)", 0),
        ("coalesce(false, 1)", False),
        ('default(null, "n/a")', "n/a"),
        ('default("", "n/a")', ""),
        ('default(0, "n/a")', 0),
        ('split(tags, ", ")', ["vip", "wholesale", "east"]),
        ('split(missing, ",")', None),
        ('split(tags, ", ")[1]', "wholesale"),
        ('split(tags, ", ")[-1]', "east"),
        ('split(tags, ", ")[5]', None),
        ('join(split(tags, ", "), "|")', "vip|wholesale|east"),
        ('join(items, "-")', "a--3"),
        ('join(missing, "-")', None),
        ('first(split(tags, ", "))', "vip"),
        ("first(items)", "a"),
        ("first(missing)", None),
        ('first(split("", ","))', ""),
        ("base36(id)", "2hcbmamky"),
        ('base36("7001234567890")', "2hcbmamky"),
        ("base36(0)", "0"),
        ("base36(35)", "z"),
        ("base36(36)", "10"),
        ("base36(missing)", None),
        ("digits(phone)", "5551234567"),
        ("digits(missing)", None),
        ('format_date(created_at, "%Y-%m-%d %H:%M:%S %z")', "2024-01-05 10:11:12 -0500"),
        (
            'format_date(created_at, "%d %b %Y, %I:%M %p (%A, day %j)")',
            "05 Jan 2024, 10:11 AM (Friday, day 005)",
        ),
        ('format_date(created_at, "%B %y %a %f %%")', "January 24 Fri 000000 %"),
        ('format_date("2024-07-04", "%m/%d/%Y %H")', "07/04/2024 00"),
        ('format_date("2024-07-04T18:00:00Z", "%I %p %z")', "06 PM +0000"),
        ('format_date(now(), "%Y-%m-%d")', "2025-03-01"),
        ('format_date(missing, "%Y")', None),
        ('format_date(empty, "%Y")', None),
        ('lookup("Tax", "ON")', "ONTARIO"),
        ('len("Ann")', 3),
        ("len(missing)", 0),
        ("len(items)", 3),
        ("len(12345)", 5),
        ('contains(tags, "whole")', True),
        ('contains(tags, "retail")', False),
        ('contains(missing, "x")', False),
        ("contains(items, 3)", True),
        ('contains(items, "3")', False),
        ('startswith(phone, "(555)")', True),
        ('startswith(missing, "x")', False),
        ('endswith(phone, "4567")', True),
        ('endswith(phone, "x")', False),
        ('number("12.50")', Decimal("12.50")),
        ('number(" 42 ")', 42),
        ('number("-3")', -3),
        ("number(7)", 7),
        ("number(missing)", None),
        ("number(empty)", None),
        ('number("12.50") + 1', Decimal("13.50")),
        ("string(12)", "12"),
        ("string(1.50)", "1.50"),
        ("string(true)", "true"),
        ("string(missing)", None),
        ('pad_left("42", 5, "0")', "00042"),
        ('pad_left("42", 4)', "  42"),
        ('pad_left("123456", 4, "0")', "123456"),
        ('pad_right("42", 4, ".")', "42.."),
        ('pad_left(missing, 4, "0")', None),
    ],
)
def test_it_computes_each_function(text, expected):
    result = ev(text)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("upper(address)", "upper() expects text, got an object"),
        ('left("abc", -1)', "left() number -1 is out of range (0 to 100000)"),
        ('left("abc", "2")', "left() expects a whole number, got text"),
        ('left("abc", 1.5)', "left() expects a whole number, got number"),
        ('split("a", "")', "split() needs a non-empty separator"),
        ('join("a,b", ",")', "join() expects a list, got text"),
        ("first(tags)", "first() expects a list, got text"),
        ('base36("12a")', "base36() expects a whole number ≥ 0, got '12a'"),
        ("base36(-1)", "base36() expects a whole number ≥ 0, got -1"),
        ("base36(1.5)", "base36() expects a whole number ≥ 0, got Decimal('1.5')"),
        ('format_date("yesterday", "%Y")', "format_date() cannot read 'yesterday' as an ISO 8601 date"),
        ('number("12,50")', "number() cannot read '12,50' as a number"),
        ('number("1e5")', "number() cannot read '1e5' as a number"),
        ("number(true)", "number() cannot read True as a number"),
        ('pad_left("1", 5000)', "pad_left() number 5000 is out of range (0 to 1000)"),
        ('pad_left("1", 5, "ab")', "pad_left() fill must be exactly one character"),
        ('regex_replace(address, "a", "b")', "regex_replace() expects text, got an object"),
    ],
)
def test_it_refuses_bad_arguments(text, message):
    with pytest.raises(EvaluationError) as caught:
        ev(text)
    assert caught.value.message == message


def test_it_caps_replace_and_regex_input():
    with pytest.raises(EvaluationError, match=r"replace\(\) result is too long"):
        ev('replace(pad_left("", 1000, "a"), "a", pad_left("", 1000, "b"))')
    with pytest.raises(
        EvaluationError, match=r"regex_replace\(\) text is too long \(1001 characters, limit 1000\)"
    ):
        ev('regex_replace(pad_left("", 1000, "a") + "a", "a", "b")')


def test_it_evaluates_coalesce_and_default_lazily():
    assert ev('coalesce("first", lookup("Missing table", 1))') == "first"
    assert ev('default("first", lookup("Missing table", 1))') == "first"


def test_it_documents_every_function_with_a_working_example():
    assert set(FUNCTIONS) >= {
        "concat", "trim", "upper", "lower", "left", "right", "substr", "truncate", "replace",
        "regex_replace", "coalesce", "default", "split", "join", "first", "base36", "digits",
        "format_date", "now", "lookup", "len", "title", "contains", "startswith", "number",
        "string", "pad_left",
    }  # fmt: skip
    for spec in FUNCTIONS.values():
        call, result = spec.example.split(" → ")
        assert spec.description and spec.signature.startswith(spec.name + "(")
        assert ev(f"({call}) == {result}") is True, spec.example
