"""The restricted person-level export: one row per person of a round, behind a flag.

Reports carry counts only. Case officers sometimes need the list itself, so this writes
the round's decisions person by person — by pseudonym (`person_key`), never the citizen ID —
to `reports/restricted/`, readable by the owner only (mode 600). It is written only when
asked for explicitly (`clemency report --round ID --restricted-person-export`).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from clemency.lake import atomic
from clemency.lake.audit import audited, file_entry
from clemency.lake.layout import Lake
from clemency.reports import safe_text

COLUMNS = [
    "person_key", "round_id", "evaluation_date", "as_of_date", "status", "met_criteria",
    "unmet_criteria", "facility_id", "agency", "province", "time_rule", "served_months",
    "required_served_months", "consecutive_good_quarters", "quarters_required", "rule_version",
]  # fmt: skip


def export_person_level(lake: Lake, round_id: str, out_dir: Path) -> Path:
    """Write the round's decisions, one row per person, and return the file's path.

    Every export is a run on the audit trail (`clemency runs --command restricted_export`):
    who took the list, of which round, from which mart file."""
    mart = lake.mart("amnesty_eligibility")
    name = f"dac-xa-{safe_text.file_part(round_id)}-person-level.parquet"
    target = Path(out_dir) / "restricted" / name
    with audited(lake, "restricted_export", {"round_id": round_id, "out": str(out_dir)}) as record:
        record.inputs = [file_entry(mart, lake)] if mart.exists() else []
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(target.parent, 0o700)
        with atomic.atomic_target(target, mode=0o600) as temporary:
            quoted = str(temporary).replace("'", "''")  # COPY TO takes no bound path
            with duckdb.connect() as connection:
                connection.execute(
                    f"copy (select {', '.join(COLUMNS)} from read_parquet(?) where round_id = ? "
                    f"order by facility_id, person_key) to '{quoted}' (format parquet)",
                    [str(mart), round_id],
                )
        record.add_output(target, lake, rows=pq.ParquetFile(target).metadata.num_rows)
        return target
