"""What git really does with a pair of branches: renames, .gitattributes merge attributes and
lockfiles, each in a real repository built here and scanned with the real CLI; every case
beside the near-miss that must stay quiet."""

from __future__ import annotations

from tests.conftest import branch, git

LINES = "".join(f"line {i}\n" for i in range(1, 31))
SETTINGS = LINES.replace("line 1\n", "first = 1\n").replace("line 30\n", "last = 30\n")


def cs103(result, path):
    return [f for f in result.json["findings"] if f["rule"] == "CS103"
            and f["resource"]["key"] == path]


# --- renames --------------------------------------------------------------------------


def test_rename_against_delete_is_a_conflict_named_both_ways(repo, branches):
    root = repo({"app/old.py": LINES, "app/keep.py": LINES})
    branch(root, "move", {"app/old.py": None, "app/new.py": LINES})
    branch(root, "drop", {"app/old.py": None, "app/keep.py": LINES + "more\n"})
    result = branches(root)
    found = [f for f in result.json["findings"] if f["rule"] == "CS103"]
    assert len(found) == 1, result.json["findings"]
    assert "app/old.py" in found[0]["message"] and "app/new.py" in found[0]["message"]
    assert "'move'" in found[0]["message"] and "'drop'" in found[0]["message"]
    assert "CS104" not in result.rules()


def test_rename_against_an_edit_merges_cleanly(repo, branches):
    root = repo({"app/old.py": LINES})
    branch(root, "move", {"app/old.py": None, "app/new.py": LINES})
    branch(root, "edit", {"app/old.py": LINES.replace("line 5\n", "line five\n")})
    result = branches(root)
    assert "CS103" not in result.rules()
    assert ("CS104", "app/old.py", ("edit", "move")) in result.findings()


def test_rename_to_two_names_and_onto_an_added_file(repo, branches):
    root = repo({"a.py": LINES, "b.py": SETTINGS})
    branch(root, "one", {"a.py": None, "a_one.py": LINES, "b.py": None, "c.py": SETTINGS})
    branch(root, "two", {"a.py": None, "a_two.py": LINES, "c.py": "other = 1\n"})
    result = branches(root)
    messages = " ".join(f["message"] for f in result.json["findings"] if f["rule"] == "CS103")
    assert "a_one.py" in messages and "a_two.py" in messages  # rename/rename
    assert "c.py" in messages  # a rename onto a path the other side adds


def test_directory_rename_meets_a_file_added_in_the_old_directory(repo, branches):
    root = repo({"pkg/a.py": LINES, "pkg/b.py": SETTINGS, "other/x.py": LINES})
    branch(root, "move", {"pkg/a.py": None, "pkg/b.py": None, "lib/a.py": LINES,
                          "lib/b.py": SETTINGS})
    branch(root, "add", {"pkg/c.py": "print('new')\n"})
    branch(root, "elsewhere", {"other/y.py": "print('new')\n"})
    result = branches(root)
    found = [f for f in result.json["findings"] if f["rule"] == "CS103"]
    assert len(found) == 1, result.json["findings"]
    assert set(found[0]["workstreams"]) == {"move", "add"}
    assert "pkg/c.py" in found[0]["message"] and "lib/c.py" in found[0]["message"]


# --- .gitattributes --------------------------------------------------------------------


def far_apart(root):
    branch(root, "top", {"data/schema.json": SETTINGS.replace("first = 1", "first = 2")})
    branch(root, "bottom", {"data/schema.json": SETTINGS.replace("last = 30", "last = 31")})


def test_a_file_marked_no_merge_conflicts_however_far_apart(repo, branches):
    root = repo({".gitattributes": "data/*.json -merge\n", "data/schema.json": SETTINGS})
    far_apart(root)
    # the attributes that count are the merge-base's, not the working tree's
    (root / ".gitattributes").unlink()
    result = branches(root, "top", "bottom", "--no-worktrees")
    found = cs103(result, "data/schema.json")
    assert found and "-merge" in found[0]["message"]
    assert "CS104" not in result.rules()


def test_binary_macro_and_merge_binary_conflict_too(repo, branches):
    for attribute in ("binary", "merge=binary"):
        root = repo({".gitattributes": f"*.json {attribute}\n", "data/schema.json": SETTINGS},
                    name=attribute.replace("=", "-"))
        far_apart(root)
        assert cs103(branches(root), "data/schema.json"), attribute


def test_far_apart_edits_without_attributes_merge_cleanly(repo, branches):
    root = repo({".gitattributes": "*.png binary\n", "data/schema.json": SETTINGS})
    far_apart(root)
    result = branches(root)
    assert "CS103" not in result.rules()
    assert ("CS104", "data/schema.json", ("bottom", "top")) in result.findings()


def test_a_union_file_never_conflicts_on_its_lines(repo, branches):
    root = repo({".gitattributes": "CHANGES.md merge=union\n", "CHANGES.md": "# Changes\n"})
    branch(root, "a", {"CHANGES.md": "# Changes\n- feature a\n"})
    branch(root, "b", {"CHANGES.md": "# Changes\n- feature b\n"})
    result = branches(root)
    assert "CS103" not in result.rules()
    found = [f for f in result.json["findings"] if f["rule"] == "CS104"]
    assert found and "merge=union" in found[0]["message"]


def test_the_same_appends_without_union_conflict(repo, branches):
    root = repo({"CHANGES.md": "# Changes\n"})
    branch(root, "a", {"CHANGES.md": "# Changes\n- feature a\n"})
    branch(root, "b", {"CHANGES.md": "# Changes\n- feature b\n"})
    assert cs103(branches(root), "CHANGES.md")


def test_a_custom_merge_driver_cannot_be_predicted(repo, branches):
    root = repo({".gitattributes": "CHANGES.md merge=towncrier\n", "CHANGES.md": "# Changes\n"})
    branch(root, "a", {"CHANGES.md": "# Changes\n- feature a\n"})
    branch(root, "b", {"CHANGES.md": "# Changes\n- feature b\n"})
    result = branches(root)
    assert not cs103(result, "CHANGES.md") and "CS104" not in result.rules()
    found = [f for f in result.json["findings"] if f["rule"] == "CS106"]
    assert found and "towncrier" in found[0]["message"]
    assert "towncrier" in found[0]["mitigation"]
