"""Runtime semantics of values: text conversion, `+`, arithmetic, comparisons.

Values are JSON-shaped (None, bool, int, float, str, list, dict) plus Decimal (decimal literals,
`number()`) and datetime (`now()`). Both the generated code and the function library use these
helpers so an operator means the same thing everywhere.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from .errors import EvaluationError
from .limits import MAX_NUMBER, MAX_TEXT_LENGTH

Number = int | float | Decimal


def type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, date):
        return "date"
    return "object"


def a_type(value: object) -> str:
    """ "a list", "an object"... for messages."""
    name = type_name(value)
    return ("an " if name[0] in "aeiou" else "a ") + name


def is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def to_text(value: object) -> str:
    """The text of a value, as `+`, `concat` and text functions see it; null is ""."""
    if value.__class__ is str:
        return value  # type: ignore[return-value]
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        # "f" avoids exponent notation: Decimal("100") / 10 is Decimal("1E+1").
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise EvaluationError(f"{a_type(value)} cannot be used as text")


def check_text(text: str) -> str:
    if len(text) > MAX_TEXT_LENGTH:
        raise EvaluationError(f"text result is too long ({len(text)} characters, limit {MAX_TEXT_LENGTH})")
    return text


def text_too_long(text: str) -> str:
    """Called by generated code when a `+` result is over the limit."""
    return check_text(text)


def check_number(value: Number) -> Number:
    if not -MAX_NUMBER <= value <= MAX_NUMBER:  # also refuses NaN, which compares false
        raise EvaluationError(f"number result is out of range (limit ±1e{len(str(MAX_NUMBER)) - 1})")
    return value


def _as_decimal(value: Number) -> Decimal:
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def add(left: object, right: object) -> object:
    """`+`: numeric addition when both sides are numbers, otherwise text join (null is "")."""
    if is_number(left) and is_number(right):
        return _arithmetic("+", left, right)  # type: ignore[arg-type]
    return check_text(to_text(left) + to_text(right))


def add_all(*operands: object) -> object:
    """A `+` chain evaluated left to right, as in `1 + 2 + "x"` → "3x"."""
    result = operands[0]
    for operand in operands[1:]:
        result = add(result, operand)
    return result


def arithmetic(operands: tuple[object, ...], operators: tuple[str, ...]) -> object:
    """A left-associative chain of + - * / (generated code passes operands already evaluated)."""
    result = operands[0]
    for operator, operand in zip(operators, operands[1:], strict=True):
        if operator == "+":
            result = add(result, operand)
        elif result is None or operand is None:
            result = None  # arithmetic with a missing value stays missing
        elif is_number(result) and is_number(operand):
            result = _arithmetic(operator, result, operand)  # type: ignore[arg-type]
        else:
            raise EvaluationError(
                f'"{operator}" needs numbers, got {type_name(result)} and {type_name(operand)}'
            )
    return result


def _arithmetic(operator: str, left: Number, right: Number) -> Number:
    if isinstance(left, Decimal) != isinstance(right, Decimal):
        left, right = _as_decimal(left), _as_decimal(right)
    try:
        if operator == "+":
            result: Number = left + right  # type: ignore[operator]
        elif operator == "-":
            result = left - right  # type: ignore[operator]
        elif operator == "*":
            result = left * right  # type: ignore[operator]
        else:
            if right == 0:
                raise EvaluationError("division by zero")
            if isinstance(left, int) and isinstance(right, int):
                quotient, remainder = divmod(left, right)
                result = quotient if remainder == 0 else Decimal(left) / Decimal(right)
            else:
                result = left / right  # type: ignore[operator]
    except ArithmeticError as error:  # decimal signals, float overflow
        raise EvaluationError(f'"{operator}" failed: number out of range') from error
    return check_number(result)


def negate(value: object) -> object:
    if value is None:
        return None
    if not is_number(value):
        raise EvaluationError(f'"-" needs a number, got {type_name(value)}')
    return check_number(-value)  # type: ignore[operator]


def equals(left: object, right: object) -> bool:
    """`==`: same type and value; numbers compare by value (1 == 1.0); true is not 1."""
    if left.__class__ is right.__class__:
        return left == right
    if is_number(left) and is_number(right):
        return left == right
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(equals(a, b) for a, b in zip(left, right, strict=True))
    return False


def compare(operator: str, left: object, right: object) -> bool:
    """`< <= > >=`: numbers with numbers, text with text, dates with dates; null → false."""
    if left is None or right is None:
        return False
    comparable = (
        (is_number(left) and is_number(right))
        or (isinstance(left, str) and isinstance(right, str))
        or (isinstance(left, datetime) and isinstance(right, datetime))
    )
    if not comparable:
        raise EvaluationError(f"cannot compare {type_name(left)} with {type_name(right)}")
    try:
        if operator == "<":
            return left < right  # type: ignore[operator]
        if operator == "<=":
            return left <= right  # type: ignore[operator]
        if operator == ">":
            return left > right  # type: ignore[operator]
        return left >= right  # type: ignore[operator]
    except TypeError as error:  # naive vs aware datetimes
        raise EvaluationError(f"cannot compare these dates: {error}") from error


def text_argument(value: object, function: str) -> str | None:
    """A function's text argument: null stays null, numbers become text, lists are refused."""
    if value is None or value.__class__ is str:
        return value  # type: ignore[return-value]
    if isinstance(value, list | tuple | dict):
        raise EvaluationError(f"{function}() expects text, got {a_type(value)}")
    return to_text(value)


def index_value(base: object, key: str | int) -> object:
    """`base[key]`: an object's field or a list's element; null when there is none."""
    if isinstance(key, str):
        return base.get(key) if isinstance(base, dict) else None
    if isinstance(base, list) and -len(base) <= key < len(base):
        return base[key]
    return None
