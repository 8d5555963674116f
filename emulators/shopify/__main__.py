"""`python -m emulators.shopify --port 8701 --customers 1000 --seed 7 --plan standard`"""

from __future__ import annotations

import argparse

from emulators.common.server import serve_forever

from .app import create_app
from .state import DEMO_SHOP_DOMAIN, DEMO_TOKEN, DEMO_WEBHOOK_SECRET
from .throttle import PLANS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m emulators.shopify", description="Shopify Admin API emulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--customers", type=int, default=1000, help="size of the generated data set")
    parser.add_argument("--seed", type=int, default=7, help="same seed, same customers")
    parser.add_argument(
        "--plan", choices=list(PLANS), default="standard", help="rate limits; unlimited = none"
    )
    parser.add_argument("--token", default=DEMO_TOKEN, help="the accepted X-Shopify-Access-Token")
    parser.add_argument(
        "--webhook-secret", default=DEMO_WEBHOOK_SECRET, help="app client secret that signs webhooks"
    )
    parser.add_argument("--shop-domain", default=DEMO_SHOP_DOMAIN)
    args = parser.parse_args(argv)
    app = create_app(
        customers=args.customers,
        seed=args.seed,
        plan=args.plan,
        token=args.token,
        webhook_secret=args.webhook_secret,
        shop_domain=args.shop_domain,
    )
    print(f"Shopify emulator: http://{args.host}:{args.port}/ ({args.customers} customers, plan {args.plan})")
    serve_forever(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
