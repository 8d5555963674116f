"""`row_or_none(queryset)`: the one row a unique filter selects, or None.

For the portal's hot paths (every agent frame, every Run request) in place of `.first()`, which
orders by the primary key (or the model's own ordering, joins included) to choose among rows a
unique filter cannot return. Compiling that ORDER BY was ~8% of the portal's CPU at 20 Run
requests a second (py-spy in bench/dispatch.py); an agent's lookup took 0.90 ms with `.first()`
and 0.63 ms without.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def row_or_none(queryset: QuerySet[M]) -> M | None:
    """The row, or None; the filter must be unique (a second row raises MultipleObjectsReturned)."""
    try:
        return queryset.get()
    except queryset.model.DoesNotExist:
        return None
