"""`python -m emulators.sage300 --port 8702 --company SAMINC`"""

from __future__ import annotations

import argparse

from emulators.common.server import serve_forever

from .app import DEFAULT_PASSWORD, DEFAULT_USER, create_app


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m emulators.sage300", description="Sage 300 Web API emulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8702)
    parser.add_argument(
        "--company",
        action="append",
        help="company (org) ID; repeat or comma-separate for several (default SAMINC)",
    )
    parser.add_argument("--user", default=DEFAULT_USER, help="Sage 300 user ID for HTTP Basic auth")
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--page-size", type=int, default=100, help="feed page size (Sage's PageSize setting)")
    parser.add_argument(
        "--no-sample-customers", action="store_true", help="start without the sample customers 1100…1210"
    )
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    companies = [part for value in (args.company or ["SAMINC"]) for part in value.split(",")]
    app = create_app(
        companies=companies,
        user=args.user,
        password=args.password,
        page_size=args.page_size,
        sample_customers=not args.no_sample_customers,
    )
    print(
        f"Sage 300 emulator on http://{args.host}:{args.port}/Sage300WebApi/v1.0/-/{companies[0].upper()}/AR/"
    )
    serve_forever(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
