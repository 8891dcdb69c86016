"""The one door to git: every git process conflictscan starts is started here (and the one
package-manager command `fix --run-lock` runs, when asked).

A scanned repository is untrusted: its configuration (or a file it `include.path`s) can name
programs for git to run — fsmonitor, hooks, clean/smudge/process filters, merge and diff
drivers, pagers, credential and askpass helpers, ssh commands, transports — and a partial
clone fetches missing objects on demand. Each command here runs with options that switch all
of that off. Command-line `-c` settings are read after every configuration file, so no
repository setting or include can turn them back on.

Two ways to run:
- in the repository (`run`): refs, trees, blobs and file lists, with the hardened options;
- isolated (`run_isolated`): inside our private scratch repository, which reads no
  configuration but ours (no system, global or repository file) and borrows the scanned
  repository's objects as an alternate. Everything that could apply a filter or a merge
  driver, or that writes (merge simulations, snapshots of worktrees), runs there.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping

from analyzer import tempfiles
from analyzer.errors import InputError

# Settings that would make git run a program or write, each switched off.
HARDENED_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),  # a hook program asked for changed files
    ("core.hooksPath", os.devnull),  # no hook can live under /dev/null: none runs
    ("core.askPass", ""),
    ("credential.helper", ""),  # an empty value clears every configured helper
    ("protocol.allow", "never"),  # no transport: no lazy fetch, ssh, ext:: or helper
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
    ("merge.renormalize", "false"),  # renormalizing runs the clean filter on merge input
    ("core.splitIndex", "false"),  # a split index writes sharedindex.* into the git dir
    ("log.showSignature", "false"),  # signature checks run gpg
    ("submodule.recurse", "false"),
    ("diff.ignoreSubmodules", "all"),
    ("core.quotePath", "false"),
)

# The environment git reads: what could redirect it or run a program goes; what makes it
# quiet, lock-free and offline is set.
_DROPPED = (
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX",
    "GIT_QUARANTINE_PATH", "GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS", "GIT_SSH", "GIT_SSH_COMMAND",
    "GIT_PROXY_COMMAND", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "GIT_CONFIG",
    "GIT_CONFIG_SYSTEM", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "GIT_ATTR_SOURCE",
    "GIT_REPLACE_REF_BASE", "GIT_SHALLOW_FILE", "GIT_GRAFT_FILE", "GIT_TRACE",
    "GIT_TRACE2", "GIT_TRACE2_EVENT", "GIT_TRACE2_PERF",
)
_SET = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",  # no opportunistic index refresh by read commands
    "GIT_NO_LAZY_FETCH": "1",  # git >= 2.44; older gits are stopped by the protocol ban
    "GIT_ALLOW_PROTOCOL": "conflictscan-allows-none",  # beats any protocol.<name>.allow
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GIT_ASKPASS": "",  # set and empty: core.askPass is not consulted, nothing runs
    "SSH_ASKPASS": "",
    "GIT_LITERAL_PATHSPECS": "1",  # a file named ':(exclude)*' is a file, not magic
    "LC_ALL": "C",  # messages we can recognise
}
# The isolated scratch repository reads our configuration only.
_ISOLATED = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
_ISOLATED_CONFIG = (("core.attributesFile", os.devnull),)


class GitError(InputError):
    """A git command failed; the message is git's own last line."""


def hardened_env(extra: Mapping[str, str] | None = None, *, isolated: bool = False
                 ) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    if isolated:
        for key in [k for k in env if k.startswith("GIT_CONFIG_")]:
            del env[key]
        env.update(_ISOLATED)
    env.update(_SET)
    env.update(extra or {})
    return env


def hardened_command(args: Iterable[str], *, isolated: bool = False,
                     config: Iterable[tuple[str, str]] = ()) -> list[str]:
    options = [*HARDENED_CONFIG, *(_ISOLATED_CONFIG if isolated else ()), *config]
    command = ["git", "--no-pager"]
    for key, value in options:
        command += ["-c", f"{key}={value}"]
    return [*command, *args]


def run_git(args: Iterable[str], cwd: str, *, env: Mapping[str, str] | None = None,
            stdin: bytes | None = None, ok: Iterable[int] = (0,), isolated: bool = False,
            config: Iterable[tuple[str, str]] = ()) -> bytes:
    """Run one git command, hardened; its standard output, or GitError."""
    args = list(args)
    if tempfiles.stopping():
        raise InputError("stopped")
    try:
        process = subprocess.Popen(hardened_command(args, isolated=isolated, config=config),
                                   cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE,
                                   env=hardened_env(env, isolated=isolated))
    except FileNotFoundError:
        raise InputError("git is not installed (or not on PATH); conflictscan needs it") \
            from None
    except NotADirectoryError:
        raise InputError("not a directory", cwd) from None
    with tempfiles.child(process):  # a signal stops it before our files are removed
        out, err = process.communicate(stdin if stdin is not None else b"")
    if process.returncode not in tuple(ok):
        raise GitError(f"git {args[0]} failed: {last_line(err, process.returncode)}", cwd)
    return out


def last_line(stderr: bytes, code: int) -> str:
    """git's own reason, one printable line: what a user can act on."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line and not line.startswith("hint:")]
    text = lines[-1] if lines else f"exit code {code}"
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= 300 else text[:300] + "…"


def run_lock_command(argv: list[str], cwd: str) -> int:
    """The one program conflictscan runs that is not git: a package manager's own lock
    command (`uv lock`, `poetry lock`), for `fix --apply --run-lock` only, where the user
    asked for exactly that. It runs in the user's worktree with the user's environment."""
    return subprocess.run(argv, cwd=cwd, check=False).returncode
