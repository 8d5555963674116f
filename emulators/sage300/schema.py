"""Building blocks of the entity definitions: fields, enums, detail collections and entity sets.

Everything is built once at import; request handlers only look fields up, so per-request work
stays a few dict lookups (the PATCH benchmark depends on it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

STRING = "string"
ENUM = "enum"
DATE = "date"
DECIMAL = "decimal"
INT32 = "int32"
INT64 = "int64"
BOOLEAN = "boolean"
DETAILS = "details"

EDM_TYPES = {
    STRING: "Edm.String",
    DATE: "Edm.DateTimeOffset",
    DECIMAL: "Edm.Decimal",
    INT32: "Edm.Int32",
    INT64: "Edm.Int64",
    BOOLEAN: "Edm.Boolean",
}

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[a-zA-Z])(?=[0-9])")


@dataclass(frozen=True, slots=True)
class EnumType:
    """A Sage enum; the Web API reads and writes member names (`"Active"`), never the numbers."""

    name: str
    members: tuple[tuple[str, int], ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(member for member, _ in self.members)


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: str
    max_length: int = 0
    enum: EnumType | None = None
    default: object = None
    read_only: bool = False  # calculated by the view: accepted in a payload and ignored
    precision: int = 19
    scale: int = 3
    label: str = ""
    details: Details | None = None

    @property
    def caption(self) -> str:
        """The words Sage's messages use for the field ("Customer Name")."""
        return self.label or _WORD_BOUNDARY.sub(" ", self.name)


@dataclass(frozen=True)
class Details:
    """A collection of detail rows inside an entity (optional field values)."""

    type_name: str
    row_key: str  # identifies a row within its parent, used by UpdateOperation
    parent_keys: dict[str, str]  # detail property -> parent property it copies
    fields: dict[str, Field]


@dataclass(frozen=True)
class Entity:
    set_name: str  # "ARCustomers"
    module: str  # "AR"
    type_name: str  # "Customer"
    caption: str  # "Customer", used in messages
    keys: tuple[str, ...]
    fields: dict[str, Field]
    required: tuple[str, ...] = ()  # must not be blank once written
    read_only: bool = False  # GET only (TXTaxGroups)
    edit_fields: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        editable = frozenset(name for name, spec in self.fields.items() if not spec.read_only)
        object.__setattr__(self, "edit_fields", editable)

    @property
    def namespace(self) -> str:
        return f"Sage.CA.SBS.ERP.Sage300.{self.module}.WebApi.Models"

    def key_of(self, record: dict) -> tuple[str, ...]:
        return tuple(record[name] for name in self.keys)

    def key_text(self, key: tuple[str, ...]) -> str:
        """The key as the change log and the HTML pages show it: `1200` or `1200/OFFICE`."""
        return "/".join(key)

    def template(self) -> dict:
        """A record with every property at its default, details empty."""
        return {name: ([] if spec.kind == DETAILS else spec.default) for name, spec in self.fields.items()}


def fields_of(*specs: Field | list[Field]) -> dict[str, Field]:
    flat: list[Field] = []
    for spec in specs:
        flat.extend(spec if isinstance(spec, list) else [spec])
    return {spec.name: spec for spec in flat}


def text(name: str, max_length: int, *, label: str = "", default: str = "", read_only: bool = False) -> Field:
    return Field(name, STRING, max_length=max_length, label=label, default=default, read_only=read_only)


def choice(name: str, enum: EnumType, default: str, *, read_only: bool = False) -> Field:
    return Field(name, ENUM, enum=enum, default=default, read_only=read_only)


def date(name: str, *, read_only: bool = False) -> Field:
    return Field(name, DATE, read_only=read_only)


def amount(name: str, *, precision: int = 19, scale: int = 3, read_only: bool = False) -> Field:
    return Field(name, DECIMAL, precision=precision, scale=scale, default=0, read_only=read_only)


def integer(name: str, *, default: int = 0, read_only: bool = False, wide: bool = False) -> Field:
    return Field(name, INT64 if wide else INT32, default=default, read_only=read_only)


def flag(name: str, *, default: bool = False, read_only: bool = False) -> Field:
    return Field(name, BOOLEAN, default=default, read_only=read_only)


def numbered(make, base: str, count: int = 5, **kwargs) -> list[Field]:
    """`TaxClassCode1`..`TaxClassCode5` and the like."""
    return [make(f"{base}{index}", **kwargs) for index in range(1, count + 1)]


def yes_no(field_name: str) -> EnumType:
    return EnumType(f"{field_name}Enum", (("No", 0), ("Yes", 1)))


def yes_no_field(name: str, default: str = "No") -> Field:
    return choice(name, yes_no(name), default)
