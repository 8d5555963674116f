"""The platform dashboard at /platform/: staff only, every organization, drill-down in the audit log."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.runs.models import Run
from portal.tenants.models import AuditEvent
from tests.portal.dashboards.page import number, one, shown

pytestmark = pytest.mark.django_db


def test_it_shows_every_organization_with_its_numbers(
    staff, acme, story, globex, globex_story, bob_in_acme, client_as
):
    html = client_as(staff).get("/platform/?range=30d").content.decode()

    assert one(html, "kpi-organizations") == "2"
    assert one(html, "kpi-agents-online") == "1 of 2"
    # Acme in 30 days: 7 runs, of which one failed and one lost.
    assert [one(html, t, acme.slug) for t in ("org-members", "org-workflows", "org-agents", "org-runs")] == [
        "2", "2", "1 of 2", "7",
    ]  # fmt: skip
    assert (one(html, "org-runs-failed", acme.slug), one(html, "org-failure-rate", acme.slug)) == (
        "2",
        "28.6%",
    )
    assert [one(html, t, globex.slug) for t in ("org-runs", "org-failure-rate", "org-records-failed")] == [
        "1", "0.0%", "1",
    ]  # fmt: skip
    assert one(html, "kpi-failure-rate") == f"{100 * 2 / 8:.1f}%"


def test_it_counts_runs_of_the_last_24_hours_and_lists_the_slowest(staff, story, globex_story, client_as):
    html = client_as(staff).get("/platform/?range=30d").content.decode()

    since = timezone.now() - timedelta(hours=24)
    assert number(one(html, "kpi-runs-24h")) == Run.objects.filter(created_at__gte=since).count() == 5
    # Finished in the 30 days: Globex's run (60 s), then Acme's by duration; the 40-day-old one is out.
    durations = [s.text for s in shown(html) if s.testid == "slow-duration"]
    assert durations == ["1 m 00 s", "50 s", "45 s", "20 s", "4 s", "3 s"]


def test_it_shows_the_queue_without_a_broker(staff, client_as, settings):
    settings.CELERY_BROKER_URL = "memory://"

    html = client_as(staff).get("/platform/").content.decode()

    assert (one(html, "kpi-queue"), one(html, "queue-note")) == ("—", "in-process (no broker)")


def test_it_reads_the_queue_depth_from_redis(staff, client_as, settings):
    import os

    import redis

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs REDIS_URL (CI runs it)")
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_DEFAULT_QUEUE = "ferry-dashboards-test"
    client = redis.Redis.from_url(url)
    client.delete("ferry-dashboards-test")
    client.rpush("ferry-dashboards-test", "a", "b", "c")
    try:
        html = client_as(staff).get("/platform/").content.decode()
    finally:
        client.delete("ferry-dashboards-test")

    assert one(html, "kpi-queue") == "3"


def test_it_records_a_staff_drilldown_in_the_organizations_audit_log(staff, acme, story, client_as):
    html = client_as(staff).get(f"/platform/orgs/{acme.slug}/?range=30d").content.decode()

    assert one(html, "kpi-runs") == "7"
    assert "Read-only view as platform staff" in html
    assert "data-live-org" not in html and "Affected records" not in html
    event = AuditEvent.objects.get(organization=acme, action="platform.drilldown")
    assert (event.actor, event.target_type, event.data) == (
        staff,
        "organization",
        {"page": "dashboard", "range": "range=30d"},
    )


def test_it_looks_like_nothing_to_anyone_but_staff(
    acme, story, alice, bob_in_acme, charlie, client_as, client
):
    for user in (alice, bob_in_acme.user, charlie):
        logged_in = client_as(user)
        assert logged_in.get("/platform/").status_code == 404
        assert logged_in.get(f"/platform/orgs/{acme.slug}/").status_code == 404
        assert 'href="/platform/"' not in logged_in.get("/", follow=True).content.decode()
    client.logout()
    assert client.get("/platform/").status_code == 302
    assert not AuditEvent.objects.filter(action="platform.drilldown").exists()


def test_it_answers_404_for_an_organization_that_does_not_exist(staff, client_as):
    assert client_as(staff).get("/platform/orgs/nowhere/").status_code == 404
    assert not AuditEvent.objects.filter(action="platform.drilldown").exists()


def test_it_links_staff_to_the_platform(staff, acme, client_as):
    html = client_as(staff).get("/platform/").content.decode()

    assert 'href="/platform/"' in html
    assert f'href="/platform/orgs/{acme.slug}/?range=7d"' in html
