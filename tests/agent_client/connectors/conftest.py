"""Servers the connector tests talk to.

The real emulators (`emulators.shopify`, `emulators.sage300`) run on background threads, one
per module, reset before each test. Two tiny fakes cover what an emulator should not offer: a
Shopify whose bucket leaks fast enough to measure pacing in seconds and whose answers a test can
script, and a Sage that never sends `@odata.nextLink` or answers a create too late.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from dataclasses import dataclass, field

import pytest
import requests
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulators.common.server import RunningServer, serve_in_thread

SHOPIFY_TOKEN = "shpat_demo"
SAGE_USER, SAGE_PASSWORD = "WEBAPI", "webapi"


def control(url: str, name: str, payload: dict | None = None) -> dict:
    """GET (payload None) or POST an emulator's `/_emulator/{name}` endpoint."""
    if payload is None:
        response = requests.get(f"{url}/_emulator/{name}", timeout=10)
    else:
        response = requests.post(f"{url}/_emulator/{name}", json=payload, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


class SleepRecorder:
    """An injected `sleep` that records every wait and runs a hook instead of sleeping."""

    def __init__(self, hook=None) -> None:
        self.calls: list[float] = []
        self.hook = hook

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if self.hook is not None:
            self.hook(len(self.calls))


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


# Real emulators


@pytest.fixture(scope="module")
def shopify_server():
    from emulators.shopify.app import create_app

    app = create_app(customers=600, seed=7, plan="plus", token=SHOPIFY_TOKEN)
    server = serve_in_thread(app)
    server.app = app  # type: ignore[attr-defined]  # tests read the ground truth from app.state.shop
    yield server
    server.stop()


@pytest.fixture
def shopify_url(shopify_server: RunningServer) -> str:
    control(shopify_server.url, "reset", {})
    return shopify_server.url


@pytest.fixture(scope="module")
def sage_server():
    from emulators.sage300.app import create_app

    server = serve_in_thread(create_app(companies=("SAMINC",), user=SAGE_USER, password=SAGE_PASSWORD))
    yield server
    server.stop()


@pytest.fixture
def sage_url(sage_server: RunningServer) -> str:
    control(sage_server.url, "reset", {})
    return sage_server.url


# Fake Shopify


@dataclass
class Scripted:
    status: int
    body: object
    headers: dict[str, str] = field(default_factory=dict)


class FakeShopify:
    """Customers `1..count` (updated_at ascending with the id), a leaky bucket, scripted answers.

    `script` answers the next requests in order before the normal logic runs; `log` holds
    (monotonic time, method, path with query, status) of every request.
    """

    def __init__(self, *, count: int = 0, size: int = 40, leak: float = 2.0) -> None:
        self.count = count
        self.size = size
        self.leak = leak
        self.level = 0.0
        self.stamp = time.monotonic()
        self.script: list[Scripted] = []
        self.fail_when: tuple[str, int] | None = None  # (fragment of path?query, status) answered every time
        self.delay = 0.0
        self.log: list[tuple[float, str, str, int]] = []
        self.lock = threading.Lock()

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route("/admin/api/{version}/{path:path}", self.endpoint, methods=["GET", "POST"])]
        )

    async def endpoint(self, request: Request) -> Response:
        target = f"{request.url.path}?{request.url.query}"
        response = self.answer(request, target)
        with self.lock:
            self.log.append((time.monotonic(), request.method, target, response.status_code))
        await asyncio.sleep(self.delay)
        return response

    def answer(self, request: Request, target: str) -> Response:
        with self.lock:
            if self.fail_when and self.fail_when[0] in target:
                return JSONResponse({"errors": f"failing {self.fail_when[0]}"}, self.fail_when[1])
            if self.script:
                scripted = self.script.pop(0)
                return JSONResponse(scripted.body, scripted.status, headers=scripted.headers)
        if request.headers.get("x-shopify-access-token") != SHOPIFY_TOKEN:
            return JSONResponse({"errors": "[API] Invalid API key or access token"}, 401)
        with self.lock:
            now = time.monotonic()
            self.level = max(0.0, self.level - (now - self.stamp) * self.leak)
            self.stamp = now
            if self.level + 1 > self.size:
                headers = {
                    "Retry-After": f"{1 / self.leak:.1f}",
                    "X-Shopify-Shop-Api-Call-Limit": f"{self.size}/{self.size}",
                }
                return JSONResponse(
                    {"errors": "Exceeded calls per second for api client."}, 429, headers=headers
                )
            self.level += 1
            limit = f"{max(1, math.ceil(self.level))}/{self.size}"
        headers = {"X-Shopify-Shop-Api-Call-Limit": limit}
        path = request.path_params["path"]
        if path == "shop.json":
            return JSONResponse({"shop": {"id": 1, "name": "Fake"}}, headers=headers)
        if path == "customers.json":
            offset = int(request.query_params.get("page_info", "0"))
            limit_rows = int(request.query_params.get("limit", "50"))
            ids = list(range(offset + 1, min(offset + limit_rows, self.count) + 1))
            if offset + limit_rows < self.count:
                base = str(request.url).split("?")[0]
                headers["Link"] = f'<{base}?limit={limit_rows}&page_info={offset + limit_rows}>; rel="next"'
            rows = [{"id": i, "updated_at": f"2025-01-01T00:00:{i:02d}Z"} for i in ids]
            return JSONResponse({"customers": rows}, headers=headers)
        return JSONResponse({"errors": "Not Found"}, 404, headers=headers)

    def requests_for(self, fragment: str) -> list[tuple[float, str, str, int]]:
        with self.lock:
            return [entry for entry in self.log if fragment in entry[2]]


@pytest.fixture
def fake_shopify():
    fakes: list[RunningServer] = []

    def start(**kwargs) -> tuple[FakeShopify, str]:
        fake = FakeShopify(**kwargs)
        server = serve_in_thread(fake.app())
        fakes.append(server)
        return fake, server.url

    yield start
    for server in fakes:
        server.stop()


# Fake Sage 300


class FakeSage:
    """ARCustomers only: a feed paged by `$skip` without `@odata.nextLink`, and a POST that
    answers after `post_delay` seconds (storing the record first if `post_applies`)."""

    def __init__(self, *, count: int = 0, page_size: int = 100) -> None:
        self.records = {f"C{i:05d}": {"CustomerNumber": f"C{i:05d}"} for i in range(1, count + 1)}
        self.page_size = page_size
        self.post_delay = 0.0
        self.post_applies = True
        self.log: list[str] = []

    def app(self) -> Starlette:
        path = "/Sage300WebApi/v1.0/-/SAMINC/AR/{rest:path}"
        return Starlette(routes=[Route(path, self.endpoint, methods=["GET", "POST"])])

    async def endpoint(self, request: Request) -> Response:
        rest = request.path_params["rest"]
        self.log.append(f"{request.method} {rest}?{request.url.query}")
        if request.method == "POST":
            payload = json.loads(await request.body())
            if self.post_applies:
                self.records[payload["CustomerNumber"]] = payload
            await asyncio.sleep(self.post_delay)
            return JSONResponse(payload, 201)
        if rest.startswith("ARCustomers('"):
            record = self.records.get(rest[len("ARCustomers('") : -2])
            if record is None:
                body = {
                    "error": {"code": "RecordNotFound", "message": {"lang": "en-US", "value": "Not found"}}
                }
                return JSONResponse(body, 404)
            return JSONResponse(record)
        skip = int(request.query_params.get("$skip", "0"))
        rows = sorted(self.records.values(), key=lambda r: r["CustomerNumber"])[skip : skip + self.page_size]
        return JSONResponse({"value": rows})


@pytest.fixture
def fake_sage():
    servers: list[RunningServer] = []

    def start(**kwargs) -> tuple[FakeSage, str]:
        fake = FakeSage(**kwargs)
        server = serve_in_thread(fake.app())
        servers.append(server)
        return fake, server.url + "/Sage300WebApi/v1.0"

    yield start
    for server in servers:
        server.stop()
