"""Lookup tables as the mapping engine reads them.

The portal and the agent build a `LookupTables` from the org's tables:

    LookupTables({"Tax": {"rows": {"CA": "CALIF", "NY": "NY"}, "default": "CALIF"}})

`default` is the table's default row (None: the table has none). Source values are compared as
text, exactly (`lookup("T", 5)` reads the row "5").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import LookupMissing
from .values import to_text

# Marks "no row" without confusing it with a row whose destination is null.
MISSING: Any = object()


class LookupTables:
    """An immutable set of named lookup tables."""

    __slots__ = ("_tables",)

    def __init__(self, tables: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._tables: dict[str, tuple[dict[str, object], object]] = {}
        for name, table in (tables or {}).items():
            rows = {to_text(source): destination for source, destination in table.get("rows", {}).items()}
            default = table.get("default")
            self._tables[name] = (rows, MISSING if default is None else default)

    def names(self) -> list[str]:
        return sorted(self._tables)

    def __contains__(self, name: object) -> bool:
        return name in self._tables

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """The `{name: {"rows": ..., "default": ...}}` shape the constructor takes."""
        return {
            name: {"rows": dict(rows), "default": None if default is MISSING else default}
            for name, (rows, default) in self._tables.items()
        }

    def row(self, table: str, value: object) -> object:
        """The destination for `value`, or MISSING when the table has no row for it.

        Raises LookupMissing when the table does not exist: a mapping that names a table the
        org does not have is a configuration problem, not a missing row.
        """
        entry = self._tables.get(table)
        if entry is None:
            raise LookupMissing(table, value, table_exists=False)
        if value is None:
            return MISSING
        return entry[0].get(value if value.__class__ is str else to_text(value), MISSING)

    def lookup(self, table: str, value: object) -> object:
        """`lookup(table, value)`: the row, else the table's default row, else LookupMissing."""
        entry = self._tables.get(table)
        if entry is None:
            raise LookupMissing(table, value, table_exists=False)
        rows, default = entry
        if value is not None:
            found = rows.get(value if value.__class__ is str else to_text(value), MISSING)
            if found is not MISSING:
                return found
        if default is not MISSING:
            return default
        raise LookupMissing(table, value)
