"""`pip install ./agent_client` in a fresh virtualenv gives a working `ferry-agent` and nothing of the portal.

The agent goes onto customers' Windows servers next to Sage 300: its install must stay the four
small libraries of requirements/agent.txt. Needs PyPI (or a configured index) for those.
"""

import shutil
import subprocess
import sys
import tomllib

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow
PORTAL_STACK = {
    "django",
    "channels",
    "channels-redis",
    "celery",
    "djangorestframework",
    "uvicorn",
    "psycopg2-binary",
}


def test_it_installs_the_agent_alone(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    # Built from a copy: an in-tree build would leave build/ and *.egg-info behind in agent_client/.
    source = tmp_path / "agent_client"
    shutil.copytree(ROOT / "agent_client", source, ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(source)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    version = subprocess.run([str(venv / "bin" / "ferry-agent"), "--version"], capture_output=True, text=True)
    expected = tomllib.loads((ROOT / "agent_client" / "pyproject.toml").read_text())["project"]["version"]
    assert version.returncode == 0, version.stderr
    assert expected in version.stdout

    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    )
    installed = {line.split("==")[0].lower().replace("_", "-") for line in listed.stdout.split()}
    assert "ferry-agent" in installed
    assert {"requests", "websockets", "tomli-w", "zstandard"} <= installed
    assert not installed & PORTAL_STACK, installed & PORTAL_STACK
    assert not [name for name in installed if name.startswith(("django", "rest-framework", "celery"))]
    # And it runs without them: the agent never imports Django.
    imports = subprocess.run(
        [str(python), "-c", "import agent_client.cli, agent_client.link.session, agent_client.runner.engine, sys; "
         "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'channels', 'celery')))"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert (imports.returncode, imports.stdout.strip()) == (0, "[]"), imports.stderr
