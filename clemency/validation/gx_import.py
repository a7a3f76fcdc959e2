"""Importing Great Expectations for the gate: once per process, and without what it never runs.

`import great_expectations` took 2.3 s here, and the gate pays it in every ingest run. A
second of it is SciPy's statistics and Altair's charts, which GX imports at its own import
for expectations and renderers the gate's suites never run (a distribution's divergence, a
chart in Data Docs). While GX imports, those two libraries' pure-Python modules are made
lazy with the standard library's `importlib.util.LazyLoader`: each module object is created
at once, and its code runs the first time something reads from it. Nothing is left out:
whatever does read from one (another expectation, a caller of SciPy in the same process)
finds it whole, only later. A library imported before GX is not touched.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
from collections.abc import Sequence
from types import ModuleType

# Top-level packages GX imports eagerly and the gate's suites do not use.
DEFERRED = ("scipy", "altair")

_lock = threading.Lock()  # one import at a time: the finder is global while it is in place


class _Deferring(importlib.abc.MetaPathFinder):
    """Finds the DEFERRED packages' modules as the path finder would, loading them lazily."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name.partition(".")[0] not in DEFERRED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        # compiled extensions load as they are; only Python source (or its bytecode) defers
        if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def import_gx() -> None:
    """Import Great Expectations (with its usage analytics off: GX decides about them when
    it is imported), deferring DEFERRED; then configure it for the gate."""
    with _lock:
        if "great_expectations" not in sys.modules:
            os.environ["GX_ANALYTICS_ENABLED"] = "false"
            finder = _Deferring()
            sys.meta_path.insert(0, finder)
            try:
                import great_expectations  # noqa: F401
            finally:
                sys.meta_path.remove(finder)
        from great_expectations.execution_engine import pandas_execution_engine

        # GX fingerprints every pandas batch below this size (an md5 kept among the batch's
        # markers, which nothing here reads). The raw rows' `kafka_headers` are lists, which
        # pandas cannot hash, so GX pickles the whole frame for it instead: a full copy in
        # memory, and about a tenth of an ingest's gate time. No batch is fingerprinted.
        pandas_execution_engine.HASH_THRESHOLD = 0
