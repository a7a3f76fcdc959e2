"""dbt-duckdb plugin: registers `person_key(person_id)` on dbt's DuckDB connection."""

from __future__ import annotations

import functools

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection
from duckdb.func import PythonUDFType

from clemency.lake.pseudonym import person_key
from clemency.settings import load_settings

# A build keys the same people in several marts (every round, work release, the status
# snapshot): each id's key is computed once per dbt process, up to this many ids, which
# is three times the national prison population.
KEYS_REMEMBERED = 1_000_000


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        keyed = functools.lru_cache(maxsize=KEYS_REMEMBERED)(
            functools.partial(person_key, load_settings().pseudonym_key)
        )

        # An Arrow function: DuckDB hands over a vector of ids at a time, not one Python
        # call per row (about a third of a national eligibility mart's time went there).
        def keyed_ids(ids: pa.Array) -> pa.Array:
            return pa.array(
                [None if person_id is None else keyed(person_id) for person_id in ids.to_pylist()],
                pa.string(),
            )

        conn.create_function(
            "person_key",
            keyed_ids,
            ["VARCHAR"],
            "VARCHAR",
            type=PythonUDFType.ARROW,
            side_effects=False,
        )
