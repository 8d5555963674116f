"""The live link against a fake portal: hello, welcome, heartbeats, configuration pushes, bad frames."""

import json

from agent_client import __version__
from agent_client.link.host import hostname
from agent_client.lookups import lookups_hash
from agent_client.protocol import make_frame
from tests.agent_client.link.conftest import install, make_link, plan_version, running
from tests.agent_client.link.fake_portal import FakePortal, plan_entry

TABLES = {"Country": {"rows": {"CA": "CAN"}, "default": None}}


async def test_it_says_hello_with_its_plans_and_lookups(portal, state, update_plan):
    install(state, update_plan)
    state.lookups_store(lookups_hash=lookups_hash(TABLES), tables=TABLES)
    link = make_link(portal, state)
    async with running(link):
        await portal.wait_for(lambda: portal.frames("hello"))
        await portal.wait_for(lambda: link.session is not None and link.session.welcome is not None)
    hello = portal.frames("hello")[0]
    assert {k: v for k, v in hello.items() if k != "id"} == {
        "type": "hello",
        "protocol": 1,
        "agent_version": __version__,
        "hostname": hostname(),
        "platform": hello["platform"],
        "plans": {"customer-update": update_plan.hash},
        "lookups_hash": lookups_hash(TABLES),
        "running": [],
    }
    assert hello["platform"]
    assert any("connected to ws://127.0.0.1" in line and "agent 7 of Acme" in line for line in link.logged)


async def test_it_sends_heartbeats_at_the_portals_pace(state):
    async with FakePortal(heartbeat_s=0.05) as portal:
        state.outbox_put(
            "snapshot.batch", {"type": "nonsense"}, run_id="x"
        )  # invalid: stays, counts in depth
        link = make_link(portal, state)
        async with running(link):
            await portal.wait_for(lambda: len(portal.frames("heartbeat")) >= 2)
    beat = portal.frames("heartbeat")[0]
    assert beat["running"] == []
    assert beat["outbox_depth"] == 1
    assert isinstance(beat["cpu_percent"], float) and 0 <= beat["cpu_percent"] <= 100
    assert isinstance(beat["rss_mb"], float) and beat["rss_mb"] > 1
    assert any("outbox frame #1 is not valid and was not sent" in line for line in link.logged)


async def test_it_pulls_stale_configuration_from_the_welcome_when_auto_update_is_on(
    portal, state, update_plan
):
    old = plan_version(update_plan, 2)
    install(state, old)
    new = plan_version(update_plan, 3)
    portal.published = {new.workflow_id: plan_entry(new)}
    portal.lookups = (lookups_hash(TABLES), TABLES)
    portal.stale = {"plans": [new.workflow_id], "lookups": True}
    link = make_link(portal, state, auto_update=True)
    async with running(link):
        await portal.wait_for(lambda: state.plan_hashes_live() == {new.workflow_id: new.hash})
        await portal.wait_for(lambda: state.lookups_current()[0] == lookups_hash(TABLES))
    assert portal.frames("config.get")[0]["workflow_ids"] == ["customer-update"]
    assert len(portal.frames("lookups.get")) == 1
    assert f"Customer Update: version 3 (plan {new.hash[:12]}) is now live" in link.logged


async def test_it_pulls_on_config_available_only_with_auto_update(portal, state, update_plan):
    new = plan_version(update_plan, 4)
    portal.published = {new.workflow_id: plan_entry(new)}
    announce = make_frame("config.available", workflow_id=new.workflow_id, version=4, plan_hash=new.hash)

    manual = make_link(portal, state)
    async with running(manual):
        await portal.wait_for(lambda: manual.session is not None and manual.session.welcome is not None)
        await portal.send(announce)
        await portal.wait_for(
            lambda: "new configuration available: run `ferry-agent update-config`" in manual.logged
        )
    assert portal.frames("config.get") == []
    assert state.plan_hashes_live() == {}

    automatic = make_link(portal, state, auto_update=True)
    async with running(automatic):
        await portal.wait_for(lambda: automatic.session is not None and automatic.session.welcome is not None)
        await portal.send({**announce, "id": make_frame("run.cancel", run_id="x")["id"]})
        await portal.wait_for(lambda: state.plan_hashes_live() == {new.workflow_id: new.hash})


async def test_it_answers_an_invalid_frame_with_an_error_frame(portal, state):
    link = make_link(portal, state)
    async with running(link):
        await portal.wait_for(lambda: link.session is not None and link.session.welcome is not None)
        bad = make_frame("run.cancel", run_id="41")
        bad["colour"] = "red"
        await portal.connections[-1].send(json.dumps(bad))
        await portal.wait_for(lambda: portal.frames("error"))
    error = portal.frames("error")[0]
    assert (error["code"], error["message"], error["re"]) == (
        "unknown_field",
        'run.cancel: field "colour" is not a field of the protocol',
        bad["id"],
    )
