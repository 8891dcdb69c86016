"""The files of the repository given with `--repo`, for resolving a plan's bare file names.

Kept apart from `repo_layout` (which reads the shared resources) so that each stays small;
the listing is the same one the layout reads: tracked and untracked-but-not-ignored files.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from analyzer.sources.repo_layout import RepoLayout


def tracked_files(layout: RepoLayout) -> frozenset[str]:
    if not layout.root:
        return frozenset()
    listed = getattr(layout, "files", None)  # a layout that keeps its listing
    if listed:
        return frozenset(str(f) for f in listed)
    return _listing(str(Path(layout.root).resolve()))


@cache
def _listing(root: str) -> frozenset[str]:
    from analyzer.sources.repo_layout import _list_files

    return frozenset(_list_files(Path(root)))
