"""A repeating timer that runs its callback on one long-lived thread.

:class:`IntervalTimerThreading` replaces the anchor's timer, which started a new
thread for every tick and could run a callback several times at once. Here one
daemon thread lives from :meth:`~IntervalTimerThreading.start` to
:meth:`~IntervalTimerThreading.stop` and calls the callback in a loop, so ticks
never overlap. All waiting is done on a :class:`threading.Condition`, so
``pause()``, ``resume()`` and ``stop()`` take effect at once instead of after the
rest of the interval.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

__all__ = ["IntervalTimerThreading"]

logger = logging.getLogger(__name__)


class IntervalTimerThreading:
    """Call a function every ``interval_s`` seconds on one dedicated thread.

    The interval is measured from the start of one tick to the start of the next.
    A tick that takes longer than the interval is followed by the next one right
    away (no burst of catch-up ticks, never two at once). ``interval_s=0`` runs
    the callback as fast as possible while still yielding the GIL between ticks.

    If the callback raises, the timer stops itself, keeps the exception in
    :attr:`error`, and :meth:`stop` re-raises it.

    Parameters
    ----------
    interval_s : float
        Seconds from the start of one tick to the start of the next; ``>= 0``.
    callback : Callable[[], object]
        Called with no arguments on the timer thread; its return value is ignored.
    name : str, optional
        Name of the timer thread, shown by debuggers and in logs.

    Raises
    ------
    ValueError
        If ``interval_s`` is negative or not finite.
    TypeError
        If ``callback`` is not callable.

    Examples
    --------
    >>> ticks = []
    >>> with IntervalTimerThreading(0.01, lambda: ticks.append(1)) as timer:
    ...     time.sleep(0.05)
    >>> timer.tick_count > 0
    True
    """

    def __init__(self, interval_s: float, callback: Callable[[], object], name: str = "helios-timer") -> None:
        interval_s = float(interval_s)
        if not math.isfinite(interval_s) or interval_s < 0.0:
            raise ValueError(
                f"IntervalTimerThreading: interval_s must be a finite number >= 0, got {interval_s!r}"
            )
        if not callable(callback):
            raise TypeError(
                f"IntervalTimerThreading: callback must be callable, got {type(callback).__name__}"
            )
        self._interval_s = interval_s
        self._callback = callback
        self._name = name
        self._condition = threading.Condition()
        # Everything below is guarded by self._condition.
        self._thread: threading.Thread | None = None
        self._stop_requested = False
        self._paused = False
        self._tick_now = False  # set by resume(): the next tick runs at once
        self._tick_count = 0
        self._error: BaseException | None = None
        self._error_reported = False

    # ------------------------------------------------------------------ properties
    @property
    def interval_s(self) -> float:
        """Seconds from the start of one tick to the start of the next."""
        return self._interval_s

    @property
    def name(self) -> str:
        """Name of the timer thread."""
        return self._name

    @property
    def is_running(self) -> bool:
        """True from :meth:`start` until :meth:`stop` or the callback's first error.

        A paused timer is still running (its thread is alive); see :attr:`is_paused`.
        """
        with self._condition:
            return self._thread is not None and self._thread.is_alive() and not self._stop_requested

    @property
    def is_paused(self) -> bool:
        """True between :meth:`pause` and :meth:`resume`."""
        with self._condition:
            return self._paused

    @property
    def tick_count(self) -> int:
        """Number of callback calls that have returned without raising."""
        with self._condition:
            return self._tick_count

    @property
    def error(self) -> BaseException | None:
        """The exception the callback raised, or None; it stopped the timer."""
        with self._condition:
            return self._error

    @property
    def thread(self) -> threading.Thread | None:
        """The timer thread, or None before :meth:`start`."""
        return self._thread

    # --------------------------------------------------------------------- control
    def start(self) -> None:
        """Start the timer thread; the first tick runs at once.

        Raises
        ------
        RuntimeError
            If the timer was already started (or stopped): a timer runs once.
        """
        with self._condition:
            if self._thread is not None or self._stop_requested:
                raise RuntimeError(
                    f"IntervalTimerThreading {self._name!r}: start() called twice; a timer runs once"
                )
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()
        logger.debug("timer %r started (interval_s=%g)", self._name, self._interval_s)

    def pause(self) -> None:
        """Stop ticking until :meth:`resume`; a tick in progress finishes first.

        Returns at once (it does not wait for a running tick), so it can be called
        from inside the callback.
        """
        with self._condition:
            self._paused = True
            self._condition.notify_all()

    def resume(self) -> None:
        """Resume ticking after :meth:`pause`; the next tick runs at once."""
        with self._condition:
            if self._paused:
                self._tick_now = True
            self._paused = False
            self._condition.notify_all()

    def stop(self, timeout_s: float = 2.0) -> None:
        """Stop the timer, wait for its thread to end, and re-raise a callback error.

        Works while paused and before :meth:`start`. Calling it again is harmless;
        a callback error is re-raised by the first call only. Called from inside
        the callback, it asks the thread to end after this tick and returns
        without waiting.

        Parameters
        ----------
        timeout_s : float, optional
            Longest wait for a tick in progress to finish.

        Raises
        ------
        TimeoutError
            If the thread is still running after ``timeout_s`` (a callback that
            does not return); the thread is asked to stop and will end after it.
        BaseException
            Whatever the callback raised, if it raised.
        """
        with self._condition:
            self._stop_requested = True
            self._condition.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
            if thread.is_alive():
                raise TimeoutError(
                    f"IntervalTimerThreading {self._name!r}: the timer thread did not end within "
                    f"{timeout_s:g} s; its callback is still running"
                )
        with self._condition:
            error = self._error
            if error is None or self._error_reported:
                return
            self._error_reported = True
        raise error

    # ------------------------------------------------------------ context manager
    def __enter__(self) -> Self:
        """Start the timer unless it is already started, and return it."""
        with self._condition:
            started = self._thread is not None
        if not started:
            self.start()
        return self

    def __exit__(
        self,
        exception_type: type[BaseException] | None,
        exception: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the timer; a callback error is raised unless another one is in flight."""
        stop_on_exit(self.stop, exception, f"timer {self._name!r}")

    def __repr__(self) -> str:
        return (
            f"IntervalTimerThreading(name={self._name!r}, interval_s={self._interval_s:g}, "
            f"running={self.is_running}, paused={self.is_paused}, ticks={self.tick_count})"
        )

    # ------------------------------------------------------------------ the thread
    def _wait_for_next_tick(self, next_tick_s: float) -> float | None:
        """Block until the next tick is due; return its start time, or None to end.

        Parameters
        ----------
        next_tick_s : float
            ``time.monotonic()`` value at which the next tick is due.
        """
        waited = False
        with self._condition:
            while True:
                if self._stop_requested:
                    return None
                if self._paused:
                    self._condition.wait()
                    waited = True
                    continue
                if self._tick_now:  # resumed (maybe before this thread even saw the pause)
                    self._tick_now = False
                    break
                remaining_s = next_tick_s - time.monotonic()
                if remaining_s <= 0.0:
                    break
                self._condition.wait(remaining_s)
                waited = True
        if not waited:
            time.sleep(0)  # interval 0 or an overrun: still let other threads have the GIL
        return time.monotonic()

    def _run(self) -> None:
        """Body of the timer thread: wait, tick, repeat until stopped or failed."""
        next_tick_s = time.monotonic()
        while True:
            tick_start_s = self._wait_for_next_tick(next_tick_s)
            if tick_start_s is None:
                break
            try:
                self._callback()
            except BaseException as error:  # noqa: BLE001 - kept for stop() to re-raise
                logger.error("timer %r: callback raised %r; the timer stops", self._name, error)
                with self._condition:
                    self._error = error
                    self._stop_requested = True
                    self._condition.notify_all()
                break
            with self._condition:
                self._tick_count += 1
            next_tick_s = tick_start_s + self._interval_s
        logger.debug("timer %r ended after %d ticks", self._name, self._tick_count)


def stop_on_exit(stop: Callable[[], None], exception: BaseException | None, owner: str) -> None:
    """``__exit__`` of a context manager that owns a thread: call ``stop``; if an exception is already
    in flight, it wins and an error from ``stop`` is only logged."""
    if exception is None:
        stop()
        return
    try:
        stop()
    except BaseException:
        logger.exception("%s: error while stopping during another exception", owner)
