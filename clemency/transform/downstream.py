"""What a build publishes for the people downstream, once its marts are published: the
analysts' catalog (`catalog.py`) and dbt's docs page (`docs.py`), both on the build's
audit record."""

from __future__ import annotations

from collections.abc import Callable

from clemency.lake.audit import RunRecord
from clemency.lake.layout import Lake
from clemency.transform import catalog, docs


def publish_downstream(lake: Lake, record: RunRecord, docs_run: Callable[[], object]) -> None:
    """`docs_run()` returns once `dbt docs generate` (`docs.GENERATE`) has run over the
    build's lake and as-of date: the transform starts it beside its publishing."""
    for written in catalog.publish_catalogs(lake):
        record.add_output(written, lake)
    done = docs.publish_docs(lake, docs_run)
    record.arguments["dbt_docs"] = done
    if lake.dbt_docs_site.exists():  # the page that documents this build, new or still current
        record.add_output(lake.dbt_docs_site, lake, regenerated=done.startswith("generated"))
