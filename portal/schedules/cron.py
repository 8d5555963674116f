"""The next time a cron expression fires, exactly as Celery beat reads it.

Celery parses the five fields (and, unlike classic cron, requires day-of-month AND day-of-week to
match); this walks forward day by day in the schedule's time zone, so "06:00 Europe/Paris" stays
06:00 across daylight-saving changes.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from celery.schedules import crontab

# Calendars repeat every 28 years (within a century): a day that ever fires, fires within that
# (29 February on a Monday: 2044).
HORIZON_DAYS = 28 * 366


def cron_next(fields: list[str], timezone_name: str, after: datetime) -> datetime | None:
    """The first firing strictly after `after` (aware), or None if none within the horizon."""
    minute, hour, day_of_month, month_of_year, day_of_week = fields
    tab = crontab(minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
                  day_of_week=day_of_week)  # fmt: skip
    zone = zoneinfo.ZoneInfo(timezone_name)
    start = after.astimezone(zone).replace(second=0, microsecond=0) + timedelta(minutes=1)
    day = start.date()
    for _ in range(HORIZON_DAYS):
        weekday = (day.weekday() + 1) % 7  # celery counts from Sunday = 0
        if day.month in tab.month_of_year and day.day in tab.day_of_month and weekday in tab.day_of_week:
            for h in sorted(tab.hour):
                for m in sorted(tab.minute):
                    candidate = datetime.combine(day, time(h, m), tzinfo=zone)
                    if candidate >= start:
                        return candidate.astimezone(after.tzinfo)
        day += timedelta(days=1)
    return None
