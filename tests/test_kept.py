"""What runs keep for the next (`analyzer.kept`): the base's layout and the rule catalog.
Read back each is the very thing computed (chains, apps, projects, problems; every rule), a
second run lists no tree, and what is not exactly this code's (damaged, foreign, of other
code or other rule files) is computed again, never trusted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.errors import InputError
from analyzer.sources import git_repo as git_repo_module
from analyzer.sources import layout_cache as cache_module
from analyzer.sources.git_repo import GitRepo
from analyzer.sources.repo_layout import RepoLayout, read_layout_at
from tests.conftest import git, write_files

MIGRATION = ("from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
             "    dependencies = []\n    operations = []\n")


def layout_repo(repo) -> Path:
    return repo({
        "alembic.ini": "[alembic]\nscript_location = db\n\n[reports]\nscript_location = rep\n",
        "db/env.py": "from alembic import context\n", "db/versions/a1.py": "revision = 'a1'\n",
        "rep/versions/r1.py": "revision = 'r1'\n",
        "pyproject.toml": "[tool.poetry]\nname = 'x'\n", "poetry.lock": "# lock\n",
        "svc/requirements/base.txt": "django\n", "svc/alembic.ini": "[alembic\nx = 1\n",
        "core/ledger_migrations/__init__.py": "", "core/ledger_migrations/0001_a.py": MIGRATION,
        "shop/migrations/__init__.py": "", "shop/migrations/0001_initial.py": MIGRATION,
        "site/settings.py": "MIGRATION_MODULES = {'ledger': 'core.ledger_migrations'}\n"})


def facts(layout: RepoLayout) -> dict[str, object]:
    """Everything a layout says, problems by what they say."""
    return {**{k: v for k, v in vars(layout).items() if k != "problems"},
            "problems": [(type(p), p.message, p.path, p.line, p.blocking)
                         for p in layout.problems]}


def listings(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    real = git_repo_module.run_git

    def run(args, *rest, **options):  # type: ignore[no-untyped-def]
        calls.append(list(args))
        return real(args, *rest, **options)

    monkeypatch.setattr(git_repo_module, "run_git", run)
    return calls


def test_a_kept_layout_is_the_computed_one(repo, layout_cache: Path, monkeypatch) -> None:
    root = layout_repo(repo)
    first = GitRepo(str(root))
    computed = read_layout_at(first, first.resolve("main"))
    assert computed.problems and computed.django_apps and len(computed.alembic_chains) == 2
    (entry,) = layout_cache.iterdir()
    assert entry.name.startswith(f"layout-{first.resolve('main')}-")
    calls = listings(monkeypatch)
    second = GitRepo(str(root))
    kept = read_layout_at(second, second.resolve("main"))
    assert facts(kept) == facts(computed)
    assert not [c for c in calls if c[0] in ("ls-tree", "cat-file")], calls  # no tree read


def test_a_moved_base_is_another_layout(repo, layout_cache: Path) -> None:
    """Near miss: the same branch name on a new commit is read again (the key is the id)."""
    root = layout_repo(repo)
    before = read_layout_at(GitRepo(str(root)), GitRepo(str(root)).resolve("main"))
    write_files(root, {"requirements.txt": "django\n", "poetry.lock": None})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "pip now")
    after = read_layout_at(GitRepo(str(root)), GitRepo(str(root)).resolve("main"))
    assert (before.manager, after.manager) == ("poetry", "poetry")
    assert (before.lockfile, after.lockfile) == ("poetry.lock", None)
    assert len(list(layout_cache.iterdir())) == 2


@pytest.mark.parametrize("damage", [
    lambda data: "{not json",
    lambda data: json.dumps([1, 2]),
    lambda data: json.dumps({**data, "stamp": [0]}),  # another version of the code
    lambda data: json.dumps({**data, "value": {**data["value"], "manager": "make"}}),
    lambda data: json.dumps({**data, "value": {**data["value"], "requirements": [7]}}),
    lambda data: json.dumps({**data, "value": {**data["value"], "problems": [["x"]]}}),
])
def test_a_cache_not_exactly_this_codes_is_computed_again(repo, layout_cache: Path,
                                                          damage) -> None:
    root = layout_repo(repo)
    git_repo = GitRepo(str(root))
    computed = read_layout_at(git_repo, git_repo.resolve("main"))
    (entry,) = layout_cache.iterdir()
    entry.write_text(damage(json.loads(entry.read_text())))
    again = GitRepo(str(root))
    assert facts(read_layout_at(again, again.resolve("main"))) == facts(computed)
    stamp = json.loads(json.dumps(cache_module._stamp()))
    assert json.loads(entry.read_text())["stamp"] == stamp  # written anew


def test_nothing_is_kept_when_the_cache_is_off(repo, layout_cache: Path, monkeypatch) -> None:
    monkeypatch.setenv("CONFLICTSCAN_CACHE_DIR", "")
    root = layout_repo(repo)
    git_repo = GitRepo(str(root))
    read_layout_at(git_repo, git_repo.resolve("main"))
    assert not layout_cache.exists()
    assert git(root, "status", "--porcelain", "--ignored") == ""  # nor in the repository


def test_an_unwritable_cache_costs_only_the_saving(repo, tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder would be\n")
    monkeypatch.setenv("CONFLICTSCAN_CACHE_DIR", str(blocker / "cache"))
    root = layout_repo(repo)
    git_repo = GitRepo(str(root))
    assert read_layout_at(git_repo, git_repo.resolve("main")).manager == "poetry"


def test_the_oldest_layouts_go(repo, layout_cache: Path, monkeypatch) -> None:
    monkeypatch.setattr(cache_module, "KEPT", 2)
    root = layout_repo(repo)
    names = []
    for number in range(3):
        write_files(root, {f"n{number}.txt": "x\n"})
        git(root, "add", "-A")
        git(root, "commit", "-qm", f"commit {number}")
        git_repo = GitRepo(str(root))
        names.append(f"layout-{git_repo.resolve('main')}-")
        read_layout_at(git_repo, git_repo.resolve("main"))
    kept = sorted(p.name for p in layout_cache.iterdir())
    assert [name[:len(prefix)] for name, prefix in zip(kept, sorted(names[1:]), strict=True)] \
        == sorted(names[1:])


def test_the_kept_catalog_is_the_parsed_one(layout_cache: Path, monkeypatch) -> None:
    from analyzer import catalog

    parsed = catalog.load_catalog.__wrapped__()  # type: ignore[attr-defined]
    assert [p.name[:8] for p in layout_cache.iterdir()] == ["catalog-"]
    # the second run reads what was kept: no rule file is parsed again
    monkeypatch.setattr(catalog, "_load_toml", lambda path: pytest.fail(f"parsed {path}"))
    assert catalog.load_catalog.__wrapped__() == parsed  # type: ignore[attr-defined]


def test_a_kept_catalog_that_makes_none_is_read_from_the_files(layout_cache: Path) -> None:
    from analyzer import catalog

    parsed = catalog.load_catalog.__wrapped__()  # type: ignore[attr-defined]
    (entry,) = layout_cache.iterdir()
    data = json.loads(entry.read_text())
    entry.write_text(json.dumps({**data, "value": [{"rule": [{"id": 7}]}] * len(data["value"])}))
    assert catalog.load_catalog.__wrapped__() == parsed  # type: ignore[attr-defined]


def test_an_edited_rule_file_is_read_again(tmp_path: Path, monkeypatch) -> None:
    """Near miss of the kept catalog: the files' sizes and times are its stamp."""
    import shutil

    from analyzer import catalog

    rules = tmp_path / "rules"
    shutil.copytree(catalog.catalog_dir(), rules)
    monkeypatch.setattr(catalog, "catalog_dir", lambda: rules)
    before = catalog.load_catalog.__wrapped__()  # type: ignore[attr-defined]
    shared = rules / "shared_files.toml"
    shared.write_text(shared.read_text().replace(before.rules["CS101"].title, "Renamed"))
    assert catalog.load_catalog.__wrapped__().rules["CS101"].title == "Renamed"  # type: ignore[attr-defined]


def test_two_installs_keep_a_layout_each(repo, layout_cache: Path, monkeypatch) -> None:
    """pre-commit's virtualenv and a pipx install stamp their layouts differently: each
    keeps its own file (one name made them write over each other, and both computed the
    layout on every run); a third stamp is a third file, and the first two still read."""
    root = layout_repo(repo)
    stamp = cache_module._stamp()
    installs = [[*stamp, "/venvs/pre-commit"], [*stamp, "/pipx/conflictscan"]]
    for install in installs:  # each computes its layout once
        monkeypatch.setattr(cache_module, "_stamp", lambda install=install: install)
        git_repo = GitRepo(str(root))
        read_layout_at(git_repo, git_repo.resolve("main"))
    assert len(list(layout_cache.iterdir())) == 2
    calls = listings(monkeypatch)
    for install in installs * 2:  # then read it back, turn by turn
        monkeypatch.setattr(cache_module, "_stamp", lambda install=install: install)
        git_repo = GitRepo(str(root))
        read_layout_at(git_repo, git_repo.resolve("main"))
    assert not [c for c in calls if c[0] in ("ls-tree", "cat-file")], calls


def test_two_installs_keep_a_catalog_each(tmp_path: Path, layout_cache: Path,
                                          monkeypatch) -> None:
    """Two installs read rule files of their own (their paths are in the stamp): each
    reads its kept catalog back, whichever ran last."""
    import shutil

    from analyzer import catalog

    folders = [tmp_path / "venv" / "rules", tmp_path / "pipx" / "rules"]
    for folder in folders:
        shutil.copytree(catalog.catalog_dir(), folder)
        monkeypatch.setattr(catalog, "catalog_dir", lambda folder=folder: folder)
        catalog.load_catalog.__wrapped__()  # type: ignore[attr-defined]
    assert len(list(layout_cache.iterdir())) == 2
    monkeypatch.setattr(catalog, "_load_toml", lambda path: pytest.fail(f"parsed {path}"))
    for folder in folders * 2:
        monkeypatch.setattr(catalog, "catalog_dir", lambda folder=folder: folder)
        assert catalog.load_catalog.__wrapped__().rules  # type: ignore[attr-defined]


def test_kept_catalogs_do_not_pile_up(tmp_path: Path, layout_cache: Path,
                                      monkeypatch) -> None:
    """Every install and every edit of a rule file is another stamp: only the newest
    CATALOGS_KEPT files stay."""
    import shutil

    from analyzer import catalog

    monkeypatch.setattr(catalog, "CATALOGS_KEPT", 2)
    for number in range(4):
        folder = tmp_path / f"install{number}" / "rules"
        shutil.copytree(catalog.catalog_dir(), folder)
        monkeypatch.setattr(catalog, "catalog_dir", lambda folder=folder: folder)
        catalog.load_catalog.__wrapped__()  # type: ignore[attr-defined]
    assert len(list(layout_cache.iterdir())) == 2


def test_the_kept_config_table_is_the_parsed_one(tmp_path: Path, layout_cache: Path,
                                                 monkeypatch) -> None:
    """`[tool.conflictscan]` is kept under the file's very text: the next run reads it back
    without parsing; the near misses: an edited file is parsed again, and one that does not
    parse is reported on every run."""
    from analyzer import config as config_module

    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.conflictscan]\n"
                                         "fail-on = 'warning'\nignore = ['CS4']\n")
    first = config_module.load_config(str(root))
    assert (first.fail_on, first.ignore) == ("warning", ["CS4"])
    parse = config_module.load_toml
    monkeypatch.setattr(config_module, "load_toml",
                        lambda text, path: pytest.fail("parsed again"))
    assert config_module.load_config(str(root)) == first
    (root / "pyproject.toml").write_text("[tool.conflictscan]\nfail-on = 'note'\n")
    monkeypatch.setattr(config_module, "load_toml", parse)
    assert config_module.load_config(str(root)).fail_on == "note"
    (root / "pyproject.toml").write_text("[tool.conflictscan\nfail-on = 'note'\n")
    for _ in range(2):
        with pytest.raises(InputError, match="does not parse as TOML"):
            config_module.load_config(str(root))
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no table: kept too
    assert config_module.load_config(str(root)) == config_module.Config()
    monkeypatch.setattr(config_module, "load_toml",
                        lambda text, path: pytest.fail("parsed again"))
    assert config_module.load_config(str(root)) == config_module.Config()
