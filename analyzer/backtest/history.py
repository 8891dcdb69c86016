"""Which merges to replay: the repository's two-parent merges and, for projects that
squash-merge, the pull-request heads (`refs/pull/N/head`) next to the squash commits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from analyzer.sources.git_repo import GitRepo

_SQUASH_SUBJECT = re.compile(r"\(#(\d+)\)\s*$")  # GitHub's "Title (#123)"


@dataclass(frozen=True)
class Replay:
    """One merge to replay: `second` merged into `first`; `commit` is what really happened
    (the merge or the squash commit), named in the report and never read."""

    commit: str
    date: str
    first: str
    second: str
    label: str  # "merge" or "PR #123"


def select_replays(git: GitRepo, ref: str, since: str | None, last: int | None) -> list[Replay]:
    """The newest merges first; `last` counts merges and squashed pull requests together."""
    replays = [Replay(commit, date, first, second, "merge")
               for commit, date, first, second in git.merge_commits(ref, since, last)]
    replays += _squashed_pull_requests(git, ref, since)
    replays.sort(key=lambda r: r.date, reverse=True)
    return replays[:last] if last is not None else replays


def _squashed_pull_requests(git: GitRepo, ref: str, since: str | None) -> list[Replay]:
    heads = git.pull_request_heads()
    if not heads:
        return []
    result = []
    for fields, subject in git.first_parent_log(ref, since):
        match = _SQUASH_SUBJECT.search(subject)
        if len(fields) != 3 or not match or match.group(1) not in heads:
            continue  # a merge commit (replayed as such), a root, or no PR head fetched
        commit, date, parent = fields
        result.append(Replay(commit, date, parent, heads[match.group(1)],
                             f"PR #{match.group(1)}"))
    return result
