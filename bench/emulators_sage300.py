"""Benchmark of the Sage 300 emulator: PATCH/s must stay well above what Ferry sends.

Runs `python -m emulators.sage300` as a subprocess (its own process, like in real use), seeds
customers through POST, then measures PATCH ARCustomers with 1 and 4 client threads and GET by
key. Prints a table and, as the last line, one JSON object.

    .venv/bin/python bench/emulators_sage300.py [--customers 2000] [--patches 4000]

Clients are `requests.Session`s with `trust_env = False`: requests otherwise re-reads proxy
settings from the environment on every call, which costs more than the emulator's work and
would make this benchmark measure requests.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from emulators.common.server import free_port  # noqa: E402

TARGET_PATCH_PER_S = 1000
AUTH = ("WEBAPI", "webapi")


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.auth = AUTH
    session.headers["Content-Type"] = "application/json"
    return session


def _emulator_start(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "emulators.sage300", "--port", str(port), "--no-sample-customers"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/_emulator/stats", timeout=1).ok:
                return process
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"emulator did not start: {process.stderr.read().decode() if process.stderr else ''}")


def _threads_run(threads: int, indexes: range, call) -> tuple[float, float, list[float]]:
    """Run `call(session, index)` for `indexes` spread over `threads` threads: (start, end, latencies)."""
    latencies: list[float] = []
    lock = threading.Lock()
    failures: list[str] = []

    def worker(offset: int) -> None:
        session = _session()
        mine = []
        for index in indexes[offset::threads]:
            started = time.perf_counter()
            problem = call(session, index)
            mine.append(time.perf_counter() - started)
            if problem:
                failures.append(problem)
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=worker, args=(offset,)) for offset in range(threads)]
    started = time.time()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, first: {failures[0]}")
    return started, time.time(), latencies


def _run(threads: int, total: int, call, processes: int = 1) -> dict:
    """ops/s and latency percentiles of `total` calls over `processes` × `threads` clients.

    Several client processes show the emulator's own capacity: one Python client process is
    held to one core by its GIL, and the agent Ferry runs is a process of its own anyway.
    """
    if processes == 1:
        parts = [_threads_run(threads, range(total), call)]
    else:
        # Forked, so `call` (a closure) is inherited rather than pickled; results come back by queue.
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        children = [
            context.Process(
                target=lambda part: results.put(_threads_run(threads, range(part, total, processes), call)),
                args=(part,),
            )
            for part in range(processes)
        ]
        for child in children:
            child.start()
        parts = [results.get(timeout=120) for _ in children]
        for child in children:
            child.join()
    elapsed = max(end for _, end, _ in parts) - min(start for start, _, _ in parts)
    latencies = sorted(latency for _, _, part in parts for latency in part)
    return {
        "ops": total,
        "ops_per_s": round(total / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--patches", type=int, default=4000)
    parser.add_argument("--gets", type=int, default=3000)
    args = parser.parse_args()

    port = free_port()
    process = _emulator_start(port)
    base = f"http://127.0.0.1:{port}/Sage300WebApi/v1.0/-/SAMINC/AR/ARCustomers"
    numbers = [f"SH{index:09X}" for index in range(args.customers)]

    def post(session: requests.Session, index: int) -> str | None:
        payload = {
            "CustomerNumber": numbers[index],
            "GroupCode": "100",
            "CustomerName": f"Bench customer {index}",
            "ShortName": f"B{index}",
            "TaxGroup": "ONTARIO",
            "Email": f"bench{index}@example.com",
        }
        response = session.post(base, json=payload)
        return None if response.status_code == 201 else f"POST {response.status_code} {response.text[:200]}"

    def patch(session: requests.Session, index: int) -> str | None:
        number = numbers[index % len(numbers)]
        payload = {"CustomerName": f"Renamed {index}", "PhoneNumber": f"555{index:07d}", "Status": "Active"}
        response = session.patch(f"{base}('{number}')", json=payload)
        return None if response.status_code == 204 else f"PATCH {response.status_code} {response.text[:200]}"

    def get(session: requests.Session, index: int) -> str | None:
        response = session.get(f"{base}('{numbers[index % len(numbers)]}')")
        return None if response.status_code == 200 else f"GET {response.status_code} {response.text[:200]}"

    try:
        results = {
            "POST (seed), 1 thread": _run(1, args.customers, post),
            "PATCH, 1 thread": _run(1, args.patches, patch),
            "PATCH, 4 threads": _run(4, args.patches, patch),
            "PATCH, 2 procs x 2 thr": _run(2, args.patches, patch, processes=2),
            "GET by key, 1 thread": _run(1, args.gets, get),
            "GET by key, 4 threads": _run(4, args.gets, get),
        }
        stats = requests.get(f"http://127.0.0.1:{port}/_emulator/stats", timeout=5).json()
    finally:
        process.terminate()
        process.wait(timeout=10)

    expected_changes = args.customers + 3 * args.patches
    if stats["changes"] != expected_changes:
        raise RuntimeError(f"change log has {stats['changes']} entries, expected {expected_changes}")
    print(f"{'operation':<24}{'ops':>8}{'ops/s':>10}{'p50 ms':>9}{'p95 ms':>9}")
    for name, row in results.items():
        print(f"{name:<24}{row['ops']:>8}{row['ops_per_s']:>10}{row['p50_ms']:>9}{row['p95_ms']:>9}")
    patch_rows = ("PATCH, 1 thread", "PATCH, 4 threads", "PATCH, 2 procs x 2 thr")
    patch_per_s = max(results[name]["ops_per_s"] for name in patch_rows)
    summary = {
        "bench": "emulators_sage300",
        "patch_per_s": patch_per_s,
        "target_patch_per_s": TARGET_PATCH_PER_S,
        "meets_target": patch_per_s >= TARGET_PATCH_PER_S,
        "patch_per_s_1_thread": results["PATCH, 1 thread"]["ops_per_s"],
        "patch_per_s_4_threads": results["PATCH, 4 threads"]["ops_per_s"],
        "patch_per_s_2_processes": results["PATCH, 2 procs x 2 thr"]["ops_per_s"],
        "patch_p50_ms": results["PATCH, 1 thread"]["p50_ms"],
        "patch_p95_ms": results["PATCH, 1 thread"]["p95_ms"],
        "get_by_key_per_s": max(
            results["GET by key, 1 thread"]["ops_per_s"], results["GET by key, 4 threads"]["ops_per_s"]
        ),
        "post_per_s": results["POST (seed), 1 thread"]["ops_per_s"],
        "customers": args.customers,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
