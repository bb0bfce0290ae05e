"""Grading many answers at once: one verdict per row, `right`, `wrong` (with the mistake and a
point where the claim fails) or `invalid` (with the reason), whatever the rows hold.

Rows are graded in worker processes, each row within a time bound: a row that takes longer, or
crashes its worker, is `invalid` and the run goes on with a fresh worker. `grade_file` writes
each verdict the moment it is known, one line per row, so an interrupted run loses no finished
row, and `resume=True` continues it without grading any row twice.
"""
from __future__ import annotations

import collections
import csv
import io
import itertools
import json
import multiprocessing
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from ..core.budget import receive_from_parent
from ..errors import InputError, NanogradError
from .parse import Expression, parse
from .verification import ATTEMPTS, sample_points, verify

COLUMNS = ("id", "expression", "wrt", "claim")  # and, optional, "at": x=1.5,y=2
FIELDS = ("row", "id", "verdict", "kind", "expression", "message", "counterexample", "method", "reason")
ROW_SECONDS = 20.0  # a row's time bound


@dataclass(frozen=True)
class Verdict:
    """The verdict on one row. `row` is its position in the input (1 for the first row)."""

    row: int
    id: str
    verdict: str  # "right", "wrong" or "invalid"
    kind: str = ""  # wrong: the kind of mistake, when one explains the claim
    expression: str = ""  # wrong: where the mistake is
    message: str = ""  # wrong: the diagnosis
    counterexample: str = ""  # wrong: a point where the claim is not the derivative
    method: str = ""  # right or wrong: "symbolic" or "numeric"
    reason: str = ""  # invalid: why the row could not be graded

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Summary:
    """How many rows were right, wrong and invalid, and the most common kinds of mistake."""

    right: int
    wrong: int
    invalid: int
    kinds: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, verdicts: Iterable[Verdict]) -> Summary:
        counts: collections.Counter[str] = collections.Counter()
        kinds: collections.Counter[str] = collections.Counter()
        for v in verdicts:
            counts[v.verdict] += 1
            if v.kind:
                kinds[v.kind] += 1
        return cls(counts["right"], counts["wrong"], counts["invalid"], tuple(kinds.most_common()))

    def __str__(self) -> str:
        total = self.right + self.wrong + self.invalid
        lines = [f"{total} rows: {self.right} right, {self.wrong} wrong, {self.invalid} invalid"]
        if self.kinds:
            lines.append("most common mistakes: " + ", ".join(f"{k} ({n})" for k, n in self.kinds[:5]))
        return "\n".join(lines)


def grade_row(row: Mapping[str, Any], number: int = 1) -> Verdict:
    """The verdict on one row; never raises on what the row holds."""
    ident = _one_line(row.get("id", number) if isinstance(row, Mapping) else number)
    try:
        if not isinstance(row, Mapping):
            raise InputError(f"a row is a table row or a JSON object, not {type(row).__name__}")
        texts = {}
        for column in COLUMNS[1:]:
            value = row.get(column)
            if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
                raise InputError(f"the column {column!r} is missing or empty")
            texts[column] = str(value).strip()
        expression, claim = parse(texts["expression"]), parse(texts["claim"])
        wrt = texts["wrt"]
        if wrt not in expression.variables:
            raise InputError(f"wrt {wrt!r} is not a variable of the expression "
                             f"(its variables: {', '.join(expression.variables) or 'none'})")
        extra = sorted(set(claim.variables) - set(expression.variables))
        if extra:
            raise InputError(f"the claim uses {', '.join(extra)}, which the expression does not")
        out, leaves = _graph(expression, row.get("at"))
        result = verify(out, leaves[wrt], claim.sympy())
    except (NanogradError, ValueError, TypeError, ArithmeticError, RecursionError, MemoryError) as error:
        return Verdict(number, ident, "invalid", reason=_one_line(f"{type(error).__name__}: {error}"))
    if result.ok:
        return Verdict(number, ident, "right", method=result.method)
    d = result.diagnosis
    return Verdict(number, ident, "wrong", d.kind if d else "", _one_line(d.expression) if d else "",
                   _one_line(d.message) if d else "no common mistake gives this answer",
                   _one_line(result.counterexample), result.method)


def _graph(expression: Expression, at: Any) -> tuple[Any, dict]:
    """The expression's graph at `at` ("x=1.5,y=2"), or at the first sample point in its domain."""
    if at not in (None, ""):
        values = {}
        for item in str(at).split(","):
            name, _, text = (part.strip() for part in item.partition("="))
            value = parse(text)
            if value.variables:
                raise InputError(f"at: {item!r} is not name=number")
            values[name] = value.graph({})[0].data
        return expression.graph(values)
    last: Exception | None = None
    for point in itertools.islice(sample_points(expression.variables), ATTEMPTS):
        try:
            return expression.graph(point)
        except NanogradError as error:
            last = error
    raise InputError(f"the expression is undefined at each of {ATTEMPTS} random points: {last}")


def _one_line(value: Any) -> str:
    return " ".join(str(value).split())


def grade(rows: Iterable[Mapping[str, Any]], jobs: int = 1, seconds: float = ROW_SECONDS) -> list[Verdict]:
    """The verdicts on `rows` (mappings with id, expression, wrt, claim and optionally at), in
    their order, graded by `jobs` worker processes with `seconds` per row."""
    verdicts = sorted(run(enumerate(rows, 1), jobs, seconds), key=lambda v: v.row)
    return verdicts


def run(rows: Iterable[tuple[int, Any]], jobs: int, seconds: float) -> Iterator[Verdict]:
    """Verdicts as they are ready (not in row order) from `jobs` worker processes; a row that
    takes over `seconds`, or kills its worker, is invalid and its worker is replaced."""
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                          else "spawn")
    todo = iter(rows)
    workers = [_Worker(context) for _ in range(max(1, jobs))]
    try:
        for worker in workers:
            worker.give(next(todo, None))
        while any(w.task for w in workers):
            busy = [w for w in workers if w.task]
            now = time.monotonic()
            ready = wait([w.connection for w in busy],
                         timeout=max(0.0, min(w.started + seconds for w in busy) - now))
            for worker in busy:
                verdict = None
                late = time.monotonic() > worker.started + seconds
                if worker.connection in ready:
                    verdict = worker.receive()
                    if late:  # finished, but past its bound: the same verdict as if it were stopped
                        verdict = Verdict(verdict.row, verdict.id, "invalid", reason=_too_long(seconds))
                elif late:
                    verdict = worker.fail(_too_long(seconds))
                if verdict is None:
                    continue
                if not worker.process.is_alive():
                    workers[workers.index(worker)] = worker = _Worker(context)
                worker.give(next(todo, None))
                yield verdict
    finally:
        for worker in workers:
            worker.stop()


def _too_long(seconds: float) -> str:
    return f"took longer than the time bound of {seconds:g} s"


class _Worker:
    """A process grading one row at a time; the parent stops it when a row overstays."""

    def __init__(self, context: Any) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[int, Any] | None = None
        self.started = 0.0

    def give(self, task: tuple[int, Any] | None) -> None:
        self.task, self.started = task, time.monotonic()
        if task is not None:
            self.connection.send(task)

    def receive(self) -> Verdict:
        try:
            verdict = self.connection.recv()
        except (EOFError, OSError):
            return self.fail("the worker grading it stopped (out of memory, or a crash)")
        self.task = None
        return verdict

    def fail(self, reason: str) -> Verdict:
        number, row = self.task or (0, {})
        self.task = None
        self.process.kill()
        self.process.join()
        ident = row.get("id", number) if isinstance(row, Mapping) else number
        return Verdict(number, _one_line(ident), "invalid", reason=reason)

    def stop(self) -> None:
        if self.process.is_alive():
            if self.task is None:
                try:
                    self.connection.send(None)
                except OSError:
                    pass
                self.process.join(1.0)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
        self.connection.close()


def _serve(connection: Connection, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            task = receive_from_parent(connection, parent)
        except EOFError:  # the parent is gone
            return
        if task is None:
            return
        connection.send(grade_row(task[1], task[0]))


# Reading rows and writing verdicts.

def read_rows(path: Path) -> list[tuple[int, Any]]:
    """(row number, row) for each row of a CSV or JSON Lines file; a row that cannot be read is a
    string saying why, graded as invalid."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    if _is_jsonl(path, text):
        rows: list[tuple[int, Any]] = []
        for line in text.splitlines():
            if line.strip():
                try:
                    rows.append((len(rows) + 1, json.loads(line)))
                except (ValueError, RecursionError) as error:
                    rows.append((len(rows) + 1, f"not a JSON object: {error}"))
        return rows
    csv.field_size_limit(max(csv.field_size_limit(), 10 ** 7))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"{path}: the header lacks the column(s) {', '.join(missing)} "
                         f"(the columns are {', '.join(COLUMNS)}, and optionally at)")
    rows = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return rows
        except csv.Error as error:
            rows.append((len(rows) + 1, f"malformed CSV: {error}"))
            continue
        rows.append((len(rows) + 1, row))


def _is_jsonl(path: Path, text: str) -> bool:
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return True
    return path.suffix.lower() != ".csv" and text.lstrip().startswith("{")


def grade_file(source: Path, output: Path | None, fmt: str = "csv", jobs: int | None = None,
               seconds: float = ROW_SECONDS, resume: bool = False,
               progress: Callable[[int, int], None] | None = None) -> Summary:
    """Grade every row of `source`, writing each verdict to `output` (standard output if None)
    as soon as it is known; with `resume`, rows already in `output` are kept and not graded again."""
    rows = read_rows(source)
    done = _finished(output, fmt) if resume and output is not None else {}
    todo = [(n, r if not isinstance(r, str) else {"id": n, "malformed": r}) for n, r in rows if n not in done]
    verdicts = list(done.values())
    sink = open(output, "a", encoding="utf-8", newline="") if output else None
    stream = sink or sys.stdout
    try:
        if fmt == "csv" and (sink is None or sink.tell() == 0):
            stream.write(_record([*FIELDS], fmt, header=True))
        for verdict in run(todo, jobs or os.cpu_count() or 1, seconds):
            verdict = _explain_malformed(verdict, rows)
            stream.write(_record(verdict, fmt))
            stream.flush()
            if sink:
                os.fsync(sink.fileno())
            verdicts.append(verdict)
            if progress:
                progress(len(verdicts), len(rows))
    finally:
        if sink:
            sink.close()
    return Summary.of(verdicts)


def _explain_malformed(verdict: Verdict, rows: list[tuple[int, Any]]) -> Verdict:
    """A row that could not even be read is invalid for that reason, not for its missing columns."""
    row = rows[verdict.row - 1][1] if 0 < verdict.row <= len(rows) else None
    if isinstance(row, str):
        return Verdict(verdict.row, verdict.id, "invalid", reason=_one_line(row))
    return verdict


def _record(verdict: Verdict | list[str], fmt: str, header: bool = False) -> str:
    values = verdict if isinstance(verdict, list) else [getattr(verdict, f) for f in FIELDS]
    if fmt == "jsonl":
        return "" if header else json.dumps(dict(zip(FIELDS, values))) + "\n"
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow(values)
    return line.getvalue()


def _finished(output: Path, fmt: str) -> dict[int, Verdict]:
    """The verdicts already written to `output`, by row; a last line cut short by the interruption
    is removed, so that its row is graded again."""
    if not output.exists():
        return {}
    text = output.read_text(encoding="utf-8")
    complete = text[:text.rfind("\n") + 1]
    if complete != text:
        with open(output, "r+", encoding="utf-8") as f:
            f.truncate(len(complete.encode("utf-8")))
    lines = complete.splitlines()
    found: dict[int, Verdict] = {}
    if fmt == "jsonl":
        records = [json.loads(line) for line in lines if line.strip()]
    else:
        records = list(csv.DictReader(io.StringIO(complete, newline="")))
    for record in records:
        fields = {f: str(record.get(f, "")) for f in FIELDS}
        found[int(fields["row"])] = Verdict(**{**fields, "row": int(fields["row"])})  # type: ignore[arg-type]
    return found
