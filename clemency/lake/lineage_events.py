"""OpenLineage events and the datasets they name (see `clemency.lake.lineage` for where they
land): the facets Clemency adds, an audit record's inputs and outputs as datasets, and the
one way an event becomes a file. Imports the OpenLineage client: only lineage writers load it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attr
from openlineage.client.event_v2 import InputDataset, OutputDataset
from openlineage.client.facet_v2 import DatasetFacet
from openlineage.client.serde import Serde

from clemency.lake import atomic
from clemency.lake.layout import Lake
from clemency.lake.lineage import safe_name

FILE_NAMESPACE = "file"
OFFSETS_FACET = "clemency_offsets"
FILES_FACET = "clemency_files"
_SCHEMA = "https://github.com/clemency/clemency/blob/main/docs/architecture.md#lineage"


@attr.define
class OffsetsDatasetFacet(DatasetFacet):
    """The Kafka offsets a run read from one topic, per partition: `[offset_from, offset_to)`
    and how many records (or, for the raw lake a build read, files, rows, highest offset)."""

    partitions: list[dict[str, Any]] = attr.field(factory=list)

    @staticmethod
    def _get_schema() -> str:
        return _SCHEMA + "-offsets"


@attr.define
class FilesDatasetFacet(DatasetFacet):
    """The files of a dataset a run wrote: lake-relative path, bytes, SHA-256 (as its audit
    record names them), rows where known."""

    files: list[dict[str, Any]] = attr.field(factory=list)

    @staticmethod
    def _get_schema() -> str:
        return _SCHEMA + "-files"


def write_event(path: Path, event: Any) -> Path:
    """One OpenLineage event as one JSON file, atomically (readers never see half)."""
    return atomic.write_text(path, Serde.to_json(event) + "\n")


def write_events(folder: Path, events: Iterable[Any]) -> list[Path]:
    """Each event as `<job name>.<EVENT>.json` in `folder`; returns the files."""
    written = []
    for event in events:
        name = f"{safe_name(event.job.name)}.{event.eventType.value}.json"
        written.append(write_event(folder / name, event))
    return written


# -- datasets of an audit record ----------------------------------------------------------


def _lake_dataset_name(lake: Lake, relative: str) -> str:
    """The dataset a lake file belongs to: `raw/<topic>`, `curated/<mart>`, ..."""
    parts = Path(relative).parts
    if parts[:1] in {("raw",), ("quarantine",)} and len(parts) > 1:
        name = "/".join(parts[:2])
    elif parts[:2] == ("restricted", "curated") or parts[:1] == ("curated",):
        zone = "/".join(parts[:2] if parts[0] == "restricted" else parts[:1])
        name = f"{zone}/{Path(relative).stem}"
    elif parts[:1] == ("reports",):
        name = f"reports/{Path(relative).stem}"
    else:
        name = str(Path(relative).parent)
    return str(lake.root / name)


def kafka_namespace(bootstrap_servers: str | None) -> str:
    first = (bootstrap_servers or "").split(",")[0].strip()
    return f"kafka://{first or 'unknown'}"


def record_datasets(
    lake: Lake, inputs: list[Mapping[str, Any]], outputs: list[Mapping[str, Any]], bootstrap: str
) -> tuple[list[InputDataset], list[OutputDataset]]:
    """An audit record's inputs and outputs as OpenLineage datasets: the Kafka offsets an
    ingest read, the raw partitions a build read, the files any run read or wrote."""
    topics: dict[str, list[dict[str, Any]]] = defaultdict(list)
    raw: dict[str, list[dict[str, Any]]] = defaultdict(list)
    read: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in inputs:
        if "topic" in entry and "offset_from" in entry:  # an ingest: Kafka offsets
            topics[str(entry["topic"])].append({k: v for k, v in entry.items() if k != "topic"})
        elif "topic" in entry:  # a build: the raw lake partitions it read
            raw[str(entry["topic"])].append({k: v for k, v in entry.items() if k != "topic"})
        elif "path" in entry:
            read[_lake_dataset_name(lake, str(entry["path"]))].append(dict(entry))
    found_inputs = [
        InputDataset(
            namespace=kafka_namespace(bootstrap),
            name=topic,
            facets={OFFSETS_FACET: OffsetsDatasetFacet(partitions=partitions)},
        )
        for topic, partitions in sorted(topics.items())
    ]
    found_inputs += [
        InputDataset(
            namespace=FILE_NAMESPACE,
            name=str(lake.raw / topic),
            facets={OFFSETS_FACET: OffsetsDatasetFacet(partitions=partitions)},
        )
        for topic, partitions in sorted(raw.items())
    ]
    found_inputs += [
        InputDataset(FILE_NAMESPACE, name, facets={FILES_FACET: FilesDatasetFacet(files=files)})
        for name, files in sorted(read.items())
    ]
    written: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in outputs:
        if "path" in entry and not entry.get("deleted"):
            written[_lake_dataset_name(lake, str(entry["path"]))].append(dict(entry))
    found_outputs = [
        OutputDataset(FILE_NAMESPACE, name, facets={FILES_FACET: FilesDatasetFacet(files=files)})
        for name, files in sorted(written.items())
    ]
    return found_inputs, found_outputs
