"""HTTP requests' synchronous code runs on a bounded pool of long-lived threads (portal.sync_threads)."""

import asyncio
import threading
import time

import pytest
from asgiref.sync import sync_to_async

from portal.sync_threads import PooledSyncThreads, pool_size


def recording_app(seen: list, running: list, peak: list):
    """An ASGI app whose sync part (as Django runs views: thread-sensitive) notes its thread."""

    def view():
        running.append(1)
        peak.append(len(running))
        seen.append(threading.get_ident())
        time.sleep(0.02)
        running.pop()
        return threading.get_ident()

    async def app(scope, receive, send):
        first = await sync_to_async(view)()
        second = await sync_to_async(view)()  # a second thread-sensitive call of the same request
        assert first == second, "one request's sync calls must share a thread"

    return app


def test_sequential_requests_reuse_the_pool_threads():
    seen, running, peak = [], [], []
    app = PooledSyncThreads(recording_app(seen, running, peak), size=2)

    async def main():
        for _ in range(6):
            await app({"type": "http"}, None, None)

    asyncio.run(main())
    assert len(seen) == 12
    assert len(set(seen)) <= 2  # Django alone would start a new thread for each of the six requests


def test_concurrent_requests_are_bounded_by_the_pool():
    seen, running, peak = [], [], []
    app = PooledSyncThreads(recording_app(seen, running, peak), size=3)

    async def main():
        await asyncio.gather(*[app({"type": "http"}, None, None) for _ in range(9)])

    asyncio.run(main())
    assert len(seen) == 18
    assert len(set(seen)) == 3
    assert max(peak) == 3


def test_the_pool_size_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORTAL_SYNC_THREADS", "5")
    assert pool_size() == 5
    monkeypatch.setenv("PORTAL_SYNC_THREADS", "none")
    with pytest.raises(ValueError, match="PORTAL_SYNC_THREADS='none': give a whole number"):
        pool_size()


def test_a_thread_still_running_a_cancelled_request_is_not_handed_to_the_next():
    """A server cancels a request whose client left; its view may still run in the thread."""
    release = threading.Event()
    order = []

    def slow_view():
        release.wait(5)
        order.append("slow view done")

    def quick_view():
        order.append("quick request ran")

    async def app(scope, receive, send):
        await sync_to_async(slow_view if scope["slow"] else quick_view)()

    pooled = PooledSyncThreads(app, size=2)

    async def main():
        slow = asyncio.ensure_future(pooled({"type": "http", "slow": True}, None, None))
        await asyncio.sleep(0.1)
        slow.cancel()  # what daphne does with an app past its close timeout
        await asyncio.gather(slow, return_exceptions=True)
        # Both run on the free thread, one after the other; neither waits behind the old view.
        quick = [pooled({"type": "http", "slow": False}, None, None) for _ in range(2)]
        await asyncio.wait_for(asyncio.gather(*quick), 2)
        release.set()

    asyncio.run(main())
    assert order[:2] == ["quick request ran", "quick request ran"]
