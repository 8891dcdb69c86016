"""The progress bar shows only on a terminal, and only once a scan has run for a while."""

from __future__ import annotations

import io
import os
import sys

from analyzer.progress import DelayedProgress


def test_no_bar_when_stderr_is_not_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with DelayedProgress(3, "scan", delay=0) as progress:
        progress.step("one")
        assert progress._bar is None
    assert sys.stderr.getvalue() == ""


def test_bar_on_a_terminal_after_the_delay(monkeypatch):
    leader, follower = os.openpty()
    terminal = os.fdopen(follower, "w")
    monkeypatch.setattr(sys, "stderr", terminal)
    with DelayedProgress(3, "scan", delay=60) as progress:
        progress.step("quick")
        assert progress._bar is None  # under the delay: nothing shown
        progress.delay = 0
        progress.step("slow")
        assert progress._bar is not None
    terminal.close()
    os.close(leader)


def test_bar_counts_done_out_of_the_total(monkeypatch):
    leader, follower = os.openpty()
    terminal = os.fdopen(follower, "w")
    monkeypatch.setattr(sys, "stderr", terminal)
    with DelayedProgress(0, "scan", delay=0) as progress:
        progress.expect(4)
        progress.step("one")
        progress.expect(2)
        progress.step("two")
        task = progress._bar.tasks[0]
        assert (task.completed, task.total) == (2, 6)
        shown = progress._bar.columns[2].render(task).plain
        assert shown.replace(" ", "") == "2/6"
    terminal.close()
    os.close(leader)
