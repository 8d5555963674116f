"""Pushes from synchronous code (portal.channel_sends) reach the channel layer without waiting for
the event loop of the thread they are made on."""

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from portal.channel_sends import group_send_sync
from tests.helpers import redis_channel_layer

pytestmark = pytest.mark.skipif(
    not redis_channel_layer(),
    reason="the in-memory layer sends on the caller's loop by design: set REDIS_URL to test the send loop",
)


async def listening(group: str):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return layer, channel


async def received(layer, channel: str, count: int) -> list[dict]:
    return [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(count)]


def test_a_worker_thread_sends_while_its_event_loop_is_busy():
    """The loop that lent the thread is kept busy (as a loaded one is, serving other sockets): with
    async_to_sync the send would wait for it, and `sent` would not be set in time. The loop runs
    in a thread of its own so that it can be released whatever happens."""
    layer, channel = async_to_sync(listening)("sends-busy-loop")
    loop = asyncio.new_event_loop()
    running = threading.Thread(target=loop.run_forever, daemon=True)
    running.start()
    blocked, busy, sent = threading.Event(), threading.Event(), threading.Event()

    def block():
        blocked.set()
        busy.wait()

    def push():
        loop.call_soon_threadsafe(block)  # the loop that lent this thread stops turning
        blocked.wait(10)
        group_send_sync("sends-busy-loop", {"type": "probe", "n": 1})
        sent.set()

    pushing = asyncio.run_coroutine_threadsafe(sync_to_async(push, thread_sensitive=False)(), loop)
    try:
        delivered_while_busy = sent.wait(timeout=10)
    finally:
        busy.set()
        pushing.result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        running.join(10)
        loop.close()

    assert delivered_while_busy, "the send waited for the event loop of the thread it was made on"
    assert async_to_sync(received)(layer, channel, 1) == [{"type": "probe", "n": 1}]


async def test_one_threads_messages_keep_their_order():
    layer, channel = await listening("sends-order")

    def push_all():
        for n in range(40):
            group_send_sync("sends-order", {"type": "probe", "n": n})

    await sync_to_async(push_all, thread_sensitive=False)()

    assert [message["n"] for message in await received(layer, channel, 40)] == list(range(40))
