"""Implementations of the function library (the registry is `functions.FUNCTIONS`).

Text functions return null for a null input (so `lower(email)` stays null when there is no
email) and refuse lists and objects. Every refusal is an EvaluationError: it fails the record.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .errors import EvaluationError
from .limits import MAX_LIST_LENGTH, MAX_NUMBER, MAX_PAD_WIDTH, MAX_TEXT_LENGTH
from .values import check_text, equals, is_number, text_argument, to_text, type_name

_DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"
# Two base-36 digits per division: a 13-digit Shopify id takes 5 steps instead of 9.
_PAIRS36 = tuple(high + low for high in _DIGITS36 for low in _DIGITS36)


_text = text_argument


def _whole(value: object, function: str, *, low: int = 0, high: int = MAX_TEXT_LENGTH) -> int:
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise EvaluationError(f"{function}() expects a whole number, got {type_name(value)}")
    if not low <= value <= high:
        raise EvaluationError(f"{function}() number {value} is out of range ({low} to {high})")
    return value


def concat(*values: object) -> str:
    return check_text("".join(to_text(value) for value in values))


def trim(value: object) -> str | None:
    if value.__class__ is str:  # the common case, kept to one call: this is the hot path
        return value.strip()  # type: ignore[attr-defined]
    text = _text(value, "trim")
    return None if text is None else text.strip()


def upper(value: object) -> str | None:
    if value.__class__ is str:  # the common case, kept to one call: this is the hot path
        return value.upper()  # type: ignore[attr-defined]
    text = _text(value, "upper")
    return None if text is None else text.upper()


def lower(value: object) -> str | None:
    if value.__class__ is str:  # the common case, kept to one call: this is the hot path
        return value.lower()  # type: ignore[attr-defined]
    text = _text(value, "lower")
    return None if text is None else text.lower()


def title(value: object) -> str | None:
    text = _text(value, "title")
    if text is None:
        return None
    # str.title() would write "Mcdonald'S"; capitalise each space-separated word instead.
    return " ".join(word[:1].upper() + word[1:].lower() for word in text.split(" "))


def left(value: object, count: object) -> str | None:
    if value.__class__ is str and count.__class__ is int and 0 <= count <= MAX_TEXT_LENGTH:  # type: ignore[operator]
        return value[:count]  # type: ignore[index]
    text = _text(value, "left")
    size = _whole(count, "left")
    return None if text is None else text[:size]


def right(value: object, count: object) -> str | None:
    text = _text(value, "right")
    size = _whole(count, "right")
    return None if text is None else (text[-size:] if size else "")


def substr(value: object, start: object, length: object = None) -> str | None:
    text = _text(value, "substr")
    begin = _whole(start, "substr", low=-MAX_TEXT_LENGTH)
    if text is None:
        return None
    if length is None:
        return text[begin:]
    size = _whole(length, "substr")
    if begin < 0:
        begin = max(len(text) + begin, 0)
    return text[begin : begin + size]


def truncate(value: object, count: object, suffix: object = "") -> str | None:
    text = _text(value, "truncate")
    size = _whole(count, "truncate")
    ending = _text(suffix, "truncate") or ""
    if text is None or len(text) <= size:
        return text
    if size <= len(ending):
        return ending[:size]
    return text[: size - len(ending)] + ending


def replace(value: object, old: object, new: object) -> str | None:
    text = _text(value, "replace")
    search = _text(old, "replace") or ""
    replacement = _text(new, "replace") or ""
    if text is None or not search:
        return text
    # Check the size before building it: replace(x, "a", long) could otherwise allocate a lot.
    growth = text.count(search) * (len(replacement) - len(search))
    if len(text) + growth > MAX_TEXT_LENGTH:
        raise EvaluationError(f"replace() result is too long (limit {MAX_TEXT_LENGTH} characters)")
    return text.replace(search, replacement)


def split(value: object, separator: object) -> list[str] | None:
    text = _text(value, "split")
    sep = _text(separator, "split")
    if not sep:
        raise EvaluationError("split() needs a non-empty separator")
    if text is None:
        return None
    parts = text.split(sep, MAX_LIST_LENGTH)
    if len(parts) > MAX_LIST_LENGTH:
        raise EvaluationError(f"split() gives more than {MAX_LIST_LENGTH} parts")
    return parts


def join(values: object, separator: object) -> str | None:
    sep = _text(separator, "join") or ""
    if values is None:
        return None
    if not isinstance(values, list | tuple):
        raise EvaluationError(f"join() expects a list, got {type_name(values)}")
    return check_text(sep.join(to_text(value) for value in values))


def first(values: object) -> object:
    if values is None:
        return None
    if not isinstance(values, list | tuple):
        raise EvaluationError(f"first() expects a list, got {type_name(values)}")
    return values[0] if values else None


def base36(value: object) -> str | None:
    if value is None or value == "":
        return None
    number = _whole_number(value)
    if number is None:
        raise EvaluationError(f"base36() expects a whole number ≥ 0, got {value!r}")
    digits = ""
    while number >= 36:
        number, remainder = divmod(number, 1296)
        digits = _PAIRS36[remainder] + digits
    if number:
        digits = _DIGITS36[number] + digits
    return digits.lstrip("0") or "0"


def _whole_number(value: object) -> int | None:
    """A non-negative whole number from an int, integral decimal/float or digits text."""
    if isinstance(value, str):
        text = value.strip()
        return int(text) if text.isascii() and text.isdigit() and len(text) <= 30 else None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    if not 0 <= value <= MAX_NUMBER or value != int(value):  # NaN fails the first test
        return None
    return int(value)


def digits(value: object) -> str | None:
    text = _text(value, "digits")
    return None if text is None else "".join(char for char in text if "0" <= char <= "9")


def length(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, str | list | tuple):
        return len(value)
    return len(to_text(value))


def contains(container: object, item: object) -> bool:
    if container is None:
        return False
    if isinstance(container, list | tuple):
        return any(equals(element, item) for element in container)
    text = _text(container, "contains") or ""
    return to_text(item) in text


def startswith(value: object, prefix: object) -> bool:
    return (_text(value, "startswith") or "").startswith(to_text(prefix)) if value is not None else False


def endswith(value: object, suffix: object) -> bool:
    return (_text(value, "endswith") or "").endswith(to_text(suffix)) if value is not None else False


def number(value: object) -> int | float | Decimal | None:
    if value is None or value == "":
        return None
    if is_number(value):
        return value  # type: ignore[return-value]
    text = value.strip().replace(" ", "") if isinstance(value, str) else None
    digit_count = sum(char.isdigit() for char in text or "")
    if text and 0 < digit_count <= 30 and len(text) <= 32 and set(text) <= set("+-.0123456789"):
        try:
            parsed = Decimal(text)
        except InvalidOperation:
            parsed = None
        if parsed is not None and parsed.is_finite():
            return int(parsed) if "." not in text else parsed
    raise EvaluationError(f"number() cannot read {value!r} as a number")


def string(value: object) -> str | None:
    return None if value is None else _text(value, "string")


def _pad(value: object, width: object, fill: object, function: str) -> tuple[str | None, int, str]:
    text = _text(value, function)
    size = _whole(width, function, high=MAX_PAD_WIDTH)
    filler = _text(fill, function)
    if filler is None or len(filler) != 1:
        raise EvaluationError(f"{function}() fill must be exactly one character")
    return text, size, filler


def pad_left(value: object, width: object, fill: object = " ") -> str | None:
    text, size, filler = _pad(value, width, fill, "pad_left")
    return None if text is None else text.rjust(size, filler)


def pad_right(value: object, width: object, fill: object = " ") -> str | None:
    text, size, filler = _pad(value, width, fill, "pad_right")
    return None if text is None else text.ljust(size, filler)
