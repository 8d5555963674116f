from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_client.mapping import ExpressionError, parse, quote, source_paths, validate_expression
from agent_client.mapping.nodes import Call, Chain, Compare, Conditional, Index, Literal, Logical, Path, Unary


def error_of(text: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    return caught.value


def test_it_parses_literals():
    assert parse('"a\\"b\\\\c\\n\\t\\u00e9"') == Literal('a"b\\c\n\té', 0)
    assert parse("'it\\'s'") == Literal("it's", 0)
    assert parse("42") == Literal(42, 0)
    assert parse("12.50") == Literal(Decimal("12.50"), 0)
    assert parse("-3") == Literal(-3, 0)
    assert parse("true") == Literal(True, 0)
    assert parse("false") == Literal(False, 0)
    assert parse("null") == Literal(None, 0)


def test_it_parses_field_paths():
    assert parse("first_name") == Path(("first_name",), 0)
    assert parse("default_address.city") == Path(("default_address", "city"), 0)
    assert parse("addresses[0].zip") == Path(("addresses", 0, "zip"), 0)
    assert parse("addresses[-1]") == Path(("addresses", -1), 0)
    assert parse('note_attributes["gift wrap"]') == Path(("note_attributes", "gift wrap"), 0)


def test_it_parses_index_on_a_call_result():
    assert parse('split(x, " ")[1]') == Index(Call("split", (Path(("x",), 6), Literal(" ", 9)), 0), 1, 13)


def test_it_respects_precedence():
    tree = parse("a + b * c == d or not e and f")
    assert isinstance(tree, Logical) and tree.operator == "or"
    compare, conjunction = tree.operands
    assert isinstance(compare, Compare) and compare.operator == "=="
    assert isinstance(compare.left, Chain) and compare.left.operators == ("+",)
    assert isinstance(compare.left.operands[1], Chain) and compare.left.operands[1].operators == ("*",)
    assert isinstance(conjunction, Logical) and conjunction.operator == "and"
    assert isinstance(conjunction.operands[0], Unary) and conjunction.operands[0].operator == "not"


def test_it_keeps_chains_flat_and_left_to_right():
    tree = parse("a + b - c + d")
    assert isinstance(tree, Chain)
    assert tree.operators == ("+", "-", "+")
    assert [o.steps for o in tree.operands] == [("a",), ("b",), ("c",), ("d",)]  # type: ignore[union-attr]


def test_it_parses_conditionals_right_associatively():
    tree = parse('"A" if x == 1 else "B" if x == 2 else "C"')
    assert isinstance(tree, Conditional)
    assert isinstance(tree.otherwise, Conditional)
    assert tree.otherwise.otherwise == Literal("C", 38)


def test_it_parses_parentheses():
    tree = parse("(a + b) * c")
    assert isinstance(tree, Chain) and tree.operators == ("*",)


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("", 1, "expression is empty"),
        ("first_name +", 13, "expression is incomplete"),
        ('"abc', 1, "text is missing its closing quote"),
        ('"a\\qb"', 3, "unknown escape \\q"),
        ('"\\u12"', 2, "\\u must be followed by 4 hexadecimal digits"),
        ("email.lower()", 6, "functions are called as lower(x), not x.lower()"),
        ("a = 1", 3, 'use "==" to compare'),
        ("a && b", 3, 'use "and" instead of "&&"'),
        ("a || b", 3, 'use "or" instead of "||"'),
        ("!a", 1, 'use "not" instead of "!"'),
        ("2 ** 8", 3, "the ** operator is not supported"),
        ("a % 2", 3, "the % operator is not supported"),
        ("__import__('os')", 1, 'names starting with "_" are not allowed: __import__'),
        ("x.__class__", 3, 'names starting with "_" are not allowed: __class__'),
        ("_secret", 1, 'names starting with "_" are not allowed: _secret'),
        ("a < b < c", 7, 'comparisons cannot be chained; combine them with "and"'),
        ('"x" if a', 9, 'a conditional needs "else": A if CONDITION else B'),
        ("upper(a", 8, 'expected "," or ")" in the arguments of upper()'),
        ("(a + b", 7, 'expected ")"'),
        ("a[1.5]", 3, 'an index is a whole number or a quoted field name, e.g. [0], [-1], ["name"]'),
        ("a[b]", 3, 'an index is a whole number or a quoted field name, e.g. [0], [-1], ["name"]'),
        ("upper(a).b", 9, '"." can only follow a field name'),
        ("import os", 8, 'unexpected "os"'),
        ("a b", 3, 'unexpected "b"'),
        ("12abc", 1, "malformed number"),
        (".5", 1, "a number must start with a digit, e.g. 0.5"),
        ("a # b", 3, 'unexpected character "#"'),
        ("lookp(a)", 1, 'unknown function "lookp" (did you mean "lookup"?)'),
        ("eval(a)", 1, 'unknown function "eval"'),
        ("open(a)", 1, 'unknown function "open"'),
        ("upper(a, b)", 1, "upper() takes 1 argument, got 2: upper(text)"),
        ('lookup("T")', 1, "lookup() takes 2 to 3 arguments, got 1: lookup(table, value[, default])"),
        ("concat()", 1, "concat() takes at least 1 argument, got 0: concat(value, ...)"),
        ("lookup(table_name, x)", 8, "the table of lookup() must be quoted text"),
        ('regex_replace(a, pattern, "")', 18, "the pattern of regex_replace() must be quoted text"),
        (
            'format_date(d, "%Y-%q")',
            16,
            'unsupported date code "%q" (allowed: %Y %y %m %d %H %I %p %M %S %f %j %b %B %a %A %z %%)',
        ),
        ('"a" * 2', 1, '"*" needs numbers, not text'),
        ('-"a"', 1, '"-" needs a number'),
    ],
)
def test_it_reports_column_and_reason(text, column, message):
    error = error_of(text)
    assert (error.column, error.message) == (column, message)
    assert str(error) == f"column {column}: {message}"


def test_it_lists_every_problem_of_an_expression():
    errors = validate_expression("concat(lookp(a), uper(b), lookup(t, c))")
    assert [(e.column, e.message) for e in errors] == [
        (8, 'unknown function "lookp" (did you mean "lookup"?)'),
        (18, 'unknown function "uper" (did you mean "upper"?)'),
        (34, "the table of lookup() must be quoted text"),
    ]
    assert validate_expression('"SH" + upper(base36(id))') == []
    assert [e.message for e in validate_expression("a +")] == ["expression is incomplete"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_quote_writes_a_literal_that_parses_back(text):
    assert parse(quote(text)) == Literal(text, 0)


def test_it_writes_paths_the_way_users_do():
    assert source_paths('a["not"].b + c[0]["x y"] + d[-1].e') == ['a["not"].b', 'c[0]["x y"]', "d[-1].e"]
