"""Run dispatch latency and snapshot ingest throughput of the portal, as real processes.

    python bench/dispatch.py [--agents 1000] [--rates 10,20,30] [--target-rate 20] [--rate-runs 600]
                             [--concurrency 1,20] [--runs 2000] [--portals 2]
                             [--records 200000] [--batch 250] [--ingest-agents 4] [--window 8]

Needs PostgreSQL and Redis: DATABASE_URL names the server (the benchmark creates and drops its
own database on it, `ferry_bench`) and REDIS_URL the channel layer; without them it uses
postgres://postgres@127.0.0.1:5432/ferry_bench and redis://127.0.0.1:6379/3.

Setup (not measured): migrate, `integration_seed`, then 1,000 agents with tokens and one
published Customer Add workflow each (rows copied in bulk), `--portals` ASGI processes
(`python -m portal.serve`), and 1,000 protocol-speaking fake agents on websockets in this one
asyncio process, spread over the portals. Like real agents they send a heartbeat every
`heartbeat_s` of their welcome (20 s: ~50 heartbeats a second, each written by the portal)
throughout.

1. Dispatch: runs requested with POST /api/orgs/<slug>/runs/ (a personal token), each on an agent
   with no run in flight. Latency = from the POST to the fake agent sending `run.accepted`
   (run.start went out through the Redis channel layer from whichever portal process served the
   POST). Measured two ways:
   - open loop, the target's measure: runs requested at random moments, `--rates` a second
     (Poisson arrivals, `--rate-runs` at each rate), whatever is in flight; latency counts from
     the moment a run was due. Target: p99 < 100 ms at `--target-rate` (20 runs/s: each of the
     1,000 agents started a little more than once a minute). 10 and 30 show the curve around it.
   - closed loops, `--concurrency` POSTs in flight, each sent as one ends: ×1 is the latency of a
     lone request; the largest level keeps the portals saturated, so it measures their throughput
     (its latency is queueing: in flight / throughput, Little's law).
2. Ingest: `--ingest-agents` agents each open a run (`run.open`) and stream `snapshot.batch`
   frames of `--batch` realistic records (a Shopify customer of ~1.5 KB in, the Sage 300
   customer out), `--window` unacked frames each, until `--records` are acked. Target ≥ 20,000
   records/s. The records carry their File packed, as agents send them (agent_client.record_file);
   then as many again with the File as JSON objects, as older agents send them, on other agents.
   Baseline: the same rows inserted with psycopg2 `execute_values` from this process.

The portals get the environment of this process: DB_CONN_MAX_AGE=0 measures a new database
connection per request and per agent frame instead of the default persistent ones.

Prints a table, then (last line) one JSON object with the figures and the targets. Never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent_client.runner.outcome import empty_counts  # noqa: E402
from tests.helpers import (  # noqa: E402
    free_port,
    postgres_database_create,
    postgres_database_drop,
    stop,
    wait_for_port,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ferry_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
BENCH_DATABASE = "ferry_bench"
P99_TARGET_MS = 100.0
INGEST_TARGET = 20_000

CREATE_AGENTS = """
import json, os, uuid
from django.db import transaction
from portal.agents.models import Agent, AgentToken
from portal.tenants.models import Organization
from portal.tokens import token_hash, token_new, token_prefix
from portal.workflows.models import Workflow, WorkflowVersion

count = int(os.environ["BENCH_AGENTS"])
organization = Organization.objects.get(slug=os.environ["BENCH_ORGANIZATION"])
source = Workflow.objects.get(organization=organization, template="customer_add")
published = source.versions.get(state="published")
copied = [f.attname for f in WorkflowVersion._meta.concrete_fields if f.attname not in ("id", "workflow_id")]
with transaction.atomic():
    agents = Agent.objects.bulk_create(
        [Agent(organization=organization, name=f"bench-{i:05d}") for i in range(count)]
    )
    raws = [token_new("agt") for _ in agents]
    AgentToken.objects.bulk_create([
        AgentToken(organization=organization, agent=a, prefix=token_prefix(r), token_hash=token_hash(r))
        for a, r in zip(agents, raws)
    ])
    workflows = Workflow.objects.bulk_create([
        Workflow(organization=organization, name=f"Customer Add {i:05d}", template=source.template, agent=a,
                 public_id=uuid.uuid4())
        for i, a in enumerate(agents)
    ])
    versions = []
    for workflow in workflows:
        version = WorkflowVersion(**{name: getattr(published, name) for name in copied})
        version.workflow = workflow
        versions.append(version)
    WorkflowVersion.objects.bulk_create(versions)
print("BENCH_JSON:" + json.dumps({
    "organization_id": organization.pk,
    "plan_hash": published.plan_hash,
    "agents": [
        {"agent": a.pk, "token": r, "workflow": w.pk, "public_id": str(w.public_id)}
        for a, r, w in zip(agents, raws, workflows)
    ],
}))
"""


# -- processes --------------------------------------------------------------------------------
def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2
        ):
            return True
    except OSError:
        return False


class Portal:
    def __init__(self, database_url: str, redis_url: str, workdir: Path):
        from cryptography.fernet import Fernet

        self.workdir = workdir
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("CI", "DJANGO_SETTINGS_MODULE")},
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
            "FERRY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "FERRY_VAR_DIR": str(workdir / "var"),
            "PYTHONUNBUFFERED": "1",
        }
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str, stdin: str | None = None, **env: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env={**self.env, **env}, input=stdin,
            capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        if result.returncode != 0:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def serve(self) -> int:
        port = free_port()
        log = open(self.workdir / f"portal-{port}.log", "a")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "portal.serve", "--port", str(port)], cwd=ROOT,
            env={**self.env, "FERRY_PUBLIC_URL": f"http://127.0.0.1:{port}"},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.processes.append(process)
        wait_for_port(port, timeout=60, process=process)
        return port

    def close(self) -> None:
        for process in self.processes:
            stop(process)


# -- a small keep-alive HTTP/1.1 client (no extra dependency, no threads) --------------------
class Http:
    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict) -> tuple[int, dict]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        data = json.dumps(body).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAuthorization: Bearer {self.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:  # a keep-alive connection the server had closed: counted as a failure
            self.writer.close()
            self.reader = self.writer = None
            raise ConnectionResetError("the portal closed the connection before answering")
        status = int(status_line.split()[1])
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding") == "chunked":
            payload = b""
            while (size := int((await self.reader.readline()).strip(), 16)) > 0:
                payload += await self.reader.readexactly(size)
                await self.reader.readline()
            await self.reader.readline()
        else:
            payload = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.writer.close()
            self.reader = self.writer = None
        return status, json.loads(payload or b"{}")


# -- fake agents ------------------------------------------------------------------------------
class FakeAgent:
    def __init__(self, spec: dict, port: int):
        self.spec, self.port = spec, port
        self.ws = None
        self.waiter: asyncio.Future | None = None  # the next run.start, for the dispatch phase
        self.replies: dict[str, asyncio.Future] = {}  # frame id → reply (run.opened)
        self.window: asyncio.Semaphore | None = None
        self.acked = 0
        self.all_acked = asyncio.Event()
        self.expected_acks = 0
        self.errors: list[dict] = []

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(
            f"ws://127.0.0.1:{self.port}/ws/agent/v1/",
            additional_headers={"Authorization": f"Bearer {self.spec['token']}"},
            compression=None, max_size=None, ping_interval=None, open_timeout=60,
        )  # fmt: skip
        hello = {
            "type": "hello", "id": str(uuid.uuid4()), "protocol": 1, "agent_version": "bench", "hostname": "bench",
            "platform": "bench", "plans": {}, "lookups_hash": None, "running": [],
        }  # fmt: skip
        await self.ws.send(json.dumps(hello))
        welcome = json.loads(await self.ws.recv())
        if welcome["type"] != "welcome":
            raise SystemExit(f"agent {self.spec['agent']}: expected welcome, got {welcome}")
        self.listener = asyncio.create_task(self.listen())
        self.beating = asyncio.create_task(self.beat(welcome["heartbeat_s"]))

    async def beat(self, interval: float) -> None:
        """Heartbeats as a real agent sends them (1,000 agents: ~50 a second, each written)."""
        from websockets.exceptions import ConnectionClosed

        await asyncio.sleep(random.uniform(0, interval))
        while True:
            heartbeat = {
                "type": "heartbeat", "id": str(uuid.uuid4()), "running": [], "cpu_percent": 3.5, "rss_mb": 48.0,
                "outbox_depth": 0,
            }  # fmt: skip
            try:
                await self.ws.send(json.dumps(heartbeat))
            except ConnectionClosed:
                return
            await asyncio.sleep(interval)

    async def listen(self) -> None:
        async for text in self.ws:
            frame = json.loads(text)
            kind = frame["type"]
            if kind == "run.start":
                accepted = {
                    "type": "run.accepted",
                    "id": str(uuid.uuid4()),
                    "re": frame["id"],
                    "run_id": frame["run_id"],
                }
                await self.ws.send(json.dumps(accepted))
                sent = time.perf_counter()
                if self.waiter is not None and not self.waiter.done():
                    self.waiter.set_result((frame["run_id"], sent))
                # Finish it at once: a workflow runs once at a time, so an unfinished run would hold
                # the next run of this agent's workflow `queued` (not sent). With the counts a real
                # agent reports for a run that found nothing new: its node, all zeros.
                now = datetime.now(UTC).isoformat()
                finished = {
                    "type": "run.finished", "id": str(uuid.uuid4()), "run_id": frame["run_id"],
                    "status": "succeeded", "counts": {"customer_add": empty_counts()},
                    "cursor_before": None, "cursor_after": None,
                    "started_at": now, "finished_at": now, "error": None,
                }  # fmt: skip
                await self.ws.send(json.dumps(finished))
            elif kind == "snapshot.ack":
                self.acked += 1
                self.window.release()
                if self.acked == self.expected_acks:
                    self.all_acked.set()
            elif frame.get("re") in self.replies:
                self.replies.pop(frame["re"]).set_result(frame)
            elif kind == "error":
                self.errors.append(frame)

    async def ask(self, frame: dict) -> dict:
        future = asyncio.get_running_loop().create_future()
        self.replies[frame["id"]] = future
        await self.ws.send(json.dumps(frame))
        return await asyncio.wait_for(future, 60)


class GcPauses:
    """The collector's pauses in this process: a stalled event loop would count against the portal."""

    def __init__(self):
        self.pauses: list[float] = []
        self._started = 0.0
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((time.perf_counter() - self._started) * 1000)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)  # the nearest-rank percentile
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


class Dispatch:
    """One level of the dispatch measurement: runs requested through the API, timed to run.accepted."""

    def __init__(self, free: asyncio.Queue, ports: list[int], token: str, slug: str):
        self.free = free  # agents with no run in flight, shared by every level
        self.ports, self.token, self.slug = ports, token, slug
        self.idle: dict[int, list[Http]] = {port: [] for port in ports}  # keep-alive, not in use
        self.sent = 0
        self.latencies: list[float] = []
        self.responses: list[float] = []
        self.failures: list[str] = []

    async def run_once(self, agent: FakeAgent, since: float, measured: bool) -> None:
        """POST a run for the agent's workflow; latency counts from `since` (perf_counter)."""
        port = self.ports[self.sent % len(self.ports)]  # requests take turns on the portals
        self.sent += 1
        http = self.idle[port].pop() if self.idle[port] else Http(port, self.token)
        agent.waiter = asyncio.get_running_loop().create_future()
        if await self._timed(http, agent, since, measured):  # else its run may still come: not reused
            agent.waiter = None
            self.free.put_nowait(agent)

    async def _timed(self, http: Http, agent: FakeAgent, since: float, measured: bool) -> bool:
        """One POST and its run.accepted; False when the agent may still get a run (not reused)."""
        try:
            status, body = await http.post(
                f"/api/orgs/{self.slug}/runs/", {"workflow": agent.spec["workflow"]}
            )
        except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
            self.failures.append(f"POST failed: {exc!r}")
            return False  # the portal may have taken it: the agent is not given another run
        answered = time.perf_counter()
        self.idle[http.port].append(http)
        if status != 201:
            self.failures.append(f"POST answered {status}: {body}")
            return True
        try:
            run_id, accepted = await asyncio.wait_for(agent.waiter, 30)
        except TimeoutError:
            self.failures.append(f"run {body['id']}: no run.start within 30 s")
            return False
        if run_id != body["id"]:
            self.failures.append(f"agent got run {run_id}, the API made {body['id']}")
        elif measured:
            self.latencies.append((accepted - since) * 1000)
            self.responses.append((answered - since) * 1000)
        return True

    def close(self) -> None:
        for connections in self.idle.values():
            for http in connections:
                if http.writer is not None:
                    http.writer.close()

    async def closed_loop(self, runs: int, concurrency: int) -> float:
        """`concurrency` POSTs in flight, each sent when one ends; returns the seconds taken."""

        async def worker(budget: list[int], measured: bool) -> None:
            while budget[0] > 0:
                budget[0] -= 1
                agent = await self.free.get()
                await self.run_once(agent, time.perf_counter(), measured)

        warmup = [min(100, runs // 10)]
        await asyncio.gather(*[worker(warmup, False) for _ in range(concurrency)])
        budget, started = [runs], time.perf_counter()
        await asyncio.gather(*[worker(budget, True) for _ in range(concurrency)])
        return time.perf_counter() - started

    async def open_loop(self, runs: int, rate: float) -> float:
        """Runs requested at random moments (Poisson arrivals, `rate` a second), however many are in
        flight; latency counts from the moment a run was due, so a late send counts against us."""
        tasks, started = [], time.perf_counter()
        due = started
        for _ in range(runs):
            due += random.expovariate(rate)
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            if self.free.empty():
                self.failures.append("no agent free: every agent has a run in flight")
                continue
            tasks.append(asyncio.create_task(self.run_once(self.free.get_nowait(), due, True)))
        await asyncio.gather(*tasks)
        return due - started


# -- realistic snapshot records ---------------------------------------------------------------
def shopify_customer(n: int) -> dict:
    """A Shopify Admin API customer as the agent reads it (~1.5 KB of JSON)."""
    customer_id = 7_100_000_000 + n
    first, last = random.choice(["Ada", "Grace", "Alan", "Edsger", "Barbara"]), f"Tester{n}"
    address = {
        "id": 9_000_000_000 + n, "customer_id": customer_id, "first_name": first, "last_name": last,
        "company": f"Company {n % 97} Ltd", "address1": f"{n % 400 + 1} Main Street", "address2": "Suite 200",
        "city": "Vancouver", "province": "British Columbia", "country": "Canada", "zip": "V6B 1A1",
        "phone": f"+1-604-555-{n % 10000:04d}", "name": f"{first} {last}", "province_code": "BC",
        "country_code": "CA", "country_name": "Canada", "default": True,
    }  # fmt: skip
    return {
        "id": customer_id, "email": f"{first.lower()}.{last.lower()}@example.com", "created_at": "2024-03-01T10:00:00-05:00",
        "updated_at": "2025-01-02T10:00:00-05:00", "first_name": first, "last_name": last, "orders_count": n % 17,
        "state": "enabled", "total_spent": f"{n % 5000}.50", "last_order_id": 5_000_000_000 + n,
        "note": "Wholesale customer; invoice monthly.", "verified_email": True, "multipass_identifier": None,
        "tax_exempt": False, "tags": "wholesale, vip, newsletter", "last_order_name": f"#{1000 + n}",
        "currency": "CAD", "phone": f"+1604555{n % 10000:04d}", "addresses": [address],
        "tax_exemptions": [], "email_marketing_consent": {
            "state": "subscribed", "opt_in_level": "single_opt_in", "consent_updated_at": "2024-03-01T10:00:00-05:00",
        },
        "sms_marketing_consent": None, "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
        "default_address": address,
    }  # fmt: skip


def snapshot_records(start: int, count: int) -> list[dict]:
    records = []
    for n in range(start, start + count):
        customer = shopify_customer(n)
        number = f"SHP{n:07d}"
        failed = n % 20 == 0
        records.append({
            "record_key": str(customer["id"]), "source_id": str(customer["id"]),
            "destination_id": None if failed else number, "status": "failed" if failed else "success",
            "message": "Sage 300: Customer group 'RTL' does not exist." if failed else "", "tries": 1,
            "input": customer,
            "output": {"IDCUST": number, "NAMECUST": f"{customer['first_name']} {customer['last_name']}",
                       "IDGRP": "WHL", "TEXTSTRE1": "1 Main Street", "NAMECITY": "Vancouver", "CODESTTE": "BC",
                       "CODEPSTL": "V6B 1A1", "CODECTRY": "CA", "TEXTPHON1": customer["phone"],
                       "EMAIL1": customer["email"], "CODETAXGRP": "BCTAX", "CODETERM": "N30"},
            "response": {"status": 400, "error": {"code": "RecordNotFound"}} if failed
                        else {"status": 201, "IDCUST": number},
            "duration_ms": 14 + n % 30,
        })  # fmt: skip
    return records


def packed_records(records: list[dict]) -> list[dict]:
    """The records as the agent sends them: the File packed (agent_client.record_file)."""
    from agent_client.protocol import FILE_PARTS
    from agent_client.record_file import file_json, file_pack, json_text

    return [
        {
            **{k: v for k, v in r.items() if k not in FILE_PARTS},
            "file": file_pack(file_json(*(json_text(r[part]) for part in FILE_PARTS))),
        }
        for r in records
    ]


async def ingest(agents: list[FakeAgent], plan_hash: str, total: int, batch: int, window: int, packed: bool):
    per_agent = total // len(agents) // batch  # batches per agent
    # A few distinct batches, serialized (and packed) once, before the clock: the bench must not
    # eat the CPU the portal needs; a real agent packs its records as it goes.
    pools = [
        json.dumps(
            (packed_records if packed else list)(snapshot_records(i * batch, batch)), separators=(",", ":")
        )
        for i in range(8)
    ]
    runs = []
    for agent in agents:
        opened = await agent.ask({
            "type": "run.open", "id": str(uuid.uuid4()), "local_id": f"bench-ingest-{uuid.uuid4().hex[:8]}",
            "workflow_id": agent.spec["public_id"], "version": 1, "plan_hash": plan_hash, "trigger": "agent",
        })  # fmt: skip
        if opened["type"] != "run.opened":
            raise SystemExit(f"run.open refused: {opened}")
        runs.append(opened["run_id"])
        agent.window = asyncio.Semaphore(window)
        agent.expected_acks = per_agent

    async def stream(agent: FakeAgent, run_id: str) -> None:
        for seq in range(1, per_agent + 1):
            await agent.window.acquire()
            head = (
                f'{{"type":"snapshot.batch","id":"{uuid.uuid4()}","run_id":"{run_id}","seq":{seq},'
                f'"node_id":"customer_add","logs":[],"records":'
            )
            await agent.ws.send(head + pools[seq % len(pools)] + "}")
        await asyncio.wait_for(agent.all_acked.wait(), 600)

    started = time.perf_counter()
    await asyncio.gather(*[stream(agent, run_id) for agent, run_id in zip(agents, runs, strict=True)])
    elapsed = time.perf_counter() - started
    return runs, per_agent * batch * len(agents), elapsed


def baseline_insert(database_url: str, organization_id: int, run_id: str, total: int, batch: int):
    """The same rows with psycopg2 `execute_values`, one transaction per batch, as the portal commits."""
    import psycopg2
    from psycopg2.extras import execute_values

    parsed = urlparse(database_url)
    connection = psycopg2.connect(
        host=parsed.hostname, port=parsed.port or 5432, user=parsed.username, password=parsed.password,
        dbname=parsed.path.lstrip("/"),
    )  # fmt: skip
    from portal.runs.payloads import email_of, payload_pack

    # The rows exactly as the portal stores them, prepared before the clock starts.
    rows_by_pool = [
        [
            (r["record_key"], r["source_id"] or "", r["destination_id"] or "", r["status"], r["message"], r["tries"],
             psycopg2.Binary(payload_pack(input=r["input"], output=r["output"], response=r["response"])),
             email_of(r["input"]), r["duration_ms"])
            for r in snapshot_records(i * batch, batch)
        ]
        for i in range(8)
    ]  # fmt: skip
    sql = (
        "INSERT INTO runs_snapshotrecord (organization_id, run_id, node_id, seq, record_key, source_id, destination_id,"
        " status, message, tries, payload, email, duration_ms) VALUES %s"
    )
    template = f"({organization_id}, '{run_id}', 'baseline', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for seq in range(1, total // batch + 1):
            rows = [(seq, *row) for row in rows_by_pool[seq % len(rows_by_pool)]]
            execute_values(cursor, sql, rows, template=template, page_size=batch)
            connection.commit()
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def count_rows(database_url: str, sql: str, params: tuple) -> list[tuple]:
    import psycopg2

    parsed = urlparse(database_url)
    connection = psycopg2.connect(
        host=parsed.hostname, port=parsed.port or 5432, user=parsed.username, password=parsed.password,
        dbname=parsed.path.lstrip("/"),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    connection.close()
    return rows


# -- main -------------------------------------------------------------------------------------
async def measure(args, seeded: dict, ports: list[int], database_url: str) -> dict:
    specs = seeded["agents"]
    agents = [FakeAgent(spec, ports[i % len(ports)]) for i, spec in enumerate(specs)]
    gate = asyncio.Semaphore(50)

    async def connect(agent: FakeAgent) -> None:
        async with gate:
            await agent.connect()

    started = time.perf_counter()
    await asyncio.gather(*[connect(agent) for agent in agents])
    connect_s = time.perf_counter() - started
    print(f"{len(agents)} agents connected in {connect_s:.1f} s", file=sys.stderr)
    # This process's own collector pauses must not pass for the portal's latency (a full pass over
    # 1,000 connections and their heartbeats took up to 120 ms here): off while dispatch is
    # measured, a few minutes in which only cyclic garbage waits; the pauses left are printed.
    gc.collect()
    gc.freeze()
    gc.disable()
    collector = GcPauses()

    # The closed loop with one POST in flight first (it warms the portals up), then the arrival
    # rates, then the saturating closed loops: their backlog would spill into a rate measured after.
    closed = sorted(args.concurrency)
    phases = [
        ("closed", closed[0]),
        *[("rate", rate) for rate in args.rates],
        *[("closed", c) for c in closed[1:]],
    ]
    free: asyncio.Queue[FakeAgent] = asyncio.Queue()
    for agent in random.sample(agents, len(agents)):
        free.put_nowait(agent)
    levels = {}
    for kind, value in phases:
        measuring = Dispatch(free, ports, seeded["api_token"], seeded["organization"])
        if kind == "rate":
            seconds = await measuring.open_loop(args.rate_runs, value)
            label = f"{value:g} runs/s offered"
        else:
            seconds = await measuring.closed_loop(args.runs if value > 1 else min(args.runs, 200), value)
            label = f"×{value} in flight"
        measuring.close()
        levels[label] = {"kind": kind, "value": value, "dispatch": measuring, "s": seconds}
        print(
            f"dispatch {label}: {len(measuring.latencies)} runs in {seconds:.1f} s, "
            f"{len(measuring.failures)} failures",
            file=sys.stderr,
        )
    gc_pauses = list(collector.pauses)
    gc.enable()
    statuses = dict(
        count_rows(
            database_url, "SELECT status, count(*) FROM runs_run WHERE local_id = '' GROUP BY status", ()
        )
    )

    ingests = {}
    for number, packed in enumerate((True, False)):  # as agents send them, then as older agents did
        ingesting = agents[number * args.ingest_agents : (number + 1) * args.ingest_agents]
        runs, records, ingest_s = await ingest(
            ingesting, seeded["plan_hash"], args.records, args.batch, args.window, packed
        )
        stored = count_rows(
            database_url, "SELECT count(*) FROM runs_snapshotrecord WHERE run_id::text = ANY(%s)", (runs,)
        )[0][0]
        ingests["packed" if packed else "json"] = {
            "runs": runs,
            "records": records,
            "s": ingest_s,
            "stored": stored,
        }
        print(f"ingest ({'packed' if packed else 'JSON'} Files): {records} records in {ingest_s:.1f} s "
              f"({stored} stored)", file=sys.stderr)  # fmt: skip
    errors = [error for agent in agents for error in agent.errors]
    for agent in agents:
        agent.beating.cancel()
        await agent.ws.close()
    records = ingests["packed"]["records"]
    baseline_s = baseline_insert(
        database_url, seeded["organization_id"], ingests["packed"]["runs"][0], records, args.batch
    )
    return {
        "connect_s": connect_s,
        "levels": levels,
        "gc_pauses": gc_pauses,
        "statuses": statuses,
        "ingests": ingests,
        "records": records,
        "baseline_s": baseline_s,
        "errors": errors,
    }


def report(args, result: dict) -> None:
    levels = result["levels"]
    headline = levels[f"{args.target_rate:g} runs/s offered"]["dispatch"]
    lat = headline.latencies
    p50, p99 = (percentile(lat, 0.5), percentile(lat, 0.99)) if lat else (float("nan"), float("nan"))
    saturating = max((d for d in levels.values() if d["kind"] == "closed"), key=lambda d: d["value"])
    packed, as_json = result["ingests"]["packed"], result["ingests"]["json"]
    rate, rate_json = packed["records"] / packed["s"], as_json["records"] / as_json["s"]
    baseline = result["records"] / result["baseline_s"]
    rows = [
        ("agents connected", f"{args.agents}", f"in {result['connect_s']:.1f} s"),
        ("portal processes", f"{args.portals}", "PostgreSQL + Redis channel layer"),
    ]
    for label, data in levels.items():
        measured = data["dispatch"]
        lat_l, resp_l = measured.latencies, measured.responses
        if not lat_l:
            continue
        target = f"target p99 < {P99_TARGET_MS:.0f} ms" if measured is headline else ""
        failures = f"{len(measured.failures)} failures {'; '.join(measured.failures[:2])}"
        rows += [
            (f"{label}: runs", f"{len(lat_l)}", f"{len(lat_l) / data['s']:.1f} runs/s, {failures}"),
            (f"{label}: POST → run.accepted p50/p99",
             f"{percentile(lat_l, 0.5):.1f} / {percentile(lat_l, 0.99):.1f} ms", target),
            (f"{label}: POST answered p50/p99",
             f"{percentile(resp_l, 0.5):.1f} / {percentile(resp_l, 0.99):.1f} ms", ""),
        ]  # fmt: skip
    pauses = result["gc_pauses"]
    rows += [
        ("this process's GC pauses (dispatch)", f"{len(pauses)}",
         f"longest {max(pauses, default=0):.1f} ms, {sum(pauses):.0f} ms in all"),
        ("run statuses after dispatch", json.dumps(result["statuses"]), ""),
        ("snapshot records ingested", f"{result['records']:,}", f"{packed['stored']:,} rows stored, "
         f"{args.ingest_agents} agents × {args.batch}-record batches, window {args.window}"),
        ("ingest rate (Files packed, as agents send them)", f"{rate:,.0f} records/s", f"target ≥ {INGEST_TARGET:,}"),
        ("ingest rate (Files as JSON, older agents)", f"{rate_json:,.0f} records/s",
         f"{as_json['stored']:,} rows stored, the same records"),
        ("baseline: psycopg2 execute_values", f"{baseline:,.0f} records/s", "same rows, one commit per batch"),
        ("error frames", f"{len(result['errors'])}", json.dumps(result["errors"][:2])[:100]),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>22}  {note}")
    figures = {
        "agents": args.agents,
        "portals": args.portals,
        "offered_runs_per_s": args.target_rate,
        "runs": len(lat),
        "dispatch_p50_ms": round(p50, 1),
        "dispatch_p99_ms": round(p99, 1),
        "dispatch_p99_target_ms": P99_TARGET_MS,
        "dispatch_failures": sum(len(d["dispatch"].failures) for d in levels.values()),
        **{
            f"dispatch_p99_ms_{'at_rate' if d['kind'] == 'rate' else 'in_flight'}_{d['value']:g}": round(
                percentile(d["dispatch"].latencies, 0.99), 1
            )
            for d in levels.values()
            if d["dispatch"].latencies
        },
        "saturation_runs_per_s": round(len(saturating["dispatch"].latencies) / saturating["s"], 1),
        "records": result["records"],
        "ingest_records_per_s": round(rate),
        "ingest_json_files_records_per_s": round(rate_json),
        "ingest_target_records_per_s": INGEST_TARGET,
        "baseline_execute_values_records_per_s": round(baseline),
        "db_conn_max_age": int(os.environ.get("DB_CONN_MAX_AGE", "300")),
    }
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=2000)
    numbers = lambda kind: lambda text: [kind(part) for part in text.split(",")]  # noqa: E731
    parser.add_argument(
        "--concurrency",
        type=numbers(int),
        default=[1, 20],
        help="closed loops: POSTs in flight, each sent when one ends (the largest shows saturation)",
    )
    parser.add_argument(
        "--rates", type=numbers(float), default=[10.0, 20.0, 30.0], help="open loops: runs requested a second"
    )
    parser.add_argument("--rate-runs", type=int, default=600, help="runs requested at each rate")
    parser.add_argument(
        "--target-rate",
        type=float,
        default=20.0,
        help="the rate whose p99 is held against the target (one of --rates)",
    )
    parser.add_argument("--portals", type=int, default=2)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=250, help="records a frame (the agent sends up to 250)")
    parser.add_argument("--ingest-agents", type=int, default=4)
    parser.add_argument("--window", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the bench database (to look around)")
    args = parser.parse_args()
    if args.target_rate not in args.rates:
        parser.error(f"--target-rate {args.target_rate:g} must be one of --rates")

    server_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if (
        not server_url.startswith("postgres")
        or not reachable(server_url, 5432)
        or not reachable(redis_url, 6379)
    ):
        raise SystemExit(
            "This benchmark needs PostgreSQL and Redis. Set DATABASE_URL (a PostgreSQL server; the bench creates "
            f"and drops its own database {BENCH_DATABASE!r} on it) and REDIS_URL, e.g.\n"
            f"  DATABASE_URL={DEFAULT_DATABASE_URL} REDIS_URL={DEFAULT_REDIS_URL} python bench/dispatch.py"
        )
    database_url = urlunparse(urlparse(server_url)._replace(path=f"/{BENCH_DATABASE}"))
    if "socket_timeout" not in redis_url:
        # redis-py 8 reads with a 5 s timeout, as long as channels_redis' BZPOPMIN wait: without a
        # longer one every idle agent socket dies with 1011 after ~5 s (portal/settings.py sets it too).
        redis_url += ("&" if "?" in redis_url else "?") + "socket_timeout=30"
        print(f"note: the portals use REDIS_URL={redis_url}", file=sys.stderr)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = args.agents * 2 + 500  # our sockets, and the portals' (they inherit the limit)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft < needed:
        print(f"warning: only {soft} file descriptors (hard limit {hard}); {needed} wanted", file=sys.stderr)

    postgres_database_create(database_url)
    workdir = Path(tempfile.mkdtemp(prefix="ferry-bench-"))
    portal = Portal(database_url, redis_url, workdir)
    try:
        print(f"setup: migrate, seed, {args.agents} agents (logs in {workdir})", file=sys.stderr)
        portal.manage("migrate", "--noinput", "-v", "0")
        seed = json.loads(
            portal.manage("integration_seed", "--organization", "Bench Company").strip().splitlines()[-1]
        )
        output = portal.manage(
            "shell",
            stdin=CREATE_AGENTS,
            BENCH_AGENTS=str(args.agents),
            BENCH_ORGANIZATION=seed["organization"],
        )
        created = json.loads(
            next(line for line in output.splitlines() if line.startswith("BENCH_JSON:"))[11:]
        )
        seeded = {**created, "api_token": seed["api_token"], "organization": seed["organization"]}
        ports = [portal.serve() for _ in range(args.portals)]
        result = asyncio.run(measure(args, seeded, ports, database_url))
    finally:
        portal.close()
        if not args.keep:
            postgres_database_drop(database_url)
    report(args, result)


if __name__ == "__main__":
    main()
