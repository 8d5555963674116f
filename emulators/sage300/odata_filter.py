"""`$filter` expressions compiled to closures over a stored record.

The text is tokenized and parsed by recursive descent (or < and < not < comparison < primary),
so a feed evaluates Python calls, never strings. Literal syntax is OData v4, which Sage's own
Postman collection sends (`DateOfLastInvoice gt 2016-12-31T12:00:00Z`, enums as quoted member
names), plus the v3 forms DEVREF still shows (`datetime'2015-12-31T12:00'`, `99.99m`,
`substringof`). String comparison is ordinal and case-sensitive: Sage 300 databases use a
binary collation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from .errors import invalid_parameters
from .schema import BOOLEAN, DATE, DECIMAL, DETAILS, ENUM, INT32, INT64, STRING, Entity

STRING_T, NUMBER_T, DATE_T, BOOL_T, NULL_T = "string", "number", "date", "bool", "null"

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<v3date>datetime(?:offset)?'(?P<v3value>[^']*)')
    | (?P<enumlit>[A-Za-z_][\w.]*'(?P<enumvalue>(?:[^']|'')*)')
    | '(?P<string>(?:[^']|'')*)'
    | (?P<date>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)[mMdDfFlL]?
    | (?P<ident>[A-Za-z_][\w]*)
    | (?P<punct>[(),])
    )""",
    re.VERBOSE,
)
_COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # literal kinds above, "ident", "punct", "end"
    value: object
    position: int


@dataclass(frozen=True, slots=True)
class Node:
    """A typed expression: `evaluate(record)` gives its value; `enum` orders enum members."""

    kind: str
    evaluate: Callable[[dict], object]
    enum: dict[str, int] | None = None
    constant: bool = False


def _datetime_literal(text: str) -> datetime:
    if len(text) == 10:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match:
            raise invalid_parameters(f"Syntax error at position {position} in '{text}'.")
        start = match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
        try:
            if match.group("v3date") is not None:
                tokens.append(Token(DATE_T, _datetime_literal(match.group("v3value")), start))
            elif match.group("enumlit") is not None:
                tokens.append(Token(STRING_T, match.group("enumvalue").replace("''", "'"), start))
            elif match.group("string") is not None:
                tokens.append(Token(STRING_T, match.group("string").replace("''", "'"), start))
            elif match.group("date") is not None:
                tokens.append(Token(DATE_T, _datetime_literal(match.group("date")), start))
            elif match.group("number") is not None:
                number = match.group("number")
                tokens.append(
                    Token(
                        NUMBER_T,
                        float(number) if "." in number or "e" in number.lower() else int(number),
                        start,
                    )
                )
            elif match.group("ident") is not None:
                tokens.append(Token("ident", match.group("ident"), start))
            else:
                tokens.append(Token("punct", match.group("punct"), start))
        except ValueError as exc:
            raise invalid_parameters(f"Invalid literal at position {start} in '{text}': {exc}.") from exc
        position = match.end()
    tokens.append(Token("end", None, len(text)))
    return tokens


def _as_datetime(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value


def _field_node(entity: Entity, name: str) -> Node:
    spec = entity.fields.get(name)
    if spec is None or spec.kind == DETAILS:
        raise invalid_parameters(
            f"Could not find a property named '{name}' on type '{entity.namespace}.{entity.type_name}'."
        )
    if spec.kind == DATE:
        return Node(DATE_T, lambda record: _as_datetime(record[name]))
    if spec.kind in (DECIMAL, INT32, INT64):
        return Node(NUMBER_T, lambda record: record[name])
    if spec.kind == BOOLEAN:
        return Node(BOOL_T, lambda record: record[name])
    if spec.kind == ENUM:
        assert spec.enum is not None
        return Node(STRING_T, lambda record: record[name], enum=dict(spec.enum.members))
    assert spec.kind == STRING
    return Node(STRING_T, lambda record: record[name])


def _constant(kind: str, value: object) -> Node:
    return Node(kind, lambda record: value, constant=True)


def _compare(operator: str, left: Node, right: Node, text: str) -> Node:
    kinds = {left.kind, right.kind} - {NULL_T}
    if len(kinds) > 1:
        raise invalid_parameters(
            f"A binary operator with incompatible types was detected in '{text}': "
            f"'{left.kind}' and '{right.kind}' for operator '{operator}'."
        )
    enum = left.enum or right.enum
    if enum is not None:
        for side in (left, right):
            if side.constant and side.kind == STRING_T and side.evaluate({}) not in enum:
                raise invalid_parameters(
                    f"The string '{side.evaluate({})}' is not a valid enumeration value."
                )
    get_left, get_right = left.evaluate, right.evaluate
    if enum is not None and operator not in ("eq", "ne"):
        get_left, get_right = _by_member_value(get_left, enum), _by_member_value(get_right, enum)
    if operator == "eq":
        return Node(BOOL_T, lambda record: get_left(record) == get_right(record))
    if operator == "ne":
        return Node(BOOL_T, lambda record: get_left(record) != get_right(record))
    test = {
        "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b,
    }[operator]

    def ordered(record):
        a, b = get_left(record), get_right(record)
        # OData: an ordering comparison with null is false.
        return a is not None and b is not None and test(a, b)

    return Node(BOOL_T, ordered)


def _by_member_value(getter: Callable[[dict], object], enum: dict[str, int]) -> Callable[[dict], object]:
    """Enums order by their numbers (Inactive < Active), as ODataLib compares them."""
    return lambda record: enum.get(getter(record))


def _string_function(name: str, operation, result_kind: str, arity: int):
    def build(args: list[Node], text: str) -> Node:
        if len(args) != arity:
            raise invalid_parameters(f"The function '{name}' takes {arity} argument(s) in '{text}'.")
        getters = [arg.evaluate for arg in args]

        def evaluate(record):
            values = [get(record) for get in getters]
            if any(value is None for value in values):
                return None
            return operation(*values)

        return Node(result_kind, evaluate)

    return build


def _date_part(name: str, part: str):
    def build(args: list[Node], text: str) -> Node:
        if len(args) != 1 or args[0].kind != DATE_T:
            raise invalid_parameters(f"The function '{name}' takes one date argument in '{text}'.")
        get = args[0].evaluate
        return Node(NUMBER_T, lambda record: None if (value := get(record)) is None else getattr(value, part))

    return build


_FUNCTIONS = {
    "startswith": _string_function("startswith", lambda s, p: s.startswith(p), BOOL_T, 2),
    "endswith": _string_function("endswith", lambda s, p: s.endswith(p), BOOL_T, 2),
    "contains": _string_function("contains", lambda s, p: p in s, BOOL_T, 2),
    "substringof": _string_function("substringof", lambda p, s: p in s, BOOL_T, 2),
    "tolower": _string_function("tolower", str.lower, STRING_T, 1),
    "toupper": _string_function("toupper", str.upper, STRING_T, 1),
    "trim": _string_function("trim", str.strip, STRING_T, 1),
    "length": _string_function("length", len, NUMBER_T, 1),
    "indexof": _string_function("indexof", lambda s, p: s.find(p), NUMBER_T, 2),
    "concat": _string_function("concat", lambda a, b: a + b, STRING_T, 2),
    "year": _date_part("year", "year"),
    "month": _date_part("month", "month"),
    "day": _date_part("day", "day"),
}


class _FilterParser:
    def __init__(self, entity: Entity, text: str) -> None:
        self.entity = entity
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(self, token: Token) -> None:
        raise invalid_parameters(f"Syntax error at position {token.position} in '{self.text}'.")

    def expect_punct(self, value: str) -> None:
        token = self.take()
        if token.kind != "punct" or token.value != value:
            self.fail(token)

    def is_word(self, token: Token, *words: str) -> bool:
        return token.kind == "ident" and token.value in words

    def parse(self) -> Callable[[dict], object]:
        node = self.parse_or()
        if self.peek().kind != "end":
            self.fail(self.peek())
        if node.kind != BOOL_T:
            raise invalid_parameters(f"The $filter expression '{self.text}' must evaluate to a Boolean.")
        return node.evaluate

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.is_word(self.peek(), "or"):
            self.take()
            left, right = node.evaluate, self._boolean(self.parse_and()).evaluate
            node = Node(
                BOOL_T, lambda record, left=left, right=right: bool(left(record)) or bool(right(record))
            )
        return node

    def parse_and(self) -> Node:
        node = self.parse_not()
        while self.is_word(self.peek(), "and"):
            self.take()
            left, right = self._boolean(node).evaluate, self._boolean(self.parse_not()).evaluate
            node = Node(
                BOOL_T, lambda record, left=left, right=right: bool(left(record)) and bool(right(record))
            )
        return node

    def parse_not(self) -> Node:
        if self.is_word(self.peek(), "not"):
            self.take()
            inner = self._boolean(self.parse_not()).evaluate
            return Node(BOOL_T, lambda record: not inner(record))
        return self.parse_comparison()

    def parse_comparison(self) -> Node:
        left = self.parse_primary()
        token = self.peek()
        if self.is_word(token, *_COMPARISONS):
            self.take()
            return _compare(str(token.value), left, self.parse_primary(), self.text)
        if self.is_word(token, "add", "sub", "mul", "div", "mod", "has"):
            raise invalid_parameters(f"The operator '{token.value}' is not supported in '{self.text}'.")
        return left

    def _boolean(self, node: Node) -> Node:
        if node.kind != BOOL_T:
            raise invalid_parameters(f"A Boolean operand is required in '{self.text}'.")
        return node

    def parse_primary(self) -> Node:
        token = self.take()
        if token.kind == "punct" and token.value == "(":
            node = self.parse_or()
            self.expect_punct(")")
            return node
        if token.kind in (STRING_T, NUMBER_T, DATE_T):
            return _constant(token.kind, token.value)
        if token.kind != "ident":
            self.fail(token)
        word = str(token.value)
        if word == "null":
            return _constant(NULL_T, None)
        if word in ("true", "false"):
            return _constant(BOOL_T, word == "true")
        following = self.peek()
        if following.kind == "punct" and following.value == "(":
            builder = _FUNCTIONS.get(word)
            if builder is None:
                raise invalid_parameters(
                    f"An unknown function with name '{word}' was found in '{self.text}'."
                )
            self.take()
            args = [self.parse_or()]
            while self.peek().kind == "punct" and self.peek().value == ",":
                self.take()
                args.append(self.parse_or())
            self.expect_punct(")")
            return builder(args, self.text)
        return _field_node(self.entity, word)


def filter_compile(entity: Entity, text: str) -> Callable[[dict], object]:
    return _FilterParser(entity, text).parse()
