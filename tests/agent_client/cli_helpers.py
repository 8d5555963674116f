"""Drive `ferry-agent` as a person would: a real process, a config file, exit codes and output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT


def agent_config(tmp_path: Path, shopify_url: str, sage_url: str) -> Path:
    path = tmp_path / "ferry-agent.toml"
    result = ferry_agent(
        path,
        "config",
        "init",
        "--shop-url",
        shopify_url,
        "--shopify-token",
        "shpat_demo",
        "--sage-url",
        f"{sage_url}/Sage300WebApi/v1.0",
        "--company",
        "SAMINC",
        "--user",
        "WEBAPI",
        "--password",
        "webapi",
    )
    assert result.returncode == 0, result.stderr
    return path


def ferry_agent(config: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agent_client", "--config", str(config), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ferry_agent_start(config: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "agent_client", "--config", str(config), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
