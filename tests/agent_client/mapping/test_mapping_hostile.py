"""Hostile and random input: refused or bounded, never a crash or an escape."""

import ast
import re
import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_client.mapping import (
    FUNCTIONS,
    ExpressionError,
    LookupTables,
    MappingErrors,
    MappingRow,
    RecordError,
    RunContext,
    compile_mapping,
    evaluate_expression,
    parse,
    quote,
    validate_expression,
)
from agent_client.mapping.codegen import base_namespace
from agent_client.mapping.limits import MAX_DEPTH

TABLES = LookupTables({"Tax": {"rows": {"ON": "ONTARIO", "1": "one"}, "default": None}})
ALPHABET = st.sampled_from(
    list("abcxyz_019 .,()[]+-*/=<>!\"'\\\n#%&|")
    + ["and", "or", "not", "if", "else", "null", "true", "upper", "lookup"]
)


def refusal(text: str) -> str:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    return caught.value.message


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60) | st.lists(ALPHABET, max_size=40).map("".join))
def test_random_text_only_ever_raises_expression_error(text):
    problems = validate_expression(text)
    assert all(isinstance(problem, ExpressionError) for problem in problems)
    assert all(0 <= problem.position <= len(text) for problem in problems)
    try:
        parse(text)
    except ExpressionError:
        assert problems


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('id')", 'names starting with "_" are not allowed: __import__'),
        ("x.__class__.__mro__", 'names starting with "_" are not allowed: __class__'),
        ("eval('1')", 'unknown function "eval"'),
        ("exec('1')", 'unknown function "exec"'),
        ("open('/etc/passwd')", 'unknown function "open"'),
        ("getattr(x, 'y')", 'unknown function "getattr"'),
        ("globals()", 'unknown function "globals"'),
        ("email.upper()", "functions are called as upper(x), not x.upper()"),
        ("email.replace('a', 'b')", "functions are called as replace(x), not x.replace()"),
        ("lambda: 1", 'unexpected character ":"'),
        ("[x for x in y]", 'unexpected "["'),
        ("{'a': 1}", "{ } are not supported"),
        ("a; b", "an expression cannot contain ;"),
        ("2 ** 1000000", "the ** operator is not supported"),
        ("1" * 21, "number is too long (limit 20 digits)"),
        ("1." + "0" * 20, "number is too long (limit 20 digits)"),
        ('"' + "x" * 1001 + '"', "text is too long (limit 1000 characters)"),
        ("a" * 65, "name is too long (limit 64 characters)"),
        ("a + " * 500 + "a", "expression is too long (2001 characters, limit 2000)"),
        ("(" * 200 + "a" + ")" * 200, "expression is nested too deeply (limit 32 levels)"),
        ("not " * 40 + "a", "expression is nested too deeply (limit 32 levels)"),
        ("-" * 40 + "a", "expression is nested too deeply (limit 32 levels)"),
        ("upper(" * 40 + "a" + ")" * 40, "expression is nested too deeply (limit 32 levels)"),
        ("a if b else " * 40 + "c", "expression is nested too deeply (limit 32 levels)"),
        ("concat(" + ", ".join("a" * 17) + ")", "too many arguments (limit 16)"),
    ],
)
def test_it_refuses_hostile_expressions(text, message):
    assert refusal(text) == message


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(a+)+b", "repeating a group that contains a repetition or |"),
        ("(a*)*", "repeating a group that contains a repetition or |"),
        ("(a|aa)+", "repeating a group that contains a repetition or |"),
        ("((ab)+c)+", "repeating a group that contains a repetition or |"),
        ("(?:x+){2,}", "repeating a group that contains a repetition or |"),
        ("(a)\\\\1", "backreferences are not allowed"),
        ("(?P<n>a)(?P=n)", "lookarounds and backreferences are not allowed"),
        ("(?=a)b", "lookarounds and backreferences are not allowed"),
        ("\\\\s*\\\\s*\\\\s*x", "at most 2 unbounded repetitions (* + {n,}) are allowed"),
        ("a{1,100}b{1,100}c{1,100}", "at most 2 unbounded repetitions (* + {n,}) are allowed"),
        ("x" * 201, "pattern is too long (limit 200 characters)"),
        ("(a", "invalid pattern: missing ), unterminated subpattern"),
    ],
)
def test_it_refuses_regexes_that_could_backtrack_for_ever(pattern, message):
    assert refusal(f'regex_replace(x, "{pattern}", "")').startswith(message)


def test_it_accepts_ordinary_regexes():
    for pattern in (
        "[^0-9]+",
        "^\\\\s+|\\\\s+$",
        "(\\\\d{3})-(\\\\d{4})",
        "[ab]+c",
        "(?i)^mr\\\\.?\\\\s",
        "(ab)?c+",
    ):
        assert validate_expression(f'regex_replace(x, "{pattern}", "")') == [], pattern
    assert refusal('regex_replace(x, "(a)", "$2")') == "$2 refers to a group the pattern does not have"


def test_the_worst_accepted_regex_is_bounded():
    started = time.perf_counter()
    assert evaluate_expression('regex_replace(x, "a*a*b", "")', {"x": "a" * 1000}) == "a" * 1000
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    "template",
    [
        "upper({})",
        '({} + "x")',
        "coalesce({}, a)",
        "(a if {} else b)",
        "(a if b else {})",
        "not {}",
        "({} == a)",
        "({} < 1)",
        'lookup("Tax", a, {})',
        "default({}, a)",
        "({} and a)",
        "-{}",
        "(1 - {})",
        'split({}, ",")[0]',
        "concat(a, {}, b)",
    ],
)
def test_the_deepest_accepted_nesting_compiles_and_runs(template):
    text = "a"
    while not validate_expression(template.format(text)):
        text = template.format(text)
    assert validate_expression(template.format(text))[0].message.startswith("expression is nested too deeply")
    mapping = compile_mapping([MappingRow("v", text)])
    try:
        mapping.apply({"a": "1", "b": "2"}, TABLES)
    except RecordError:
        pass


def test_long_flat_expressions_compile():
    for separator in (" + ", " - ", " * ", " and ", " or "):
        count = (2000 + len(separator)) // (1 + len(separator))
        text = separator.join(["a"] * count)
        assert len(text) <= 2000
        compile_mapping([MappingRow("v", text)]).preview({"a": 1}, TABLES)
    assert evaluate_expression(" + ".join(['"x"'] * 300), {}) == "x" * 300
    assert evaluate_expression(" + ".join(["1"] * 450), {}) == 450


def test_runtime_numbers_and_text_are_bounded():
    with pytest.raises(RecordError, match="number result is out of range"):
        evaluate_expression("n * n", {"n": 10**20})
    with pytest.raises(RecordError, match="number result is out of range"):
        evaluate_expression("n * 2", {"n": 1e308})
    with pytest.raises(RecordError, match="number result is out of range"):
        evaluate_expression("n + 1", {"n": float("nan")})
    with pytest.raises(RecordError, match="cannot read"):
        evaluate_expression("number(x)", {"x": "9" * 31})
    with pytest.raises(RecordError, match="text result is too long"):
        evaluate_expression("x + x + x", {"x": "y" * 40_000})
    with pytest.raises(RecordError, match="more than 10000 parts"):
        evaluate_expression('split(x, ",")', {"x": "," * 10_001})


def test_generated_code_cannot_reach_builtins():
    mapping = compile_mapping([MappingRow("a", "upper(x)")])
    assert mapping._apply.__globals__["__builtins__"] == {}
    assert "__import__" not in mapping._apply.__globals__
    with pytest.raises(NameError):
        exec("open('x')", base_namespace())  # noqa: S102 - proves the namespace has no builtins


# -- random valid expressions --------------------------------------------------------------

PATHS = ["a", "b", "n", "first_name", "default_address.city", "items[0]", "items[-1]", "items[5].x", 'a["k"]']
FIXED_LITERAL_CALLS = [
    'lookup("Tax", {0})',
    'lookup("Tax", {0}, {1})',
    'lookup("Nope", {0}, {1})',
    'regex_replace({0}, "[0-9]+", {1})',
    'regex_replace({0}, "^(a)(b)?", "<$1$2>")',
    'format_date({0}, "%Y-%m-%d %H:%M %z")',
]
PLAIN_FUNCTIONS = sorted(name for name, spec in FUNCTIONS.items() if not spec.literal_args)
CONTEXT = RunContext(now=datetime(2025, 3, 1, tzinfo=UTC))


def _literals() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=8).map(quote),
        st.integers(min_value=-(10**12), max_value=10**12).map(str),
        st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False).map(lambda d: format(d, "f")),
        st.sampled_from(["true", "false", "null", '""', '"2024-01-05T10:11:12-05:00"', '"7001234567890"']),
    )


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    operators = ["+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "and", "or"]
    binary = st.tuples(children, st.sampled_from(operators), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    )
    conditional = st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})")
    unary = st.tuples(st.sampled_from(["not ", "-"]), children).map(lambda t: f"({t[0]}{t[1]})")

    @st.composite
    def call(draw: st.DrawFn) -> str:
        spec = FUNCTIONS[draw(st.sampled_from(PLAIN_FUNCTIONS))]
        high = spec.max_args if spec.max_args is not None else spec.min_args + 3
        count = draw(st.integers(min_value=spec.min_args, max_value=high))
        return f"{spec.name}({', '.join(draw(children) for _ in range(count))})"

    fixed = st.tuples(st.sampled_from(FIXED_LITERAL_CALLS), children, children).map(
        lambda t: t[0].format(t[1], t[2])
    )
    return st.one_of(binary, conditional, unary, call(), fixed)


EXPRESSIONS = st.recursive(st.one_of(_literals(), st.sampled_from(PATHS)), _extend, max_leaves=12)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["x", "k", "city"]), inner, max_size=2)
    ),
    max_leaves=6,
)
RECORDS = st.fixed_dictionaries(
    {},
    optional={name: JSON for name in ("a", "b", "n", "first_name", "default_address", "items")},
)

ALLOWED_ATTRIBUTES = {"get", "__class__", "row", "target", "lookup", "append"}
LOCAL_NAME = re.compile(r"^(r|L|C|_row|_error|_w|_v\d+|_t[\w]*|_p[\w]*|_k\d+)$")


def _check_generated_source(source: str) -> None:
    """Generated code only calls known helpers and touches a fixed set of attributes."""
    known = set(base_namespace()) | {"_TARGETS", "_cut", "_Result", "_fail"}
    for node in ast.walk(ast.parse(source)):
        assert not isinstance(node, ast.Import | ast.ImportFrom | ast.Lambda | ast.Global | ast.Nonlocal)
        if isinstance(node, ast.Attribute):
            assert node.attr in ALLOWED_ATTRIBUTES, node.attr
        if isinstance(node, ast.Name):
            assert node.id in known or LOCAL_NAME.match(node.id), node.id


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, RECORDS)
def test_random_valid_expressions_compile_and_only_fail_per_record(text, record):
    try:
        mapping = compile_mapping([MappingRow("v", text, max_length=20, required=False)])
    except MappingErrors as errors:
        # The generator writes only valid syntax; the one refusal it can reach is the depth limit
        # and literal-only operands such as "a" * 2.
        assert all(
            "nested too deeply" in e.reason or "needs" in e.reason or "too long" in e.reason
            for e in errors.errors
        ), errors
        return
    _check_generated_source(mapping.source)
    try:
        result = mapping.apply(record, TABLES, CONTEXT)
    except RecordError as error:
        assert error.target == "v" and error.row == 1
        return
    value = result.output["v"]
    assert not isinstance(value, str) or len(value) <= 20
    [preview] = mapping.preview(record, TABLES, CONTEXT)
    assert preview.error is None and preview.value == value


def test_it_has_a_depth_limit_that_generated_code_survives():
    assert MAX_DEPTH == 32
