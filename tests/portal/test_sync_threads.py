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
