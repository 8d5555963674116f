"""Workflow schedules: the API and page that set them, the beat entry kept in step, each tick's run."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django_celery_beat.models import PeriodicTask

from portal.runs.models import Run
from portal.schedules.cron import cron_next
from portal.schedules.models import Schedule
from portal.schedules.services import schedule_fire, schedule_next_at, schedule_save
from portal.schedules.tasks import schedule_fire_task
from portal.workflows.design import workflow_delete, workflow_update
from portal.workflows.lifecycle import version_reset_publish
from tests.portal.agents.helpers import org_ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(acme, alice):
    return org_ready(organization=acme, owner=alice)


def schedule_url(ready) -> str:
    return f"/api/orgs/{ready.workflow.organization.slug}/workflows/{ready.workflow.pk}/schedule/"


def beat_entry(schedule: Schedule) -> PeriodicTask:
    return PeriodicTask.objects.get(pk=schedule.periodic_task_id)


# -- API ------------------------------------------------------------------------------------------
def test_it_schedules_a_workflow_every_n_minutes_with_a_beat_entry(api_as, alice, ready):
    api = api_as(alice)
    assert api.get(schedule_url(ready)).status_code == 404  # Manual

    response = api.put(schedule_url(ready), {"mode": "interval", "every_minutes": 15}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["mode"], body["every_minutes"], body["enabled"], body["description"]) == (
        "interval", 15, True, "every 15 minutes",
    )  # fmt: skip
    assert body["next_run_at"] is not None
    entry = beat_entry(Schedule.objects.get())
    assert (entry.task, json.loads(entry.kwargs), entry.enabled) == (
        "schedules.fire", {"schedule_id": Schedule.objects.get().pk}, True,
    )  # fmt: skip
    assert (entry.interval.every, entry.interval.period, entry.crontab) == (15, "minutes", None)
    assert api.get(schedule_url(ready)).json()["description"] == "every 15 minutes"


def test_it_moves_the_same_beat_entry_to_a_cron_expression_and_pauses_it(api_as, alice, ready):
    api = api_as(alice)
    api.put(schedule_url(ready), {"mode": "interval", "every_minutes": 5}, format="json")
    first = beat_entry(Schedule.objects.get()).pk

    response = api.put(
        schedule_url(ready),
        {"mode": "cron", "cron": " 0  6 * *   1-5 ", "timezone": "Europe/Paris", "enabled": False},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["description"] == "cron 0 6 * * 1-5 (Europe/Paris), paused"
    assert response.json()["next_run_at"] is None  # paused
    entry = beat_entry(Schedule.objects.get())
    assert entry.pk == first and PeriodicTask.objects.filter(task="schedules.fire").count() == 1
    assert (entry.interval, entry.enabled) == (None, False)
    crontab = entry.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week) == (
        "0", "6", "*", "*", "1-5",
    )  # fmt: skip
    assert str(crontab.timezone) == "Europe/Paris"


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"mode": "interval", "every_minutes": 0}, "every_minutes", "every 1 to 10,080 minutes"),
        ({"mode": "interval"}, "every_minutes", "how many minutes"),
        ({"mode": "cron", "cron": "0 6 * *"}, "cron", "five fields"),
        ({"mode": "cron", "cron": "0 25 * * *"}, "cron", "not valid"),
        ({"mode": "cron", "cron": "0 0 31 2 *"}, "cron", "never occurs"),
        ({"mode": "cron", "cron": "0 6 * * *", "timezone": "Mars/Olympus"}, "timezone", "not a time zone"),
    ],
)
def test_it_refuses_a_bad_schedule_and_says_what_to_fix(api_as, alice, ready, body, field, words):
    response = api_as(alice).put(schedule_url(ready), body, format="json")

    assert response.status_code == 400
    assert words in " ".join(response.json()[field])
    assert not Schedule.objects.exists() and not PeriodicTask.objects.filter(task="schedules.fire").exists()


def test_it_lets_viewers_read_only_admins_change_and_other_tenants_nothing(
    api_as, alice, bob, bob_in_acme, charlie, globex, ready
):
    api_as(alice).put(schedule_url(ready), {"mode": "interval", "every_minutes": 30}, format="json")
    change = {"mode": "interval", "every_minutes": 1}

    assert api_as(bob).get(schedule_url(ready)).status_code == 200
    assert api_as(bob).put(schedule_url(ready), change, format="json").status_code == 403
    bob_in_acme.role = "operator"
    bob_in_acme.save()
    assert api_as(bob).delete(schedule_url(ready)).status_code == 403
    assert api_as(charlie).get(schedule_url(ready)).status_code == 404
    foreign = schedule_url(ready).replace("/acme/", f"/{globex.slug}/")
    assert api_as(charlie).put(foreign, change, format="json").status_code == 404
    assert Schedule.objects.get().every_minutes == 30


def test_it_goes_back_to_manual_and_the_beat_entry_goes_too(api_as, alice, ready):
    api = api_as(alice)
    api.put(schedule_url(ready), {"mode": "interval", "every_minutes": 5}, format="json")

    assert api.delete(schedule_url(ready)).status_code == 204

    assert not Schedule.objects.exists() and not PeriodicTask.objects.filter(task="schedules.fire").exists()
    assert api.get(schedule_url(ready)).status_code == 404


def test_a_deleted_workflow_takes_its_beat_entry_along(alice, ready):
    schedule_save(workflow=ready.workflow, actor=alice, mode="interval", every_minutes=5)
    version_reset_publish(workflow=ready.workflow, actor=alice)

    workflow_delete(workflow=ready.workflow, actor=alice)

    assert not PeriodicTask.objects.filter(task="schedules.fire").exists()


# -- ticks ----------------------------------------------------------------------------------------
def test_each_tick_starts_a_schedule_run_or_joins_the_one_not_started_yet(alice, ready):
    schedule = schedule_save(workflow=ready.workflow, actor=alice, mode="interval", every_minutes=5)

    schedule_fire_task.apply(args=[schedule.pk])  # what the worker does with what beat sends

    run = Run.objects.get()
    assert (run.trigger, run.status, run.workflow) == ("schedule", "queued", ready.workflow)
    schedule.refresh_from_db()
    assert (schedule.last_outcome, schedule.last_run, schedule.last_fired_at is not None) == (
        "started a run", run, True,
    )  # fmt: skip

    schedule_fire(schedule_id=schedule.pk)

    assert Run.objects.count() == 1
    schedule.refresh_from_db()
    assert (schedule.last_outcome, schedule.last_run) == ("joined the run not started yet", run)


def test_a_tick_of_an_inactive_workflow_says_why_it_was_skipped(client_as, alice, ready):
    schedule = schedule_save(workflow=ready.workflow, actor=alice, mode="interval", every_minutes=5)
    workflow_update(workflow=ready.workflow, actor=alice, is_active=False)

    schedule_fire(schedule_id=schedule.pk)

    schedule.refresh_from_db()
    assert not Run.objects.exists()
    assert schedule.last_outcome == "skipped: Customer Add is not active: switch it on first."
    page = client_as(alice).get(page_url(ready)).content.decode()
    assert "Its ticks will be skipped until this is fixed: Customer Add is not active" in page


def test_a_paused_or_deleted_schedule_starts_nothing(alice, ready):
    schedule = schedule_save(
        workflow=ready.workflow, actor=alice, mode="interval", every_minutes=5, enabled=False
    )

    schedule_fire(schedule_id=schedule.pk)
    schedule_fire(schedule_id=schedule.pk + 1000)

    assert not Run.objects.exists()


def test_it_says_when_the_next_run_is(alice, ready):
    cron = schedule_save(
        workflow=ready.workflow, actor=alice, mode="cron", cron="0 6 * * 1-5", timezone_name="Europe/Paris"
    )
    friday_night = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
    assert schedule_next_at(cron, now=friday_night) == datetime(
        2026, 11, 30, 5, 0, tzinfo=UTC
    )  # Monday 06:00 CET

    # Across the change to summer time, 06:00 stays 06:00 in Paris.
    assert cron_next(["0", "6", "*", "*", "*"], "Europe/Paris", datetime(2026, 3, 28, 22, 0, tzinfo=UTC)) == (
        datetime(2026, 3, 29, 4, 0, tzinfo=UTC)
    )
    assert cron_next(["0", "0", "29", "2", "1"], "UTC", friday_night) == datetime(
        2044, 2, 29, 0, 0, tzinfo=UTC
    )
    every = schedule_save(workflow=ready.workflow, actor=alice, mode="interval", every_minutes=20)
    assert schedule_next_at(every, now=every.updated_at) == every.updated_at + timedelta(minutes=20)


# -- pages ----------------------------------------------------------------------------------------
def page_url(ready) -> str:
    return f"/o/{ready.workflow.organization.slug}/workflows/{ready.workflow.pk}/schedule/"


def test_an_admin_sets_a_schedule_on_its_page_and_the_list_shows_it(client_as, alice, ready):
    client = client_as(alice)
    assert "Manual." in client.get(page_url(ready)).content.decode()

    bad = client.post(page_url(ready), {"mode": "cron", "cron": "every day", "timezone": "UTC"})
    assert bad.status_code == 200 and "five fields" in bad.content.decode()
    odd = client.post(page_url(ready), {"mode": "interval", "every_minutes": "²", "timezone": "UTC"})
    assert odd.status_code == 200 and "a whole number" in odd.content.decode()
    assert not Schedule.objects.exists()

    saved = client.post(
        page_url(ready),
        {"mode": "interval", "every_minutes": "10", "timezone": "UTC", "enabled": "on"},
        follow=True,
    )

    html = saved.content.decode()
    assert "Customer Add now runs every 10 minutes." in html and "Next run:" in html
    listing = client.get(f"/o/{ready.workflow.organization.slug}/workflows/").content.decode()
    assert "every 10 minutes" in listing and "next " in listing

    manual = client.post(page_url(ready), {"action": "delete"}, follow=True).content.decode()
    assert "Customer Add is back to Manual" in manual and not Schedule.objects.exists()


def test_a_viewer_sees_the_schedule_page_but_cannot_change_it(client_as, alice, bob, bob_in_acme, ready):
    schedule_save(workflow=ready.workflow, actor=alice, mode="interval", every_minutes=30)
    client = client_as(bob)

    html = client.get(page_url(ready)).content.decode()

    assert "Runs every 30 minutes." in html and "schedule-form" not in html
    assert client.post(page_url(ready), {"mode": "interval", "every_minutes": "1"}).status_code == 403
    assert Schedule.objects.get().every_minutes == 30


def test_the_workflow_list_shows_the_last_run(client_as, alice, ready):
    schedule_fire(
        schedule_id=schedule_save(workflow=ready.workflow, actor=alice, mode="interval", every_minutes=5).pk
    )
    run = Run.objects.get()

    listing = client_as(alice).get(f"/o/{ready.workflow.organization.slug}/workflows/").content.decode()

    assert f"/runs/{run.pk}/" in listing and "queued" in listing
