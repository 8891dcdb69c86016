"""Dependency findings that hold on real histories: duplicates by (name, extras, marker) and
only those a merge creates, version bumps that really differ, a manifest without its lock only
when a merge makes the mismatch, legacy specifiers, and a blob a partial clone lacks. Real
repositories, the real CLI; each case beside its near-miss."""

from __future__ import annotations

import shutil
import subprocess

from tests.conftest import branch, git
from tests.test_branches import PYPROJECT, REQUIREMENTS


def test_a_package_and_the_same_package_with_an_extra_are_not_duplicates(repo, branches):
    root = repo({"requirements.txt": REQUIREMENTS})
    branch(root, "plain", {"requirements.txt": "celery==5.3\n" + REQUIREMENTS})
    branch(root, "extra", {"requirements.txt": REQUIREMENTS + "celery[redis]==5.3\n"})
    branch(root, "marker", {"requirements.txt": REQUIREMENTS.replace(
        "pkg4==1.0\n", "pkg4==1.0\ncelery==5.3; sys_platform == 'win32'\n")})
    assert "CS204" not in branches(root).rules()


def test_the_same_package_added_twice_is_a_duplicate(repo, branches):
    root = repo({"requirements.txt": REQUIREMENTS})
    branch(root, "top", {"requirements.txt": "celery[redis]==5.3\n" + REQUIREMENTS})
    branch(root, "bottom", {"requirements.txt": REQUIREMENTS + "celery[redis]==5.3\n"})
    assert ("CS204", "requirements.txt", ("bottom", "top")) in branches(root).findings()


def test_a_duplicate_already_on_the_base_is_no_branchs_fault(repo, branches):
    twice = REQUIREMENTS + "django==4.2\n"
    root = repo({"requirements.txt": twice})
    branch(root, "a", {"requirements.txt": twice.replace("flask==3.0", "flask==3.1")})
    result = branches(root)
    assert "CS204" not in result.rules()


def test_a_duplicate_a_branch_adds_is_its_own(repo, branches):
    """Pins of one package in one branch's file that exclude each other: pip cannot resolve
    them, a warning. A repeated line (lemur 42040b275d) or a pin beside a bare name
    (dispatch 95572fbbee) is combined by pip: a note."""
    root = repo({"requirements.txt": REQUIREMENTS})
    branch(root, "a", {"requirements.txt": REQUIREMENTS + "django==4.1\n"})
    branch(root, "b", {"requirements.txt": REQUIREMENTS + "types-six\nmypy\ntypes-six\n"})
    branch(root, "c", {"requirements.txt": REQUIREMENTS + "uvicorn\nuvicorn==0.11.8\n"})
    found = {tuple(f["workstreams"]): f for f in branches(root).json["findings"]
             if f["rule"] == "CS204"}
    assert found[("a",)]["severity"] == "warning"
    assert "cannot both hold" in found[("a",)]["message"]
    assert found[("b",)]["severity"] == found[("c",)]["severity"] == "note"


def test_the_same_version_bump_on_both_sides_is_not_cs206(repo, branches):
    root = repo({"pyproject.toml": PYPROJECT})
    branch(root, "a", {"pyproject.toml": PYPROJECT.replace("1.0.0", "1.1.0")})
    branch(root, "b", {"pyproject.toml": PYPROJECT.replace("1.0.0", "1.1.0")
                       .replace("django>=4.2", "django>=5")})
    assert "CS206" not in branches(root).rules()


def test_different_version_bumps_are_cs206(repo, branches):
    root = repo({"pyproject.toml": PYPROJECT})
    branch(root, "a", {"pyproject.toml": PYPROJECT.replace("1.0.0", "1.1.0")})
    branch(root, "b", {"pyproject.toml": PYPROJECT.replace("1.0.0", "2.0.0")})
    assert "CS206" in branches(root).rules()


def test_a_branch_alone_out_of_step_with_its_lock_is_not_cs207(repo, branches):
    root = repo({"pyproject.toml": PYPROJECT, "uv.lock": "version = 1\n"})
    branch(root, "a", {"pyproject.toml": PYPROJECT.replace('"django>=4.2",',
                                                           '"django>=4.2",\n    "httpx",')})
    assert "CS207" not in branches(root).rules()


def test_a_manifest_change_meeting_a_lock_regenerated_without_it_is_cs207(repo, branches):
    root = repo({"pyproject.toml": PYPROJECT, "uv.lock": "version = 1\n"})
    branch(root, "a", {"pyproject.toml": PYPROJECT.replace('"django>=4.2",',
                                                           '"django>=4.2",\n    "httpx",')})
    branch(root, "lock", {"uv.lock": "version = 1\n# upgraded\n"})
    found = [f for f in branches(root).json["findings"] if f["rule"] == "CS207"]
    assert len(found) == 1 and found[0]["workstreams"] == ["a", "lock"]
    assert "httpx" in found[0]["message"]
    # the mismatch is 'a''s own (mealie ed797ef8b2 shipped it): the merge hides it, a note
    assert found[0]["severity"] == "note"


def test_legacy_specifiers_are_read_as_text_with_a_note(repo, cli):
    base = REQUIREMENTS + "webassets==dev\n"
    root = repo({"requirements.txt": base})
    branch(root, "a", {"requirements.txt": base.replace("requests==2.31.0", "requests==2.32.0")
                       + "molecule>=2.*\n"})
    branch(root, "b", {"requirements.txt": base.replace("requests==2.31.0", "requests<2.31")})
    result = cli("branches", "--repo", root, "--format", "json", "--fail-on", "never")
    assert result.code == 0, result.err
    assert "CS203" in result.rules()
    notes = [p["message"] for p in result.json["problems"]]
    assert any("molecule>=2.*" in n and "read as text" in n for n in notes), notes
    assert not any("webassets" in n for n in notes)  # already on the base: nothing new


def test_a_broken_requirement_still_stops_the_gate(repo, cli):
    root = repo({"requirements.txt": REQUIREMENTS})
    branch(root, "a", {"requirements.txt": REQUIREMENTS + "not a requirement !!\n"})
    result = cli("branches", "--repo", root, "--format", "json", "--fail-on", "never")
    assert result.code == 2 and "invalid requirement" in result.err


def test_a_blob_missing_from_a_partial_clone_is_a_note_and_the_scan_goes_on(repo, cli,
                                                                            tmp_path):
    util = "".join(f"x{i} = {i}\n" for i in range(30))
    other = "".join(f"y{i} = {i}\n" for i in range(30))
    source = repo({"requirements.txt": REQUIREMENTS, "util.py": util, "other.py": other},
                  name="source")
    git(source, "config", "uploadpack.allowFilter", "true")
    branch(source, "a", {"requirements.txt": REQUIREMENTS.replace("2.31.0", "2.32.0"),
                         "util.py": util.replace("x5 = 5", "x5 = 50")})
    branch(source, "b", {"requirements.txt": REQUIREMENTS.replace("2.31.0", "2.30.0"),
                         "util.py": util.replace("x5 = 5", "x5 = 55"),
                         "other.py": other.replace("y5 = 5", "y5 = 55")})
    clone = tmp_path / "partial"
    subprocess.run(["git", "clone", "-q", "--filter=blob:none", f"file://{source}", str(clone)],
                   check=True, capture_output=True)
    for name in ("a", "b"):
        git(clone, "branch", "-q", name, f"origin/{name}")
    for spec in ("a:requirements.txt", "b:requirements.txt", "a:util.py", "b:util.py"):
        git(clone, "cat-file", "-p", spec)  # fetched now; b:other.py stays missing
    shutil.rmtree(source)  # no promisor to fetch it from
    result = cli("branches", "a", "b", "--repo", clone, "--no-worktrees", "--format", "json",
                 "--fail-on", "never")
    assert result.code == 0, result.err
    assert "CS203" in result.rules()  # requirements were read
    assert result.json["problems"] and "warning:" in result.err


def test_a_worktree_file_that_cannot_be_read_is_not_a_removal(repo, cli, tmp_path):
    root = repo({"requirements.txt": REQUIREMENTS})
    branch(root, "pin", {"requirements.txt": REQUIREMENTS.replace("2.31.0", "2.32.0")})
    git(root, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    target = tmp_path / "wt" / "requirements.txt"
    target.unlink()
    target.symlink_to(tmp_path / "nowhere.txt")  # there, and never read
    result = cli("branches", "--repo", root, "--format", "json", "--fail-on", "never")
    assert "CS203" not in result.rules()  # nothing says 'wt' removed requests
    assert any(p["path"] == "requirements.txt" for p in result.json["problems"])
