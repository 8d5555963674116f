"""The production topology on one machine (deploy/local-cluster): two ASGI portals, a Celery worker
and beat started by the Procfile runner, against a fresh PostgreSQL database and Redis.

It proves what only that topology shows: a run requested on one portal reaches the agent connected
to the other (Redis channel layer), Shopify's webhook deliveries are processed by the worker
process (the portals queue the task, they do not run it), and a workflow's schedule is fired by
beat and run by the worker.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.stack import Api, Stack
from tests.emulator_processes import start_sage, start_shopify
from tests.helpers import ROOT, embedded_env, free_port, stop, url_with_path, wait_for_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
RUNNER = ROOT / "deploy" / "local-cluster" / "run.py"
REDIS_DB = 6  # a database of its own: flushed first, shared with no other test
CUSTOMERS = 150
WEBHOOK_SECRET = "shpss_demo"  # what the Shopify emulator signs with by default
FINAL = {"succeeded", "completed_with_errors", "failed", "cancelled", "lost"}
STACK_KEYS = (
    "SECRET_KEY", "FERRY_ENCRYPTION_KEYS", "DEBUG", "SECURE_SSL_REDIRECT", "ALLOWED_HOSTS",
    "WHITENOISE_USE_FINDERS", "FERRY_VAR_DIR", "DATABASE_URL", "REDIS_URL", "PYTHONUNBUFFERED",
)  # fmt: skip


def _services_or_skip() -> str:
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url.startswith("redis"):
        pytest.skip(
            "the local cluster needs PostgreSQL and Redis: set DATABASE_URL=postgres://… and REDIS_URL=redis://… "
            "(CI does)"
        )
    return url_with_path(redis_url, str(REDIS_DB))


@pytest.fixture
def cluster_stack(tmp_path):
    redis_url = _services_or_skip()
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    stack = Stack(tmp_path)
    stack.redis_url = redis_url
    yield stack
    stack.close()


@pytest.fixture
def emulators():
    shopify, sage = start_shopify(customers=CUSTOMERS, seed=11), start_sage()
    yield shopify, sage
    shopify.stop()
    sage.stop()


class Runner:
    """deploy/local-cluster/run.py as a real process; its prefixed output goes to a file."""

    def __init__(self, stack: Stack, env_file: Path):
        self.log = stack.workdir / "cluster.log"
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(RUNNER), "--env-file", str(env_file), "--stop-timeout", "10"],
                cwd=ROOT,
                env=embedded_env(),  # only the env file configures the cluster
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def lines(self, name: str) -> list[str]:
        prefix = re.compile(rf"^{re.escape(name)}\s+\| ")
        return [line for line in self.log.read_text().splitlines() if prefix.match(line)]

    def pid(self, name: str) -> int:
        for line in self.lines("run"):
            found = re.search(rf"\| {name} started \(pid (\d+)\)", line)
            if found:
                return int(found[1])
        raise AssertionError(f"the runner never started {name}:\n{self.log.read_text()}")

    def stop(self) -> None:
        stop(self.process)


def _env_file(stack: Stack, path: Path, **extra: str) -> Path:
    env = stack.env()
    values = {key: env[key] for key in STACK_KEYS if key in env} | extra
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    return path


def _settings_of(pid: int) -> list[str]:
    """The settings a running process was started with, read back through its own environment."""
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    env = dict(item.decode().split("=", 1) for item in raw if b"=" in item)
    env.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")  # what portal.asgi and portal.celery set
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, s.CHANNEL_LAYERS['default']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def _wait(predicate, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what} after {timeout}s")


def _deliveries(stack: Stack) -> list[tuple]:
    import psycopg2

    with psycopg2.connect(stack.database_url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT webhook_id, topic, processed_at IS NOT NULL, run_id::text FROM webhooks_webhookdelivery"
        )
        rows = cursor.fetchall()
    connection.close()
    return rows


def test_it_runs_the_production_topology_on_one_machine(cluster_stack, emulators):
    stack, (shopify, sage) = cluster_stack, emulators
    seeded = stack.seed(shopify.url, sage.url)
    ports = {"PORTAL1_PORT": free_port(), "PORTAL2_PORT": free_port()}
    portal1, portal2 = (f"http://127.0.0.1:{port}" for port in ports.values())
    env_file = _env_file(
        stack,
        stack.workdir / "local.env",
        FERRY_PUBLIC_URL=portal2,  # webhook addresses point at the second portal
        WORKER_CONCURRENCY="2",
        **{key: str(port) for key, port in ports.items()},
    )
    runner = Runner(stack, env_file)
    try:
        for port in ports.values():
            wait_for_port(port, timeout=60, process=runner.process)
        _wait(lambda: any("ready" in line for line in runner.lines("worker")), "the worker is not ready")
        _wait(lambda: any("beat: Starting" in line for line in runner.lines("beat")), "beat did not start")

        # Every process got the env file: Redis broker and channel layer, tasks NOT run in-process.
        expected = ["False", stack.redis_url, "channels_redis.core.RedisChannelLayer"]
        for name in ("portal1", "portal2", "worker"):
            assert _settings_of(runner.pid(name)) == expected, name
        health = subprocess.run(
            [sys.executable, "deploy/healthcheck.py", "--port", str(ports["PORTAL1_PORT"])],
            cwd=ROOT,
            env=embedded_env(FERRY_PUBLIC_URL=portal2),
            capture_output=True,
            text=True,
        )
        assert health.returncode == 0, health.stderr

        # The agent holds its socket on portal 1; the run is requested on portal 2.
        config = stack.agent_configure(portal1, seeded["registration_code"], shopify.url, sage.url)
        stack.agent(config)
        api = Api(portal2, seeded["api_token"], seeded["organization"])
        _wait(
            lambda: [
                a for a in api.session.get(api.url("agents/"), timeout=10).json()["results"] if a["online"]
            ],
            "the agent never came online",
        )
        add = api.run(seeded["workflows"]["customer_add"]["id"])
        done = api.wait(add["id"], FINAL, timeout=120)
        assert done["status"] == "succeeded", done
        assert [t["status"] for t in done["transitions"]][:3] == ["queued", "dispatched", "running"]
        assert done["records_read"] == CUSTOMERS
        assert len(api.records(add["id"], "customer_add")) == done["records_read"]

        # Shopify → portal 2 → Redis → worker → run on the agent (behind portal 1).
        shopify_connection = next(
            c
            for c in api.session.get(api.url("connections/"), timeout=10).json()["results"]
            if c["kind"] == "shopify"
        )
        patched = api.session.patch(
            api.url(f"connections/{shopify_connection['id']}/"),
            json={"secrets": {"webhook_secret": WEBHOOK_SECRET}},
            timeout=10,
        )
        assert patched.status_code == 200, patched.text
        endpoint = api.session.post(
            api.url("webhook-endpoints/"), json={"connection": shopify_connection["id"]}, timeout=10
        ).json()
        assert endpoint["url"].startswith(f"{portal2}/hooks/shopify/") and endpoint["webhook_secret_set"]
        subscribed = requests.post(
            f"{shopify.url}/admin/api/2025-07/webhooks.json",
            headers={"X-Shopify-Access-Token": "shpat_demo"},
            json={"webhook": {"topic": "customers/update", "address": endpoint["url"], "format": "json"}},
            timeout=10,
        )
        assert subscribed.status_code == 201, subscribed.text
        shopify.control("touch", {"count": 3, "seed": 21})

        rows = _wait(
            lambda: (
                (r := _deliveries(stack)) and len(r) == 3 and all(processed for _, _, processed, _ in r) and r
            ),
            "the three deliveries were not all processed",
        )
        assert {topic for _, topic, _, _ in rows} == {"customers/update"}
        webhook_runs = {run_id for *_, run_id in rows}
        assert None not in webhook_runs
        for run_id in webhook_runs:
            finished = api.wait(run_id, FINAL, timeout=120)
            assert (finished["trigger"], finished["status"]) == ("webhook", "succeeded"), f"{finished}"
        stats = shopify.control("webhooks")
        assert (stats["delivered"], stats["failed_attempts"]) == (3, 0)

        # A schedule: beat (reading its entry from the database) → Redis → worker → a run on the agent.
        update_id = seeded["workflows"]["customer_update"]["id"]
        scheduled = api.session.put(
            api.url(f"workflows/{update_id}/schedule/"),
            json={"mode": "interval", "every_minutes": 1},
            timeout=10,
        )
        assert scheduled.status_code == 200, scheduled.text
        tick = _wait(
            lambda: [
                r
                for r in api.session.get(api.url("runs/"), timeout=10).json()["results"]
                if r["trigger"] == "schedule"
            ],
            "beat never fired the schedule",
            timeout=150,
        )[0]
        assert api.wait(tick["id"], FINAL, timeout=120)["status"] == "succeeded"
        assert api.session.delete(api.url(f"workflows/{update_id}/schedule/"), timeout=10).status_code == 204

        # The worker consumed the tasks; no portal ran one itself.
        worker_log = "\n".join(runner.lines("worker"))
        for webhook_id, *_ in rows:
            assert f"webhook delivery {webhook_id} (customers/update" in worker_log
        assert len(re.findall(r"Task webhooks\.delivery_process\[[0-9a-f-]+\] received", worker_log)) >= 3
        assert re.search(r"Task schedules\.fire\[[0-9a-f-]+\] received", worker_log)
        for name in ("portal1", "portal2"):
            assert not [line for line in runner.lines(name) if "delivery_process" in line], name
    finally:
        runner.stop()
    assert runner.process.returncode == 0, runner.log.read_text()[-3000:]
    assert "stopping beat" in runner.log.read_text()
