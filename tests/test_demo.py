"""The thin end-to-end slice: simulate → publish → ingest → dbt → HTML, on a real broker."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pyarrow.parquet as pq
import pytest
from conftest import ARTIFACTS, DEMO_AS_OF, DEMO_INMATES, DEMO_SEED

from clemency.demo import run_demo
from clemency.lake.audit import load_runs
from clemency.lake.layout import Lake
from clemency.lake.pseudonym import person_key
from clemency.ops.explain import explain
from clemency.settings import load_settings
from producers.simulator import SimulationConfig, simulate

pytestmark = [pytest.mark.slow, pytest.mark.broker]

AS_OF, INMATES, SEED = DEMO_AS_OF, DEMO_INMATES, DEMO_SEED


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, demo_lake_template) -> list[tuple[dict, Lake]]:
    """The whole demo slice twice, each on its own fresh broker and lake: this module's
    run, then the session's (tests/conftest.py; the same inmates, seed and as-of date),
    which is only read here."""
    settings = load_settings({"CLEMENCY_LAKE": str(tmp_path_factory.mktemp("first"))})
    outputs = run_demo(settings, inmates=INMATES, seed=SEED, as_of=AS_OF)
    return [(outputs, settings.lake), ({}, demo_lake_template)]


def test_demo_slice_end_to_end(two_runs):
    outputs, lake = two_runs[0]

    published = int(outputs["events published"].replace(",", ""))
    landed = int(outputs["events landed"].replace(",", ""))
    assert published > 300 * 5  # a person has a sentence, an admission and a history
    assert landed == published  # the simulator's events are all valid, each landed once
    assert outputs["quarantined"] == "0"

    ledger = [r for f in lake.ingest_ledger.glob("*.parquet") for r in pq.read_table(f).to_pylist()]
    assert sum(r["consumed"] for r in ledger) == published
    assert all(r["consumed"] == r["landed"] + r["quarantined"] for r in ledger)

    population = pq.read_table(lake.curated / "facility_population.parquet").to_pylist()
    assert {row["agency"] for row in population} == {"MoPS", "MND"}
    assert {row["as_of_date"] for row in population} == {dt.date(2025, 11, 30)}
    assert 0 < sum(row["people_admitted"] for row in population) <= INMATES

    summary = lake.report_folder("summary", dt.date(2025, 11, 30)) / "summary-2025-11-30.html"
    assert outputs["summary (HTML)"] == str(summary)
    html = summary.read_text(encoding="utf-8")
    assert "Tóm tắt lần chạy dữ liệu đặc xá" in html
    assert f"{landed:,}" in html
    assert not re.search(r"(src|href)=\"?https?://", html)  # self-contained
    assert not re.search(r"\b\d{12}\b", html)  # no citizen ID leaks into the report

    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(summary, ARTIFACTS / "demo-summary.html")


MARTS = ["amnesty_eligibility", "work_release_eligibility", "person_status", "round_funnel"]


def test_same_run_twice_gives_identical_marts_and_every_decision_explains(two_runs):
    """simulate → publish → ingest → transform → explain, twice on fresh brokers."""
    lakes = [lake for _, lake in two_runs]

    for mart in MARTS:
        first, second = (pq.read_table(lake.mart(mart)) for lake in lakes)
        assert first.num_rows > 0, mart
        assert first.equals(second), f"{mart} differs between two identical runs"

    # explain answers for a real person, with the same figures as the mart
    decisions = pq.read_table(lakes[0].mart("amnesty_eligibility")).to_pylist()
    by_key = {(row["person_key"], row["round_id"]): row for row in decisions}
    key = load_settings({}).pseudonym_key
    people = {
        e["person_id"]
        for e in simulate(SimulationConfig(inmates=INMATES, seed=SEED, as_of=AS_OF))
        if e["event_type"] == "person.admitted"
    }
    explained = 0
    for person_id in sorted(people):
        row = by_key.get((person_key(key, person_id), "2025-2"))
        if row is None:
            continue
        found = explain(lakes[0], key, person_id, "amnesty", "2025-2")
        assert found.status == row["status"]
        assert found.unmet_criteria == list(row["unmet_criteria"])
        assert found.details["time_served"]["served_days"] == row["served_days"]
        explained += 1
    assert explained == sum(1 for (_, round_id) in by_key if round_id == "2025-2")
    # every look-up is on the audit trail, by pseudonym: no citizen ID is written there
    assert len(load_runs(lakes[0], command="explain")) == explained
    trail = " ".join(p.read_text() for p in lakes[0].root.glob("audit/runs/*/*.json"))
    assert not [person_id for person_id in people if person_id in trail]
