"""Footer statistics (`column_range`): what the transform, the doctor, retention and replay
read instead of the data. They must equal the data's own min and max, and a process that
reads them must not pay for importing pandas."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from clemency.lake.layout import column_range

VALUES = [
    dt.datetime(1969, 12, 31, 23, 59, 59, 123456),  # before the epoch: a negative count
    dt.datetime(2025, 11, 30, 16, 59, 59, 999999),  # the last microsecond of a Vietnam day
    dt.datetime(2025, 11, 30, 17, 0, 0),
]


@pytest.mark.parametrize("unit", ["ms", "us", "ns"])
@pytest.mark.parametrize("tz", ["UTC", None])
def test_timestamp_bounds_equal_the_datas_min_and_max(tmp_path, unit, tz):
    values = [v.replace(tzinfo=dt.UTC) for v in VALUES] if tz else VALUES
    table = pa.table({"at": pa.array(values, pa.timestamp(unit, tz=tz)), "n": [3, -1, 7]})
    pq.write_table(table, tmp_path / "f.parquet", row_group_size=2)  # two row groups
    metadata = pq.ParquetFile(tmp_path / "f.parquet").metadata
    for column in ("at", "n"):
        expected = pc.min_max(table[column]).as_py()
        assert column_range(metadata, column) == (expected["min"], expected["max"]), column
    assert column_range(metadata, "missing") is None


def test_reading_a_utc_timestamp_bound_imports_no_pandas(tmp_path):
    path = tmp_path / "f.parquet"
    values = [v.replace(tzinfo=dt.UTC) for v in VALUES]
    pq.write_table(pa.table({"at": pa.array(values, pa.timestamp("us", tz="UTC"))}), path)
    probe = (
        "import sys, pyarrow.parquet as pq; from clemency.lake.layout import column_range; "
        f"low, high = column_range(pq.ParquetFile({str(path)!r}).metadata, 'at'); "
        "print(low.isoformat(), 'pandas' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1969-12-31T23:59:59.123456+00:00", "False"]
