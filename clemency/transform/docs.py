"""dbt's docs site, published beside the reports as one self-contained page.

`dbt docs generate --static` writes `static_index.html`: the docs app with the manifest and
the catalog inlined (descriptions, lineage with the exposures, compiled SQL, column names
and types). It holds no row: dbt-duckdb's catalog carries no statistics (`has_stats`
false), and the seeds it shows are the rule tables. Before the page is published to
`reports/dbt-docs/index.html`:

- every reference the page would load or link outside itself (`src=`, `href=`, CSS `url(`
  to `http(s)://` or `//host`, a Markdown link to one, a CSS `url(` to a font or image dbt
  does not ship in the page) is neutralised, dbt docs' usage tracker script included (the
  tracker is off anyway: builds run with DBT_SEND_ANONYMOUS_USAGE_STATS=false), and the
  page is refused if any is left;
- the lake's and the checkout's absolute paths become `$CLEMENCY_LAKE` and `transforms`.

The page is generated again only when the build's manifest changed (its fingerprint leaves
out what differs between two builds of one project: timestamps, compiled SQL, paths and the
sources' freshness filter, which carry the as-of date), so a daily build of an unchanged
project costs no docs run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clemency.errors import PipelineError, first_line
from clemency.lake import atomic
from clemency.lake.layout import Lake
from clemency.paths import TRANSFORMS_DIR

log = logging.getLogger(__name__)

# `dbt <this>` after the build: the manifest the build wrote is reused, not compiled again
GENERATE = ("docs", "generate", "--static", "--no-compile")

# Bump when the rewriting below changes, so every lake's page is rewritten once.
REWRITE_VERSION = "1"

# Per-node fields that differ between two builds of the same project (`filter`: a source's
# freshness filter, which renders the build's as-of date; see models/staging/__sources.yml),
# and what only a node that ran that build has: its compiled state and the macros compiling
# found (a build that loads no seed leaves the seeds' tests uncompiled). The macros
# themselves are kept, in the manifest's `macros`.
_VOLATILE = frozenset(
    {"created_at", "compiled_code", "build_path", "compiled_path", "filter", "compiled"}
    | {"extra_ctes", "extra_ctes_injected"}
)

_URL = r"(?:https?:)?//[^\s\"'<>)\\]*"
_LINK = re.compile(rf"(?P<lead>\b(?:src|href)\s*=\s*[\"']?)(?P<url>{_URL})", re.IGNORECASE)
# a CSS url( to the web, or to a file (fonts, images) beside dbt's own build of the app
_CSS = re.compile(rf"(?P<lead>url\(\s*[\"']?)(?P<url>{_URL}|\.\./[^\"')]*)", re.IGNORECASE)
_MARKDOWN = re.compile(rf"\[(?P<text>[^\]\n]{{1,200}})\]\((?P<url>{_URL})\)")


def publish_docs(lake: Lake, generate: Callable[[], object]) -> str:
    """Generate (`generate` runs `dbt docs generate`, or waits for its run) and publish
    the docs page when the manifest changed; return what happened for the audit trail
    (`generated in <s> s`, counted from this call, `unchanged`, `not published: <why>`).
    A failure is logged and returned, never raised: the marts are already published, and
    the old page stays."""
    try:
        if page_is_current(lake):
            return "unchanged"
        fingerprint = manifest_fingerprint(lake.dbt_manifest, lake)
        started = time.monotonic()
        generate()
        page = (lake.dbt_target / "static_index.html").read_text(encoding="utf-8")
        page = rewrite(page, lake)
        left = external_references(page)
        if left:
            raise PipelineError(
                f"the docs page still reaches outside itself: {left[0]} ({len(left)} in all)"
            )
        atomic.write_text(lake.dbt_docs_site, page, mode=0o644)
        atomic.write_text(_stamp(lake), fingerprint, mode=0o600)
        return f"generated in {time.monotonic() - started:.1f} s"
    except (PipelineError, OSError, ValueError) as error:
        log.warning("dbt docs not published: %s", first_line(error))
        return f"not published: {first_line(error)}"


def page_is_current(lake: Lake) -> bool:
    """The published page documents the manifest of the last build (no docs run needed)."""
    return lake.dbt_docs_site.exists() and _read(_stamp(lake)) == manifest_fingerprint(
        lake.dbt_manifest, lake
    )


def _stamp(lake: Lake) -> Path:
    """The fingerprint of the manifest the published page documents."""
    return lake.dbt_target / "docs-fingerprint"


def manifest_fingerprint(manifest: Path, lake: Lake | None = None) -> str:
    """SHA-256 of the manifest without what changes between builds of one project: also
    where the lake is (dbt's vars and the raw sources' locations name it; the page shows
    it as `$CLEMENCY_LAKE`), so a lake moved or copied elsewhere keeps its page."""
    data = manifest.read_bytes()
    root = str(lake.root.absolute()) if lake is not None else None
    # a build asks twice for its manifest's; the JSON costs a few tenths of a second, the
    # hash of the bytes a few hundredths
    known = (hashlib.sha256(data).hexdigest(), root)
    if known not in _FINGERPRINTS:
        _FINGERPRINTS.clear()
        _FINGERPRINTS[known] = _fingerprint(data.decode("utf-8"), root)
    return _FINGERPRINTS[known]


_FINGERPRINTS: dict[tuple[str, str | None], str] = {}  # the last manifest's


def _fingerprint(text: str, lake_root: str | None) -> str:
    if lake_root is not None:
        text = text.replace(lake_root, "$CLEMENCY_LAKE")
    data = json.loads(text)
    version = data.pop("metadata", {}).get("dbt_version")
    digest = hashlib.sha256(f"{version}|{REWRITE_VERSION}|".encode())
    digest.update(json.dumps(_stable(data), sort_keys=True).encode())
    return digest.hexdigest()


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _stable({"nodes": v.get("nodes")} if k == "depends_on" else v)
            for k, v in value.items()
            if k not in _VOLATILE
        }
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def rewrite(page: str, lake: Lake) -> str:
    """The page with every outside reference neutralised and local paths made relative."""
    page = _LINK.sub(lambda m: m["lead"] + "about:blank", page)
    page = _CSS.sub(lambda m: m["lead"] + "data:,", page)
    page = _MARKDOWN.sub(lambda m: m["text"], page)
    for path, shown in ((TRANSFORMS_DIR, "transforms"), (lake.root, "$CLEMENCY_LAKE")):
        page = re.sub(re.escape(str(path)) + r"(?![\w.-])", shown, page)
    return page


def external_references(page: str) -> list[str]:
    """Every reference of the page that reaches outside it (empty for a publishable page)."""
    return [
        m["url"]
        for pattern in (_LINK, _CSS, _MARKDOWN)
        for m in pattern.finditer(page)
        if m["url"] not in ("about:blank", "data:,")
    ]
