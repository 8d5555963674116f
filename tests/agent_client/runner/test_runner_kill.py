"""`kill -9` of a running sync at random moments, each followed by a rerun: nothing lost, nothing twice."""

import json
import random
import signal
import sqlite3
import time

import pytest

from agent_client.plan import template_path
from tests.agent_client.cli_helpers import agent_config, ferry_agent, ferry_agent_start
from tests.agent_client.runner.test_runner_customers import assert_sage_matches_shopify

pytestmark = pytest.mark.slow


def _kill_at_random(config, workflow, plan, rng, times, state_path) -> int:
    killed = 0
    for _ in range(times):
        before = _runs_started(state_path)
        process = ferry_agent_start(config, "sync", workflow, "--plan", str(plan), "--quiet")
        # Kill inside the run, not during interpreter start-up (slow on a loaded machine).
        deadline = time.monotonic() + 30
        while _runs_started(state_path) == before and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.1, 1.4))
        killed += process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait()
    return killed


def _runs_started(state_path) -> int:
    if not state_path.exists():
        return 0
    try:
        with sqlite3.connect(state_path, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.OperationalError:  # the agent is creating its tables
        return 0


def _source_ids(state_path, node_id):
    with sqlite3.connect(state_path) as db:
        return {
            row[0] for row in db.execute("SELECT source_id FROM transactions WHERE node_id = ?", (node_id,))
        }


def test_it_loses_nothing_and_creates_nothing_twice_when_killed(tmp_path, emulators):
    shopify, sage, seed = emulators
    seed(2000, seed=21)
    sage.control("faults", {"latency_ms": 30})  # a slower Sage keeps each run going long enough to be killed
    rng = random.Random(1234)
    config = agent_config(tmp_path, shopify.url, sage.url)
    state_path = tmp_path / "ferry-agent-data" / "state.sqlite3"
    add, update = template_path("customer_add"), template_path("customer_update")

    killed = _kill_at_random(config, "Customer Add", add, rng, 5, state_path)
    finished = ferry_agent(config, "sync", "Customer Add", "--plan", str(add), "--quiet")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    shopify.control("touch", {"count": 300, "seed": 8})
    killed += _kill_at_random(config, "Customer Update", update, rng, 5, state_path)
    finished = ferry_agent(config, "sync", "Customer Update", "--plan", str(update), "--quiet")
    assert finished.returncode == 0, finished.stdout + finished.stderr

    with sqlite3.connect(state_path) as db:
        tables = json.loads(db.execute("SELECT tables_json FROM lookups").fetchone()[0])
        runs = list(db.execute("SELECT status, error FROM runs ORDER BY started_at"))
    statuses = [status for status, _ in runs]
    assert killed == 10
    # The ten killed runs never finished; the next sync recovered them and reports them as interrupted...
    interrupted = [error for status, error in runs if status == "failed"]
    assert len(interrupted) == 10 and all("interrupted" in (error or "") for error in interrupted), runs
    assert "running" not in statuses
    assert statuses[-1] == "succeeded"  # ...and the last one did
    customers = assert_sage_matches_shopify(shopify, sage, tables)
    ids = {str(c["id"]) for c in customers}
    assert _source_ids(state_path, "customer_add") >= ids
    assert _source_ids(state_path, "customer_update") >= ids
    changes = sage.control("changes?summary=1")["summary"]["SAMINC"]
    assert {v["creates"] for k, v in changes["ARCustomers"].items() if k.startswith("SH")} == {1}
    assert len([k for k in changes["ARCustomers"] if k.startswith("SH")]) == 2000
    assert {v["creates"] for v in changes.get("ARShipToLocations", {}).values()} <= {1}
