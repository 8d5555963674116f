"""Run via the API → the agent executes → snapshots arrive → exact counts, and Sage holds the customers.

Real processes: portal ASGI server(s), `ferry-agent run`, both emulators, PostgreSQL and Redis in CI.
"""

import os
import signal
import time

import pytest

from tests.agent_client.runner.reference import expected_customer, sage_feed, shopify_customers
from tests.agent_client.runner.test_runner_customers import assert_sage_matches_shopify
from tests.e2e.stack import Api

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ADD_FIELDS = [
    "CustomerNumber",
    "CustomerName",
    "ShortName",
    "GroupCode",
    "TaxGroup",
    "Email",
    "PhoneNumber",
    "WebSite",
    "Status",
]


def _start(stack, emulator_pair, portals=1):
    shopify, sage = emulator_pair
    seeded = stack.seed(shopify.url, sage.url)
    servers = [stack.portal() for _ in range(portals)]
    config = stack.agent_configure(servers[0][1], seeded["registration_code"], shopify.url, sage.url)
    agent = stack.agent(config)
    apis = [Api(url, seeded["api_token"], seeded["organization"]) for _, url in servers]
    return seeded, servers, config, agent, apis


def _tables(stack, config):
    import json
    import sqlite3

    with sqlite3.connect(config.parent / "ferry-agent-data" / "state.sqlite3") as db:
        return json.loads(db.execute("SELECT tables_json FROM lookups").fetchone()[0])


def _wait_online(api, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        agents = api.session.get(api.url("agents/"), timeout=10).json()["results"]
        if agents and agents[0]["online"]:
            return
        time.sleep(0.2)
    raise AssertionError("the agent never came online")


def test_it_runs_customer_add_and_update_through_the_agent(stack, emulator_pair):
    shopify, sage = emulator_pair
    seeded, _, config, _, (api,) = _start(stack, emulator_pair)
    _wait_online(api)
    add = api.run(seeded["workflows"]["customer_add"]["id"])
    done = api.wait(add["id"], {"succeeded", "completed_with_errors", "failed"})
    assert done["status"] == "succeeded", done
    assert done["counts"]["customer_add"]["read"] == 400
    assert done["records_read"] == 400 and done["records_failed"] == 0
    records = api.records(add["id"], "customer_add")
    assert len(records) == 400
    assert len({r["record_key"] for r in records}) == 400

    tables = _tables(stack, config)
    in_sage = {c["CustomerNumber"]: c for c in sage_feed(sage.url, "ARCustomers")}
    for customer in shopify_customers(shopify.url):
        expected = expected_customer(customer, tables)
        assert {k: in_sage[expected["CustomerNumber"]][k] for k in ADD_FIELDS} == {
            k: expected[k] for k in ADD_FIELDS
        }

    update = api.run(seeded["workflows"]["customer_update"]["id"])
    done = api.wait(update["id"], {"succeeded", "completed_with_errors", "failed"})
    assert done["status"] == "succeeded", done
    assert done["counts"]["address_update"]["read"] == 400
    assert len(api.records(update["id"], "address_update")) == 400
    assert_sage_matches_shopify(shopify, sage, tables)


def test_it_dispatches_from_a_second_portal_process(stack, emulator_pair):
    if not stack.multi_process:
        pytest.skip("two portal processes need PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    seeded, _, _, _, (first, second) = _start(stack, emulator_pair, portals=2)
    _wait_online(first)
    run = second.run(seeded["workflows"]["customer_add"]["id"])  # the agent's socket is on the first process
    done = second.wait(run["id"], {"succeeded", "completed_with_errors", "failed"})
    assert done["status"] == "succeeded"
    assert [t["status"] for t in done["transitions"]][:3] == ["queued", "dispatched", "running"]
    assert len(second.records(run["id"], "customer_add")) == 400


def test_it_delivers_every_record_once_across_agent_and_portal_restarts(stack, emulator_pair):
    shopify, sage = emulator_pair
    shopify.control("seed", {"customers": 1500, "seed": 13})
    sage.control("faults", {"latency_ms": 15})  # slow enough that the restarts land mid-run
    seeded, servers, config, agent, (api,) = _start(stack, emulator_pair)
    _wait_online(api)

    # The agent is killed mid-run and started again: the run ends with its true status (interrupted).
    first = api.run(seeded["workflows"]["customer_add"]["id"])
    # Mid-run means records have been reported, not a fixed sleep: a loaded machine may still be connecting.
    api.wait_until(first["id"], lambda run: run["records_read"] > 0, "reporting records")
    os.killpg(agent.pid, signal.SIGKILL)
    agent.wait()
    agent = stack.agent(config)
    done = api.wait(first["id"], {"succeeded", "completed_with_errors", "failed"})
    assert done["status"] == "failed" and "interrupted" in done["error"]
    assert 0 < done["records_read"] < 1500
    assert len(api.records(first["id"], "customer_add")) == done["records_read"]

    # The portal is restarted mid-run: the agent reconnects and resends what was not acked.
    second = api.run(seeded["workflows"]["customer_add"]["id"])
    api.wait_until(second["id"], lambda run: run["records_read"] > 0, "reporting records")
    process, url = servers[0]
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    stack.portal(port=int(url.rsplit(":", 1)[1]))
    done = api.wait(second["id"], {"succeeded", "completed_with_errors", "failed"})
    assert done["status"] == "succeeded", done
    assert done["records_read"] == 1500
    records = api.records(second["id"], "customer_add")
    assert len(records) == 1500 and len({r["record_key"] for r in records}) == 1500
    numbers = [
        k for k in sage.control("changes?summary=1")["summary"]["SAMINC"]["ARCustomers"] if k.startswith("SH")
    ]
    assert len(numbers) == 1500
