"""Entity keys in the URL: `('1200')`, `(1200)`, `(CustomerNumber='1200')` and composite keys.

Sage (DEVREF §5): quotes are optional when the value has no spaces; a composite key needs every
segment, named in any order or positional in `$metadata` key order. Named and positional
segments cannot be mixed (ODataLib refuses that too). Anything else is `InvalidEntityKey`.
"""

from __future__ import annotations

import re

from .errors import invalid_key
from .schema import Entity

TEMPLATE_KEY = "$template"

_SEGMENT = re.compile(
    r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*)?"
    r"(?:'(?P<quoted>(?:[^']|'')*)'|(?P<bare>[^,'=()\s][^,'=()]*?))\s*(?P<end>[,)])"
)


def key_segments(text: str) -> list[tuple[str | None, str]]:
    """Split `(A='x',B='y')` into [(name or None, value)]; `text` includes the parentheses."""
    if len(text) < 2 or text[0] != "(" or text[-1] != ")":
        raise invalid_key(f"The key {text} is not a valid entity key.")
    segments: list[tuple[str | None, str]] = []
    position = 1
    while True:
        match = _SEGMENT.match(text, position)
        if not match:
            raise invalid_key(f"The key {text} is not a valid entity key.")
        quoted = match.group("quoted")
        value = quoted.replace("''", "'") if quoted is not None else match.group("bare")
        segments.append((match.group("name"), value))
        position = match.end()
        if match.group("end") == ")":
            if position != len(text):
                raise invalid_key(f"The key {text} is not a valid entity key.")
            return segments


def key_parse(entity: Entity, text: str) -> tuple[str, ...]:
    """The key tuple in the entity's key order; values right-trimmed as Sage stores CHAR keys."""
    segments = key_segments(text)
    names = [name for name, _ in segments]
    if len(segments) != len(entity.keys):
        raise invalid_key(
            f"The number of keys specified in the URI does not match number of key properties "
            f"for the resource '{entity.set_name}'. Expected: {', '.join(entity.keys)}."
        )
    if all(name is None for name in names):
        return tuple(value.rstrip() for _, value in segments)
    if any(name is None for name in names):
        raise invalid_key(f"The key {text} mixes named and positional segments.")
    values = dict(segments)
    if len(values) != len(segments) or set(values) != set(entity.keys):
        raise invalid_key(
            f"The key {text} does not name the key properties of '{entity.set_name}': "
            f"{', '.join(entity.keys)}."
        )
    return tuple(values[name].rstrip() for name in entity.keys)


def is_template_key(text: str) -> bool:
    """`('$template')` and `($template)`: Sage writes it both ways."""
    return text in ("('$template')", "($template)")
