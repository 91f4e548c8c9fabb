"""`stepcare measures ...`: the clinical core on the command line, without Django.

    stepcare measures list [--json] [--wording FILE]
    stepcare measures score MEASURE ANSWER... [--json]
    stepcare measures classify INPUT.csv -o OUTPUT.csv [--summary] [--skip-bad-rows] [--engine ENGINE]

Every command takes `--config FILE` (or the STEPCARE_MEASURES_CONFIG environment variable) with
a service's threshold overrides. Bad input exits with status 2 and a message on stderr that
names the measure, item or row and what was expected.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from stepcare.measures import fast
from stepcare.measures.batch import INPUT_COLUMNS, OUTPUT_COLUMNS, RowProblem, classify_csv
from stepcare.measures.config import CONFIG_ENV_VAR, registry_from_environment
from stepcare.measures.describe import describe_registry, registry_table
from stepcare.measures.errors import MeasuresError
from stepcare.measures.model import CasenessBasis, Measure, Registry, Scoring
from stepcare.measures.scoring import ScoreResult, parse_answers, score
from stepcare.measures.wording import load_wording

PROG = "stepcare measures"
EXIT_OK = 0
EXIT_BAD_INPUT = 2

Handler = Callable[[argparse.Namespace, Registry], int]


def main(argv: list[str]) -> int:
    """Run one `stepcare measures` command; returns the process exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has printed usage or help
        return stop.code if isinstance(stop.code, int) else EXIT_OK
    handler: Handler = args.handler
    try:
        registry = registry_from_environment(args.config)
        return handler(args, registry)
    except MeasuresError as exc:
        _error(str(exc))
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:
        _error(f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc))
    return EXIT_BAD_INPUT


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed so that its help can be tested and documented)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="FILE",
        help=f"JSON file of the service's threshold overrides (default: ${CONFIG_ENV_VAR})",
    )
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Score questionnaires and classify courses by the NHS Talking Therapies rules.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser(
        "list", parents=[common], help="show every measure, its thresholds and their sources"
    )
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--wording", metavar="FILE", help="JSON file of licensed item wording")
    listing.set_defaults(handler=_list)

    scoring = commands.add_parser("score", parents=[common], help="score one questionnaire")
    scoring.add_argument("measure", metavar="MEASURE", help="e.g. PHQ-9, GAD-7, WSAS, SPIN, MI")
    scoring.add_argument(
        "answers", metavar="ANSWER", nargs="*", help="each item's answer in order ('na' for WSAS item 1)"
    )
    scoring.add_argument("--json", action="store_true", help="print JSON")
    scoring.set_defaults(handler=_score)

    classify = commands.add_parser(
        "classify",
        parents=[common],
        help="classify finished courses in a CSV file",
        description=f"Input columns: {','.join(INPUT_COLUMNS)}. Output adds: {','.join(OUTPUT_COLUMNS)}.",
    )
    classify.add_argument("input", metavar="INPUT", help="input CSV file, or - for stdin")
    classify.add_argument(
        "-o", "--output", metavar="OUTPUT", required=True, help="output CSV file, or - for stdout"
    )
    classify.add_argument(
        "--summary", action="store_true", help="print the counts and national rates as JSON"
    )
    classify.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="report bad rows and leave them out, instead of writing no output at all",
    )
    classify.add_argument(
        "--engine",
        choices=("auto", "pure", "fast"),
        default="auto",
        help="auto (default): the vectorised classifier when the 'fast' extra (DuckDB) is installed, "
        "else the pure one; pure: always the pure Python reference; fast: the vectorised one "
        "(an error without the extra). Both give the same output; the vectorised one hands a "
        "file with quoted cells or bad rows to the pure one",
    )
    classify.set_defaults(handler=_classify)
    return parser


def _list(args: argparse.Namespace, registry: Registry) -> int:
    if args.wording:
        registry = load_wording(args.wording, registry=registry)
    if args.json:
        print(json.dumps(describe_registry(registry), ensure_ascii=False))
    else:
        print(registry_table(registry))
    return EXIT_OK


def _score(args: argparse.Namespace, registry: Registry) -> int:
    measure = registry.get(args.measure)
    answers = parse_answers(measure.code, args.answers, registry=registry)
    result = score(measure.code, answers, registry=registry)
    print(json.dumps(result.as_dict()) if args.json else score_line(measure, result))
    return EXIT_OK


def score_line(measure: Measure, result: ScoreResult) -> str:
    """One readable line about a score, e.g. "PHQ-9 total 13: moderate; at caseness (>= 10)"."""
    if measure.scoring is Scoring.MEAN:
        text = f"{measure.code} mean score {result.total:.2f}"
    else:
        text = f"{measure.code} total {result.total}"
    if result.item1_not_applicable:
        text += f" (item 1, {measure.items[0].label.lower()}: not applicable)"
    elif result.total_excluding_item1 is not None:
        text += f" ({result.total_excluding_item1} without item 1)"
    parts = [result.severity or "no severity bands"]
    cutoff = measure.caseness
    if cutoff is None:
        parts.append("no caseness cut-off")
    else:
        rule = cutoff.describe()
        if cutoff.applies_to is CasenessBasis.ANY_ITEM:
            items = ", ".join(result.caseness_items)
            rule += " on any item" + (f": {items}" if items else "")
        parts.append(f"{'at' if result.caseness else 'below'} caseness ({rule})")
    text += ": " + "; ".join(parts)
    for flag in result.flags:
        text += f". Flag {flag}: ask about thoughts of self-harm (a prompt, not a risk score)"
    return text


def _classify(args: argparse.Namespace, registry: Registry) -> int:
    engine: str = args.engine
    if engine == "fast" and not fast.available():
        raise MeasuresError("--engine fast needs the 'fast' extra: pip install 'stepcare[fast]'")
    if engine != "pure" and fast.available() and args.input != "-":
        result = _classify_fast(args, registry)
        if result is not None:
            return result
    return _classify_pure(args, registry)


def _classify_fast(args: argparse.Namespace, registry: Registry) -> int | None:
    """Classify with the vectorised path; None when the file must go to the pure path."""
    with _StagedOutput(args.output) as staged:
        if staged.path is not None:
            staged.file.close()
            target = staged.path
        else:
            handle, name = tempfile.mkstemp(prefix="stepcare-classify-", suffix=".csv")
            os.close(handle)
            target = Path(name)
        try:
            result = fast.classify_file(Path(args.input), target, registry=registry)
            if isinstance(result, fast.Fallback):
                if args.engine == "fast":
                    print(f"{PROG}: using the pure classifier: {result.reason}", file=sys.stderr)
                return None
            if staged.path is None:
                with target.open(encoding="utf-8", newline="") as produced:
                    shutil.copyfileobj(produced, staged.file)
        finally:
            if staged.path is None:
                target.unlink(missing_ok=True)
        staged.commit()
    if args.summary:
        summary_stream = sys.stderr if args.output == "-" else sys.stdout
        print(json.dumps(result.summary.as_dict(), indent=2), file=summary_stream)
    return EXIT_OK


def _classify_pure(args: argparse.Namespace, registry: Registry) -> int:
    skip: bool = args.skip_bad_rows
    progress = _Progress() if sys.stderr.isatty() else None
    with _open_input(args.input) as source, _StagedOutput(args.output) as staged:
        try:
            result = classify_csv(
                source,
                staged.file,
                registry=registry,
                on_bad_row=_report_bad_row,
                skip_bad_rows=skip,
                progress=progress,
            )
        except csv.Error as exc:
            raise MeasuresError(f"{args.input}: malformed CSV: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise MeasuresError(f"{args.input}: not UTF-8 text ({exc.reason})") from exc
        finally:
            if progress is not None:
                progress.finish()
        if result.bad_rows and not skip:
            _error(
                f"{result.bad_rows} bad row(s); no output written "
                "(fix them, or use --skip-bad-rows to leave them out)"
            )
            return EXIT_BAD_INPUT
        staged.commit()
    if result.bad_rows:
        print(f"{PROG}: skipped {result.bad_rows} bad row(s)", file=sys.stderr)
    if args.summary:
        summary_stream = sys.stderr if args.output == "-" else sys.stdout
        print(json.dumps(result.summary.as_dict(), indent=2), file=summary_stream)
    return EXIT_OK


def _report_bad_row(problem: RowProblem) -> None:
    print(f"{PROG}: bad row: {problem}", file=sys.stderr)


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


@contextlib.contextmanager
def _open_input(name: str) -> Iterator[TextIO]:
    """The input CSV as text; a byte-order mark is ignored."""
    if name == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:
            yield sys.stdin
            return
        stream = open(buffer.fileno(), encoding="utf-8-sig", newline="", closefd=False)  # noqa: SIM115
        with stream:
            yield stream
        return
    with open(name, encoding="utf-8-sig", newline="") as stream:
        yield stream


class _StagedOutput:
    """An output written to a temporary file and put in place only on `commit`, so that a run
    with bad rows leaves no output (not even a partial one). The file is created readable only
    by its owner, since it holds pathway-level data."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.to_stdout = name == "-"
        self.path: Path | None = None
        if self.to_stdout:
            self.file: TextIO = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
        else:
            target = Path(name)
            handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
            self.path = Path(temp)
            self.file = open(handle, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self.committed = False

    def __enter__(self) -> _StagedOutput:
        return self

    def commit(self) -> None:
        """Put the finished output in place."""
        if self.to_stdout:
            self.file.seek(0)
            shutil.copyfileobj(self.file, sys.stdout)
            sys.stdout.flush()
            self.file.close()
        else:
            self.file.close()
            assert self.path is not None
            os.replace(self.path, self.name)
        self.committed = True

    def __exit__(self, *exc_info: object) -> None:
        if self.committed:
            return
        self.file.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


class _Progress:
    """A progress line on stderr (only used when stderr is a terminal)."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.last_shown = 0.0
        self.rows = 0

    def __call__(self, rows: int) -> None:
        self.rows = rows
        now = time.monotonic()
        if now - self.last_shown >= 0.2:
            self.last_shown = now
            rate = rows / max(now - self.started, 1e-9)
            print(f"\rclassified {rows:,} rows ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)

    def finish(self) -> None:
        print(f"\rclassified {self.rows:,} rows", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
