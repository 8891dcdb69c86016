"""The plan readers through their public entry point (what `conflictscan plan` calls), and the
whole CLI on fuzzed plans: exit 0, 1 or 2, never a traceback nor an internal error."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analyzer.cli import main
from analyzer.errors import InputError
from analyzer.sources.plan import load_plan
from analyzer.sources.repo_layout import conventions
from tests.fuzz.inputs import any_text, cpu_second, plan_seeds

_SCRATCH = Path(tempfile.mkdtemp(prefix="conflictscan-fuzz-plan-"))
_SEEDS = plan_seeds()
_MARKDOWN = [text for name, text in _SEEDS.items() if name.endswith(".md")]
_STRUCTURED = {suffix: [text for name, text in _SEEDS.items() if name.endswith(suffix)]
               for suffix in (".json", ".yaml", ".toml")}

# Huge lines stay out of these two: the known super-linear steps of the markdown readers
# (see test_growth.py, xfail there) would stall the run; they are the plan readers' rewrite.
_PLANS = st.one_of(
    st.tuples(st.just(".md"), any_text(_MARKDOWN, huge=False)),
    *(st.tuples(st.just(suffix), any_text(seeds, huge=False))
      for suffix, seeds in _STRUCTURED.items()),
)


def _write(suffix: str, text: str) -> str:
    path = _SCRATCH / f"tasks{suffix}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))  # lone surrogates as bytes
    return str(path)


@given(_PLANS)
def test_plan_readers(plan: tuple[str, str]) -> None:
    suffix, text = plan
    with cpu_second(), contextlib.suppress(InputError):
        load_plan(_write(suffix, text), conventions())


@given(_PLANS, st.sampled_from(["text", "json", "sarif", "github", "markdown"]))
def test_cli_on_a_fuzzed_plan(capsys: pytest.CaptureFixture[str], plan: tuple[str, str],
                              fmt: str) -> None:
    suffix, text = plan
    with cpu_second():
        code = main(["plan", _write(suffix, text), "--format", fmt, "--color", "always"])
    err = capsys.readouterr().err
    assert code in (0, 1, 2), err
    assert "internal error" not in err and "Traceback" not in err, err
