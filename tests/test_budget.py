"""Bounded time: closed forms built in time linear in the graph, and budgets (`timeout=`) that
need no signal and touch no process-wide state, so they work off the main thread too.

Oracles: plain floats for the chain's values, central finite differences for derivatives.
"""
from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sympy

import nanograd
from nanograd import Scalar, TimeBudgetError
from nanograd.calculus.parse import parse
from nanograd.core.budget import in_worker, remaining, within

X = sympy.Symbol("x", real=True)


def nested_log_exp(depth: int) -> str:
    """log(1+exp(x-log(1+exp(x-...)))): short text on which sympy's automatic simplification,
    applied to the whole expression at every level, took a minute at depth 25."""
    text = "x"
    for _ in range(depth):
        text = f"log(1+exp(x-{text}))"
    return text


def test_a_long_chain_that_folds_comes_back_folded_for_sympys_own_tools():
    x = Scalar(0.5, label="x")
    y, value = x, 0.5
    for _ in range(1000):  # the 2,500 takes seconds of sympy's own arithmetic
        y = y * 0.999 + 0.001
        value = value * 0.999 + 0.001
    expr = y.expr
    # a constant times x plus a constant: what evalf, subs and the printers handle at any size
    assert expr.free_symbols == {X} and sympy.Poly(expr, X).degree() == 1
    assert math.isclose(float(expr.subs(X, 0.5)), value, rel_tol=1e-9)
    assert math.isclose(float(expr.evalf(subs={X: 0.5})), value, rel_tol=1e-9)
    assert "x" in str(expr) and "x" in sympy.pretty(expr) and "x" in sympy.latex(expr)
    assert math.isclose(float(nanograd.grad_expr(y, wrt=x)), 0.999 ** 1000, rel_tol=1e-9)


def test_closed_forms_of_short_nested_text_are_built_in_linear_time():
    out, leaves = parse(nested_log_exp(25)).graph({"x": 0.3})
    start = time.monotonic()
    derivative = nanograd.grad_expr(out, wrt=leaves["x"])
    assert time.monotonic() - start < 5  # a minute before
    h = 1e-6
    fd = (parse(nested_log_exp(25)).graph({"x": 0.3 + h})[0].data
          - parse(nested_log_exp(25)).graph({"x": 0.3 - h})[0].data) / (2 * h)
    assert math.isclose(nanograd.evaluate(derivative, out), fd, rel_tol=1e-6)


def long_chain(n: int) -> tuple[Scalar, Scalar]:
    x = Scalar(0.3, label="x")
    y = x
    for i in range(n):
        y = (y * x).sin() if i % 2 else y + x
    return x, y


@pytest.mark.parametrize("build", [
    lambda x, y: nanograd.grad_expr(y, wrt=x, timeout=0.2),
    lambda x, y: nanograd.symbolic.expr_of(y, timeout=0.2),
])
def test_building_closed_forms_stops_at_the_budget(build):
    x, y = long_chain(60_000)  # seconds of work
    start = time.monotonic()
    with pytest.raises(TimeBudgetError, match="closed form.*time budget"):
        build(x, y)
    assert time.monotonic() - start < 2


def test_budgets_nest_keeping_the_sooner_deadline_and_refuse_nonsense():
    assert remaining() is None
    with within(100):
        with within(0.5):
            assert 0 < remaining() <= 0.5
        with within(1000):
            assert 99 < remaining() <= 100
    assert remaining() is None
    for bad in (0, -1, float("nan")):
        with pytest.raises(ValueError, match="positive"):
            with within(bad):
                pass


def _sleep_then(value, seconds):
    time.sleep(seconds)
    return value


def _raise_domain_error():
    raise nanograd.DomainError("log(x = -1.0): outside the domain")


def test_work_in_a_worker_returns_its_value_raises_its_error_and_stops_at_the_budget():
    with within(30):
        assert in_worker(_sleep_then, 42, 0, doing="waiting") == 42
        with pytest.raises(nanograd.DomainError, match="outside the domain"):
            in_worker(_raise_domain_error, doing="failing")
    start = time.monotonic()
    with within(0.3), pytest.raises(TimeBudgetError, match="waiting"):
        in_worker(_sleep_then, 42, 60, doing="waiting")
    assert time.monotonic() - start < 5


def test_workers_are_reused_and_a_worker_stopped_at_its_budget_is_replaced():
    with within(30):
        first = in_worker(os.getpid, doing="asking")
        assert first != os.getpid() and in_worker(os.getpid, doing="asking") == first
    with within(0.3), pytest.raises(TimeBudgetError):
        in_worker(_sleep_then, 1, 60, doing="waiting")
    with within(30):
        assert in_worker(os.getpid, doing="asking") not in (first, os.getpid())


@contextlib.contextmanager
def _callers_timer():
    """A caller's own SIGALRM timer and handler (pytest-timeout's, say): the block must leave both
    alone, armed and unfired."""
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 60)
        yield
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 50  # still armed, not cancelled
        assert signal.getsignal(signal.SIGALRM) is not signal.SIG_DFL
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert fired == []


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no interval timers here")
def test_diagnosing_a_wrong_claim_leaves_the_callers_timer_and_handler_alone():
    with _callers_timer():
        out, leaves = parse("x**2*sin(x)").graph({"x": 0.5})
        # (uv)' taken as u'v', written so that only simplify shows it is 2x cos(x)
        result = nanograd.verify(out, wrt=leaves["x"], claim="2*x*cos(x)*(sin(x)**2 + cos(x)**2)")
        assert not result.ok and result.diagnosis.kind == "product-rule"
        assert result.diagnosis.checked == "symbolic"  # sympy was asked, and within a budget


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no interval timers here")
def test_verify_leaves_the_callers_timer_and_handler_alone():
    with _callers_timer():
        out, leaves = parse("x**2*sin(x)").graph({"x": 0.5})
        assert nanograd.verify(out, wrt=leaves["x"], claim="2*x*sin(x) + x**2*cos(x)").ok


def test_verify_keeps_its_budget_off_the_main_thread():
    # (x+1)**40 expanded against the compact form: simplify works long on it
    out, leaves = parse("(x + 1)**41").graph({"x": 0.5})
    claim = str(sympy.expand(41 * (X + 1) ** 40)).replace(" ", "")
    results: list = []

    def run():
        start = time.monotonic()
        results.append((nanograd.verify(out, wrt=leaves["x"], claim=claim, timeout=3),
                        time.monotonic() - start))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert results, "verify did not finish"
    result, seconds = results[0]
    assert result.ok and seconds < 6


def test_no_module_of_the_package_uses_a_timer_signal():
    """A timer signal is process-wide: it would cancel a caller's own (pytest-timeout's, say)
    and cannot stop work off the main thread. Budgets are deadlines and worker processes."""
    package = Path(nanograd.__file__).parent
    found = [f"{path.relative_to(package)}: {word}" for path in package.rglob("*.py")
             for word in ("SIGALRM", "setitimer", "signal.alarm") if word in path.read_text()]
    assert found == []


def test_a_worker_ends_when_its_parent_is_killed():
    """A forked worker holds a copy of its parent's end of their pipe, so it never reads the
    pipe as closed: killed without a chance to tidy up, the parent left it waiting for ever."""
    code = ("import os, time\nfrom nanograd.core.budget import in_worker, within\n"
            "with within(60):\n    print(in_worker(os.getpid, doing='a test'), flush=True)\n"
            "time.sleep(120)\n")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _alive(worker):
        time.sleep(0.1)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except OSError:
        return True


def test_an_expression_reaches_a_worker_as_it_was_built():
    """Unpickling evaluates each node again (2*x for x + x built unevaluated): a large closed form
    built unevaluated spent a whole budget being simplified on its way to the printer."""
    from nanograd.symbolic.workers import in_worker_as_built

    x = sympy.Symbol("x")
    built = sympy.Add(x, x, evaluate=False)
    with within(30):
        assert in_worker_as_built(sympy.srepr, built, doing="a test") == "Add(Symbol('x'), Symbol('x'))"
        assert sympy.srepr(in_worker_as_built(_doubled, x, doing="a test")) == sympy.srepr(built)


def _doubled(x: sympy.Symbol) -> sympy.Expr:
    return sympy.Add(x, x, evaluate=False)
