"""The cyclic garbage collector is paused during nanograd's walks and always comes back on,
whatever the threads do."""
from __future__ import annotations

import gc
import sys
import threading
import time

import pytest

from nanograd import Scalar


def test_backward_in_four_threads_leaves_the_collector_on(monkeypatch):
    """backward() used to read gc.isenabled() and then disable it in two steps: a thread that
    read False while another held the pause disabled the collector for good. A slow
    gc.isenabled widens that window, so the old code failed in 7 of 10 trials."""
    real_isenabled = gc.isenabled

    def slow_isenabled() -> bool:
        answer = real_isenabled()
        time.sleep(0.002)
        return answer

    monkeypatch.setattr(gc, "isenabled", slow_isenabled)
    assert real_isenabled()
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        try:
            for k in range(3):
                x = Scalar(0.1 * seed + 0.01 * k)
                y = x
                for _ in range(3000):
                    y = (y * 1.01).sin()
                y.backward()
        except BaseException as error:  # noqa: B036  (reported below)
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # threads take turns often, inside the walks too
    try:
        for trial in range(6):
            threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert not errors
            assert real_isenabled(), f"the collector stayed off after trial {trial}"
    finally:
        sys.setswitchinterval(interval)
        gc.enable()


def test_the_collector_is_off_during_backward_and_restored_after():
    seen = []

    class Spy(float):
        pass

    x = Scalar(0.5)
    out = x * x
    gc.enable()
    original = out.op.partials[0]
    try:
        object.__setattr__(out.op, "partials", (lambda m, a, b, z: seen.append(gc.isenabled()) or
                                                original(m, a, b, z), out.op.partials[1]))
        out.backward()
    finally:
        object.__setattr__(out.op, "partials", (original, out.op.partials[1]))
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        out.backward()
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


@pytest.mark.parametrize("nested", [1, 3])
def test_pauses_nest(nested):
    from nanograd.core import collector_paused

    assert gc.isenabled()
    with collector_paused():
        for _ in range(nested):
            with collector_paused():
                assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
