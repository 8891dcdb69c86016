"""Fuzz profiles. CI runs the short one (fixed seeds, a few dozen inputs per parser); a long
run is `CONFLICTSCAN_FUZZ=long python -m pytest tests/fuzz --hypothesis-show-statistics`:
at least 10,000 inputs per parser (CONFLICTSCAN_FUZZ_EXAMPLES to change it), each under one
second."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

LONG = os.environ.get("CONFLICTSCAN_FUZZ") == "long"
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
          HealthCheck.large_base_example, HealthCheck.function_scoped_fixture]

settings.register_profile("conflictscan-short", max_examples=40, deadline=None, derandomize=True,
                          database=None, suppress_health_check=_QUIET, print_blob=True)
# The one-second bound of the long run is CPU time (tests/fuzz/inputs.py: cpu_second), so a
# busy machine does not fail an input that is fast; hypothesis's own deadline is wall time.
settings.register_profile("conflictscan-long", deadline=None,
                          max_examples=int(os.environ.get("CONFLICTSCAN_FUZZ_EXAMPLES", 10_000)),
                          database=None, suppress_health_check=_QUIET, print_blob=True)
settings.load_profile("conflictscan-long" if LONG else "conflictscan-short")
