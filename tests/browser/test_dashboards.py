"""The organization and platform dashboards in real Chromium: the numbers shown are the database's.

The first test serves the portal with pytest-django's live server. The live-update test needs the
ASGI server (websockets) in a process of its own, so it needs what CI has: PostgreSQL (shared
between processes) and Redis (the channel layer that carries the event to that process).
"""

import os
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from playwright.sync_api import expect

from portal.agents.models import Agent
from portal.runs.models import Run
from portal.tenants.models import AuditEvent, Membership
from tests.helpers import free_port, portal_serve, stop, url_with_path
from tests.portal.dashboards.seed import (
    records_by_status,
    run_complete,
    run_make,
    runs_by_status,
    story_seed,
    window_bounds,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


def _login(page, base_url: str, user) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".topbar")).to_contain_text(user.email)


def _shown(page, testid: str, scope: str | None = None) -> str:
    root = page.locator(f'[data-workflow="{scope}"], [data-org="{scope}"]') if scope else page
    return root.get_by_test_id(testid).inner_text().strip()


def _number(page, testid: str, scope: str | None = None) -> int:
    return int(_shown(page, testid, scope).replace(",", ""))


@pytest.fixture
def seeded(acme, alice, globex, charlie, bob_in_acme):
    """Acme's month and Globex's (a day older), each run counted by run_completed as it commits."""
    now = timezone.now()
    return story_seed(organization=acme, owner=alice, now=now), story_seed(
        organization=globex, owner=charlie, now=now - timedelta(days=1)
    )


def test_it_shows_both_dashboards_with_the_databases_numbers(
    live_server, page, browser, seeded, acme, alice, globex, staff, artifacts
):
    acme_story, _ = seeded
    _login(page, live_server.url, alice)
    page.goto(f"{live_server.url}/o/{acme.slug}/?range=30d")
    expect(page.get_by_test_id("kpi-runs")).to_be_visible()

    # The truth, counted from runs and snapshot records (the page reads only its aggregates).
    since, until = window_bounds("30d", timezone.now())
    records = records_by_status(acme, since=since, until=until)
    runs = runs_by_status(acme, since=since, until=until)
    assert _number(page, "kpi-runs") == sum(runs.values()) == 7
    assert _number(page, "kpi-runs-failed") == runs["failed"] + runs["lost"]
    assert _number(page, "kpi-records-read") == sum(records.values())
    assert _number(page, "kpi-records-failed") == records["failed"]
    assert _number(page, "kpi-records-skipped") == records["skipped"]
    for name in ("Customer Update", "Customer Add"):
        per = records_by_status(acme, since=since, until=until, workflow=acme_story[name])
        assert _number(page, "wf-read", name) == sum(per.values())
        assert _number(page, "wf-failed", name) == per["failed"]
        assert _number(page, "wf-skipped", name) == per["skipped"]
    shown_errors = [int(t) for t in page.get_by_test_id("error-count").all_inner_texts()]
    assert sum(shown_errors) == records["failed"]
    online = [a for a in Agent.objects.filter(organization=acme) if a.online]
    assert _shown(page, "kpi-agents-online") == f"{len(online)} of 2"
    expect(page.locator('[data-agent="sage-test"] [data-testid="agent-presence"]')).to_have_text("offline")
    last = Run.objects.filter(workflow=acme_story["Customer Update"], status="succeeded").latest(
        "finished_at"
    )
    assert _shown(page, "sync-cursor", "Customer Update") == last.cursor_after
    expect(page.locator("svg.chart.stacked rect")).not_to_have_count(0)
    page.screenshot(path=str(artifacts / "dashboard-organization.png"), full_page=True)

    # The records behind the top error.
    page.get_by_test_id("error-records-link").first.click()
    expect(page.get_by_test_id("pattern")).to_have_text('Tax Group "…" does not exist.')
    expect(page.get_by_test_id("affected-record")).to_have_count(3)
    page.screenshot(path=str(artifacts / "dashboard-error-records.png"), full_page=True)

    # Platform staff see every organization.
    staff_page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    _login(staff_page, live_server.url, staff)
    staff_page.get_by_role("link", name="Platform").click()
    staff_page.get_by_test_id("range-30d").click()
    expect(staff_page.get_by_test_id("window-label")).to_contain_text("–")
    for organization in (acme, globex):
        runs = runs_by_status(organization, since=since, until=until)
        total, failed = sum(runs.values()), runs.get("failed", 0) + runs.get("lost", 0)
        slug = organization.slug
        assert _number(staff_page, "org-runs", slug) == total
        assert _number(staff_page, "org-runs-failed", slug) == failed
        assert _shown(staff_page, "org-failure-rate", slug) == f"{100 * failed / total:.1f}%"
        assert (
            _number(staff_page, "org-members", slug)
            == Membership.objects.filter(organization=organization).count()
        )
    day_ago = timezone.now() - timedelta(hours=24)
    assert _number(staff_page, "kpi-runs-24h") == Run.objects.filter(created_at__gte=day_ago).count()
    assert _shown(staff_page, "kpi-organizations") == "2"
    slowest = list(staff_page.get_by_test_id("slow-duration").all_inner_texts())
    assert slowest[0] == "50 s" and len(slowest) == 10
    staff_page.screenshot(path=str(artifacts / "dashboard-platform.png"), full_page=True)

    # A read-only look into Acme, written to Acme's audit log.
    staff_page.locator(f'[data-org="{acme.slug}"]').get_by_test_id("drilldown").click()
    expect(staff_page.locator("#readonly-banner")).to_contain_text("Read-only view as platform staff")
    assert _number(staff_page, "kpi-runs") == 7
    staff_page.screenshot(path=str(artifacts / "dashboard-drilldown.png"), full_page=True)
    assert AuditEvent.objects.filter(organization=acme, actor=staff, action="platform.drilldown").count() == 1
    staff_page.context.close()


@pytest.fixture
def asgi_server(transactional_db, tmp_path):
    """The portal (`python -m portal.serve`, websockets included) in a process of its own, serving
    the test database.

    A fresh interpreter, not a fork of this one: a fork inherits the state of this process's
    threads without the threads (an executor that believes its idle worker exists), and the
    forked server's websockets were seen hanging."""
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI needs DATABASE_URL (PostgreSQL) and REDIS_URL for the live dashboard test")
        pytest.skip(
            "live updates across processes need PostgreSQL and Redis (set DATABASE_URL and REDIS_URL)"
        )
    test_database = settings.DATABASES["default"]["NAME"]  # pytest-django's, not DATABASE_URL's
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=url_with_path(os.environ["DATABASE_URL"], test_database),
    )
    port = free_port()
    with (tmp_path / "portal.log").open("w") as log:
        server = portal_serve(port, env=env, log=log)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(server)


def test_it_updates_the_dashboard_live_when_a_run_finishes(asgi_server, page, seeded, acme, alice, artifacts):
    acme_story, _ = seeded
    _login(page, asgi_server, alice)
    page.goto(f"{asgi_server}/o/{acme.slug}/?range=24h")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "open")
    before = _number(page, "kpi-runs")
    read_before = _number(page, "kpi-records-read")

    # The agent reports a run: committed here, counted by run_completed, announced on /ws/ui/.
    # (Playwright's event loop runs in this thread, so the report is made from another one.)
    def report():
        run = run_make(workflow=acme_story["Customer Add"], created_at=timezone.now(), succeeded=25,
                       failed=['Customer "C-77" already exists.'], duration_s=5)  # fmt: skip
        run_complete(run, "completed_with_errors")
        connection.close()

    reporter = threading.Thread(target=report)
    reporter.start()
    reporter.join(30)

    expect(page.get_by_test_id("kpi-runs")).to_have_text(str(before + 1), timeout=10_000)
    assert _number(page, "kpi-records-read") == read_before + 26
    counts = Run.objects.filter(organization=acme).values("status").annotate(n=Count("id"))
    assert {c["status"]: c["n"] for c in counts}["running"] == 1  # the story's run still going: not counted
    page.screenshot(path=str(artifacts / "dashboard-live.png"), full_page=True)
