"""The whole product as real processes: a database of its own, portal ASGI servers, the agent.

PostgreSQL and Redis come from DATABASE_URL / REDIS_URL when set (CI); otherwise the portal
runs on an SQLite file with the in-memory channel layer (one portal process only).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib
import uuid
from pathlib import Path

import requests
import tomli_w

from tests.helpers import (
    ROOT,
    embedded_env,
    free_port,
    portal_serve,
    postgres_database_create,
    postgres_database_drop,
    stop,
    url_with_path,
)

FERNET_KEY = "ZTJlLXRlc3RzLWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2g="


class Stack:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.database_url = os.environ.get("DATABASE_URL", "")
        self.redis_url = os.environ.get("REDIS_URL", "")
        self._database = ""
        if self.database_url.startswith("postgres"):
            self._database = f"ferry_e2e_{uuid.uuid4().hex[:10]}"
            self.database_url = url_with_path(self.database_url, self._database)
            postgres_database_create(self.database_url)
        self.processes: list[subprocess.Popen] = []

    @property
    def multi_process(self) -> bool:
        return bool(self._database and self.redis_url)

    def env(self, **extra: str) -> dict[str, str]:
        env = embedded_env(
            SECRET_KEY="e2e-tests-secret-key-0123456789abcdefghijklmnop",
            FERRY_ENCRYPTION_KEYS=FERNET_KEY,
            DEBUG="0",
            SECURE_SSL_REDIRECT="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            WHITENOISE_USE_FINDERS="1",
            FERRY_VAR_DIR=str(self.workdir / "var"),
            PYTHONUNBUFFERED="1",
        )
        if self._database:
            env["DATABASE_URL"] = self.database_url
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        env.update(extra)
        return env

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def seed(self, shop_url: str, sage_url: str) -> dict:
        self.manage("migrate", "--noinput", "-v", "0")
        output = self.manage(
            "integration_seed",
            "--shop-url",
            shop_url,
            "--sage-url",
            f"{sage_url}/Sage300WebApi/v1.0",
            "--organization",
            "E2E Company",
        )
        return json.loads(output.strip().splitlines()[-1])

    def portal(self, port: int | None = None) -> tuple[subprocess.Popen, str]:
        port = port or free_port()
        log = open(self.workdir / f"portal-{port}.log", "a")  # noqa: SIM115 - closed with the process
        process = portal_serve(port, env=self.env(FERRY_PUBLIC_URL=f"http://127.0.0.1:{port}"), log=log)
        self.processes.append(process)
        return process, f"http://127.0.0.1:{port}"

    def agent_configure(self, portal_url: str, code: str, shop_url: str, sage_url: str) -> Path:
        config = self.workdir / "ferry-agent.toml"
        self.ferry_agent(
            config,
            "config",
            "init",
            "--shop-url",
            shop_url,
            "--shopify-token",
            "shpat_demo",
            "--sage-url",
            f"{sage_url}/Sage300WebApi/v1.0",
            "--company",
            "SAMINC",
            "--user",
            "WEBAPI",
            "--password",
            "webapi",
        )
        self.ferry_agent(config, "register", "--portal", portal_url, "--code", code)
        data = tomllib.loads(config.read_text())
        data["portal"]["auto_update"] = True  # pull published plans and lookup tables when told
        config.write_text(tomli_w.dumps(data))
        return config

    def ferry_agent(self, config: Path, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "agent_client", "--config", str(config), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def agent(self, config: Path) -> subprocess.Popen:
        log = open(self.workdir / "agent.log", "a")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "agent_client", "--config", str(config), "run"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def close(self) -> None:
        for process in self.processes:
            stop(process)
        if self._database:
            postgres_database_drop(self.database_url)


class Api:
    def __init__(self, base: str, token: str, organization: str):
        self.base, self.organization = base, organization
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def url(self, path: str) -> str:
        return f"{self.base}/api/orgs/{self.organization}/{path}"

    def run(self, workflow_id: int) -> dict:
        response = self.session.post(self.url("runs/"), json={"workflow": workflow_id}, timeout=30)
        assert response.status_code == 201, response.text
        return response.json()

    def get_run(self, run_id: str) -> dict:
        return self.session.get(self.url(f"runs/{run_id}/"), timeout=30).json()

    def wait(self, run_id: str, statuses: set[str], timeout: float = 180) -> dict:
        return self.wait_until(
            run_id, lambda run: run["status"] in statuses, f"in {sorted(statuses)}", timeout
        )

    def wait_until(self, run_id: str, reached, what: str, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.get_run(run_id)
            if reached(run):
                return run
            time.sleep(0.2)
        raise AssertionError(
            f"run {run_id} is not {what} after {timeout}s: {run['status']}, {run['records_read']} read"
        )

    def records(self, run_id: str, node: str) -> list[dict]:
        rows, after = [], None
        while True:
            params = {"node": node, "limit": 500, **({"after": after} if after else {})}
            page = self.session.get(self.url(f"runs/{run_id}/records/"), params=params, timeout=30).json()
            rows += page["results"]
            after = page["next_after"]
            if after is None:
                return rows
