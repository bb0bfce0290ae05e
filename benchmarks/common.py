"""Helpers shared by nanograd's benchmarks: timing, garbage collection, tables, the machine.

Benchmarks here are reports, not tests: they print what they measured and exit 0. Absolute times
on a shared machine are noisy, so every benchmark measures the things it compares side by side in
one process, alternating them, and quotes ratios of medians.
"""
from __future__ import annotations

import datetime
import gc
import hashlib
import importlib
import importlib.metadata
import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Any, Callable, Sequence

# Two clocks. On a shared machine the wall clock also counts the time this process spent waiting
# for a CPU while other processes ran, so the benchmarks quote CPU time (user + system, of this
# process: time.process_time) and show wall-clock time beside it.
cpu = time.process_time
wall = time.perf_counter


def timed(fn: Callable, *args: Any) -> tuple[float, float, Any]:
    """(CPU seconds, wall seconds, result) of `fn(*args)`."""
    start_cpu, start_wall = cpu(), wall()
    result = fn(*args)
    return cpu() - start_cpu, wall() - start_wall, result


def collect() -> float:
    """Run a full garbage collection and return the CPU seconds it took.

    Call it before every timed region: garbage left by one implementation (micrograd's closures
    make reference cycles) would otherwise be collected, and charged, inside the next timing.
    """
    start = cpu()
    gc.collect()
    return cpu() - start


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def ratio(slow: float | None, fast: float | None) -> float | None:
    """slow / fast, or None when either is missing."""
    if slow is None or fast is None or fast == 0:
        return None
    return slow / fast


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} us"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str = "",
          indent: str = "  ") -> str:
    """Rows as text columns; `align` has an "l" or "r" per column (default: "l" then all "r")."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    align = align or "l" + "r" * (len(headers) - 1)

    def line(row: Sequence[str]) -> str:
        parts = [c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(row, widths, align)]
        return indent + "  ".join(parts).rstrip()

    rule = indent + "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule] + [line(row) for row in cells[1:]])


def optional_import(name: str, disabled: bool = False) -> tuple[Any, str]:
    """(module, "") if `name` imports, else (None, why not)."""
    if disabled:
        return None, "disabled on the command line"
    try:
        return importlib.import_module(name), ""
    except Exception as error:  # ImportError, or a broken install raising something else
        return None, f"{type(error).__name__}: {error}"


def distribution_version(name: str) -> str:
    """The installed version of the distribution `name`, or "?"."""
    try:
        return importlib.metadata.version(name)
    except Exception:
        return "?"


def source_revision(package) -> str:
    """Which code of `package` is measured: its git commit, whether its files differ from it,
    and a digest of its .py sources (so a run on uncommitted code can still be identified)."""
    root = os.path.dirname(os.path.abspath(package.__file__))
    digest = hashlib.sha1()
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as f:
                    digest.update(name.encode() + b"\0" + f.read())
    try:
        def git(*args: str) -> str:
            return subprocess.run(["git", "-C", root, *args], capture_output=True, text=True,
                                  timeout=10, check=True).stdout.strip()

        commit = git("rev-parse", "--short", "HEAD")
        dirty = " + uncommitted changes" if git("status", "--porcelain", "--", ".") else ""
    except Exception:  # not a checkout, or no git
        commit, dirty = "no git", ""
    return f"{commit}{dirty}, sources sha1 {digest.hexdigest()[:12]}"


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def load_average() -> str:
    """The 1-minute load average: above the CPU count, other processes are competing for them."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):
        return "?"


def environment() -> str:
    """One line naming the machine and interpreter, for the top of a report."""
    return (f"{datetime.date.today().isoformat()}, {platform.python_implementation()} "
            f"{platform.python_version()} on {platform.system()} {platform.machine()}, "
            f"{cpu_count()} CPUs available (nproc), load average {load_average()}, "
            f"recursion limit {sys.getrecursionlimit()}")
