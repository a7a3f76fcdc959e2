"""dbt-duckdb plugin: registers `person_key(person_id)` on dbt's DuckDB connection."""

from __future__ import annotations

import functools

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from clemency.lake.pseudonym import person_key
from clemency.settings import load_settings

# A build keys the same people in several marts (every round, work release, the status
# snapshot): each id's key is computed once per dbt process, up to this many ids, three
# times the national prison population. A national build's amnesty mart took 1.8 s to key
# its rows, 0.6 s with the keys remembered. (An Arrow function is no faster: building its
# result imports pandas, half a second.)
KEYS_REMEMBERED = 1_000_000


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        keyed = functools.lru_cache(maxsize=KEYS_REMEMBERED)(
            functools.partial(person_key, load_settings().pseudonym_key)
        )
        conn.create_function("person_key", keyed, ["VARCHAR"], "VARCHAR", side_effects=False)
