"""The dashboards' pictures: selector output in, SVG out (see `svg.py`)."""

from datetime import date, datetime

from portal.dashboards import svg
from portal.dashboards.totals import Totals

# (field, legend, colour): bottom of the stack first. Colours follow the status chips of ferry.css.
RUN_STATUSES = [
    ("runs_succeeded", "Succeeded", "#1e8e3e"),
    ("runs_completed_with_errors", "Completed with errors", "#e0a800"),
    ("runs_failed", "Failed", "#c5221f"),
    ("runs_lost", "Lost", "#7a4fd1"),
    ("runs_cancelled", "Cancelled", "#9aa0a6"),
]
RECORD_STATUSES = [
    ("records_succeeded", "Succeeded", "#1e8e3e"),
    ("records_warnings", "Warnings", "#e0a800"),
    ("records_failed", "Failed", "#c5221f"),
    ("records_skipped", "Skipped", "#9aa0a6"),
]


def bucket_label(bucket: date | datetime) -> str:
    if isinstance(bucket, datetime):
        return f"{bucket:%H:%M}"
    return f"{bucket:%b} {bucket.day}"


def runs_chart(series: list[tuple], *, title: str):
    return svg.stacked_bars(
        title=title,
        labels=[bucket_label(bucket) for bucket, _ in series],
        series=[
            svg.Series(legend, colour, [totals.counts[field] for _, totals in series])
            for field, legend, colour in RUN_STATUSES
        ],
        empty="No runs finished in this period",
    )


def records_sparkline(series: list[tuple], *, title: str):
    return svg.sparkline(title=title, values=[totals.records_read for _, totals in series])


def records_bar(totals: Totals, *, workflow_name: str):
    return svg.proportion_bar(
        title=f"{workflow_name}: records by status",
        segments=[(legend, colour, totals.counts[field]) for field, legend, colour in RECORD_STATUSES],
    )


def legend(statuses: list[tuple]) -> list[dict]:
    return [{"label": label, "colour": colour} for _, label, colour in statuses]


HOURLY_GROUPS = [
    ("succeeded", "Succeeded", "#1e8e3e"),
    ("completed_with_errors", "Completed with errors", "#e0a800"),
    ("failed", "Failed", "#c5221f"),
    ("lost", "Lost", "#7a4fd1"),
    ("cancelled", "Cancelled", "#9aa0a6"),
    ("in_progress", "In progress", "#1f5fbf"),
]


def hourly_chart(hourly: list[tuple]):
    return svg.stacked_bars(
        title="Runs per hour by status, last 24 hours (all organizations)",
        labels=[bucket_label(hour) for hour, _ in hourly],
        series=[
            svg.Series(legend, colour, [groups[key] for _, groups in hourly])
            for key, legend, colour in HOURLY_GROUPS
        ],
        empty="No runs in the last 24 hours",
    )
