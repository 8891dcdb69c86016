"""The rule catalog is found the same way from a checkout, an editable install and a wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

CATALOG_CHECK = ("from analyzer.catalog import catalog_dir, load_catalog; "
                 "print(catalog_dir()); print(len(load_catalog().rules))")


def _catalog_seen_from(path_entry: Path) -> list[str]:
    done = subprocess.run([sys.executable, "-c", CATALOG_CHECK], capture_output=True, text=True,
                          check=True, cwd=path_entry.parent, env={"PYTHONPATH": str(path_entry)})
    return done.stdout.split()


def test_catalog_from_a_checkout():
    directory, count = _catalog_seen_from(ROOT)
    assert Path(directory) == ROOT / "rules"
    assert int(count) >= 10


@pytest.mark.slow
def test_catalog_inside_the_wheel(tmp_path):
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(tmp_path), str(ROOT)], capture_output=True, text=True, check=False)
    if build.returncode != 0:
        pytest.skip(f"cannot build a wheel here (no build backend): {build.stderr[-300:]}")
    wheel = next(tmp_path.glob("conflictscan-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert {f"analyzer/rules/{p.name}" for p in (ROOT / "rules").glob("*.toml")} <= set(names)
        archive.extractall(tmp_path / "site")
    directory, count = _catalog_seen_from(tmp_path / "site")
    assert Path(directory) == tmp_path / "site" / "analyzer" / "rules"
    assert int(count) >= 10
    assert "conflictscan/__main__.py" in names
    shim = subprocess.run([sys.executable, "-m", "conflictscan", "--version"], text=True,
                          capture_output=True, check=False, cwd=tmp_path,
                          env={"PYTHONPATH": str(tmp_path / "site")})
    assert shim.returncode == 0 and shim.stdout.startswith("conflictscan 0.")
