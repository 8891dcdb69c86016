"""Where alembic revisions live, found on real merge histories (issue 8): an environment a
branch brings (its forks are found like the base's), and Flask-Alembic's layout (a script
template and the revisions, no env.py nor alembic.ini)."""

from __future__ import annotations

from tests.conftest import branch
from tests.test_alembic_history import V, alembic_findings
from tests.test_branches import ALEMBIC_INI, revision

# --- an environment a branch brings ---------------------------------------------------------

ENV = "from alembic import context\n"


def test_forks_in_an_environment_a_branch_brings(repo, branches):
    root = repo({"app.py": "x = 1\n"})
    branch(root, "db", {"alembic.ini": ALEMBIC_INI, "migrations/env.py": ENV,
                        f"{V}/n1.py": revision("n1", None), f"{V}/n2.py": revision("n2", "n1"),
                        f"{V}/n3.py": revision("n3", "n1")})
    [finding] = alembic_findings(branches, root)
    assert finding["rule"] == "CS301" and "on top of n1" in finding["message"]


def test_an_environment_a_branch_brings_with_one_head(repo, branches):
    root = repo({"app.py": "x = 1\n"})
    branch(root, "db", {"alembic.ini": ALEMBIC_INI, "migrations/env.py": ENV,
                        f"{V}/n1.py": revision("n1", None), f"{V}/n2.py": revision("n2", "n1")})
    assert alembic_findings(branches, root) == []


def test_the_first_revision_of_an_environment_whose_versions_folder_git_did_not_keep(
        repo, branches):
    """git keeps no empty folder: the base has env.py, the branches create versions/."""
    root = repo({"migrations/env.py": ENV, "migrations/script.py.mako": "${up_revision}\n"})
    branch(root, "x", {f"{V}/n1.py": revision("n1", None), f"{V}/n2.py": revision("n2", "n1"),
                       f"{V}/n3.py": revision("n3", "n1")})
    [finding] = alembic_findings(branches, root)
    assert "on top of n1" in finding["message"]


# --- Flask-Alembic ---------------------------------------------------------------------------

MAKO = "revision = ${repr(up_revision)}\n"


def test_flask_alembic_revisions_beside_the_script_template(repo, branches):
    """flaskbb: migrations/script.py.mako and the revisions in the same folder."""
    root = repo({"migrations/script.py.mako": MAKO, "migrations/__init__.py": "",
                 "migrations/a1_init.py": revision("a1", None)})
    branch(root, "x", {"migrations/b2_users.py": revision("b2", "a1")})
    branch(root, "y", {"migrations/c3_orders.py": revision("c3", "a1")})
    [finding] = alembic_findings(branches, root)
    assert finding["rule"] == "CS301" and "on top of a1" in finding["message"]


def test_flask_alembic_revisions_in_a_versions_folder(repo, branches):
    root = repo({"migrations/script.py.mako": MAKO, f"{V}/a1_init.py": revision("a1", None)})
    branch(root, "x", {f"{V}/b2_users.py": revision("b2", "a1")})
    branch(root, "y", {f"{V}/c3_orders.py": revision("c3", "a1")})
    assert {f["rule"] for f in alembic_findings(branches, root)} == {"CS301"}


def test_a_script_template_beside_no_revisions_is_no_chain(repo, branches):
    """A template folder with no revisions (and no env.py): nothing to read, no finding."""
    root = repo({"templates/script.py.mako": MAKO, "app.py": "x = 1\n"})
    branch(root, "x", {"templates/notes.txt": "a\n"})
    branch(root, "y", {"app.py": "x = 2\n"})
    assert alembic_findings(branches, root) == []


def test_chained_flask_alembic_revisions_are_no_finding(repo, branches):
    root = repo({"migrations/script.py.mako": MAKO, "migrations/a1_init.py": revision("a1", None)})
    branch(root, "x", {"migrations/b2_users.py": revision("b2", "a1")})
    branch(root, "y", {"migrations/c3_orders.py": revision("c3", "b2")}, base="x")
    assert alembic_findings(branches, root) == []
