"""Measures computed in the background of a live view: one thread, one job at a time, at low CPU priority.

:class:`MeasureRunner` owns the jobs: the queue, the running job and its progress, and what each finished
measure was computed with (its details and options). It knows nothing of the view: the session gives it
a callback for each result and one for each change the pages should hear of (a job queued, progress, the
end). The kernels release the GIL (numba ``nogil``) and the thread runs at a higher nice value, so the
render loop and the layout keep their pace while a measure runs.

A job is cancelled through its progress callback: the kernels call it between chunks of work, and it
raises :class:`MeasureCancelled` once the job is cancelled or the runner closed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from helios_app.errors import HeliosError
from helios_app.graph import Graph
from helios_app.graph.measures import MEASURES, MeasureGraph, MeasureResult, compute, measure_graph

logger = logging.getLogger(__name__)

STATISTICS = "statistics"  # the job that works out the graph's statistics
PROGRESS_INTERVAL_S = 0.25  # the pages hear of a running job's progress at most this often
BACKGROUND_NICE = 10  # how far the measure thread lowers its CPU priority (Linux nice)
OPTION_KINDS = {"samples": int, "seed": int, "resolution": float}  # the options a measure may be given


class MeasureCancelled(Exception):
    """Raised inside a job's progress callback once the job is cancelled."""


def check_options(name: str, options: dict[str, Any], where: str = "measure") -> dict[str, Any]:
    """Check a measure's name and options (what a page, Python or a session file gives); a HeliosError names
    what is wrong."""
    if name not in MEASURES:
        raise HeliosError(f"{where}: no measure {str(name)[:60]!r}; choose from {', '.join(MEASURES)}")
    checked = {}
    for option, value in options.items():
        kind = OPTION_KINDS.get(option)
        if kind is None:
            raise HeliosError(f"{where} {name}: no option {str(option)[:40]!r}; choose from {', '.join(OPTION_KINDS)}")
        low = 0 if option == "seed" else 1e-9
        if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int) or \
                not low <= value <= 2**31:
            adjective = "a non-negative" if option == "seed" else "a positive"
            raise HeliosError(f"{where} {name}: {option} must be {adjective} {kind.__name__}, got {str(value)[:40]}")
        checked[option] = kind(value)
    if "samples" in checked and name != "betweenness":
        raise HeliosError(f"{where} {name}: only betweenness takes samples")
    return checked


@dataclass
class Job:
    """One measure (or the statistics) of one graph."""

    name: str
    graph: Graph
    weight: str | None
    options: dict[str, Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: MeasureResult | dict[str, Any] | None = None
    error: BaseException | None = None
    cancelled: bool = False
    fraction: float = 0.0


class MeasureRunner:
    """Runs measure jobs one after another on a thread of its own.

    Parameters
    ----------
    on_result : callable
        ``on_result(job)`` on the runner's thread when a job finishes with a result.
    structure_of : callable, optional
        ``structure_of(graph, weight)``: the graph as the measures see it (default: built for each job; a view
        passes one that reuses it while the edges stay the same).
    on_change : callable
        ``on_change()`` when the queue, the running job's progress (at most every
        :data:`PROGRESS_INTERVAL_S`) or the finished measures change; reads :meth:`listing`.
    """

    def __init__(self, on_result: Callable[[Job], object], on_change: Callable[[], object],
                 structure_of: Callable[[Graph, str | None], MeasureGraph] | None = None) -> None:
        self._on_result = on_result
        self._on_change = on_change
        self._structure_of = structure_of or measure_graph
        self._condition = threading.Condition()
        self._queue: list[Job] = []
        self._running: Job | None = None
        self._closed = False
        self._thread: threading.Thread | None = None
        self.finished: dict[str, dict[str, Any]] = {}  # measure -> {"details": ..., "options": ...}, newest last

    def submit(self, graph: Graph, name: str, weight: str | None = "weight", **options: Any) -> Job:
        """Queue a measure (or :data:`STATISTICS`) of ``graph``; a queued job of the same name is replaced."""
        if name != STATISTICS:
            options = check_options(name, options)
        job = Job(name, graph, weight, options)
        with self._condition:
            if self._closed:
                raise HeliosError("the view is stopping; no measure can start")
            for waiting in [queued for queued in self._queue if queued.name == name]:
                waiting.cancelled = True
                waiting.done.set()
                self._queue.remove(waiting)
            self._queue.append(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="helios-measures", daemon=True)
                self._thread.start()
            self._condition.notify_all()
        self._on_change()
        return job

    def cancel(self, name: str | None = None) -> bool:
        """Cancel the jobs of ``name`` (all if None), queued or running; True if one was."""
        with self._condition:
            chosen = [job for job in [*self._queue, self._running] if job is not None and name in (None, job.name)]
            for job in chosen:
                job.cancelled = True
                if job in self._queue:
                    self._queue.remove(job)
                    job.done.set()
        if chosen:
            self._on_change()
        return bool(chosen)

    def listing(self) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """The measures computed (name, title, categorical, details) and the running one (name, fraction)."""
        with self._condition:
            running = self._running
            finished = dict(self.finished)
            waiting = [job.name for job in self._queue]
        measures = [{"name": name, "title": MEASURES[name].title, "categorical": MEASURES[name].categorical,
                     "details": entry["details"]} for name, entry in finished.items()]
        state = None
        if running is not None:
            state = {"name": running.name, "fraction": round(running.fraction, 3), "waiting": waiting}
        elif waiting:
            state = {"name": waiting[0], "fraction": 0.0, "waiting": waiting[1:]}
        return measures, state

    def close(self, timeout_s: float = 2.0) -> None:
        """Cancel every job and end the thread (a kernel stops at its next progress call)."""
        with self._condition:
            self._closed = True
            for job in [*self._queue, *([self._running] if self._running else [])]:
                job.cancelled = True
                job.done.set()
            self._queue.clear()
            self._condition.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)

    def _run(self) -> None:
        from layouts.worker import lower_thread_priority

        lower_thread_priority(BACKGROUND_NICE)
        while True:
            with self._condition:
                while not self._queue and not self._closed:
                    self._condition.wait()
                if self._closed:
                    return
                job = self._running = self._queue.pop(0)
            self._on_change()
            try:
                self._work(job)
            finally:
                with self._condition:
                    self._running = None
                job.done.set()
                self._on_change()

    def _work(self, job: Job) -> None:
        last_report = [time.monotonic()]

        def progress(fraction: float) -> None:
            if job.cancelled or self._closed:
                raise MeasureCancelled(job.name)
            job.fraction = min(max(float(fraction), 0.0), 1.0)
            now = time.monotonic()
            if now - last_report[0] >= PROGRESS_INTERVAL_S:
                last_report[0] = now
                self._on_change()

        started = time.perf_counter()
        try:
            if job.name == STATISTICS:
                from helios_app.graph.measures.statistics import graph_statistics

                job.result = graph_statistics(job.graph, job.weight, progress=progress)
            else:
                structure = self._structure_of(job.graph, job.weight)
                job.result = compute(structure, job.name, progress=progress, **job.options)
                details = {**job.result.details, "seconds": round(time.perf_counter() - started, 3)}
                job.result = MeasureResult(job.result.name, job.result.values, details)
        except MeasureCancelled:
            job.cancelled = True
            return
        except HeliosError as error:
            job.error = error
            logger.warning("measure %s: %s", job.name, error)
            return
        except Exception as error:  # a failing measure must not end the thread or the view
            job.error = error
            logger.exception("measure %s failed", job.name)
            return
        if job.cancelled:
            return
        if job.name != STATISTICS:
            with self._condition:
                self.finished.pop(job.name, None)
                self.finished[job.name] = {"details": job.result.details, "options": job.options}
        try:
            self._on_result(job)
        except Exception:
            logger.exception("showing measure %s failed", job.name)
