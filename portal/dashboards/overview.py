"""Everything a dashboard shows for one window, read through the selectors and drawn as charts."""

from portal.dashboards import charts, formatting, platform_selectors, selectors
from portal.dashboards.queues import celery_queue_depth
from portal.dashboards.ranges import Window
from portal.dashboards.totals import Totals


def organization_overview(organization, window: Window) -> dict:
    series = selectors.dashboard_series(organization, window)
    workflows = selectors.dashboard_workflows(organization, window)
    for row in workflows:
        row["bar"] = charts.records_bar(row["totals"], workflow_name=row["workflow"].name)
    agents = selectors.dashboard_agents(organization)
    totals = selectors.dashboard_totals(organization, window)
    per = "hour" if window.grain == "hour" else "day"
    per_bucket = sum(t.records_read for _, t in series) / len(series) if series else 0
    online = sum(1 for a in agents if a["presence"] == "online")
    return {
        "window": window,
        "totals": totals,
        "runs_chart": charts.runs_chart(series, title=f"Runs per {per} by status, {window.label}"),
        "run_legend": charts.legend(charts.RUN_STATUSES),
        "record_legend": charts.legend(charts.RECORD_STATUSES),
        "records_sparkline": charts.records_sparkline(
            series, title=f"Records read per {per}, {window.label}"
        ),
        "kpis": _kpis(totals, per=per, per_bucket=per_bucket, online=online, agents=len(agents)),
        "per": per,
        "workflows": workflows,
        "errors": selectors.dashboard_top_errors(organization, window),
        "agents": agents,
        "recent_runs": selectors.dashboard_recent_runs(organization),
    }


def _kpis(totals: Totals, *, per: str, per_bucket: float, online: int, agents: int) -> list[dict]:
    f = formatting
    return [
        kpi("Runs", f.thousands(totals.runs), "kpi-runs", f"{f.thousands(totals.runs_succeeded)} succeeded"),
        kpi(
            "Failed runs", f.thousands(totals.runs_unsuccessful), "kpi-runs-failed",
            f"{f.percent(totals.failure_rate)} of runs", bad=totals.runs_unsuccessful > 0,
        ),
        kpi("Records", f.thousands(totals.records_read), "kpi-records-read", f"≈ {f.thousands(per_bucket)} per {per}"),
        kpi(
            "Failed records", f.thousands(totals.records_failed), "kpi-records-failed",
            f"{f.percent(totals.records_failed_rate)} of records", bad=totals.records_failed > 0,
        ),
        kpi("Skipped records", f.thousands(totals.records_skipped), "kpi-records-skipped"),
        kpi("Throughput", f.rate(totals.records_per_second), "kpi-throughput", "records/s"),
        kpi("Agents online", f"{online} of {agents}", "kpi-agents-online", bad=agents > online),
    ]  # fmt: skip


def kpi(label: str, value: str, testid: str, note: str = "", *, bad: bool = False) -> dict:
    return {"label": label, "value": value, "testid": testid, "note": note, "tone": "bad" if bad else ""}


def platform_overview(now, window: Window) -> dict:
    organizations = platform_selectors.unscoped_organizations(window)
    hourly = platform_selectors.unscoped_runs_per_hour(now)
    totals = sum((row["totals"] for row in organizations), Totals.of(None))
    return {
        "window": window,
        "organizations": organizations,
        "totals": totals,
        "agents": sum(row["agents"] for row in organizations),
        "agents_online": sum(row["agents_online"] for row in organizations),
        "runs_24h": sum(sum(groups.values()) for _, groups in hourly),
        "hourly_chart": charts.hourly_chart(hourly),
        "hourly_legend": charts.legend(charts.HOURLY_GROUPS),
        "queue": celery_queue_depth(),
        "slowest": platform_selectors.unscoped_slowest_runs(window),
    }
