"""Runs through the REST API: Run, cancel, reprocess, the Processed Snapshot (records, logs, one
record's File); the watchdog; the run state machine."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.agents.models import Agent
from portal.agents.services import agent_detach
from portal.runs import ingest
from portal.runs.api import RunSerializer, run_representation
from portal.runs.lifecycle import ALLOWED, IllegalTransition, run_transition
from portal.runs.models import Run, RunLog, SnapshotRecord
from portal.runs.queue import run_dispatch_next_if_queued, runs_pending_for_agent
from portal.runs.services import run_request, runs_watchdog
from portal.tenants.services import api_token_create
from portal.workflows.design import workflow_update
from portal.workflows.lifecycle import version_reset_publish
from tests.portal.agents.helpers import org_ready, snapshot_record

pytestmark = pytest.mark.django_db

FINAL = ["succeeded", "completed_with_errors", "failed", "cancelled"]


@pytest.fixture
def ready(acme, alice):
    return org_ready(organization=acme, owner=alice)


@pytest.fixture
def operator(bob, bob_in_acme):
    bob_in_acme.role = "operator"
    bob_in_acme.save()
    return bob


def runs_url(org, *rest) -> str:
    return "/".join([f"/api/orgs/{org.slug}/runs", *[str(part) for part in rest], ""])


@pytest.fixture
def pushed_to_agent(django_capture_on_commit_callbacks):
    """`pushed_to_agent(agent_pk, action, expect)`: do `action` (its transaction "commits") while
    listening on the agent's channel-layer group; returns (result, the `expect` messages pushed)."""
    return lambda agent_pk, action, expect: _pushed(
        django_capture_on_commit_callbacks, agent_pk, action, expect
    )


def _pushed(capture, agent_pk: int, action, expect: int):
    layer = get_channel_layer()

    def committed():
        with capture(execute=True):
            return action()

    async def listen():
        channel = await layer.new_channel()
        await layer.group_add(f"agent-{agent_pk}", channel)
        try:
            result = await sync_to_async(committed)()
            messages = [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(expect)]
        finally:
            await layer.group_discard(f"agent-{agent_pk}", channel)
        return result, messages

    return async_to_sync(listen)()


def make_run(ready, status="running", **fields) -> Run:
    return Run.objects.create(
        organization=ready.workflow.organization, workflow=ready.workflow, version=ready.version,
        plan_hash=ready.version.plan_hash, agent=ready.agent, status=status, **fields,
    )  # fmt: skip


def with_records(ready, statuses: list[str]) -> Run:
    """A finished run whose records 1..n had these statuses (record n: email customer<n>@example.com)."""
    run = make_run(ready, status="running")
    records = [snapshot_record(n, status=status) for n, status in enumerate(statuses, start=1)]
    ingest.snapshot_batch_ingest(agent=ready.agent, run_id=str(run.pk), node_id="customer_add", seq=1,
                                 records=records, logs=[])  # fmt: skip
    Run.objects.filter(pk=run.pk).update(status="completed_with_errors")
    run.refresh_from_db()
    return run


# -- Run ------------------------------------------------------------------------------------------
def test_it_runs_a_workflow_for_an_operator(api_as, operator, ready, pushed_to_agent):
    api = api_as(operator)

    response, pushed = pushed_to_agent(
        ready.agent.pk,
        lambda: api.post(runs_url(ready.agent.organization), {"workflow": ready.workflow.pk}),
        1,
    )

    assert response.status_code == 201
    run = Run.objects.get()
    body = response.json()
    assert (body["id"], body["status"], body["trigger"], body["workflow"], body["agent"]) == (
        str(run.pk),
        "queued",
        "manual",
        ready.workflow.pk,
        ready.agent.pk,
    )
    assert (body["workflow_name"], body["version_number"], body["plan_hash"]) == (
        "Customer Add",
        1,
        ready.version.plan_hash,
    )
    assert (run.requested_by, run.record_ids, run.reprocess_of) == (operator, None, None)
    frame = pushed[0]["frame"]
    assert pushed[0]["type"] == "agent.frame" and pushed[0]["dispatch_run"] == str(run.pk)
    assert {k: v for k, v in frame.items() if k != "id"} == {
        "type": "run.start", "run_id": str(run.pk), "workflow_id": str(ready.workflow.public_id), "version": 1,
        "plan_hash": ready.version.plan_hash, "trigger": "manual", "options": {},
    }  # fmt: skip


def test_run_answers_share_one_serializers_fields_and_say_what_it_says(ready):
    # portal.runs.api.run_representation builds RunSerializer's fields once for every answer.
    first = make_run(ready, status="succeeded", counts={"customer_add": {"read": 2}}, records_read=2)
    second = make_run(ready, status="queued", reprocess_of=first, record_ids=["7000000001"], error="busy")

    answers = [run_representation(run) for run in (first, second, first)]

    assert answers == [dict(RunSerializer(run).data) for run in (first, second, first)]
    assert (answers[1]["reprocess_of"], answers[1]["record_ids"], answers[0]["records_read"]) == (
        first.pk, ["7000000001"], 2,
    )  # fmt: skip


@pytest.fixture
def run_starts(monkeypatch):
    """The runs whose run.start went to the agent, in order."""
    sent: list[str] = []
    monkeypatch.setattr(
        "portal.runs.queue.agent_push_on_commit",
        lambda agent_pk, message: sent.append(message["dispatch_run"]),
    )
    return sent


def test_it_queues_a_run_behind_the_workflows_run_under_way_and_sends_it_when_that_ends(
    api_as, operator, ready, acme, run_starts, django_capture_on_commit_callbacks
):
    running = make_run(ready, status="running")
    api = api_as(operator)

    waiting = [api.post(runs_url(acme), {"workflow": ready.workflow.pk}).json()["id"] for _ in range(2)]

    assert run_starts == [] and [Run.objects.get(pk=pk).status for pk in waiting] == ["queued", "queued"]
    with django_capture_on_commit_callbacks(execute=True):
        ingest.run_finished(agent=ready.agent, run_id=str(running.pk), status="succeeded", counts={},
                            cursor_before=None, cursor_after=None, started_at="", finished_at="", error=None)  # fmt: skip
    assert run_starts == [waiting[0]]  # the oldest, and only it: the agent runs a workflow once at a time
    with django_capture_on_commit_callbacks(execute=True):
        api.post(runs_url(acme, waiting[0], "cancel"))  # still queued: cancelled here, the next one goes
    assert run_starts == [waiting[0], waiting[1]]


def test_a_run_queued_as_the_one_ahead_ends_is_sent_once_its_request_commits(
    ready, alice, run_starts, django_capture_on_commit_callbacks
):
    # The end of a run looks for queued runs without the workflow's lock, so it does not see a run
    # whose request has not committed yet: that request looks again once committed.
    ahead = make_run(ready, status="running")
    with django_capture_on_commit_callbacks(execute=False) as on_commit:
        waiting = run_request(workflow=ready.workflow, actor=alice)  # read `ahead` as under way

    Run.objects.filter(pk=ahead.pk).update(status="succeeded")  # it ended; the request then commits
    for callback in on_commit:
        callback()

    assert run_starts == [str(waiting.pk)]


def test_a_request_queued_behind_a_run_still_running_or_not_yet_marked_sent_sends_nothing(
    ready, alice, run_starts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = run_request(workflow=ready.workflow, actor=alice)  # sent; `queued` until its socket says so
    with django_capture_on_commit_callbacks(execute=True):
        run_request(workflow=ready.workflow, actor=alice)  # waits behind the first
    assert run_starts == [str(first.pk)]  # the first is not sent again

    Run.objects.filter(pk=first.pk).update(status="running")
    with django_capture_on_commit_callbacks(execute=True):
        run_request(workflow=ready.workflow, actor=alice)
    assert run_starts == [str(first.pk)]


def test_the_end_of_a_run_with_nothing_queued_behind_it_takes_no_lock(ready):
    ended = make_run(ready, status="succeeded")

    with CaptureQueriesContext(connection) as queries:
        assert (
            run_dispatch_next_if_queued(organization_id=ended.organization_id, workflow_id=ended.workflow_id)
            is None
        )

    assert len(queries) == 1 and "FOR UPDATE" not in queries[0]["sql"]


def test_it_sends_the_next_run_when_the_one_ahead_is_lost(
    ready, alice, run_starts, django_capture_on_commit_callbacks
):
    silent = make_run(ready, status="running", last_activity_at=timezone.now() - timedelta(hours=1))
    waiting = run_request(workflow=ready.workflow, actor=alice)
    assert run_starts == []

    with django_capture_on_commit_callbacks(execute=True):
        assert runs_watchdog() == 1

    silent.refresh_from_db()
    assert (silent.status, run_starts) == ("lost", [str(waiting.pk)])


def test_the_watchdog_leaves_a_run_that_waits_and_sweeps_a_queue_nothing_holds(ready, alice, run_starts):
    long_ago = timezone.now() - timedelta(hours=1)
    ahead = make_run(ready, status="running", last_activity_at=timezone.now())  # a long run, still talking
    waiting = run_request(workflow=ready.workflow, actor=alice)
    Run.objects.filter(pk=waiting.pk).update(last_activity_at=long_ago)

    assert runs_watchdog() == 0
    assert Run.objects.get(pk=waiting.pk).status == "queued" and run_starts == []

    Run.objects.filter(pk=ahead.pk).update(status="succeeded")  # its run_completed never came (a crash)
    runs_watchdog()
    assert run_starts == [str(waiting.pk)]
    assert Run.objects.get(pk=waiting.pk).last_activity_at > long_ago  # silence counts from the sending


def test_runs_that_waited_for_a_workflow_switched_off_meanwhile_fail_with_the_reason(
    ready, alice, run_starts, django_capture_on_commit_callbacks
):
    ahead = make_run(ready, status="running")
    waiting = run_request(workflow=ready.workflow, actor=alice)
    workflow_update(workflow=ready.workflow, actor=alice, is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        ingest.run_finished(agent=ready.agent, run_id=str(ahead.pk), status="succeeded", counts={},
                            cursor_before=None, cursor_after=None, started_at="", finished_at="", error=None)  # fmt: skip

    waiting.refresh_from_db()
    assert (waiting.status, waiting.error, run_starts) == (
        "failed", "not sent: Customer Add is not active: switch it on first.", [],
    )  # fmt: skip


def test_a_lost_run_the_agent_still_runs_holds_its_queue_when_the_agent_comes_back(ready, alice):
    lost = make_run(ready, status="lost")
    waiting = run_request(workflow=ready.workflow, actor=alice)  # nothing busy: it was sent, never accepted

    ingest.runs_reported_running(agent=ready.agent, run_ids=[str(lost.pk), "not-a-run"])

    lost.refresh_from_db()
    assert lost.status == "running"
    assert runs_pending_for_agent(ready.agent, [str(lost.pk)]) == []
    assert Run.objects.get(pk=waiting.pk).status == "queued"


def test_it_welcomes_an_agent_with_one_pending_run_per_workflow(ready, alice):
    first, second = (run_request(workflow=ready.workflow, actor=alice) for _ in range(2))
    assert runs_pending_for_agent(ready.agent) == [first]  # the second waits behind the first

    run_transition(first, "dispatched")
    assert runs_pending_for_agent(ready.agent) == [first]  # sent, never accepted: sent again

    run_transition(first, "running")
    assert runs_pending_for_agent(ready.agent) == []  # the agent is running it: nothing to send

    run_transition(first, "succeeded")
    assert runs_pending_for_agent(ready.agent) == [second]


def test_it_marks_runs_started_with_an_api_token_as_api_runs(api_client, alice, ready):
    _, token = api_token_create(user=alice, name="ci")

    response = api_client.post(
        runs_url(ready.agent.organization),
        {"workflow": ready.workflow.pk},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 201
    assert response.json()["trigger"] == "api"


def test_it_refuses_runs_to_a_viewer(api_as, bob, bob_in_acme, ready):
    response = api_as(bob).post(runs_url(ready.agent.organization), {"workflow": ready.workflow.pk})

    assert response.status_code == 403
    assert Run.objects.count() == 0


def test_it_refuses_charlie_acmes_workflow(api_as, charlie, globex, ready, acme):
    charlies = api_as(charlie)

    own_org = charlies.post(runs_url(globex), {"workflow": ready.workflow.pk})
    acmes_org = charlies.post(runs_url(acme), {"workflow": ready.workflow.pk})

    assert (own_org.status_code, own_org.json()) == (
        400,
        {"detail": "workflow: no such workflow in this organization."},
    )
    assert acmes_org.status_code == 404
    assert Run.objects.count() == 0


@pytest.mark.parametrize(
    ("problem", "sentence"),
    [
        ("unpublished", "Customer Add has no published version: Generate and Publish it first."),
        ("inactive", "Customer Add is not active: switch it on first."),
        ("no agent", "Customer Add has no agent: assign one in the workflow's settings."),
        ("detached", "Agent sage-server is detached: attach it first."),
    ],
)
def test_it_refuses_a_run_that_cannot_start(api_as, alice, ready, acme, problem, sentence):
    workflow = ready.workflow
    if problem == "unpublished":
        version_reset_publish(workflow=workflow, actor=alice)
    elif problem == "inactive":
        workflow.is_active = False
        workflow.save()
    elif problem == "no agent":
        workflow.agent = None
        workflow.save()
    else:
        agent_detach(agent=ready.agent, actor=alice)

    response = api_as(alice).post(runs_url(acme), {"workflow": workflow.pk})

    assert (response.status_code, response.json()) == (400, {"detail": sentence})
    assert Run.objects.count() == 0


# -- cancel ---------------------------------------------------------------------------------------
def test_it_cancels_a_queued_run(api_as, operator, ready, acme):
    run = make_run(ready, status="queued")

    response = api_as(operator).post(runs_url(acme, run.pk, "cancel"))

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    run.refresh_from_db()
    assert (run.status, [t["status"] for t in run.transitions]) == ("cancelled", ["cancelled"])
    assert run.finished_at is not None


def test_it_asks_the_agent_to_cancel_a_running_run(api_as, operator, ready, acme, pushed_to_agent):
    run = make_run(ready, status="running")
    api = api_as(operator)

    response, pushed = pushed_to_agent(ready.agent.pk, lambda: api.post(runs_url(acme, run.pk, "cancel")), 1)

    assert response.status_code == 200 and response.json()["status"] == "running"
    assert pushed[0]["type"] == "agent.frame"
    assert {k: v for k, v in pushed[0]["frame"].items() if k != "id"} == {
        "type": "run.cancel",
        "run_id": str(run.pk),
    }


def test_it_refuses_to_cancel_a_finished_run(api_as, operator, ready, acme):
    run = make_run(ready, status="succeeded")

    response = api_as(operator).post(runs_url(acme, run.pk, "cancel"))

    assert (response.status_code, response.json()) == (400, {"detail": "This run is succeeded already."})


def test_it_lets_neither_a_viewer_nor_charlie_cancel(api_as, bob, bob_in_acme, charlie, globex, ready, acme):
    run = make_run(ready, status="queued")

    answers = [
        api_as(bob).post(runs_url(acme, run.pk, "cancel")).status_code,
        api_as(charlie).post(runs_url(acme, run.pk, "cancel")).status_code,
        api_as(charlie).post(runs_url(globex, run.pk, "cancel")).status_code,
    ]

    assert answers == [403, 404, 404]
    assert Run.objects.get(pk=run.pk).status == "queued"


# -- reprocess ------------------------------------------------------------------------------------
def test_it_reprocesses_every_failure_of_a_run(api_as, operator, ready, acme, pushed_to_agent):
    source = with_records(ready, ["failed", "success", "failed", "skipped"])
    api = api_as(operator)

    response, pushed = pushed_to_agent(
        ready.agent.pk, lambda: api.post(runs_url(acme, source.pk, "reprocess")), 1
    )

    assert response.status_code == 201
    body = response.json()
    failed_ids = [snapshot_record(1)["source_id"], snapshot_record(3)["source_id"]]
    assert (body["trigger"], body["record_ids"], body["reprocess_of"], body["status"]) == (
        "reprocess",
        failed_ids,
        str(source.pk),
        "queued",
    )
    assert pushed[0]["frame"]["options"] == {"record_ids": failed_ids}
    assert pushed[0]["frame"]["trigger"] == "reprocess"


def test_it_reprocesses_chosen_records(api_as, operator, ready, acme):
    source = with_records(ready, ["failed", "success", "failed"])
    keys = [snapshot_record(3)["record_key"], snapshot_record(2)["record_key"]]

    response = api_as(operator).post(
        runs_url(acme, source.pk, "reprocess"), {"record_keys": keys}, format="json"
    )

    assert response.status_code == 201
    run = Run.objects.get(pk=response.json()["id"])
    assert (run.record_ids, run.reprocess_of_id, run.trigger) == (sorted(keys), source.pk, "reprocess")


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        ({}, "There is nothing to reprocess: no failed records match."),
        ({"record_keys": ["no-such-key"]}, "There is nothing to reprocess: no failed records match."),
        ({"record_keys": "7000000001"}, "record_keys: give a list of record keys."),
    ],
)
def test_it_refuses_a_reprocess_with_nothing_to_do(api_as, operator, ready, acme, data, detail):
    source = with_records(ready, ["success"])

    response = api_as(operator).post(runs_url(acme, source.pk, "reprocess"), data, format="json")

    assert (response.status_code, response.json()) == (400, {"detail": detail})
    assert Run.objects.count() == 1


def test_it_lets_neither_a_viewer_nor_charlie_reprocess(
    api_as, bob, bob_in_acme, charlie, globex, ready, acme
):
    source = with_records(ready, ["failed"])

    answers = [
        api_as(bob).post(runs_url(acme, source.pk, "reprocess")).status_code,
        api_as(charlie).post(runs_url(acme, source.pk, "reprocess")).status_code,
        api_as(charlie).post(runs_url(globex, source.pk, "reprocess")).status_code,
    ]

    assert answers == [403, 404, 404]
    assert Run.objects.count() == 1


# -- the Processed Snapshot -----------------------------------------------------------------------
def record_ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_it_filters_the_records_of_a_run(api_as, bob, bob_in_acme, ready, acme):
    run = with_records(ready, ["success", "failed", "success", "failed", "skipped"])
    ingest.snapshot_batch_ingest(agent=ready.agent, run_id=str(run.pk), node_id="address_update", seq=1,
                                 records=[snapshot_record(2, status="failed")], logs=[])  # fmt: skip
    ids = list(SnapshotRecord.objects.filter(run=run).order_by("id").values_list("id", flat=True))
    api = api_as(bob)  # a viewer reads

    def get(**params):
        response = api.get(runs_url(acme, run.pk, "records"), params)
        assert response.status_code == 200
        return record_ids(response)

    assert get() == ids
    assert get(status="failed") == [ids[1], ids[3], ids[5]]
    assert get(node="customer_add", status="failed") == [ids[1], ids[3]]
    assert get(node="address_update") == [ids[5]]
    assert get(search=snapshot_record(4)["source_id"]) == [ids[3]]
    assert get(search="SHP000003") == [ids[2]]  # the Sage customer number
    assert get(search="customer2@example.com") == [ids[1], ids[5]]
    assert get(search="nobody@example.com") == []
    row = api.get(runs_url(acme, run.pk, "records"), {"limit": 1}).json()["results"][0]
    assert row == {
        "id": ids[0], "node_id": "customer_add", "record_key": "7000000001", "source_id": "7000000001",
        "destination_id": "SHP000001", "status": "success", "message": "", "tries": 1, "duration_ms": 12,
    }  # fmt: skip


def test_it_pages_records_with_a_keyset_cursor(api_as, alice, ready, acme):
    run = with_records(ready, ["success"] * 5)
    ids = list(SnapshotRecord.objects.filter(run=run).order_by("id").values_list("id", flat=True))
    api = api_as(alice)

    pages, after = [], None
    while True:
        params = {"limit": 2, **({"after": after} if after else {})}
        body = api.get(runs_url(acme, run.pk, "records"), params).json()
        pages.append(([row["id"] for row in body["results"]], body["next_after"]))
        after = body["next_after"]
        if after is None:
            break

    assert pages == [(ids[0:2], ids[1]), (ids[2:4], ids[3]), (ids[4:5], None)]
    assert (
        record_ids(api.get(runs_url(acme, run.pk, "records"), {"after": ids[2], "status": "success"}))
        == ids[3:]
    )


def test_it_lists_the_logs_of_a_run(api_as, alice, ready, acme):
    run = make_run(ready)
    logs = [
        {"ts": 1735812002.0, "level": "warning", "node_id": "address_update", "message": "no ship-to"},
        {"ts": 1735812001.0, "level": "info", "node_id": "customer_add", "message": "read 5 customers"},
    ]
    ingest.snapshot_batch_ingest(agent=ready.agent, run_id=str(run.pk), node_id="customer_add", seq=1,
                                 records=[], logs=logs)  # fmt: skip
    api = api_as(alice)

    everything = api.get(runs_url(acme, run.pk, "logs")).json()
    one_node = api.get(runs_url(acme, run.pk, "logs"), {"node": "address_update"}).json()

    assert everything == [
        {
            "ts": "2025-01-02T10:00:01Z",
            "level": "info",
            "node_id": "customer_add",
            "message": "read 5 customers",
        },
        {
            "ts": "2025-01-02T10:00:02Z",
            "level": "warning",
            "node_id": "address_update",
            "message": "no ship-to",
        },
    ]
    assert one_node == everything[1:]


def test_it_shows_one_records_file(api_as, bob, bob_in_acme, charlie, globex, ready, acme):
    run = with_records(ready, ["failed"])
    record = SnapshotRecord.objects.get(run=run)

    response = api_as(bob).get(f"/api/orgs/acme/snapshot-records/{record.pk}/")

    expected = snapshot_record(1, status="failed")
    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("input", "output", "response", "message", "status")} == {
        k: expected[k] for k in ("input", "output", "response", "message", "status")
    }
    assert api_as(charlie).get(f"/api/orgs/globex/snapshot-records/{record.pk}/").status_code == 404
    assert api_as(charlie).get(runs_url(globex, run.pk, "records")).status_code == 404
    assert api_as(charlie).get(runs_url(globex, run.pk, "logs")).status_code == 404


# -- watchdog -------------------------------------------------------------------------------------
def test_it_marks_silent_runs_lost_and_a_late_report_still_lands(ready):
    old = timezone.now() - timedelta(minutes=10, seconds=5)
    silent = {
        status: make_run(ready, status=status, last_activity_at=old)
        for status in ("queued", "dispatched", "running")
    }
    recent = make_run(ready, status="running", last_activity_at=timezone.now() - timedelta(minutes=9))
    finished = make_run(ready, status="succeeded", last_activity_at=old)

    assert runs_watchdog() == 3

    for run in silent.values():
        run.refresh_from_db()
        assert (run.status, run.error) == ("lost", "the agent stayed silent for more than 10 minutes")
        assert run.transitions[-1]["status"] == "lost"
    assert Run.objects.get(pk=recent.pk).status == "running"
    assert Run.objects.get(pk=finished.pk).status == "succeeded"
    assert runs_watchdog() == 0

    ingest.run_finished(
        agent=ready.agent, run_id=str(silent["running"].pk), status="succeeded",
        counts={"customer_add": {"read": 4, "succeeded": 4, "failed": 0, "skipped": 0, "warnings": 0}},
        cursor_before=None, cursor_after="c2", started_at="2025-01-02T10:00:00+00:00",
        finished_at="2025-01-02T10:30:00+00:00", error=None,
    )  # fmt: skip
    late = Run.objects.get(pk=silent["running"].pk)
    assert (late.status, late.error, late.records_succeeded, late.cursor_after) == ("succeeded", "", 4, "c2")
    assert [t["status"] for t in late.transitions][-2:] == ["lost", "succeeded"]


# -- the state machine ----------------------------------------------------------------------------
LEGAL = {
    "queued": {"dispatched", "running", "lost", *FINAL},
    "dispatched": {"queued", "running", "lost", *FINAL},  # → queued: the agent said it is busy
    "running": {"lost", *FINAL},
    "lost": {"running", *FINAL},
    **{status: set() for status in FINAL},
}


def test_it_declares_exactly_the_documented_transitions():
    assert {str(k): {str(s) for s in v} for k, v in ALLOWED.items()} == LEGAL


@pytest.mark.parametrize("start", list(LEGAL))
def test_it_refuses_illegal_transitions(ready, start):
    for target in LEGAL:
        run = make_run(ready, status=start)
        if target == start:
            assert run_transition(run, target) is False
        elif target in LEGAL[start]:
            assert run_transition(run, target) is True
            assert Run.objects.get(pk=run.pk).status == target
        else:
            with pytest.raises(IllegalTransition, match=f"^\\['A {start} run cannot become {target}.'\\]$"):
                run_transition(run, target)
            assert Run.objects.get(pk=run.pk).status == start


def test_it_does_not_let_an_agent_move_a_finished_run_back(ready):
    run = make_run(ready, status="cancelled")

    ingest.run_accepted(agent=ready.agent, run_id=str(run.pk))
    ingest.run_rejected(agent=ready.agent, run_id=str(run.pk), reason="late")
    ingest.run_progress(agent=ready.agent, run_id=str(run.pk), node_id="customer_add", counts={"read": 1})

    run.refresh_from_db()
    assert (run.status, run.error, run.counts) == ("cancelled", "", {})


def test_it_keeps_agent_fields_out_of_other_organizations(ready, charlie, globex):
    charlies = org_ready(organization=globex, owner=charlie, agent_name="globex-server")
    run = make_run(ready, status="dispatched")

    for call in (
        lambda: ingest.run_accepted(agent=charlies.agent, run_id=str(run.pk)),
        lambda: ingest.snapshot_batch_ingest(agent=charlies.agent, run_id=str(run.pk), node_id="n", seq=1,
                                             records=[snapshot_record(1)], logs=[]),
    ):  # fmt: skip
        with pytest.raises(ingest.FrameRefused) as refused:
            call()
        assert refused.value.code == "unknown_run"

    assert Run.objects.get(pk=run.pk).status == "dispatched"
    assert SnapshotRecord.objects.count() == 0 and RunLog.objects.count() == 0
    assert Agent.objects.get(pk=ready.agent.pk).organization_id == ready.workflow.organization_id
