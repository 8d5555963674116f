"""Fixtures for the Shopify emulator tests: a live emulator on a free port, and a webhook receiver."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from emulators.common.server import serve_in_thread
from emulators.shopify.app import create_app

TOKEN = "shpat_test"
SECRET = "shpss_test"
API = "/admin/api/2025-07"


@dataclass
class Emulator:
    url: str
    app: object

    @property
    def shop(self):
        return self.app.state.shop

    @property
    def api(self) -> str:
        return self.url + API

    def get(self, path: str, token: str | None = TOKEN, **kwargs) -> requests.Response:
        headers = {"X-Shopify-Access-Token": token} if token else {}
        return requests.get(
            path if path.startswith("http") else self.api + path, headers=headers, timeout=10, **kwargs
        )

    def send(self, method: str, path: str, body=None, token: str | None = TOKEN) -> requests.Response:
        headers = {"X-Shopify-Access-Token": token} if token else {}
        return requests.request(method, self.api + path, json=body, headers=headers, timeout=10)

    def graphql(self, query: str, variables: dict | None = None) -> requests.Response:
        return self.send("POST", "/graphql.json", {"query": query, "variables": variables or {}})

    def control(self, method: str, path: str, body=None) -> requests.Response:
        return requests.request(method, f"{self.url}/_emulator/{path}", json=body, timeout=30)


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., Emulator]]:
    """`start_emulator(customers=..., plan=...)` — a fresh shop per call, stopped after the test."""
    running = []

    def start(**options) -> Emulator:
        options = {"customers": 120, "seed": 7, "plan": "unlimited", "token": TOKEN, "webhook_secret": SECRET,
                   "warm_cache": False, **options}  # fmt: skip
        app = create_app(**options)
        server = serve_in_thread(app)
        running.append(server)
        return Emulator(server.url, app)

    yield start
    for server in running:
        server.stop()


@pytest.fixture
def emulator(start_emulator) -> Emulator:
    return start_emulator()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answered in turn; 200 once they run out

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.requests) >= count, f"received {len(self.requests)} of {count} deliveries"
        return self.requests


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A tiny HTTP server that records every POST and answers with the queued statuses."""
    state = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                status = state.statuses.pop(0) if state.statuses else 200
                state.requests.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/shopify"
    yield state
    server.shutdown()
    server.server_close()
