"""Tokenizer of the expression language."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from .errors import ExpressionError
from .limits import MAX_EXPRESSION_LENGTH, MAX_NAME_LENGTH, MAX_NUMBER_DIGITS, MAX_STRING_LITERAL


class Kind(Enum):
    STRING = "string"
    NUMBER = "number"
    NAME = "name"
    KEYWORD = "keyword"
    OP = "operator"
    END = "end"


KEYWORDS = frozenset({"true", "false", "null", "and", "or", "not", "if", "else"})

# Longest first, so "<=" wins over "<".
OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",", ".")

# Characters people reach for out of habit in other languages, with what to write instead.
MISTAKES = {
    "**": "the ** operator is not supported",
    "&&": 'use "and" instead of "&&"',
    "||": 'use "or" instead of "||"',
    "=": 'use "==" to compare',
    "!": 'use "not" instead of "!"',
    "&": 'use "and" or "+" instead of "&"',
    "|": 'use "or" instead of "|"',
    "%": "the % operator is not supported",
    "{": "{ } are not supported",
    "}": "{ } are not supported",
    ";": "an expression cannot contain ;",
    "`": "use double or single quotes for text",
}

ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "/": "/"}
HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # operator/keyword/name as written; decoded text for strings
    position: int
    value: object = None  # the decoded value of STRING and NUMBER tokens


def _is_name_start(char: str) -> bool:
    return char.isascii() and (char.isalpha() or char == "_")


def _is_name_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "_")


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens, ending with an END token.

    Raises ExpressionError for anything outside the language.
    """
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"expression is too long ({len(text)} characters, limit {MAX_EXPRESSION_LENGTH})",
            MAX_EXPRESSION_LENGTH,
        )
    tokens: list[Token] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char in " \t\r\n":
            index += 1
        elif char in "\"'":
            token, index = _read_string(text, index)
            tokens.append(token)
        elif char.isascii() and char.isdigit():
            token, index = _read_number(text, index)
            tokens.append(token)
        elif _is_name_start(char):
            end = index
            while end < length and _is_name_char(text[end]):
                end += 1
            name = text[index:end]
            if name.startswith("_"):
                raise ExpressionError(f'names starting with "_" are not allowed: {name}', index)
            if len(name) > MAX_NAME_LENGTH:
                raise ExpressionError(f"name is too long (limit {MAX_NAME_LENGTH} characters)", index)
            kind = Kind.KEYWORD if name in KEYWORDS else Kind.NAME
            tokens.append(Token(kind, name, index))
            index = end
        else:
            token, index = _read_operator(text, index)
            tokens.append(token)
    tokens.append(Token(Kind.END, "", length))
    return tokens


def _read_operator(text: str, index: int) -> tuple[Token, int]:
    for mistake in ("**", "&&", "||"):
        if text.startswith(mistake, index):
            raise ExpressionError(MISTAKES[mistake], index)
    if text[index] == "." and text[index + 1 : index + 2].isdigit():
        raise ExpressionError("a number must start with a digit, e.g. 0.5", index)
    for operator in OPERATORS:
        if text.startswith(operator, index):
            return Token(Kind.OP, operator, index), index + len(operator)
    char = text[index]
    if char in MISTAKES:
        raise ExpressionError(MISTAKES[char], index)
    shown = char if char.isprintable() else f"U+{ord(char):04X}"
    raise ExpressionError(f'unexpected character "{shown}"', index)


def _read_string(text: str, start: int) -> tuple[Token, int]:
    quote = text[start]
    parts: list[str] = []
    index = start + 1
    length = len(text)
    while True:
        if index >= length or text[index] in "\r\n":
            raise ExpressionError("text is missing its closing quote", start)
        char = text[index]
        if char == quote:
            index += 1
            break
        if char == "\\":
            if index + 1 >= length:
                raise ExpressionError("text is missing its closing quote", start)
            code = text[index + 1]
            if code == "u":
                digits = text[index + 2 : index + 6]
                if len(digits) != 4 or not set(digits) <= HEX_DIGITS:
                    raise ExpressionError("\\u must be followed by 4 hexadecimal digits", index)
                parts.append(chr(int(digits, 16)))
                index += 6
            elif code in ESCAPES:
                parts.append(ESCAPES[code])
                index += 2
            else:
                raise ExpressionError(f"unknown escape \\{code}", index)
        else:
            parts.append(char)
            index += 1
        if len(parts) > MAX_STRING_LITERAL:
            raise ExpressionError(f"text is too long (limit {MAX_STRING_LITERAL} characters)", start)
    value = "".join(parts)
    return Token(Kind.STRING, value, start, value), index


def _read_number(text: str, start: int) -> tuple[Token, int]:
    index = start
    length = len(text)
    while index < length and text[index].isascii() and text[index].isdigit():
        index += 1
    is_decimal = index + 1 < length and text[index] == "." and text[index + 1].isdigit()
    if is_decimal:
        index += 1
        while index < length and text[index].isascii() and text[index].isdigit():
            index += 1
    if index < length and (_is_name_char(text[index]) or text[index] == "."):
        raise ExpressionError("malformed number", start)
    literal = text[start:index]
    if sum(char.isdigit() for char in literal) > MAX_NUMBER_DIGITS:
        raise ExpressionError(f"number is too long (limit {MAX_NUMBER_DIGITS} digits)", start)
    value: int | Decimal = Decimal(literal) if is_decimal else int(literal)
    return Token(Kind.NUMBER, literal, start, value), index
