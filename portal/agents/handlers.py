"""The portal's side of protocol v1: one function per incoming frame type, each returning the
frames to send back. Called by the (thin) consumer in a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent_client.protocol import Frame, error_frame, make_frame
from portal.agents import frames as out
from portal.agents.models import Agent
from portal.agents.services import agent_seen
from portal.rows import row_or_none
from portal.runs import ingest
from portal.runs.queue import runs_pending_for_agent


@dataclass(frozen=True)
class AgentRef:
    """The agent its token named when its socket opened: its key and organization, not its row."""

    pk: int
    organization_id: int


Handler = Callable[[Agent, Frame], list[dict]]
RunHandler = Callable[[AgentRef, Frame], list[dict]]


def _hello(agent: Agent, frame: Frame) -> list[dict]:
    agent_seen(
        agent_pk=agent.pk,
        version=frame.agent_version[:40],
        hostname=frame.hostname[:120],
        platform=frame.platform[:120],
        plans=frame.plans,
        lookups_hash=frame.lookups_hash or "",
    )
    running = ingest.runs_reported_running(agent=agent, run_ids=frame.running or [])  # lost → running
    return [out.welcome_frame(agent, frame, runs_pending_for_agent(agent, running))]


def _heartbeat(agent_pk: int, frame: Frame) -> list[dict]:
    # Called with the agent's key alone (frame_handle): the one UPDATE also tells whether it exists.
    if not agent_seen(
        agent_pk=agent_pk, cpu_percent=frame.cpu_percent, rss_mb=frame.rss_mb, outbox_depth=frame.outbox_depth
    ):
        return [_unknown_agent(frame)]
    return [make_frame("heartbeat.ack", re=frame.id)]


def _config_get(agent: Agent, frame: Frame) -> list[dict]:
    return [out.config_plans_frame(agent, frame.id, frame.get("workflow_ids"))]


def _lookups_get(agent: Agent, frame: Frame) -> list[dict]:
    return [out.lookups_tables_frame(agent.organization, frame.id)]


def _run_accepted(agent: AgentRef, frame: Frame) -> list[dict]:
    ingest.run_accepted(agent=agent, run_id=frame.run_id)
    return []


def _run_rejected(agent: AgentRef, frame: Frame) -> list[dict]:
    ingest.run_rejected(agent=agent, run_id=frame.run_id, reason=frame.reason, busy=bool(frame.get("busy")))
    return []


def _run_open(agent: AgentRef, frame: Frame) -> list[dict]:
    run = ingest.run_open(
        agent=agent,
        local_id=frame.local_id,
        workflow_id=frame.workflow_id,
        version=frame.version,
        plan_hash=frame.plan_hash,
        trigger=frame.trigger,
    )
    return [make_frame("run.opened", re=frame.id, local_id=frame.local_id, run_id=str(run.pk))]


def _run_progress(agent: AgentRef, frame: Frame) -> list[dict]:
    ingest.run_progress(agent=agent, run_id=frame.run_id, node_id=frame.node_id, counts=frame.counts)
    return []


def _snapshot_batch(agent: AgentRef, frame: Frame) -> list[dict]:
    ingest.snapshot_batch_ingest(
        agent=agent,
        run_id=frame.run_id,
        node_id=frame.node_id,
        seq=frame.seq,
        records=frame.records,
        logs=frame.logs,
    )
    return [make_frame("snapshot.ack", re=frame.id, run_id=frame.run_id, seq=frame.seq)]


def _run_finished(agent: AgentRef, frame: Frame) -> list[dict]:
    ingest.run_finished(
        agent=agent,
        run_id=frame.run_id,
        status=frame.status,
        counts=frame.counts,
        cursor_before=frame.cursor_before,
        cursor_after=frame.cursor_after,
        started_at=frame.started_at,
        finished_at=frame.finished_at,
        error=frame.error,
    )
    return [make_frame("run.finished.ack", re=frame.id, run_id=frame.run_id)]


def _error(agent: Agent, frame: Frame) -> list[dict]:
    return []  # the agent tells us it could not use a frame; it is logged by the consumer


# Frames that need the agent's row (its plans, its organization's lookup tables, its status).
HANDLERS: dict[str, Handler] = {
    "hello": _hello,
    "config.get": _config_get,
    "lookups.get": _lookups_get,
    "error": _error,
}
# Frames about the agent's runs: every id in them is looked up among the runs (or workflows) of
# this agent in its organization, so its key and organization are all they need.
RUN_HANDLERS: dict[str, RunHandler] = {
    "run.accepted": _run_accepted,
    "run.rejected": _run_rejected,
    "run.open": _run_open,
    "run.progress": _run_progress,
    "snapshot.batch": _snapshot_batch,
    "run.finished": _run_finished,
}


def _unknown_agent(frame: Frame) -> dict:
    return error_frame("unknown_agent", "this agent was deleted in the portal", re=frame.id)


def frame_handle(agent_ref: AgentRef, frame: Frame) -> list[dict]:
    """Apply one validated frame for this agent; refusals become error frames (nothing changed).

    The agent was authenticated by its token when its socket opened; deleting it must take effect
    at once. Most frames do not read its row for that (heartbeats, half of all frames with 1,000
    agents, and run reports; reading it was 4% of the portal's CPU at 20 runs a second in
    bench/dispatch.py): a deleted agent owns no run or workflow any more, so its run reports are
    refused, and only then is its row looked for.
    """
    if frame.type == "heartbeat":
        return _heartbeat(agent_ref.pk, frame)
    try:
        if frame.type in RUN_HANDLERS:
            return RUN_HANDLERS[frame.type](agent_ref, frame)
        agent = row_or_none(Agent.objects.select_related("organization").filter(pk=agent_ref.pk))
        if agent is None:
            return [_unknown_agent(frame)]
        return HANDLERS[frame.type](agent, frame)
    except ingest.FrameRefused as refused:
        if not Agent.objects.filter(pk=agent_ref.pk).exists():
            return [_unknown_agent(frame)]
        return [error_frame(refused.code, f"{frame.type}: {refused.message}", re=frame.id)]
