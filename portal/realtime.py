"""Live updates for browsers on /ws/ui/: one channel-layer group per organization, sent after commit.

A run sends five events in its life (requested, dispatched, running, finished, counted), and each
`group_send` is two Redis round trips, whether or not a browser watches, which the committing
thread used to wait for (bench/dispatch.py at 20 runs a second: about 6% of the portal's CPU, on
every request thread and agent frame). So a process collects its events and sends them every
FLUSH_S, one message per organization holding its events in order; nobody waits. A browser still
gets one JSON message per event (UiConsumer). With the in-memory layer (the embedded default)
events are sent at once, on the caller's loop, as that layer needs.

Live updates are a view, not the record: an event lost to a Redis failure is logged, and the page
shows the truth when it loads again.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading

from channels.layers import get_channel_layer
from django.db import transaction

from portal.channel_sends import group_send_sync, layer_keeps_loop_connections, send_loop

FLUSH_S = 0.05  # well under what a person notices; long enough that a run's close events share a send

logger = logging.getLogger(__name__)


def ui_group(organization_id: int) -> str:
    return f"ui-org-{organization_id}"


def ui_event_on_commit(organization_id: int, kind: str, data: dict) -> None:
    transaction.on_commit(lambda: ui_event_send(organization_id, kind, data))


def ui_event_send(organization_id: int, kind: str, data: dict) -> None:
    event = {"kind": kind, "data": data}
    if layer_keeps_loop_connections():
        _PENDING.add(organization_id, event)
    else:
        group_send_sync(ui_group(organization_id), {"type": "ui.events", "events": [event]})


class _PendingEvents:
    """This process's events not sent yet, by organization; a flush is scheduled with the first."""

    def __init__(self):
        self.start_empty()

    def start_empty(self) -> None:
        """Also in a forked child (a Celery worker): the parent's events and its send loop stay
        behind, and a lock another thread held at the fork would never be released."""
        self._lock = threading.Lock()
        self._events: dict[int, list[dict]] = {}
        self._scheduled = False
        self._flushing: set = set()

    def add(self, organization_id: int, event: dict) -> None:
        with self._lock:
            self._events.setdefault(organization_id, []).append(event)
            if self._scheduled:
                return
            self._scheduled = True
        loop = send_loop()
        loop.call_soon_threadsafe(loop.call_later, FLUSH_S, self._flush_start, loop)

    def _flush_start(self, loop) -> None:
        task = loop.create_task(self._flush())
        self._flushing.add(task)  # the loop holds tasks weakly: one could vanish mid-send
        task.add_done_callback(self._flushing.discard)

    async def _flush(self) -> None:
        """Send what is pending, and what arrives meanwhile, then stop: one flush at a time, so an
        organization's events leave in the order they were made, and a slow Redis holds one send."""
        while True:
            with self._lock:
                events, self._events = self._events, {}
                if not events:
                    self._scheduled = False
                    return
            layer = get_channel_layer()
            for organization_id, batch in events.items():
                try:
                    await layer.group_send(ui_group(organization_id), {"type": "ui.events", "events": batch})
                except Exception:  # noqa: BLE001 - see the module docstring
                    logger.warning(
                        "live updates: %d events for organization %s were not sent",
                        len(batch),
                        organization_id,
                        exc_info=True,
                    )

    async def _drain(self) -> None:
        await asyncio.gather(*self._flushing, return_exceptions=True)
        await self._flush()

    def flush_at_exit(self) -> None:
        """Send what is still pending, or being sent, when a process ends (a management command)."""
        if not (self._events or self._flushing):
            return
        try:
            asyncio.run_coroutine_threadsafe(self._drain(), send_loop()).result(timeout=5)
        except Exception:  # noqa: BLE001 - the process is ending; see the module docstring
            logger.warning("live updates: events pending at exit were not sent", exc_info=True)


_PENDING = _PendingEvents()
os.register_at_fork(after_in_child=_PENDING.start_empty)
atexit.register(_PENDING.flush_at_exit)
