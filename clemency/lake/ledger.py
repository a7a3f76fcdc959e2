"""The ingest ledger: one row per run and partition, `ledger/ingest/<run id>.parquet`.

consumed = landed + quarantined on every row. A run writes its ledger when it ends; a run
killed half-way leaves its counts in the lake's positions (`clemency.lake.positions`), and
the next ingest or replay writes its ledger from them, so each record is counted once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import asdict, dataclass

import pyarrow as pa

from clemency.lake import atomic
from clemency.lake.layout import Lake
from clemency.lake.positions import Position, read_positions

log = logging.getLogger(__name__)


@dataclass
class PartitionLedger:
    """One ledger row: what a run did to one partition. consumed = landed + quarantined."""

    run_id: str
    topic: str
    partition: int
    offset_from: int
    offset_to: int  # next offset to read (exclusive end), as committed
    consumed: int = 0
    landed: int = 0
    quarantined: int = 0
    gate_quarantined: int = 0  # of `quarantined`: rows the Great Expectations gate refused
    duplicates_seen: int = 0
    files: int = 0
    superseded_files: int = 0
    duration_s: float = 0.0


def write_ledger(lake: Lake, run_id: str, rows: list[PartitionLedger]) -> None:
    if rows:
        table = pa.Table.from_pylist([asdict(row) for row in rows])
        atomic.write_parquet(lake.ingest_ledger / f"{run_id}.parquet", table)


def recover_interrupted_runs(lake: Lake) -> list[str]:
    """Write the ledger of every run that moved a position but left no ledger (it was
    killed), its rows as its positions record them; return those runs' ids."""
    by_run: dict[str, list[Position]] = defaultdict(list)
    for position in read_positions(lake):
        if position.run_id:
            by_run[position.run_id].append(position)
    recovered = []
    for run_id, positions in sorted(by_run.items()):
        if (lake.ingest_ledger / f"{run_id}.parquet").exists():
            continue
        log.warning("run %s was interrupted: writing its ledger from the lake's positions", run_id)
        rows = [
            PartitionLedger(
                run_id,
                p.topic,
                p.partition,
                p.run_offset_from,
                p.next_offset,
                consumed=p.consumed,
                landed=p.landed,
                quarantined=p.quarantined,
                gate_quarantined=p.gate_quarantined,
                files=p.files,
            )
            for p in positions
        ]
        write_ledger(lake, run_id, rows)
        recovered.append(run_id)
    return recovered
