"""The `ferry-agent` commands: each reads its arguments, calls the agent's parts, prints a result."""

from __future__ import annotations

import json
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from agent_client import lookups as lookup_tables
from agent_client.cli.progress import ProgressBar
from agent_client.clients import clients_for, sage_client, shopify_client
from agent_client.config import (
    AgentConfig,
    ConfigError,
    config_load,
    config_path,
    config_template,
)
from agent_client.plan import Plan, plan_from_dict, plan_load
from agent_client.runner import RunOptions, RunResult, run_plan
from agent_client.runner.cursor import validate_cursor
from agent_client.runner.recovery import runs_recover_interrupted
from agent_client.state import AgentState


def _open(args) -> tuple[AgentConfig, AgentState]:
    config = config_load(args.config)
    return config, AgentState(config.state_path)


def _live_plan(state: AgentState, workflow: str) -> Plan:
    raw = state.plan_live(workflow)
    if raw is None:
        raise ConfigError(
            f"no published workflow {workflow!r} on this agent: run `ferry-agent workflows`, "
            "Update Configuration from the portal, or pass --plan FILE"
        )
    return plan_from_dict(json.loads(raw))


def plan_install(state: AgentState, plan: Plan) -> None:
    state.plan_store(
        plan_hash=plan.hash,
        workflow_id=plan.workflow_id,
        version=plan.version,
        plan_json=plan.to_json(),
        live=True,
    )


def _date(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise ValueError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def config_init(args) -> int:
    path = config_path(args.config)
    if path.exists() and not args.force:
        raise ConfigError(f"{path} exists already: pass --force to overwrite it")
    config = AgentConfig(
        path=path,
        data=config_template(
            shop_url=args.shop_url,
            shopify_token=args.shopify_token,
            sage_url=args.sage_url,
            company=args.company,
            user=args.user,
            password=args.password,
            portal_url=args.portal,
            data_dir=args.data_dir,
        ),
    )
    config.save()
    print(f"Wrote {path} (readable by you only). Next: ferry-agent connections test")
    return 0


def connections_test(args) -> int:
    config = config_load(args.config)
    shop = shopify_client(config).shop()
    print(f"Shopify: connected to {shop.get('name')} ({shop.get('myshopify_domain') or shop.get('domain')})")
    sage = sage_client(config)
    sage.check()
    print(f"Sage 300: connected to company {config.connection('sage300', 'sage300')['company']}")
    return 0


def workflows(args) -> int:
    _, state = _open(args)
    plans = [plan_from_dict(json.loads(raw)) for raw in state.plans_live()]
    if not plans:
        print(
            "No workflows yet: Update Configuration from the portal, or `ferry-agent sync NAME --plan FILE`."
        )
        return 0
    print(f"{'WORKFLOW':<24} {'VERSION':>7}  {'PLAN':<12}  {'MODE':<8} LAST RUN")
    for plan in plans:
        runs = state.runs_of(plan.workflow_id, limit=1)
        last = "never"
        if runs:
            run = runs[0]
            when = datetime.fromtimestamp(run["started_at"], UTC).strftime("%Y-%m-%d %H:%M")
            last = f"{when} {run['status']}"
        mode = "Manual" if plan.schedule.get("mode", "manual") == "manual" else "Auto"
        print(f"{plan.workflow_name:<24} {plan.version:>7}  {plan.hash[:12]:<12}  {mode:<8} {last}")
    return 0


def _run(args, config: AgentConfig, state: AgentState, plan: Plan, options: RunOptions) -> RunResult:
    lookup_tables.tables_current(state)  # the templates' defaults on first use
    state.transactions_prune(older_than=config.history_cutoff())
    runs_recover_interrupted(state, to_outbox=bool(config.portal.get("token")))
    clients = clients_for(config, plan)
    bar = None if getattr(args, "quiet", False) else ProgressBar(plan.workflow_name)
    options.on_progress = bar.update if bar else None
    options.max_workers = config.max_workers
    options.to_outbox = bool(config.portal.get("token"))
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is threading.main_thread():
        # First Ctrl-C cancels at the next record boundary; the run still reports what it did.
        signal.signal(signal.SIGINT, lambda *_: options.cancel.set())
    try:
        result = run_plan(plan=plan, state=state, clients=clients, options=options)
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, previous)
    if bar:
        bar.done()
    _print_result(result)
    return result


def _print_result(result: RunResult) -> None:
    print(f"Run {result.local_id[:8]} {result.status}" + (f": {result.error}" if result.error else ""))
    for node_id, counts in result.counts.items():
        print(
            f"  {node_id:<18} read {counts['read']:>7,}  succeeded {counts['succeeded']:>7,}  "
            f"skipped {counts['skipped']:>7,}  warnings {counts['warnings']:>6,}  failed {counts['failed']:>6,}"
        )
    if result.cursor_after != result.cursor_before:
        print(f"  cursor {result.cursor_before or '(start)'} → {result.cursor_after}")


def _exit_code(result: RunResult) -> int:
    return {"succeeded": 0, "completed_with_errors": 3, "cancelled": 130}.get(result.status, 1)


def sync(args) -> int:
    config, state = _open(args)
    if args.plan:
        plan = plan_load(args.plan)
        plan_install(state, plan)
        if (
            args.workflow not in (plan.workflow_id, plan.workflow_name)
            and args.workflow.lower() != plan.workflow_name.lower()
        ):
            raise ConfigError(f"{args.plan} is the plan of {plan.workflow_name!r}, not of {args.workflow!r}")
    else:
        plan = _live_plan(state, args.workflow)
    result = _run(args, config, state, plan, RunOptions(trigger="agent"))
    return _exit_code(result)


def resync(args) -> int:
    config, state = _open(args)
    plan = _live_plan(state, args.workflow)
    if args.all_failed == bool(args.keys):
        raise ValueError("name the records to resync, or pass --all-failed (not both)")
    entries = state.bucket_entries(plan.workflow_id, None if args.all_failed else list(args.keys))
    keys = sorted({entry["record_key"] for entry in entries} | set(args.keys))
    if not keys:
        print("The resync bucket is empty: nothing to do.")
        return 0
    result = _run(args, config, state, plan, RunOptions(trigger="agent", record_ids=keys))
    return _exit_code(result)


def transactions(args) -> int:
    _, state = _open(args)
    plan = _live_plan(state, args.workflow)
    rows = state.transactions_query(
        workflow_id=plan.workflow_id,
        status=args.status,
        search=args.search,
        since=_date(args.since),
        until=_date(args.until),
        limit=args.limit,
    )
    if not rows:
        print("No transactions match.")
        return 0
    print(f"{'STATUS':<8} {'SOURCE ID':<15} {'NODE':<16} {'TIME':<19} {'TRIES':>5}  MESSAGE")
    for row in rows:
        when = datetime.fromtimestamp(row["at"], UTC).strftime("%Y-%m-%d %H:%M:%S")
        print(
            f"{row['status']:<8} {row['source_id'] or '':<15} {row['node_id']:<16} {when:<19} {row['tries']:>5}  "
            f"{row['message']}"
        )
    return 0


def cursor_show(args) -> int:
    _, state = _open(args)
    plan = _live_plan(state, args.workflow)
    cursors = state.cursors(plan.workflow_id)
    for node in plan.nodes:
        print(f"{node.id}: {cursors.get(node.id) or '(not started: the next sync reads everything)'}")
    for node_id, old, new, reason, at in state.cursor_history(plan.workflow_id, limit=5):
        when = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        print(f"  {when}  {node_id}: {old or '(start)'} → {new or '(start)'}  ({reason})")
    return 0


def cursor_set(args) -> int:
    _, state = _open(args)
    plan = _live_plan(state, args.workflow)
    node_id = args.node or plan.nodes[0].id
    if node_id not in {node.id for node in plan.nodes}:
        raise ValueError(f"{plan.workflow_name} has no node {node_id!r}")
    value = None if args.value.lower() == "none" else validate_cursor(args.value)
    state.cursor_set(plan.workflow_id, node_id, value, reason="set by hand (ferry-agent cursor set)")
    print(f"{node_id}: cursor is now {value or '(start)'}")
    return 0


def lookups_show(args) -> int:
    _, state = _open(args)
    tables = lookup_tables.tables_current(state)
    for name in sorted(tables):
        table = tables[name]
        print(f"{name}  (default: {table.get('default') if table.get('default') is not None else 'none'})")
        for source, destination in sorted(table.get("rows", {}).items()):
            print(f"  {source} → {destination}")
    return 0


def lookups_set(args) -> int:
    _, state = _open(args)
    lookup_tables.table_set_row(state, args.table, args.source, args.destination)
    print(f"{args.table}: {args.source} → {args.destination}")
    return 0


def lookups_import(args) -> int:
    _, state = _open(args)
    count = lookup_tables.table_import_csv(state, args.table, Path(args.file))
    print(f"{args.table}: {count} rows imported")
    return 0


def status(args) -> int:
    config, state = _open(args)
    portal = config.portal
    print(f"Configuration: {config.path}")
    print(f"Data:          {config.data_dir}")
    print(
        f"Portal:        {portal.get('url') or '(none: standalone)'}"
        f"{' (registered)' if portal.get('token') else ''}"
    )
    lookups_hash, _ = state.lookups_current()
    print(f"Lookup tables: {lookups_hash[:12] if lookups_hash else '(templates default)'}")
    print(f"Outbox:        {state.outbox_depth()} frame(s) waiting for the portal")
    for raw in state.plans_live():
        plan = plan_from_dict(json.loads(raw))
        waiting = len(state.bucket_entries(plan.workflow_id))
        runs = state.runs_of(plan.workflow_id, limit=1)
        last = runs[0]["status"] if runs else "never run"
        print(
            f"Workflow:      {plan.workflow_name} v{plan.version} ({plan.hash[:12]}): last run {last}, "
            f"{waiting} record(s) in the resync bucket"
        )
    sys.stdout.flush()
    return 0
