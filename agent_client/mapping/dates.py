"""`format_date`: ISO 8601 in, a fixed subset of strftime codes out.

Formatting is done here rather than by `datetime.strftime` so the output does not depend on
the agent's platform (Windows refuses some codes) or locale (a French Windows says "janv.").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from .errors import EvaluationError
from .limits import MAX_DATE_FORMAT

_MONTHS = ("January February March April May June July August September October November December").split()
_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset()
    if offset is None:
        return ""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{minutes:02d}"


CODES: dict[str, Callable[[datetime], str]] = {
    "Y": lambda d: f"{d.year:04d}",
    "y": lambda d: f"{d.year % 100:02d}",
    "m": lambda d: f"{d.month:02d}",
    "d": lambda d: f"{d.day:02d}",
    "H": lambda d: f"{d.hour:02d}",
    "I": lambda d: f"{(d.hour % 12) or 12:02d}",
    "p": lambda d: "AM" if d.hour < 12 else "PM",
    "M": lambda d: f"{d.minute:02d}",
    "S": lambda d: f"{d.second:02d}",
    "f": lambda d: f"{d.microsecond:06d}",
    "j": lambda d: f"{d.timetuple().tm_yday:03d}",
    "b": lambda d: _MONTHS[d.month - 1][:3],
    "B": lambda d: _MONTHS[d.month - 1],
    "a": lambda d: _DAYS[d.weekday()][:3],
    "A": lambda d: _DAYS[d.weekday()],
    "z": _offset,
    "%": lambda d: "%",
}


def format_problem(fmt: str) -> str | None:
    """Why a format string is refused, or None."""
    if len(fmt) > MAX_DATE_FORMAT:
        return f"date format is too long (limit {MAX_DATE_FORMAT} characters)"
    index = 0
    while index < len(fmt):
        if fmt[index] == "%":
            code = fmt[index + 1 : index + 2]
            if code not in CODES:
                allowed = " ".join("%" + c for c in CODES)
                return f'unsupported date code "%{code}" (allowed: {allowed})'
            index += 2
        else:
            index += 1
    return None


def parse_date(value: object) -> datetime | None:
    """A datetime from ISO 8601 text (Shopify's `2024-01-05T10:11:12-05:00`), or a date/datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, str) and len(value) <= 40:
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise EvaluationError(f"format_date() cannot read {value!r} as an ISO 8601 date")


def format_date(value: object, fmt: str) -> str | None:
    moment = parse_date(value)
    if moment is None:
        return None
    problem = format_problem(fmt)
    if problem is not None:
        raise EvaluationError(problem)
    pieces = []
    index = 0
    while index < len(fmt):
        if fmt[index] == "%":
            pieces.append(CODES[fmt[index + 1]](moment))
            index += 2
        else:
            pieces.append(fmt[index])
            index += 1
    return "".join(pieces)
