"""Live updates (portal.realtime): a process's events reach its organization's browsers in order,
one JSON message each, sent together rather than one channel-layer send per event, and never to
another organization."""

import asyncio
import os
import subprocess
import sys

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from portal.realtime import ui_event_send, ui_group
from portal.runs.ui_consumer import UiConsumer
from tests.helpers import ROOT, redis_channel_layer

pytestmark = pytest.mark.django_db(transaction=True)


async def listening(organization_id: int):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(ui_group(organization_id), channel)
    return layer, channel


async def messages_until(layer, channel: str, events: int) -> list[dict]:
    """The layer's messages for `channel` until they hold `events` events."""
    messages: list[dict] = []
    while sum(len(m["events"]) for m in messages) < events:
        messages.append(await asyncio.wait_for(layer.receive(channel), 5))
    return messages


def send_events(organization_id: int, count: int) -> None:
    for n in range(count):
        ui_event_send(organization_id, "run", {"n": n})


async def test_a_process_s_events_arrive_in_order_for_their_organization_only(acme, globex):
    layer, acmes = await listening(acme.pk)
    _, globexs = await listening(globex.pk)
    await sync_to_async(send_events, thread_sensitive=False)(acme.pk, 20)
    messages = await messages_until(layer, acmes, 20)
    assert {m["type"] for m in messages} == {"ui.events"}
    assert [e["data"]["n"] for m in messages for e in m["events"]] == list(range(20))
    assert {e["kind"] for m in messages for e in m["events"]} == {"run"}
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(globexs), 0.3)


@pytest.mark.skipif(
    not redis_channel_layer(), reason="the in-memory layer sends each event at once: set REDIS_URL"
)
async def test_events_made_together_travel_in_one_send(acme):
    """Twenty events made in a row: sent one by one they were twenty sends (two Redis round trips
    each); collected, they leave in one message, or a few if the thread was held up."""
    layer, channel = await listening(acme.pk)
    await sync_to_async(send_events, thread_sensitive=False)(acme.pk, 20)
    messages = await messages_until(layer, channel, 20)
    assert len(messages) < 20


async def test_the_browser_gets_one_json_message_per_event(acme, alice):
    browser = WebsocketCommunicator(UiConsumer.as_asgi(), f"/ws/ui/?org={acme.slug}")
    browser.scope["user"] = alice
    connected, _ = await browser.connect(timeout=5)
    assert connected
    await sync_to_async(send_events, thread_sensitive=False)(acme.pk, 3)
    received = [await browser.receive_json_from(timeout=5) for _ in range(3)]
    assert received == [{"kind": "run", "data": {"n": n}} for n in range(3)]
    await browser.disconnect()


@pytest.mark.skipif(
    not redis_channel_layer(), reason="the in-memory layer lives in one process: set REDIS_URL"
)
async def test_a_process_that_ends_at_once_still_sends_its_events(acme):
    """A management command or a worker ending within the collecting moment sends what it has."""
    layer, channel = await listening(acme.pk)
    script = (
        "import django; django.setup(); from portal.realtime import ui_event_send; "
        f"ui_event_send({acme.pk}, 'run', {{'n': 0}})"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    ended = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert ended.returncode == 0, ended.stderr.decode()
    message = await asyncio.wait_for(layer.receive(channel), 5)
    assert message["events"] == [{"kind": "run", "data": {"n": 0}}]
