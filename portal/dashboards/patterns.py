"""Error messages grouped by pattern: the parts that name one record are replaced by placeholders.

`Tax Group "ZZ" does not exist.` and `Tax Group "QC" does not exist.` are one problem to fix,
so they share the pattern `Tax Group "…" does not exist.`.
"""

import hashlib
import re

PATTERN_MAX = 300
NO_MESSAGE = "(no message)"

_QUOTED = [
    (re.compile(r'"[^"]*"'), '"…"'),
    (re.compile(r"(?<!\w)'[^']*'(?!\w)"), "'…'"),  # not the apostrophe in "isn't"
    (re.compile(r"“[^”]*”"), "“…”"),
]
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_HEX_ID = re.compile(r"\b(?=[0-9a-fA-F]*[0-9])(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{16,}\b")
# A word with a digit in it is an id or a number (42, 3282407456848, SH15VX0NF4G, 12.50).
_WORD_WITH_DIGIT = re.compile(r"[\w.\-/:]*\d[\w.\-/:]*")
_SPACES = re.compile(r"\s+")


def message_pattern(message: str) -> str:
    text = _SPACES.sub(" ", message or "").strip()
    if not text:
        return NO_MESSAGE
    for quoted, placeholder in _QUOTED:
        text = quoted.sub(placeholder, text)
    text = _EMAIL.sub("…@…", text)
    text = _UUID.sub("#", text)
    text = _HEX_ID.sub("#", text)
    text = _WORD_WITH_DIGIT.sub(_number_placeholder, text)
    if len(text) > PATTERN_MAX:
        text = text[: PATTERN_MAX - 1] + "…"
    return text


def _number_placeholder(match: re.Match) -> str:
    word = match.group(0)
    # Keep a sentence's final full stop or colon out of the placeholder.
    tail = len(word) - len(word.rstrip(".:"))
    return "#" + word[len(word) - tail :] if tail else "#"


def pattern_hash(pattern: str) -> str:
    return hashlib.sha256(pattern.encode()).hexdigest()[:32]
