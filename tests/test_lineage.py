"""Lineage (issue #17 §3): OpenLineage events for every Airflow task and every dbt model, in
files under the lake, linked from the audit trail, down to Kafka topics and offsets.

One person is published to a broker of this module's own; the `ingest` DAG lands them
(`dag.test()`, with OpenLineage configured as deployed: tests/test_dags.py's Airflow home),
then `clemency transform` builds the marts. The events are read back from the files.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import test_dags
from factories import PERSON
from typer.testing import CliRunner

from clemency.contracts import topics
from clemency.kafka.broker import EmbeddedBroker
from clemency.lake.audit import load_runs
from clemency.lake.layout import Lake

airflow_env = test_dags.airflow_env
dagbag = test_dags.dagbag

pytestmark = [pytest.mark.slow, pytest.mark.broker]

AS_OF = dt.date(2025, 11, 30)


def _events(folder: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in sorted(folder.rglob("*.json"))}


@pytest.fixture(scope="module")
def built(dagbag, tmp_path_factory):
    """The ingest and eligibility_daily DAGs' runs, then a CLI transform; returns the lake,
    the ingest run and the CLI transform's duration in seconds."""
    root = tmp_path_factory.mktemp("lineage")
    lake = Lake(root / "lake")
    with pytest.MonkeyPatch.context() as patch:
        with EmbeddedBroker(log_path=root / "broker.log") as broker:
            test_dags._point_airflow_at(patch, {"host": "127.0.0.1", "port": broker.port}, lake)
            test_dags._publish_a_person(broker.bootstrap_servers)
            run = dagbag.get_dag("ingest").test()
        daily = dagbag.get_dag("eligibility_daily").test(logical_date=test_dags.DAILY_LOGICAL_DATE)
        assert daily.state == "success"
        from clemency.cli import app

        started = time.perf_counter()
        result = CliRunner().invoke(
            app, ["transform", "--as-of", AS_OF.isoformat()], env={"CLEMENCY_LAKE": str(lake.root)}
        )
        took = time.perf_counter() - started
        assert result.exit_code == 0, result.output
        yield lake, run, took


def test_the_ingest_task_event_names_its_topics_offsets_and_raw_folders(built):
    lake, run, _ = built
    assert run.state == "success"
    (record,) = load_runs(lake, command="ingest")
    (pattern,) = record.lineage  # the audit record names the task's event files
    files = sorted(lake.root.glob(pattern))
    assert [p.name.rsplit(".", 2)[1] for p in files] == ["COMPLETE", "START"]
    complete = json.loads(files[0].read_text())

    assert complete["job"]["name"] == "ingest.land_new_records"
    inputs = {d["name"]: d for d in complete["inputs"]}
    assert set(inputs) == {i["topic"] for i in record.inputs} and set(inputs) <= set(topics())
    for topic, dataset in inputs.items():
        assert dataset["namespace"].startswith("kafka://127.0.0.1:")
        ranges = dataset["facets"]["clemency_offsets"]["partitions"]
        read = [i for i in record.inputs if i["topic"] == topic]
        expected = [{k: v for k, v in i.items() if k != "topic"} for i in read]
        assert ranges == expected and all(r["offset_to"] > r["offset_from"] for r in ranges)
    outputs = {d["name"] for d in complete["outputs"]}
    assert {str(lake.raw / topic) for topic in inputs} <= outputs
    audit = complete["run"]["facets"]["clemency_audit"]["runs"]
    assert [r["run_id"] for r in audit] == [record.run_id]


def test_the_transform_task_event_names_the_raw_partitions_and_the_marts(built):
    lake, _, _ = built
    (record,) = [r for r in load_runs(lake, command="transform") if r.trigger["kind"] == "airflow"]
    task_events, dbt_folder = record.lineage  # the task's events, and its dbt nodes' events
    (complete,) = [p for p in lake.root.glob(task_events) if p.name.endswith(".COMPLETE.json")]
    event = json.loads(complete.read_text())
    assert event["job"]["name"] == "eligibility_daily.transform"
    inputs = {d["name"]: d["facets"]["clemency_offsets"]["partitions"] for d in event["inputs"]}
    assert set(inputs) == {str(lake.raw / i["topic"]) for i in record.inputs}
    assert all(p["max_offset"] is not None for parts in inputs.values() for p in parts)
    outputs = {d["name"] for d in event["outputs"]}
    assert str(lake.curated / "facility_population") in outputs
    assert str(lake.restricted_curated / "person_status") in outputs
    assert list((lake.root / dbt_folder).glob("*.COMPLETE.json"))


def _dbt_completes(folder: Path) -> dict[str, dict]:
    """A build's COMPLETE event of each dbt node it ran, by the node's unique id."""
    return {
        e["job"]["facets"]["dbt_node"]["unique_id"]: e
        for e in _events(folder).values()
        if e["eventType"] == "COMPLETE" and e["job"]["name"].endswith(".build.run")
    }


def test_every_dbt_model_has_an_event_naming_its_inputs_and_outputs(built):
    """Each model has the event of the last build that ran it: the CLI build's, or for a
    view or staged table it kept (clemency/transform/warehouse_state.py: no raw file is new
    since the DAG's build), the DAG build's that created it."""
    lake, _, took = built
    builds = {r.trigger["kind"]: r for r in load_runs(lake, command="transform")}
    (folder,) = builds["cli"].lineage
    completes = _dbt_completes(lake.root / folder)
    manifest = json.loads(lake.dbt_manifest.read_text())
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    kept = set(models) - {uid.split(".")[-1] for uid in completes}
    kept_kinds = {
        (models[name]["config"]["materialized"], models[name]["path"].split("/")[0])
        for name in kept
    }
    assert kept_kinds == {("view", "staging"), ("incremental", "staging")}, kept_kinds
    _, created_by = builds["airflow"].lineage  # the task's events, and its dbt nodes' events
    earlier = _dbt_completes(lake.root / created_by)
    completes |= {uid: e for uid, e in earlier.items() if uid.split(".")[-1] in kept}
    assert {uid.split(".")[-1] for uid in completes} >= set(models)
    for uid, event in completes.items():
        model = models.get(uid.split(".")[-1])
        if model is None:
            continue  # a seed or snapshot
        (output,) = event["outputs"]
        assert output["name"].endswith(f".{model['alias'] or model['name']}")
        parents = {p.split(".")[-1] for p in model["depends_on"]["nodes"]}
        named = {i["name"].split(".")[-1] for i in event["inputs"]}
        assert {p for p in parents if not p.startswith("test_")} <= named | {
            p.replace(".", "_") for p in parents
        }, uid

    # A raw source points at the lake folder where the ingest events carry the offsets (the
    # delivery models read the raw sources; staging reads the deliveries)
    staging = completes["model.clemency.stg_raw__court_deliveries"]
    (source,) = [i for i in staging["inputs"] if ".raw." in i["name"]]
    (link,) = source["facets"]["symlinks"]["identifiers"]
    assert link["name"] == str(lake.raw / "court.events")

    # What lineage adds to a transform, measured on this build's own artifacts.
    from clemency.transform.lineage import write_dbt_lineage

    started = time.perf_counter()
    again = write_dbt_lineage(lake, "measure")
    cost = time.perf_counter() - started
    assert len(again) == len(_events(lake.root / folder))  # the same build's events again
    print(f"lineage: {len(again)} events in {cost:.2f} s; the whole transform took {took:.2f} s")
    assert cost < took


def test_lineage_files_hold_no_person_identifier(built):
    lake, _, _ = built
    people = {PERSON}
    for path in (lake.restricted_curated / "person_status.parquet",):
        table = pq.read_table(path)
        for column in ("person_id",):
            if column in table.column_names:
                people |= {str(v) for v in table.column(column).to_pylist() if v}
    files = list(lake.lineage.rglob("*.json"))
    assert len(files) > 20 and any("airflow" in p.parts for p in files)
    leaks = [p for p in files for person in people if person in p.read_text(encoding="utf-8")]
    assert leaks == []
