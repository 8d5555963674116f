"""HTTP requests' synchronous code runs on a bounded pool of long-lived threads, in one call per
request, and the agents' frames do their database work on a pool of their own (portal.sync_threads)."""

import asyncio
import threading
import time

import pytest
from asgiref.sync import SyncToAsync, sync_to_async
from channels.testing import HttpCommunicator
from django.db import connection

from portal.sync_threads import (
    PooledSyncThreads,
    SyncChainASGIHandler,
    ThreadPool,
    database_sync_in_pool,
    pool_size,
)


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
        slow.cancel()  # what the server does with an app past its shutdown grace
        await asyncio.gather(slow, return_exceptions=True)
        # Both run on the free thread, one after the other; neither waits behind the old view.
        quick = [pooled({"type": "http", "slow": False}, None, None) for _ in range(2)]
        await asyncio.wait_for(asyncio.gather(*quick), 2)
        release.set()

    asyncio.run(main())
    assert order[:2] == ["quick request ran", "quick request ran"]


def test_a_request_that_ends_while_its_cancelled_view_runs_does_not_lend_that_thread():
    """Django's ASGI handler, when the client leaves, cancels the view's task and returns normally
    while the view still runs in the thread: the thread goes back only once the view is done."""
    release = threading.Event()
    order = []

    def slow_view():
        release.wait(5)
        order.append("slow view done")

    async def app(scope, receive, send):
        if not scope["slow"]:
            order.append("quick request ran")
            return await sync_to_async(lambda: None)()
        view = asyncio.ensure_future(sync_to_async(slow_view)())
        await asyncio.sleep(0.1)
        view.cancel()  # the client left; the handler returns without an error

    pooled = PooledSyncThreads(app, size=2)

    async def main():
        await pooled({"type": "http", "slow": True}, None, None)
        quick = [pooled({"type": "http", "slow": False}, None, None) for _ in range(3)]
        await asyncio.wait_for(asyncio.gather(*quick), 2)
        release.set()

    asyncio.run(main())
    assert order[:3] == ["quick request ran"] * 3


async def test_frame_work_cancelled_midway_keeps_its_thread_until_done():
    pool = ThreadPool(2, "test-frames-cancel")
    release = threading.Event()

    def slow() -> None:
        release.wait(5)

    slow_call = asyncio.ensure_future(database_sync_in_pool(slow, pool=pool))
    await asyncio.sleep(0.1)
    slow_call.cancel()  # the agent's socket closed while its frame was being handled
    await asyncio.gather(slow_call, return_exceptions=True)
    quick = [database_sync_in_pool(threading.get_ident, pool=pool) for _ in range(3)]
    try:
        assert len(set(await asyncio.wait_for(asyncio.gather(*quick), 2))) == 1  # the free thread only
    finally:
        release.set()


def crossings(monkeypatch) -> list[str]:
    """Every call the event loop hands to a thread, by function name."""
    seen: list[str] = []
    real = SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        seen.append(getattr(self.func, "__name__", repr(self.func)))
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counting)
    return seen


@pytest.mark.django_db(transaction=True)
async def test_a_request_runs_its_whole_middleware_chain_in_one_call_on_its_thread(monkeypatch):
    from portal.asgi import application

    assert not asyncio.iscoroutinefunction(SyncChainASGIHandler()._middleware_chain)
    seen = crossings(monkeypatch)
    response = await HttpCommunicator(
        application, "GET", "/login/", headers=[(b"host", b"testserver")]
    ).get_response(timeout=10)
    assert response["status"] == 200
    assert b"password" in response["body"].lower()
    # request_started, the chain with the view, the response's close (request_finished): Django's
    # own ASGI handler crossed for each middleware's process_request and process_response too.
    assert seen.count("get_response") == 1
    assert len(seen) <= 4, seen


@pytest.mark.django_db(transaction=True)
async def test_pooled_frame_work_runs_side_by_side_and_closes_its_connections():
    pool = ThreadPool(2, "test-frames")
    meeting = threading.Barrier(2, timeout=10)

    def frame_work(n: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s", [n])
            value = cursor.fetchone()[0]
        meeting.wait()  # passes only when both calls run at once, on two threads
        return value

    assert await asyncio.gather(*[database_sync_in_pool(frame_work, n, pool=pool) for n in (1, 2)]) == [1, 2]
    if connection.vendor != "postgresql":
        return  # the leak below is of server sessions; an SQLite file has none (CI runs PostgreSQL)

    def sessions() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            return cursor.fetchone()[0]

    before = await database_sync_in_pool(sessions, pool=pool)
    for n in range(10):
        meeting.reset()
        await asyncio.gather(*[database_sync_in_pool(frame_work, n, pool=pool) for _ in range(2)])
    # Tests run with DB_CONN_MAX_AGE=0: each call's connection is closed when it ends, whichever
    # thread it ran on (a cleanup outside the call's context never saw them, and leaked them).
    assert await database_sync_in_pool(sessions, pool=pool) <= before
