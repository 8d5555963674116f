"""The mapping expression engine: `target field ← expression` rows, compiled once per plan.

The language (docs: MAPPING.md) reads fields of a JSON record (`default_address.city`,
`addresses[-1].zip`), has literals, `+` (text join, or addition when both sides are numbers),
`- * /`, comparisons, `and or not`, `A if COND else B` and the functions of `FUNCTIONS`. A
missing field is null; `+` and `concat` read null as "". It has no attribute calls, imports
or loops, and it is bounded in size, nesting, numbers and text (see `limits`).

Portal, when a row is saved, at Generate and for the preview::

    validate_expression(text) -> list[ExpressionError]       # [] when fine; .column, .message
    compile_mapping(rows: Sequence[MappingRow]) -> CompiledMapping   # raises MappingErrors
    CompiledMapping.preview(record, lookups, context=None) -> list[RowPreview]
    referenced_lookups(mapping_or_expression) -> list[str]  # tables to check at Generate
    source_paths(mapping_or_expression) -> list[str]         # record fields a mapping reads
    FUNCTIONS: Mapping[str, FunctionSpec]                    # name, signature, description, example

Agent runner, once per plan, then per record::

    mapping = compile_mapping(rows)
    result = mapping.apply(record, LookupTables(tables), RunContext(now=run_started))
    result.output  -> {target: value}  (text stays text, null stays None; numbers are int,
                      float or Decimal — decimal literals and number() give Decimal)
    result.warnings -> [FieldWarning]  (values cut to max_length: field and original length)

`apply` raises a `RecordError` for a record that cannot be mapped — `LookupMissing` (table,
value), `EvaluationError` (a function refused its input or a limit was hit) or
`RecordMappingError` (required fields empty, values outside `choices`) — with `.target` and
`.row` naming the mapping row. Catch `RecordError` per record; it never concerns the run.

Lookups: `lookup(table, value)` gives the table's row for value, else the table's default
row, else fails the record. `lookup(table, value, default)` gives the row, else `default`
(evaluated only then) — the explicit default wins over the table's default row. A null value
has no row. The table name must be quoted text. A table that does not exist fails the record.
"""

from .checker import parse, validate_expression
from .compiler import (
    CompiledMapping,
    FieldWarning,
    MappingResult,
    MappingRow,
    RowPreview,
    compile_mapping,
    evaluate_expression,
    referenced_lookups,
    source_paths,
)
from .context import RunContext
from .errors import (
    EvaluationError,
    ExpressionError,
    LookupMissing,
    MappingError,
    MappingErrors,
    RecordError,
    RecordMappingError,
)
from .functions import FUNCTIONS, FunctionSpec
from .lookups import LookupTables
from .nodes import Expr, quote

__all__ = [
    "FUNCTIONS",
    "CompiledMapping",
    "EvaluationError",
    "Expr",
    "ExpressionError",
    "FieldWarning",
    "FunctionSpec",
    "LookupMissing",
    "LookupTables",
    "MappingError",
    "MappingErrors",
    "MappingResult",
    "MappingRow",
    "RecordError",
    "RecordMappingError",
    "RowPreview",
    "RunContext",
    "compile_mapping",
    "evaluate_expression",
    "parse",
    "quote",
    "referenced_lookups",
    "source_paths",
    "validate_expression",
]
