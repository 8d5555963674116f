"""Converting JSON property values to stored values and back, with Sage's checks.

Type and format problems are what ODataLib rejects while reading the payload: 400
`InvalidPayload`. Values that read fine but break a view rule (too long, out of range) are the
business layer's: 409 `FieldInvalid` (notes §1.7, §5.5; the notes leave open whether the view
truncates instead, the emulator rejects so a client's truncation is tested).
"""

from __future__ import annotations

from datetime import date, datetime

from .errors import field_invalid, invalid_payload
from .schema import BOOLEAN, DATE, DECIMAL, EDM_TYPES, ENUM, INT32, INT64, STRING, Field

_INT_RANGES = {INT32: (-(2**31), 2**31 - 1), INT64: (-(2**63), 2**63 - 1)}


def _edm_name(spec: Field) -> str:
    return spec.enum.name if spec.kind == ENUM and spec.enum else EDM_TYPES.get(spec.kind, spec.kind)


def _null_refused(spec: Field) -> Exception:
    edm = f"{_edm_name(spec)}[Nullable=False]"
    return invalid_payload(
        f"A null value was found for the property named '{spec.name}', which has the expected type "
        f"'{edm}'. The expected type '{edm}' does not allow null values."
    )


def _wrong_type(spec: Field, value: object) -> Exception:
    return invalid_payload(
        f"Cannot convert the literal '{value}' to the expected type '{_edm_name(spec)}' "
        f"of the property '{spec.name}'."
    )


def value_read(spec: Field, value: object) -> object:
    """The stored form of a payload value, or a SageError."""
    kind = spec.kind
    if kind == STRING:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise _wrong_type(spec, value)
        value = value.rstrip()
        if len(value) > spec.max_length:
            raise field_invalid(
                f"{spec.caption} is too long. The maximum length is {spec.max_length} characters."
            )
        return value
    if value is None:
        if kind == DATE:
            return None
        raise _null_refused(spec)
    if kind == ENUM:
        assert spec.enum is not None
        if not isinstance(value, str) or value not in spec.enum.names:
            raise invalid_payload(
                f"The value '{value}' of the property '{spec.name}' is not a valid {spec.enum.name} member; "
                f"expected one of {', '.join(name for name, _ in spec.enum.members)}."
            )
        return value
    if kind == DATE:
        return _date_read(spec, value)
    if kind == DECIMAL:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _wrong_type(spec, value)
        rounded = round(float(value), spec.scale)
        if abs(rounded) >= 10 ** (spec.precision - spec.scale):
            raise field_invalid(f"{spec.caption} is out of range.")
        return int(rounded) if rounded.is_integer() else rounded
    if kind in _INT_RANGES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong_type(spec, value)
        low, high = _INT_RANGES[kind]
        if not low <= value <= high:
            raise field_invalid(f"{spec.caption} is out of range.")
        return value
    if kind == BOOLEAN:
        if not isinstance(value, bool):
            raise _wrong_type(spec, value)
        return value
    raise _wrong_type(spec, value)


def _date_read(spec: Field, value: object) -> date:
    if not isinstance(value, str):
        raise _wrong_type(spec, value)
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        raise _wrong_type(spec, value) from None


def date_render(value: date | None) -> str | None:
    # Sage keeps dates as YYYYMMDD, so the time is always midnight UTC (notes §1.8).
    return None if value is None else f"{value.isoformat()}T00:00:00Z"
