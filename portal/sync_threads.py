"""HTTP requests run their synchronous code (middleware, views, the ORM) on a fixed pool of
long-lived threads, one request per thread at a time.

Django's ASGI handler otherwise gives every request a brand-new thread, and Django's database
connections belong to a thread: each request opened a fresh PostgreSQL connection whatever
CONN_MAX_AGE said (measured: one new session per POST, ~55 ms per Run request, most of it
connection setup and a cold backend). With a pool, each thread keeps its connection for
CONN_MAX_AGE seconds, and the number of connections a portal process holds is bounded by the
pool's size (plus the one thread Channels runs every websocket consumer's database work on).

A request waits for a free thread when all are busy, as on a threaded WSGI server.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext

DEFAULT_SIZE = 16


def pool_size() -> int:
    raw = os.environ.get("PORTAL_SYNC_THREADS", "")
    if not raw:
        return DEFAULT_SIZE
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"PORTAL_SYNC_THREADS={raw!r}: give a whole number of threads, at least 1.")
    return int(raw)


class PooledSyncThreads:
    """ASGI middleware around Django's HTTP application (see the module docstring)."""

    def __init__(self, app, size: int | None = None):
        self.app = app
        self.size = size or pool_size()
        self._free: asyncio.Queue | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _pool(self) -> asyncio.Queue:
        loop = asyncio.get_running_loop()
        if self._free is None or self._loop is not loop:
            # One queue per event loop: an asyncio.Queue is bound to the loop that first waits on it
            # (tests start several loops in one process); the old loop's idle threads are let go.
            while self._free is not None and not self._free.empty():
                self._free.get_nowait().shutdown(wait=False)
            self._loop, self._free = loop, asyncio.Queue()
            for n in range(self.size):
                # One worker each: a thread-sensitive executor must run one call at a time on one
                # thread, so the request's connection and its thread stay together.
                self._free.put_nowait(ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"http-{n}"))
        return self._free

    async def __call__(self, scope, receive, send):
        free = self._pool()
        executor = await free.get()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.app(scope, receive, send)
        finally:
            _give_back_when_idle(executor, free, asyncio.get_running_loop())


def _give_back_when_idle(executor: ThreadPoolExecutor, free: asyncio.Queue, loop) -> None:
    """Return the thread to the pool once it has finished what it runs.

    A request cancelled by the server (a client gone for longer than daphne waits) ends here while
    its view may still be running in the thread: handing that thread to the next request would make
    it wait behind the old view. A no-op queued behind the view marks the moment it is free."""

    def back(_) -> None:
        try:
            loop.call_soon_threadsafe(free.put_nowait, executor)
        except RuntimeError:  # the loop is closed (shutdown, or a test's loop): nothing waits
            executor.shutdown(wait=False)

    executor.submit(lambda: None).add_done_callback(back)
