"""dbt-duckdb plugin: registers `person_key(person_id)` on dbt's DuckDB connection."""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from clemency.lake.pseudonym import person_key
from clemency.settings import load_settings


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        key = load_settings().pseudonym_key

        def keyed(person_id: str) -> str:
            return person_key(key, person_id)

        conn.create_function("person_key", keyed, ["VARCHAR"], "VARCHAR", side_effects=False)
