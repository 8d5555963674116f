"""The commands that talk to the portal: register, run (the live link), update-config, update-lookups."""

from __future__ import annotations

import asyncio
import sys

from agent_client.config import AgentConfig, config_load, config_path
from agent_client.link import Link, LinkStopped, runner_executor
from agent_client.link.oneshot import config_update, lookups_update, portal_settings
from agent_client.link.register import agent_register, registration_save
from agent_client.link.updates import UpdateResult
from agent_client.runner.recovery import runs_recover_interrupted
from agent_client.state import AgentState


def register(args) -> int:
    path = config_path(args.config)
    config = config_load(args.config) if path.exists() else AgentConfig(path=path, data={})
    answer = agent_register(portal_url=args.portal, code=args.code, name=args.name)
    registration_save(config, portal_url=args.portal, token=str(answer["token"]))
    print(
        f"Registered as {answer.get('name') or 'this agent'} in {answer.get('organization') or 'your organization'} "
        f"(agent {answer['agent_id']}); the token is kept in {path} (readable by you only). "
        "Next: ferry-agent run"
    )
    return 0


def run(args) -> int:
    config = config_load(args.config)
    url, token = portal_settings(config)
    state = AgentState(config.state_path)
    for local_id in runs_recover_interrupted(state, to_outbox=True):
        print(
            f"ferry-agent: run {local_id[:8]} was interrupted by a stop; reported as failed", file=sys.stderr
        )
    link = Link(
        portal_url=url,
        token=token,
        state=state,
        executor=runner_executor(config, state),
        auto_update=config.auto_update,
    )
    try:
        # Ctrl-C: asyncio.run cancels the link (SIGINT on POSIX, the console event on Windows);
        # the link cancels its runs at their next record, which still report to the outbox.
        asyncio.run(link.run())
    except LinkStopped as exc:
        print(f"ferry-agent: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ferry-agent: link stopped", file=sys.stderr)
    return 0


def _print_result(result: UpdateResult, nothing: str) -> int:
    for line in result.changes:
        print(line)
    for problem in result.problems:
        print(f"ferry-agent: {problem}", file=sys.stderr)
    if not result.changes and not result.problems:
        print(nothing)
    return 1 if result.problems else 0


def update_config(args) -> int:
    config = config_load(args.config)
    state = AgentState(config.state_path)
    return _print_result(config_update(config, state), "The portal publishes no workflows for this agent.")


def update_lookups(args) -> int:
    config = config_load(args.config)
    state = AgentState(config.state_path)
    return _print_result(lookups_update(config, state), "The portal sent no lookup tables.")
