"""The typed syntax tree of an expression.

Every node keeps `position`, the 0-based offset of its first character, so checks after
parsing can still point at a column.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from .tokens import KEYWORDS

# A value an expression can write literally.
LiteralValue = str | int | Decimal | bool | None
# One step of a field path: a key of an object or an index into a list.
PathStep = str | int


@dataclass(frozen=True, slots=True)
class Literal:
    value: LiteralValue
    position: int


@dataclass(frozen=True, slots=True)
class Path:
    """A field of the source record: `default_address.city`, `addresses[-1].zip`."""

    steps: tuple[PathStep, ...]
    position: int

    def dotted(self) -> str:
        return format_path(self.steps)


@dataclass(frozen=True, slots=True)
class Index:
    """`[key]` applied to something that is not a plain field path, e.g. `split(x, " ")[0]`."""

    base: Expr
    key: PathStep
    position: int


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    position: int


@dataclass(frozen=True, slots=True)
class Unary:
    operator: str  # "-" or "not"
    operand: Expr
    position: int


@dataclass(frozen=True, slots=True)
class Chain:
    """Left-associative operators of one precedence level: `a + b - c` or `a * b / c`.

    Kept flat (not as nested binary nodes) so long sums do not count as deep nesting.
    """

    operands: tuple[Expr, ...]
    operators: tuple[str, ...]  # len(operators) == len(operands) - 1
    position: int


@dataclass(frozen=True, slots=True)
class Compare:
    operator: str  # == != < <= > >=
    left: Expr
    right: Expr
    position: int


@dataclass(frozen=True, slots=True)
class Logical:
    operator: str  # "and" or "or"
    operands: tuple[Expr, ...]
    position: int


@dataclass(frozen=True, slots=True)
class Conditional:
    """`then if condition else otherwise`."""

    then: Expr
    condition: Expr
    otherwise: Expr
    position: int


Expr = Literal | Path | Index | Call | Unary | Chain | Compare | Logical | Conditional


def children(node: Expr) -> tuple[Expr, ...]:
    if isinstance(node, Index):
        return (node.base,)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Chain | Logical):
        return node.operands
    if isinstance(node, Compare):
        return (node.left, node.right)
    if isinstance(node, Conditional):
        return (node.then, node.condition, node.otherwise)
    return ()


def walk(node: Expr) -> Iterator[Expr]:
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def format_path(steps: tuple[PathStep, ...]) -> str:
    """`("addresses", 0, "zip")` → `addresses[0].zip`, the way users write it."""
    text = ""
    for step in steps:
        if isinstance(step, int):
            text += f"[{step}]"
        elif step.isidentifier() and step.isascii() and not step.startswith("_") and step not in KEYWORDS:
            text += f".{step}" if text else step
        else:
            text += "[" + quote(step) + "]"
    return text


def quote(text: str) -> str:
    """`text` as a string literal of the expression language."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return (
        '"' + "".join(c if c.isprintable() or ord(c) > 0xFFFF else f"\\u{ord(c):04x}" for c in escaped) + '"'
    )
