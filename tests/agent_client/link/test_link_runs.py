"""Portal-started runs over the link, with a fake executor in place of the runner."""

import asyncio

from agent_client.protocol import make_frame
from tests.agent_client.link.conftest import FakeExecutor, install, make_link, running
from tests.agent_client.link.fake_portal import plan_entry


def run_start(plan, run_id="41", **options):
    return make_frame(
        "run.start",
        run_id=run_id,
        workflow_id=plan.workflow_id,
        version=plan.version,
        plan_hash=plan.hash,
        trigger="manual",
        options=options,
    )


async def connected(portal, link):
    await portal.wait_for(lambda: link.session is not None and link.session.welcome is not None)


async def test_it_pulls_a_missing_plan_then_accepts_and_executes_the_run(portal, state, update_plan):
    portal.published = {update_plan.workflow_id: plan_entry(update_plan)}
    executor = FakeExecutor(state)
    link = make_link(portal, state, executor=executor)
    start = run_start(update_plan, record_ids=["3282407456848"])
    async with running(link):
        await connected(portal, link)
        await portal.send(start)
        await portal.wait_for(lambda: portal.frames("run.finished"))
    assert portal.frames("config.get")[0]["workflow_ids"] == ["customer-update"]
    [accepted] = portal.frames("run.accepted")
    assert (accepted["re"], accepted["run_id"]) == (start["id"], "41")
    assert state.plan_hashes_live() == {"customer-update": update_plan.hash}
    [(plan_hash, options)] = executor.calls
    assert plan_hash == update_plan.hash
    assert (options.portal_run_id, options.trigger, options.record_ids, options.to_outbox) == (
        "41",
        "manual",
        ["3282407456848"],
        True,
    )
    assert portal.frames("run.finished")[0]["status"] == "succeeded"
    [progress] = portal.frames("run.progress")
    assert (progress["run_id"], progress["node_id"], progress["counts"]["read"]) == (
        "41",
        "customer_update",
        1,
    )
    assert "run 41: finished succeeded" in link.logged


async def test_it_rejects_a_run_whose_plan_the_portal_does_not_provide(portal, state, update_plan):
    executor = FakeExecutor(state)
    link = make_link(portal, state, executor=executor)
    start = run_start(update_plan)
    async with running(link):
        await connected(portal, link)
        await portal.send(start)
        await portal.wait_for(lambda: portal.frames("run.rejected"))
    [rejected] = portal.frames("run.rejected")
    assert rejected["re"] == start["id"]
    assert (
        rejected["reason"]
        == f"the portal did not provide plan {update_plan.hash[:12]} of workflow customer-update"
    )
    assert executor.calls == []


async def test_a_repeated_run_start_is_accepted_again_but_executed_once(portal, state, update_plan):
    install(state, update_plan)
    executor = FakeExecutor(state, block=True)
    link = make_link(portal, state, executor=executor)
    start = run_start(update_plan)
    async with running(link):
        await connected(portal, link)
        await portal.send(start)
        await portal.send(start)  # twice at once
        await portal.wait_for(lambda: len(portal.frames("run.accepted")) == 2)
        portal.pending = [start]  # as if our run.accepted had been lost: the welcome repeats it
        portal.drop()
        await portal.wait_for(lambda: len(portal.frames("run.accepted")) == 3)
        assert portal.frames("hello")[1]["running"] == ["41"]
        executor.release.set()
        await portal.wait_for(lambda: portal.frames("run.finished"))
        portal.pending = []
        await portal.send(start)  # after the run ended, even after a restart: still once
        await portal.wait_for(lambda: len(portal.frames("run.accepted")) == 4)
    assert len(executor.calls) == 1
    assert state.run_accepted("41")
    assert {f["re"] for f in portal.frames("run.accepted")} == {start["id"]}


async def test_run_cancel_reaches_the_runners_cancel_event(portal, state, update_plan):
    install(state, update_plan)
    executor = FakeExecutor(state, block=True)
    link = make_link(portal, state, executor=executor)
    async with running(link):
        await connected(portal, link)
        await portal.send(run_start(update_plan))
        await portal.wait_for(lambda: executor.calls)
        await portal.send(make_frame("run.cancel", run_id="41"))
        await portal.wait_for(lambda: portal.frames("run.finished"))
    assert executor.calls[0][1].cancel.is_set()
    assert portal.frames("run.finished")[0]["status"] == "cancelled"
    assert "run 41: cancel requested by the portal; stopping at the next record" in link.logged


async def test_a_second_run_of_the_same_workflow_is_rejected_while_one_runs(portal, state, update_plan):
    install(state, update_plan)
    executor = FakeExecutor(state, block=True)
    link = make_link(portal, state, executor=executor)
    async with running(link):
        await connected(portal, link)
        await portal.send(run_start(update_plan, run_id="41"))
        await portal.wait_for(lambda: portal.frames("run.accepted"))
        await portal.send(run_start(update_plan, run_id="42"))
        await portal.send(run_start(update_plan, run_id="43", dry_run=True))
        await portal.wait_for(lambda: len(portal.frames("run.rejected")) == 2)
        executor.release.set()
    reasons = {f["run_id"]: (f["reason"], f.get("busy", False)) for f in portal.frames("run.rejected")}
    assert reasons == {
        # busy: the portal queues it again; a dry run will never work here: the portal fails it
        "42": ("workflow Customer Update is already running (run 41)", True),
        "43": ("this agent version cannot do dry runs", False),
    }


async def test_a_crashing_run_reports_failed(portal, state, update_plan):
    install(state, update_plan)
    link = make_link(portal, state, executor=FakeExecutor(state, fail="the disk is full"))
    async with running(link):
        await connected(portal, link)
        await portal.send(run_start(update_plan))
        await portal.wait_for(lambda: portal.frames("run.finished") and state.outbox_depth() == 0)
    finished = portal.frames("run.finished")[0]
    assert (finished["run_id"], finished["status"], finished["error"]) == ("41", "failed", "the disk is full")


async def test_progress_is_throttled_per_run(portal, state, update_plan):
    install(state, update_plan)

    def chatty(plan, options):
        for read in range(1, 201):
            options.on_progress(
                "customer_update", {"read": read, "succeeded": read, "failed": 0, "skipped": 0, "warnings": 0}
            )
        return "succeeded"

    # The whole run lasts far less than one interval: at most the first update goes out at once,
    # every later one waits for the interval, and the run's end flushes the latest counts.
    link = make_link(portal, state, executor=chatty, progress_interval=30.0)
    async with running(link):
        await connected(portal, link)
        await portal.send(run_start(update_plan))
        await portal.wait_for(lambda: any("finished succeeded" in line for line in link.logged))
        await asyncio.sleep(0.1)
    progress = portal.frames("run.progress")
    assert len(progress) in (1, 2), len(progress)  # 200 updates, not 200 frames
    assert progress[-1]["counts"]["read"] == 200
