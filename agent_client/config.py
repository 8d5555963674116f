"""`ferry-agent.toml`: where the agent keeps its settings and the on-prem credentials.

The Sage 300 password and the Shopify token live here, next to the ERP, and never go to the
portal. The file is written with mode 0600 (owner only) where the platform supports it.
"""

from __future__ import annotations

import os
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

DEFAULT_FILE = "ferry-agent.toml"


class ConfigError(Exception):
    """The configuration file is missing or wrong; the message says what to change."""


@dataclass
class AgentConfig:
    path: Path
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        raw = self.data.get("agent", {}).get("data_dir", "ferry-agent-data")
        path = Path(raw)
        return path if path.is_absolute() else (self.path.parent / path)

    @property
    def state_path(self) -> Path:
        return self.data_dir / "state.sqlite3"

    @property
    def max_workers(self) -> int:
        return int(self.data.get("agent", {}).get("max_workers", 8))

    @property
    def history_days(self) -> int:
        """Days the local transaction history keeps each record (it holds every record's payloads)."""
        value = self.data.get("agent", {}).get("history_days", 30)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(
                f"[agent] history_days in {self.path} must be a whole number of days, 1 or more"
            )
        return value

    def history_cutoff(self) -> float:
        """Records older than this (a Unix time) leave the local history."""
        return time.time() - self.history_days * 86_400

    @property
    def portal(self) -> dict[str, Any]:
        return dict(self.data.get("portal", {}))

    @property
    def portal_url(self) -> str:
        return str(self.data.get("portal", {}).get("url") or "").rstrip("/")

    @property
    def portal_token(self) -> str:
        return str(self.data.get("portal", {}).get("token") or "")

    @property
    def auto_update(self) -> bool:
        """Pull newly published plans and lookup tables without a person asking."""
        return bool(self.data.get("portal", {}).get("auto_update", False))

    def connection(self, name: str, kind: str) -> dict[str, Any]:
        connections = self.data.get("connections", {})
        if name not in connections:
            raise ConfigError(
                f"the workflow uses a connection named {name!r}, but {self.path} has no [connections.{name}] section"
            )
        settings = dict(connections[name])
        if settings.get("kind") != kind:
            raise ConfigError(f'[connections.{name}] in {self.path} must have kind = "{kind}"')
        required = {"shopify": ("shop_url", "token"), "sage300": ("base_url", "company", "user", "password")}[
            kind
        ]
        missing = [key for key in required if not settings.get(key)]
        if missing:
            raise ConfigError(f"[connections.{name}] in {self.path} lacks {', '.join(missing)}")
        return settings

    def save(self) -> None:
        write_private(self.path, tomli_w.dumps(self.data))


def write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only (0600), without a window where it is world-readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(temporary, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)
    if os.name != "nt":
        os.chmod(path, 0o600)


def config_path(explicit: str | None) -> Path:
    return Path(explicit or os.environ.get("FERRY_AGENT_CONFIG") or DEFAULT_FILE).resolve()


def config_load(explicit: str | None = None) -> AgentConfig:
    path = config_path(explicit)
    if not path.exists():
        raise ConfigError(f"no configuration at {path}: create one with `ferry-agent config init`")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    return AgentConfig(path=path, data=data)


def config_template(
    *,
    shop_url: str,
    shopify_token: str,
    sage_url: str,
    company: str,
    user: str,
    password: str,
    portal_url: str = "",
    data_dir: str = "ferry-agent-data",
) -> dict[str, Any]:
    return {
        "agent": {"data_dir": data_dir, "max_workers": 8, "history_days": 30},
        "portal": {"url": portal_url, "token": "", "auto_update": False},
        "connections": {
            "shopify": {
                "kind": "shopify",
                "shop_url": shop_url,
                "token": shopify_token,
                "api_version": "2025-07",
            },
            "sage300": {
                "kind": "sage300",
                "base_url": sage_url,
                "company": company,
                "user": user,
                "password": password,
                "max_concurrency": 4,
            },
        },
    }
