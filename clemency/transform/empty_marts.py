"""A mart with no row is a file with no row.

dbt-duckdb's external materialization (how every mart is written: a Parquet file under
`<area>/curated/`) cannot leave an empty file: for a model with no row it writes one row
of nulls, and the warehouse's view of the file filters that row out. Whoever reads the file
itself (the published snapshots are copies of it, and the reports, the catalog, the analysts
and the "an empty build never replaces a published set" check read those) would count it
as a row: a person, a facility, a round that does not exist. After each dbt command that
builds, such a file is written again with its columns and no row. No real row of a mart is
null in every column: each has required columns (its model_checks test).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from clemency.lake import atomic


def is_placeholder(mart: Path) -> bool:
    """Whether `mart` is dbt-duckdb's stand-in for an empty model: one row, every column
    null."""
    file = pq.ParquetFile(mart)
    if file.metadata.num_rows != 1:
        return False
    return all(column.null_count == 1 for column in file.read().columns)


def remove_placeholders(folder: Path) -> list[Path]:
    """Rewrite every placeholder mart in `folder` with no row (same columns, mode 600);
    return the files rewritten."""
    rewritten = []
    for mart in sorted(folder.glob("*.parquet")):
        if is_placeholder(mart):
            empty = pq.read_schema(mart).empty_table()
            rewritten.append(atomic.write_parquet(mart, empty, mode=0o600))
    return rewritten
