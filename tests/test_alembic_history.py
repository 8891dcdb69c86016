"""Alembic shapes found by replaying real merge histories (issue 8), each a recipe in a real
repository with its near-miss: a parent no file declares (lemur, PR #1037), an empty
`down_revision`, forks inside the revisions a branch brings, a second root."""

from __future__ import annotations

from analyzer.parsers.alembic import parse_revision
from tests.conftest import branch
from tests.test_branches import ALEMBIC_INI, alembic_repo, revision

V = "migrations/versions"


def alembic_findings(branches, root) -> list[dict]:
    return [f for f in branches(root).json["findings"] if f["rule"] in ("CS301", "CS302")]


# --- a parent no file declares ----------------------------------------------------------

def test_a_parent_no_file_declares_is_cs302(repo, branches):
    """lemur PR #1037: its revision named 47baffaae1a7, which was never committed."""
    root = alembic_repo(repo)
    branch(root, "async", {f"{V}/556c.py": revision("556c", "47baffaae1a7")})
    [finding] = alembic_findings(branches, root)
    assert finding["rule"] == "CS302"
    assert "47baffaae1a7, which no revision declares" in finding["message"]
    assert "down_revision = 'a1'" in finding["mitigation"]
    assert "cannot run while the parent is missing" in finding["mitigation"]
    assert not finding.get("command")  # no `alembic merge`: alembic cannot load the history


def test_a_parent_the_branch_itself_declares_is_no_finding(repo, branches):
    root = alembic_repo(repo)
    branch(root, "async", {f"{V}/b2.py": revision("b2", "a1"),
                           f"{V}/c3.py": revision("c3", "b2")})
    assert alembic_findings(branches, root) == []


def test_a_parent_in_a_revision_file_that_cannot_be_read_is_not_called_missing(repo, cli):
    """The base's a2 does not parse: its id is unknown, so b3 on a2 is no missing parent (the
    unreadable file is reported, and the scan goes on)."""
    root = alembic_repo(repo, {f"{V}/a2.py": "revision = 'a2'\ndown_revision = (\n"})
    branch(root, "x", {f"{V}/b3.py": revision("b3", "a2")})
    result = cli("branches", "--repo", root, "--format", "json", "--fail-on", "never")
    assert f"{V}/a2.py:2: does not parse as Python" in result.err
    assert not {f["rule"] for f in result.json["findings"]} & {"CS301", "CS302"}


def test_a_parent_in_another_version_location_of_the_chain_is_declared(repo, branches):
    ini = ("[alembic]\nscript_location = migrations\n"
           "version_locations = migrations/versions plugins/versions\n")
    root = repo({"alembic.ini": ini, f"{V}/a1.py": revision("a1", None),
                 "plugins/versions/p1.py": revision("p1", "a1")})
    branch(root, "x", {f"{V}/b2.py": revision("b2", "p1")})
    assert alembic_findings(branches, root) == []


# --- an empty down_revision ------------------------------------------------------------

def test_an_empty_down_revision_names_no_parent():
    for text in ('revision = "a1"\ndown_revision = ""\n',  # the line scanner
                 'revision = "a1"\ndown_revision = (\n    ""\n)\n'):  # the parser
        parsed = parse_revision(text, "v/a1.py")
        assert parsed is not None and parsed.down_revisions == ()


def test_a_revision_on_a_first_revision_written_with_an_empty_parent(repo, branches):
    root = repo({"alembic.ini": ALEMBIC_INI,
                 f"{V}/a1.py": 'revision = "a1"\ndown_revision = ""\n'})
    branch(root, "x", {f"{V}/b2.py": revision("b2", "a1")})
    assert alembic_findings(branches, root) == []


def test_an_empty_parent_brought_into_a_chain_is_a_second_root(repo, branches):
    root = alembic_repo(repo)
    branch(root, "x", {f"{V}/r1.py": 'revision = "r1"\ndown_revision = ""\n'})
    [finding] = alembic_findings(branches, root)
    assert finding["rule"] == "CS302" and "a second root beside a1" in finding["message"]


# --- a chain a branch brings: forks inside it, second roots --------------------------------

def test_a_fork_inside_the_revisions_a_branch_brings(repo, branches):
    root = repo({"alembic.ini": ALEMBIC_INI, f"{V}/.keep": ""})
    branch(root, "x", {f"{V}/n1.py": revision("n1", None), f"{V}/n2.py": revision("n2", "n1"),
                       f"{V}/n3.py": revision("n3", "n1")})
    [finding] = alembic_findings(branches, root)
    assert finding["rule"] == "CS301" and "2 heads on top of n1" in finding["message"]
    assert "down_revision = 'n2'" in finding["mitigation"]  # n3 re-parented onto n2


def test_a_straight_chain_a_branch_brings_is_no_finding(repo, branches):
    root = repo({"alembic.ini": ALEMBIC_INI, f"{V}/.keep": ""})
    branch(root, "x", {f"{V}/n1.py": revision("n1", None), f"{V}/n2.py": revision("n2", "n1"),
                       f"{V}/n3.py": revision("n3", "n2")})
    assert alembic_findings(branches, root) == []


def test_a_fork_on_a_new_revision_above_the_base_head(repo, branches):
    root = alembic_repo(repo)
    branch(root, "x", {f"{V}/b2.py": revision("b2", "a1"), f"{V}/c3.py": revision("c3", "b2"),
                       f"{V}/d4.py": revision("d4", "b2")})
    [finding] = alembic_findings(branches, root)
    assert "on top of b2" in finding["message"]
    assert "down_revision = 'c3'" in finding["mitigation"]  # never b2 onto its own child


def test_a_second_root_without_a_branch_label(repo, branches):
    root = alembic_repo(repo)
    branch(root, "x", {f"{V}/r1.py": revision("r1", None)})
    [finding] = alembic_findings(branches, root)
    assert finding["rule"] == "CS302" and "no branch label" in finding["message"]
    assert "down_revision = 'a1'" in finding["mitigation"]
    assert finding["command"] == 'alembic merge -m "merge r1 and a1" r1 a1'


def test_a_second_root_with_a_branch_label_is_a_branch_on_purpose(repo, branches):
    root = alembic_repo(repo)
    branch(root, "x", {f"{V}/r1.py": revision("r1", None, labels="billing")})
    assert alembic_findings(branches, root) == []
