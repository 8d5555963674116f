"""Transient faults never fail a record; a record Sage refuses waits in the resync bucket until fixed."""

import json
import re

import pytest

from agent_client.plan import plan_load, template_path
from agent_client.runner import RunOptions, run_plan
from tests.agent_client.cli_helpers import agent_config, ferry_agent

pytestmark = pytest.mark.slow


def test_it_rides_out_sage_5xx_and_shopify_429_bursts(agent, emulators):
    state, clients = agent
    shopify, sage, seed = emulators
    seed(800, seed=3)
    sage.control("faults", {"error_rate": 0.1, "error_status": 503})
    shopify.control("plan", {"plan": "standard"})
    shopify.control("faults", {"throttle_burst": 3})
    for name in ("customer_add", "customer_update"):
        result = run_plan(
            plan=plan_load(template_path(name)),
            state=state,
            clients=clients,
            options=RunOptions(retry_pauses=(0.1,)),
        )
        assert result.status == "succeeded", result.error
        for counts in result.counts.values():
            assert counts["failed"] == 0
            assert counts["succeeded"] + counts["warnings"] + counts["skipped"] == counts["read"] == 800
    assert sage.control("stats")["faults"]["injected"] > 50
    assert clients.shopify.stats.throttled >= 3


def test_it_fails_records_with_sages_message_until_the_lookup_row_is_added(tmp_path, emulators):
    shopify, sage, seed = emulators
    seed(300, seed=4)
    config = agent_config(tmp_path, shopify.url, sage.url)
    plan = json.loads(template_path("customer_add").read_text())
    for row in plan["nodes"][0]["mapping"]:
        if row["target"] == "TaxGroup":  # pass unknown provinces through, as some companies map them
            row["expression"] = 'lookup("Tax", default_address.province_code, default_address.province_code)'
    plan_file = tmp_path / "customer_add.plan.json"
    plan_file.write_text(json.dumps(plan))

    first = ferry_agent(config, "sync", "Customer Add", "--plan", str(plan_file), "--quiet")
    assert first.returncode == 3, first.stdout + first.stderr  # completed with errors
    assert "completed_with_errors" in first.stdout
    failed = ferry_agent(
        config, "transactions", "Customer Add", "--status", "failed", "--limit", "500"
    ).stdout
    codes = set(re.findall(r'Tax Group "([^"]+)" does not exist', failed))
    assert codes, failed
    for line in failed.splitlines()[1:]:
        assert "does not exist" in line

    for code in codes:
        assert ferry_agent(config, "lookups", "set", "Tax", code, "CALIF").returncode == 0
    again = ferry_agent(config, "resync", "Customer Add", "--all-failed", "--quiet")
    assert again.returncode == 0, again.stdout + again.stderr
    status = ferry_agent(config, "status").stdout
    assert "0 record(s) in the resync bucket" in status
    numbers = [
        k for k in sage.control("changes?summary=1")["summary"]["SAMINC"]["ARCustomers"] if k.startswith("SH")
    ]
    assert len(numbers) == 300
