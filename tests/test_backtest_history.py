"""What replaying real merge history taught: each cause of a false alarm, a miss or an exit 2
that `conflictscan backtest` found on the corpus, rebuilt as a small real repository, with
the near-miss that must still be flagged (or still be read) beside it."""

from __future__ import annotations

from tests.conftest import branch, commit_on_main
from tests.test_backtest import backtest, commit, counts, merge, side
from tests.test_branches import migration
from tests.test_merge_truth import BASE_PINS, FILLERS, _entry, cs202

# --- Django: a changed migration is not a new one (paperless-ngx 17796357ee) -------------


def _shop(repo):
    return repo({"shop/migrations/__init__.py": "",
                 "shop/migrations/0001_initial.py": migration("shop", None),
                 "shop/migrations/0002_price.py": migration("shop", "0001_initial")})


def test_a_migration_slipped_in_before_an_existing_one_is_not_a_fork(repo, branches):
    """The branch splits a step out of 0002 into 0001_1 and points 0002 at it: the changed
    0002 replaces the base's, and the app keeps one leaf."""
    root = _shop(repo)
    branch(root, "split", {
        "shop/migrations/0001_1_clamp.py": migration("shop", "0001_initial"),
        "shop/migrations/0002_price.py": migration("shop", "0001_1_clamp")})
    commit_on_main(root, {"README.md": "docs\n"})
    assert "CS304" not in branches(root, "split").rules()


def test_a_migration_added_before_an_existing_one_without_rewiring_it_is_a_fork(
        repo, branches):
    root = _shop(repo)
    branch(root, "split", {"shop/migrations/0001_1_clamp.py": migration("shop", "0001_initial")})
    finding = next(f for f in branches(root, "split").json["findings"] if f["rule"] == "CS304")
    assert "0001_1_clamp" in finding["message"] and "0002_price" in finding["message"]


# --- backtest judges the merged branch, as `pr` judges a head (netbox 41d05490fc) --------


def _fork_on_main(repo, side_files):
    root = _shop(repo)
    side(root, "2024-02-01", "feature", side_files)
    commit(root, "2024-02-01", {
        "shop/migrations/0003_a.py": migration("shop", "0002_price"),
        "shop/migrations/0003_b.py": migration("shop", "0002_price")}, "main forks shop")
    merge(root, "2024-02-02", "feature")
    return root


def test_a_fork_the_first_parent_has_alone_is_not_the_merges(repo, cli):
    """The first parent carries two leaves of its own (a merge migration comes later); the
    merged branch changes only the docs: the merge adds no leaf, nothing to flag."""
    report = backtest(cli, _fork_on_main(repo, {"README.md": "docs\n"}))
    assert counts(report, "django") == (0, 0, 0)


def test_a_fork_the_merged_branch_adds_to_is_still_caught(repo, cli):
    report = backtest(cli, _fork_on_main(
        repo, {"shop/migrations/0003_c.py": migration("shop", "0002_price")}))
    assert counts(report, "django") == (1, 0, 0)


# --- uv.lock read as uv writes it (paperless-ngx bf70e597ee) ------------------------------

_WHEEL = "https://example.org/psycopg_c-3.3.0-cp312-linux_x86_64.whl"
_SOURCES = ('\n[tool.uv.sources]\nlib = { workspace = true }\npsycopg-c = [\n'
            f'  {{ url = "{_WHEEL}", marker = "sys_platform == \'linux\'" }},\n]\n')
# a workspace member: its own requirements, from its own manifest, not the project's
_MEMBER = ('[[package]]\nname = "lib"\nversion = "0.1.0"\nsource = { editable = "packages/lib" }'
           '\n\n[package.metadata]\nrequires-dist = [{ name = "attrs", specifier = ">=23" }]\n\n')


def _uv_files(requires: list[str], recorded: list[str], pins: dict[str, str],
              sources: str = _SOURCES) -> dict[str, str]:
    """pyproject.toml with `requires` (and the sources), uv.lock recording `recorded`."""
    deps = "".join(f'    "{r}",\n' for r in requires)
    project = f'[project]\nname = "app"\nversion = "0.1.0"\ndependencies = [\n{deps}]\n'
    lock = ('version = 1\nrequires-python = ">=3.10"\n\n[[package]]\nname = "app"\n'
            'version = "0.1.0"\nsource = { virtual = "." }\n\n[package.metadata]\n'
            'requires-dist = [\n' + "".join(f"    {{ {r} }},\n" for r in recorded) + ']\n\n')
    lock += _MEMBER if sources else ""
    lock += "".join(_entry(n, v, False) for n, v in sorted({**FILLERS, **pins}.items()))
    return {"pyproject.toml": project + sources, "uv.lock": lock}


_REQUIRES = ["django>=4.2", "lib", "psycopg-c==3.3", *(f"filler{i}>=1" for i in range(8)),
             "requests>=2.31"]
_RECORDED = ['name = "django", specifier = ">=4.2"',
             'name = "lib", editable = "packages/lib"',
             f'name = "psycopg-c", marker = "sys_platform == \'linux\'", url = "{_WHEEL}"',
             'name = "psycopg-c", marker = "sys_platform != \'linux\'", specifier = "==3.3"',
             *(f'name = "filler{i}", specifier = ">=1"' for i in range(8)),
             'name = "requests", specifier = ">=2.31"']


def _two_lock_edits(repo, recorded, relocked=True, sources=_SOURCES):
    """One branch adds aiohttp, another raises requests (in its lock too unless told): edits
    far apart in both files, git merges them cleanly, and the merged manifest is neither
    side's, so the merged lock is compared with it as uv would."""
    def bumped(records):
        return [r.replace('">=2.31"', '">=2.32"') for r in records]

    root = repo(_uv_files(_REQUIRES, recorded, BASE_PINS, sources))
    branch(root, "add", _uv_files(["aiohttp>=3", *_REQUIRES],
                                  ['name = "aiohttp", specifier = ">=3"', *recorded],
                                  {**BASE_PINS, "aiohttp": "3.9.0"}, sources))
    branch(root, "upgrade", _uv_files([*_REQUIRES[:-1], "requests>=2.32"],
                                      bumped(recorded) if relocked else recorded,
                                      {**BASE_PINS, "requests": "2.32.0"}, sources))
    return root


def test_a_uv_lock_with_sources_that_merges_and_matches_is_valid(repo, branches):
    """uv records a package `[tool.uv.sources]` takes from a URL under a marker twice: the
    URL, and the specifier for every other platform; a workspace member by its path, its
    own requirements apart. That is the manifest's lock."""
    root = _two_lock_edits(repo, _RECORDED)
    found = cs202(branches(root, "add", "upgrade"))
    assert "merges and stays valid" in found["message"], found["message"]
    assert found["severity"] == "note"


def test_a_uv_lock_recording_versions_in_another_spelling_still_matches(repo, branches):
    """`>=4.2` in the manifest, `>=4.2.0` in the lock: one version, as uv reads both (no
    sources here)."""
    recorded = ['name = "django", specifier = ">=4.2.0"', 'name = "lib"',
                'name = "psycopg-c", specifier = "==3.3.0"',
                *(f'name = "filler{i}", specifier = ">=1"' for i in range(8)),
                'name = "requests", specifier = ">=2.31"']
    root = _two_lock_edits(repo, recorded, sources="")
    found = cs202(branches(root, "add", "upgrade"))
    assert "merges and stays valid" in found["message"], found["message"]


def test_a_uv_lock_with_sources_missing_a_requirement_no_longer_matches(repo, branches):
    """The near-miss: one branch raised requests in the manifest but never relocked."""
    root = _two_lock_edits(repo, _RECORDED, relocked=False)
    found = cs202(branches(root, "add", "upgrade"))
    assert "no longer matches" in found["message"], found["message"]
    assert found["severity"] == "warning"


# --- CS204 compares places on the base, not on each side (paperless-ngx d3ff856202) ------

_REQS = "".join(f"package{i}==1.{i}\n" for i in range(12))


def test_one_line_added_at_one_base_place_is_one_line_however_far_it_moved(repo, branches):
    """Both sides add httpx after package8; one also adds three packages at the top, so
    its httpx is three lines further down in its own file: git still merges one line."""
    root = repo({"requirements.txt": _REQS})
    lines = _REQS.splitlines(keepends=True)
    branch(root, "a", {"requirements.txt": "".join([*lines[:9], "httpx==0.27.0\n",
                                                    *lines[9:]])})
    branch(root, "b", {"requirements.txt": "".join(["aiohttp==3.9\n", "anyio==4.0\n",
                                                    "attrs==23.1\n", *lines[:9],
                                                    "httpx==0.27.0\n", *lines[9:]])})
    result = branches(root, "a", "b")
    assert "CS204" not in result.rules() and "CS103" not in result.rules()


def test_one_line_added_at_two_base_places_is_listed_twice(repo, branches):
    """The near-miss: line 10 in both sides' files, two places of the base (one side
    dropped three packages above its own)."""
    root = repo({"requirements.txt": _REQS})
    lines = _REQS.splitlines(keepends=True)
    branch(root, "a", {"requirements.txt": "".join([*lines[:9], "httpx==0.27.0\n",
                                                    *lines[9:]])})
    branch(root, "b", {"requirements.txt": "".join([*lines[3:], "httpx==0.27.0\n"])})
    result = branches(root, "a", "b")
    assert ("CS204", "requirements.txt", ("a", "b")) in result.findings()


# --- legacy specifiers without commas are text, not an exit 2 (wolnelektury f59e7c3de6) --

_OLD_STYLE = "Django>=1.7,<1.8\nlxml>=2.2.2\n" + "".join(f"package{i}==1.{i}\n" for i in range(8))


def _old_style(repo, line):
    root = repo({"requirements.txt": _OLD_STYLE})
    side(root, "2024-02-01", "docs", {"README.md": "docs\n"})
    commit(root, "2024-02-01", {"requirements.txt": _OLD_STYLE.replace("lxml>=2.2.2", line)},
           "main raises a pin, the old way")
    merge(root, "2024-02-02", "docs")
    return root


def test_a_specifier_without_commas_is_read_as_text_with_a_note(repo, cli):
    root = _old_style(repo, "sorl-thumbnail>=11.09<12\nSouth>=1.0 <2")
    assert backtest(cli, root)["exit_2"]["count"] == 0
    result = cli("branches", "main", "docs", "--base", "docs", "--repo", root,
                 "--format", "json", "--fail-on", "never")
    assert result.code == 0, result.err
    assert "'sorl-thumbnail>=11.09<12' is not a PEP 440 specifier" in result.err
    assert "'South>=1.0 <2' is not a PEP 440 specifier" in result.err


def test_a_line_that_is_no_requirement_at_all_still_stops_the_scan(repo, cli):
    """The near-miss: words after the specifier are no old syntax, the branch broke it."""
    root = _old_style(repo, "sorl-thumbnail>=11.09 and newer")
    assert backtest(cli, root)["exit_2"]["count"] == 1
    result = cli("branches", "main", "docs", "--base", "docs", "--repo", root,
                 "--format", "json", "--fail-on", "never")
    assert result.code == 2 and "requirements.txt:2: invalid requirement" in result.err


# --- backtest honours the repository's severities, as every other command does -----------


def _stale_lock_merge(repo, table: str) -> dict:
    """main adds aiohttp and relocks; the merged branch raises requests in the manifest but
    not in its lock: a clean merge whose lock no longer matches (CS202, a warning)."""
    def files(requires, recorded, pins):
        written = _uv_files(requires, recorded, pins)
        return {**written, "pyproject.toml": written["pyproject.toml"] + table}

    root = repo(files(_REQUIRES, _RECORDED, BASE_PINS))
    side(root, "2024-02-01", "upgrade", files([*_REQUIRES[:-1], "requests>=2.32"], _RECORDED,
                                              {**BASE_PINS, "requests": "2.32.0"}))
    commit(root, "2024-02-01", files(["aiohttp>=3", *_REQUIRES],
                                     ['name = "aiohttp", specifier = ">=3"', *_RECORDED],
                                     {**BASE_PINS, "aiohttp": "3.9.0"}), "main adds aiohttp")
    merge(root, "2024-02-02", "upgrade")
    return root


def test_a_rule_the_repository_makes_a_note_is_no_severe_finding(repo, cli):
    root = _stale_lock_merge(repo, '\n[tool.conflictscan]\nseverity = { CS202 = "note" }\n')
    tally = backtest(cli, root)["families"]["dependencies"]
    assert (tally["false"], tally["clean"]) == (0, 2)


def test_a_rule_at_its_own_severity_is_a_severe_finding_on_a_clean_file(repo, cli):
    """The near-miss: the same merge without the override: a warning on a lock that merged
    into valid TOML counts as a severe finding on a clean file."""
    tally = backtest(cli, _stale_lock_merge(repo, ""))["families"]["dependencies"]
    assert (tally["false"], tally["clean"]) == (1, 2)
    assert tally["examples"]["false"][0].endswith("uv.lock (CS202)")


# --- committed conflict markers said as such, at their line (ichnaea 03d91544e2) ----------

_PROD = "cornice==0.14\ndocopt==0.6.1\nheka-py-raven[protocol_v3]==0.7\nkombu==3.0.6\n"


def test_committed_conflict_markers_are_named_with_their_file_and_line(repo, cli):
    """The branch committed a requirements file mid-merge: one clear problem at its
    `<<<<<<<`, and its two sides are not read as one package listed twice."""
    root = repo({"requirements/prod.txt": _PROD})
    branch(root, "raven", {"requirements/prod.txt": _PROD.replace(
        "heka-py-raven[protocol_v3]==0.7\n",
        "<<<<<<< HEAD\nheka-py-raven[protocol_v3]==0.7\n=======\nheka-py-raven==0.7\n"
        ">>>>>>> added raven dependency\nraven==3.4.1\n")})
    result = cli("branches", "raven", "--repo", root, "--format", "json", "--fail-on", "never")
    assert result.code == 2
    assert ("requirements/prod.txt:3: invalid requirement: unresolved merge conflict "
            "committed ('<<<<<<<' to '>>>>>>>')") in result.err
    assert "Expected package name" not in result.err
    assert "CS204" not in result.rules()


def test_marker_like_text_that_is_no_marker_is_read_as_usual(repo, cli):
    """The near-miss: a comment of `<` and an arbitrary-equality pin are no conflict."""
    text = _PROD + "# <<<<<<< keep this list sorted >>>>>>>\nlegacy-tool===1.0-custom\n"
    root = repo({"requirements/prod.txt": _PROD})
    branch(root, "raven", {"requirements/prod.txt": text})
    result = cli("branches", "raven", "--repo", root, "--format", "json", "--fail-on", "never")
    assert result.code == 0, result.err
    assert "conflict" not in result.err
