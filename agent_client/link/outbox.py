"""Drain the outbox over one connection: in order, a bounded window in flight, delete on ack.

Rows are written by the runner — in this process (portal-started runs) or in another one
(`ferry-agent sync` while the link runs) — so the drain polls as well as being woken.

Ordering rule: a `run.open` must be acked before anything else of that run is sent, because
the ack carries the portal's run id that replaces the local one in the run's later frames. The
drain simply stops at the first such frame and resumes when `run.opened` arrives; a run.open
is acked in one round trip, so holding the queue that long costs nothing.

A new connection gets a new drain, which starts from the oldest row again: everything not yet
acked is sent once more, and the portal accepts repeats idempotently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from agent_client.protocol import AGENT_TO_PORTAL, Frame, ProtocolError, validate_frame
from agent_client.state import AgentState

WINDOW = 32  # frames in flight; a snapshot batch is ~200 records, so this bounds memory too
ACK_FOR = {"run.open": "run.opened", "snapshot.batch": "snapshot.ack", "run.finished": "run.finished.ack"}


@dataclass(frozen=True)
class _Sent:
    outbox_id: int
    kind: str
    run_id: str | None  # for run.open: the local id


class OutboxDrain:
    def __init__(
        self,
        *,
        state: AgentState,
        send: Callable[[dict[str, Any]], Awaitable[None]],
        log: Callable[[str], None],
        window: int = WINDOW,
        poll_s: float = 1.0,
    ) -> None:
        self.state, self._send, self._log = state, send, log
        self.window, self.poll_s = window, poll_s
        self._inflight: dict[str, _Sent] = {}  # frame id → outbox row
        self._after = 0  # the last outbox id sent on this connection
        self._opening: set[str] = set()  # local run ids whose run.open awaits run.opened
        self._portal_ids: dict[str, str] = {}  # local run id → portal run id
        self._invalid: set[int] = set()
        self._wake = asyncio.Event()

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Send until cancelled (the session cancels it when the connection ends)."""
        while True:
            self._wake.clear()
            await self._send_ready()
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_s)
            except TimeoutError:
                pass

    async def _send_ready(self) -> None:
        while len(self._inflight) < self.window:
            rows = await asyncio.to_thread(
                self.state.outbox_pending, self.window - len(self._inflight), self._after
            )
            if not rows:
                return
            for outbox_id, kind, frame in rows:
                run_id = frame.get("run_id")
                if kind != "run.open" and run_id in self._opening:
                    return  # wait for run.opened: this frame still carries the local run id
                if kind != "run.open" and isinstance(run_id, str):
                    frame = await self._with_portal_run_id(frame, run_id)
                self._after = outbox_id
                if not self._valid(outbox_id, frame):
                    continue
                self._inflight[frame["id"]] = _Sent(outbox_id, kind, frame.get("local_id"))
                if kind == "run.open":
                    self._opening.add(frame["local_id"])
                await self._send(frame)

    async def _with_portal_run_id(self, frame: dict[str, Any], run_id: str) -> dict[str, Any]:
        """Frames a runner wrote after its run.open was acked still carry the local id: swap it."""
        portal_id = self._portal_ids.get(run_id)
        if portal_id is None:
            run = await asyncio.to_thread(self.state.run_get, run_id)
            portal_id = run["portal_run_id"] if run else None
            if not portal_id or portal_id == run_id:
                return frame
            self._portal_ids[run_id] = portal_id
        return {**frame, "run_id": portal_id}

    def _valid(self, outbox_id: int, frame: dict[str, Any]) -> bool:
        try:
            validate_frame(frame, direction=AGENT_TO_PORTAL)
        except ProtocolError as exc:
            # The portal would refuse it too; it stays in the outbox (nothing is deleted unacked)
            # and the rest of the queue goes on.
            if outbox_id not in self._invalid:
                self._invalid.add(outbox_id)
                self._log(f"outbox frame #{outbox_id} is not valid and was not sent: {exc}")
            return False
        return True

    async def acked(self, frame: Frame) -> bool:
        """Apply an ack (snapshot.ack, run.opened, run.finished.ack); False if it matches nothing sent."""
        sent = self._inflight.get(frame.re or "")
        if sent is None or ACK_FOR[sent.kind] != frame.type:
            return False
        if frame.type == "run.opened":
            await asyncio.to_thread(self._run_opened, sent, frame.local_id, frame.run_id)
            self._portal_ids[frame.local_id] = frame.run_id
            self._opening.discard(frame.local_id)
        else:
            await asyncio.to_thread(self.state.outbox_ack, sent.outbox_id)
        del self._inflight[frame.re or ""]
        self.wake()
        return True

    def _run_opened(self, sent: _Sent, local_id: str, portal_run_id: str) -> None:
        with self.state.transaction():  # the id swap and the delete stand or fall together
            self.state.run_set_portal_id(local_id, portal_run_id)
            self.state.outbox_rewrite_run_id(local_id, portal_run_id)
            self.state.outbox_ack(sent.outbox_id)

    def refused(self, frame: Frame) -> bool:
        """The portal answered an outbox frame with `error`: keep the row, free its window slot."""
        sent = self._inflight.pop(frame.re or "", None)
        if sent is None:
            return False
        self._log(
            f"the portal refused {sent.kind} (outbox #{sent.outbox_id}): {frame.message}; "
            "it stays in the outbox and is sent again on the next connection"
        )
        self.wake()
        return True
