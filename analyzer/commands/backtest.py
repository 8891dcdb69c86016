"""`conflictscan backtest`: replay the repository's merges, score the rules on what really
happened. Read-only: merge trees go to a scratch object store."""

from __future__ import annotations

import argparse

from analyzer.backtest.history import select_replays
from analyzer.backtest.outcome import merge_outcome
from analyzer.backtest.render import render_json, render_markdown, render_text
from analyzer.backtest.replay import analyse
from analyzer.backtest.score import Backtest
from analyzer.commands.output import configured_catalog, emit
from analyzer.config import load_config
from analyzer.errors import InputError
from analyzer.progress import DelayedProgress
from analyzer.sources.git_repo import GitRepo


def run_backtest(args: argparse.Namespace) -> int:
    git = GitRepo(args.repo)
    try:
        config = load_config(git.root)
        catalog = configured_catalog(config)
        git.resolve(args.ref)
        last = args.last if args.last is not None or args.since else 100
        if last is not None and last < 1:
            raise InputError("--last must be at least 1")
        replays = select_replays(git, args.ref, args.since, last)
        result = Backtest(git.root, args.ref, args.examples)
        with DelayedProgress(len(replays), "replaying merges", delay=0.0) as progress:
            for number, replay in enumerate(replays, 1):
                progress.step(f"{number}/{len(replays)} {replay.commit[:10]} {replay.label}")
                bases = git.merge_bases(replay.first, replay.second)
                if len(bases) != 1:  # none, or a criss-cross: no one commit to replay against
                    result.unmeasured.append(f"{replay.commit[:10]} " + (
                        f"{len(bases)} merge-bases (a criss-cross merge)" if bases
                        else "no merge-base"))
                    continue
                base = bases[0]
                try:
                    outcome = merge_outcome(git, replay.first, replay.second, base)
                except InputError as exc:  # e.g. a blob missing from a partial clone
                    result.unmeasured.append(f"{replay.commit[:10]} {exc}")
                    continue
                result.record(replay, analyse(git, config, catalog, replay.first,
                                              replay.second, base), outcome)
    finally:
        git.close()
    render = {"json": render_json, "markdown": render_markdown}.get(args.format, render_text)
    emit(render(result), args.output)
    return 0
