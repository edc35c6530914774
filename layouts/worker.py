"""The layout worker: steps a layout on a timer thread and publishes its positions.

:class:`LayoutWorker` owns the layout's arrays while it runs: one
:class:`~layouts.timer.IntervalTimerThreading` thread calls ``layout.step()``
and copies ``layout.positions`` into a :class:`~layouts.buffer.PositionBuffer`
after every step (a plain copy of n x d floats, cheap next to a step). When the
nodes have stopped moving it pauses itself ("settled") so an idle view costs no
CPU; :meth:`LayoutWorker.wake` starts it again.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

import numpy as np

from .buffer import PositionBuffer
from .timer import IntervalTimerThreading

__all__ = ["Layout", "LayoutState", "LayoutWorker"]

logger = logging.getLogger(__name__)

DEFAULT_SETTLE_TOLERANCE = 1e-3
"""Settled when the mean displacement per step is below this fraction of the layout size."""

DEFAULT_BACKGROUND_NICE = 10
"""How much the worker lowers its threads' CPU priority (Linux nice): interaction and rendering
come first, and the layout still gets every cycle they leave."""

DEFAULT_SETTLE_ITERATIONS = 20
"""... for this many consecutive steps (one quiet step can be a lull between oscillations)."""


class Layout(Protocol):
    """What the worker needs from a layout (``ForceDirectedLayout`` has it).

    Optional: ``iteration`` (int), ``ideal_edge_length`` (float, the smallest
    size used for the relative displacement, default 1) and ``reheat()``
    (called by :meth:`LayoutWorker.wake`).
    """

    @property
    def positions(self) -> np.ndarray: ...

    def step(self) -> float: ...


@dataclass(frozen=True)
class LayoutState:
    """A snapshot of a :class:`LayoutWorker`.

    Attributes
    ----------
    running : bool
        The worker is stepping (started, not settled, not stopped, no error).
    settled : bool
        The worker paused itself because the nodes stopped moving.
    iteration : int
        Layout iterations done so far.
    displacement : float
        Mean node displacement of the last step, in layout units (nan before one).
    version : int
        Buffer version of the last publish by this worker (0 before start).
    """

    running: bool
    settled: bool
    iteration: int
    displacement: float
    version: int = 0


class LayoutWorker:
    """Drive ``layout.step()`` from a timer thread and publish into a buffer.

    Parameters
    ----------
    layout : Layout
        Object with ``step() -> float`` (mean displacement) and ``positions``
        (``(n, d)`` array). The worker's thread is the only one that may touch it
        between :meth:`start` and :meth:`stop`.
    buffer : PositionBuffer
        Where positions are published; must have the layout's shape.
    interval_s : float, optional
        Seconds between the starts of two steps; 0 steps as fast as possible.
    settle_tolerance : float, optional
        The worker settles when the mean displacement divided by the layout size
        (diagonal of its bounding box, at least ``layout.ideal_edge_length``) stays
        below this for ``settle_iterations`` consecutive steps.
    settle_iterations : int, optional
        Consecutive quiet steps needed to settle.
    name : str, optional
        Name of the timer thread.
    background_nice : int, optional
        Nice increment for the worker thread (and the kernel threads it starts) on Linux, so
        that the view never waits for the layout; 0 leaves the priority alone.

    Raises
    ------
    ValueError
        If the buffer's shape does not match the layout's positions, or an option
        is out of range.
    """

    def __init__(
        self,
        layout: Layout,
        buffer: PositionBuffer,
        interval_s: float = 0.0,
        settle_tolerance: float = DEFAULT_SETTLE_TOLERANCE,
        settle_iterations: int = DEFAULT_SETTLE_ITERATIONS,
        name: str = "helios-layout",
        background_nice: int = DEFAULT_BACKGROUND_NICE,
    ) -> None:
        shape = np.shape(layout.positions)
        if shape != (buffer.node_count, buffer.dimensions):
            raise ValueError(
                f"LayoutWorker: the layout's positions have shape {shape} but the buffer holds "
                f"({buffer.node_count}, {buffer.dimensions}); create the buffer with the layout's sizes"
            )
        if not (settle_tolerance >= 0.0 and math.isfinite(settle_tolerance)):
            raise ValueError(
                f"LayoutWorker: settle_tolerance must be finite and >= 0, got {settle_tolerance!r}"
            )
        if settle_iterations < 1:
            raise ValueError(f"LayoutWorker: settle_iterations must be >= 1, got {settle_iterations!r}")
        self._layout = layout
        self._buffer = buffer
        self._settle_tolerance = float(settle_tolerance)
        self._settle_iterations = int(settle_iterations)
        self._minimum_size = float(getattr(layout, "ideal_edge_length", 1.0))
        self._timer = IntervalTimerThreading(interval_s, self._tick, name=name)
        self._background_nice = int(background_nice)
        self._priority_lowered = False
        self._lock = threading.Lock()  # guards the fields below
        self._settled = False
        self._quiet_steps = 0
        self._steps = 0
        self._displacement = math.nan
        self._version = 0

    # ------------------------------------------------------------------ properties
    @property
    def layout(self) -> Layout:
        """The layout being driven."""
        return self._layout

    @property
    def buffer(self) -> PositionBuffer:
        """The buffer positions are published to."""
        return self._buffer

    @property
    def timer(self) -> IntervalTimerThreading:
        """The timer whose thread runs the steps."""
        return self._timer

    @property
    def state(self) -> LayoutState:
        """A consistent snapshot: running, settled, iteration, displacement, version."""
        running = self._timer.is_running
        paused = self._timer.is_paused
        with self._lock:
            iteration = getattr(self._layout, "iteration", self._steps)
            return LayoutState(
                running=running and not paused and not self._settled,
                settled=self._settled,
                iteration=int(iteration),
                displacement=self._displacement,
                version=self._version,
            )

    # --------------------------------------------------------------------- control
    def start(self) -> None:
        """Publish the current positions once, then start stepping.

        Raises
        ------
        RuntimeError
            If the worker was already started.
        """
        if self._timer.thread is not None:
            raise RuntimeError("LayoutWorker: start() called twice; a worker runs once")
        version = self._buffer.publish(self._layout.positions)
        with self._lock:
            self._version = version
        self._timer.start()
        logger.debug("layout worker started (first version %d)", version)

    def wake(self) -> None:
        """Leave the settled state and step again; reheats the layout if it can.

        Harmless when the worker is already running.
        """
        with self._lock:
            was_settled = self._settled
            self._settled = False
            self._quiet_steps = 0
            if was_settled:
                reheat = getattr(self._layout, "reheat", None)
                if callable(reheat):
                    reheat()  # safe: the timer is paused, so the layout is not stepping
            self._timer.resume()
        if was_settled:
            logger.debug("layout worker woken")

    def stop(self, timeout_s: float = 2.0) -> None:
        """Stop stepping and join the thread; re-raise an error from ``layout.step()``.

        Parameters
        ----------
        timeout_s : float, optional
            Longest wait for a step in progress.

        Raises
        ------
        TimeoutError
            If the step in progress does not end within ``timeout_s``.
        BaseException
            Whatever ``layout.step()`` (or publishing) raised.
        """
        self._timer.stop(timeout_s)

    def __enter__(self) -> LayoutWorker:
        if self._timer.thread is None:
            self.start()
        return self

    def __exit__(
        self,
        exception_type: type[BaseException] | None,
        exception: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exception is None:
            self.stop()
            return
        try:
            self.stop()
        except BaseException:
            logger.exception("layout worker: error while stopping during another exception")

    def __repr__(self) -> str:
        return f"LayoutWorker({self.state})"

    # ------------------------------------------------------------------ the thread
    def _tick(self) -> None:
        """One timer tick: step, publish, and settle if the nodes stopped moving."""
        if not self._priority_lowered:
            self._priority_lowered = True
            lower_thread_priority(self._background_nice)
        displacement = float(self._layout.step())
        positions = self._layout.positions
        version = self._buffer.publish(positions)
        if len(positions):
            size = float(np.linalg.norm(np.max(positions, axis=0) - np.min(positions, axis=0)))
        else:
            size = 0.0
        relative_displacement = displacement / max(size, self._minimum_size)
        with self._lock:
            self._steps += 1
            self._displacement = displacement
            self._version = version
            if relative_displacement < self._settle_tolerance:
                self._quiet_steps += 1
            else:
                self._quiet_steps = 0
            if self._quiet_steps >= self._settle_iterations and not self._settled:
                self._settled = True
                self._timer.pause()
                logger.debug(
                    "layout settled after %d steps (relative displacement %.2g)",
                    self._steps,
                    relative_displacement,
                )


def lower_thread_priority(increment: int) -> bool:
    """Raise the calling thread's nice value by ``increment`` (Linux only; threads it creates inherit it).

    Returns True if the priority was changed.
    """
    if increment <= 0 or sys.platform != "linux":
        return False
    thread_id = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread_id)
        os.setpriority(os.PRIO_PROCESS, thread_id, min(19, current + increment))
    except OSError as error:
        logger.debug("could not lower the layout thread's priority: %s", error)
        return False
    return True
