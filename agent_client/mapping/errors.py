"""Exceptions of the mapping engine.

Two families:

- compile time: `ExpressionError` (one expression, with its position) and `MappingErrors`
  (every bad row of a mapping at once, each a `MappingError` with row, target, column, reason);
- per record: `RecordError` and its subclasses. The runner catches `RecordError` around
  `CompiledMapping.apply` and fails that record only, never the run.
"""

from __future__ import annotations

from dataclasses import dataclass


class ExpressionError(Exception):
    """An expression that cannot be parsed or is not allowed.

    `position` is the 0-based offset in the expression text, `column` the 1-based column
    shown to users.
    """

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message, position)
        self.message = message
        self.position = position

    @property
    def column(self) -> int:
        return self.position + 1

    def __str__(self) -> str:
        return f"column {self.column}: {self.message}"


@dataclass(frozen=True)
class MappingError:
    """One bad row of a mapping. `row` is 1-based; `column` is None for row-level problems."""

    row: int
    target: str
    column: int | None
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row} ({self.target})"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.reason}"


class MappingErrors(Exception):
    """Every bad row of a mapping, raised once by `compile_mapping`."""

    def __init__(self, errors: list[MappingError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


class RecordError(Exception):
    """A record that cannot be mapped. Fails that record only.

    `target` and `row` name the mapping row being evaluated when the error happened; they are
    filled in by the compiled mapping (None when raised outside of one).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.target: str | None = None
        self.row: int | None = None

    def __str__(self) -> str:
        if self.target is None:
            return self.message
        return f"{self.target}: {self.message}"


class EvaluationError(RecordError):
    """A function or operator refused its input (bad type, limit exceeded, bad date...)."""


class LookupMissing(RecordError):
    """`lookup()` found no row for the value and no default, or the table does not exist."""

    def __init__(self, table: str, value: object, *, table_exists: bool = True) -> None:
        if table_exists:
            message = f'lookup table "{table}" has no row for {_describe(value)} and no default'
        else:
            message = f'lookup table "{table}" does not exist (looking up {_describe(value)})'
        super().__init__(message)
        self.table = table
        self.value = value
        self.table_exists = table_exists


class RecordMappingError(RecordError):
    """Required fields that came out empty, or values outside a field's allowed choices."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field} {problem}" for field, problem in problems.items()))
        self.problems = problems
        self.fields = list(problems)

    def __str__(self) -> str:
        return self.message


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)
