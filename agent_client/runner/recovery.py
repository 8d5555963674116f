"""Runs interrupted by a crash or `kill -9` end with their true status when the agent starts again.

The killed process cannot say so itself. Its committed records are already in the outbox (each
page's snapshot batches are written with the page), so the next agent process reports the run
as `failed` ("interrupted") with exactly the counts of those records; the next sync re-reads
from the unchanged cursor and nothing is lost.
"""

from __future__ import annotations

import os
import sys
import uuid
from datetime import UTC, datetime

from agent_client.state import AgentState

INTERRUPTED = "the agent stopped during this run (interrupted); its processed records are reported"


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def runs_recover_interrupted(
    state: AgentState, *, to_outbox: bool, keep: set[str] | None = None
) -> list[str]:
    """Finish runs whose process is gone; `keep` names local ids this process is running."""
    recovered = []
    for run in state.runs_unfinished():
        if (keep and run["local_id"] in keep) or pid_alive(run.get("owner_pid")):
            continue  # still going, here or in another ferry-agent process
        counts = state.run_counts_recorded(run["local_id"])
        now = datetime.now(UTC).isoformat()
        with state.transaction():
            state.run_finish(
                local_id=run["local_id"],
                status="failed",
                counts=counts,
                cursor_after=run["cursor_before"],
                error=INTERRUPTED,
            )
            if to_outbox:
                run_ref = run["portal_run_id"] or run["local_id"]
                state.outbox_put(
                    "run.finished",
                    {
                        "type": "run.finished",
                        "id": str(uuid.uuid4()),
                        "run_id": run_ref,
                        "status": "failed",
                        "counts": counts,
                        "cursor_before": run["cursor_before"],
                        "cursor_after": run["cursor_before"],
                        "started_at": datetime.fromtimestamp(run["started_at"], UTC).isoformat(),
                        "finished_at": now,
                        "error": INTERRUPTED,
                    },
                    run_id=run_ref,
                )
        recovered.append(run["local_id"])
    return recovered
