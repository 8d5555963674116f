"""Helpers for tests that start real processes."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


# Set by the test session itself (tests/settings.py) or by CI; a fresh machine has none of them.
_TEST_ONLY_VARIABLES = {
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "FERRY_ENCRYPTION_KEYS",
    "SECURE_SSL_REDIRECT",
    "WHITENOISE_USE_FINDERS",
    "ALLOWED_HOSTS",
    "DB_CONN_MAX_AGE",  # 0 in the test process only (tests/settings.py); portal processes keep the default
}


def embedded_env(**extra: str) -> dict[str, str]:
    """The environment of a fresh machine: no DATABASE_URL, no REDIS_URL, no CI settings."""
    env = {k: v for k, v in os.environ.items() if k not in _TEST_ONLY_VARIABLES}
    env.update(extra)
    return env


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def portal_serve(port: int, *, env: dict[str, str], log) -> subprocess.Popen:
    """`python -m portal.serve` on `port` in a session of its own (for `stop`), once it listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_port(port, timeout=60, process=process)
    except BaseException:
        stop(process)  # never leave a server that did not come up behind
        raise
    return process


def url_with_path(url: str, name: str) -> str:
    """`url` naming another database (PostgreSQL) or database number (Redis)."""
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def redis_channel_layer() -> bool:
    from django.conf import settings

    return "redis" in settings.CHANNEL_LAYERS["default"]["BACKEND"].lower()


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _postgres_admin(url: str, *statements: str) -> None:
    """Runs statements on the server of `url`, connected to its `postgres` maintenance database."""
    import psycopg2
    from psycopg2 import sql

    parsed = urlparse(url)
    connection = psycopg2.connect(
        host=parsed.hostname or "127.0.0.1", port=parsed.port or 5432, user=parsed.username or "",
        password=parsed.password or "", dbname="postgres", connect_timeout=5,
    )  # fmt: skip
    connection.autocommit = True
    name = unquote(parsed.path.lstrip("/"))
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(sql.SQL(statement).format(name=sql.Identifier(name)), {"name": name})
    finally:
        connection.close()


def postgres_database_create(url: str) -> None:
    """A fresh, empty database named by `url` (dropped first if it exists)."""
    postgres_database_drop(url)
    _postgres_admin(url, "CREATE DATABASE {name}")


def postgres_database_drop(url: str) -> None:
    """Drops the database named by `url`, disconnecting whoever still uses it (killed processes' leftovers)."""
    _postgres_admin(
        url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %(name)s",
        "DROP DATABASE IF EXISTS {name}",
    )
