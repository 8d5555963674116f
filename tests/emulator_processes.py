"""Start the Shopify and Sage 300 emulators as real processes (what the agent sees in production)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import requests

from tests.helpers import ROOT, free_port, stop, wait_for_port


@dataclass
class EmulatorProcess:
    process: subprocess.Popen
    url: str

    def control(self, path: str, payload: dict | None = None) -> dict:
        if payload is None:
            response = requests.get(f"{self.url}/_emulator/{path}", timeout=30)
        else:
            response = requests.post(f"{self.url}/_emulator/{path}", json=payload, timeout=60)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        stop(self.process)


def start_emulator(module: str, *args: str) -> EmulatorProcess:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port, timeout=60, process=process)
    return EmulatorProcess(process=process, url=f"http://127.0.0.1:{port}")


def start_shopify(customers: int = 1000, seed: int = 7, plan: str = "unlimited") -> EmulatorProcess:
    return start_emulator(
        "emulators.shopify", "--customers", str(customers), "--seed", str(seed), "--plan", plan
    )


def start_sage() -> EmulatorProcess:
    return start_emulator("emulators.sage300", "--company", "SAMINC")
