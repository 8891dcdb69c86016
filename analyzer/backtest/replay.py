"""The branch analysis as it would have run just before a merge: the two sides as two
workstreams against their merge-base. The merge result itself is never looked at."""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field

from analyzer.catalog import Catalog
from analyzer.config import Config
from analyzer.engine import CheckContext, run_checks
from analyzer.errors import InputError
from analyzer.index import ResourceIndex
from analyzer.model import Evidence, Finding, Workstream
from analyzer.sources.branches import BranchScan, GitWorkstream, touches_from_diff
from analyzer.sources.git_facts import gather
from analyzer.sources.git_repo import GitRepo
from analyzer.sources.repo_layout import read_layout_at, with_brought

FIRST, SECOND = "first parent", "merged branch"


@dataclass
class Analysis:
    findings: list[Finding] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what makes `branches` exit 2
    error: str = ""  # an input error that stopped the scan: exit 2, no report
    crash: str = ""  # a traceback: never acceptable
    seconds: float = 0.0

    @property
    def exit_2(self) -> bool:
        return bool(self.error or self.problems)


def analyse(git: GitRepo, config: Config, catalog: Catalog, first: str, second: str,
            base: str) -> Analysis:
    """What `conflictscan branches FIRST SECOND --base MERGE-BASE` would have said of the
    merged branch: the findings it is part of, as `conflictscan pr` reports a head's."""
    result = Analysis()
    started = time.perf_counter()
    try:
        # where the migrations were at the time; not kept: no later run asks for this base
        layout = read_layout_at(git, base, keep=False)
        sides = [(FIRST, first), (SECOND, second)]
        texts = git.diffs([(base, commit) for _, commit in sides])
        streams = []
        for (ws_id, commit), text in zip(sides, texts, strict=True):
            workstream = Workstream(ws_id, f"{ws_id} {commit[:10]}", "branch",
                                    Evidence(git.root, None, commit))
            workstream.touches = touches_from_diff(ws_id, text, [], None)
            streams.append(GitWorkstream(workstream, commit, base))
        scan = BranchScan(git, f"merge-base {base[:10]}", base, streams)
        layout = config.locate_migrations(with_brought(git, base, layout, scan))
        index = ResourceIndex(scan.workstreams)
        facts = gather(scan, index, layout)
        # judged as `conflictscan pr` judges a head: a finding the first parent brings
        # alone (its own fork, its own duplicate) is not what this merge did
        found = run_checks(CheckContext(index, catalog, layout, facts), config.select,
                           config.ignore)
        # at the severities the repository sets, as its own scans report them
        result.findings = config.with_severity([f for f in found if SECOND in f.workstreams])
        result.problems = [str(p) for p in [*layout.problems, *facts.problems] if p.blocking]
    except InputError as exc:
        result.error = str(exc)
    except Exception:  # a traceback is what backtest exists to find: record it, go on
        result.crash = traceback.format_exc(limit=-4).strip()
    result.seconds = time.perf_counter() - started
    return result
