"""Portal-started runs: accept each run.start once, fetch its plan if needed, execute it in a thread.

The runner itself writes the run's snapshot batches and run.finished into the outbox (the
outbox drain delivers them); this module only adds the live, best-effort `run.progress`
frames, throttled, and the cancel switch.

A run id that was accepted once is remembered in the local state, so a run.start the portal
sends again (after a reconnect, before our run.accepted reached it) is answered `run.accepted`
again and never executed a second time, even across agent restarts.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from agent_client import lookups as lookup_tables
from agent_client.clients import clients_for
from agent_client.config import AgentConfig
from agent_client.link.errors import LinkError, PortalRefused
from agent_client.link.updates import plans_apply
from agent_client.plan import Plan, PlanError, plan_from_dict
from agent_client.protocol import Frame, make_frame
from agent_client.runner import RunOptions, run_plan
from agent_client.state import AgentState

PROGRESS_INTERVAL_S = 0.5  # at most two run.progress flushes a second per run
MAX_PARALLEL_RUNS = 4


class RunExecutor(Protocol):
    """Executes one run to its end in a worker thread and returns its final status.

    It must honour `options.cancel` and report through `options.on_progress`; with
    `options.to_outbox` it writes the run's snapshot batches and run.finished to the outbox.
    Tests inject a fake one; `runner_executor` is the real runner.
    """

    def __call__(self, plan: Plan, options: RunOptions) -> str: ...


def runner_executor(config: AgentConfig, state: AgentState) -> RunExecutor:
    def execute(plan: Plan, options: RunOptions) -> str:
        lookup_tables.tables_current(state)  # the templates' defaults on first use
        state.transactions_prune(older_than=config.history_cutoff())
        options.max_workers = config.max_workers
        return run_plan(plan=plan, state=state, clients=clients_for(config, plan), options=options).status

    return execute


Send = Callable[[dict[str, Any]], Coroutine[Any, Any, None]]
Request = Callable[[dict[str, Any]], Coroutine[Any, Any, Frame]]


@dataclass
class _ActiveRun:
    run_id: str
    workflow_id: str
    options: RunOptions
    started_at: str
    pending_progress: dict[str, dict[str, int]] = field(default_factory=dict)
    last_progress: float = float("-inf")
    flush: asyncio.TimerHandle | None = None


class RunManager:
    def __init__(
        self,
        *,
        state: AgentState,
        executor: RunExecutor,
        send_live: Send,
        wake_outbox: Callable[[], None],
        log: Callable[[str], None],
        progress_interval: float = PROGRESS_INTERVAL_S,
        max_parallel: int = MAX_PARALLEL_RUNS,
    ) -> None:
        self.state, self.executor, self.log = state, executor, log
        self._send_live, self._wake_outbox = send_live, wake_outbox
        self.progress_interval, self.max_parallel = progress_interval, max_parallel
        self.active: dict[str, _ActiveRun] = {}
        self._starting: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # executions
        self._sends: set[asyncio.Task[None]] = set()  # live progress frames on their way
        # Runs get their own threads: the default pool stays free for the short state calls.
        self._pool = ThreadPoolExecutor(max_workers=max_parallel, thread_name_prefix="ferry-run")

    def running_ids(self) -> list[str]:
        return sorted(self.active)

    async def start(self, frame: Frame, *, reply: Send, request: Request) -> None:
        """Answer one run.start (live or from welcome.pending) and, if accepted, execute it.

        The work runs shielded: a connection that ends half-way must not leave a run remembered
        as accepted but never started; the reply is then simply lost and the portal asks again.
        """
        while (earlier := self._starting.get(frame.run_id)) is not None:
            await asyncio.wait([earlier])  # the same run.start twice at once: the first decides
        task = asyncio.ensure_future(self._start(frame, _quietly(reply), request))
        self._starting[frame.run_id] = task
        task.add_done_callback(lambda _: self._starting.pop(frame.run_id, None))
        await asyncio.shield(task)

    async def _start(self, frame: Frame, reply: Send, request: Request) -> None:
        run_id = frame.run_id
        if run_id in self.active or await asyncio.to_thread(self.state.run_accepted, run_id):
            await reply(make_frame("run.accepted", re=frame.id, run_id=run_id))
            return
        try:
            plan: Plan | str = await self._plan_for(frame, request)
        except PortalRefused as exc:
            plan = str(exc)
        except LinkError:
            return  # the connection went while pulling the plan: the portal sends run.start again
        refusal = plan if isinstance(plan, str) else self._refusal(frame)
        busy = None if refusal or isinstance(plan, str) else self._busy(plan)
        reason = refusal or busy
        if reason:
            self.log(f"run {run_id}: {'held back' if busy else 'rejected'}: {reason}")
            extra = {"busy": True} if busy else {}
            await reply(make_frame("run.rejected", re=frame.id, run_id=run_id, reason=reason, **extra))
            return
        assert isinstance(plan, Plan)
        await asyncio.to_thread(self.state.run_accept_remember, run_id)
        options = RunOptions(
            trigger=frame.trigger,
            portal_run_id=run_id,
            record_ids=frame.options.get("record_ids"),
            to_outbox=True,
        )
        run = _ActiveRun(run_id, plan.workflow_id, options, _now_iso())
        loop = asyncio.get_running_loop()
        options.on_progress = functools.partial(self._progress_from_thread, loop, run)
        self.active[run_id] = run
        task = asyncio.create_task(self._execute(run, plan))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self.log(
            f"run {run_id}: accepted ({plan.workflow_name} version {plan.version}, trigger {frame.trigger})"
        )
        await reply(make_frame("run.accepted", re=frame.id, run_id=run_id))

    @staticmethod
    def _refusal(frame: Frame) -> str | None:
        if frame.options.get("dry_run"):
            return "this agent version cannot do dry runs"
        return None

    def _busy(self, plan: Plan) -> str | None:
        """Why the run cannot start now but could later (the portal queues it again)."""
        for other in self.active.values():
            if other.workflow_id == plan.workflow_id:
                return f"workflow {plan.workflow_name} is already running (run {other.run_id})"
        if len(self.active) >= self.max_parallel:
            return f"this agent is already running {len(self.active)} runs, its limit"
        return None

    async def _plan_for(self, frame: Frame, request: Request) -> Plan | str:
        """The plan named by the run, pulled from the portal first if this agent lacks it."""
        raw = await asyncio.to_thread(self.state.plan_json, frame.plan_hash)
        problems: list[str] = []
        if raw is None:
            self.log(f"run {frame.run_id}: fetching plan {frame.plan_hash[:12]} from the portal")
            reply = await request(make_frame("config.get", workflow_ids=[frame.workflow_id]))
            result = await asyncio.to_thread(plans_apply, self.state, reply.plans, withdraw_from=())
            for line in result.changes:
                self.log(line)
            problems = result.problems
            raw = await asyncio.to_thread(self.state.plan_json, frame.plan_hash)
        if raw is None:
            detail = f": {'; '.join(problems)}" if problems else ""
            return f"the portal did not provide plan {frame.plan_hash[:12]} of workflow {frame.workflow_id}{detail}"
        try:
            return await asyncio.to_thread(plan_from_dict, json.loads(raw), expected_hash=frame.plan_hash)
        except PlanError as exc:
            return str(exc)

    async def _execute(self, run: _ActiveRun, plan: Plan) -> None:
        loop = asyncio.get_running_loop()
        try:
            status = await loop.run_in_executor(self._pool, self.executor, plan, run.options)
        except Exception as exc:  # a crash of the run must still reach the portal as a failed run
            status = "failed"
            message = str(exc) or type(exc).__name__
            self.log(f"run {run.run_id}: failed: {message}")
            await asyncio.to_thread(self._record_crash, run, message)
        finally:
            self.active.pop(run.run_id, None)
            self._flush_progress(run)
            self._wake_outbox()
        self.log(f"run {run.run_id}: finished {status}")

    def _record_crash(self, run: _ActiveRun, message: str) -> None:
        with self.state.transaction():
            local = self.state.run_local_by_portal_id(run.run_id)
            if local is not None and local["status"] == "running":
                self.state.run_finish(
                    local_id=local["local_id"],
                    status="failed",
                    counts=local["counts"],
                    cursor_after=None,
                    error=message,
                )
            frame = make_frame(
                "run.finished",
                run_id=run.run_id,
                status="failed",
                counts={},
                cursor_before=local["cursor_before"] if local else None,
                cursor_after=local["cursor_before"] if local else None,
                started_at=run.started_at,
                finished_at=_now_iso(),
                error=message,
            )
            self.state.outbox_put("run.finished", frame, run_id=run.run_id)

    # -- progress: runner thread → event loop → best-effort frame ---------------------------
    def _progress_from_thread(
        self, loop: asyncio.AbstractEventLoop, run: _ActiveRun, node_id: str, counts: dict[str, int]
    ) -> None:
        try:
            loop.call_soon_threadsafe(self._progress, run, node_id, dict(counts))
        except RuntimeError:
            pass  # the loop has closed (the agent is stopping); progress is best-effort

    def _progress(self, run: _ActiveRun, node_id: str, counts: dict[str, int]) -> None:
        self._wake_outbox()  # a page was committed: new snapshot batches are likely waiting
        run.pending_progress[node_id] = counts
        if run.flush is not None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, run.last_progress + self.progress_interval - loop.time())
        run.flush = loop.call_later(delay, self._flush_progress, run)

    def _flush_progress(self, run: _ActiveRun) -> None:
        if run.flush is not None:
            run.flush.cancel()
            run.flush = None
        if not run.pending_progress:
            return
        run.last_progress = asyncio.get_running_loop().time()
        for node_id, counts in run.pending_progress.items():
            frame = make_frame("run.progress", run_id=run.run_id, node_id=node_id, counts=counts)
            sending = asyncio.create_task(self._send_live(frame))
            self._sends.add(sending)
            sending.add_done_callback(self._sends.discard)
        run.pending_progress = {}

    # -- cancel and shutdown -----------------------------------------------------------------
    def cancel(self, run_id: str) -> bool:
        run = self.active.get(run_id)
        if run is None:
            return False
        run.options.cancel.set()
        self.log(f"run {run_id}: cancel requested by the portal; stopping at the next record")
        return True

    async def shutdown(self, timeout: float = 60.0) -> None:
        """Cancel every run at its next record boundary and wait for them to report."""
        for run in self.active.values():
            run.options.cancel.set()
        runs = [task for task in self._tasks if not task.done()]
        if runs:
            self.log(f"stopping {len(self.active)} run(s) at the next record boundary")
            await asyncio.wait(runs, timeout=timeout)
        self._pool.shutdown(wait=False)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _quietly(send: Send) -> Send:
    async def send_or_drop(frame: dict[str, Any]) -> None:
        try:
            await send(frame)
        except LinkError:
            pass  # connection gone: the portal re-sends the run.start and gets its answer then

    return send_or_drop
