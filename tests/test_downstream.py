"""For the people downstream, on a real demo lake (issue #17 §1-2): the analysts' catalog
queried read-only while a real `clemency transform` runs, the README's one query, the
catalog's tiers searched for every simulated person; dbt's docs page (no outside reference,
no personal data, regenerated only when the manifest changed); and each exposure's
`depends_on` against the marts its report's code really opens."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import DEMO_AS_OF, DEMO_INMATES, DEMO_SEED, copy_of_demo_lake
from test_personal_data import AS_OF, INMATES, ROUND, SEED, Scanner, simulated_people

from clemency.lake.audit import load_runs
from clemency.lake.layout import AGGREGATE_MARTS, Lake
from clemency.paths import TRANSFORMS_DIR

pytestmark = [pytest.mark.slow, pytest.mark.broker]

# the people simulated_people() regenerates are the session demo's
assert (AS_OF, INMATES, SEED) == (DEMO_AS_OF, DEMO_INMATES, DEMO_SEED)
EARLY = dt.date(2025, 10, 1)  # the README's as-of date, built after the demo's (AS_OF)
README = Path(__file__).resolve().parents[1] / "README.md"
CLEMENCY = Path(sys.executable).with_name("clemency")
PERSON_LEVEL = ("amnesty_eligibility", "work_release_eligibility", "person_status")
FRESHNESS = "source_freshness"  # the raw sources' freshness: a mart that reads raw/


def connect(database: Path) -> duckdb.DuckDBPyConnection:
    """As the README says: read-only, `file_search_path` the catalog's folder."""
    return duckdb.connect(
        str(database), read_only=True, config={"file_search_path": str(database.parent)}
    )


@dataclass(frozen=True)
class Demo:
    lake: Lake
    answers_during_transform: list[tuple]  # what the analyst's queries returned meanwhile
    errors_during_transform: list[str]
    transform: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def demo(demo_lake_template, tmp_path_factory) -> Demo:
    """The demo as of AS_OF (a copy of the session's), then a real `clemency transform
    --as-of EARLY` in a child process while an analyst opens the catalog read-only and
    queries it, again and again."""
    lake = copy_of_demo_lake(demo_lake_template, tmp_path_factory.mktemp("downstream"))
    root = lake.root
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CLEMENCY_", "AIRFLOW"))}
    child = subprocess.Popen(
        [str(CLEMENCY), "transform", "--as-of", EARLY.isoformat()],
        env={**clean, "CLEMENCY_LAKE": str(root)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    answers, errors = [], []
    deadline = time.monotonic() + 600
    while child.poll() is None and time.monotonic() < deadline:
        try:
            with connect(lake.catalog()) as analyst:  # a fresh session each time
                answers.append(
                    analyst.execute(
                        "select (select sum(people) from round_funnel where reason = 'all'), "
                        "(select count(distinct as_of_date) from snapshots.round_funnel)"
                    ).fetchone()
                )
        except duckdb.Error as error:
            errors.append(str(error))
        time.sleep(0.2)
    out, err = child.communicate(timeout=60)
    done = subprocess.CompletedProcess(child.args, child.returncode, out, err)
    return Demo(lake, answers, errors, done)


# --- the catalog ----------------------------------------------------------------------------


def test_analysts_query_the_catalog_while_a_transform_runs(demo):
    assert demo.transform.returncode == 0, demo.transform.stdout + demo.transform.stderr
    assert not demo.errors_during_transform, demo.errors_during_transform[:3]
    assert len(demo.answers_during_transform) >= 5
    # the latest set stayed put (a backfill), whatever moment the analyst asked
    assert {people for people, _ in demo.answers_during_transform} == {
        demo.answers_during_transform[0][0]
    }
    with connect(demo.lake.catalog()) as con:
        days = con.execute("select distinct as_of_date from snapshots.round_funnel order by 1")
        assert days.fetchall() == [(EARLY,), (AS_OF,)]
        latest = con.execute("select distinct as_of_date from round_funnel").fetchall()
        assert latest == [(AS_OF,)]


def readme_query() -> str:
    """The SQL block after the README's `<!-- analyst query -->` marker."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- analyst query -->\s*```sql\n(.*?)```", text, re.S)
    assert block, "README: no ```sql block after <!-- analyst query -->"
    return block[1]


def almost_eligible(lake: Lake, province: str) -> int:
    """The same count from the person-level mart itself (restricted zone)."""
    mart = lake.mart("amnesty_eligibility", EARLY)
    rows = pq.read_table(mart, columns=["round_id", "province", "status"]).to_pylist()
    return sum(
        1
        for r in rows
        if (r["round_id"], r["province"], r["status"]) == (ROUND, province, "almost_eligible")
    )


def test_the_readme_query_answers_from_the_catalog(demo, tmp_path):
    query = readme_query()
    assert "'Gia Lai'" in query and f"'{EARLY}'" in query and f"'{ROUND}'" in query
    os.chdir(tmp_path)  # from anywhere, as documented
    with connect(demo.lake.catalog()) as con:
        ((answer,),) = con.execute(query).fetchall()
        assert answer == almost_eligible(demo.lake, "Gia Lai")
        # and where the demo has people almost eligible, so the check can tell a difference
        busiest = con.execute(
            "select province from snapshots.round_funnel where as_of_date = $1 "
            "and round_id = $2 and status = 'almost_eligible' and reason = 'all' "
            "and province is not null group by 1 order by sum(people) desc limit 1",
            [EARLY, ROUND],
        ).fetchone()[0]
        ((there,),) = con.execute(query.replace("'Gia Lai'", f"'{busiest}'")).fetchall()
    assert there == almost_eligible(demo.lake, busiest) > 0


def test_a_filter_on_as_of_date_reads_only_that_days_snapshot(demo):
    with connect(demo.lake.catalog()) as con:
        plan = con.execute(
            "explain analyze select sum(people) from snapshots.round_funnel "
            f"where as_of_date = date '{EARLY}'"
        ).fetchall()[0][1]
    read = re.findall(r"as_of=(\d{4}-\d{2}-\d{2})/round_funnel\.parquet", plan)
    assert read == [EARLY.isoformat()], plan
    assert "Total Files Read: 1" in plan


def test_the_public_catalog_names_no_person_level_file_and_no_person(demo):
    lake, people = demo.lake, simulated_people()
    public = [lake.catalog(), lake.catalog().with_suffix(".sql")]
    scanner = Scanner(people.ids | people.names)
    hits = [hit for path in public for hit in scanner.file(path, path.name)]
    assert not hits, hits[:5]
    with connect(lake.catalog()) as con:
        views = con.execute("select view_name, sql from duckdb_views() where not internal")
        found = views.fetchall()
    assert {name for name, _ in found} == AGGREGATE_MARTS
    texts = [public[1].read_text(), *(sql for _, sql in found)]
    files = [f for text in texts for f in re.findall(r"read_parquet\('((?:[^']|'')*)'", text)]
    assert files and all(f.startswith("snapshots/as_of=*/") for f in files), files  # curated/
    assert {Path(f).stem for f in files} == AGGREGATE_MARTS
    assert not [text for text in texts if str(lake.root) in text]  # relative paths only
    # the restricted catalog is where the person-level marts are, in the closed zone
    with connect(lake.catalog(person_level=True)) as con:
        for mart in PERSON_LEVEL:
            assert con.execute(f"select count(*) from {mart}").fetchone()[0] > 0
    assert lake.catalog(person_level=True).is_relative_to(lake.restricted)


# --- the docs page --------------------------------------------------------------------------

_REFERENCE = re.compile(r"""(?:\bsrc\s*=|\bhref\s*=|\burl\()\s*["']?\s*([^"'\s)>]*)""", re.I)


def test_the_docs_page_makes_no_request_outside_itself(demo):
    page = demo.lake.dbt_docs_site.read_text(encoding="utf-8")
    references = _REFERENCE.findall(page)
    assert len(references) > 20  # the search sees the page's references
    allowed: set[str] = set()  # no outside address at all
    outside = [r for r in references if re.match(r"(?i)(https?:)?//", r) and r not in allowed]
    assert not outside, outside[:10]
    assert '"send_anonymous_usage_stats": false' in page  # dbt docs' tracker stays off
    assert "exposure.clemency.round_report" in page  # the lineage reaches the reports


def test_the_docs_page_holds_no_personal_data(demo):
    lake, people = demo.lake, simulated_people()
    page = lake.dbt_docs_site.read_bytes()
    assert not Scanner(people.ids | people.names).content(page, "index.html")
    assert str(lake.root).encode() not in page  # shown as $CLEMENCY_LAKE
    # what the page embeds from the warehouse: column names and types, no statistics
    catalog = json.loads((lake.dbt_target / "catalog.json").read_text())
    for node in catalog["nodes"].values():
        assert set(node["stats"]) == {"has_stats"} and not node["stats"]["has_stats"]["value"]


def test_docs_are_generated_again_only_when_the_manifest_changed(demo):
    builds = sorted(load_runs(demo.lake, command="transform"), key=lambda r: r.run_id)
    assert [r.arguments["as_of"] for r in builds] == [AS_OF.isoformat(), EARLY.isoformat()]
    first, second = (r.arguments["dbt_docs"] for r in builds)
    assert first.startswith("generated in "), first
    assert second == "unchanged"  # same project, another day
    (page, same_page) = (
        [o for o in build.outputs if o["path"] == "reports/dbt-docs/index.html"] for build in builds
    )
    assert page[0]["regenerated"] and not same_page[0]["regenerated"]
    assert page[0]["sha256"] == same_page[0]["sha256"]
    assert {"curated/catalog.duckdb", "curated/catalog.sql"} <= {
        o["path"] for o in builds[1].outputs
    }
    print(f"dbt docs: {first}")


# --- exposures ------------------------------------------------------------------------------


def test_each_exposure_depends_on_what_its_report_opens(demo, monkeypatch):
    """Each report built for real with `Lake.mart` and `Lake.raw` watched: the marts it
    opened are exactly its exposure's refs, and it has the raw sources iff it read raw/ or
    their source freshness."""
    from clemency.reports.round_report import build_round_report
    from clemency.reports.summary import write_summary
    from clemency.reports.work_release_report import build_work_release_report

    opened: set[str] = set()
    read_raw: list[bool] = []
    mart, raw = Lake.mart, Lake.raw

    def watched_mart(self, name, as_of=None):
        opened.add(name)
        return mart(self, name, as_of)

    def watched_raw(self):
        read_raw.append(True)
        return raw.fget(self)

    monkeypatch.setattr(Lake, "mart", watched_mart)
    monkeypatch.setattr(Lake, "raw", property(watched_raw))
    lake, out = demo.lake, Path(tempfile.mkdtemp())
    reports = {
        "round_report": lambda: build_round_report(lake, ROUND, out),
        "work_release_report": lambda: build_work_release_report(lake, AS_OF.year, out),
        "run_summary": lambda: write_summary(lake, AS_OF),
    }
    text = (TRANSFORMS_DIR / "models" / "exposures.yml").read_text(encoding="utf-8")
    declared = {e["name"]: e["depends_on"] for e in yaml.safe_load(text)["exposures"]}
    assert set(declared) == set(reports)
    raw_sources = {"facility_events", "court_events", "reference_events"}
    for name, build in reports.items():
        opened.clear()
        read_raw.clear()
        build()
        refs = {re.fullmatch(r"ref\('(\w+)'\)", d)[1] for d in declared[name] if "ref(" in d}
        sources = {
            re.fullmatch(r"source\('raw', '(\w+)'\)", d)[1]
            for d in declared[name]
            if "source(" in d
        }
        assert refs == opened, f"{name}: exposure lists {sorted(refs)}, code opens {sorted(opened)}"
        assert sources == (raw_sources if read_raw or FRESHNESS in opened else set()), name
