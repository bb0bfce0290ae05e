"""`nanograd grade`: many answers at once, from a CSV or JSON Lines file, one verdict per row."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

from ..errors import InputError


def grade_command(args: argparse.Namespace) -> int:
    """Grade every row of FILE (columns id, expression, wrt, claim, optionally at): right, wrong
    (with the mistake and a counterexample) or invalid (with the reason), then a summary."""
    source = Path(args.file)
    if not source.is_file():
        raise InputError(f"FILE {args.file!r} is not a file")
    if args.resume and not args.output:
        raise InputError("--resume continues the run written to --output: give it with -o")
    output = Path(args.output) if args.output else None
    named = output or source  # the verdicts' format: as asked, else OUT's suffix, else FILE's
    fmt = args.format or ("jsonl" if named.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv")
    from ..calculus.grading import grade_file  # sympy: loaded on first use

    bar = ProgressBar() if sys.stderr.isatty() else None
    try:
        summary = grade_file(source, output, fmt, args.jobs, args.timeout, args.resume, bar)
    finally:
        if bar:
            bar.close()
    print(summary, file=sys.stdout if output else sys.stderr)
    return 0


class ProgressBar:
    """One line on standard error, redrawn in place: rows done, a bar, rows per second."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.first: int | None = None

    def __call__(self, done: int, total: int) -> None:
        self.first = done - 1 if self.first is None else self.first
        rate = (done - self.first) / max(time.monotonic() - self.start, 1e-9)
        filled = int(30 * done / max(total, 1))
        sys.stderr.write(f"\rgrading [{'#' * filled}{'.' * (30 - filled)}] {done}/{total} rows, "
                         f"{rate:.1f} rows/s ")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")


def add_grade(commands, subcommand: Callable) -> None:
    """The `grade` subcommand and its options."""
    p = subcommand(commands, "grade", grade_command,
                   "  nanograd grade answers.csv -o verdicts.csv\n"
                   "  nanograd grade answers.jsonl -o verdicts.jsonl --jobs 4 --resume\n"
                   "FILE is CSV (with a header) or JSON Lines, with id, expression, wrt, claim and\n"
                   "optionally at (x=1.5,y=2). Each verdict is written as soon as it is known.",
                   timed=False)
    p.add_argument("file", metavar="FILE", help="the answers: a .csv with a header, or .jsonl")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="where to write the verdicts (default: standard output)")
    p.add_argument("--format", choices=("csv", "jsonl"),
                   help="of the verdicts (default: jsonl for an OUT ending .jsonl, else csv)")
    p.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: the cores)")
    p.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS",
                   help="the time bound of one row (default 20); a row over it is invalid")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run: keep the rows already in OUT, grade the rest")
