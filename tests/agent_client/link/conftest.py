import asyncio
import json
import threading
from contextlib import asynccontextmanager
from typing import Any

import pytest

from agent_client.link import Link
from agent_client.link.backoff import Backoff
from agent_client.plan import Plan, plan_from_dict, plan_load, template_path
from agent_client.protocol import make_frame
from agent_client.runner import RunOptions
from agent_client.state import AgentState
from tests.agent_client.link.fake_portal import FakePortal


@pytest.fixture
async def portal():
    async with FakePortal() as fake:
        yield fake


@pytest.fixture
def state(tmp_path):
    return AgentState(tmp_path / "state.sqlite3")


@pytest.fixture
def update_plan() -> Plan:
    return plan_load(template_path("customer_update"))


@pytest.fixture
def add_plan() -> Plan:
    return plan_load(template_path("customer_add"))


def plan_version(plan: Plan, version: int) -> Plan:
    return plan_from_dict({**json.loads(plan.to_json()), "version": version, "hash": None})


def install(state: AgentState, plan: Plan) -> None:
    state.plan_store(
        plan_hash=plan.hash,
        workflow_id=plan.workflow_id,
        version=plan.version,
        plan_json=plan.to_json(),
        live=True,
    )


class FakeExecutor:
    """Stands in for the runner: records each call, reports progress, waits for `release` or a
    cancel, then writes run.finished to the outbox as the runner does."""

    def __init__(self, state: AgentState, *, block: bool = False, fail: str | None = None) -> None:
        self.state = state
        self.calls: list[tuple[str, RunOptions]] = []
        self.release = threading.Event()
        self.fail = fail
        if not block:
            self.release.set()

    def __call__(self, plan: Plan, options: RunOptions) -> str:
        self.calls.append((plan.hash, options))
        if self.fail:
            raise RuntimeError(self.fail)
        if options.on_progress:
            options.on_progress(
                plan.nodes[0].id, {"read": 1, "succeeded": 1, "failed": 0, "skipped": 0, "warnings": 0}
            )
        while not self.release.wait(0.01) and not options.cancel.is_set():
            pass
        status = "cancelled" if options.cancel.is_set() else "succeeded"
        frame = make_frame(
            "run.finished",
            run_id=options.portal_run_id,
            status=status,
            counts={},
            cursor_before=None,
            cursor_after=None,
            started_at="2026-01-31T12:00:00+00:00",
            finished_at="2026-01-31T12:00:01+00:00",
            error=None,
        )
        self.state.outbox_put("run.finished", frame, run_id=options.portal_run_id)
        return status


def make_link(portal: FakePortal, state: AgentState, **options: Any) -> Link:
    """A link to the fake portal; what it logs collects in `link.logged`."""
    logged: list[str] = []
    options.setdefault("executor", FakeExecutor(state))
    options.setdefault("log", logged.append)
    options.setdefault("backoff", Backoff(random=lambda: 0.0))
    options.setdefault("poll_s", 0.05)
    options.setdefault("token", portal.token)
    link = Link(portal_url=portal.url, state=state, **options)
    link.logged = logged  # type: ignore[attr-defined]
    return link


@asynccontextmanager
async def running(link: Link):
    task = asyncio.create_task(link.run())
    try:
        yield task
    finally:
        link.stop()
        await asyncio.wait([task], timeout=10)
        assert task.done(), "the link did not stop"
