"""What dbt's warehouse already holds, so a build redoes only what changed: which raw files
the delivery models staged, which seeds were loaded, which views were created, which
definitions built the typed event tables.

Seeds and views are fingerprinted: a build reloads the seeds, or creates the views again,
only when their fingerprint differs from the one recorded after the last build that did
(`Lake.dbt_seeds_loaded`, `Lake.dbt_views_built`). A view is a stored query, not data: the
same project over the same lake creates the same views, so a steady daily build keeps
them and runs only their data tests (each `create view` cost dbt about 0.1 s a node).

The typed event tables (models/staging/*/base/) are incremental: a changed definition would
apply to new deliveries only, so when their fingerprint differs from the one recorded
(`Lake.dbt_typed_events_built`) the build stages every raw file again (--full-refresh).
When no raw file is new, gone or rewritten, the staged tables (deliveries and typed events)
already hold every row a build would give them: it keeps them (each no-op incremental run
cost dbt about 0.25 s, 29 of them a build, in every day of a backfill after the first), and
skips their checks when the last whole build that succeeded passed them over the same
staged files by the same definitions (`staged_tests_record`, `Lake.dbt_staged_tested`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from clemency.contracts import topics
from clemency.lake import atomic
from clemency.lake.layout import DbtArea, Lake
from clemency.paths import TRANSFORMS_DIR

VIEW_MODELS = "config.materialized:view"  # dbt's selector of the view models
# dbt's selector of the staged tables: the delivery and typed event models, the incremental
# ones of staging
STAGED_TABLES = "path:models/staging,config.materialized:incremental"


@dataclass(frozen=True)
class WarehouseState:
    seeds_fingerprint: str | None  # of the seeds loaded, None if any seed table is missing
    stale_files: list[str]  # raw files staged that are gone or now hold other rows
    views_fingerprint: str | None = None  # of the views created, None if any view is missing
    # of the typed event models that built their tables (None if not recorded), and whether
    # the warehouse holds any of those tables
    typed_events_fingerprint: str | None = None
    typed_events_present: bool = False
    # every delivery and typed event table is in the warehouse; how many raw files on disk
    # no delivery table has staged yet
    staged_tables_present: bool = False
    unstaged_files: int = 0

    def typed_events_changed(self, fingerprint: str) -> bool:
        """Whether the typed event tables were built by other definitions than
        `fingerprint` (or by unrecorded ones): then every raw file is staged again."""
        return self.typed_events_present and self.typed_events_fingerprint != fingerprint

    def nothing_to_stage(self, fingerprint: str) -> bool:
        """Whether the staged tables already hold every raw file as it is, typed by the
        definitions of `fingerprint`: then a build may keep them as they are."""
        return (
            self.staged_tables_present
            and not self.stale_files
            and self.unstaged_files == 0
            and self.typed_events_fingerprint == fingerprint
        )


def dbt_variables(lake: Lake, area: DbtArea | None = None) -> dict[str, str]:
    """dbt's vars for a build over `lake`: `lake` the folder dbt writes in (the restricted
    zone, or a what-if scenario's area), `raw` the raw zone its sources read.

    Relative to the lake's root, the folder dbt runs in (`run_dbt`): the vars, and so the
    parsed project, are the same for every lake (clemency/transform/parse_cache.py), and
    the raw files the delivery models remember (by path) are the same files in a copy of
    the lake."""
    return {
        "lake": lake_relative(lake, (area or lake).restricted),
        "raw": lake_relative(lake, lake.raw),
    }


def lake_relative(lake: Lake, path: Path) -> str:
    """`path` as dbt, running in the lake's root, names it."""
    return os.path.relpath(path, lake.root)


def open_warehouse(lake: Lake, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """The lake's warehouse, its views reading what dbt's read: they name files relative to
    the lake's root (in a DuckDB shell, `cd` there first or set `file_search_path`)."""
    return duckdb.connect(
        str(lake.warehouse), read_only=read_only, config={"file_search_path": str(lake.root)}
    )


def delivery_model(topic: str) -> str:
    """The dbt model holding every delivery of `topic` (macro raw_deliveries)."""
    return "stg_raw__" + topic.removesuffix(".events").replace(".", "_") + "_deliveries"


def warehouse_state(lake: Lake, seeds_dir: Path = TRANSFORMS_DIR / "seeds") -> WarehouseState:
    """What the warehouse already holds: which seeds and views, and whether every raw file
    its delivery models staged is still on disk with the rows it had (raw files are
    immutable and named by offset, but a purge deletes them and a gate or a replay may
    rewrite one)."""
    if not lake.warehouse.exists():
        return WarehouseState(None, [])
    on_disk = {
        lake_relative(lake, path): pq.ParquetFile(path).metadata.num_rows
        for path in lake.raw.glob("*/*/*.parquet")
    }
    with open_warehouse(lake) as connection:
        relations = dict(
            connection.execute(
                "select table_name, table_type from information_schema.tables "
                "where table_schema = 'main'"
            ).fetchall()
        )
        stale: list[str] = []
        staged_files: set[str] = set()
        delivery_models = {delivery_model(topic) for topic in topics()}
        for model in sorted(relations.keys() & delivery_models):
            staged = connection.execute(
                f"select source_file, count(*) from main.{model} group by source_file"
            ).fetchall()
            stale += [file for file, rows in staged if on_disk.get(file) != rows]
            staged_files.update(file for file, _ in staged)
    typed_events = typed_event_models(seeds_dir.parent)
    seeds = _recorded(lake.dbt_seeds_loaded)
    seed_tables = {path.stem for path in seeds_dir.rglob("*.csv")}
    views = _recorded(lake.dbt_views_built)
    views_present = "views" in views and all(relations.get(v) == "VIEW" for v in views["views"])
    return WarehouseState(
        seeds.get("sha256") if seed_tables <= relations.keys() else None,
        sorted(stale),
        views.get("sha256") if views_present else None,
        _recorded(lake.dbt_typed_events_built).get("sha256"),
        bool(typed_events & relations.keys()),
        {*delivery_models, *typed_events} <= relations.keys(),
        # a file with no row (`ensure_raw_topics`' placeholder of a topic with nothing
        # landed) leaves no row in a delivery table: there is nothing of it to stage
        len({file for file, rows in on_disk.items() if rows} - staged_files),
    )


def typed_event_models(project_dir: Path = TRANSFORMS_DIR) -> set[str]:
    """The names of the typed event models (models/staging/<system>/base/)."""
    return {path.stem for path in (project_dir / "models" / "staging").glob("*/base/*.sql")}


def _recorded(path: Path) -> dict:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return {}


def seeds_fingerprint(project_dir: Path = TRANSFORMS_DIR) -> str:
    """SHA-256 of everything that decides what the seeds load: their files (CSV and the
    column types in their yml) and the project file's seed configuration."""
    return _files_digest(project_dir, [project_dir / "seeds", project_dir / "dbt_project.yml"])


def views_fingerprint(lake: Lake, project_dir: Path = TRANSFORMS_DIR) -> str:
    """SHA-256 of everything a view's definition can depend on: every model and macro file
    (any change to the project creates the views again: simpler than tracing which file a
    view compiles from, and never wrong), the project and profile files, dbt's vars (the
    raw zone's path is in the views over the raw sources), the warehouse's path (a view
    names its relations with the database) and the versions of dbt and DuckDB."""
    context = {
        "vars": dbt_variables(lake),
        "warehouse": lake_relative(lake, lake.warehouse),
        "versions": [version(name) for name in ("dbt-core", "dbt-duckdb", "duckdb")],
    }
    paths = [project_dir / name for name in ("models", "macros", "dbt_project.yml")]
    return _files_digest(
        project_dir, [*paths, TRANSFORMS_DIR / "profiles.yml"], json.dumps(context, sort_keys=True)
    )


def typed_events_fingerprint(project_dir: Path = TRANSFORMS_DIR) -> str:
    """SHA-256 of everything that decides the rows of the typed event models (incremental
    tables: a change to them applies to new deliveries only, unless every raw file is staged
    again): their files, the staging macros, the project file and dbt's and DuckDB's
    versions."""
    context = json.dumps([version(name) for name in ("dbt-core", "dbt-duckdb", "duckdb")])
    paths = [
        *sorted((project_dir / "models" / "staging").glob("*/base")),
        project_dir / "macros" / "staged_events.sql",
        project_dir / "macros" / "raw_deliveries.sql",
        project_dir / "dbt_project.yml",
    ]
    return _files_digest(project_dir, paths, context)


def person_level_fingerprint(project_dir: Path = TRANSFORMS_DIR) -> str:
    """SHA-256 of everything a person-level row can depend on besides the data: every model
    and macro (simpler than tracing which ones the tables compile from, and never wrong), the
    seeds, the project and profile files, dbt's and DuckDB's versions, and the pseudonym key
    (int_person_keys), by a pseudonym it gives, never the key itself."""
    from clemency.lake.pseudonym import person_key
    from clemency.settings import load_settings

    versions = [version(name) for name in ("dbt-core", "dbt-duckdb", "duckdb")]
    keyed = person_key(load_settings().pseudonym_key, "person-level fingerprint")
    context = json.dumps([*versions, keyed])
    paths = [project_dir / name for name in ("models", "macros", "seeds", "dbt_project.yml")]
    return _files_digest(project_dir, [*paths, TRANSFORMS_DIR / "profiles.yml"], context)


def _files_digest(root: Path, paths: list[Path], context: str = "") -> str:
    """SHA-256 of `context` and of every file under `paths` (a file or a folder), by its
    path relative to `root` and its bytes."""
    digest = hashlib.sha256()
    if context:
        digest.update(context.encode() + b"\0")
    files = sorted(
        file for path in paths for file in ([path] if path.is_file() else path.rglob("*"))
    )
    for file in files:
        if file.is_file():
            name = file.relative_to(root) if file.is_relative_to(root) else Path(file.name)
            digest.update(str(name).encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def record_views(lake: Lake, fingerprint: str) -> None:
    """After a whole build that created the views: their fingerprint and names (from the
    build's manifest), so the next build can keep them."""
    nodes = _manifest_nodes(lake)
    if nodes is None:
        return
    views = sorted(
        node["name"]
        for node in nodes
        if node.get("resource_type") == "model"
        and node.get("config", {}).get("materialized") == "view"
    )
    atomic.write_json(lake.dbt_views_built, {"sha256": fingerprint, "views": views}, mode=0o600)


def seed_only_tests(lake: Lake) -> list[str]:
    """The data tests that read seeds and nothing else (per dbt's last manifest): they can
    only fail when a seed changes, so they run when the seeds are loaded."""
    return sorted(
        node["name"]
        for node in _manifest_nodes(lake) or []
        if node.get("resource_type") == "test"
        and (parents := node.get("depends_on", {}).get("nodes"))
        and all(parent.startswith("seed.") for parent in parents)
    )


def staged_only_tests(lake: Lake) -> list[str]:
    """The data tests that read the staged tables (the delivery and typed event models) and
    nothing else (per dbt's last manifest): their rows change only when a build stages new
    raw files, so a build that stages none runs them only if no whole build has passed them
    since (`staged_tests_record`)."""
    staged = {delivery_model(topic) for topic in topics()} | typed_event_models()
    return sorted(
        node["name"]
        for node in _manifest_nodes(lake) or []
        if node.get("resource_type") == "test"
        and (parents := node.get("depends_on", {}).get("nodes"))
        and all(p.startswith("model.") and p.rsplit(".", 1)[-1] in staged for p in parents)
    )


def staged_tests_record(staged_files: tuple[str, ...], project_dir: Path = TRANSFORMS_DIR) -> dict:
    """What a whole build that succeeded records of its staged tables' checks: the raw files
    it had staged, and the definitions of the tables and their tests (staging models and
    their yml, macros, generic tests, project file, versions)."""
    context = json.dumps(
        [[version(name) for name in ("dbt-core", "dbt-duckdb", "duckdb")], list(staged_files)]
    )
    paths = [project_dir / name for name in ("models/staging", "macros", "tests")]
    return {
        "sha256": _files_digest(project_dir, [*paths, project_dir / "dbt_project.yml"], context)
    }


def staged_tests_passed(lake: Lake, record: dict) -> bool:
    """Whether the last whole build that succeeded left `record` (`staged_tests_record`):
    it checked these very staged tables by these definitions."""
    return _recorded(lake.dbt_staged_tested) == record


def _manifest_nodes(lake: Lake) -> list[dict] | None:
    """The nodes of dbt's last manifest in the lake's target, None when it cannot be read."""
    try:
        manifest = json.loads(lake.dbt_manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return list(manifest.get("nodes", {}).values())
