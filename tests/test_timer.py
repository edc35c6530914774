"""Tests of layouts.timer.IntervalTimerThreading: real threads, generous timeouts."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from layouts import IntervalTimerThreading

TIMEOUT_S = 10.0


def wait_until(predicate, timeout_s: float = TIMEOUT_S) -> bool:
    """Poll ``predicate`` until it is true or ``timeout_s`` passes; return its last value."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return bool(predicate())


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0

    def __call__(self) -> None:
        with self.lock:
            self.count += 1


def test_callback_count_grows() -> None:
    counter = Counter()
    timer = IntervalTimerThreading(0.005, counter)
    timer.start()
    try:
        assert wait_until(lambda: counter.count >= 5)
        assert wait_until(lambda: counter.count >= 10)
        assert timer.is_running
        assert not timer.is_paused
    finally:
        timer.stop()
    assert timer.tick_count == counter.count
    assert not timer.is_running


def test_interval_zero_runs_fast_and_yields() -> None:
    counter = Counter()
    other_thread_progress = []
    with IntervalTimerThreading(0.0, counter):
        # the main thread still gets the GIL while the timer spins
        for index in range(50):
            other_thread_progress.append(index)
            time.sleep(0.001)
        assert wait_until(lambda: counter.count >= 100)
    assert len(other_thread_progress) == 50


def test_ticks_never_overlap() -> None:
    lock = threading.Lock()
    active = [0]
    maximum_active = [0]
    entries = [0]

    def slow_callback() -> None:
        with lock:
            active[0] += 1
            entries[0] += 1
            maximum_active[0] = max(maximum_active[0], active[0])
        time.sleep(0.02)  # four times the interval
        with lock:
            active[0] -= 1

    timer = IntervalTimerThreading(0.005, slow_callback)
    timer.start()
    try:
        assert wait_until(lambda: entries[0] >= 8)
    finally:
        timer.stop()
    assert maximum_active[0] == 1


def test_overrun_ticks_follow_at_once_start_to_start() -> None:
    starts: list[float] = []

    def callback() -> None:
        starts.append(time.monotonic())
        time.sleep(0.03)

    with IntervalTimerThreading(0.01, callback):
        assert wait_until(lambda: len(starts) >= 5)
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    # the callback (30 ms) overruns the interval (10 ms): the next tick starts right after it
    assert min(gaps) >= 0.029
    assert max(gaps) < 1.0


def test_only_one_thread_over_many_ticks() -> None:
    counter = Counter()
    seen_threads: set[int] = set()

    def callback() -> None:
        seen_threads.add(threading.get_ident())
        counter()

    before = {thread.ident for thread in threading.enumerate()}
    timer = IntervalTimerThreading(0.001, callback, name="helios-timer-under-test")
    timer.start()
    try:
        maximum_new_threads = 0
        deadline = time.monotonic() + TIMEOUT_S
        while counter.count < 50 and time.monotonic() < deadline:
            new_threads = [thread for thread in threading.enumerate() if thread.ident not in before]
            maximum_new_threads = max(maximum_new_threads, len(new_threads))
            time.sleep(0.002)
        assert counter.count >= 50
    finally:
        timer.stop()
    assert maximum_new_threads == 1
    assert len(seen_threads) == 1
    assert timer.thread is not None and timer.thread.name == "helios-timer-under-test"
    assert timer.thread.daemon


def test_pause_stops_ticks_and_resume_restarts() -> None:
    counter = Counter()
    holder: dict[str, IntervalTimerThreading] = {}

    def callback() -> None:
        counter()
        if counter.count == 5:
            holder["timer"].pause()  # deterministic: no tick can be in flight after this one

    timer = IntervalTimerThreading(0.002, callback)
    holder["timer"] = timer
    timer.start()
    try:
        assert wait_until(lambda: counter.count >= 5)
        assert timer.is_paused
        assert timer.is_running  # paused, not stopped
        time.sleep(0.3)
        assert counter.count == 5
        timer.resume()
        assert not timer.is_paused
        assert wait_until(lambda: counter.count >= 8)
        timer.pause()
        assert timer.is_paused
    finally:
        timer.stop()


def test_pause_takes_effect_without_waiting_out_a_long_interval() -> None:
    counter = Counter()
    timer = IntervalTimerThreading(3600.0, counter)
    timer.start()
    assert wait_until(lambda: counter.count == 1)  # the first tick runs at once
    timer.pause()
    timer.resume()  # resuming ticks at once instead of after an hour
    assert wait_until(lambda: counter.count == 2)
    started = time.monotonic()
    timer.stop(timeout_s=5.0)
    assert time.monotonic() - started < 5.0
    assert not timer.thread.is_alive()


def test_stop_joins_while_paused() -> None:
    counter = Counter()
    timer = IntervalTimerThreading(0.001, counter)
    timer.start()
    assert wait_until(lambda: counter.count >= 1)
    timer.pause()
    timer.stop(timeout_s=5.0)
    assert timer.thread is not None and not timer.thread.is_alive()
    assert not timer.is_running


def test_stop_twice_is_harmless_and_stop_before_start_works() -> None:
    timer = IntervalTimerThreading(0.001, Counter())
    timer.start()
    timer.stop()
    timer.stop()
    never_started = IntervalTimerThreading(0.001, Counter())
    never_started.stop()
    assert not never_started.is_running


def test_stop_raises_timeout_error_when_the_callback_hangs() -> None:
    release = threading.Event()
    entered = threading.Event()

    def hanging_callback() -> None:
        entered.set()
        release.wait(TIMEOUT_S)

    timer = IntervalTimerThreading(0.001, hanging_callback)
    timer.start()
    assert entered.wait(TIMEOUT_S)
    with pytest.raises(TimeoutError):
        timer.stop(timeout_s=0.05)
    release.set()
    timer.stop(timeout_s=TIMEOUT_S)
    assert not timer.thread.is_alive()


def test_callback_exception_is_reraised_by_stop_and_ticking_stops() -> None:
    calls = Counter()

    def failing_callback() -> None:
        calls()
        if calls.count == 3:
            raise ZeroDivisionError("boom on the third tick")

    timer = IntervalTimerThreading(0.001, failing_callback)
    timer.start()
    assert wait_until(lambda: timer.error is not None)
    assert wait_until(lambda: not timer.thread.is_alive())
    count_after_error = calls.count
    time.sleep(0.05)
    assert calls.count == count_after_error == 3
    assert timer.tick_count == 2
    assert not timer.is_running
    with pytest.raises(ZeroDivisionError, match="third tick"):
        timer.stop()
    timer.stop()  # the error is reported once; a second stop is harmless
    assert isinstance(timer.error, ZeroDivisionError)


def test_start_twice_raises() -> None:
    timer = IntervalTimerThreading(0.01, Counter())
    timer.start()
    try:
        with pytest.raises(RuntimeError):
            timer.start()
    finally:
        timer.stop()
    with pytest.raises(RuntimeError):
        timer.start()  # a stopped timer does not restart either


def test_context_manager_starts_and_stops() -> None:
    counter = Counter()
    with IntervalTimerThreading(0.001, counter) as timer:
        assert timer.is_running
        assert wait_until(lambda: counter.count >= 2)
    assert not timer.thread.is_alive()


def test_context_manager_reraises_callback_error() -> None:
    def failing_callback() -> None:
        raise ValueError("bad tick")

    with pytest.raises(ValueError, match="bad tick"), IntervalTimerThreading(0.001, failing_callback) as timer:
        assert wait_until(lambda: timer.error is not None)


def test_stop_from_inside_the_callback() -> None:
    holder: dict[str, IntervalTimerThreading] = {}
    calls = Counter()

    def callback() -> None:
        calls()
        holder["timer"].stop()  # must not deadlock by joining itself

    timer = IntervalTimerThreading(0.001, callback)
    holder["timer"] = timer
    timer.start()
    assert wait_until(lambda: not timer.thread.is_alive())
    assert calls.count == 1
    timer.stop()


@pytest.mark.parametrize("interval_s", [-1.0, float("nan"), float("inf")])
def test_invalid_interval_is_rejected(interval_s: float) -> None:
    with pytest.raises(ValueError):
        IntervalTimerThreading(interval_s, Counter())
