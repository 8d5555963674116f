"""Exceptions of workflow services, each carrying the sentence a person needs to read."""

from dataclasses import asdict, dataclass


class WorkflowConflict(Exception):
    """The workflow or version changed since the caller loaded it, or its state forbids the
    change. The API answers 409 with the message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a design, located as precisely as we can: node, mapping, row, column."""

    message: str
    node: str | None = None
    node_name: str | None = None
    mapping: str | None = None  # "mapping" or "ship_to_mapping"
    row: int | None = None  # 1-based
    target: str | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = []
        if self.node_name or self.node:
            where.append(f"{self.node_name or self.node}")
        if self.mapping == "ship_to_mapping":
            where.append("ship-to mapping")
        if self.row is not None:
            where.append(f"row {self.row}" + (f" ({self.target})" if self.target else ""))
        if self.column is not None:
            where.append(f"column {self.column}")
        return (", ".join(where) + ": " if where else "") + self.message

    def as_dict(self) -> dict:
        return {**asdict(self), "text": str(self)}


class DesignProblems(Exception):
    """Every problem found in a design at once (save or Generate)."""

    def __init__(self, problems: list[Problem], *, doing: str):
        self.problems = problems
        count = len(problems)
        many = count != 1
        self.summary = f"{doing} found {count} problem{'s' if many else ''}: fix {'them' if many else 'it'} and try again."
        super().__init__(self.summary + " " + "; ".join(str(p) for p in problems))
