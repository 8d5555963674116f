"""The agent websocket, `/ws/agent/v1/`: thin. Frames are validated with `agent_client.protocol`,
work happens in `portal.agents.handlers` on a pooled worker thread (`portal.sync_threads`), and
pushes from any portal process arrive through the agent's channel-layer group."""

from __future__ import annotations

import asyncio
import logging

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import transaction

from agent_client.protocol import (
    AGENT_TO_PORTAL,
    CLOSE_BAD_TOKEN,
    CLOSE_DETACHED,
    CLOSE_SUPERSEDED,
    CLOSE_UNSUPPORTED,
    PROTOCOL_VERSION,
    ProtocolError,
    dump_frame,
    error_frame,
    parse_frame,
)
from portal.agents.handlers import AgentRef, frame_handle
from portal.agents.services import agent_went_offline
from portal.runs.payloads import frame_loads
from portal.sync_threads import database_sync_in_pool

log = logging.getLogger("ferry.agents")

# Frames read from the socket ahead of the one being handled. The server reads the socket only
# while its app takes messages; pings and pongs travel on the same socket, so an agent whose frame
# waited for a database thread for 20 s would lose its connection to a keepalive timeout. Reading
# ahead (one agent's frames are still handled one by one, in order) keeps the socket read, and
# lets pushes for the agent (run.start) out while its frame is handled. Beyond this, reading
# waits: an agent keeps at most 8 batches unacked, so only a misbehaving one gets there.
FRAMES_READ_AHEAD = 16


def _claim_socket(agent_pk: int, channel_name: str) -> str:
    """This socket now speaks for the agent; returns the one it supersedes ('' if none)."""
    from portal.agents.models import Agent

    with transaction.atomic():  # two sockets of one agent claiming at once: one supersedes the other
        agents = Agent.objects.select_for_update().filter(pk=agent_pk)
        previous = agents.values_list("channel_name", flat=True).first() or ""
        agents.update(channel_name=channel_name, online=True)
    return previous if previous != channel_name else ""


class AgentConsumer(AsyncWebsocketConsumer):
    async def dispatch(self, message):
        # Channels' own dispatch first sends every message to the process's one shared database
        # thread to close stale connections. This consumer's database work runs on pooled threads
        # that clean up after themselves, so that detour only made every frame wait in line there.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        agent = self.scope.get("agent")
        await self.accept()
        if agent is None:
            await self.close(code=CLOSE_BAD_TOKEN)
            return
        if agent["detached"]:
            await self.close(code=CLOSE_DETACHED)
            return
        self.agent_pk = agent["pk"]
        self.agent_ref = AgentRef(pk=agent["pk"], organization_id=agent["organization_id"])
        self.group = f"agent-{self.agent_pk}"
        self.said_hello = False
        self.frames: asyncio.Queue = asyncio.Queue(maxsize=FRAMES_READ_AHEAD)
        self.gone = False
        self.handling = asyncio.create_task(self._frames_handle())
        previous = await database_sync_in_pool(_claim_socket, self.agent_pk, self.channel_name)
        if previous:
            await self.channel_layer.send(previous, {"type": "agent.close", "code": CLOSE_SUPERSEDED})
        await self.channel_layer.group_add(self.group, self.channel_name)

    async def disconnect(self, code):
        if getattr(self, "handling", None) is not None:
            # The frame being handled ends (its database work finishes before the agent is marked
            # offline); those still waiting were not acked, and the agent sends them again.
            self.gone = True
            while not self.frames.empty():
                self.frames.get_nowait()
            self.frames.put_nowait(None)
            await asyncio.gather(self.handling, return_exceptions=True)
        if getattr(self, "agent_pk", None) is not None:
            # Offline first: if the channel layer fails now, its group entry expires on its own,
            # but an agent left `online` would mislead the operator.
            await database_sync_in_pool(
                agent_went_offline, agent_pk=self.agent_pk, channel_name=self.channel_name
            )
            try:
                await self.channel_layer.group_discard(self.group, self.channel_name)
            except Exception:  # noqa: BLE001 - nothing to tell the closed socket
                log.warning("agent %s: could not leave its channel group", self.agent_pk, exc_info=True)

    async def receive(self, text_data=None, bytes_data=None):
        if getattr(self, "frames", None) is not None:  # else connect refused the socket
            await self.frames.put(text_data if text_data is not None else bytes_data or b"")

    async def _frames_handle(self) -> None:
        try:
            while (raw := await self.frames.get()) is not None:
                await self._frame_handle(raw)
        except Exception:
            if self.gone:  # a reply to a socket that has closed meanwhile
                return
            # As an error in receive would: the socket closes, the agent reconnects and resends.
            log.exception("agent %s: handling its frame failed; closing its socket", self.agent_pk)
            await self.close(code=1011)

    async def _frame_handle(self, raw: str | bytes) -> None:
        try:
            frame = parse_frame(
                raw,
                direction=AGENT_TO_PORTAL,
                loads=frame_loads,
            )
        except ProtocolError as exc:
            await self.send(dump_frame(error_frame(exc.code, exc.message, re=exc.re)))
            return
        if frame.type == "hello":
            if frame.protocol != PROTOCOL_VERSION:
                await self.close(code=CLOSE_UNSUPPORTED)
                return
            self.said_hello = True
        elif not self.said_hello:
            await self.send(
                dump_frame(error_frame("hello_first", "send hello before anything else", re=frame.id))
            )
            return
        if frame.type == "error":
            log.warning("agent %s could not use frame %s: %s", self.agent_pk, frame.re, frame.message)
        replies = await database_sync_in_pool(frame_handle, self.agent_ref, frame)
        for reply in replies:
            await self.send(dump_frame(reply))

    # -- channel-layer messages (from services in any process) ------------------------------
    async def agent_frame(self, message):
        await self.send(dump_frame(message["frame"]))
        if message.get("dispatch_run"):
            from portal.runs.services import run_mark_dispatched

            try:
                await database_sync_in_pool(run_mark_dispatched, run_id=message["dispatch_run"])
            except Exception:  # noqa: BLE001 - the frame is out; the agent's run.accepted also moves the run on
                log.exception("could not mark run %s dispatched", message["dispatch_run"])

    async def agent_detach(self, message):
        from agent_client.protocol import make_frame

        await self.send(dump_frame(make_frame("agent.detach", reason=message["reason"])))
        await self.close(code=CLOSE_DETACHED)

    async def agent_close(self, message):
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.close(code=message["code"])
