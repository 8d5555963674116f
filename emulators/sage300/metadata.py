"""`GET .../{module}/$metadata`: the CSDL v4 document, generated once from the entity definitions.

Shape per DEVREF §3: schema namespace `Sage.CA.SBS.ERP.Sage300.{module}.WebApi.Models`, enums
as EnumTypes, details as ComplexType collections, and the entity sets in `Default.Container`.
"""

from __future__ import annotations

from functools import cache
from xml.sax.saxutils import quoteattr

from .entities import MODULES
from .schema import DATE, DECIMAL, DETAILS, EDM_TYPES, ENUM, STRING, Entity, EnumType, Field


def _property(namespace: str, spec: Field, keys: tuple[str, ...] = ()) -> str:
    if spec.kind == DETAILS:
        assert spec.details is not None
        return f'<Property Name="{spec.name}" Type="Collection({namespace}.{spec.details.type_name})"/>'
    if spec.kind == ENUM:
        assert spec.enum is not None
        type_name = f"{namespace}.{spec.enum.name}"
    else:
        type_name = EDM_TYPES[spec.kind]
    facets = ""
    if spec.kind == STRING:
        facets = f' MaxLength="{spec.max_length}"'
    elif spec.kind == DECIMAL:
        facets = f' Precision="{spec.precision}" Scale="{spec.scale}"'
    nullable = "true" if spec.kind in (STRING, DATE) and spec.name not in keys else "false"
    return f'<Property Name="{spec.name}" Type="{type_name}" Nullable="{nullable}"{facets}/>'


def _enum_types(entities: list[Entity]) -> list[EnumType]:
    found: dict[str, EnumType] = {}
    for entity in entities:
        for spec in entity.fields.values():
            specs = spec.details.fields.values() if spec.details else [spec]
            for inner in specs:
                if inner.enum is not None:
                    found.setdefault(inner.enum.name, inner.enum)
    return list(found.values())


@cache
def metadata_document(module: str) -> bytes | None:
    entities = MODULES.get(module)
    if entities is None:
        return None
    namespace = entities[0].namespace
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
        "<edmx:DataServices>",
        f'<Schema Namespace={quoteattr(namespace)} xmlns="http://docs.oasis-open.org/odata/ns/edm">',
    ]
    for entity in entities:
        lines.append(f'<EntityType Name="{entity.type_name}">')
        lines.append("<Key>" + "".join(f'<PropertyRef Name="{key}"/>' for key in entity.keys) + "</Key>")
        lines.extend(_property(namespace, spec, entity.keys) for spec in entity.fields.values())
        lines.append("</EntityType>")
        for spec in entity.fields.values():
            if spec.details is not None:
                lines.append(f'<ComplexType Name="{spec.details.type_name}">')
                lines.extend(_property(namespace, inner) for inner in spec.details.fields.values())
                lines.append("</ComplexType>")
    for enum in _enum_types(entities):
        lines.append(f'<EnumType Name="{enum.name}">')
        lines.extend(f'<Member Name="{name}" Value="{value}"/>' for name, value in enum.members)
        lines.append("</EnumType>")
    lines.append("</Schema>")
    lines.append('<Schema Namespace="Default" xmlns="http://docs.oasis-open.org/odata/ns/edm">')
    lines.append('<EntityContainer Name="Container">')
    lines.extend(
        f'<EntitySet Name="{entity.set_name}" EntityType="{namespace}.{entity.type_name}"/>'
        for entity in entities
    )
    lines.extend(["</EntityContainer>", "</Schema>", "</edmx:DataServices>", "</edmx:Edmx>"])
    return "\n".join(lines).encode()
