"""`ferry-agent register`, `update-config`, `update-lookups` and `run` as a person types them."""

import asyncio
import json
import os
import stat
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from agent_client import __version__
from agent_client.cli import main
from agent_client.config import AgentConfig
from agent_client.lookups import lookups_hash
from agent_client.state import AgentState
from tests.agent_client.link.conftest import install, plan_version
from tests.agent_client.link.fake_portal import plan_entry

TABLES = {"Customer Group": {"rows": {"VIP": "WHOLESALE"}, "default": "RETAIL"}}


def write_config(tmp_path, portal_url, token="secret-token"):
    path = tmp_path / "ferry-agent.toml"
    AgentConfig(
        path=path,
        data={"agent": {"data_dir": str(tmp_path / "data")}, "portal": {"url": portal_url, "token": token}},
    ).save()
    return path


async def ferry_agent(*args):
    """The CLI runs its own event loop, so it runs in a thread beside the fake portal's."""
    return await asyncio.to_thread(main, list(args))


async def test_update_config_installs_published_plans_and_withdraws_the_rest(
    portal, tmp_path, capsys, update_plan, add_plan
):
    path = write_config(tmp_path, portal.url)
    state = AgentState(tmp_path / "data" / "state.sqlite3")
    install(state, add_plan)
    install(state, plan_version(update_plan, 2))
    new = plan_version(update_plan, 3)
    portal.published = {new.workflow_id: plan_entry(new)}

    assert await ferry_agent("--config", str(path), "update-config") == 0

    assert state.plan_hashes_live() == {"customer-update": new.hash}
    assert portal.frames("config.get")[0].get("workflow_ids") is None
    assert capsys.readouterr().out.splitlines() == [
        f"Customer Update: version 3 (plan {new.hash[:12]}) is now live",
        "Customer Add: withdrawn (the portal no longer publishes it)",
    ]
    assert await ferry_agent("--config", str(path), "update-config") == 0
    assert capsys.readouterr().out == f"Customer Update: version 3 (plan {new.hash[:12]}) is already live\n"


async def test_update_config_refuses_a_plan_that_does_not_match_its_hash(
    portal, tmp_path, capsys, update_plan
):
    path = write_config(tmp_path, portal.url)
    entry = plan_entry(update_plan)
    entry["plan_hash"] = "0" * 64
    entry["plan"].pop("hash")
    portal.published = {update_plan.workflow_id: entry}

    assert await ferry_agent("--config", str(path), "update-config") == 1

    err = capsys.readouterr().err
    assert err.startswith(
        "ferry-agent: customer-update version 1 was not installed: the plan is not valid: its content hashes to"
    )
    assert AgentState(tmp_path / "data" / "state.sqlite3").plan_hashes_live() == {}


async def test_update_lookups_installs_tables_that_match_their_hash(portal, tmp_path, capsys):
    path = write_config(tmp_path, portal.url)
    portal.lookups = (lookups_hash(TABLES), TABLES)

    assert await ferry_agent("--config", str(path), "update-lookups") == 0

    assert AgentState(tmp_path / "data" / "state.sqlite3").lookups_current() == (lookups_hash(TABLES), TABLES)
    assert (
        capsys.readouterr().out
        == f"Lookup tables: 1 table(s) at {lookups_hash(TABLES)[:12]} are now in use\n"
    )

    portal.lookups = ("f" * 64, {"Other": {"rows": {}, "default": None}})
    assert await ferry_agent("--config", str(path), "update-lookups") == 1
    assert "they were not installed" in capsys.readouterr().err
    assert AgentState(tmp_path / "data" / "state.sqlite3").lookups_current()[0] == lookups_hash(TABLES)


async def test_commands_with_a_revoked_token_say_so_in_one_sentence(portal, tmp_path, capsys):
    path = write_config(tmp_path, portal.url, token="revoked")

    assert await ferry_agent("--config", str(path), "update-config") == 1
    assert await ferry_agent("--config", str(path), "run") == 1

    err = capsys.readouterr().err.splitlines()
    expected = (
        "ferry-agent: the portal refused this agent's token (bad token): register again with "
        "`ferry-agent register --portal URL --code CODE`"
    )
    assert err == [expected, expected]


def test_commands_without_a_portal_say_how_to_register(tmp_path, capsys):
    path = tmp_path / "ferry-agent.toml"
    AgentConfig(path=path, data={"agent": {"data_dir": str(tmp_path / "data")}}).save()
    assert main(["--config", str(path), "update-lookups"]) == 1
    assert capsys.readouterr().err == (
        f"ferry-agent: {path} names no registered portal: run `ferry-agent register --portal URL --code CODE` first\n"
    )


class _Registrar(BaseHTTPRequestHandler):
    requests: list[tuple[str, dict]] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append((self.path, body))
        if body["code"] == "GOOD-CODE":
            status, answer = (
                201,
                {"agent_id": "7", "token": "fa_new_token", "organization": "Acme", "name": "sage-01"},
            )
        else:
            status, answer = 404, {"detail": "This registration code is unknown or has expired."}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def registrar():
    server = HTTPServer(("127.0.0.1", 0), _Registrar)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Registrar.requests = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_register_keeps_the_token_in_a_private_config(registrar, tmp_path, capsys):
    path = tmp_path / "ferry-agent.toml"
    AgentConfig(
        path=path,
        data={"agent": {"data_dir": "data"}, "portal": {"url": "", "token": "", "auto_update": True}},
    ).save()

    assert (
        main(
            [
                "--config",
                str(path),
                "register",
                "--portal",
                registrar + "/",
                "--code",
                "GOOD-CODE",
                "--name",
                "sage-01",
            ]
        )
        == 0
    )

    [(url_path, body)] = _Registrar.requests
    assert url_path == "/api/agents/register/"
    assert body == {
        "code": "GOOD-CODE",
        "hostname": body["hostname"],
        "platform": body["platform"],
        "agent_version": __version__,
        "name": "sage-01",
    }
    saved = tomllib.loads(path.read_text())
    assert saved["portal"] == {"url": registrar, "token": "fa_new_token", "auto_update": True}
    assert saved["agent"] == {"data_dir": "data"}
    if os.name != "nt":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert capsys.readouterr().out.startswith("Registered as sage-01 in Acme (agent 7)")


def test_register_prints_a_refusal_as_one_sentence(registrar, tmp_path, capsys):
    path = tmp_path / "ferry-agent.toml"
    assert main(["--config", str(path), "register", "--portal", registrar, "--code", "OLD-CODE"]) == 1
    assert capsys.readouterr().err == "ferry-agent: This registration code is unknown or has expired.\n"
    assert not path.exists()
    assert "name" not in _Registrar.requests[0][1]


def test_register_says_when_the_portal_is_unreachable(tmp_path, capsys):
    from tests.helpers import free_port

    url = f"http://127.0.0.1:{free_port()}"
    assert main(["--config", str(tmp_path / "x.toml"), "register", "--portal", url, "--code", "C"]) == 1
    assert capsys.readouterr().err == f"ferry-agent: could not reach the portal at {url} (ConnectionError)\n"


@pytest.mark.skipif(os.name == "nt", reason="sends SIGINT, as Ctrl-C does in a POSIX terminal")
async def test_run_keeps_the_link_and_stops_cleanly_on_ctrl_c(portal, tmp_path):
    import signal
    import sys

    from tests.helpers import ROOT

    path = write_config(tmp_path, portal.url)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "agent_client", "--config", str(path), "run",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONFAULTHANDLER": "1"},  # SIGABRT prints where every thread is
    )  # fmt: skip
    try:
        await portal.wait_for(lambda: portal.frames("hello"), timeout=30)
        await asyncio.sleep(0.3)
        process.send_signal(signal.SIGINT)
        try:
            _, err = await asyncio.wait_for(process.communicate(), 30)
        except TimeoutError:  # seen once in a full CI run under load, never alone: say where it hung
            process.send_signal(signal.SIGABRT)
            _, err = await asyncio.wait_for(process.communicate(), 10)
            pytest.fail(f"the agent did not stop within 30 s of Ctrl-C; its stacks:\n{err.decode()}")
    finally:
        if process.returncode is None:
            process.kill()
    lines = err.decode().splitlines()
    assert process.returncode == 0
    assert "connected to ws://127.0.0.1" in lines[0] and "as agent 7 of Acme (0 run(s) waiting)" in lines[0]
    assert lines[-1] == "ferry-agent: link stopped"
