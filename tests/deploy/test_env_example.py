"""deploy/ferry.env.example explains every setting the portal reads, and with its values (placeholders
filled in) the portal passes `manage.py check --deploy` without a single warning."""

import re
import subprocess
import sys

from tests.helpers import ROOT, embedded_env

EXAMPLE = ROOT / "deploy" / "ferry.env.example"
PLACEHOLDER = re.compile(r"<[^<>]+>")
DUMMIES = {
    "SECRET_KEY": "dummy-Zq8vW2nR5tY7uI9oP1aS3dF6gH8jK0lX4cV6bN8mQ2wE4rT6yU8iO0pA2sD4",
    "FERRY_ENCRYPTION_KEYS": "dGVzdHMtb25seS1rZXktMDEyMzQ1Njc4OWFiY2RlZiE=",
}


def _read_names(*paths) -> set[str]:
    pattern = re.compile(r'(?:env_(?:str|bool|int|list)|os\.environ\.get)\(\s*"([A-Z0-9_]+)"')
    return {name for path in paths for name in pattern.findall(path.read_text())}


def _example() -> dict[str, str]:
    values = {}
    for line in EXAMPLE.read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            key, value = match.groups()
            values[key] = PLACEHOLDER.sub(DUMMIES.get(key, "dummy"), value)
    return values


def test_it_explains_every_setting_the_portal_reads():
    names = _read_names(
        ROOT / "portal" / "settings.py", ROOT / "portal" / "env.py", ROOT / "portal" / "serve.py"
    )
    assert {
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "DB_CONN_MAX_AGE",
        "LOG_LEVEL",
        "FORWARDED_ALLOW_IPS",
    } <= names
    lines = EXAMPLE.read_text().splitlines()
    for name in sorted(names):
        at = [i for i, line in enumerate(lines) if re.match(rf"^(# )?{name}=", line)]
        assert at, f"deploy/ferry.env.example does not mention {name}"
        assert lines[at[0] - 1].startswith("#") and len(lines[at[0] - 1]) > 3, f"{name} has no explanation"


def test_it_marks_what_must_be_filled_in_and_defaults_the_rest_for_compose():
    settings_lines = [line for line in EXAMPLE.read_text().splitlines() if not line.startswith("#")]
    assert sorted({p for line in settings_lines for p in PLACEHOLDER.findall(line)}) == [
        "<fernet key>",
        "<postgres password>",
        "<secret key>",
    ]
    values = _example()
    assert values["DEBUG"] == "0"
    assert values["CELERY_TASK_ALWAYS_EAGER"] == "0"
    assert values["DATABASE_URL"] == "postgres://ferry:dummy@postgres:5432/ferry"
    assert values["POSTGRES_PASSWORD"] == "dummy"  # the same placeholder: the two must match
    assert values["REDIS_URL"] == "redis://redis:6379/0"


def test_it_passes_check_deploy_with_the_example_values():
    env = embedded_env(DJANGO_SETTINGS_MODULE="portal.settings", **_example())
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
