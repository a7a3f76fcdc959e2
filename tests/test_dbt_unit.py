"""The dbt unit tests of every eligibility rule (transforms/models/**/_unit_tests__*.yml)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from clemency.transform.dbt import ensure_raw_topics, run_dbt


@pytest.mark.slow
def test_every_rule_unit_test_passes(lake):
    # unit tests need the upstream relations to exist (dbt reads their column types), and
    # an empty lake is enough: every raw topic resolves to an empty file
    ensure_raw_topics(lake)
    as_of = dt.date(2025, 11, 30)
    run_dbt(lake, as_of, "build", "--exclude", "test_type:unit")
    result = run_dbt(lake, as_of, "test", "--select", "test_type:unit")
    log = result.log_path.read_text(encoding="utf-8")
    summary = re.findall(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+)", log)[-1]
    passed, _, errors = map(int, summary)
    assert errors == 0
    assert passed >= 33  # every rule's edges (see the _unit_tests__*.yml files)
