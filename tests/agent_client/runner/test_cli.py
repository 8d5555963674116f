"""`ferry-agent` as a person uses it: one-sentence errors, private config, cursor and transactions views."""

import os
import stat
import tomllib

import pytest

from agent_client.plan import template_path
from tests.agent_client.cli_helpers import agent_config, ferry_agent


@pytest.fixture
def configured(tmp_path, emulators):
    shopify, sage, seed = emulators
    seed(120, seed=5)
    return agent_config(tmp_path, shopify.url, sage.url), shopify, sage


def test_it_writes_the_config_readable_by_its_owner_only(configured):
    config, _, _ = configured
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    data = tomllib.loads(config.read_text())
    assert data["connections"]["sage300"]["password"] == "webapi"
    again = ferry_agent(
        config,
        "config",
        "init",
        "--shop-url",
        "x",
        "--shopify-token",
        "y",
        "--sage-url",
        "z",
        "--company",
        "C",
        "--user",
        "U",
        "--password",
        "P",
    )
    assert again.returncode == 1
    assert again.stderr.strip() == f"ferry-agent: {config} exists already: pass --force to overwrite it"


def test_it_tests_connections_and_explains_a_refused_login(configured):
    config, _, _ = configured
    result = ferry_agent(config, "connections", "test")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Shopify: connected to Ferry Demo (ferry-demo.myshopify.com)",
        "Sage 300: connected to company SAMINC",
    ]
    text = config.read_text().replace('password = "webapi"', 'password = "wrong"')
    config.write_text(text)
    refused = ferry_agent(config, "connections", "test")
    assert refused.returncode == 1
    assert len(refused.stderr.strip().splitlines()) == 1  # one sentence, no traceback
    assert "Traceback" not in refused.stderr
    assert "password" in refused.stderr and "ferry-agent.toml" in refused.stderr


def test_it_shows_and_sets_the_cursor_and_lists_transactions(configured):
    config, _, _ = configured
    plan = str(template_path("customer_add"))
    synced = ferry_agent(config, "sync", "Customer Add", "--plan", plan, "--quiet")
    assert synced.returncode == 0, synced.stderr
    assert "succeeded" in synced.stdout
    shown = ferry_agent(config, "cursor", "show", "Customer Add").stdout
    assert shown.startswith("customer_add: 20") and "run " in shown
    bad = ferry_agent(config, "cursor", "set", "Customer Add", "yesterday")
    assert bad.returncode == 1
    assert "is not a date and time: use ISO 8601" in bad.stderr
    assert ferry_agent(config, "cursor", "set", "Customer Add", "2020-01-01T00:00:00+00:00").returncode == 0
    assert ferry_agent(config, "cursor", "show", "Customer Add").stdout.startswith(
        "customer_add: 2020-01-01T00:00:00+00:00"
    )
    listing = ferry_agent(config, "workflows").stdout
    assert "Customer Add" in listing and "Manual" in listing
    rows = ferry_agent(config, "transactions", "Customer Add", "--limit", "500").stdout.splitlines()
    assert rows[0].split()[:3] == ["STATUS", "SOURCE", "ID"]
    assert len(rows) == 121
    one = rows[1].split()[1]
    found = ferry_agent(config, "transactions", "Customer Add", "--search", one).stdout.splitlines()
    assert len(found) == 2 and found[1].split()[1] == one
    unknown = ferry_agent(config, "sync", "Nope")
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("ferry-agent: no published workflow 'Nope' on this agent")
