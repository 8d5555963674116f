"""Customer Update throughput and memory of the agent, against both emulators (real processes).

    python bench/agent_sync.py [--customers 100000] [--changed 0.1]

Setup (not measured): seed Shopify, Customer Add, a first Customer Update. Then the measured
workload, run twice — unthrottled and on Shopify's standard plan (bucket 40, 2 requests/s):
a share of the customers is edited in Shopify, the cursor is reset so every customer is read
again, and Customer Update runs (reads all, writes only the changed, skips the rest).

Side by side: the agent's records/s, a baseline that only pages through Shopify (no mapping,
no Sage), and the API-limit bound (what the REST leak rate allows: 250 customers per request,
2 requests/s after the initial burst of 40). Full address lists (customers listing 10 addresses)
are read through GraphQL, whose cost bucket is separate from the REST one: those requests are
counted on their own and are not part of the bound. Peak RSS is the agent process's own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent_client.connectors.shopify import ShopifyClient  # noqa: E402
from tests.emulator_processes import start_sage, start_shopify  # noqa: E402

PAGE = 250
STANDARD_BUCKET, STANDARD_LEAK = 40, 2.0
# The emulator's per-endpoint key of GraphQL requests; the agent's only GraphQL reads are address lists.
GRAPHQL = "POST graphql.json"


def agent(config: Path, *args: str) -> tuple[float, float, str]:
    """Run `ferry-agent` and return (seconds, peak RSS in MB, output)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "agent_client", "--config", str(config), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        raise SystemExit(f"ferry-agent {' '.join(args)} failed:\n{output}")
    return elapsed, usage.ru_maxrss / 1024, output


def read_only(url: str) -> tuple[int, float]:
    client = ShopifyClient(shop_url=url, token="shpat_demo")
    started, count = time.perf_counter(), 0
    for page in client.customers_updated_since(None):
        count += len(page)
    client.close()
    return count, time.perf_counter() - started


def shopify_requests(url: str) -> dict[str, int]:
    return requests.get(f"{url}/_emulator/stats", timeout=30).json()["per_endpoint"]


def bound_per_s(customers: int) -> float:
    """Records/s the standard REST bucket allows for paging through `customers`."""
    requests_needed = -(-customers // PAGE)
    seconds = max(requests_needed - (STANDARD_BUCKET - 1), 0) / STANDARD_LEAK
    return customers / seconds if seconds else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument(
        "--changed", type=float, default=0.1, help="share of customers edited before each run"
    )
    args = parser.parse_args()
    shopify, sage = start_shopify(customers=args.customers, seed=7, plan="unlimited"), start_sage()
    workdir = Path(tempfile.mkdtemp(prefix="ferry-bench-"))
    try:
        config = workdir / "ferry-agent.toml"
        agent(
            config,
            "config",
            "init",
            "--shop-url",
            shopify.url,
            "--shopify-token",
            "shpat_demo",
            "--sage-url",
            f"{sage.url}/Sage300WebApi/v1.0",
            "--company",
            "SAMINC",
            "--user",
            "WEBAPI",
            "--password",
            "webapi",
        )
        add = ROOT / "agent_client/templates/customer_add.plan.json"
        update = ROOT / "agent_client/templates/customer_update.plan.json"
        print(f"setup: {args.customers:,} customers — Customer Add and a first Customer Update", flush=True)
        setup_add = agent(config, "sync", "Customer Add", "--plan", str(add), "--quiet")[0]
        setup_update = agent(config, "sync", "Customer Update", "--plan", str(update), "--quiet")[0]
        print(
            f"  Customer Add {setup_add:.1f} s ({args.customers / setup_add:,.0f} rec/s), "
            f"first Customer Update {setup_update:.1f} s ({args.customers / setup_update:,.0f} rec/s)",
            flush=True,
        )
        results = {}
        for plan in ("unlimited", "standard"):
            requests.post(f"{shopify.url}/_emulator/plan", json={"plan": plan}, timeout=30).raise_for_status()
            time.sleep(
                STANDARD_BUCKET / STANDARD_LEAK if plan == "standard" else 0
            )  # start with an empty bucket
            baseline_count, baseline_s = read_only(shopify.url)
            if plan == "standard":
                time.sleep(STANDARD_BUCKET / STANDARD_LEAK)
            touched = requests.post(
                f"{shopify.url}/_emulator/touch",
                json={"count": int(args.customers * args.changed), "seed": len(results) + 1},
                timeout=300,
            ).json()["touched"]
            agent(config, "cursor", "set", "Customer Update", "none")
            before = shopify_requests(shopify.url)
            seconds, rss, output = agent(config, "sync", "Customer Update", "--quiet")
            made = {k: v - before.get(k, 0) for k, v in shopify_requests(shopify.url).items()}
            results[plan] = {
                "seconds": seconds,
                "rps": args.customers / seconds,
                "rss_mb": rss,
                "baseline_rps": baseline_count / baseline_s,
                "changed": len(touched),
                "page_requests": made.get("GET customers.json", 0),
                "graphql_address_requests": made.get(GRAPHQL, 0),
                "summary": [line.strip() for line in output.splitlines() if line.strip()],
            }
        bound = bound_per_s(args.customers)
        print()
        print(
            f"{'Customer Update of':<20} {'agent rec/s':>12} {'read-only rec/s':>16} {'API bound':>10} "
            f"{'of bound':>9} {'peak RSS':>9}"
        )
        for plan, r in results.items():
            limit = bound if plan == "standard" else float("inf")
            share = f"{r['rps'] / limit:.1%}" if plan == "standard" else "-"
            print(
                f"{args.customers:,} ({plan})".ljust(20) + f" {r['rps']:>12,.0f} {r['baseline_rps']:>16,.0f} "
                f"{'-' if limit == float('inf') else f'{limit:,.0f}':>10} {share:>9} {r['rss_mb']:>7.0f} MB"
            )
        standard = results["standard"]
        # Changed customers listing 10 addresses need their full address list (Shopify lists only
        # the ten most recently updated), read through GraphQL: its own cost bucket, not the bound's.
        print(
            f"  standard: {standard['page_requests']} page requests (REST bucket) + "
            f"{standard['graphql_address_requests']} GraphQL address-list requests (cost bucket)"
        )
        for plan, r in results.items():
            print(f"  {plan}: {r['changed']:,} changed; " + " | ".join(r["summary"][-3:]))
        print(
            json.dumps(
                {
                    "bench": "agent_sync",
                    "customers": args.customers,
                    "changed_share": args.changed,
                    "unthrottled_rps": round(results["unlimited"]["rps"], 1),
                    "unthrottled_read_only_rps": round(results["unlimited"]["baseline_rps"], 1),
                    "standard_rps": round(results["standard"]["rps"], 1),
                    "standard_bound_rps": round(bound, 1),
                    "standard_share_of_bound": round(results["standard"]["rps"] / bound, 3),
                    "standard_page_requests": results["standard"]["page_requests"],
                    "standard_graphql_address_requests": results["standard"]["graphql_address_requests"],
                    "target_share_of_bound": 0.95,
                    "peak_rss_mb": round(max(r["rss_mb"] for r in results.values()), 1),
                    "target_peak_rss_mb": 100,
                    "setup_add_rps": round(args.customers / setup_add, 1),
                    "setup_first_update_rps": round(args.customers / setup_update, 1),
                }
            )
        )
    finally:
        shopify.stop()
        sage.stop()


if __name__ == "__main__":
    main()
