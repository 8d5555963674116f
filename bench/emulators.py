"""Both emulators side by side: Shopify customers/s served and Sage 300 PATCH/s.

The emulators must be much faster than the rates Ferry runs at, so that benchmarks of Ferry
measure Ferry. Each emulator's own benchmark runs as a subprocess (its last line is JSON).

    python bench/emulators.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _run(script: str) -> dict:
    result = subprocess.run(
        [sys.executable, str(HERE / script)], cwd=HERE.parent, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise SystemExit(f"{script} failed:\n{result.stdout}\n{result.stderr}")
    print(result.stdout.rstrip())
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    shopify = _run("emulators_shopify.py")
    sage = _run("emulators_sage300.py")
    rows = [
        (
            "Shopify list customers/s (limit=250, unthrottled)",
            shopify["customers_per_s"],
            shopify["target_customers_per_s"],
        ),
        ("Sage 300 PATCH ARCustomers/s", sage["patch_per_s"], sage["target_patch_per_s"]),
    ]
    print()
    print(f"{'measure':<52} {'measured':>10} {'target':>10}  met")
    for name, value, target in rows:
        print(f"{name:<52} {value:>10,.0f} {target:>10,}  {'yes' if value >= target else 'NO'}")
    print(
        json.dumps(
            {
                "bench": "emulators",
                "shopify_customers_per_s": shopify["customers_per_s"],
                "target_shopify_customers_per_s": shopify["target_customers_per_s"],
                "sage_patch_per_s": sage["patch_per_s"],
                "target_sage_patch_per_s": sage["target_patch_per_s"],
            }
        )
    )


if __name__ == "__main__":
    main()
