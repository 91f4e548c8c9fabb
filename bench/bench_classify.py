"""Benchmark: classify a million synthetic finished courses through `stepcare measures classify`.

Generates the courses deterministically (fixed seed) into a temporary CSV, runs the same code
path as the command line (`stepcare.measures.cli.main`), and prints rows per second and peak
memory. Memory should not grow with the number of rows: compare `--rows 100000` with the
default.

    .venv/bin/python bench/bench_classify.py [--rows N] [--tracemalloc]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import itertools
import json
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stepcare.measures import INPUT_COLUMNS
from stepcare.measures.cli import main

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


def run(rows: int, trace: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="stepcare-bench-") as folder:
        source, output = Path(folder) / "courses.csv", Path(folder) / "outcomes.csv"
        started = time.perf_counter()
        generate(source, rows)
        print(f"generated {rows:,} courses in {time.perf_counter() - started:.1f} s")
        rss_before = peak_rss_mib()
        if trace:
            tracemalloc.start()
        stdout = io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(stdout):
            status = main(["classify", str(source), "-o", str(output), "--summary"])
        elapsed = time.perf_counter() - started
        if status != 0:
            raise SystemExit(f"classify failed with status {status}")
        summary = json.loads(stdout.getvalue())
        print(f"classified {summary['rows']:,} rows in {elapsed:.2f} s: {rows / elapsed:,.0f} rows/s")
        print(
            f"peak RSS {peak_rss_mib():.1f} MiB (before classifying: {rss_before:.1f} MiB); "
            f"output {output.stat().st_size / 2**20:.0f} MiB"
        )
        if trace:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"peak traced Python allocations while classifying: {peak / 2**20:.2f} MiB")
        rates = {k: round(v, 3) for k, v in summary.items() if k.endswith("_rate") and v is not None}
        print(f"paired {summary['paired']:,}; rates {rates}")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="courses to generate")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args(sys.argv[1:])
    run(arguments.rows, arguments.tracemalloc)
