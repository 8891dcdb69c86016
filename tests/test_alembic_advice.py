"""CS301's advice, applied: whichever fix it gives — one `alembic merge` of all the heads, or
each line re-parented onto the head of the one before — must leave alembic with one head.
Checked by applying it to a real merged repository and recomputing the heads with our parser
and with the real `alembic heads`."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.parsers.alembic import heads, parse_revision
from tests.conftest import branch, git

TEMPLATE = '''"""${message}"""
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    pass


def downgrade():
    pass
'''


def revision(rev: str, down: str | None) -> str:
    return f"revision = {rev!r}\ndown_revision = {down!r}\n\n\ndef upgrade():\n    pass\n"


@pytest.fixture
def three_heads(repo):
    """users, orders and billing (a line of two revisions) each grow from the head a1."""
    root = repo({"alembic.ini": "[alembic]\nscript_location = migrations\n",
                 "migrations/env.py": "from alembic import context\n",
                 "migrations/script.py.mako": TEMPLATE,
                 "migrations/versions/a1_init.py": revision("a1", None)})
    branch(root, "users", {"migrations/versions/u2_users.py": revision("u2", "a1")})
    branch(root, "orders", {"migrations/versions/o2_orders.py": revision("o2", "a1")})
    branch(root, "billing", {"migrations/versions/b2_billing.py": revision("z2", "a1"),
                             "migrations/versions/b3_invoices.py": revision("z3", "z2")})
    return root


def our_heads(root: Path) -> set[str]:
    revisions = {}
    for path in (root / "migrations" / "versions").glob("*.py"):
        parsed = parse_revision(path.read_text(), str(path))
        if parsed:
            revisions[parsed.revision] = parsed
    return heads(revisions)


def alembic(root: Path, *args: str) -> str:
    pytest.importorskip("alembic", reason="alembic comes with the test extra")
    done = subprocess.run([sys.executable, "-m", "alembic", *args], cwd=root,
                          capture_output=True, text=True, check=True)
    return done.stdout


def cs301(branches, root: Path) -> dict:
    findings = [f for f in branches(root).json["findings"] if f["rule"] == "CS301"]
    assert len(findings) == 1
    return findings[0]


def merge_all(root: Path) -> None:
    git(root, "merge", "-q", "--no-edit", "users", "orders", "billing")
    assert our_heads(root) == {"u2", "o2", "z3"}


def test_one_merge_of_all_heads_leaves_one_head(three_heads, branches):
    finding = cs301(branches, three_heads)
    assert "3 heads on top of a1" in finding["message"]
    command = shlex.split(finding["command"])
    assert command[:3] == ["alembic", "merge", "-m"] and set(command[4:]) == {"z3", "o2", "u2"}
    merge_all(three_heads)
    alembic(three_heads, *command[1:])  # the advice, run by the real alembic
    assert len(our_heads(three_heads)) == 1
    assert len(alembic(three_heads, "heads").split()) == 2  # "<rev> (head)"


def test_the_merge_revision_the_advice_describes_leaves_one_head(three_heads, branches):
    ids = shlex.split(cs301(branches, three_heads)["command"])[4:]
    merge_all(three_heads)
    (three_heads / "migrations" / "versions" / "m9_merge.py").write_text(
        f"revision = 'm9'\ndown_revision = {tuple(ids)!r}\n")
    assert our_heads(three_heads) == {"m9"}


def test_chaining_as_advised_leaves_one_head(three_heads, branches):
    mitigation = cs301(branches, three_heads)["mitigation"]
    steps = re.findall(r"`down_revision = ('[^']+')` in (\S+\.py)", mitigation)
    # every line but the first moves; a line of several moves at its first revision
    assert steps == [("'o2'", "migrations/versions/u2_users.py"),
                     ("'u2'", "migrations/versions/b2_billing.py")], mitigation
    merge_all(three_heads)
    for down, path in steps:
        file = three_heads / path
        file.write_text(re.sub(r"(?m)^down_revision = .*$", f"down_revision = {down}",
                               file.read_text()))
    assert len(our_heads(three_heads)) == 1
    assert len(alembic(three_heads, "heads").split()) == 2
