from datetime import UTC, datetime
from decimal import Decimal

import pytest

from agent_client.mapping import EvaluationError, RunContext, evaluate_expression

CUSTOMER = {
    "id": 7001234567890,
    "first_name": "Ann",
    "last_name": None,
    "total_spent": "12.50",
    "orders_count": 3,
    "weight": 1.5,
    "tags": ["vip", "wholesale"],
    "default_address": {"city": "Toronto", "zip": None},
    "addresses": [{"zip": "M5V"}, {"zip": "10001"}],
    "state": "disabled",
}


def ev(text, record=CUSTOMER):
    return evaluate_expression(text, record)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("first_name", "Ann"),
        ("default_address.city", "Toronto"),
        ("addresses[0].zip", "M5V"),
        ("addresses[1].zip", "10001"),
        ("addresses[-1].zip", "10001"),
        ("addresses[-2].zip", "M5V"),
        ("tags[0]", "vip"),
        ('default_address["city"]', "Toronto"),
    ],
)
def test_it_reads_field_paths(text, expected):
    assert ev(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "middle_name",  # missing key
        "last_name",  # present but null
        "default_address.zip",
        "default_address.country.name",  # through a missing value
        "last_name.x",  # through null
        "first_name.x",  # through text
        "addresses[2].zip",  # out of range
        "addresses[-3].zip",
        "first_name[0]",  # indexing text
        "default_address[0]",  # indexing an object
        "addresses.zip",  # a field of a list
        'tags["x"]',
    ],
)
def test_it_reads_missing_paths_as_null(text):
    assert ev(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('first_name + " " + last_name', "Ann "),
        ("last_name + last_name", ""),
        ("null + null", ""),
        ('"SH" + 12', "SH12"),
        ('12 + ""', "12"),
        ("1 + 2", 3),
        ('1 + 2 + "x"', "3x"),
        ('"x" + 1 + 2', "x12"),
        ("1 + null", "1"),
        ("orders_count + 1", 4),
        ("weight + 1", 2.5),
        ("1.5 + 1", Decimal("2.5")),
        ("weight + 0.5", Decimal("2.0")),
        ('true + "!"', "true!"),
        ("10 - 4 - 3", 3),
        ("2 * 3 * 4", 24),
        ("7 / 2", Decimal("3.5")),
        ("8 / 2", 4),
        ("2 + 3 * 4", 14),
        ("(2 + 3) * 4", 20),
        ("-orders_count", -3),
        ("null - 1", None),
        ("2 * null", None),
        ("-null", None),
        ("1 / 3 * 3", Decimal("0.9999999999999999999999999999")),
    ],
)
def test_it_adds_joins_and_computes(text, expected):
    result = ev(text)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('state == "disabled"', True),
        ('state != "disabled"', False),
        ("last_name == null", True),
        ("first_name != null", True),
        ("orders_count == 3", True),
        ("orders_count == 3.0", True),
        ('orders_count == "3"', False),
        ("true == 1", False),
        ("null == null", True),
        ("addresses[0] == addresses[0]", True),
        ("orders_count > 2", True),
        ("orders_count >= 4", False),
        ("orders_count < 3.5", True),
        ("orders_count <= 3", True),
        ('"abc" < "abd"', True),
        ("last_name < 1", False),
        ("null > null", False),
        ("true and 1", True),
        ('true and ""', False),
        ("null or 0", False),
        ('null or "x"', True),
        ("not null", True),
        ('not "x"', False),
        ("not not 1", True),
        ('"Inactive" if state == "disabled" else "Active"', "Inactive"),
        ('"yes" if middle_name else "no"', "no"),
        ('"yes" if tags else "no"', "yes"),
    ],
)
def test_it_compares_and_combines(text, expected):
    assert ev(text) == expected


def test_it_evaluates_and_or_lazily():
    assert ev('false and lookup("Nope", 1)') is False
    assert ev('true or lookup("Nope", 1)') is True
    assert ev('"ok" if true else lookup("Nope", 1)') == "ok"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("first_name * 2", '"*" needs numbers, got text and number'),
        ("first_name - 1", '"-" needs numbers, got text and number'),
        ("-first_name", '"-" needs a number, got text'),
        ("orders_count / 0", "division by zero"),
        ('orders_count < "4"', "cannot compare number with text"),
        ("99999999999999999999 * 99999999999999999999", "number result is out of range (limit ±1e30)"),
        ('"x" + tags', "a list cannot be used as text"),
        ("default_address + 1", "an object cannot be used as text"),
    ],
)
def test_it_refuses_bad_operands_at_run_time(text, message):
    with pytest.raises(EvaluationError) as caught:
        ev(text)
    assert caught.value.message == message
    assert caught.value.target == "value"


def test_it_joins_long_text_only_up_to_the_limit():
    record = {"note": "x" * 60_000}
    assert len(ev("note + note[0] + note", {"note": "x" * 40_000})) == 80_000
    with pytest.raises(EvaluationError, match=r"text result is too long \(120000 characters, limit 100000\)"):
        ev("note + note", record)
    with pytest.raises(EvaluationError, match="text result is too long"):
        ev("concat(note, note)", record)


def test_it_reads_now_from_the_run_context():
    context = RunContext(now=datetime(2025, 3, 1, 12, 30, tzinfo=UTC))
    assert evaluate_expression("now()", {}, context=context) == datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    assert evaluate_expression('"at " + now()', {}, context=context) == "at 2025-03-01T12:30:00+00:00"
    assert isinstance(evaluate_expression("now()", {}), datetime)
