"""The scripted demo story: Customer Add, 50 edits in Shopify, Customer Update with Address Update."""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests

FINAL = {"succeeded", "completed_with_errors", "failed", "cancelled", "lost"}


@dataclass
class PortalApi:
    base: str
    organization: str
    token: str

    def __post_init__(self):
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def url(self, path: str) -> str:
        return f"{self.base}/api/orgs/{self.organization}/{path}"

    def agent_online(self, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            agents = self.session.get(self.url("agents/"), timeout=10).json()["results"]
            if agents and agents[0]["online"]:
                return agents[0]
            time.sleep(0.3)
        raise RuntimeError("the agent did not connect to the portal: see var/demo/agent.log")

    def run(self, workflow_id: int, timeout: float = 600) -> tuple[dict, float]:
        started = time.monotonic()
        response = self.session.post(self.url("runs/"), json={"workflow": workflow_id}, timeout=30)
        if response.status_code != 201:
            raise RuntimeError(f"the portal refused the run: {response.json().get('detail', response.text)}")
        run_id = response.json()["id"]
        while time.monotonic() - started < timeout:
            run = self.session.get(self.url(f"runs/{run_id}/"), timeout=10).json()
            if run["status"] in FINAL:
                return run, time.monotonic() - started
            time.sleep(0.3)
        raise RuntimeError(f"run {run_id} did not finish within {timeout:.0f} s")


def run_summary(name: str, run: dict, seconds: float) -> str:
    lines = [f"{name}: {run['status']} in {seconds:.1f} s" + (f" — {run['error']}" if run["error"] else "")]
    for node_id, counts in run["counts"].items():
        lines.append(
            f"    {node_id:<16} read {counts['read']:>5}  succeeded {counts['succeeded']:>5}  "
            f"warnings {counts['warnings']:>4}  skipped {counts['skipped']:>5}  failed {counts['failed']:>4}"
        )
    return "\n".join(lines)
