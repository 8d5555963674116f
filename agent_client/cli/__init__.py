"""`ferry-agent`: the on-prem Workflow Panel. Errors are one sentence, never a traceback."""

from __future__ import annotations

import argparse
import sys

from agent_client import __version__
from agent_client.cli import commands, portal
from agent_client.config import ConfigError
from agent_client.errors import ConnectorError
from agent_client.link.errors import LinkError
from agent_client.plan import PlanError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ferry-agent", description="Ferry agent: runs published workflows next to your ERP."
    )
    parser.add_argument(
        "--config", help="path of ferry-agent.toml (default: $FERRY_AGENT_CONFIG or ./ferry-agent.toml)"
    )
    parser.add_argument("--version", action="version", version=f"ferry-agent {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    config = sub.add_parser("config", help="create the configuration file").add_subparsers(
        dest="action", required=True
    )
    init = config.add_parser("init", help="write ferry-agent.toml (mode 0600)")
    init.add_argument("--shop-url", required=True, help="e.g. https://your-shop.myshopify.com")
    init.add_argument("--shopify-token", required=True, help="Admin API access token (shpat_…)")
    init.add_argument("--sage-url", required=True, help="e.g. http://sage-server/Sage300WebApi/v1.0")
    init.add_argument("--company", required=True, help="Sage 300 company, e.g. SAMINC")
    init.add_argument("--user", required=True, help="Sage 300 user with the Web API right")
    init.add_argument("--password", required=True, help="that user's password (kept only in this file)")
    init.add_argument("--portal", default="", help="the Ferry portal URL, if you use one")
    init.add_argument("--data-dir", default="ferry-agent-data")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(handler=commands.config_init)

    connections = sub.add_parser("connections", help="check connections").add_subparsers(
        dest="action", required=True
    )
    connections.add_parser(
        "test", help="reach Shopify and Sage 300 with the configured credentials"
    ).set_defaults(handler=commands.connections_test)

    sub.add_parser("workflows", help="list the workflows this agent can run").set_defaults(
        handler=commands.workflows
    )

    sync = sub.add_parser("sync", help="Start Sync: run a workflow now")
    sync.add_argument("workflow", help="workflow id or name")
    sync.add_argument("--plan", help="a plan file to load (and make live) before running")
    sync.add_argument("--quiet", action="store_true", help="no progress bar")
    sync.set_defaults(handler=commands.sync)

    transactions = sub.add_parser("transactions", help="Workflow Transactions: what happened to each record")
    transactions.add_argument("workflow")
    transactions.add_argument("--status", choices=["success", "failed", "skipped", "warning"])
    transactions.add_argument("--search", help="a Shopify id, Sage customer number, email or text")
    transactions.add_argument("--since", help="from this date (YYYY-MM-DD)")
    transactions.add_argument("--until", help="before this date (YYYY-MM-DD)")
    transactions.add_argument("--limit", type=int, default=50)
    transactions.set_defaults(handler=commands.transactions)

    resync = sub.add_parser("resync", help="process records of the resync bucket again")
    resync.add_argument("workflow")
    resync.add_argument("keys", nargs="*", help="Shopify customer ids")
    resync.add_argument("--all-failed", action="store_true", help="every record waiting in the resync bucket")
    resync.add_argument("--quiet", action="store_true")
    resync.set_defaults(handler=commands.resync)

    cursor = sub.add_parser("cursor", help="show or set where the next sync starts").add_subparsers(
        dest="action", required=True
    )
    show = cursor.add_parser("show")
    show.add_argument("workflow")
    show.set_defaults(handler=commands.cursor_show)
    setter = cursor.add_parser("set")
    setter.add_argument("workflow")
    setter.add_argument(
        "value", help="ISO 8601 with offset, e.g. 2026-01-31T00:00:00+00:00, or 'none' to restart"
    )
    setter.add_argument("--node", help="node id (default: the workflow's first node)")
    setter.set_defaults(handler=commands.cursor_set)

    lookups = sub.add_parser("lookups", help="lookup tables on this agent").add_subparsers(
        dest="action", required=True
    )
    lookups.add_parser("show").set_defaults(handler=commands.lookups_show)
    row = lookups.add_parser("set", help="add or change one row ('default' as source sets the default row)")
    row.add_argument("table")
    row.add_argument("source")
    row.add_argument("destination")
    row.set_defaults(handler=commands.lookups_set)
    load = lookups.add_parser("import", help="replace a table from a CSV file (source,destination)")
    load.add_argument("table")
    load.add_argument("file")
    load.set_defaults(handler=commands.lookups_import)

    sub.add_parser("status", help="this agent at a glance").set_defaults(handler=commands.status)

    register = sub.add_parser(
        "register", help="connect this agent to a Ferry portal with a registration code"
    )
    register.add_argument("--portal", required=True, help="the portal URL, e.g. https://ferry.example.com")
    register.add_argument("--code", required=True, help="the one-time code shown by the portal's Register")
    register.add_argument("--name", help="a name for this agent in the portal (default: the portal's choice)")
    register.set_defaults(handler=portal.register)
    sub.add_parser("run", help="keep the live link to the portal: runs, progress, snapshots").set_defaults(
        handler=portal.run
    )
    sub.add_parser(
        "update-config", help="Update Configuration: install the workflows the portal publishes"
    ).set_defaults(handler=portal.update_config)
    sub.add_parser(
        "update-lookups", help="Update Lookup Tables: install the portal's lookup tables"
    ).set_defaults(handler=portal.update_lookups)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (ConfigError, ConnectorError, PlanError, LinkError, ValueError, FileNotFoundError) as exc:
        print(f"ferry-agent: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ferry-agent: interrupted", file=sys.stderr)
        return 130
