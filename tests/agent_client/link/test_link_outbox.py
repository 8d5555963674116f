"""The outbox drain: in order, a bounded window, delete on ack only, resend after reconnect, run.open first."""

import asyncio

from agent_client.link.outbox import WINDOW
from agent_client.protocol import make_frame
from tests.agent_client.link.conftest import make_link, running


def batch(run_id: str, seq: int) -> dict:
    return make_frame(
        "snapshot.batch", run_id=run_id, seq=seq, node_id="customer_update", records=[], logs=[]
    )


def queue_batches(state, run_id: str, count: int) -> list[dict]:
    frames = [batch(run_id, seq) for seq in range(1, count + 1)]
    for frame in frames:
        state.outbox_put("snapshot.batch", frame, run_id=run_id)
    return frames


async def connected(portal, link):
    await portal.wait_for(lambda: link.session is not None and link.session.welcome is not None)


async def test_it_sends_the_outbox_in_order_and_deletes_only_acked_frames(portal, state):
    frames = queue_batches(state, "41", 5)
    portal.ack_filter = lambda frame: False
    link = make_link(portal, state)
    async with running(link):
        await portal.wait_for(lambda: len(portal.frames("snapshot.batch")) == 5)
        assert [f["id"] for f in portal.frames("snapshot.batch")] == [f["id"] for f in frames]
        assert state.outbox_depth() == 5
        await portal.ack_held()
        await portal.wait_for(lambda: state.outbox_depth() == 0)


async def test_it_keeps_at_most_a_window_of_frames_in_flight(portal, state):
    queue_batches(state, "41", WINDOW + 8)
    portal.ack_filter = lambda frame: False
    link = make_link(portal, state)
    async with running(link):
        await portal.wait_for(lambda: len(portal.frames("snapshot.batch")) == WINDOW)
        await asyncio.sleep(0.2)  # several poll periods: nothing more may leave
        assert len(portal.frames("snapshot.batch")) == WINDOW
        portal.ack_filter = lambda frame: True
        await portal.ack_held()
        await portal.wait_for(lambda: state.outbox_depth() == 0)
    assert [f["seq"] for f in portal.frames("snapshot.batch")] == list(range(1, WINDOW + 9))


async def test_after_a_drop_it_resends_exactly_the_unacked_frames_once(portal, state):
    frames = queue_batches(state, "41", 5)
    portal.ack_filter = lambda frame: frame["seq"] <= 2
    link = make_link(portal, state)
    async with running(link):
        await portal.wait_for(lambda: len(portal.frames("snapshot.batch")) == 5 and state.outbox_depth() == 3)
        portal.ack_filter = lambda frame: True
        portal.drop()
        await portal.wait_for(lambda: state.outbox_depth() == 0)
        await asyncio.sleep(0.2)
    assert [f["seq"] for f in portal.frames("snapshot.batch", connection=1)] == [1, 2, 3, 4, 5]
    assert [f["seq"] for f in portal.frames("snapshot.batch", connection=2)] == [3, 4, 5]
    assert [f["id"] for f in portal.frames("snapshot.batch", connection=2)] == [f["id"] for f in frames[2:]]
    assert len(portal.connections) == 2
    assert any(
        line.startswith("link lost: the connection to the portal closed (code 1006)") for line in link.logged
    )


async def test_run_open_is_acked_before_the_runs_other_frames_which_then_carry_the_portal_id(portal, state):
    state.run_create(
        local_id="local-1",
        workflow_id="customer-update",
        plan_hash="1a2b",
        trigger="agent",
        portal_run_id=None,
        cursor_before=None,
    )
    opening = make_frame(
        "run.open",
        local_id="local-1",
        workflow_id="customer-update",
        version=1,
        plan_hash="1a2b",
        trigger="agent",
    )
    state.outbox_put("run.open", opening, run_id="local-1")
    queue_batches(state, "local-1", 2)
    portal.ack_filter = lambda frame: frame["type"] != "run.open"
    link = make_link(portal, state)
    async with running(link):
        await portal.wait_for(lambda: portal.frames("run.open"))
        await asyncio.sleep(0.2)
        assert portal.frames("snapshot.batch") == []  # held back: they still carry the local id
        await portal.ack_held()
        await portal.wait_for(lambda: state.outbox_depth() == 0)
        assert state.run_get("local-1")["portal_run_id"] == "portal-run-1"
        # The sync process is still running and writes with the local id: the drain swaps it in.
        late = batch("local-1", 3)
        state.outbox_put("snapshot.batch", late, run_id="local-1")
        await portal.wait_for(lambda: len(portal.frames("snapshot.batch")) == 3)
        await portal.wait_for(lambda: state.outbox_depth() == 0)
    assert [(f["run_id"], f["seq"]) for f in portal.frames("snapshot.batch")] == [
        ("portal-run-1", 1),
        ("portal-run-1", 2),
        ("portal-run-1", 3),
    ]


async def test_an_unacked_run_open_is_resent_after_a_drop_and_its_frames_rewritten_in_the_outbox(
    portal, state
):
    opening = make_frame(
        "run.open",
        local_id="local-2",
        workflow_id="customer-update",
        version=1,
        plan_hash="1a2b",
        trigger="agent",
    )
    state.outbox_put("run.open", opening, run_id="local-2")
    queue_batches(state, "local-2", 1)
    portal.ack_filter = lambda frame: False
    link = make_link(portal, state)
    async with running(link):
        await portal.wait_for(lambda: portal.frames("run.open"))
        portal.ack_filter = lambda frame: frame["type"] == "run.open"
        portal.drop()
        await portal.wait_for(lambda: len(portal.frames("run.open")) == 2 and portal.frames("snapshot.batch"))
        # Not acked yet: the snapshot batch waits in the outbox, already rewritten to the portal id.
        [(_, kind, frame)] = state.outbox_pending()
    assert (kind, frame["run_id"]) == ("snapshot.batch", "portal-run-1")
    assert portal.frames("snapshot.batch")[0]["run_id"] == "portal-run-1"


async def test_frames_another_process_writes_while_connected_are_drained(portal, state):
    link = make_link(portal, state)
    async with running(link):
        await connected(portal, link)
        queue_batches(state, "41", 2)  # as `ferry-agent sync` would, from its own process
        await portal.wait_for(lambda: state.outbox_depth() == 0)
    assert [f["seq"] for f in portal.frames("snapshot.batch")] == [1, 2]


async def test_a_refused_frame_stays_in_the_outbox(portal, state):
    queue_batches(state, "41", 2)
    portal.ack_filter = lambda frame: frame["seq"] == 2
    link = make_link(portal, state)
    async with running(link):
        await portal.wait_for(lambda: len(portal.held) == 1 and state.outbox_depth() == 1)
        refused = portal.held.pop()
        await portal.send(make_frame("error", re=refused["id"], code="unknown_run", message="no run 41 here"))
        await portal.wait_for(
            lambda: any("the portal refused snapshot.batch" in line for line in link.logged)
        )
    assert [f["seq"] for _, _, f in state.outbox_pending()] == [1]
