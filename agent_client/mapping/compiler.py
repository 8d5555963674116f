"""Mappings: rows `target ← expression`, compiled once into one Python function.

`compile_mapping` checks every row (all errors at once), generates the code and returns a
`CompiledMapping`; `apply` is the per-record hot path, `preview` the portal's row-by-row view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .checker import check_tree, parse
from .codegen import Generator, base_namespace
from .context import RunContext
from .errors import ExpressionError, MappingError, MappingErrors, RecordError, RecordMappingError
from .lookups import LookupTables
from .nodes import Call, Expr, Literal, Path, walk
from .parser import parse_syntax


@dataclass(frozen=True)
class MappingRow:
    """One row of a mapping. `max_length` cuts longer text (with a warning); `required` fails
    the record when the value is null or ""; `choices` fails it when a value is not listed."""

    target: str
    expression: str
    max_length: int | None = None
    required: bool = False
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class FieldWarning:
    target: str
    message: str
    original_length: int
    max_length: int

    def __str__(self) -> str:
        return self.message


@dataclass(slots=True)
class MappingResult:
    output: dict[str, object]
    warnings: list[FieldWarning]


@dataclass(frozen=True, slots=True)
class RowPreview:
    """One row of a preview: the value (after cutting), and a warning or an error."""

    row: int
    target: str
    value: object
    warning: str | None = None
    error: str | None = None


def cut_warning(target: str, max_length: int, original_length: int) -> FieldWarning:
    message = f"{target} was cut to {max_length} characters (it had {original_length})"
    return FieldWarning(target, message, original_length, max_length)


def _row_problem(row: MappingRow, value: object) -> str | None:
    if row.required and (value is None or value == ""):
        return "is required but empty"
    if row.choices is not None and value is not None and value not in row.choices:
        return f"must be one of {', '.join(row.choices)}, got {value!r}"
    return None


@dataclass
class CompiledMapping:
    """A checked, compiled mapping. Build it with `compile_mapping`."""

    rows: tuple[MappingRow, ...]
    trees: tuple[Expr, ...]
    source: str  # the generated Python, for debugging
    _apply: Callable[[dict[str, Any], LookupTables, RunContext | None], MappingResult] = field(repr=False)
    _row_functions: tuple[Callable[..., object], ...] = field(repr=False)

    def apply(
        self, record: dict[str, Any], lookups: LookupTables, context: RunContext | None = None
    ) -> MappingResult:
        """Map one record. Raises RecordError (LookupMissing, EvaluationError,
        RecordMappingError) when this record cannot be mapped; its `target` names the row."""
        return self._apply(record, lookups, context)

    def preview(
        self, record: dict[str, Any], lookups: LookupTables, context: RunContext | None = None
    ) -> list[RowPreview]:
        """Every row's value, warning or error, so one failing row does not hide the others."""
        previews = []
        for index, (row, function) in enumerate(zip(self.rows, self._row_functions, strict=True), start=1):
            try:
                value = function(record, lookups, context)
            except RecordError as error:
                previews.append(RowPreview(index, row.target, None, error=error.message))
                continue
            warning = None
            if row.max_length is not None and isinstance(value, str) and len(value) > row.max_length:
                warning = cut_warning(row.target, row.max_length, len(value)).message
                value = value[: row.max_length]
            problem = _row_problem(row, value)
            error_text = f"{row.target} {problem}" if problem else None
            previews.append(RowPreview(index, row.target, value, warning=warning, error=error_text))
        return previews

    def referenced_lookups(self) -> list[str]:
        return referenced_lookups(self)

    def source_paths(self) -> list[str]:
        return source_paths(self)


def compile_mapping(rows: Sequence[MappingRow]) -> CompiledMapping:
    """Check and compile a mapping. Raises MappingErrors listing every bad row."""
    errors: list[MappingError] = []
    trees: list[Expr] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        if not row.target:
            errors.append(MappingError(number, row.target, None, "the target field is empty"))
        elif row.target in seen:
            errors.append(
                MappingError(number, row.target, None, f"target already mapped in row {seen[row.target]}")
            )
        seen.setdefault(row.target, number)
        if row.max_length is not None and row.max_length < 1:
            errors.append(MappingError(number, row.target, None, "max length must be at least 1"))
        try:
            tree = parse_syntax(row.expression)
        except ExpressionError as error:
            errors.append(MappingError(number, row.target, error.column, error.message))
            continue
        errors.extend(MappingError(number, row.target, e.column, e.message) for e in check_tree(tree))
        trees.append(tree)
    if errors:
        raise MappingErrors(errors)
    return _build(tuple(rows), tuple(trees))


def _build(rows: tuple[MappingRow, ...], trees: tuple[Expr, ...]) -> CompiledMapping:
    constants: dict[str, Any] = {}
    whole = Generator(constants)
    assignments = []
    for index, tree in enumerate(trees):
        assignments += [f"        _row = {index}", f"        _v{index} = {whole.expression(tree)}"]
    lines = ["def _apply(r, L, C):", *(f"    {line}" for line in whole.prelude), "    _row = 0", "    try:"]
    lines += assignments or ["        pass"]
    lines += [
        "    except _RecordError as _error:",
        "        _error.row = _row + 1",
        "        _error.target = _TARGETS[_row]",
        "        raise",
        "    _w = []",
    ]
    checks = []
    for index, row in enumerate(rows):
        value = f"_v{index}"
        if row.max_length is not None:
            lines += [
                f"    if {value}.__class__ is _str and _len({value}) > {row.max_length}:",
                f"        _w.append(_cut({row.target!r}, {row.max_length}, _len({value})))",
                f"        {value} = {value}[:{row.max_length}]",
            ]
        if row.required:
            checks.append(f"{value} is None or {value} == ''")
        if row.choices is not None:
            checks.append(f"({value} is not None and {value} not in {tuple(row.choices)!r})")
    values = "".join(f"_v{index}, " for index in range(len(rows)))
    if checks:
        lines += [f"    if {' or '.join(checks)}:", f"        _fail(({values}))"]
    output = ", ".join(f"{row.target!r}: _v{index}" for index, row in enumerate(rows))
    lines.append(f"    return _Result({{{output}}}, _w)")

    for index, tree in enumerate(trees):
        single = Generator(constants, prefix=f"r{index}_")
        code = single.expression(tree)
        lines += [
            f"def _row{index}(r, L, C):",
            *(f"    {line}" for line in single.prelude),
            f"    return {code}",
        ]

    def fail(produced: tuple[object, ...]) -> None:
        problems = {}
        for row, value in zip(rows, produced, strict=True):
            problem = _row_problem(row, value)
            if problem is not None:
                problems[row.target] = problem
        raise RecordMappingError(problems)

    namespace = base_namespace()
    namespace.update(constants)
    namespace.update(
        _TARGETS=tuple(row.target for row in rows), _cut=cut_warning, _Result=MappingResult, _fail=fail
    )
    source = "\n".join(lines) + "\n"
    exec(compile(source, "<mapping>", "exec"), namespace)  # noqa: S102 - source built from checked trees only
    row_functions = tuple(namespace[f"_row{index}"] for index in range(len(trees)))
    return CompiledMapping(rows, trees, source, namespace["_apply"], row_functions)


def evaluate_expression(
    text: str,
    record: dict[str, Any],
    lookups: LookupTables | None = None,
    context: RunContext | None = None,
) -> object:
    """Compile and evaluate one expression (for the portal's "try it" and for tests)."""
    parse(text)
    compiled = compile_mapping([MappingRow("value", text)])
    return compiled.apply(record, lookups or LookupTables(), context).output["value"]


def _trees(source: CompiledMapping | Expr | str) -> tuple[Expr, ...]:
    if isinstance(source, CompiledMapping):
        return source.trees
    if isinstance(source, str):
        return (parse(source),)
    return (source,)


def referenced_lookups(source: CompiledMapping | Expr | str) -> list[str]:
    """The lookup table names an expression or mapping uses (always literal, so known now)."""
    names = set()
    for tree in _trees(source):
        for node in walk(tree):
            if isinstance(node, Call) and node.name == "lookup" and node.args:
                table = node.args[0]
                if isinstance(table, Literal) and isinstance(table.value, str):
                    names.add(table.value)
    return sorted(names)


def source_paths(source: CompiledMapping | Expr | str) -> list[str]:
    """The record fields an expression or mapping reads, as written: `default_address.city`."""
    return sorted({node.dotted() for tree in _trees(source) for node in walk(tree) if isinstance(node, Path)})
