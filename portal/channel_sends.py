"""Channel-layer messages sent from synchronous code: the pushes to agents and browsers that
services make after a commit, on request and frame threads.

`async_to_sync(layer.group_send)` on such a thread schedules the send on the event loop that lent
the thread, and the thread waits until that loop gets round to it. That loop also serves every
websocket of the process, so the wait grew with its load (measured in bench/dispatch.py at 20 Run
requests a second: 15-155 ms for the two sends after a Run request commits, the largest variable
part of the slowest requests). Worse, a thread whose loop stops before running the send waits
for ever.

With a layer that keeps its connections per event loop (channels_redis), the sends go instead to
one loop of their own on a daemon thread, which does nothing else; the calling thread still waits
for its send, so one thread's messages keep their order. The in-memory layer's queues belong to
the loop its consumers run on, so with it the sends stay on the caller's loop.
"""

from __future__ import annotations

import asyncio
import os
import threading

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

SEND_TIMEOUT_S = 30.0  # the Redis hosts' socket timeout (settings.CHANNEL_LAYERS): a send never waits longer


class _SendLoop:
    """An event loop running on a daemon thread, started on first use (and again in a forked child)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                self._loop, self._pid = asyncio.new_event_loop(), os.getpid()
                threading.Thread(
                    target=self._loop.run_forever, name="channel-layer-sends", daemon=True
                ).start()
            return self._loop


_SEND_LOOP = _SendLoop()


def layer_keeps_loop_connections() -> bool:
    """Whether sends may go through `send_loop()`: not with the in-memory layer (module docstring)."""
    return not isinstance(get_channel_layer(), InMemoryChannelLayer)


def send_loop() -> asyncio.AbstractEventLoop:
    """The loop of the sends' own daemon thread (for a layer that keeps connections per loop)."""
    return _SEND_LOOP.loop()


def group_send_sync(group: str, message: dict) -> None:
    """`group_send` from synchronous code; returns once the layer has taken the message."""
    layer = get_channel_layer()
    if not layer_keeps_loop_connections():
        async_to_sync(layer.group_send)(group, message)
        return
    future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), send_loop())
    try:
        future.result(timeout=SEND_TIMEOUT_S)
    except TimeoutError:
        future.cancel()
        raise TimeoutError(
            f"the channel layer did not take a message for {group!r} within {SEND_TIMEOUT_S:.0f} s: "
            "is Redis (REDIS_URL) answering?"
        ) from None
