"""What git really does with a pair of branches: renames, .gitattributes merge attributes and
lockfiles, each in a real repository built here and scanned with the real CLI; every case
beside the near-miss that must stay quiet."""

from __future__ import annotations

import pytest

from tests.conftest import branch

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


@pytest.mark.parametrize("new", [SETTINGS, "unlike anything\n"], ids=["renamed", "deleted"])
def test_a_binary_file_both_sides_delete_or_change_alike_merges_cleanly(repo, branches, new):
    """A vendored asset upgraded on two branches the same way (netbox 65b42c93b0): git has
    nothing to choose between, whatever the attribute; a delete against an edit conflicts."""
    root = repo({".gitattributes": "*.min.js binary\n", "static/jq-3.4.min.js": LINES})
    upgrade = {"static/jq-3.4.min.js": None, "static/jq-3.5.min.js": new}
    branch(root, "one", upgrade)
    branch(root, "two", upgrade)
    assert not cs103(branches(root), "static/jq-3.4.min.js")
    branch(root, "three", {"static/jq-3.4.min.js": LINES + "patched\n"})
    found = cs103(branches(root, "one", "three"), "static/jq-3.4.min.js")
    assert found and set(found[0]["workstreams"]) == {"one", "three"}


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


# --- lockfiles -------------------------------------------------------------------------

FILLERS = {f"filler{i}": "1.0" for i in range(8)}


def _entry(name, version, poetry):
    if poetry:
        return (f'[[package]]\nname = "{name}"\nversion = "{version}"\ndescription = ""\n'
                f'optional = false\npython-versions = "*"\nfiles = [\n'
                f'    {{file = "{name}-{version}.tar.gz", hash = "sha256:{name}{version}"}},\n'
                f']\n\n')
    return (f'[[package]]\nname = "{name}"\nversion = "{version}"\n'
            f'source = {{ registry = "https://pypi.org/simple" }}\n'
            f'sdist = {{ url = "https://files/{name}-{version}.tar.gz", '
            f'hash = "sha256:{name}{version}" }}\nwheels = [\n'
            f'    {{ url = "https://files/{name}-{version}.whl", hash = "sha256:w{version}" }},\n'
            f']\n\n')


def uv_project(requires):
    deps = "".join(f'    "{n}{s}",\n' for n, s in requires)
    return f'[project]\nname = "app"\nversion = "0.1.0"\ndependencies = [\n{deps}]\n'


def uv_lock(packages, requires):
    pinned = {**FILLERS, **packages}
    text = 'version = 1\nrequires-python = ">=3.10"\n\n'
    text += ('[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { editable = "." }\n'
             '\n[package.metadata]\nrequires-dist = [\n'
             + "".join(f'    {{ name = "{n}", specifier = "{s}" }},\n' for n, s in requires)
             + ']\n\n')
    return text + "".join(_entry(n, v, False) for n, v in sorted(pinned.items()))


def poetry_project(requires):
    deps = "".join(f'{n} = "{s}"\n' for n, s in requires)
    return (f'[tool.poetry]\nname = "app"\nversion = "0.1.0"\n\n[tool.poetry.dependencies]\n'
            f'python = "^3.10"\n{deps}')


def poetry_lock(packages, content_hash):
    pinned = {**FILLERS, **packages}
    return ("".join(_entry(n, v, True) for n, v in sorted(pinned.items()))
            + f'[metadata]\nlock-version = "2.0"\npython-versions = "^3.10"\n'
              f'content-hash = "{content_hash}"\n')


BASE_REQS = [("django", ">=4.2"), *((f"filler{i}", ">=1") for i in range(8)),
             ("requests", ">=2.31")]
BASE_PINS = {"django": "4.2.0", "requests": "2.31.0"}


def uv_repo(repo, attributes=""):
    files = {"pyproject.toml": uv_project(BASE_REQS), "uv.lock": uv_lock(BASE_PINS, BASE_REQS)}
    if attributes:
        files[".gitattributes"] = attributes
    root = repo(files)
    added = sorted([*BASE_REQS, ("aiohttp", ">=3")])
    branch(root, "add", {"pyproject.toml": uv_project(added),
                         "uv.lock": uv_lock({**BASE_PINS, "aiohttp": "3.9.0"}, added)})
    return root


def cs202(result):
    found = [f for f in result.json["findings"] if f["rule"] == "CS202"]
    assert len(found) == 1, result.json["findings"]
    return found[0]


def test_uv_locks_that_both_add_at_one_place_conflict(repo, branches):
    root = uv_repo(repo)
    added = sorted([*BASE_REQS, ("anyio", ">=4")])
    branch(root, "other", {"pyproject.toml": uv_project(added),
                           "uv.lock": uv_lock({**BASE_PINS, "anyio": "4.0.0"}, added)})
    found = cs202(branches(root))
    assert "git will conflict" in found["message"] and found["severity"] == "error"


def test_uv_lock_edits_far_apart_merge_and_stay_valid(repo, branches):
    root = uv_repo(repo)
    branch(root, "upgrade", {"uv.lock": uv_lock({**BASE_PINS, "requests": "2.32.0"},
                                                BASE_REQS)})
    found = cs202(branches(root))
    assert "merges and stays valid" in found["message"], found["message"]
    assert found["severity"] == "note"


def test_a_lock_marked_no_merge_conflicts_however_far_apart(repo, branches):
    root = uv_repo(repo, attributes="*.lock -merge\n")
    branch(root, "upgrade", {"uv.lock": uv_lock({**BASE_PINS, "requests": "2.32.0"},
                                                BASE_REQS)})
    found = cs202(branches(root))
    assert "git will conflict" in found["message"] and "-merge" in found["message"]


POETRY_REQS = [("django", "^4.2"), ("requests", "^2.31")]


def poetry_repo(repo):
    root = repo({"pyproject.toml": poetry_project(POETRY_REQS),
                 "poetry.lock": poetry_lock(BASE_PINS, "base")})
    added = [("aiohttp", "^3"), *POETRY_REQS]
    branch(root, "add", {"pyproject.toml": poetry_project(added),
                         "poetry.lock": poetry_lock({**BASE_PINS, "aiohttp": "3.9.0"}, "add")})
    return root


def test_poetry_locks_both_rehashed_conflict(repo, branches):
    root = poetry_repo(repo)
    added = [*POETRY_REQS, ("zstd", "^1")]
    branch(root, "other", {"pyproject.toml": poetry_project(added),
                           "poetry.lock": poetry_lock({**BASE_PINS, "zstd": "1.5"}, "other")})
    found = cs202(branches(root))
    assert "git will conflict" in found["message"] and found["severity"] == "error"


def test_poetry_lock_with_one_sides_hash_no_longer_matches(repo, branches):
    root = poetry_repo(repo)
    added = [*POETRY_REQS, ("zstd", "^1")]  # the manifest changes, the hash stays the base's
    branch(root, "other", {"pyproject.toml": poetry_project(added),
                           "poetry.lock": poetry_lock({**BASE_PINS, "zstd": "1.5"}, "base")})
    found = cs202(branches(root))
    assert "no longer matches the manifest" in found["message"], found["message"]
    assert found["severity"] == "warning"


def test_poetry_update_beside_an_added_package_stays_valid(repo, branches):
    root = poetry_repo(repo)
    branch(root, "update", {"poetry.lock": poetry_lock({**BASE_PINS, "requests": "2.32.0"},
                                                       "base")})
    found = cs202(branches(root))
    assert "merges and stays valid" in found["message"], found["message"]
    assert found["severity"] == "note"


def test_many_lock_writers_the_one_conflicting_pair_is_found(repo, branches):
    """Lockfile pairs are merged in batches until the first conflict: with eight writers
    (28 pairs, several batches) the one pair git conflicts on is still found."""
    root = uv_repo(repo)
    for i in range(6):
        branch(root, f"up{i}", {"uv.lock": uv_lock({**BASE_PINS, f"filler{i}": "2.0.0"},
                                                   BASE_REQS)})
    added = sorted([*BASE_REQS, ("anyio", ">=4")])
    branch(root, "other", {"pyproject.toml": uv_project(added),
                           "uv.lock": uv_lock({**BASE_PINS, "anyio": "4.0.0"}, added)})
    found = cs202(branches(root))
    assert "git will conflict" in found["message"], found["message"]
