"""OpenLineage events of a dbt build, one per node, from the build's own artifacts.

After a build, `manifest.json` and `run_results.json` (in the restricted dbt target) say which
node ran, what it read and what it wrote; OpenLineage's dbt processor
(`openlineage.common.provider.dbt`, what `dbt-ol` runs) turns them into a START and a
COMPLETE (or FAIL) event per model, seed and test, with the SQL and column lineage, no row.
They land under `lineage/dbt/<transform run id>/` (`clemency.lake.lineage`). The raw sources
(`warehouse.raw.<topic>`) also get a `symlinks` facet naming the lake folder they are read
from (`<lake>/raw/<topic>`), where the ingest task's events carry the Kafka offsets.

Lineage is metadata about a build already published: a failure here is logged and never
fails the build.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from clemency.contracts import topics
from clemency.lake.layout import Lake
from clemency.lake.lineage import dbt_run_folder
from clemency.paths import TRANSFORMS_DIR

log = logging.getLogger(__name__)

PRODUCER = "https://github.com/clemency/clemency/tree/main/clemency/transform/lineage.py"
JOB_NAMESPACE = "clemency"


def import_lineage() -> None:
    """Import the OpenLineage client and its dbt processor (about half a second), which
    this module loads only when events are written: a build calls it in a thread while dbt
    runs, when its own process only waits."""
    import openlineage.common.provider.dbt.local  # type: ignore[import-untyped]  # noqa: F401

    import clemency.lake.lineage_events  # noqa: F401


def dbt_events(lake: Lake) -> list[Any]:
    """The OpenLineage events of the build whose artifacts are in the lake's dbt target."""
    from openlineage.client.facet_v2 import symlinks_dataset
    from openlineage.common.provider.dbt.local import (
        DbtLocalArtifactProcessor,
    )

    processor = DbtLocalArtifactProcessor(
        producer=PRODUCER,
        job_namespace=JOB_NAMESPACE,
        project_dir=str(TRANSFORMS_DIR),
        profile_name="clemency",
        target="lake",
        target_path=str(lake.dbt_target),
        skip_errors=True,
    )
    processor.logger.setLevel(logging.WARNING)
    # The processor reads profiles.yml, which names the warehouse through this variable (as
    # `run_dbt` sets it for dbt): the events' dataset namespace is this lake's warehouse.
    before = os.environ.get("CLEMENCY_DBT_WAREHOUSE")
    os.environ["CLEMENCY_DBT_WAREHOUSE"] = str(lake.warehouse)
    try:
        events = processor.parse().events()
    finally:
        if before is None:
            os.environ.pop("CLEMENCY_DBT_WAREHOUSE", None)
        else:
            os.environ["CLEMENCY_DBT_WAREHOUSE"] = before
    by_table = {topic.replace(".", "_"): topic for topic in topics()}
    for event in events:
        for dataset in event.inputs or []:
            schema, _, table = dataset.name.rpartition(".")
            if schema.endswith(".raw") and table in by_table:
                folder = lake.raw / by_table[table]
                dataset.facets = {
                    **(dataset.facets or {}),
                    "symlinks": symlinks_dataset.SymlinksDatasetFacet(
                        identifiers=[
                            symlinks_dataset.Identifier("file", str(folder), "DIRECTORY"),
                        ]
                    ),
                }
    return events


def write_dbt_lineage(lake: Lake, run_id: str) -> list[Path]:
    """Write the build's events under `lineage/dbt/<run_id>/`; [] (and a warning) when they
    cannot be read."""
    from clemency.lake.lineage_events import write_events

    try:
        return write_events(dbt_run_folder(lake, run_id), dbt_events(lake))
    except Exception as error:  # lineage never fails a published build
        log.warning("dbt lineage not written for run %s: %s", run_id, error)
        return []
