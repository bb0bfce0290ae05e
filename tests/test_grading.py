"""Grading many answers: a verdict per row whatever it holds, rows in worker processes with a
time bound each, output written row by row, and an interrupted run resumed without losing or
repeating a row."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

from nanograd import grade
from nanograd.calculus.grading import FIELDS

ROWS = [
    {"id": "right", "expression": "x**2*sin(x)", "wrt": "x", "claim": "2*x*sin(x) + x**2*cos(x)"},
    {"id": "wrong", "expression": "sin(x**2)", "wrt": "x", "claim": "cos(x**2)"},
    {"id": "at", "expression": "x*y", "wrt": "y", "claim": "x", "at": "x=1,y=2"},
]
HOSTILE = [
    {"id": "tower", "expression": "9**9**9**9", "wrt": "x", "claim": "0"},
    {"id": "code", "expression": "__import__('os').system('true')", "wrt": "x", "claim": "0"},
    {"id": "long", "expression": "x+" * 20000 + "x", "wrt": "x", "claim": "1"},
    {"id": "deep", "expression": "(" * 5000 + "x" + ")" * 5000, "wrt": "x", "claim": "1"},
    {"id": "nowrt", "expression": "x", "wrt": "z", "claim": "1"},
    {"id": "missing", "expression": "x"},
    {"id": "types", "expression": ["x"], "wrt": {"a": 1}, "claim": None},
    {"id": "badat", "expression": "x", "wrt": "x", "claim": "1", "at": "x=log(-1)"},
    {"id": "nul", "expression": "x\x00\u202e", "wrt": "x", "claim": "1"},
    "not a row",
]


def test_a_verdict_per_row_in_order_and_hostile_rows_are_invalid_without_stopping_the_run():
    verdicts = grade(ROWS + HOSTILE + ROWS, jobs=2)
    assert [v.row for v in verdicts] == list(range(1, len(ROWS) * 2 + len(HOSTILE) + 1))
    assert [v.verdict for v in verdicts[:3]] == ["right", "wrong", "right"]
    assert [v.verdict for v in verdicts[-3:]] == ["right", "wrong", "right"]
    assert all(v.verdict == "invalid" and v.reason for v in verdicts[3:-3])
    wrong = verdicts[1]
    assert wrong.kind == "chain-rule" and wrong.expression == "sin(x**2)" and wrong.counterexample


def test_a_row_over_its_time_bound_is_invalid_and_the_next_rows_are_still_graded():
    verdicts = grade(ROWS, jobs=1, seconds=0.001)
    assert all(v.verdict == "invalid" and "time bound" in v.reason for v in verdicts)
    assert [v.verdict for v in grade(ROWS, jobs=1)] == ["right", "wrong", "right"]


def _write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["id", "expression", "wrt", "claim", "at"])
        writer.writeheader()
        writer.writerows(rows)


def _cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "nanograd", "grade", *map(str, args)],
                          capture_output=True, text=True, **kwargs)


def test_cli_grade_writes_csv_or_jsonl_and_a_summary(tmp_path):
    source = tmp_path / "answers.csv"
    _write_csv(source, ROWS * 2)
    done = _cli(source, "-o", tmp_path / "out.csv", "--jobs", 2)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(open(tmp_path / "out.csv", encoding="utf-8")))
    assert sorted(int(r["row"]) for r in rows) == list(range(1, 7)) and list(rows[0]) == list(FIELDS)
    assert "6 rows: 4 right, 2 wrong, 0 invalid" in done.stdout and "chain-rule (2)" in done.stdout
    jsonl = tmp_path / "answers.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n{broken\n")
    done = _cli(jsonl, "--jobs", 1)
    verdicts = [json.loads(line) for line in done.stdout.splitlines()]
    assert sorted(v["verdict"] for v in verdicts) == ["invalid", "right", "right", "wrong"]
    assert "4 rows" in done.stderr


def test_an_interrupted_run_resumed_loses_and_repeats_nothing(tmp_path):
    source = tmp_path / "answers.csv"
    rows = [{**row, "id": f"{row['id']}-{n}"} for n in range(40) for row in ROWS]
    _write_csv(source, rows)
    output = tmp_path / "out.csv"
    run = subprocess.Popen([sys.executable, "-m", "nanograd", "grade", str(source), "-o", str(output),
                            "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not output.exists() or output.read_text().count("\n") < 15):
        time.sleep(0.05)
    workers = _children(run.pid)
    os.kill(run.pid, signal.SIGKILL)  # no chance to tidy up
    run.wait()
    # its workers see it gone and end (they held a copy of its end of their pipes: they waited
    # for ever)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)]
    with open(output, "a", encoding="utf-8") as f:
        f.write("77,half a li")  # a line cut short as the process died
    before = {int(r["row"]) for r in csv.DictReader(open(output, encoding="utf-8")) if r["verdict"]}
    assert 0 < len(before) < len(rows)
    done = _cli(source, "-o", output, "--resume", "--jobs", 2)
    assert done.returncode == 0, done.stderr
    graded = [int(r["row"]) for r in csv.DictReader(open(output, encoding="utf-8"))]
    assert sorted(graded) == list(range(1, len(rows) + 1))  # each row once: none lost, none repeated
    assert f"{len(rows)} rows" in done.stdout


def _children(pid: int) -> list[int]:
    """The processes `pid` started (Linux's /proc; none known elsewhere)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(child) for child in f.read().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except OSError:
        return False
