"""A fake portal for the agent link's tests: real websockets on 127.0.0.1, the portal's side of
protocol v1, and handles for a test to steer it (hold acks, push frames, close, drop)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from agent_client.plan import Plan
from agent_client.protocol import (
    AGENT_TO_PORTAL,
    ProtocolError,
    dump_frame,
    error_frame,
    make_frame,
    parse_frame,
)

ACKED_KINDS = ("run.open", "snapshot.batch", "run.finished")


def plan_entry(plan: Plan) -> dict[str, Any]:
    return {
        "workflow_id": plan.workflow_id,
        "version": plan.version,
        "plan_hash": plan.hash,
        "plan": json.loads(plan.to_json()),
    }


class FakePortal:
    def __init__(self, *, token: str = "secret-token", heartbeat_s: float = 30.0) -> None:
        self.token = token
        self.heartbeat_s = heartbeat_s
        self.received: list[tuple[int, dict[str, Any]]] = []  # (connection number, frame) in order
        self.connections: list[ServerConnection] = []
        self.pending: list[dict[str, Any]] = []  # run.start frames for the next welcome
        self.stale: dict[str, Any] = {"plans": [], "lookups": False}
        self.published: dict[str, dict[str, Any]] = {}  # workflow id → config.plans entry
        self.lookups: tuple[str, dict[str, Any]] = ("", {})
        self.run_ids: dict[str, str] = {}  # local id → portal run id
        self.ack_filter: Callable[[dict[str, Any]], bool] = lambda frame: True
        self.held: list[dict[str, Any]] = []  # frames received but not acked (ack_filter said no)
        self.after_welcome: Callable[[ServerConnection], Any] | None = None
        self.errors: list[ProtocolError] = []
        self._server: Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aenter__(self) -> FakePortal:
        self._server = await serve(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    # -- what the agent sent ------------------------------------------------------------------
    def frames(self, kind: str | None = None, connection: int | None = None) -> list[dict[str, Any]]:
        return [
            frame
            for number, frame in self.received
            if (kind is None or frame["type"] == kind) and (connection is None or number == connection)
        ]

    async def wait_for(self, condition: Callable[[], Any], timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.01)

    # -- steering -------------------------------------------------------------------------------
    async def send(self, frame: dict[str, Any]) -> None:
        await self.connections[-1].send(dump_frame(frame))

    async def close(self, code: int, reason: str = "") -> None:
        await self.connections[-1].close(code, reason)

    def drop(self) -> None:
        """Cut the TCP connection without a closing handshake (the agent sees 1006)."""
        self.connections[-1].transport.abort()

    async def ack_held(self) -> None:
        held, self.held = self.held, []
        for frame in held:
            await self.send(self._ack(frame))

    # -- the portal's side of the protocol ------------------------------------------------------
    async def _serve(self, ws: ServerConnection) -> None:
        if ws.request is None or ws.request.headers.get("Authorization") != f"Bearer {self.token}":
            await ws.close(4401, "bad token")
            return
        self.connections.append(ws)
        number = len(self.connections)
        try:
            await self._converse(ws, number)
        except ConnectionClosed:
            pass  # the tests close and drop connections on purpose

    async def _converse(self, ws: ServerConnection, number: int) -> None:
        async for text in ws:
            try:
                frame = parse_frame(text, direction=AGENT_TO_PORTAL).to_dict()
            except ProtocolError as exc:
                self.errors.append(exc)
                await ws.send(dump_frame(error_frame(exc.code, exc.message, exc.re)))
                continue
            self.received.append((number, frame))
            reply = self._answer(frame)
            if reply is not None:
                await ws.send(dump_frame(reply))
            if frame["type"] == "hello" and self.after_welcome is not None:
                await self.after_welcome(ws)

    def _answer(self, frame: dict[str, Any]) -> dict[str, Any] | None:
        kind = frame["type"]
        if kind == "hello":
            return make_frame(
                "welcome",
                re=frame["id"],
                agent_id="7",
                organization="Acme",
                heartbeat_s=self.heartbeat_s,
                server_time="2026-01-31T12:00:00+00:00",
                pending=self.pending,
                stale=self.stale,
            )
        if kind == "heartbeat":
            return make_frame("heartbeat.ack", re=frame["id"])
        if kind == "config.get":
            wanted = frame.get("workflow_ids")
            plans = [e for wid, e in self.published.items() if wanted is None or wid in wanted]
            return make_frame("config.plans", re=frame["id"], plans=plans)
        if kind == "lookups.get":
            return make_frame("lookups.tables", re=frame["id"], hash=self.lookups[0], tables=self.lookups[1])
        if kind in ACKED_KINDS:
            if not self.ack_filter(frame):
                self.held.append(frame)
                return None
            return self._ack(frame)
        return None

    def _ack(self, frame: dict[str, Any]) -> dict[str, Any]:
        kind = frame["type"]
        if kind == "run.open":
            run_id = self.run_ids.setdefault(frame["local_id"], f"portal-run-{len(self.run_ids) + 1}")
            return make_frame("run.opened", re=frame["id"], local_id=frame["local_id"], run_id=run_id)
        if kind == "snapshot.batch":
            return make_frame("snapshot.ack", re=frame["id"], run_id=frame["run_id"], seq=frame["seq"])
        return make_frame("run.finished.ack", re=frame["id"], run_id=frame["run_id"])
