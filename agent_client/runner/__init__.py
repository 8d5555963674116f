"""The runner: reader → value mapping → writers (bounded pool) → post-tasks → snapshot records."""

from agent_client.runner.engine import RunOptions, RunResult, run_plan

__all__ = ["RunOptions", "RunResult", "run_plan"]
