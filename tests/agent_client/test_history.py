"""The local transaction history keeps `[agent] history_days` of records and no more: it holds
every record's payloads, so without a limit it grows by gigabytes a month on a busy shop."""

from __future__ import annotations

import time

import pytest

from agent_client.config import AgentConfig, ConfigError
from agent_client.link.runs import runner_executor
from agent_client.state import AgentState

DAY = 86_400


def _row(run_id: str, at: float) -> tuple:
    return (run_id, "wf", "customer_update", "1", "1", "C1", "success", "", 1, at, "{}")


def _state_with_history(tmp_path) -> AgentState:
    state = AgentState(tmp_path / "state.sqlite3")
    now = time.time()
    state.transactions_add([_row("old", now - 40 * DAY), _row("recent", now - 2 * DAY), _row("today", now)])
    return state


def _runs_in_history(state: AgentState) -> list[str]:
    return [row["run_id"] for row in state.transactions_query(workflow_id="wf")]


def test_history_days_defaults_to_30_and_refuses_nonsense(tmp_path):
    assert AgentConfig(path=tmp_path / "a.toml").history_days == 30
    for wrong in (0, -3, "30", 2.5, True):
        config = AgentConfig(path=tmp_path / "a.toml", data={"agent": {"history_days": wrong}})
        with pytest.raises(ConfigError, match=r"\[agent\] history_days in .* must be a whole number of days"):
            config.history_days  # noqa: B018 - the property validates


def test_a_run_from_the_portal_prunes_the_history_first(tmp_path, monkeypatch):
    state = _state_with_history(tmp_path)
    config = AgentConfig(path=tmp_path / "a.toml", data={"agent": {"history_days": 7}})

    class Finished:
        status = "succeeded"

    seen = []
    monkeypatch.setattr("agent_client.link.runs.clients_for", lambda config, plan: None)
    monkeypatch.setattr(
        "agent_client.link.runs.run_plan", lambda **kwargs: seen.append(_runs_in_history(state)) or Finished
    )

    assert runner_executor(config, state)(plan=None, options=type("Options", (), {})()) == "succeeded"
    assert seen == [["today", "recent"]]


def test_sync_prunes_the_history_first(tmp_path, monkeypatch):
    from agent_client.cli import commands

    state = _state_with_history(tmp_path)
    config = AgentConfig(path=tmp_path / "a.toml", data={"agent": {"history_days": 1}})
    seen = []
    monkeypatch.setattr(commands, "clients_for", lambda config, plan: None)
    monkeypatch.setattr(commands, "run_plan", lambda **kwargs: seen.append(_runs_in_history(state)) or 1 / 0)

    with pytest.raises(ZeroDivisionError):
        commands._run(
            type("Args", (), {"quiet": True})(), config, state, plan=None, options=commands.RunOptions()
        )
    assert seen == [["today"]]
