"""Crash-safe views: a running view saves its session every few seconds while something changed, and a
later ``helios view GRAPH --resume`` (or ``show(graph, resume=True)``) starts from it.

Where: one file per graph in a per-user state directory (``$HELIOS_STATE_DIR``, else
``$XDG_STATE_HOME/helios``, else ``~/.local/state/helios``), under ``sessions/``, named by the graph's
fingerprint (:func:`helios_app.graph.graph_fingerprint` of the graph as read from its file), so the same
graph file finds its session again wherever it lies. Each save is atomic (written, flushed to disk,
renamed: :func:`helios_app.io.writers.write_atomically`), so a kill at any moment leaves the previous save or
the new one. What is lost is at most the last interval.

How often: every :data:`AUTOSAVE_INTERVAL_S` seconds at most, and only when something changed. What people
did (an action, the camera) is saved within that interval; the layout's positions alone, which change every
step while it runs, are saved once it settles and otherwise every :data:`POSITIONS_INTERVAL_S` (a resumed view
lays out again from there). A large graph's save takes longer, and the interval grows to keep saving under
:data:`MAX_SAVE_SHARE` of one core.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from helios_app.errors import HeliosError
from layouts.timer import IntervalTimerThreading

logger = logging.getLogger(__name__)

__all__ = ["AUTOSAVE_INTERVAL_S", "Autosaver", "SavedSession", "autosave_path", "list_sessions", "state_directory"]

AUTOSAVE_INTERVAL_S = 2.0
POSITIONS_INTERVAL_S = 30.0
MAX_SAVE_SHARE = 0.1  # of one core: a save of 0.5 s waits 5 s before the next
SESSION_SUFFIX = ".helios.json"
HEADER_BYTES = 4096  # what `helios sessions` reads of each file: the fields before the positions


def state_directory() -> Path:
    """The per-user folder for Helios's state (created on first use, readable by its owner only)."""
    explicit = os.environ.get("HELIOS_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "helios"


def autosave_path(fingerprint: str) -> Path:
    """The autosave file of the graph whose fingerprint is ``fingerprint`` (``sha256:...``)."""
    digest = fingerprint.rpartition(":")[2]
    if not digest or not all(character in "0123456789abcdef" for character in digest):
        raise HeliosError(f"not a graph fingerprint: {fingerprint!r}")
    return state_directory() / "sessions" / f"{digest[:32]}{SESSION_SUFFIX}"


@dataclass(frozen=True)
class SavedSession:
    """What ``helios sessions`` lists of one autosaved view."""

    path: Path
    source: str
    node_count: int
    edge_count: int
    saved_at: float
    size_bytes: int


def list_sessions() -> list[SavedSession]:
    """The autosaved views that can be resumed, newest first (unreadable files are left out, logged)."""
    folder = state_directory() / "sessions"
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob(f"*{SESSION_SUFFIX}"):
        try:
            graph = _header_fields(path)
            found.append(SavedSession(path, str(graph.get("source", "")), int(graph.get("node_count", 0)),
                                      int(graph.get("edge_count", 0)), float(graph.get("saved_at", 0.0)),
                                      path.stat().st_size))
        except (OSError, ValueError, TypeError) as error:
            logger.warning("%s: not a readable session (%s)", path, error)
    return sorted(found, key=lambda session: session.saved_at, reverse=True)


def _header_fields(path: Path) -> dict:
    """The ``graph`` object and ``saved_at`` of a session file, read from its head (the positions come later:
    the writer puts them after the small fields)."""
    with open(path, "rb") as stream:
        head = stream.read(HEADER_BYTES).decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    fields: dict = {}
    for name in ("saved_at", "graph"):
        key = f'"{name}": '
        at = head.find(key)
        if at < 0:
            raise ValueError(f"no {name} in the first {HEADER_BYTES} bytes")
        value, _ = decoder.raw_decode(head, at + len(key))
        fields[name] = value
    if not isinstance(fields["graph"], dict):
        raise TypeError("graph is not an object")
    return {**fields["graph"], "saved_at": fields["saved_at"]}


class Autosaver:
    """Save a view every few seconds while it changes, on a thread of its own.

    Parameters
    ----------
    path : pathlib.Path
        The file to keep (its folder is created, readable by the user only).
    save : callable
        ``save(path)`` writes the session there (atomically); called on the autosaver's thread.
    version : callable
        Returns ``(state, positions)``: values that change whenever what people did (actions, the camera) or
        the layout's positions changed.
    interval_s : float
        The shortest time between two saves.
    """

    def __init__(self, path: Path, save: Callable[[Path], object], version: Callable[[], int],
                 interval_s: float = AUTOSAVE_INTERVAL_S) -> None:
        self.path = path
        self._save = save
        self._version = version
        self._interval_s = interval_s
        self._saved_version: tuple = version()  # what the view is at start is not saved: only changes are
        self._seen_positions = None  # the positions' version at the previous tick: unchanged means settled
        self._next_save_s = 0.0
        self._positions_due_s = 0.0
        self._lock = threading.Lock()  # one save at a time (the timer's, and the last one at stop)
        self.saves = 0
        self.last_error: str | None = None
        self._timer = IntervalTimerThreading(interval_s, self._tick, name="helios-autosave")

    def start(self) -> Autosaver:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._timer.start()
        return self

    def stop(self, timeout_s: float = 2.0) -> None:
        """Stop the thread, saving once more if something changed since the last save."""
        self._timer.stop(timeout_s)
        self.save_now()

    def _tick(self) -> None:
        now = time.monotonic()
        state, positions = self._version()
        settled, self._seen_positions = positions == self._seen_positions, positions
        if now < self._next_save_s:
            return
        if state != self._saved_version[0] or (
                positions != self._saved_version[1] and (settled or now >= self._positions_due_s)):
            self.save_now()

    def save_now(self) -> bool:
        """Save if anything changed since the last save; True if it saved. Failures are logged, not raised:
        the view goes on (a full disk must not stop a shared view)."""
        with self._lock:
            version = self._version()
            if version == self._saved_version:
                return False
            started = time.monotonic()
            if self._saved_version[1] != version[1]:
                self._positions_due_s = started + POSITIONS_INTERVAL_S
            try:
                self._save(self.path)
            except (HeliosError, OSError) as error:
                if str(error) != self.last_error:
                    logger.warning("autosave to %s failed: %s", self.path, error)
                self.last_error = str(error)
                self._next_save_s = time.monotonic() + self._interval_s
                return False
            spent = time.monotonic() - started
            self._saved_version = version
            self._next_save_s = started + max(self._interval_s, spent / MAX_SAVE_SHARE)
            self.saves += 1
            self.last_error = None
            return True
