"""dbt's partial parse, shared by every lake this checkout builds.

dbt keeps the parsed project in its target folder (`partial_parse.msgpack`) and, next time,
parses only the files that changed. Each lake has its own target folder, so the first build
of a lake (a new lake, a test's, a benchmark's) parsed the whole project again: about 4 s,
a third of a small build. A build runs dbt from the lake's root with paths relative to it
(`run_dbt`), so the parse does not depend on which lake it was made for; the last one is
kept here and handed to a lake that has none. dbt still checks it against the project's
files, vars, profile and version, and parses again whatever differs.

The file holds the project's code and configuration (models, tests, seeds' settings), no
row of any lake; it is kept in the user's cache folder, mode 600. A cache that cannot be
read or written costs a full parse, nothing else.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from clemency.lake import atomic
from clemency.paths import TRANSFORMS_DIR

log = logging.getLogger(__name__)

PARTIAL_PARSE = "partial_parse.msgpack"


def cache_file(project_dir: Path = TRANSFORMS_DIR) -> Path:
    """Where the checkout's last parse is kept (one per project folder)."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clemency"
    digest = hashlib.sha256(str(project_dir.resolve()).encode()).hexdigest()[:16]
    return root / f"dbt-{digest}-{PARTIAL_PARSE}"


def restore(target: Path, project_dir: Path = TRANSFORMS_DIR) -> bool:
    """Give `target` (a dbt target folder without a parse of its own) the kept parse;
    whether it did."""
    cached = cache_file(project_dir)
    if (target / PARTIAL_PARSE).exists() or not cached.is_file():
        return False
    try:
        target.mkdir(parents=True, exist_ok=True)
        atomic.copy(cached, target / PARTIAL_PARSE, mode=0o600)
    except OSError as error:
        log.debug("dbt's kept parse not restored (%s): dbt parses the whole project", error)
        return False
    return True


def keep(target: Path, project_dir: Path = TRANSFORMS_DIR) -> bool:
    """Keep `target`'s parse for the next lake, when it differs from the kept one; whether
    it was written."""
    parsed, cached = target / PARTIAL_PARSE, cache_file(project_dir)
    try:
        data = parsed.read_bytes()
        if cached.is_file() and cached.stat().st_size == len(data) and cached.read_bytes() == data:
            return False
        cached.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic.write_bytes(cached, data, mode=0o600)
    except OSError as error:
        log.debug("dbt's parse not kept (%s)", error)
        return False
    return True
