"""Benchmark: classify a million synthetic finished courses through `stepcare measures classify`.

Generates the courses deterministically (fixed seed) into a temporary CSV, runs the same code
path as the command line (`stepcare.measures.cli.main`) with the pure engine and, when the
`fast` extra (DuckDB) is installed, the vectorised engine, and prints rows per second and peak
memory. Memory of the pure engine should not grow with the number of rows: compare
`--rows 100000` with the default. It then times a plain DuckDB SQL query of the four national
rates on the same file (the yardstick of ADR 0017: the vectorised engine, which also writes
the output CSV, should be within 2x of it) and checks all three give the same counts, and that
the two engines wrote the same output file, byte for byte.

The fast engine and the DuckDB query are timed in turn (`--repeat` times each), and the ratio of
each pair is printed with its minimum and median: on a shared machine the pairs' ratio is the
comparable figure, not the seconds. They are timed twice: in this process, and as whole
processes (start-up included, the measure of ADR 0017's target): `python -m stepcare.cli
measures classify ... --engine fast` against `python bench/bench_classify.py --rates-of FILE`,
wall time and CPU time (user plus system, of the finished child) of each.

    .venv/bin/python bench/bench_classify.py [--rows N] [--tracemalloc] [--engine pure|fast|both]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stepcare.measures import INPUT_COLUMNS, fast
from stepcare.measures.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEED = 20250301
# (descriptor, ADSM or None, ADSM total range, whether the ADSM is a mean score)
PRESENTATIONS = [
    ("F32.1", None, (0, 0), False),
    ("F33.1", None, (0, 0), False),
    ("F41.1", None, (0, 0), False),
    ("F41.2", None, (0, 0), False),
    ("F40.1", "SPIN", (0, 68), False),
    ("F41.0", "PDSS", (0, 28), False),
    ("F40.0", "MI", (1, 5), True),
    ("F42.0", "OCI-R", (0, 72), False),
    ("F43.1", "PCL-5", (0, 80), False),
    ("F43.1", "IES-R", (0, 88), False),
    ("F45.2", "HAI", (0, 54), False),
]
WEIGHTS = [30, 10, 25, 5, 4, 4, 2, 5, 8, 2, 5]


def generate(path: Path, rows: int, seed: int = SEED) -> None:
    """Write `rows` synthetic courses; about 1 in 20 scores is missing."""
    rng = random.Random(seed)
    cumulative = list(itertools.accumulate(WEIGHTS))
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(INPUT_COLUMNS)
        for n in range(1, rows + 1):
            descriptor, adsm, (low, high), mean = rng.choices(PRESENTATIONS, cum_weights=cumulative)[0]
            phq = _pair(rng, 0, 27)
            gad = _pair(rng, 0, 21)
            adsm_scores = ("", "")
            if adsm is not None:
                adsm_scores = _mean_pair(rng, low, high) if mean else _pair(rng, low, high)
            writer.writerow([f"P{n:07d}", descriptor, *phq, *gad, adsm or "", *adsm_scores])


def _pair(rng: random.Random, low: int, high: int) -> tuple[str, str]:
    first = rng.randint(low, high)
    last = max(low, min(high, first - rng.randint(-(high - low) // 4, (high - low) // 2)))
    return _maybe(rng, str(first)), _maybe(rng, str(last))


def _mean_pair(rng: random.Random, low: int, high: int) -> tuple[str, str]:
    first = rng.uniform(low, high)
    last = max(low, min(high, first - rng.uniform(-0.5, 1.5)))
    return _maybe(rng, f"{first:.2f}"), _maybe(rng, f"{last:.2f}")


def _maybe(rng: random.Random, text: str) -> str:
    return "" if rng.random() < 0.05 else text


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def classify(
    engine: str, source: Path, output: Path, rows: int, trace: bool
) -> tuple[dict[str, float], float]:
    """Run `stepcare measures classify --engine ENGINE` in this process; the summary and seconds."""
    rss_before = peak_rss_mib()
    if trace:
        tracemalloc.start()
    stdout = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(stdout):
        status = main(["classify", str(source), "-o", str(output), "--summary", "--engine", engine])
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"classify --engine {engine} failed with status {status}")
    summary = json.loads(stdout.getvalue())
    print(f"{engine}: classified {summary['rows']:,} rows in {elapsed:.2f} s: {rows / elapsed:,.0f} rows/s")
    print(
        f"  peak RSS {peak_rss_mib():.1f} MiB (before classifying: {rss_before:.1f} MiB); "
        f"output {output.stat().st_size / 2**20:.0f} MiB"
    )
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  peak traced Python allocations while classifying: {peak / 2**20:.2f} MiB")
    rates = {k: round(v, 3) for k, v in summary.items() if k.endswith("_rate") and v is not None}
    print(f"  paired {summary['paired']:,}; rates {rates}")
    return summary, elapsed


def duckdb_rates(source: Path) -> tuple[dict[str, int], float]:
    """The four rates' counts by one plain DuckDB SQL query over the CSV (the yardstick).

    The thresholds are written into the query by hand from the catalogue, as an analyst would,
    with the same 1e-9 tolerance; it assumes valid rows and unquoted ADSM codes."""
    import duckdb

    query = """
    WITH c AS (
      SELECT TRY_CAST(phq9_first AS DOUBLE) AS pf, TRY_CAST(phq9_last AS DOUBLE) AS pl,
        CASE WHEN adsm_first IS NOT NULL AND adsm_last IS NOT NULL AND (
          (adsm = 'SPIN' AND problem_descriptor LIKE 'F40.1%')
          OR (adsm = 'PDSS' AND problem_descriptor LIKE 'F41.0%')
          OR (adsm = 'MI' AND problem_descriptor LIKE 'F40.0%')
          OR (adsm = 'OCI-R' AND problem_descriptor LIKE 'F42%')
          OR (adsm IN ('PCL-5', 'IES-R') AND problem_descriptor LIKE 'F43.1%')
          OR (adsm = 'HAI' AND problem_descriptor LIKE 'F45.2%'))
        THEN adsm ELSE 'GAD-7' END AS anx,
        TRY_CAST(gad7_first AS DOUBLE) AS gf, TRY_CAST(gad7_last AS DOUBLE) AS gl,
        TRY_CAST(adsm_first AS DOUBLE) AS af, TRY_CAST(adsm_last AS DOUBLE) AS al
      FROM read_csv(?, header = true, all_varchar = true)
    ), p AS (
      SELECT pf, pl, CASE WHEN anx = 'GAD-7' THEN gf ELSE af END AS a1,
        CASE WHEN anx = 'GAD-7' THEN gl ELSE al END AS a2,
        CASE anx WHEN 'GAD-7' THEN 8 WHEN 'SPIN' THEN 19 WHEN 'PDSS' THEN 8 WHEN 'MI' THEN 2.3
          WHEN 'OCI-R' THEN 21 WHEN 'PCL-5' THEN 32 WHEN 'IES-R' THEN 33 ELSE 18 END::DOUBLE AS cut,
        CASE anx WHEN 'GAD-7' THEN 4 WHEN 'SPIN' THEN 10 WHEN 'PDSS' THEN 5 WHEN 'MI' THEN 0.73
          WHEN 'OCI-R' THEN 14 WHEN 'PCL-5' THEN 10 WHEN 'IES-R' THEN 9 ELSE 4 END::DOUBLE - 1e-9 AS rci,
        anx = 'MI' AS above
      FROM c WHERE pf IS NOT NULL AND pl IS NOT NULL
    ), f AS (
      SELECT pf >= 10 - 1e-9 OR (CASE WHEN above THEN a1 > cut + 1e-9 ELSE a1 >= cut - 1e-9 END) AS cs,
        pl >= 10 - 1e-9 OR (CASE WHEN above THEN a2 > cut + 1e-9 ELSE a2 >= cut - 1e-9 END) AS ce,
        pf - pl >= 6 - 1e-9 OR a1 - a2 >= rci AS fall, pl - pf >= 6 - 1e-9 OR a2 - a1 >= rci AS rise
      FROM p WHERE a1 IS NOT NULL AND a2 IS NOT NULL
    )
    SELECT count(*), count(*) FILTER (cs), count(*) FILTER (cs AND NOT ce),
      count(*) FILTER (fall AND NOT rise), count(*) FILTER (rise AND NOT fall),
      count(*) FILTER (cs AND NOT ce AND fall AND NOT rise)
    FROM f
    """
    con = duckdb.connect()
    started = time.perf_counter()
    counts = con.execute(query, [str(source)]).fetchone()
    elapsed = time.perf_counter() - started
    con.close()
    keys = (
        "paired",
        "at_caseness",
        "recovered",
        "reliable_improvement",
        "reliable_deterioration",
        "reliable_recovery",
    )
    assert counts is not None
    return dict(zip(keys, (int(n) for n in counts), strict=True)), elapsed


def _child(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user plus system) of one whole process, its output thrown away."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def whole_processes(source: Path, output: Path, repeat: int) -> None:
    """The fast engine's command against the plain query's, as whole processes, in turn."""
    classify_command = [sys.executable, "-m", "stepcare.cli", "measures", "classify", str(source)]
    classify_command += ["-o", str(output), "--summary", "--engine", "fast"]
    query_command = [sys.executable, str(Path(__file__).resolve()), "--rates-of", str(source)]
    _child(classify_command), _child(query_command)  # warm-up: not counted
    pairs = [(_child(classify_command), _child(query_command)) for _attempt in range(repeat)]
    for n, name in enumerate(("wall", "CPU")):
        ratios = [fast_run[n] / query_run[n] for fast_run, query_run in pairs]
        print(
            f"whole processes, {name} time, {repeat} pairs in turn: fast command / DuckDB query "
            f"min {min(ratios):.2f}x, median {statistics.median(ratios):.2f}x (target: within 2x); "
            f"fast command median {statistics.median(p[0][n] for p in pairs):.2f} s"
        )


def run(rows: int, trace: bool, engine: str, repeat: int = 5) -> None:
    with tempfile.TemporaryDirectory(prefix="stepcare-bench-") as folder:
        source = Path(folder) / "courses.csv"
        started = time.perf_counter()
        generate(source, rows)
        print(f"generated {rows:,} courses in {time.perf_counter() - started:.1f} s")
        engines = ["pure", "fast"] if engine == "both" else [engine]
        if "fast" in engines and not fast.available():
            print("fast: the 'fast' extra (DuckDB) is not installed: pip install 'stepcare[fast]'")
            engines.remove("fast")
        outputs = {name: Path(folder) / f"outcomes-{name}.csv" for name in engines}
        results = {name: classify(name, source, outputs[name], rows, trace) for name in engines}
        if len(outputs) == 2:
            same_file = outputs["pure"].read_bytes() == outputs["fast"].read_bytes()
            print(
                f"output files of the two engines {'identical' if same_file else 'DIFFERENT'}, byte for byte"
            )
        if not fast.available():
            return
        # The machine may be shared: time the vectorised engine and the DuckDB query in turn,
        # `repeat` times each, and compare them pair by pair.
        duck_times, fast_times = [], []
        for _attempt in range(repeat):
            yardstick, seconds = duckdb_rates(source)
            duck_times.append(seconds)
            if "fast" in results:
                with contextlib.redirect_stdout(io.StringIO()):
                    _, again = classify("fast", source, outputs["fast"], rows, False)
                fast_times.append(again)
        duck_seconds = min(duck_times)
        print(f"plain DuckDB SQL query of the four rates: {duck_seconds:.2f} s (best of {repeat})")
        for name, (summary, _seconds) in results.items():
            same = all(summary[key] == value for key, value in yardstick.items())
            print(f"  {name}: counts {'identical' if same else 'DIFFERENT'} ({yardstick})")
        if fast_times:
            ratios = [f / d for f, d in zip(fast_times, duck_times, strict=True)]
            print(
                f"fast engine / DuckDB query, {repeat} pairs in turn: ratio min {min(ratios):.2f}x, "
                f"median {statistics.median(ratios):.2f}x (target: within 2x); fast engine best "
                f"{min(fast_times):.2f} s, median {statistics.median(fast_times):.2f} s (in this process)"
            )
            whole_processes(source, outputs["fast"], repeat)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="courses to generate")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    parser.add_argument(
        "--engine", choices=("pure", "fast", "both"), default="both", help="which engines to time"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="pairs of timings of the fast engine and DuckDB, in turn"
    )
    parser.add_argument(
        "--rates-of",
        type=Path,
        metavar="FILE",
        help="only run the plain DuckDB query on FILE (timed from outside)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args(sys.argv[1:])
    if arguments.rates_of is not None:
        print(json.dumps(duckdb_rates(arguments.rates_of)[0]))
    else:
        run(arguments.rows, arguments.tracemalloc, arguments.engine, arguments.repeat)
