"""Close codes and reconnecting: permanent codes stop the link, the rest reconnect with jittered backoff."""

import asyncio

import pytest

from agent_client.link import LinkStopped
from agent_client.link.backoff import Backoff
from agent_client.link.transport import ws_url
from agent_client.protocol import CLOSE_DETACHED, CLOSE_SUPERSEDED, CLOSE_UNSUPPORTED, make_frame
from tests.agent_client.link.conftest import make_link, running
from tests.helpers import free_port


def test_it_maps_the_portal_url_to_the_agent_endpoint():
    assert ws_url("http://localhost:8000") == "ws://localhost:8000/ws/agent/v1/"
    assert ws_url("https://ferry.example.com/") == "wss://ferry.example.com/ws/agent/v1/"
    assert ws_url("https://example.com/ferry") == "wss://example.com/ferry/ws/agent/v1/"


def test_backoff_doubles_up_to_the_cap_with_full_jitter():
    top = Backoff(random=lambda: 1.0)
    assert [top.next_delay() for _ in range(9)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    bottom = Backoff(random=lambda: 0.0)
    assert [bottom.next_delay() for _ in range(3)] == [0, 0, 0]
    top.reset()
    assert top.next_delay() == 1


async def test_a_bad_token_stops_the_link_without_reconnecting(portal, state):
    link = make_link(portal, state, token="revoked")
    async with running(link) as task:
        with pytest.raises(
            LinkStopped, match=r"^the portal refused this agent's token \(bad token\): register again"
        ):
            await asyncio.wait_for(task, 5)
    assert link.connections == 1
    assert not any("reconnecting" in line for line in link.logged)


@pytest.mark.parametrize(
    ("code", "message", "exit_code"),
    [
        (CLOSE_DETACHED, "this agent was detached in the portal (detached): attach it there", 0),
        (CLOSE_UNSUPPORTED, "the portal does not support this agent's protocol version (v1 gone): update", 1),
    ],
)
async def test_permanent_close_codes_stop_the_link(portal, state, code, message, exit_code):
    reason = "detached" if code == CLOSE_DETACHED else "v1 gone"
    portal.after_welcome = lambda ws: ws.close(code, reason)
    link = make_link(portal, state)
    async with running(link) as task:
        with pytest.raises(LinkStopped) as stopped:
            await asyncio.wait_for(task, 5)
    assert str(stopped.value).startswith(message)
    assert stopped.value.exit_code == exit_code
    assert len(portal.connections) == 1


async def test_agent_detach_stops_the_link(portal, state):
    async def detach(ws):
        await portal.send(make_frame("agent.detach", reason="detached by alice@acme.test"))
        await ws.close(CLOSE_DETACHED, "detached")

    portal.after_welcome = detach
    link = make_link(portal, state)
    async with running(link) as task:
        with pytest.raises(LinkStopped, match="detached in the portal"):
            await asyncio.wait_for(task, 5)
    assert "the portal detached this agent: detached by alice@acme.test" in link.logged


async def test_it_reconnects_with_jittered_backoff_while_the_portal_is_unreachable(state):
    delays: list[float] = []
    draws = iter([0.5, 0.25, 1.0, 0.75, 0.1, 1.0, 1.0, 0.5])

    async def sleep(delay):
        delays.append(delay)
        if len(delays) == 8:
            link.stop()

    class Nowhere:
        url = f"http://127.0.0.1:{free_port()}"
        token = "secret-token"

    link = make_link(Nowhere, state, backoff=Backoff(random=lambda: next(draws)), sleep=sleep)
    await asyncio.wait_for(link.run(), 10)
    assert delays == [0.5 * 1, 0.25 * 2, 1.0 * 4, 0.75 * 8, 0.1 * 16, 1.0 * 32, 1.0 * 60, 0.5 * 60]
    assert link.connections == 0
    assert "reconnecting in 60.0 s" in link.logged


async def test_backoff_starts_over_after_a_welcome(portal, state):
    delays: list[float] = []

    async def sleep(delay):
        delays.append(delay)

    portal.after_welcome = lambda ws: ws.close(1011, "restarting")
    link = make_link(portal, state, backoff=Backoff(random=lambda: 0.5), sleep=sleep)
    async with running(link):
        await portal.wait_for(lambda: len(portal.connections) >= 4)
    assert delays[:3] == [0.5, 0.5, 0.5]
    assert "link lost: the connection to the portal closed (code 1011) (restarting)" in link.logged


async def test_a_superseded_link_waits_before_reconnecting(portal, state):
    delays: list[float] = []

    async def sleep(delay):
        delays.append(delay)
        portal.after_welcome = None

    portal.after_welcome = lambda ws: ws.close(CLOSE_SUPERSEDED, "superseded")
    link = make_link(portal, state, sleep=sleep)
    async with running(link):
        await portal.wait_for(lambda: len(portal.connections) == 2)
    assert delays == [5.0]
