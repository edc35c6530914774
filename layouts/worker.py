"""The layout worker: steps a layout on a timer thread and publishes its positions.

:class:`LayoutWorker` owns the layout's arrays while it runs: one
:class:`~layouts.timer.IntervalTimerThreading` thread calls ``layout.step()``
and copies ``layout.positions`` into a :class:`~layouts.buffer.PositionBuffer`
after every step (a plain copy of n x d floats, cheap next to a step). When the
nodes have stopped moving it pauses itself ("settled") so an idle view costs no
CPU; :meth:`LayoutWorker.wake` starts it again.

Changes from other threads (pins, parameters, graph edits) are queued by
:meth:`LayoutWorker.pin`, :meth:`~LayoutWorker.set_parameters`, :meth:`~LayoutWorker.edit`
and friends, applied on the worker thread between two steps (the layout is never
touched by two threads), and wake a settled worker. A graph edit that changes the
node count publishes into a new :class:`~layouts.buffer.PositionBuffer` of the new
size: the worker creates it, exposes it as :attr:`LayoutWorker.buffer` and tells
``on_buffer_replaced``; buffers it created are closed by :meth:`LayoutWorker.stop`.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import math
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self

import numpy as np

from .buffer import PositionBuffer
from .timer import IntervalTimerThreading, stop_on_exit

__all__ = ["Layout", "LayoutState", "LayoutWorker", "SettleDetector", "let_idle_kernel_threads_sleep"]

logger = logging.getLogger(__name__)

KEPT_OLD_BUFFERS = 3  # position buffers a resize leaves open for readers still switching

def let_idle_kernel_threads_sleep() -> None:
    """Make the layout kernels' OpenMP threads sleep, not spin, while they wait for work.

    numba runs our parallel kernels on libgomp, whose threads spin for a while after each parallel
    loop (300,000 turns by default) before they sleep. Where the layout has the cores to itself
    (``helios layout``, ``run_layout``) the spinning saves wake-ups: sleeping there made power.gml's
    FA2 3.5x slower. Where a layout runs beside rendering, encoding and a browser on the same cores
    (a live view), a spinning thread burns the core the picture needs, and each parallel loop's
    barrier waits for a thread the system has put aside. Measured on power.gml while a page drags a
    node (2 cores, one Chromium page, 25 frames/s either way): the server's CPU 125-132 % -> 98 % of a
    core, and the layout 35 -> 220 iterations/s. libgomp reads the policy once, when it loads (at the
    first parallel kernel of the process), so a view calls this before its layout's first step; a
    policy the user set is kept.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

DEFAULT_SETTLE_TOLERANCE = 1e-3
"""Settled when the mean displacement per step is below this fraction of the layout size."""

DEFAULT_BACKGROUND_NICE = 10
"""How much the worker lowers its threads' CPU priority (Linux nice): interaction and rendering
come first, and the layout still gets every cycle they leave."""

DEFAULT_SETTLE_ITERATIONS = 20
"""... for this many consecutive steps (one quiet step can be a lull between oscillations)."""


class Layout(Protocol):
    """What the worker needs from a layout (``ForceDirectedLayout`` and ``ForceAtlas2`` have it).

    Optional: ``iteration`` (int), ``ideal_edge_length`` (float, the smallest
    size used for the relative displacement, default 1), ``reheat()``
    (called by :meth:`LayoutWorker.wake`), ``energy`` (float), ``can_settle``
    (bool, False while the layout runs a schedule that must not be cut short,
    e.g. coarse multilevel levels), and the editing methods the worker forwards
    (``pin``, ``unpin``, ``set_pins``, ``set_parameters``, ``update_graph``,
    ``add_nodes``, ``remove_nodes``, ``add_edges``, ``remove_edges``).
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
    energy : float
        The layout's energy after the last step (sum of squared net forces; nan if unknown).
    """

    running: bool
    settled: bool
    iteration: int
    displacement: float
    version: int = 0
    energy: float = math.nan


class SettleDetector:
    """Decides when a layout has settled: it moves less than a fraction of its size for a while.

    Parameters
    ----------
    tolerance : float
        Settled when the mean displacement divided by the layout size (diagonal of its
        bounding box, at least ``minimum_size``) stays below this ...
    iterations : int
        ... for this many consecutive steps (one quiet step can be a lull between oscillations).
    minimum_size : float
        Smallest layout size used (a layout of one node has size 0).
    """

    def __init__(
        self,
        tolerance: float = DEFAULT_SETTLE_TOLERANCE,
        iterations: int = DEFAULT_SETTLE_ITERATIONS,
        minimum_size: float = 1.0,
    ) -> None:
        if not (tolerance >= 0.0 and math.isfinite(tolerance)):
            raise ValueError(f"SettleDetector: tolerance must be finite and >= 0, got {tolerance!r}")
        if iterations < 1:
            raise ValueError(f"SettleDetector: iterations must be >= 1, got {iterations!r}")
        self.tolerance = float(tolerance)
        self.iterations = int(iterations)
        self.minimum_size = float(minimum_size)
        self.quiet_steps = 0
        self.relative_displacement = math.nan

    def reset(self) -> None:
        """Forget the quiet steps seen so far (after a change)."""
        self.quiet_steps = 0

    def update(self, displacement: float, positions: np.ndarray, can_settle: bool = True) -> bool:
        """Record one step; return True if the layout counts as settled now.

        Parameters
        ----------
        displacement : float
            Mean node displacement of the step.
        positions : numpy.ndarray
            ``(n, d)`` positions after the step.
        can_settle : bool, optional
            False while the layout must not be stopped (its quiet steps do not count).
        """
        if not can_settle:
            self.quiet_steps = 0
            return False
        if len(positions):
            size = float(np.linalg.norm(np.max(positions, axis=0) - np.min(positions, axis=0)))
        else:
            size = 0.0
        self.relative_displacement = displacement / max(size, self.minimum_size)
        if self.relative_displacement < self.tolerance:
            self.quiet_steps += 1
        else:
            self.quiet_steps = 0
        return self.quiet_steps >= self.iterations


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
    on_buffer_replaced : callable, optional
        Called on the worker thread with the new buffer when a graph edit changed the node
        count (readers must switch to it); the old buffer stays open until :meth:`stop`.

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
        on_buffer_replaced: Callable[[PositionBuffer], object] | None = None,
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
        self._settle = SettleDetector(
            settle_tolerance, settle_iterations, float(getattr(layout, "ideal_edge_length", 1.0))
        )
        self._on_buffer_replaced = on_buffer_replaced
        self._created_buffers: list[PositionBuffer] = []
        self._commands: collections.deque[tuple[str, tuple, dict]] = collections.deque()
        self._timer = IntervalTimerThreading(interval_s, self._tick, name=name)
        self._background_nice = int(background_nice)
        self._priority_lowered = False
        self._lock = threading.Lock()  # guards the fields below
        self._settled = False
        self._steps = 0
        self._displacement = math.nan
        self._energy = math.nan
        self._version = 0
        self._pinned = np.zeros(0, dtype=np.int64)
        self._parameters = getattr(layout, "parameters", None)
        self._paused_by_user = False
        self._reheat_pending = False

    # ------------------------------------------------------------------ properties
    @property
    def layout(self) -> Layout:
        """The layout being driven."""
        return self._layout

    @property
    def buffer(self) -> PositionBuffer:
        """The buffer positions are published to (a new one after an edit changed the node count)."""
        with self._lock:
            return self._buffer

    @property
    def pinned(self) -> np.ndarray:
        """Indices of the pinned nodes as of the last change (a copy; any thread)."""
        with self._lock:
            return self._pinned.copy()

    @property
    def parameters(self) -> Any:
        """The layout's parameters (a frozen dataclass) as of the last change; any thread."""
        with self._lock:
            return self._parameters

    @property
    def paused(self) -> bool:
        """True between :meth:`pause` and :meth:`resume`."""
        return self._paused_by_user

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
                energy=self._energy,
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
            self._pinned = np.flatnonzero(getattr(self._layout, "pinned", np.zeros(0, dtype=bool)))
        self._timer.start()
        logger.debug("layout worker started (first version %d)", version)

    def pause(self) -> None:
        """Stop stepping until :meth:`resume` (changes are still applied, between no steps)."""
        with self._lock:
            self._paused_by_user = True
            self._timer.pause()

    def resume(self) -> None:
        """Step again after :meth:`pause`."""
        with self._lock:
            self._paused_by_user = False
        self.wake()

    def restart(self, seed: int | None = None) -> None:
        """Lay the graph out again from new random positions (``seed``, default the layout's own),
        with the same parameters and pins, on the worker thread."""

        def restart(layout: Any) -> None:
            parameters = layout.parameters
            fresh = type(layout)(
                layout.edges, layout.node_count, dimensions=layout.dimensions,
                seed=layout.seed if seed is None else int(seed), weights=layout.weights,
                **{field.name: getattr(parameters, field.name) for field in dataclasses.fields(parameters)},
            )
            pins = np.flatnonzero(layout.pinned)
            if len(pins):
                fresh.set_pins(pins, layout.positions[pins])
            with self._lock:
                self._layout = fresh

        self.edit(restart)

    def wake(self) -> None:
        """Leave the settled state and step again; reheats the layout if it can.

        Harmless when the worker is already running; a worker paused with :meth:`pause` stays paused.
        """
        with self._lock:
            if self._paused_by_user:
                self._settle.reset()
                return
            was_settled = self._settled
            self._settled = False
            self._settle.reset()
            if was_settled:
                self._reheat_pending = True  # done by the worker thread before its next step
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
        try:
            self._timer.stop(timeout_s)
        finally:
            if self._timer.thread is None or not self._timer.thread.is_alive():
                for buffer in self._created_buffers:
                    buffer.close()
                self._created_buffers.clear()

    # ------------------------------------------------------------ changes while running
    def pin(self, indices: Any, positions: Any = None) -> None:
        """Pin nodes (optionally moving them there first), on the worker thread; wakes the worker."""
        self._submit("pin", indices, positions)

    def unpin(self, indices: Any = None) -> None:
        """Free pinned nodes (all if None), on the worker thread; wakes the worker."""
        self._submit("unpin", indices)

    def set_pins(self, indices: Any, positions: Any = None) -> None:
        """Replace the pinned set, on the worker thread; wakes the worker."""
        self._submit("set_pins", indices, positions)

    def set_parameters(self, **changes: Any) -> None:
        """Change layout parameters, on the worker thread; wakes the worker.

        The values are checked here first, so a bad one raises in the caller's thread.
        """
        check = getattr(type(self._layout), "check_parameters", None)
        if callable(check):
            check(changes, self.parameters)
        self._submit("set_parameters", **changes)

    def update_graph(
        self, edges: Any, node_count: int | None = None, weights: Any = None, positions: Any = None
    ) -> None:
        """Replace the graph (see ``ForceLayout.update_graph``), on the worker thread; wakes the worker."""
        self._submit("update_graph", edges, node_count, weights, positions)

    def add_nodes(self, count: int, positions: Any = None) -> None:
        """Append nodes (indices ``node_count ..``), on the worker thread; wakes the worker."""
        self._submit("add_nodes", count, positions)

    def remove_nodes(self, indices: Any) -> None:
        """Remove nodes and their edges (later nodes shift down), on the worker thread; wakes the worker."""
        self._submit("remove_nodes", indices)

    def add_edges(self, edges: Any, weights: Any = None) -> None:
        """Add edges, on the worker thread; wakes the worker."""
        self._submit("add_edges", edges, weights)

    def remove_edges(self, edges: Any) -> None:
        """Remove edges, on the worker thread; wakes the worker."""
        self._submit("remove_edges", edges)

    def edit(self, function: Callable[[Layout], object]) -> None:
        """Run ``function(layout)`` on the worker thread between two steps; wakes the worker."""
        self._submit("__call__", function)

    def _submit(self, method: str, *arguments: Any, **keywords: Any) -> None:
        """Queue a change for the worker thread (a rejected one is logged there, not raised)."""
        self._commands.append((method, arguments, keywords))
        if self._timer.thread is None:  # not started: apply now, nobody else touches the layout
            self._apply_commands()
        elif self._paused_by_user:
            self._timer.resume()  # one tick applies it, publishes, and pauses again without a step
        else:
            self.wake()

    def _take_commands(self) -> list[tuple[str, tuple, dict]]:
        """The queued commands, each run of plain growth (``add_nodes`` without positions, ``add_edges``
        without weights) merged into one: a burst of small edits costs the layout one rebuild, not one
        per edit. New nodes only append, so the run's edges may name any node the run adds."""
        commands: list[tuple[str, tuple, dict]] = []
        while self._commands:
            method, arguments, keywords = self._commands.popleft()
            plain = len(arguments) == 1 or (len(arguments) == 2 and arguments[1] is None)  # no positions, weights
            if method in ("add_nodes", "add_edges") and not keywords and plain:
                if not commands or commands[-1][0] != "__grow__":
                    commands.append(("__grow__", (0, np.zeros((0, 2), dtype=np.int64)), {}))
                count, edges = commands[-1][1]
                if method == "add_nodes":
                    count += int(arguments[0])
                else:
                    edges = np.concatenate([edges, np.asarray(arguments[0], dtype=np.int64).reshape(-1, 2)])
                commands[-1] = ("__grow__", (count, edges), {})
            else:
                commands.append((method, arguments, keywords))
        return commands

    def _apply_commands(self) -> None:
        """Run queued changes (worker thread, or before start); publish into a new buffer if resized."""
        applied = False
        for method, arguments, keywords in self._take_commands():
            try:
                if method == "__call__":
                    arguments[0](self._layout)
                elif method == "__grow__":
                    count, edges = arguments
                    if count:
                        self._layout.add_nodes(count)
                    if len(edges):
                        self._layout.add_edges(edges)
                else:
                    getattr(self._layout, method)(*arguments, **keywords)
            except (ValueError, TypeError, IndexError) as error:
                # A stale or malformed request (e.g. a node removed meanwhile) must not stop the layout.
                logger.error("layout worker: %s(...) rejected: %s", method, error)
            applied = True
        if not applied:
            return
        self._settle.reset()
        with self._lock:
            self._pinned = np.flatnonzero(getattr(self._layout, "pinned", np.zeros(0, dtype=bool)))
            self._parameters = getattr(self._layout, "parameters", None)
        shape = np.shape(self._layout.positions)
        if shape != (self._buffer.node_count, self._buffer.dimensions):
            buffer = PositionBuffer(shape[0], shape[1])
            self._created_buffers.append(buffer)
            # Readers move to a new buffer within a frame of being told; one several resizes old is read by
            # no one, and keeping every one would grow shared memory with each undo and redo of an edit.
            while len(self._created_buffers) > KEPT_OLD_BUFFERS + 1:
                self._created_buffers.pop(0).close()
            version = buffer.publish(self._layout.positions)
            with self._lock:
                self._buffer = buffer
                self._version = version
            logger.debug(
                "layout worker: graph now has %d nodes; new position buffer %s", shape[0], buffer.name
            )
            if self._on_buffer_replaced is not None:
                self._on_buffer_replaced(buffer)

    def __enter__(self) -> Self:
        if self._timer.thread is None:
            self.start()
        return self

    def __exit__(
        self,
        exception_type: type[BaseException] | None,
        exception: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        stop_on_exit(self.stop, exception, "layout worker")

    def __repr__(self) -> str:
        return f"LayoutWorker({self.state})"

    # ------------------------------------------------------------------ the thread
    def _tick(self) -> None:
        """One timer tick: step, publish, and settle if the nodes stopped moving."""
        if not self._priority_lowered:
            self._priority_lowered = True
            lower_thread_priority(self._background_nice)
        self._apply_commands()
        if self._paused_by_user:  # woken only to apply changes: show them, do not step
            version = self._buffer.publish(self._layout.positions)
            with self._lock:
                self._version = version
                if self._paused_by_user and not self._commands:
                    self._timer.pause()
            return
        if self._reheat_pending:
            self._reheat_pending = False
            reheat = getattr(self._layout, "reheat", None)
            if callable(reheat):
                reheat()
        displacement = float(self._layout.step())
        positions = self._layout.positions
        version = self._buffer.publish(positions)
        can_settle = bool(getattr(self._layout, "can_settle", True))
        settled = self._settle.update(displacement, positions, can_settle)
        with self._lock:
            self._steps += 1
            self._displacement = displacement
            self._energy = float(getattr(self._layout, "energy", math.nan))
            self._version = version
            if settled and not self._settled and not self._commands:
                self._settled = True
                self._timer.pause()
                logger.debug(
                    "layout settled after %d steps (relative displacement %.2g)",
                    self._steps,
                    self._settle.relative_displacement,
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
