"""One connection's conversation: hello → welcome, then read, heartbeat and drain side by side.

The session ends when the connection does; it raises LinkStopped (do not reconnect) or
LinkDropped (reconnect), and the supervisor decides what comes next. Runs outlive sessions:
they belong to the RunManager, and only their replies and progress frames use a session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from agent_client import __version__
from agent_client.link.errors import LinkDropped, LinkError, LinkStopped, PortalRefused, closed_by_portal
from agent_client.link.host import ProcessMeter, hostname, platform_name
from agent_client.link.outbox import OutboxDrain
from agent_client.link.runs import RunManager
from agent_client.link.updates import UpdateResult, lookups_apply, plans_apply
from agent_client.protocol import (
    PORTAL_TO_AGENT,
    PROTOCOL_VERSION,
    Frame,
    ProtocolError,
    dump_frame,
    error_frame,
    make_frame,
    parse_frame,
    validate_frame,
)
from agent_client.state import AgentState

WELCOME_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 60.0
_ACKS = ("snapshot.ack", "run.opened", "run.finished.ack")
_REPLIES = ("config.plans", "lookups.tables")


def hello_frame(state: AgentState, running: list[str]) -> dict[str, Any]:
    lookups_hash, _ = state.lookups_current()
    return make_frame(
        "hello",
        protocol=PROTOCOL_VERSION,
        agent_version=__version__,
        hostname=hostname(),
        platform=platform_name(),
        plans=state.plan_hashes_live(),
        lookups_hash=lookups_hash,
        running=running,
    )


async def receive(ws: ClientConnection, *, timeout: float | None = None) -> str | bytes:
    """The next message, or the close turned into LinkStopped / LinkDropped."""
    try:
        async with asyncio.timeout(timeout):
            return await ws.recv()
    except ConnectionClosed as exc:
        raise closed_by_portal(
            exc.rcvd.code if exc.rcvd else None, exc.rcvd.reason if exc.rcvd else ""
        ) from None
    except TimeoutError:
        raise LinkDropped(f"the portal sent nothing for {timeout:.0f} s") from None


async def send_frame(ws: ClientConnection, frame: dict[str, Any]) -> None:
    try:
        await ws.send(dump_frame(frame))
    except ConnectionClosed as exc:
        raise closed_by_portal(
            exc.rcvd.code if exc.rcvd else None, exc.rcvd.reason if exc.rcvd else ""
        ) from None


async def welcome_wait(ws: ClientConnection, hello_id: str, log: Callable[[str], None]) -> Frame:
    """Frames before the welcome can only be errors (logged); anything else is answered as one."""
    async with asyncio.timeout(WELCOME_TIMEOUT_S):
        while True:
            try:
                frame = parse_frame(await receive(ws), direction=PORTAL_TO_AGENT)
            except ProtocolError as exc:
                log(f"the portal sent an invalid frame: {exc}")
                await send_frame(ws, error_frame(exc.code, exc.message, exc.re))
                continue
            if frame.type == "welcome" and frame.re == hello_id:
                return frame
            if frame.type == "error":
                log(f"the portal answered with an error: {frame.message}")
            else:
                await send_frame(
                    ws, error_frame("unexpected", f"{frame.type}: expected a welcome first", frame.id)
                )


class Session:
    def __init__(
        self,
        ws: ClientConnection,
        *,
        state: AgentState,
        runs: RunManager,
        auto_update: bool,
        log: Callable[[str], None],
        poll_s: float = 1.0,
    ) -> None:
        self.ws, self.state, self.runs, self.auto_update, self.log = ws, state, runs, auto_update, log
        self.drain = OutboxDrain(state=state, send=self.send, log=log, poll_s=poll_s)
        self.welcome: Frame | None = None
        self._waiters: dict[str, asyncio.Future[Frame]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._detached: str | None = None
        self._meter = ProcessMeter()

    async def send(self, frame: dict[str, Any]) -> None:
        await send_frame(self.ws, frame)

    async def request(self, frame: dict[str, Any]) -> Frame:
        """Send a frame and wait for the frame that answers it (`re`); LinkError if none comes."""
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._waiters[frame["id"]] = future
        try:
            await self.send(frame)
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                return await future
        except TimeoutError:
            raise LinkDropped(
                f"the portal did not answer {frame['type']} within {REQUEST_TIMEOUT_S:.0f} s"
            ) from None
        finally:
            self._waiters.pop(frame["id"], None)

    async def open(self) -> Frame:
        hello = await asyncio.to_thread(hello_frame, self.state, self.runs.running_ids())
        await self.send(hello)
        self.welcome = await welcome_wait(self.ws, hello["id"], self.log)
        return self.welcome

    async def serve(self) -> None:
        """Handle the welcome, then run until the connection ends (always by raising LinkError)."""
        assert self.welcome is not None
        for pending in self.welcome.pending:
            self._spawn(self._run_start(validate_frame(pending, direction=PORTAL_TO_AGENT)))
        stale = self.welcome.stale
        if stale["plans"] or stale["lookups"]:
            self._configuration_stale(stale["plans"], stale["lookups"])
        tasks = [
            asyncio.create_task(self._read(), name="link-read"),
            asyncio.create_task(self._heartbeat(float(self.welcome.heartbeat_s)), name="link-heartbeat"),
            asyncio.create_task(self.drain.run(), name="link-drain"),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # re-raise why it ended
            raise LinkDropped("the link stopped unexpectedly")
        finally:
            for task in [*tasks, *self._tasks]:
                task.cancel()
            for waiter in self._waiters.values():
                if not waiter.done():
                    waiter.set_exception(LinkDropped("the connection closed before the portal answered"))

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _heartbeat(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            depth = await asyncio.to_thread(self.state.outbox_depth)
            await self.send(
                make_frame(
                    "heartbeat",
                    running=self.runs.running_ids(),
                    cpu_percent=self._meter.cpu_percent(),
                    rss_mb=self._meter.rss_mb(),
                    outbox_depth=depth,
                )
            )

    async def _read(self) -> None:
        while True:
            try:
                text = await receive(self.ws)
            except LinkDropped as exc:
                if self._detached is not None:  # detach frame then an abrupt close: still detached
                    raise LinkStopped(
                        f"this agent was detached in the portal ({self._detached}): attach it there, "
                        "then start `ferry-agent run` again",
                        exit_code=0,
                    ) from exc
                raise
            try:
                frame = parse_frame(text, direction=PORTAL_TO_AGENT)
            except ProtocolError as exc:
                self.log(f"the portal sent an invalid frame: {exc}")
                await self.send(error_frame(exc.code, exc.message, exc.re))
                continue
            await self._dispatch(frame)

    async def _dispatch(self, frame: Frame) -> None:
        kind = frame.type
        if kind in _ACKS:
            if not await self.drain.acked(frame):
                self.log(f"{kind} for a frame not in flight (answered twice?): ignored")
        elif kind in _REPLIES or (kind == "error" and frame.re in self._waiters):
            waiter = self._waiters.get(frame.re or "")
            if waiter is None or waiter.done():
                self.log(f"{kind} answers no request of this connection: ignored")
            elif kind == "error":
                waiter.set_exception(PortalRefused(f"the portal refused the request: {frame.message}"))
            else:
                waiter.set_result(frame)
        elif kind == "error":
            if not self.drain.refused(frame):
                self.log(f"the portal reported an error: {frame.message} ({frame.code})")
        elif kind == "run.start":
            self._spawn(self._run_start(frame))
        elif kind == "run.cancel":
            if not self.runs.cancel(frame.run_id):
                self.log(f"run.cancel for run {frame.run_id}, which is not running here: ignored")
        elif kind == "config.available":
            self._configuration_stale([frame.workflow_id], False)
        elif kind == "lookups.available":
            self._configuration_stale([], True)
        elif kind == "agent.detach":
            self._detached = frame.reason or "no reason given"
            self.log(f"the portal detached this agent: {self._detached}")
        elif kind != "heartbeat.ack":  # a second welcome: nothing to do with it
            self.log(f"{kind} was not expected now: ignored")

    async def _run_start(self, frame: Frame) -> None:
        await self.runs.start(frame, reply=self.send, request=self.request)

    def _configuration_stale(self, workflow_ids: list[str], lookups: bool) -> None:
        if not self.auto_update:
            if workflow_ids:
                self.log("new configuration available: run `ferry-agent update-config`")
            if lookups:
                self.log("new lookup tables available: run `ferry-agent update-lookups`")
            return
        if workflow_ids:
            self._spawn(self._pull_plans(workflow_ids))
        if lookups:
            self._spawn(self._pull_lookups())

    async def _pull_plans(self, workflow_ids: list[str]) -> None:
        try:
            reply = await self.request(make_frame("config.get", workflow_ids=workflow_ids))
        except LinkError as exc:
            self.log(f"could not update the configuration: {exc}")
            return
        self._report(
            await asyncio.to_thread(plans_apply, self.state, reply.plans, withdraw_from=workflow_ids)
        )

    async def _pull_lookups(self) -> None:
        try:
            reply = await self.request(make_frame("lookups.get"))
        except LinkError as exc:
            self.log(f"could not update the lookup tables: {exc}")
            return
        self._report(
            await asyncio.to_thread(lookups_apply, self.state, stated_hash=reply.hash, tables=reply.tables)
        )

    def _report(self, result: UpdateResult) -> None:
        for line in [*result.changes, *result.problems]:
            self.log(line)
