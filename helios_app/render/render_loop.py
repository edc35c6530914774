"""The render loop: one thread that owns the scene, applies input, follows the layout, publishes frames.

Each tick drains the interaction queue, reads the newest layout positions if their version
changed (never waiting for the layout), and renders only when something changed. An idle view
wakes a few times a second to look at one integer and costs about nothing.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Protocol

import numpy as np

logger = logging.getLogger(__name__)

QUEUE_FULL_LOG_INTERVAL_S = 10.0

LAYOUT_RENDER_RATIO = 6.0
"""When only the layout moved, wait this many times the last frame's render time before the next
frame: following the layout then takes at most about a sixth of the time (and of the cores,
which llvmpipe uses all of while rendering), so the layout keeps most of the machine. Input,
camera flights and the first frame are rendered at once, up to ``max_fps``."""


class PositionSource(Protocol):
    """What the loop reads positions from (a ``layouts.PositionBuffer``)."""

    @property
    def version(self) -> int: ...

    def read_latest(self, out: np.ndarray | None = None) -> tuple[int, np.ndarray]: ...


class Scene(Protocol):
    node_count: int

    def set_positions(self, positions: np.ndarray) -> None: ...

    def apply_event(self, event: dict) -> bool: ...

    def needs_render(self) -> bool: ...

    def take_notices(self) -> list[dict]: ...

    def camera_state(self) -> dict: ...

    def render(self) -> np.ndarray: ...

    def close(self) -> None: ...


class RenderLoop:
    """Runs a scene on a dedicated thread.

    Parameters
    ----------
    scene_factory : callable
        Builds the scene; called on the render thread, which then owns every VTK object.
    positions : PositionSource
        The layout's published positions.
    publish_frame : callable
        Receives each rendered (height, width, 3) uint8 picture, e.g. ``LatestFrameSlot.publish``.
    max_fps : float
        Upper bound on renders per second.
    event_capacity : int
        Size of the bounded interaction queue; events beyond it are dropped and counted.
    on_notice : callable, optional
        Receives each notice of the scene (selection, pin, release), on the render thread.
    on_failure : callable, optional
        Called once, on the render thread, with the error that stopped the loop (not an error in
        one event: such an event is logged once per kind, dropped, and the loop goes on).
    """

    def __init__(
        self,
        scene_factory: Callable[[], Scene],
        positions: PositionSource,
        publish_frame: Callable[[np.ndarray], object],
        max_fps: float = 30.0,
        event_capacity: int = 1024,
        on_notice: Callable[[dict], object] | None = None,
        on_failure: Callable[[BaseException], object] | None = None,
    ) -> None:
        self._on_notice = on_notice
        self._on_failure = on_failure
        self._scene_factory = scene_factory
        self._positions = positions
        self._publish_frame = publish_frame
        self._min_interval_s = 1.0 / max_fps
        self._events: queue.Queue[dict] = queue.Queue(maxsize=event_capacity)
        self._edits: queue.SimpleQueue[Callable[[Scene], object]] = queue.SimpleQueue()
        self._replacement_positions: PositionSource | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.frames_rendered = 0
        self.camera_state: dict | None = None  # a snapshot after each render, for other threads
        self._frame_times_s: list[float] = []
        self.events_applied = 0
        self.events_dropped = 0
        self.events_failed = 0
        self._failures_logged: set[tuple[str, str]] = set()
        self._last_queue_full_log_s = -QUEUE_FULL_LOG_INTERVAL_S

    def start(self, timeout_s: float | None = 30.0) -> None:
        """Start the thread and wait until the scene exists (raises its construction error); with
        ``timeout_s=None`` return at once and call :meth:`wait_until_ready` later."""
        if self._thread is not None:
            raise RuntimeError("render loop already started")
        self._thread = threading.Thread(target=self._run, name="helios-render", daemon=True)
        self._thread.start()
        if timeout_s is not None:
            self.wait_until_ready(timeout_s)

    def wait_until_ready(self, timeout_s: float = 30.0) -> None:
        """Wait until the scene exists; raise its construction error."""
        if not self._ready.wait(timeout_s):
            raise TimeoutError(f"the scene was not ready within {timeout_s} s")
        if self.error is not None:
            raise self.error

    def submit_event(self, event: dict) -> None:
        """Queue an interaction message for the next tick; never blocks (drops when full)."""
        try:
            self._events.put_nowait(event)
        except queue.Full:
            self.events_dropped += 1
            now = time.monotonic()
            if now - self._last_queue_full_log_s >= QUEUE_FULL_LOG_INTERVAL_S:
                self._last_queue_full_log_s = now
                logger.warning("interaction queue full; dropped %d events so far", self.events_dropped)
        self._wake.set()

    def edit(self, function: Callable[[Scene], object]) -> None:
        """Run ``function(scene)`` on the render thread before the next frame (a new graph, colours,
        a camera); an error in it is logged and costs only that edit."""
        self._edits.put(function)
        self._wake.set()

    def replace_positions(self, positions: PositionSource) -> None:
        """Read positions from another source from the next tick on (the layout worker made a new
        buffer for an edited graph); any thread."""
        self._replacement_positions = positions
        self._wake.set()

    @property
    def frames_per_second(self) -> float:
        """Frames rendered in the last second."""
        now = time.monotonic()
        return float(sum(1 for t in self._frame_times_s if t > now - 1.0))

    def request_render(self) -> None:
        """Ask for a new frame even if nothing changed (e.g. a new viewer wants a fresh key frame)."""
        self.submit_event({"type": "render"})

    def _run(self) -> None:
        try:
            scene = self._scene_factory()
        except BaseException as error:  # noqa: BLE001 - handed to start()
            self.error = error
            self._ready.set()
            return
        self._ready.set()
        positions: np.ndarray | None = None
        shown_version = -1
        last_render_s = -1.0
        render_cost_s = 0.0
        force_render = True
        try:
            while not self._stopping.is_set():
                wait_s = last_render_s + self._min_interval_s - time.monotonic()
                if wait_s > 0 and self._stopping.wait(wait_s):
                    break
                changed = scene.needs_render() or force_render
                force_render = False
                if self._replacement_positions is not None:
                    self._positions, self._replacement_positions = self._replacement_positions, None
                    shown_version, positions = -1, None
                if self._apply_edits(scene):
                    changed, shown_version = True, -1
                for event in self._take_events():
                    self.events_applied += 1
                    changed = self._apply(scene, event) or changed
                for notice in scene.take_notices():
                    if self._on_notice is not None:
                        try:
                            self._on_notice(notice)
                        except Exception:  # a failing listener must not stop the view
                            logger.exception("handling the scene notice %s failed", notice.get("type"))
                layout_due_s = last_render_s + max(self._min_interval_s, render_cost_s * LAYOUT_RENDER_RATIO)
                if self._positions.version != shown_version and (changed or time.monotonic() >= layout_due_s):
                    version, latest = self._positions.read_latest(positions)
                    if len(latest) == scene.node_count:
                        shown_version, positions = version, latest
                        if version > 0:
                            scene.set_positions(positions)
                            changed = True
                    else:  # the scene shows an edited graph whose positions are not published yet
                        changed = False
                        positions = None
                if not changed or shown_version <= 0 and self.frames_rendered == 0:
                    # (no frame before the layout's first positions: it would show every node at 0)
                    self._wake.wait(min(self._min_interval_s, max(layout_due_s - time.monotonic(), 0.001)))
                    self._wake.clear()
                    continue
                last_render_s = time.monotonic()
                self._publish_frame(scene.render())
                render_cost_s = time.monotonic() - last_render_s
                self.camera_state = scene.camera_state()
                self.frames_rendered += 1
                self._frame_times_s = [t for t in self._frame_times_s if t > last_render_s - 1.0] + [last_render_s]
        except BaseException as error:  # re-raised by stop()
            logger.exception("render loop failed")
            self.error = error
            if self._on_failure is not None:
                self._on_failure(error)
        finally:
            scene.close()

    def _apply_edits(self, scene: Scene) -> bool:
        applied = False
        while True:
            try:
                function = self._edits.get_nowait()
            except queue.Empty:
                return applied
            applied = True
            try:
                function(scene)
            except Exception:  # a failed edit must not stop the view
                logger.exception("a scene edit failed; dropped it")

    def _take_events(self) -> list[dict]:
        """Everything queued, oldest first, keeping only the newest hover of each viewer."""
        events = []
        while True:
            try:
                events.append(self._events.get_nowait())
            except queue.Empty:
                break
        newest_hover = {event.get("viewer_id"): index for index, event in enumerate(events) if event["type"] == "hover"}
        return [
            event for index, event in enumerate(events)
            if event["type"] != "hover" or newest_hover[event.get("viewer_id")] == index
        ]

    def _apply(self, scene: Scene, event: dict) -> bool:
        """Apply one event; an error in it is logged once per kind and costs only that event."""
        try:
            return scene.apply_event(event) or event["type"] == "render"
        except Exception as error:  # one bad event must not stop the view
            self.events_failed += 1
            kind = (str(event.get("type")), type(error).__name__)
            if kind not in self._failures_logged:
                self._failures_logged.add(kind)
                logger.exception("a %s event failed (%s); dropped it and any like it", *kind)
            return True

    def stop(self, timeout_s: float = 2.0) -> None:
        """Stop the thread, release the scene, and re-raise an error the loop hit."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                raise TimeoutError(f"render loop did not stop within {timeout_s} s")
        if self.error is not None:
            error, self.error = self.error, None
            raise error
