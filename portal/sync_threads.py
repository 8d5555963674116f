"""HTTP requests run their synchronous code (middleware, views, the ORM) on a fixed pool of
long-lived threads, one request per thread at a time.

Django's ASGI handler otherwise gives every request a brand-new thread, and Django's database
connections belong to a thread: each request opened a fresh PostgreSQL connection whatever
CONN_MAX_AGE said (measured: one new session per POST, ~55 ms per Run request, most of it
connection setup and a cold backend). With a pool, each thread keeps its connection for
CONN_MAX_AGE seconds, and the number of connections a portal process holds is bounded:
PORTAL_SYNC_THREADS (HTTP) + PORTAL_FRAME_THREADS (agent sockets, below) + 1 (the thread Channels
runs the browsers' live-update sockets on).

A request waits for a free thread when all are busy, as on a threaded WSGI server.

`SyncChainASGIHandler` runs the whole middleware chain and the view in one call on that thread.
Django's ASGI handler loads the chain in async mode; our middleware is synchronous (WhiteNoise is
sync-only), so every request crossed between the event loop and its thread about a dozen times
(each MiddlewareMixin's process_request/process_response, then the view), each crossing waiting
for the event loop's turn behind the agents' websockets. Measured in bench/dispatch.py (one POST
in flight, same day): a Run POST answered in 28.9 ms p50 instead of 33.6 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.db import close_old_connections

DEFAULT_SIZE = 16
DEFAULT_FRAME_THREADS = 8


def pool_size(variable: str = "PORTAL_SYNC_THREADS", default: int = DEFAULT_SIZE) -> int:
    raw = os.environ.get(variable, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{variable}={raw!r}: give a whole number of threads, at least 1.")
    return int(raw)


class ThreadPool:
    """A fixed set of long-lived threads, each an executor of its own, lent one caller at a time."""

    def __init__(self, size: int, name: str):
        self.size, self.name = size, name
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
                # thread, so the caller's connection and its thread stay together.
                self._free.put_nowait(
                    ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{self.name}-{n}")
                )
        return self._free

    @contextlib.asynccontextmanager
    async def thread(self, *, idle_when_done: bool = False):
        """A thread for the block. `idle_when_done`: the block only awaits calls on it, so when it
        ends without an error they have returned and the thread goes straight back. (An HTTP
        application may end while its cancelled view still runs there: see _give_back_when_idle.)"""
        free = self._pool()
        executor = await free.get()
        try:
            yield executor
        except BaseException:
            _give_back_when_idle(executor, free, asyncio.get_running_loop())
            raise
        if idle_when_done:
            free.put_nowait(executor)
        else:
            _give_back_when_idle(executor, free, asyncio.get_running_loop())


class PooledSyncThreads:
    """ASGI middleware around Django's HTTP application (see the module docstring)."""

    def __init__(self, app, size: int | None = None):
        self.app = app
        self.threads = ThreadPool(size or pool_size(), "http")

    async def __call__(self, scope, receive, send):
        async with self.threads.thread() as executor, ThreadSensitiveContext(executor=executor):
            await self.app(scope, receive, send)


# The agents' sockets (their token check, every frame: run.accepted, run.finished, snapshot
# batches, ...) do their database work here rather than on the one thread Channels gives every
# consumer of the process: that thread spent ~80% of its time waiting on PostgreSQL, Redis and
# commits while other agents' frames queued behind it. Each consumer awaits its frames one by one,
# so one agent's frames keep their order.
FRAME_THREADS = ThreadPool(pool_size("PORTAL_FRAME_THREADS", DEFAULT_FRAME_THREADS), "agent-frames")


async def database_sync_in_pool(func, *args, pool: ThreadPool = FRAME_THREADS, **kwargs):
    """`database_sync_to_async(func)(*args, **kwargs)` on a thread lent by `pool`."""
    async with pool.thread(idle_when_done=True) as executor:
        return await sync_to_async(_with_connection_hygiene, thread_sensitive=False, executor=executor)(
            func, *args, **kwargs
        )


def _with_connection_hygiene(func, *args, **kwargs):
    # Inside the call rather than around it as channels' DatabaseSyncToAsync does: with that
    # wrapper on pooled threads, tests/portal/agents/test_consumer.py (DB_CONN_MAX_AGE=0) left ~22
    # sessions open and PostgreSQL refused to drop the test database; cleaned up here, none. Why
    # the wrapper's cleanup missed them was not found.
    close_old_connections()
    try:
        return func(*args, **kwargs)
    finally:
        close_old_connections()


def _give_back_when_idle(executor: ThreadPoolExecutor, free: asyncio.Queue, loop) -> None:
    """Return the thread to the pool once it has finished what it runs.

    A request may end while its view still runs in the thread: cancelled by the server (still
    running when the shutdown grace ends), or Django's handler returning once the client left (it
    cancels the view's task, not the view). Handing that thread to the next request would make it
    wait behind the old view. A no-op queued behind the view marks the moment it is free."""

    def back(_) -> None:
        try:
            loop.call_soon_threadsafe(free.put_nowait, executor)
        except RuntimeError:  # the loop is closed (shutdown, or a test's loop): nothing waits
            executor.shutdown(wait=False)

    executor.submit(lambda: None).add_done_callback(back)


class SyncChainASGIHandler(ASGIHandler):
    """Django's ASGI handler with its middleware chain loaded synchronously (module docstring).

    Reading the body, the request signals and sending the response stay Django's own; only
    `get_response_async` changes: one thread-sensitive call runs the synchronous chain.
    """

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
