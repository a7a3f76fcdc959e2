"""The analysts' catalog and the docs page, on a small lake written by hand (no dbt, no
broker): views, pruning by as-of, relative paths, atomic rewrites, the two tiers; the docs
page's rewriting and its manifest fingerprint. tests/test_downstream.py runs the same
against a real demo and a real `clemency transform`."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import yaml

from clemency.errors import PipelineError
from clemency.lake import atomic
from clemency.lake.layout import AGGREGATE_MARTS, Lake
from clemency.paths import TRANSFORMS_DIR
from clemency.transform import catalog, docs

EARLY, LATE = dt.date(2025, 10, 1), dt.date(2025, 11, 30)
PERSON_LEVEL = ("amnesty_eligibility", "work_release_eligibility", "person_status")


def _funnel(as_of: dt.date, people: int) -> pa.Table:
    return pa.table(
        {
            "round_id": ["2025-2", "2025-2"],
            "province": ["Gia Lai", "Hà Nội"],
            "status": ["almost_eligible", "almost_eligible"],
            "reason": ["all", "all"],
            "people": pa.array([people, 1], pa.int64()),
            "as_of_date": [as_of, as_of],
        }
    )


def _decisions(as_of: dt.date) -> pa.Table:
    return pa.table({"person_key": ["k1", "k2"], "status": ["eligible", "excluded"],
                     "as_of_date": [as_of, as_of]})  # fmt: skip


@pytest.fixture
def lake(tmp_path) -> Lake:
    """Two published as-of dates, the later one latest, both tiers."""
    lake = Lake(tmp_path / "lake")
    lake.restrict()
    for as_of, people in ((EARLY, 7), (LATE, 9)):
        atomic.write_parquet(lake.mart("round_funnel", as_of), _funnel(as_of, people))
        population = pa.table({"province": ["Gia Lai"], "people_admitted": [people * 10]})
        atomic.write_parquet(lake.mart("facility_population", as_of), population)
        for mart in PERSON_LEVEL:
            atomic.write_parquet(lake.mart(mart, as_of), _decisions(as_of))
    atomic.write_json(lake.latest_pointer, {"as_of": LATE.isoformat(), "run_id": "r"})
    funnel = {"resource_type": "model", "name": "round_funnel", "description": "Counts per round.",
              "columns": {"province": {"description": "Province of the facility."}}}  # fmt: skip
    atomic.write_json(lake.dbt_manifest, {"nodes": {"model.x": funnel}})
    catalog.publish_catalogs(lake)
    return lake


def connect(database: Path) -> duckdb.DuckDBPyConnection:
    """The way the README opens the catalog from anywhere: read-only, with the documented
    file_search_path (the catalog's own folder)."""
    return duckdb.connect(
        str(database), read_only=True, config={"file_search_path": str(database.parent)}
    )


def in_child(database: Path, query: str) -> list:
    """`query`'s rows, run on the catalog read-only by another Python process."""
    script = (
        "import duckdb, json, sys; c = duckdb.connect(sys.argv[1], read_only=True, "
        "config={'file_search_path': sys.argv[2]}); "
        "print(json.dumps(c.execute(sys.argv[3]).fetchall(), default=str))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(database), str(database.parent), query],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return json.loads(done.stdout)


def read_files(sql: str) -> list[str]:
    """The file patterns a catalog's SQL reads."""
    return re.findall(r"read_parquet\('((?:[^']|'')*)'", sql)


def test_latest_views_and_every_snapshot(lake):
    with connect(lake.catalog()) as con:
        assert con.execute("select sum(people) from round_funnel").fetchone() == (10,)
        per_day = con.execute(
            "select as_of_date, sum(people) from snapshots.round_funnel group by 1 order by 1"
        ).fetchall()
        assert per_day == [(EARLY, 8), (LATE, 10)]
        # as_of_date comes from the folder, also for a mart that never had the column
        assert con.execute("select distinct as_of_date from facility_population").fetchall() == [
            (LATE,)
        ]
        # each view and column says what it holds, from the dbt descriptions
        views = "select schema_name || '.' || view_name, comment from duckdb_views()"
        comments = dict(con.execute(views + " where not internal").fetchall())
        assert comments["main.round_funnel"] == "The latest set. Counts per round."
        assert comments["snapshots.round_funnel"] == "Every as-of date. Counts per round."
        described = con.execute(
            "select column_name, comment from duckdb_columns() "
            "where schema_name = 'main' and table_name = 'round_funnel' and comment is not null"
        ).fetchall()
        assert dict(described) == {
            "province": "Province of the facility.",
            "as_of_date": catalog._AS_OF_NOTE,
        }


def test_a_filter_on_as_of_date_reads_only_that_days_files(lake, tmp_path):
    with connect(lake.catalog()) as con:
        plan = con.execute(
            "explain analyze select sum(people) from snapshots.round_funnel "
            f"where as_of_date = date '{EARLY}'"
        ).fetchall()[0][1]
    assert f"as_of={EARLY}/round_funnel.parquet" in plan
    assert f"as_of={LATE}" not in plan
    assert "Total Files Read: 1" in plan
    # and by behaviour: the other day's file broken, the filtered query still answers
    other = lake.mart("round_funnel", LATE)
    other.write_bytes(b"not parquet at all")
    with connect(lake.catalog()) as con:
        filtered = f"select sum(people) from snapshots.round_funnel where as_of_date = '{EARLY}'"
        assert con.execute(filtered).fetchone() == (8,)
        with pytest.raises(duckdb.Error):
            con.execute("select sum(people) from snapshots.round_funnel").fetchall()


def test_public_catalog_names_no_person_level_mart(lake):
    public = lake.catalog()
    with connect(public) as con:
        views = con.execute("select schema_name, view_name, sql from duckdb_views() "
                        "where not internal").fetchall()  # fmt: skip
    assert {name for _, name, _ in views} == {"round_funnel", "facility_population"}
    assert {name for _, name, _ in views} <= AGGREGATE_MARTS
    script = public.with_suffix(".sql").read_text()
    files = [f for text in [script, *(sql for *_, sql in views)] for f in read_files(text)]
    assert files and all(f.startswith("snapshots/as_of=*/") for f in files)  # curated/ only
    assert {Path(f).stem for f in files} == {"round_funnel", "facility_population"}
    assert not [m for m in PERSON_LEVEL if m in public.read_bytes().decode("latin-1")]
    assert stat.S_IMODE(public.stat().st_mode) == 0o644
    assert stat.S_IMODE(public.with_suffix(".sql").stat().st_mode) == 0o644


def test_restricted_catalog_reaches_every_mart_and_is_owner_only(lake):
    restricted = lake.catalog(person_level=True)
    assert restricted.is_relative_to(lake.restricted_curated)
    assert stat.S_IMODE(restricted.stat().st_mode) == 0o600
    assert stat.S_IMODE(restricted.with_suffix(".sql").stat().st_mode) == 0o600
    assert stat.S_IMODE(lake.restricted_curated.stat().st_mode) == 0o700
    with connect(restricted) as con:
        assert con.execute("select count(*) from amnesty_eligibility").fetchone() == (2,)
        assert con.execute("select count(*) from snapshots.person_status").fetchone() == (4,)
        assert con.execute("select sum(people) from round_funnel").fetchone() == (10,)


def test_the_sql_file_builds_the_same_views_in_any_session(lake):
    folder = lake.catalog().parent
    with duckdb.connect(config={"file_search_path": str(folder)}) as fresh:
        fresh.execute(lake.catalog().with_suffix(".sql").read_text())
        from_script = fresh.execute("select * from snapshots.round_funnel order by all").fetchall()
    with connect(lake.catalog()) as con:
        assert con.execute("select * from snapshots.round_funnel order by all").fetchall() == (
            from_script
        )


def test_the_catalog_works_where_the_lake_is_moved(lake, tmp_path):
    moved = Lake(tmp_path / "elsewhere" / "lake")
    shutil.move(lake.root, moved.root)
    os.chdir(tmp_path)  # and from a folder that is neither
    with connect(moved.catalog()) as con:
        assert con.execute("select sum(people) from round_funnel").fetchone() == (10,)
    with connect(moved.catalog(person_level=True)) as con:
        assert con.execute("select sum(people) from snapshots.round_funnel").fetchone() == (18,)


def test_a_rewrite_never_disturbs_an_open_catalog(lake):
    """Analysts keep a catalog open while the next build rewrites it: both connections
    answer, the old one from the set it opened, the new one from the new latest set."""
    with connect(lake.catalog()) as analyst:
        newer = dt.date(2025, 12, 1)
        atomic.write_parquet(lake.mart("round_funnel", newer), _funnel(newer, 20))
        atomic.write_json(lake.latest_pointer, {"as_of": newer.isoformat(), "run_id": "r2"})
        catalog.publish_catalogs(lake)
        assert analyst.execute("select sum(people) from round_funnel").fetchone() == (10,)
        # another analyst (a process of their own: DuckDB shares one open file per process)
        assert in_child(lake.catalog(), "select sum(people) from round_funnel") == [[21]]
    assert not list(lake.curated.glob(".*"))  # no temporary file or WAL left


def test_a_file_not_named_like_a_mart_is_left_out(lake):
    stray = lake.snapshot(LATE) / "round_funnel'; drop.parquet"
    shutil.copy(lake.mart("round_funnel", LATE), stray)
    catalog.publish_catalogs(lake)
    assert "drop" not in lake.catalog().with_suffix(".sql").read_text()


# --- the docs page --------------------------------------------------------------------------

OUTSIDE = [
    '<script src="https://cdn.example.com/app.js"></script>',
    "<link href='//fonts.example.com/css?family=X' rel=stylesheet>",
    '<a href="http://example.com/help">help</a>',
    'i.async=1,i.src="//d1fc8wv8zag5ca.cloudfront.net/2.9.0/sp.js"',
    "@font-face{src:url(https://fonts.example.com/a.woff)}",
    '@font-face{src:url("../fonts/entypo/entypo.woff") format("woff")}',
    "see the [dbt docs](https://docs.getdbt.com/docs/introduction) for more",
]


def test_the_docs_page_is_rewritten_to_reach_nothing_outside(tmp_path):
    lake = Lake(tmp_path / "lake")
    page = "\n".join(
        [*OUTSIDE, f'"path": "{lake.root}/restricted/curated/x.parquet"', f"{TRANSFORMS_DIR}/m"]
    )
    assert len(docs.external_references(page)) == len(OUTSIDE)
    rewritten = docs.rewrite(page, lake)
    assert docs.external_references(rewritten) == []
    assert "http" not in rewritten and "//" not in rewritten.replace("about:blank", "")
    assert "see the dbt docs for more" in rewritten
    assert str(lake.root) not in rewritten and str(TRANSFORMS_DIR) not in rewritten
    assert '"$CLEMENCY_LAKE/restricted/curated/x.parquet"' in rewritten


def _manifest(target: Path, description: str, created_at: float) -> None:
    node = {"description": description, "created_at": created_at, "compiled_code": "x"}
    manifest = {"metadata": {"dbt_version": "1.11", "generated_at": str(created_at)},
                "nodes": {"model.clemency.round_funnel": node}}  # fmt: skip
    atomic.write_json(target / "manifest.json", manifest)


def test_docs_are_generated_again_only_when_the_manifest_changed(tmp_path):
    lake = Lake(tmp_path / "lake")
    generated: list[int] = []

    def generate() -> None:  # what `dbt docs generate --static` leaves in the target
        generated.append(1)
        atomic.write_text(lake.dbt_target / "static_index.html", "<p>docs</p>" + OUTSIDE[0])

    _manifest(lake.dbt_target, "Counts per round.", 1.0)
    assert docs.publish_docs(lake, generate).startswith("generated in ")
    assert docs.external_references(lake.dbt_docs_site.read_text()) == []
    _manifest(lake.dbt_target, "Counts per round.", 2.0)  # another build, same project
    assert docs.publish_docs(lake, generate) == "unchanged"
    _manifest(lake.dbt_target, "Counts per round and status.", 3.0)
    assert docs.publish_docs(lake, generate).startswith("generated")
    lake.dbt_docs_site.unlink()  # a lost page is made again whatever the manifest says
    assert docs.publish_docs(lake, generate).startswith("generated")
    assert len(generated) == 3

    def fails() -> None:
        raise PipelineError("dbt docs failed for as-of 2025-11-30: model x: boom")

    _manifest(lake.dbt_target, "Changed again.", 4.0)
    kept = lake.dbt_docs_site.read_bytes()
    assert docs.publish_docs(lake, fails) == (
        "not published: dbt docs failed for as-of 2025-11-30: model x: boom"
    )
    assert lake.dbt_docs_site.read_bytes() == kept


# --- exposures ------------------------------------------------------------------------------


def exposures() -> dict[str, dict]:
    text = (TRANSFORMS_DIR / "models" / "exposures.yml").read_text(encoding="utf-8")
    return {e["name"]: e for e in yaml.safe_load(text)["exposures"]}


def test_every_report_is_an_exposure_with_owner_maturity_and_description():
    declared = exposures()
    assert set(declared) == {"round_report", "work_release_report", "run_summary"}
    models = {p.stem for p in (TRANSFORMS_DIR / "models").rglob("*.sql")}
    for name, exposure in declared.items():
        assert exposure["owner"]["name"], name
        assert exposure["maturity"] in {"low", "medium", "high"}, name
        assert len(exposure["description"]) > 80, name
        assert "url" not in exposure, f"{name}: the docs page must not link outside"
        refs = [d for d in exposure["depends_on"] if d.startswith("ref(")]
        assert refs and {json.loads(r[4:-1].replace("'", '"')) for r in refs} <= models, name


def test_the_fingerprint_ignores_the_as_of_date_dbt_renders_into_sources(tmp_path):
    def manifest(as_of: str, warn_days: int) -> Path:
        freshness = {"warn_after": {"count": warn_days, "period": "day"},
                     "filter": f"cast(recorded_at as date) <= cast('{as_of}' as date)"}  # fmt: skip
        source = {"freshness": freshness, "config": {"freshness": freshness}}
        path = tmp_path / f"{as_of}-{warn_days}.json"
        atomic.write_json(path, {"sources": {"source.clemency.raw.court_events": source}})
        return path

    same = docs.manifest_fingerprint(manifest("2025-11-30", 7))
    assert docs.manifest_fingerprint(manifest("2025-10-01", 7)) == same
    assert docs.manifest_fingerprint(manifest("2025-10-01", 8)) != same
