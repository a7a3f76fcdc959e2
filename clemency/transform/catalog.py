"""The analysts' catalog: a small DuckDB file of views over the published marts, no data.

    curated/catalog.duckdb, catalog.sql              the aggregate marts (every user may read)
    restricted/curated/catalog.duckdb, catalog.sql   every mart, person-level ones too (owner)

In each, `<mart>` is the latest published set and `snapshots.<mart>` every as-of date, its
`as_of_date` read from the snapshot folder's name (`as_of=<date>`, hive partitioning), so a
filter on `as_of_date` opens only that day's files. Paths are relative to the catalog's own
folder, so the catalog works wherever the lake is mounted: open it from that folder or set
DuckDB's `file_search_path` to it. `catalog.sql` holds the same statements, for a DuckDB
that cannot open this version's file (`duckdb -init catalog.sql`).

Every build rewrites both after publishing (`publish_catalogs`), each atomically, so an
analyst who has the catalog open keeps the one they opened (its snapshots stay), and never
holds the lock dbt's warehouse needs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from clemency.lake import atomic
from clemency.lake.layout import Lake

log = logging.getLogger(__name__)

# Storage an older DuckDB can open (1.0 and later); anything older runs catalog.sql.
STORAGE_VERSION = "v1.0.0"
_MART_NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # a dbt model name: safe as an identifier
_AS_OF_NOTE = (
    "The as-of date of the build (its snapshot folder): a filter on it reads only that day."
)

# A model's description and its columns', from dbt's manifest.
Descriptions = dict[str, tuple[str, dict[str, str]]]


def publish_catalogs(lake: Lake) -> list[Path]:
    """Write the public catalog (aggregate marts) and the restricted one (every mart) for
    the lake's published snapshots; return the files written."""
    latest = lake.latest_as_of()
    described = descriptions(lake.dbt_manifest)
    public = lake.catalog()
    restricted = lake.catalog(person_level=True)
    aggregate = _marts(lake.snapshot_root(), lake, aggregate=True)
    person_level = _marts(lake.snapshot_root(person_level=True), lake, aggregate=False)
    every = {**aggregate, **person_level}
    written = write_catalog(public, catalog_sql(public.parent, aggregate, latest, described), 0o644)
    written += write_catalog(
        restricted, catalog_sql(restricted.parent, every, latest, described), 0o600
    )
    return written


def descriptions(manifest: Path) -> Descriptions:
    """Each model's description and its columns', from dbt's manifest (none without one):
    the catalog's views carry them as DuckDB comments."""
    try:
        nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    except (OSError, ValueError, KeyError):
        return {}
    return {
        node["name"]: (
            node.get("description") or "",
            {name: c.get("description") or "" for name, c in node.get("columns", {}).items()},
        )
        for node in nodes
        if node.get("resource_type") == "model"
    }


def _marts(snapshots: Path, lake: Lake, aggregate: bool) -> dict[str, Path]:
    """Mart name -> its snapshot folder root, for every mart of the given tier that some
    snapshot under `snapshots` holds (a file not named like a dbt model is left out)."""
    found: dict[str, Path] = {}
    for path in sorted(snapshots.glob("as_of=*/*.parquet")):
        if lake.is_aggregate(path.stem) != aggregate:
            continue
        if not _MART_NAME.match(path.stem):
            log.warning("catalog: %s is not named like a mart; left out", path)
            continue
        found[path.stem] = snapshots
    return found


def catalog_sql(
    folder: Path, marts: dict[str, Path], latest: dt.date | None, described: Descriptions
) -> str:
    """The catalog's statements: `snapshots.<mart>` over every as-of, `<mart>` over the
    latest set (when one is published and holds that mart), paths relative to `folder`,
    each view and column commented with its dbt description."""
    statements = ["create schema if not exists snapshots;"]
    views: list[tuple[str, str]] = []  # (view, mart)
    columns: dict[str, list[str]] = {}  # mart -> its views' columns
    for name, snapshots in sorted(marts.items()):
        files = Path(os.path.relpath(snapshots, folder)) / "as_of=*" / f"{name}.parquet"
        own = _columns(snapshots, name)
        columns[name] = [c for c in own if c not in ("as_of", "as_of_date")] + ["as_of_date"]
        # dbt writes the as-of into the mart too; the folder's copy is the one that prunes
        exclude = "as_of_date, as_of" if "as_of_date" in own else "as_of"
        statements.append(
            f"create or replace view snapshots.{name} as\n"
            f"select * exclude ({exclude}), cast(as_of as date) as as_of_date\n"
            f"from read_parquet({_literal(files.as_posix())}, hive_partitioning = true);"
        )
        views.append((f"snapshots.{name}", name))
    if latest is not None:
        for name, snapshots in sorted(marts.items()):
            if (snapshots / f"as_of={latest.isoformat()}" / f"{name}.parquet").exists():
                statements.append(
                    f"create or replace view {name} as\n"
                    f"select * from snapshots.{name} "
                    f"where as_of_date = date '{latest.isoformat()}';"
                )
                views.append((name, name))
    for view, mart in views:
        about, about_columns = described.get(mart, ("", {}))
        scope = "Every as-of date" if view.startswith("snapshots.") else "The latest set"
        comments = [f"comment on view {view} is {_literal(f'{scope}. {about}'.strip())};"]
        for column in columns[mart]:
            text = _AS_OF_NOTE if column == "as_of_date" else about_columns.get(column)
            if text:
                comments.append(f"comment on column {view}.{_name(column)} is {_literal(text)};")
        statements.append("\n".join(comments))
    return "\n\n".join(statements) + "\n"


def _columns(snapshots: Path, mart: str) -> list[str]:
    """The columns of the mart's first snapshot (DuckDB binds a view over several files
    with the schema of the first one)."""
    first = sorted(snapshots.glob(f"as_of=*/{mart}.parquet"))[0]
    return list(pq.read_schema(first).names)


def _name(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_catalog(database: Path, statements: str, mode: int) -> list[Path]:
    """`database` (a DuckDB file holding the views) and `<database>.sql` (the statements),
    each written atomically with permission bits `mode`."""
    folder = database.parent
    with atomic.atomic_target(database, mode) as temporary:
        # DuckDB binds a view when it is created: resolve the relative paths from `folder`
        connection = duckdb.connect(config={"file_search_path": str(folder)})
        try:
            connection.execute(
                f"attach {_literal(str(temporary))} as new_catalog "
                f"(storage_version '{STORAGE_VERSION}')"
            )
            connection.execute("use new_catalog")
            # one transaction: a commit per view and comment (hundreds) took half the time
            connection.execute("begin transaction")
            connection.execute(statements)
            connection.execute("commit")
            connection.execute("use memory")
            connection.execute("checkpoint new_catalog")
            connection.execute("detach new_catalog")
        finally:
            connection.close()
    script = atomic.write_text(database.with_suffix(".sql"), _HEADER + statements, mode)
    return [database, script]


_HEADER = """\
-- The analysts' catalog as plain SQL (written by `clemency transform`; do not edit).
-- Paths are relative to this folder. From here, in any DuckDB:
--   duckdb -init catalog.sql              (an in-memory session with these views)
-- or open catalog.duckdb beside it read-only: duckdb -readonly catalog.duckdb
-- `<mart>` is the latest published set, `snapshots.<mart>` every as-of date.

"""
