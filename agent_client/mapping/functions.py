"""The registry of functions: what the checker accepts, codegen calls and the portal lists.

Functions marked `inline` have no `impl`: codegen writes their code (they evaluate arguments
lazily, or read the lookup tables or the run context).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from . import dates, library, regexes


@dataclass(frozen=True)
class FunctionSpec:
    """One function of the language, as the portal lists it for users.

    `example` reads `call → result`, both written in the expression language.
    """

    name: str
    signature: str
    description: str
    example: str
    impl: Callable[..., Any] | None = None
    # Argument positions that must be written as text literals (checked at compile time).
    literal_args: tuple[int, ...] = ()
    always_text: bool = False  # never returns null or anything but text
    min_args: int = field(init=False)
    max_args: int | None = field(init=False)  # None: any number

    def __post_init__(self) -> None:
        inner = self.signature[self.signature.index("(") + 1 : -1]
        required = [p.strip() for p in inner.split("[")[0].split(",") if p.strip() not in ("", "...")]
        every = [p.strip() for p in inner.replace("[", "").replace("]", "").split(",") if p.strip()]
        object.__setattr__(self, "min_args", len(required))
        object.__setattr__(self, "max_args", None if "..." in every else len(every))

    @property
    def inline(self) -> bool:
        return self.impl is None

    def arity(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args}"
        if self.min_args == self.max_args:
            return str(self.min_args)
        return f"{self.min_args} to {self.max_args}"


_SPECS = (
    FunctionSpec(
        "concat",
        "concat(value, ...)",
        "Joins values as text; null counts as empty.",
        'concat("A", null, 1) → "A1"',
        library.concat,
        always_text=True,
    ),
    FunctionSpec(
        "trim", "trim(text)", "Removes spaces at both ends.", 'trim("  Ann ") → "Ann"', library.trim
    ),
    FunctionSpec("upper", "upper(text)", "Upper case.", 'upper("ann") → "ANN"', library.upper),
    FunctionSpec("lower", "lower(text)", "Lower case.", 'lower("Ann@X.COM") → "ann@x.com"', library.lower),
    FunctionSpec(
        "title",
        "title(text)",
        "Capitalises each word, lower-casing the rest.",
        'title("mary ANN") → "Mary Ann"',
        library.title,
    ),
    FunctionSpec(
        "left", "left(text, n)", "The first n characters.", 'left("Margaret", 3) → "Mar"', library.left
    ),
    FunctionSpec(
        "right", "right(text, n)", "The last n characters.", 'right("Margaret", 3) → "ret"', library.right
    ),
    FunctionSpec(
        "substr",
        "substr(text, start[, length])",
        "Part of the text from start (0-based; negative counts from the end).",
        'substr("Margaret", 1, 3) → "arg"',
        library.substr,
    ),
    FunctionSpec(
        "truncate",
        "truncate(text, n[, suffix])",
        "Cuts to at most n characters, ending with suffix when cut.",
        'truncate("Margaret", 6, "..") → "Marg.."',
        library.truncate,
    ),
    FunctionSpec(
        "replace",
        "replace(text, old, new)",
        "Replaces every occurrence of old by new.",
        'replace("a-b-c", "-", "/") → "a/b/c"',
        library.replace,
    ),
    FunctionSpec(
        "regex_replace",
        "regex_replace(text, pattern, replacement)",
        "Replaces matches of a regular expression (a quoted pattern); $1..$9 insert groups.",
        'regex_replace("555-123-4567", "^(\\\\d{3})-(\\\\d{3})-", "($1) $2-") → "(555) 123-4567"',
        regexes.regex_replace,
        literal_args=(1,),
    ),
    FunctionSpec(
        "coalesce",
        "coalesce(value, ...)",
        "The first value that is neither null nor empty text (later ones are not evaluated).",
        'coalesce(null, "", "x") → "x"',
    ),
    FunctionSpec(
        "default",
        "default(value, fallback)",
        "fallback when value is null; empty text is kept (use coalesce to skip it too).",
        'default(null, "n/a") → "n/a"',
    ),
    FunctionSpec(
        "split",
        "split(text, separator)",
        "Splits text into a list.",
        'len(split("a,b,c", ",")) → 3',
        library.split,
    ),
    FunctionSpec(
        "join",
        "join(list, separator)",
        "Joins a list as text.",
        'join(split("a b", " "), "+") → "a+b"',
        library.join,
    ),
    FunctionSpec(
        "first",
        "first(list)",
        "The first element of a list, or null.",
        'first(split("a b", " ")) → "a"',
        library.first,
    ),
    FunctionSpec(
        "base36",
        "base36(number)",
        "A whole number (or its digits as text) in base 36, lower case.",
        'base36(7001234567890) → "2hcbmamky"',
        library.base36,
    ),
    FunctionSpec(
        "digits",
        "digits(text)",
        "Keeps only the digits 0-9.",
        'digits("(555) 123-4567") → "5551234567"',
        library.digits,
    ),
    FunctionSpec(
        "format_date",
        "format_date(date, format)",
        "Formats an ISO 8601 date with %Y %y %m %d %H %I %p %M %S %f %j %b %B %a %A %z %%.",
        'format_date("2024-01-05T10:11:12-05:00", "%d/%m/%Y") → "05/01/2024"',
        dates.format_date,
        literal_args=(1,),
    ),
    FunctionSpec(
        "now", "now()", "The start time of the run (UTC).", 'format_date(now(), "%Y-%m-%d") → "2025-03-01"'
    ),
    FunctionSpec(
        "lookup",
        "lookup(table, value[, default])",
        "The table's row for value; else default if given; else the table's default row; "
        "else the record fails. table is quoted text.",
        'lookup("Tax", "ON") → "ONTARIO"',
        literal_args=(0,),
    ),
    FunctionSpec(
        "len",
        "len(value)",
        "Number of characters (or list elements); 0 for null.",
        'len("Ann") → 3',
        library.length,
    ),
    FunctionSpec(
        "contains",
        "contains(text_or_list, value)",
        "Whether the text contains value (or the list has an equal element).",
        'contains("Ann Lee", "Lee") → true',
        library.contains,
    ),
    FunctionSpec(
        "startswith",
        "startswith(text, prefix)",
        "Whether text starts with prefix.",
        'startswith("SH12", "SH") → true',
        library.startswith,
    ),
    FunctionSpec(
        "endswith",
        "endswith(text, suffix)",
        "Whether text ends with suffix.",
        'endswith("a.com", ".com") → true',
        library.endswith,
    ),
    FunctionSpec(
        "number",
        "number(value)",
        'Text such as "12.50" as a number; null for null or empty text.',
        'number("12.50") + 1 → 13.50',
        library.number,
    ),
    FunctionSpec(
        "string", "string(value)", "A value as text (null stays null).", 'string(12) → "12"', library.string
    ),
    FunctionSpec(
        "pad_left",
        "pad_left(text, width[, fill])",
        "Pads on the left to width with fill (one character, default space).",
        'pad_left("42", 5, "0") → "00042"',
        library.pad_left,
    ),
    FunctionSpec(
        "pad_right",
        "pad_right(text, width[, fill])",
        "Pads on the right to width with fill (one character, default space).",
        'pad_right("42", 4, ".") → "42.."',
        library.pad_right,
    ),
)

FUNCTIONS: MappingProxyType[str, FunctionSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})
