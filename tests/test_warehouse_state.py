"""What a build may keep from the warehouse (clemency/transform/warehouse_state.py): the
views, while nothing that defines them changed and every one of them is still there. A
kept view that no longer matches the project would make every later build read stale SQL,
so these tests try the ways a view can stop matching."""

from __future__ import annotations

import shutil

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from clemency.contracts import topics
from clemency.lake.layout import Lake
from clemency.paths import TRANSFORMS_DIR
from clemency.transform.warehouse_state import (
    delivery_model,
    typed_event_models,
    typed_events_fingerprint,
    views_fingerprint,
    warehouse_state,
)


def _project(tmp_path):
    copy = tmp_path / "transforms"
    shutil.copytree(TRANSFORMS_DIR, copy, ignore=shutil.ignore_patterns("target", "logs"))
    return copy


def test_any_change_to_what_defines_a_view_changes_the_fingerprint(tmp_path):
    lake, project = Lake(tmp_path / "lake"), _project(tmp_path)
    before = views_fingerprint(lake, project)
    assert views_fingerprint(lake, project) == before  # deterministic

    macro = project / "macros" / "staged_events.sql"
    macro.write_text(macro.read_text(encoding="utf-8") + "\n")
    after_macro = views_fingerprint(lake, project)
    assert after_macro != before  # a macro a view calls

    sql = project / "models" / "staging" / "court" / "stg_court__bail_ends.sql"
    sql.write_text(sql.read_text(encoding="utf-8") + " ")
    after_model = views_fingerprint(lake, project)
    assert after_model not in {before, after_macro}  # the view's own SQL

    (project / "models" / "staging" / "court" / "stg_court__new.sql").write_text("select 1\n")
    assert views_fingerprint(lake, project) != after_model  # a new model

    # the same project over a lake elsewhere (a copy, a move): the views name the raw zone
    # relative to the lake's root, so they read that lake's files and are kept
    assert views_fingerprint(Lake(tmp_path / "moved"), project) == views_fingerprint(lake, project)


def test_a_seed_change_does_not_change_the_views(tmp_path):
    """A view reads a seed by name at query time: new seed rows need no new view."""
    lake, project = Lake(tmp_path / "lake"), _project(tmp_path)
    before = views_fingerprint(lake, project)
    seed = next((project / "seeds").rglob("*.csv"))
    seed.write_text(seed.read_text(encoding="utf-8") + "\n")
    assert views_fingerprint(lake, project) == before


def test_the_recorded_views_count_only_while_each_is_still_a_view(tmp_path):
    lake = Lake(tmp_path / "lake")
    lake.restricted.mkdir(parents=True)
    with duckdb.connect(str(lake.warehouse)) as connection:
        connection.execute("create view stg_a as select 1 as x")
        connection.execute("create view stg_b as select 2 as x")
    lake.dbt_views_built.write_text('{"sha256": "abc", "views": ["stg_a", "stg_b"]}')
    assert warehouse_state(lake).views_fingerprint == "abc"

    with duckdb.connect(str(lake.warehouse)) as connection:
        connection.execute("drop view stg_b")
        connection.execute("create table stg_b as select 2 as x")  # a table of that name
    assert warehouse_state(lake).views_fingerprint is None

    with duckdb.connect(str(lake.warehouse)) as connection:
        connection.execute("drop table stg_b")
    assert warehouse_state(lake).views_fingerprint is None  # gone

    lake.dbt_views_built.write_text("not json")
    assert warehouse_state(lake).views_fingerprint is None  # an unreadable record
    lake.dbt_views_built.unlink()
    assert warehouse_state(lake).views_fingerprint is None  # none at all


def test_the_typed_event_tables_are_restaged_when_anything_that_types_them_changes(tmp_path):
    """They are incremental: a changed base model or staging macro applies to new deliveries
    only unless every raw file is staged again, so each must change the fingerprint; the
    as-of views over them (stg_*) and the seeds must not (they cost no restaging)."""
    project = _project(tmp_path)
    before = typed_events_fingerprint(project)
    assert typed_events_fingerprint(project) == before

    view = project / "models" / "staging" / "court" / "stg_court__bail_ends.sql"
    view.write_text(view.read_text(encoding="utf-8") + " ")
    seed = next((project / "seeds").rglob("*.csv"))
    seed.write_text(seed.read_text(encoding="utf-8") + "\n")
    assert typed_events_fingerprint(project) == before

    seen = {before}
    for changed in (
        project / "models" / "staging" / "court" / "base" / "base_court__bail_ends.sql",
        project / "models" / "staging" / "facility" / "base" / "base_facility__admissions.sql",
        project / "macros" / "staged_events.sql",
        project / "macros" / "raw_deliveries.sql",
    ):
        changed.write_text(changed.read_text(encoding="utf-8") + " ")
        fingerprint = typed_events_fingerprint(project)
        assert fingerprint not in seen, changed.name
        seen.add(fingerprint)


def test_typed_event_tables_without_a_matching_record_count_as_changed(tmp_path):
    lake = Lake(tmp_path / "lake")
    lake.restricted.mkdir(parents=True)
    assert not warehouse_state(lake).typed_events_changed("abc")  # nothing built yet
    with duckdb.connect(str(lake.warehouse)) as connection:
        connection.execute("create table base_court__bail_ends as select 1 as x")
    assert warehouse_state(lake).typed_events_changed("abc")  # built, by unrecorded models
    lake.dbt_typed_events_built.write_text('{"sha256": "abc"}')
    assert not warehouse_state(lake).typed_events_changed("abc")
    assert warehouse_state(lake).typed_events_changed("def")
    lake.dbt_typed_events_built.write_text("not json")
    assert warehouse_state(lake).typed_events_changed("abc")


def test_the_staged_tables_are_kept_only_while_every_raw_file_is_staged_as_it_is(tmp_path):
    """A build keeps the delivery and typed event tables only when they would not change:
    a raw file not staged yet, a staged one rewritten, a missing table or other definitions
    each make it run them."""
    lake = Lake(tmp_path / "lake")
    lake.restricted.mkdir(parents=True)
    landed = lake.raw / "facility.events" / "partition=0" / "00000000000000000000.parquet"
    landed.parent.mkdir(parents=True)
    pq.write_table(pa.table({"n": [1, 2, 3]}), landed)
    with duckdb.connect(str(lake.warehouse)) as connection:
        for model in {delivery_model(topic) for topic in topics()}:
            connection.execute(f"create table {model} (source_file varchar)")
        connection.execute(
            f"insert into {delivery_model('facility.events')} select ? from range(3)",
            # as dbt names it, running in the lake's root (run_dbt)
            ["raw/facility.events/partition=0/00000000000000000000.parquet"],
        )
        for model in typed_event_models():
            connection.execute(f"create table {model} (event_id varchar)")
    lake.dbt_typed_events_built.write_text('{"sha256": "abc"}')
    assert warehouse_state(lake).nothing_to_stage("abc")
    assert not warehouse_state(lake).nothing_to_stage("def")  # other definitions

    # a topic with nothing landed has an empty file (ensure_raw_topics): no row to stage
    placeholder = lake.raw / "court.events" / "partition=none" / "empty.parquet"
    placeholder.parent.mkdir(parents=True)
    pq.write_table(pa.table({"n": pa.array([], pa.int64())}), placeholder)
    assert warehouse_state(lake).unstaged_files == 0
    assert warehouse_state(lake).nothing_to_stage("abc")

    newer = landed.with_name("00000000000000000003.parquet")
    pq.write_table(pa.table({"n": [4]}), newer)
    assert warehouse_state(lake).unstaged_files == 1
    assert not warehouse_state(lake).nothing_to_stage("abc")  # a file not staged yet
    newer.unlink()

    pq.write_table(pa.table({"n": [1, 2]}), landed)
    assert not warehouse_state(lake).nothing_to_stage("abc")  # rewritten with fewer rows
    pq.write_table(pa.table({"n": [1, 2, 3]}), landed)
    assert warehouse_state(lake).nothing_to_stage("abc")

    with duckdb.connect(str(lake.warehouse)) as connection:
        connection.execute("drop table base_court__bail_ends")
    assert not warehouse_state(lake).nothing_to_stage("abc")  # a typed event table missing
