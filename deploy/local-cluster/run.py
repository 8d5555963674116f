"""Run a Procfile: every line as its own process, output prefixed, all stopped together.

    python deploy/local-cluster/run.py --env-file deploy/local-cluster/local.env
    python deploy/local-cluster/run.py --env-file local.env --only portal1,worker
    python deploy/local-cluster/run.py --env-file local.env --check

Each `name: command` line runs through `/bin/sh -c "exec command"` (so `${VAR:-default}` works and
signals reach the process itself), from the repository root, in its own process group, with the
environment of this process plus the env file (the file wins). The directory of the Python running
this script comes first on PATH, so `python` and `celery` are that virtualenv's.

Ctrl-C or SIGTERM stops every process (SIGTERM, then SIGKILL after --stop-timeout seconds). When one
process exits on its own, the others are stopped too and its exit status is returned: a cluster
with a dead member is not left half-running. `--check` validates the Procfile, the env file and
that every command's program exists, then exits without starting anything.
Standard library only; POSIX (Linux, macOS).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(\S.*)$")
ENV_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
COLORS = ["36", "33", "32", "35", "34", "31"]


class ProcfileError(Exception):
    """The Procfile or env file is wrong; the message says where."""


@dataclass(frozen=True)
class Entry:
    name: str
    command: str


def procfile_parse(text: str) -> list[Entry]:
    entries: list[Entry] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        if match is None:
            raise ProcfileError(f"Procfile line {number} is not `name: command`: {raw!r}")
        if any(e.name == match[1] for e in entries):
            raise ProcfileError(f"Procfile line {number}: {match[1]!r} is defined twice")
        entries.append(Entry(match[1], match[2]))
    if not entries:
        raise ProcfileError("the Procfile defines no process")
    return entries


def env_file_parse(text: str) -> dict[str, str]:
    """KEY=value lines, as compose and systemd read them; surrounding quotes are removed."""
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = ENV_LINE.match(line)
        if match is None:
            raise ProcfileError(f"env file line {number} is not KEY=value: {raw!r}")
        value = match[2].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[match[1]] = value
    return values


def process_env(env_file: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if env_file is not None:
        env.update(env_file_parse(env_file.read_text(encoding="utf-8")))
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env.setdefault("PYTHONUNBUFFERED", "1")  # prefixed output should arrive line by line, not in blocks
    return env


def program_of(command: str, env: dict[str, str]) -> str:
    """The program a command line starts, after the shell's expansion of its variables."""
    result = subprocess.run(
        ["/bin/sh", "-c", f'set -- {command}; printf "%s" "$1"'], env=env, capture_output=True, text=True
    )
    return result.stdout


def check(entries: list[Entry], env: dict[str, str]) -> list[str]:
    problems = []
    for entry in entries:
        program = program_of(entry.command, env)
        if shutil.which(program, path=env["PATH"]) is None:
            problems.append(f"{entry.name}: {program!r} is not on PATH")
    return problems


class Cluster:
    def __init__(self, entries: list[Entry], env: dict[str, str], cwd: Path, stop_timeout: float):
        self.entries, self.env, self.cwd, self.stop_timeout = entries, env, cwd, stop_timeout
        self.processes: dict[str, subprocess.Popen] = {}
        self.width = max(len(e.name) for e in [*entries, Entry("run", "")])
        self.color = sys.stdout.isatty()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.pumps: list[threading.Thread] = []

    def say(self, name: str, text: str) -> None:
        label = name.ljust(self.width)
        if self.color:
            names = [e.name for e in self.entries]
            color = COLORS[names.index(name) % len(COLORS)] if name in names else "1"
            label = f"\033[{color}m{label}\033[0m"
        with self.lock:
            sys.stdout.write(f"{label} | {text}\n")
            sys.stdout.flush()

    def _pump(self, name: str, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.say(name, line.rstrip("\n"))

    def start(self) -> None:
        for entry in self.entries:
            process = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {entry.command}"],
                cwd=self.cwd,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
                start_new_session=True,  # its own process group: stopped as a whole, not by our Ctrl-C
            )
            self.processes[entry.name] = process
            self.say("run", f"{entry.name} started (pid {process.pid}): {entry.command}")
            pump = threading.Thread(target=self._pump, args=(entry.name, process), daemon=True)
            pump.start()
            self.pumps.append(pump)

    def wait(self) -> int:
        """Until a signal arrives (0) or a process exits on its own (its status)."""
        while not self.stopping.is_set():
            for name, process in self.processes.items():
                code = process.poll()
                if code is not None:
                    self.say("run", f"{name} exited with status {code}: stopping the others")
                    return code
            self.stopping.wait(0.2)
        return 0

    def stop(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is None:
                self.say("run", f"stopping {name} (pid {process.pid})")
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for name, process in self.processes.items():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.say("run", f"{name} did not stop within {self.stop_timeout:g}s: killing it")
                _signal_group(process, signal.SIGKILL)
                process.wait()
        for pump in self.pumps:  # the last lines a process wrote before it stopped are printed too
            pump.join(timeout=2)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every process of a Procfile (Ferry's local cluster).")
    parser.add_argument("--procfile", type=Path, default=HERE / "Procfile")
    parser.add_argument("--env-file", type=Path, help="KEY=value file added to the environment")
    parser.add_argument("--only", help="comma-separated process names to start (default: all)")
    parser.add_argument("--cwd", type=Path, default=ROOT, help="working directory (default: the repository)")
    parser.add_argument("--stop-timeout", type=float, default=15.0)
    parser.add_argument("--check", action="store_true", help="validate and exit without starting")
    args = parser.parse_args(argv)
    try:
        entries = procfile_parse(args.procfile.read_text(encoding="utf-8"))
        if args.only:
            wanted = [name.strip() for name in args.only.split(",") if name.strip()]
            unknown = sorted(set(wanted) - {e.name for e in entries})
            if unknown:
                raise ProcfileError(f"--only names no process of the Procfile: {', '.join(unknown)}")
            entries = [e for e in entries if e.name in wanted]
        env = process_env(args.env_file)
    except (OSError, ProcfileError) as exc:
        print(f"run.py: {exc}", file=sys.stderr)
        return 2
    if args.check:
        problems = check(entries, env)
        for problem in problems:
            print(f"run.py: {problem}", file=sys.stderr)
        if not problems:
            print(f"run.py: {len(entries)} process(es) ready: {', '.join(e.name for e in entries)}")
        return 1 if problems else 0

    cluster = Cluster(entries, env, args.cwd, args.stop_timeout)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: cluster.stopping.set())
    cluster.start()
    try:
        code = cluster.wait()
    finally:
        cluster.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
