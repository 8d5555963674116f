"""The dashboards' date-range filter: last 24 hours (by hour) or whole UTC days (by day)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

MAX_DAYS = 366
PRESETS = {"24h": "24 hours", "7d": "7 days", "30d": "30 days", "custom": "Custom"}
DEFAULT_RANGE = "7d"


@dataclass(frozen=True)
class Window:
    """What a dashboard shows: hourly buckets of the last 24 hours, or the UTC days first..last."""

    key: str
    grain: str  # "hour" or "day"
    since: datetime
    until: datetime
    first_day: date
    last_day: date

    @property
    def label(self) -> str:
        if self.grain == "hour":
            return "last 24 hours"
        if self.first_day == self.last_day:
            return f"{self.first_day:%b %-d, %Y}"
        return f"{self.first_day:%b %-d} – {self.last_day:%b %-d, %Y}"

    def buckets(self) -> list[datetime | date]:
        if self.grain == "hour":
            start = self.since.replace(minute=0, second=0, microsecond=0)
            return [start + timedelta(hours=h) for h in range(25) if start + timedelta(hours=h) < self.until]
        days = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=d) for d in range(days)]

    def query(self) -> str:
        if self.key == "custom":
            return f"range=custom&from={self.first_day.isoformat()}&to={self.last_day.isoformat()}"
        return f"range={self.key}"


def window_hours(now: datetime, key: str = "24h") -> Window:
    since = now - timedelta(hours=24)
    return Window(key, "hour", since, now, since.date(), now.date())


def window_days(first: date, last: date, key: str) -> Window:
    since = datetime.combine(first, time.min, tzinfo=UTC)
    until = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
    return Window(key, "day", since, until, first, last)


class RangeForm(forms.Form):
    range = forms.ChoiceField(choices=list(PRESETS.items()), required=False)
    start = forms.DateField(required=False, label="From")
    end = forms.DateField(required=False, label="To")

    def __init__(self, data=None, *, now: datetime | None = None):
        # `from` and `to` are the public query names; `from` is a Python keyword.
        # The dates matter only to a custom range.
        if data is not None:
            custom = data.get("range") == "custom"
            data = {
                "range": data.get("range", ""),
                "start": data.get("from", "") if custom else "",
                "end": data.get("to", "") if custom else "",
            }
        super().__init__(data, initial={"range": DEFAULT_RANGE})
        self.now = now or timezone.now()

    def clean(self):
        cleaned = super().clean()
        key = cleaned.get("range") or DEFAULT_RANGE
        today = self.now.date()
        if key == "24h":
            cleaned["window"] = window_hours(self.now)
        elif key in ("7d", "30d"):
            days = int(key[:-1])
            cleaned["window"] = window_days(today - timedelta(days=days - 1), today, key)
        else:
            cleaned["window"] = self._custom(cleaned, today)
        return cleaned

    def _custom(self, cleaned, today: date) -> Window:
        first, last = cleaned.get("start"), cleaned.get("end")
        if self.errors:
            raise ValidationError("Dates look like 2024-05-31.")
        if first is None or last is None:
            raise ValidationError("A custom range needs both a From and a To date.")
        if first > last:
            raise ValidationError("From must be on or before To.")
        if last > today:
            raise ValidationError(f"To cannot be after today ({today.isoformat()}).")
        if (last - first).days + 1 > MAX_DAYS:
            raise ValidationError(f"A range can cover at most {MAX_DAYS} days.")
        return window_days(first, last, "custom")


def window_from_query(query, *, now: datetime | None = None) -> tuple[Window, RangeForm]:
    """The window the query asks for, or the default one when it asks for something invalid."""
    form = RangeForm(query if query else None, now=now)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["window"], form
    today = (now or timezone.now()).date()
    return window_days(today - timedelta(days=6), today, DEFAULT_RANGE), form
