"""How the dashboards write numbers: exact counts with separators, rates and durations."""

DASH = "—"


def thousands(value) -> str:
    if value is None:
        return DASH
    return f"{int(value):,}"


def percent(value) -> str:
    return DASH if value is None else f"{value:.1f}%"


def rate(value) -> str:
    if value is None:
        return DASH
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def duration(seconds) -> str:
    if not seconds:
        return DASH
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} m"
    if minutes:
        return f"{minutes} m {secs:02d} s"
    return f"{secs} s"


def ago(moment, now=None) -> str:
    """'just now', '4 minutes ago', '3 days ago' (the largest unit only)."""
    from django.utils import timezone
    from django.utils.timesince import timesince

    if moment is None:
        return "never"
    now = now or timezone.now()
    if (now - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment, now, depth=1)} ago"


def status_label(status: str) -> str:
    return status.replace("_", " ")
