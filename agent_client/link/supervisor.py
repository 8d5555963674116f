"""`ferry-agent run`: keep one live link to the portal, reconnecting until told to stop for good.

Reconnects use capped exponential backoff with full jitter (1 s base, 60 s cap), reset after a
connection that got a welcome or stayed up 30 s. Close codes 4401 (bad token), 4403 (detached)
and 4426 (unsupported protocol) stop the link: no retry can fix those without a person.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from websockets.asyncio.client import ClientConnection

from agent_client.link.backoff import Backoff
from agent_client.link.errors import LinkDropped, LinkError
from agent_client.link.runs import RunExecutor, RunManager
from agent_client.link.session import Session
from agent_client.link.transport import open_connection, ws_url
from agent_client.protocol import CLOSE_SUPERSEDED
from agent_client.state import AgentState

STABLE_AFTER_S = 30.0  # a connection up this long counts as good: the backoff starts over
SUPERSEDED_PAUSE_S = 5.0  # another connection of this agent took over: give it room first

Connect = Callable[[str, str], Awaitable[ClientConnection]]


def log_to_stderr(message: str) -> None:
    print(f"{datetime.now():%Y-%m-%d %H:%M:%S} {message}", file=sys.stderr, flush=True)


class Link:
    """The agent's side of the live link. `await link.run()` until it stops (LinkStopped) or
    `stop()` is called; tests inject `connect`, `sleep`, the backoff's random and the executor."""

    def __init__(
        self,
        *,
        portal_url: str,
        token: str,
        state: AgentState,
        executor: RunExecutor,
        auto_update: bool = False,
        log: Callable[[str], None] = log_to_stderr,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        connect: Connect = open_connection,
        poll_s: float = 1.0,
        progress_interval: float = 0.5,
    ) -> None:
        self.url = ws_url(portal_url)
        self.token, self.state, self.auto_update, self.log = token, state, auto_update, log
        self.backoff = backoff or Backoff()
        self._sleep, self._connect, self.poll_s = sleep, connect, poll_s
        self.session: Session | None = None
        self.connections = 0
        self._stopping = asyncio.Event()
        self.runs = RunManager(
            state=state,
            executor=executor,
            send_live=self._send_live,
            wake_outbox=self._wake_outbox,
            log=log,
            progress_interval=progress_interval,
        )

    async def run(self) -> None:
        """Returns after `stop()`; raises LinkStopped when the portal ends the link for good."""
        try:
            while not self._stopping.is_set():
                opened = time.monotonic()
                pause = 0.0
                try:
                    await self._connection()
                except LinkDropped as exc:
                    if self._stopping.is_set():
                        break
                    self.log(f"link lost: {exc}")
                    if exc.close_code == CLOSE_SUPERSEDED:
                        pause = SUPERSEDED_PAUSE_S
                if self._stopping.is_set():
                    break
                if self.session is not None and (
                    self.session.welcome is not None or time.monotonic() - opened > STABLE_AFTER_S
                ):
                    self.backoff.reset()
                self.session = None
                delay = max(pause, self.backoff.next_delay())
                self.log(f"reconnecting in {delay:.1f} s")
                await self._pause(delay)
        finally:
            self.session = None
            await self.runs.shutdown()

    async def _connection(self) -> None:
        ws = await self._connect(self.url, self.token)
        self.connections += 1
        session = Session(
            ws,
            state=self.state,
            runs=self.runs,
            auto_update=self.auto_update,
            log=self.log,
            poll_s=self.poll_s,
        )
        self.session = session
        try:
            welcome = await session.open()
            self.log(
                f"connected to {self.url} as agent {welcome.agent_id} of {welcome.organization} "
                f"({len(welcome.pending)} run(s) waiting)"
            )
            serving = asyncio.create_task(session.serve())
            stopping = asyncio.create_task(self._stopping.wait())
            try:
                await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopping.cancel()
                if not serving.done():
                    serving.cancel()
                    await asyncio.gather(serving, return_exceptions=True)
            if not self._stopping.is_set():
                serving.result()
        except TimeoutError:
            raise LinkDropped("the portal did not answer hello with a welcome") from None
        finally:
            await ws.close()

    async def _pause(self, delay: float) -> None:
        sleeping = asyncio.ensure_future(self._sleep(delay))
        stopping = asyncio.create_task(self._stopping.wait())
        await asyncio.wait([sleeping, stopping], return_when=asyncio.FIRST_COMPLETED)
        sleeping.cancel()
        stopping.cancel()

    def stop(self) -> None:
        """End the link after the current frame (runs are cancelled at their next record)."""
        self._stopping.set()

    async def _send_live(self, frame: dict[str, Any]) -> None:
        session = self.session
        if session is None or session.welcome is None:
            return  # offline: live frames (progress) are best-effort
        try:
            await session.send(frame)
        except LinkError:
            pass

    def _wake_outbox(self) -> None:
        if self.session is not None:
            self.session.drain.wake()
