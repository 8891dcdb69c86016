"""Command line: parse arguments, call a command, map errors to exit codes. No analysis here.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input error
(and, as a last resort, an internal error: never a traceback unless --debug asks for it),
130 interrupted (SIGINT and SIGTERM end the process by that signal once analyzer.tempfiles has
removed our files). A reader that goes away (`| head`) ends the run quietly with 141.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from analyzer import __version__
from analyzer.config import FAIL_LEVELS
from analyzer.errors import InputError, file_of, printable

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
FORMATS = ("text", "concise", "json", "sarif", "github", "markdown")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise InputError(message)


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", "--output-format", dest="format", choices=FORMATS,
                        default="text",
                        help="text (default), concise (path:line: CS203 message), json, sarif "
                             "(code scanning), github (workflow annotations), markdown (PR "
                             "comment or job summary)")
    parser.add_argument("--statistics", action="store_true",
                        help="one line per rule with its count, instead of the findings")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="the findings and errors only: no header, table, schedule or "
                             "summary")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report here")
    parser.add_argument("--sarif-output", metavar="FILE",
                        help="also write SARIF to FILE, from the same run (with --format "
                             "github: annotations, job summary and SARIF at once)")
    parser.add_argument("--fail-on", choices=FAIL_LEVELS, default=None,
                        help="exit 1 when a finding is at or above this severity "
                             "(default: error, or fail-on in [tool.conflictscan])")
    parser.add_argument("--baseline", metavar="FILE",
                        help="accept the findings recorded in FILE: they are not reported")
    parser.add_argument("--write-baseline", metavar="FILE",
                        help="record every current finding in FILE as accepted, and exit 0")
    parser.add_argument("--select", type=_csv, default=[], metavar="IDS",
                        help="only these rules or prefixes, comma-separated (CS2,CS401)")
    parser.add_argument("--ignore", type=_csv, default=[], metavar="IDS",
                        help="skip these rules or prefixes, comma-separated (added to the "
                             "configured ignore)")
    parser.add_argument("--extend-select", type=_csv, default=[], metavar="IDS",
                        help="add these rules or prefixes to the selection (configured or "
                             "--select)")
    parser.add_argument("--extend-ignore", type=_csv, default=[], metavar="IDS",
                        help="skip these rules or prefixes too (same as --ignore)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")


def _debug_option(parser: argparse.ArgumentParser, default: object = False) -> None:
    parser.add_argument("--debug", action="store_true", default=default,
                        help="show the traceback of an internal error (please attach it to a "
                             "report)")


def _git_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", metavar="REF",
                        help="what the work merges into, such as origin/main (default: base in "
                             "[tool.conflictscan], else origin/HEAD, else main, else master)")
    parser.add_argument("--repo", metavar="PATH", default=".",
                        help="a directory in the repository (default: the current directory)")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; with `command`, only that command's own options are defined (a
    process runs one command: the hook defines its ~20 options, not all ~120)."""

    def wanted(name: str) -> bool:
        return command is None or command == name

    parser = _Parser(
        prog="conflictscan",
        description="Find where parallel tasks, branches and worktrees will collide: shared "
                    "dependency files, lockfiles, migrations, ports, databases, venvs.",
        epilog="Exit codes: 0 no findings at or above --fail-on, 1 findings, 2 usage or input "
               "error. `conflictscan explain CS201` tells why a rule matters and what to do.",
    )
    parser.add_argument("--version", action="version", version=f"conflictscan {__version__}")
    _debug_option(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    plan = commands.add_parser(
        "plan", help="check a task plan before the parallel work starts",
        description="Read a task plan (markdown, JSON, YAML or TOML), predict what each task "
                    "touches, report the collisions and propose a schedule.")
    if wanted("plan"):
        plan.add_argument("plan_files", metavar="PLAN", nargs="+",
                          help="the plan: tasks.md, tasks.json, a ccpm epic directory, … (several "
                               "plans: one report each, in one output)")
        plan.add_argument("--fix", action="store_true",
                          help="show the plan rewritten in its own format so its tasks stop "
                               "colliding (a port and database per task, an order where they "
                               "share files); with --apply, write it")
        plan.add_argument("--apply", action="store_true",
                          help="with --fix: write the corrected plan over the plan file(s)")
        plan.add_argument("--shape", metavar="NAME",
                          help="read the plan as this shape instead of the best-scoring one: "
                               "spec-kit, task-master, ccpm, work-packages, agents, headings, "
                               "labels, checklist, structured")
        plan.add_argument("--repo", metavar="PATH",
                          help="resolve the plan against this repository (manifests, lockfiles, "
                               "alembic and Django migrations, venvs); read-only")
        _report_options(plan)

    branches = commands.add_parser(
        "branches", help="compare branches and worktrees against the base and each other",
        description="Compare every active branch and worktree (uncommitted and untracked "
                    "changes included) with the base and with each other: the conflicts git "
                    "will hit, and the collisions it will not (alembic heads, Django leaf "
                    "nodes, duplicate requirements). Read-only.")
    if wanted("branches"):
        branches.add_argument("refs", nargs="*", metavar="REF",
                              help="branches, tags, SHAs or refs/pull/N/head (default: every local "
                                   "branch and every worktree)")
        branches.add_argument("--all", action="store_true", help="every local branch")
        branches.add_argument("--remote", action="append", default=[], metavar="PATTERN",
                              help="remote branches matching a pattern, such as 'origin/feat-*'")
        branches.add_argument("--no-worktrees", action="store_true",
                              help="leave out the worktrees' uncommitted changes")
        _git_options(branches)
        branches.add_argument("--file", action="append", default=[], metavar="PATH",
                              help="the pre-edit question, for PATH (repeat for several): the "
                                   "collisions editing it now would make, by the full scan's rules "
                                   "(exit 1 at or above --fail-on); JSON: "
                                   "docs/file-query.schema.json")
        _report_options(branches)

    check = commands.add_parser(
        "check", help="check the staged change (a pre-commit hook)",
        description="Check the change being committed (the branch so far plus the staged "
                    "files) against the base and every other active branch and worktree: a "
                    "migration on a parent that is no longer the base's head, a lockfile or "
                    "manifest another workstream also changes, duplicate requirements.")
    if wanted("check"):
        _git_options(check)
        check.add_argument("--no-worktrees", action="store_true",
                           help="compare with branches only, not with other worktrees' files")
        check.add_argument("files", nargs="*", metavar="FILE",
                           help="ignored: the staged change is read from git (pre-commit passes "
                                "file names)")
        _report_options(check)

    pr = commands.add_parser(
        "pr", help="check a pull request against its target branch (CI)",
        description="The pull request's head against the current tip of its target branch "
                    "(and against other open pull requests with --others): conflicts, a "
                    "migration whose parent is no longer the head, a lockfile or dependency "
                    "the base also changed.")
    if wanted("pr"):
        pr.add_argument("--head", metavar="REF", default="HEAD", help="the pull request (HEAD)")
        pr.add_argument("--others", action="append", default=[], metavar="PATTERN",
                        help="other open pull requests, such as 'refs/remotes/pull/*/head' or "
                             "'origin/feature-*'")
        _git_options(pr)
        _report_options(pr)

    hook = commands.add_parser(
        "hook", help="answer a coding agent's pre-tool-use hook (JSON on stdin)",
        description="Read an agent's pre-tool-use call as JSON on stdin (Claude Code's "
                    "PreToolUse: tool_name, tool_input.file_path, cwd) and, for Edit, Write, "
                    "MultiEdit and NotebookEdit, say whether writing that file now collides "
                    "with another branch or worktree, by the full scan's rules and "
                    "severities. Exit 2 with a one-line reason on stderr blocks the edit; "
                    "exit 0 lets it run; exit 1 means it could not be checked (not blocking).")
    if wanted("hook"):
        hook.add_argument("agent", choices=("agent",), help="the hook protocol: agent")
        hook.add_argument("--base", metavar="REF",
                          help="what the work merges into (as for branches)")
        hook.add_argument("--fail-on", choices=FAIL_LEVELS, default=None,
                          help="block at or above this severity (default: error, or fail-on in "
                               "[tool.conflictscan])")
        hook.add_argument("--select", type=_csv, default=[], metavar="IDS")
        hook.add_argument("--ignore", type=_csv, default=[], metavar="IDS")

    fix = commands.add_parser(
        "fix", help="apply the mitigation of findings in this worktree (dry run by default)",
        description="Show, and with --apply write, the fix of each finding that involves the "
                    "current worktree: alembic revisions re-parented or merged, Django "
                    "migrations renumbered or merged, requirements merged, the lock command "
                    "for lockfiles. Only the files each fix names are written.")
    if wanted("fix"):
        fix.add_argument("ids", nargs="*", metavar="FINDING-ID",
                         help="fix only these findings (ids as `fix` lists them; a prefix is "
                              "enough)")
        fix.add_argument("--rule", action="append", default=[], metavar="CSxxx",
                         help="fix only the findings of this rule")
        fix.add_argument("--all", action="store_true",
                         help="every finding of this worktree, including those with no automatic "
                              "fix (they are listed with what to do)")
        fix.add_argument("--apply", action="store_true", help="write the changes")
        fix.add_argument("--force", action="store_true",
                         help="write even over files with uncommitted changes")
        fix.add_argument("--merge", action="store_true",
                         help="write a merge revision or merge migration instead of re-parenting")
        fix.add_argument("--run-lock", action="store_true",
                         help="with --apply: restore the base's lockfile and run the package "
                              "manager's lock command (the only program fix ever runs)")
        _git_options(fix)

    driver = commands.add_parser(
        "merge-driver", help="a git merge driver for requirements files",
        description="Merge requirements files by package, not by line: both sides' additions, "
                    "one line per package. Set up with `git config merge.conflictscan.driver "
                    "'conflictscan merge-driver %%O %%A %%B %%P'` and `requirements*.txt "
                    "merge=conflictscan` in .gitattributes.")
    if wanted("merge-driver"):
        driver.add_argument("base_file", metavar="BASE", help="%%O: the common ancestor's version")
        driver.add_argument("ours_file", metavar="OURS",
                            help="%%A: ours; the result is written here")
        driver.add_argument("theirs_file", metavar="THEIRS", help="%%B: theirs")
        driver.add_argument("path", nargs="?", default="", metavar="PATH",
                            help="%%P: the file's path, for messages")

    backtest = commands.add_parser(
        "backtest", help="replay the repository's merges: what the rules caught and missed",
        description="Replay the repository's own merges (two-parent merges, and squash-merged "
                    "pull requests when refs/pull/*/head are fetched): the analysis of both "
                    "sides against their merge-base, scored against what git merge-tree, "
                    "alembic heads and Django leaves show in the merged tree. Read-only.")
    if wanted("backtest"):
        window = backtest.add_mutually_exclusive_group()
        window.add_argument("--since", metavar="DATE", help="merges since DATE ('2024-01-01', "
                                                            "'6 months ago')")
        window.add_argument("--last", metavar="N", type=int, help="the last N merges (default 100)")
        backtest.add_argument("--ref", metavar="REF", default="HEAD",
                              help="the history to replay (HEAD)")
        backtest.add_argument("--repo", metavar="PATH", default=".",
                              help="a directory in the repository (default: the current directory)")
        backtest.add_argument("--examples", metavar="N", type=int, default=5,
                              help="commit ids shown of each kind, per family (5)")
        backtest.add_argument("--format", choices=("text", "json", "markdown"), default="text")
        backtest.add_argument("--output", "-o", metavar="FILE", help="write the report here")

    rules = commands.add_parser("rules", help="list the rule catalog",
                                description="List every rule: id, severity, risk and title.")
    if wanted("rules"):
        rules.add_argument("--format", choices=("text", "markdown"), default="text",
                           help="markdown: the whole catalog as docs/rules.md")
    explain = commands.add_parser("explain", help="why a rule matters and what to do",
                                  description="Print a rule's rationale, example and fix.")
    if wanted("explain"):
        explain.add_argument("rule_id", metavar="ID", help="a rule id, such as CS201")
    for subparser in commands.choices.values():  # accepted after the command too
        _debug_option(subparser, default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every way it can end becomes an exit code and at most a few lines."""
    from analyzer import tempfiles

    tempfiles.install_cleanup()  # our temporary files go on exit, SIGINT and SIGTERM
    own_process = argv is None
    if own_process:  # the scratch store is deleted after the output, off the caller's clock
        tempfiles.defer_removal()
    argv = list(sys.argv[1:] if argv is None else argv)
    _tolerate_odd_names(sys.stdout)
    try:
        return _run(argv)
    except InputError as exc:
        print(f"conflictscan: error: {printable(str(exc))}", file=sys.stderr)
        _annotate_fatal(exc, argv)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("conflictscan: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_PIPE_CLOSED
    except Exception as exc:  # the last resort: a bug of ours, never exit 1 nor a traceback
        _internal_error(exc, argv)
        return EXIT_ERROR
    finally:
        if own_process:
            tempfiles.remove_all_detached()


# The reader of our output went away (`conflictscan … | head`): the shell's code for a
# process ended by SIGPIPE, and nothing more to say.
EXIT_PIPE_CLOSED = 141


def _run(argv: list[str]) -> int:
    args = build_parser(_command_named(argv)).parse_args(argv)
    if args.command == "plan":
        from analyzer.commands.plan import run_plan

        return run_plan(args)
    if args.command == "branches":
        from analyzer.commands.branches import run_branches

        return run_branches(args)
    if args.command == "check":
        from analyzer.commands.check import run_check

        return run_check(args)
    if args.command == "pr":
        from analyzer.commands.pr import run_pr

        return run_pr(args)
    if args.command == "hook":
        from analyzer.commands.agent_hook import run_agent_hook

        return run_agent_hook(args)
    if args.command == "fix":
        from analyzer.commands.fix import run_fix

        return run_fix(args)
    if args.command == "merge-driver":
        from analyzer.commands.merge_driver import run_merge_driver

        return run_merge_driver(args)
    if args.command == "backtest":
        from analyzer.commands.backtest import run_backtest

        return run_backtest(args)
    if args.command == "rules":
        from analyzer.commands.rules import list_rules

        return list_rules(args.format)
    if args.command == "explain":
        from analyzer.commands.rules import explain_rule

        return explain_rule(args.rule_id)
    build_parser().print_help()
    return EXIT_ERROR


def _command_named(argv: list[str]) -> str | None:
    """The command an argument list runs: its first word that is not an option (the options
    before a command take no value). None when there is none, or no such command: the whole
    parser then says what is wrong."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


COMMANDS = ("plan", "branches", "check", "pr", "hook", "fix", "merge-driver", "backtest",
            "rules", "explain")


def _internal_error(exc: Exception, argv: list[str]) -> None:
    command = next((a for a in argv if not a.startswith("-")), "conflictscan")
    path = file_of(exc)
    where = f" while reading {_printable(path)}" if path else ""
    cause = _printable(f"{type(exc).__name__}: {exc}")
    if len(cause) > 300:
        cause = cause[:300] + "…"
    debug = "--debug" in argv or os.environ.get("CONFLICTSCAN_DEBUG")
    if debug:
        import traceback  # a bug's last resort only: never loaded on a run that goes well

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    hint = "" if debug else " (run again with --debug for the traceback)"
    print(f"conflictscan: internal error in {command}{where}: {cause} — please report{hint}",
          file=sys.stderr)


def _printable(text: str) -> str:
    """One line, no control characters: it goes to a terminal."""
    return printable(text).replace("\n", " ").replace("\t", " ")


def _tolerate_odd_names(stream: object) -> None:
    """A file name that is not UTF-8 reaches us with lone surrogates, and a report has
    non-ASCII text: a strict UTF-8 stdout (most locales) or an ASCII one would crash printing
    them. Replace what it cannot encode; C.UTF-8's surrogateescape already writes them back."""
    reconfigure = getattr(stream, "reconfigure", None)
    encoding = str(getattr(stream, "encoding", "") or "").lower().replace("-", "")
    errors = getattr(stream, "errors", None)
    if reconfigure is None or (encoding == "utf8" and errors == "surrogateescape"):
        return
    if errors in ("strict", "surrogateescape"):
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="replace")


def _silence_stdout() -> None:
    """Python flushes stdout again at exit; point it at /dev/null so that flush is quiet."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _annotate_fatal(exc: InputError, argv: Sequence[str]) -> None:
    """With --format github, a fatal error is an annotation too, on its file and line."""
    words = list(argv)
    wants = any(a == "--format=github" or (a == "--format" and words[i + 1:i + 2] == ["github"])
                for i, a in enumerate(words))
    if wants:
        from analyzer.reporters.github import error_command

        print(error_command(exc))
