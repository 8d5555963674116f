"""One run started by the (fake) portal and executed by the real runner against the emulators:
every frame the runner writes passes the protocol and reaches the portal, acked and deleted."""

import pytest

from agent_client import lookups
from agent_client.config import AgentConfig, config_template
from agent_client.link import runner_executor
from agent_client.protocol import make_frame
from agent_client.state import AgentState
from tests.agent_client.link.conftest import install, make_link, running
from tests.emulator_processes import start_sage, start_shopify


@pytest.fixture(scope="module")
def emulators():
    shopify, sage = start_shopify(customers=30), start_sage()
    yield shopify, sage
    shopify.stop()
    sage.stop()


async def test_a_portal_run_executes_on_the_real_runner_and_reports_everything(
    portal, tmp_path, emulators, update_plan
):
    shopify, sage = emulators
    config = AgentConfig(
        path=tmp_path / "ferry-agent.toml",
        data=config_template(
            shop_url=shopify.url,
            shopify_token="shpat_demo",
            sage_url=f"{sage.url}/Sage300WebApi/v1.0",
            company="SAMINC",
            user="WEBAPI",
            password="webapi",
            portal_url=portal.url,
        ),
    )
    state = AgentState(config.state_path)
    lookups.tables_current(state)
    install(state, update_plan)
    link = make_link(portal, state, executor=runner_executor(config, state))
    start = make_frame(
        "run.start",
        run_id="41",
        workflow_id=update_plan.workflow_id,
        version=update_plan.version,
        plan_hash=update_plan.hash,
        trigger="manual",
        options={},
    )
    async with running(link):
        await portal.wait_for(lambda: link.session is not None and link.session.welcome is not None)
        await portal.send(start)
        await portal.wait_for(lambda: portal.frames("run.finished") and state.outbox_depth() == 0, timeout=60)
    [finished] = portal.frames("run.finished")
    records = [
        r for f in portal.frames("snapshot.batch") for r in f["records"] if f["node_id"] == "customer_update"
    ]
    assert finished["run_id"] == "41"
    assert finished["counts"]["customer_update"]["read"] == 30 == len(records)
    assert finished["status"] in ("succeeded", "completed_with_errors")
    assert {f["run_id"] for f in portal.frames("snapshot.batch")} == {"41"}
    assert portal.errors == []
    assert state.run_local_by_portal_id("41")["status"] == finished["status"]
