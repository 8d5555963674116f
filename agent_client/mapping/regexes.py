"""Bounded regular expressions for `regex_replace`.

Python's `re` backtracks, and a pattern such as `(a+)+b` or `\\s*\\s*\\s*x` takes minutes on a
short line; it cannot be interrupted. So a pattern must be a literal (checked and compiled
once, at compile time) and is refused when it has nested or too many unbounded quantifiers,
backreferences or lookarounds; the text it runs on is capped (limits.MAX_REGEX_INPUT).
Replacements use `$1`..`$9` for groups and `$$` for a dollar sign; everything else is literal.
"""

from __future__ import annotations

import functools
import re

from .errors import EvaluationError
from .limits import MAX_REGEX_INPUT, MAX_REGEX_PATTERN, MAX_REGEX_UNBOUNDED_QUANTIFIERS
from .values import check_text, text_argument

# A {m,n} repetition this wide backtracks like "*".
_WIDE_REPEAT = 10
_REPEAT = re.compile(r"\{(\d*)(,?)(\d*)\}")


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` is refused, or None when it is accepted."""
    if len(pattern) > MAX_REGEX_PATTERN:
        return f"pattern is too long (limit {MAX_REGEX_PATTERN} characters)"
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        return f"invalid pattern: {error.msg}"
    if compiled.groups > 9:
        return "a pattern can have at most 9 groups"
    return _backtracking_problem(pattern)


def _backtracking_problem(pattern: str) -> str | None:
    # Per open group: does it contain a quantifier or an alternation? A group that does, and is
    # itself repeated, is the classic catastrophic shape.
    groups: list[bool] = [False]
    unbounded = 0
    index = 0
    length = len(pattern)
    closed_risky = False  # the atom just before this position is a group containing repetition
    while index < length:
        char = pattern[index]
        quantifier, width = _quantifier_at(pattern, index)
        if quantifier is not None:
            if closed_risky and quantifier != "bounded":
                return (
                    "repeating a group that contains a repetition or |, such as (a+)+ or (a|ab)*, "
                    "is not allowed; use a character class such as [ab]+"
                )
            if quantifier == "unbounded":
                unbounded += 1
            groups[-1] = True
            closed_risky = False
            index += width
            continue
        closed_risky = False
        if char == "\\":
            escaped = pattern[index + 1 : index + 2]
            if escaped.isdigit() or escaped in ("g", "k"):
                return "backreferences are not allowed"
            index += 2
        elif char == "[":
            index = _skip_class(pattern, index)
        elif char == "(":
            if pattern.startswith(("(?=", "(?!", "(?<=", "(?<!", "(?P="), index):
                return "lookarounds and backreferences are not allowed"
            if pattern.startswith("(?(", index):
                return "conditional groups are not allowed"
            groups.append(False)
            index += 1
        elif char == ")":
            risky = groups.pop() if len(groups) > 1 else False
            groups[-1] = groups[-1] or risky
            closed_risky = risky
            index += 1
        else:
            if char == "|":
                groups[-1] = True
            index += 1
    if unbounded > MAX_REGEX_UNBOUNDED_QUANTIFIERS:
        return f"at most {MAX_REGEX_UNBOUNDED_QUANTIFIERS} unbounded repetitions (* + {{n,}}) are allowed"
    return None


def _quantifier_at(pattern: str, index: int) -> tuple[str | None, int]:
    """("unbounded"|"bounded"|None, characters used) for a quantifier starting at `index`."""
    char = pattern[index]
    if char in "*+":
        width = 2 if pattern[index + 1 : index + 2] in ("?", "+") else 1
        return "unbounded", width
    if char == "?":
        width = 2 if pattern[index + 1 : index + 2] in ("?", "+") else 1
        return "bounded", width
    if char == "{":
        match = _REPEAT.match(pattern, index)
        if match is None or not (match.group(1) or match.group(3)):
            return None, 0
        low, comma, high = match.groups()
        wide = (comma and not high) or int(high or low) - int(low or 0) > _WIDE_REPEAT
        return ("unbounded" if wide else "bounded"), match.end() - index
    return None, 0


def _skip_class(pattern: str, index: int) -> int:
    index += 1
    if pattern[index : index + 1] == "^":
        index += 1
    if pattern[index : index + 1] == "]":
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index + 1


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a pattern already accepted by `pattern_problem`."""
    return re.compile(pattern)


@functools.lru_cache(maxsize=256)
def replacement_parts(replacement: str) -> tuple[str | int, ...]:
    """Split `"($1) $2"` into ("(", 1, ") ", 2): literal text and group numbers."""
    parts: list[str | int] = []
    literal = ""
    index = 0
    while index < len(replacement):
        char = replacement[index]
        following = replacement[index + 1 : index + 2]
        if char == "$" and following == "$":
            literal += "$"
            index += 2
        elif char == "$" and following.isdigit() and following.isascii():
            if literal:
                parts.append(literal)
                literal = ""
            parts.append(int(following))
            index += 2
        else:
            literal += char
            index += 1
    if literal:
        parts.append(literal)
    return tuple(parts)


def regex_replace(value: object, pattern: re.Pattern[str], replacement: object) -> str | None:
    """`regex_replace(text, pattern, replacement)` with the pattern compiled at compile time."""
    text = text_argument(value, "regex_replace")
    parts = replacement_parts(text_argument(replacement, "regex_replace") or "")
    if text is None:
        return None
    if len(text) > MAX_REGEX_INPUT:
        raise EvaluationError(
            f"regex_replace() text is too long ({len(text)} characters, limit {MAX_REGEX_INPUT})"
        )
    groups = pattern.groups

    def expand(match: re.Match[str]) -> str:
        pieces = []
        for part in parts:
            if isinstance(part, str):
                pieces.append(part)
            elif part <= groups:
                pieces.append(match.group(part) or "")
        return "".join(pieces)

    return check_text(pattern.sub(expand, text))
