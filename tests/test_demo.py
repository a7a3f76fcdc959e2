"""The thin end-to-end slice: simulate → publish → ingest → dbt → HTML, on a real broker."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pyarrow.parquet as pq
from conftest import ARTIFACTS

from clemency.demo import run_demo
from clemency.lake import Lake
from clemency.settings import load_settings


def test_demo_slice_end_to_end(tmp_path):
    settings = load_settings({"CLEMENCY_LAKE": str(tmp_path / "lake")})
    outputs = run_demo(settings, inmates=300, seed=11, as_of=dt.date(2025, 11, 30))

    published = int(outputs["events published"].replace(",", ""))
    landed = int(outputs["events landed"].replace(",", ""))
    assert published > 300 * 5  # a person has a sentence, an admission and a history
    assert landed == published  # the simulator's events are all valid, each landed once
    assert outputs["quarantined"] == "0"

    lake = Lake(settings.lake)
    ledger = [r for f in lake.ingest_ledger.glob("*.parquet") for r in pq.read_table(f).to_pylist()]
    assert sum(r["consumed"] for r in ledger) == published
    assert all(r["consumed"] == r["landed"] + r["quarantined"] for r in ledger)

    population = pq.read_table(lake.curated / "facility_population.parquet").to_pylist()
    assert {row["agency"] for row in population} == {"MoPS", "MND"}
    assert {row["as_of_date"] for row in population} == {dt.date(2025, 11, 30)}
    assert 0 < sum(row["people_admitted"] for row in population) <= 300

    html = (lake.reports / "summary-2025-11-30.html").read_text(encoding="utf-8")
    assert "Tóm tắt lần chạy dữ liệu đặc xá" in html
    assert f"{landed:,}" in html
    assert not re.search(r"(src|href)=\"?https?://", html)  # self-contained
    assert not re.search(r"\b\d{12}\b", html)  # no citizen ID leaks into the report

    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(lake.reports / "summary-2025-11-30.html", ARTIFACTS / "demo-summary.html")
