"""Run the benchmarks of issue 16 and write docs/benchmarks.md.

    python -m benchmarks [--scale quick|national] [--inmates N [N ...]] [--backfill-days N]

`make bench` runs the quick scale (two small sizes, a few minutes); `--scale national` the
national one (170,000 and 340,000 inmates: its publishing alone takes about 20 minutes).

Figures are ratios measured side by side in one run: the machine is shared and noisy,
so absolute numbers move between runs; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from clemency.kafka.broker import EmbeddedBroker

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "benchmarks.md"


def run_phase(name: str, checkout: Path = ROOT, **arguments) -> dict:
    """Run one phase in a child process (of `checkout`'s code); add its peak memory. The
    phase is this checkout's (the harness), the code it measures `checkout`'s."""
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "phases.py"), name, json.dumps(arguments)],
        stdout=subprocess.PIPE,
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
    )
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"benchmark phase {name} failed (exit {child.returncode})")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["peak_rss_mib"] = usage.ru_maxrss / 1024
    result["rate"] = result["records"] / result["seconds"] if result["seconds"] > 0 else 0.0
    print(
        f"  {name:<12} {result['records']:>10,} records {result['seconds']:8.1f} s "
        f"{result['rate']:>10,.0f}/s  peak {result['peak_rss_mib']:,.0f} MiB",
        flush=True,
    )
    return result


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return (
        f"{os.cpu_count()} cores ({model}), {memory_kib / 2**20:.0f} GiB RAM, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


AS_OF = dt.date(2025, 11, 30)  # the simulator's default as-of date
SMALL_RUN_INMATES = 20  # ~300 records: what a 15-minute ingest run finds
# Two sizes per scale, to show how cost grows; the national one is the goal.
SCALES = {
    "quick": {"sizes": [4_000, 8_000], "backfill_days": 3},
    "national": {"sizes": [170_000, 340_000], "backfill_days": 7},
}


def size_benchmark(
    inmates: int, seed: int, workdir: Path, backfill_days: int, compare: Path | None
) -> dict:
    """Every measure at one size, each beside its floor measured in the same minutes."""
    lake = str(workdir / f"lake-{inmates}")
    row: dict = {"inmates": inmates}
    with EmbeddedBroker(log_path=workdir / f"broker-{inmates}.log") as broker:
        bootstrap = broker.bootstrap_servers
        print(f"{inmates:,} inmates: publishing", flush=True)
        row["publish"] = run_phase("publish", bootstrap=bootstrap, inmates=inmates, seed=seed,
                                   only_recorded_on=None)  # fmt: skip
        row["bare_produce"] = run_phase("bare_produce", bootstrap=bootstrap, inmates=inmates,
                                        seed=seed)  # fmt: skip
        row["raw"] = run_phase("raw_consume", bootstrap=bootstrap, group="raw")
        row["ingest"] = run_phase("ingest", bootstrap=bootstrap, lake=lake, group="ingest")
        assert row["ingest"]["records"] == row["raw"]["records"], row
        if compare is not None:  # the same records, landed by another checkout's ingest
            row["compared"] = run_phase("ingest", checkout=compare, bootstrap=bootstrap,
                                        lake=f"{lake}-compared", group="compared")  # fmt: skip
    row.update(dbt_benchmark(lake, backfill_days))
    if compare is not None:  # the other checkout's builds over the raw files its ingest landed
        row["compared_dbt"] = dbt_benchmark(f"{lake}-compared", backfill_days, compare)
    return row


def dbt_benchmark(lake: str, backfill_days: int, checkout: Path = ROOT) -> dict:
    """A full build at the as-of date, the next day's build and the one after, and a
    backfill of the days before it (the floor of all is the full build), by `checkout`'s
    code. The next day (1 December) is the first of a behaviour quarter, which changes the
    quarter every moving evaluation point requires; the day after is any other day."""
    full = run_phase("transform", checkout, lake=lake, as_of=AS_OF.isoformat())
    next_day = run_phase("transform", checkout, lake=lake,
                         as_of=(AS_OF + dt.timedelta(days=1)).isoformat())  # fmt: skip
    day_after = run_phase("transform", checkout, lake=lake,
                          as_of=(AS_OF + dt.timedelta(days=2)).isoformat())  # fmt: skip
    first_day = AS_OF - dt.timedelta(days=backfill_days)
    backfill = run_phase("backfill", checkout, lake=lake, first_day=first_day.isoformat(),
                         days=backfill_days)  # fmt: skip
    return {"full_build": full, "next_day": next_day, "day_after": day_after, "backfill": backfill}


def warm_parse_cache(workdir: Path, checkouts: list[Path]) -> None:
    """Every build measured starts as on a machine that runs the pipeline: with the
    checkout's last parse kept (clemency/transform/parse_cache.py). The benchmark keeps it
    in a cache of its own, so it measures the same whatever the user's cache holds, and
    neither size's build pays the parse that an empty cache would cost the first."""
    os.environ["XDG_CACHE_HOME"] = str(workdir / "cache")  # the phases' processes inherit it
    for checkout in checkouts:
        print(f"warming dbt's parse of {checkout}", flush=True)
        run_phase("warm_parse", checkout, lake=str(workdir / f"lake-parse-{abs(hash(checkout))}"),
                  as_of=AS_OF.isoformat())  # fmt: skip


def small_run_benchmark(seed: int, workdir: Path, checkout: Path = ROOT) -> dict:
    """`clemency ingest` (of `checkout`) over a few hundred new records on a broker of its
    own, wall time of the whole process, beside the bare consume loop's process over the
    same records."""
    with EmbeddedBroker(log_path=workdir / "broker-small.log") as broker:
        bootstrap = broker.bootstrap_servers
        print(f"small run ({checkout}): publishing", flush=True)
        published = run_phase("publish", bootstrap=bootstrap, inmates=SMALL_RUN_INMATES,
                              seed=seed, only_recorded_on=None)  # fmt: skip
        floor = run_phase("cli_raw_consume", bootstrap=bootstrap, group="raw-small")
        lake = workdir / f"lake-small-{abs(hash(checkout))}"
        # A run every 15 minutes finds its libraries in the page cache; after the builds
        # before it, the first measured run did not (the same code measured 13.0 s first,
        # 8.9 s second): each measured run starts after one import of what it imports.
        subprocess.run([sys.executable, "-c", "import clemency.cli, great_expectations"],
                       cwd=checkout, env={**os.environ, "PYTHONPATH": str(checkout)},
                       check=True)  # fmt: skip
        ours = run_phase("cli_ingest", bootstrap=bootstrap, lake=str(lake),
                         code=str(checkout))  # fmt: skip
    return {"records": published["records"], "floor": floor, "ingest": ours}


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}" if denominator else "–"


def write_report(
    sizes: list[dict],
    empty: dict,
    small: dict,
    command: str,
    backfill_days: int,
    seed: int,
    compare: Path | None = None,
) -> None:
    heads = " | ".join(f"{row['inmates']:,} inmates" for row in sizes)
    bar = "|".join("---:" for _ in sizes)

    def line(measure: str, cells: list[str], goal: str) -> str:
        return f"| {measure} | {' | '.join(cells)} | {goal} |"

    n = backfill_days
    lines = [
        "# Benchmarks",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}; "
        f"load average {os.getloadavg()[0]:.1f} at the end (the machine is shared: compare "
        "ratios within one run, not absolute rates across runs).",
        f"`python -m benchmarks {command}`: simulator seed "
        f"{seed}, embedded broker (Tansu, in memory), 3 partitions per "
        "topic. Each phase runs in its own process; memory is its peak resident set. Every "
        "ratio is to its floor measured in the same run.",
        "",
        f"| measure (floor) | {heads} | goal |",
        f"|---|{bar}|---|",
        line("records published", [f"{r['publish']['records']:,}" for r in sizes], ""),
        line(
            "`clemency ingest` rec/s ÷ bare kafka-python consume loop, GX gate included",
            [_ratio(r["ingest"]["rate"], r["raw"]["rate"]) for r in sizes],
            "≥ 0.7",
        ),
        line(
            "ingest peak MiB (its process + its worker process)",
            [
                f"{r['ingest']['self_peak_rss_mib'] + r['ingest']['worker_peak_rss_mib']:,.0f}"
                for r in sizes
            ],  # fmt: skip
            "< 1024, flat",
        ),
        line(
            "publishing rec/s ÷ bare kafka-python producer loop",
            [_ratio(r["publish"]["rate"], r["bare_produce"]["rate"]) for r in sizes],
            "",
        ),
        line("dbt full build, s", [f"{r['full_build']['seconds']:.1f}" for r in sizes], ""),
        *_fixed_cost(sizes, empty),
        line(
            "next day ÷ full build (a quarter's first day)",
            [_ratio(r["next_day"]["seconds"], r["full_build"]["seconds"]) for r in sizes],
            "≤ 0.25",
        ),
        line(
            "the day after ÷ full build (inside the quarter)",
            [_ratio(r["day_after"]["seconds"], r["full_build"]["seconds"]) for r in sizes],
            "≤ 0.25",
        ),
        line(
            f"{n}-day backfill ÷ {n} × full build",
            [_ratio(r["backfill"]["seconds"], n * r["full_build"]["seconds"]) for r in sizes],
            "far below 1",
        ),
        "",
        f"Small run (`clemency ingest` over {small['records']:,} new records, the whole "
        f"process): {small['ingest']['seconds']:.1f} s wall, goal ≤ 3 s; the bare consume "
        f"loop's process over the same records: {small['floor']['seconds']:.1f} s "
        f"(ratio {_ratio(small['ingest']['seconds'], small['floor']['seconds'])}).",
        *_compared(sizes, small, compare),
        "",
        "## The figures behind the ratios",
        "",
        f"| | {heads} |",
        f"|---|{bar}|",
    ]
    figures = [
        ("bare consume loop rec/s", lambda r: f"{r['raw']['rate']:,.0f}"),
        ("ingest rec/s", lambda r: f"{r['ingest']['rate']:,.0f}"),
        (
            "of which the gate, s (in the worker, beside reading)",
            lambda r: f"{r['ingest']['gate_seconds']:.1f}",
        ),  # fmt: skip
        ("bare consume loop peak MiB", lambda r: f"{r['raw']['peak_rss_mib']:,.0f}"),
        ("bare producer loop rec/s", lambda r: f"{r['bare_produce']['rate']:,.0f}"),
        (
            "publishing rec/s (simulate + validate + send, acks=all)",
            lambda r: f"{r['publish']['rate']:,.0f}",
        ),  # fmt: skip
        (
            "dbt full build s / peak MiB",
            lambda r: (
                f"{r['full_build']['seconds']:.1f} / {r['full_build']['dbt_peak_rss_mib']:,.0f}"
            ),
        ),  # fmt: skip
        ("next day s", lambda r: f"{r['next_day']['seconds']:.1f}"),
        ("the day after s", lambda r: f"{r['day_after']['seconds']:.1f}"),
        (f"{n}-day backfill s", lambda r: f"{r['backfill']['seconds']:.1f}"),
    ]
    lines += [f"| {name} | {' | '.join(cell(r) for r in sizes)} |" for name, cell in figures]
    REPORT.parent.mkdir(exist_ok=True)
    text = "\n".join(lines) + "\n"
    notes = _kept_notes()
    REPORT.write_text(text + notes, encoding="utf-8")
    print(f"wrote {REPORT}")


def _fixed_cost(sizes: list[dict], empty: dict) -> list[str]:
    """What a lake's first build pays regardless of size: the full build of a lake that
    holds no record, measured (a straight line through the two sizes' builds, which this
    row was, is mostly noise when the data is a second of a build's seventeen)."""
    cells = " | ".join(f"{empty['seconds']:.1f}" if n == 0 else "" for n in range(len(sizes)))
    return [f"| dbt full build of a lake with no record (the fixed cost), s | {cells} | ≤ 10 |"]


def _compared(sizes: list[dict], small: dict, compare: Path | None) -> list[str]:
    """With --compare-with: the other checkout's ingest beside this one, same records."""
    if compare is None:
        return []
    cells = [
        f"{_ratio(r['compared']['rate'], r['raw']['rate'])} → "
        f"{_ratio(r['ingest']['rate'], r['raw']['rate'])}"
        for r in sizes
    ]
    at = ", ".join(f"{r['inmates']:,}" for r in sizes)
    return [
        "",
        f"Compared with the ingest of `{compare}` (`--compare-with`), same records, same run "
        f"(before → after): ingest ÷ bare consume loop {', '.join(cells)} at {at} inmates; "
        f"small run {small['compared']['seconds']:.1f} s → {small['ingest']['seconds']:.1f} s "
        "wall.",
        "",
        "Its dbt builds beside these, each over the raw files its own ingest landed (before → "
        "after, seconds): "
        + "; ".join(
            f"{r['inmates']:,} inmates: "
            + ", ".join(
                f"{label} {r['compared_dbt'][key]['seconds']:.1f} → {r[key]['seconds']:.1f}"
                for key, label in DBT_ROWS
            )
            for r in sizes
        )
        + ".",
    ]


DBT_ROWS = [
    ("full_build", "full build"),
    ("next_day", "next day"),
    ("day_after", "the day after"),
    ("backfill", "the backfill"),
]


NOTES = "## Reading these figures"


def _kept_notes() -> str:
    """The hand-written notes below the generated tables survive a new run."""
    if not REPORT.exists():
        return ""
    text = REPORT.read_text(encoding="utf-8")
    return "\n" + text[text.index(NOTES) :] if NOTES in text else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="quick",
                        help="quick: two small sizes, minutes; national: 170k and 340k "
                        "inmates (5.1M events), hours")  # fmt: skip
    parser.add_argument("--inmates", type=int, nargs="+", help="sizes instead of the scale's")
    parser.add_argument("--backfill-days", type=int, help="days instead of the scale's")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--compare-with", type=Path, metavar="CHECKOUT",
                        help="also run the ingest (and the small run) of another checkout "
                        "(e.g. a `git archive` of main) on the same records")  # fmt: skip
    options = parser.parse_args()
    scale = SCALES[options.scale]
    sizes = options.inmates or scale["sizes"]
    days = options.backfill_days or scale["backfill_days"]
    compare = options.compare_with.resolve() if options.compare_with else None
    with tempfile.TemporaryDirectory(prefix="clemency-bench-") as folder:
        workdir = Path(folder)
        warm_parse_cache(workdir, [ROOT] + ([compare] if compare is not None else []))
        print("a lake with no record: the full build's fixed cost", flush=True)
        empty = run_phase("transform", lake=str(workdir / "lake-empty"), as_of=AS_OF.isoformat())
        small = small_run_benchmark(options.seed, workdir)
        if compare is not None:
            small["compared"] = small_run_benchmark(options.seed, workdir, compare)["ingest"]
        rows = [size_benchmark(inmates, options.seed, workdir, days, compare) for inmates in sizes]
    command = " ".join(sys.argv[1:]) or f"--scale {options.scale}"
    write_report(rows, empty, small, command, days, options.seed, compare)


if __name__ == "__main__":
    main()
