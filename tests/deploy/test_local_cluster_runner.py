"""deploy/local-cluster/run.py: runs a Procfile with an env file, prefixes output, stops everything together."""

import importlib.util
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.helpers import ROOT, embedded_env

RUNNER = ROOT / "deploy" / "local-cluster" / "run.py"
_spec = importlib.util.spec_from_file_location("local_cluster_run", RUNNER)
run = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = run  # dataclasses look their module up while the file executes
_spec.loader.exec_module(run)

SLEEPER = "python -c \"import time; print('up', flush=True); time.sleep(60)\""


def _runner(tmp_path, procfile: str, env_text: str = "", *args: str) -> subprocess.Popen:
    (tmp_path / "Procfile").write_text(procfile)
    (tmp_path / "test.env").write_text(env_text)
    return subprocess.Popen(
        [sys.executable, str(RUNNER), "--procfile", str(tmp_path / "Procfile"), "--env-file",
         str(tmp_path / "test.env"), "--stop-timeout", "5", *args],
        cwd=tmp_path, env=embedded_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def test_it_parses_procfiles_and_env_files():
    assert run.procfile_parse("# comment\n\nweb: python -m x --port ${P:-1}\nworker:celery -A y\n") == [
        run.Entry("web", "python -m x --port ${P:-1}"),
        run.Entry("worker", "celery -A y"),
    ]
    with pytest.raises(run.ProcfileError, match="line 1 is not `name: command`"):
        run.procfile_parse("just a command\n")
    with pytest.raises(run.ProcfileError, match="'web' is defined twice"):
        run.procfile_parse("web: a\nweb: b\n")
    assert run.env_file_parse("# c\nA=1\nexport B='two words'\nC=\"x=y\"\nD=\n") == {
        "A": "1",
        "B": "two words",
        "C": "x=y",
        "D": "",
    }
    with pytest.raises(run.ProcfileError, match="env file line 1 is not KEY=value"):
        run.env_file_parse("not a line\n")


def test_it_checks_the_real_procfile_without_starting_anything():
    result = subprocess.run(
        [sys.executable, str(RUNNER), "--check", "--env-file", str(RUNNER.parent / "local.env.example")],
        cwd=ROOT,
        env=embedded_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "run.py: 4 process(es) ready: portal1, portal2, worker, beat\n"


def test_it_reports_a_program_that_does_not_exist(tmp_path):
    process = _runner(tmp_path, "web: no-such-program-ferry --flag\n", "", "--check")
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 1
    assert output == "run.py: web: 'no-such-program-ferry' is not on PATH\n"


def test_it_prefixes_output_uses_the_env_file_and_stops_everything_on_sigterm(tmp_path):
    greeter = "python -c \"print('hello ${GREETING}', flush=True); import time; time.sleep(60)\""
    procfile = f"slow: {SLEEPER}\ngreeter: {greeter}\n"
    process = _runner(tmp_path, procfile, "GREETING=from the env file\n")
    lines = []
    deadline = time.monotonic() + 30
    ready = ("greeter | hello", "slow    | up")
    while time.monotonic() < deadline and not all(any(x.startswith(r) for x in lines) for r in ready):
        lines.append(process.stdout.readline())
    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=30)
    output = "".join(lines) + rest
    assert process.returncode == 0, output
    assert "greeter | hello from the env file\n" in output
    assert "slow    | up\n" in output
    pids = [int(pid) for pid in re.findall(r"started \(pid (\d+)\)", output)]
    assert len(pids) == 2
    for pid in pids:  # nothing left behind
        assert subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode != 0


def test_it_stops_the_others_when_one_process_dies(tmp_path):
    process = _runner(
        tmp_path, f'slow: {SLEEPER}\ncrasher: python -c "import sys, time; time.sleep(1); sys.exit(3)"\n'
    )
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 3
    assert "run     | crasher exited with status 3: stopping the others\n" in output
    assert "run     | stopping slow (pid " in output


def test_it_starts_what_compose_and_systemd_start():
    procfile = {e.name: e.command for e in run.procfile_parse((RUNNER.parent / "Procfile").read_text())}
    assert procfile["portal1"].startswith("python -m portal.serve ")
    assert procfile["portal2"].startswith("python -m portal.serve ")
    assert procfile["worker"].startswith("celery -A portal worker -Q ferry -l info")
    assert procfile["beat"] == "celery -A portal beat -l info"
    units = ROOT / "deploy" / "systemd"
    exec_starts = {
        path.name: next(line for line in path.read_text().splitlines() if line.startswith("ExecStart="))
        for path in units.glob("*.service")
    }
    assert exec_starts == {
        "ferry-portal@.service": "ExecStart=/opt/ferry/.venv/bin/python -m portal.serve --host 127.0.0.1 --port %i",
        "ferry-worker.service": "ExecStart=/opt/ferry/.venv/bin/celery -A portal worker -Q ferry -l info",
        "ferry-beat.service": "ExecStart=/opt/ferry/.venv/bin/celery -A portal beat -l info",
        "ferry-agent.service": "ExecStart=/opt/ferry-agent/bin/ferry-agent run",
    }
    for name in ("ferry-portal@.service", "ferry-worker.service", "ferry-beat.service"):
        assert "EnvironmentFile=/etc/ferry/ferry.env\n" in (units / name).read_text()
        assert "User=ferry\n" in (units / name).read_text()
