"""What every benchmark here shares: whole processes timed cold, alternated in one run.

Each figure is a new process (start-up, imports and git calls included), so ours and a peer
are measured the same way; runs of the compared commands alternate (ours, peer, floor, ours,
…) so a machine that gets busier mid-run slows both alike. Reported: min and median, the peak
resident memory of the process, and the floor beside each figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PYTHON = sys.executable


@dataclass
class Timings:
    seconds: list[float] = field(default_factory=list)
    peak_kib: int = 0
    last_stdout: str = ""
    last_code: int = 0

    @property
    def min(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def run_once(argv: Sequence[str], cwd: Path | str, env: Mapping[str, str] | None = None,
             stdin: str | None = None) -> tuple[float, int, str, int]:
    """One cold process: wall time, its own peak RSS in KiB (wait4), stdout, exit code."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as given:
        if stdin is not None:
            given.write(stdin.encode())
            given.seek(0)
        start = time.perf_counter()
        process = subprocess.Popen(list(argv), cwd=cwd, env=process_env(env),
                                   stdin=given if stdin is not None else subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return elapsed, int(usage.ru_maxrss), out.read().decode("utf-8", "replace"), \
            process.returncode


def process_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a timed process: ours, without PYTHONDONTWRITEBYTECODE. An
    installed Python tool runs from bytecode; with that variable set (as in some CI and
    sandbox shells) every process compiles each of its modules from source again, ~70 ms
    for ours and as much for alembic's revision files: a cost no user pays."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **(extra or {})}


def alternate(commands: Mapping[str, Sequence[str]], runs: int, cwd: Path | str,
              env: Mapping[str, str] | None = None, stdin: str | None = None,
              warmup: int = 1) -> dict[str, Timings]:
    """Run every command `runs` times, alternating, after `warmup` untimed rounds (the page
    cache is warm for all alike; no process keeps anything from one run to the next)."""
    result = {name: Timings() for name in commands}
    for _ in range(warmup):
        for argv in commands.values():
            run_once(argv, cwd, env, stdin)
    for _ in range(runs):
        for name, argv in commands.items():
            seconds, peak, out, code = run_once(argv, cwd, env, stdin)
            timing = result[name]
            timing.seconds.append(seconds)
            timing.peak_kib = max(timing.peak_kib, peak)
            timing.last_stdout, timing.last_code = out, code
    return result


def seconds(value: float) -> str:
    return f"{value:.3f}"


def git(root: Path | str, *args: str, stdin: bytes | None = None,
        env: Mapping[str, str] | None = None) -> str:
    """Build-time git for the benchmark's own repositories (never for what is measured)."""
    done = subprocess.run(["git", "-C", str(root), *args], input=stdin, capture_output=True,
                          env={**os.environ, **(env or {})}, check=False)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {done.stderr.decode()[-400:]}")
    return done.stdout.decode()


def conflictscan(*args: str) -> list[str]:
    """The installed CLI as a new process (the same interpreter that runs the benchmark)."""
    return [PYTHON, "-m", "analyzer", *args]


def other_checkout(directory: str) -> list[str]:
    """The interpreter of another checkout of conflictscan (`--against DIR`: its own
    `.venv`, where that tree is installed), to run its CLI as a process beside ours."""
    root = Path(directory).resolve()
    for candidate in (root / ".venv" / "bin" / "python", root / "venv" / "bin" / "python"):
        if candidate.is_file():
            return [str(candidate), "-m", "analyzer"]
    raise SystemExit(f"--against {directory}: no .venv/bin/python there (install that "
                     "checkout into its own .venv first)")


def against_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--against", metavar="DIR",
                        help="also time another checkout's conflictscan (DIR/.venv), "
                             "alternated with ours in the same run")
