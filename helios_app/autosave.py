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

import errno
import json
import logging
import math
import os
import stat
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from helios_app.errors import HeliosError
from layouts.timer import IntervalTimerThreading

logger = logging.getLogger(__name__)

__all__ = ["AUTOSAVE_INTERVAL_S", "Autosaver", "SavedSession", "autosave_path", "list_sessions", "printable",
           "remove_stale_temporaries", "sessions_of_source", "state_directory"]

AUTOSAVE_INTERVAL_S = 2.0
POSITIONS_INTERVAL_S = 30.0
MAX_SAVE_SHARE = 0.1  # of one core: a save of 0.5 s waits 5 s before the next
SESSION_SUFFIX = ".helios.json"
HEADER_BYTES = 4096  # what `helios sessions` reads of each file: the fields before the positions
LATEST_SAVED_AT = 253_402_300_799.0  # 9999-12-31 23:59:59 UTC: the latest time a listing can print
STALE_TEMPORARY_S = 60.0  # a temporary file of a save not written to for this long was left by a kill


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
    """The autosaved views that can be resumed, newest first.

    One odd file does not hide the others: what is not a regular file (a FIFO would block the listing)
    is left out, and so is a file whose fields are not sane (a ``saved_at`` that is no date, counts that
    are not whole numbers), with a warning naming it."""
    folder = state_directory() / "sessions"
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob(f"*{SESSION_SUFFIX}"):
        try:
            session = _listed_session(path)
        except (OSError, ValueError, TypeError, OverflowError, RecursionError) as error:
            logger.warning("%s: not a readable session (%s)", printable(str(path)), printable(str(error)))
            continue
        if session is not None:
            found.append(session)
    return sorted(found, key=lambda session: session.saved_at, reverse=True)


def sessions_of_source(source: str) -> list[SavedSession]:
    """The autosaved views of a graph read from ``source`` (the same path as given, or the same file):
    e.g. of an earlier content of a file that changed since, which ``--resume`` cannot restore."""
    if not source:
        return []

    def same(other: str) -> bool:
        if other == source:
            return True
        try:
            return os.path.samefile(other, source)
        except (OSError, ValueError):
            return False

    return [session for session in list_sessions() if same(session.source)]


def _listed_session(path: Path) -> SavedSession | None:
    """What ``helios sessions`` lists of the file at ``path``; None if it is not a regular file; a
    ValueError or TypeError naming the field that is not sane."""
    from helios_app.io.session_file import open_regular_file

    with open_regular_file(path) as stream:
        if stream is None:
            logger.warning("%s: not a regular file; left out", printable(str(path)))
            return None
        head = stream.read(HEADER_BYTES)
        size = os.fstat(stream.fileno()).st_size
    graph = _header_fields(head)
    saved_at = graph.get("saved_at")
    if isinstance(saved_at, bool) or not isinstance(saved_at, (int, float)) or not (
            math.isfinite(saved_at) and 0 <= saved_at <= LATEST_SAVED_AT):
        raise ValueError(f"saved_at {printable(repr(saved_at))[:40]} is not a time since 1970")
    counts = {}
    for name in ("node_count", "edge_count"):
        value = graph.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
            raise ValueError(f"graph.{name} {printable(repr(value))[:40]} is not a whole number")
        counts[name] = value
    source = graph.get("source", "")
    if not isinstance(source, str):
        raise TypeError("graph.source is not text")
    return SavedSession(path, source, counts["node_count"], counts["edge_count"], float(saved_at), size)


def _header_fields(head: bytes) -> dict:
    """The ``graph`` object and ``saved_at`` of a session file, read from its head (the positions come later:
    the writer puts them after the small fields)."""
    text = head.decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    fields: dict = {}
    for name in ("saved_at", "graph"):
        key = f'"{name}": '
        at = text.find(key)
        if at < 0:
            raise ValueError(f"no {name} in the first {HEADER_BYTES} bytes")
        value, _ = decoder.raw_decode(text, at + len(key))
        fields[name] = value
    if not isinstance(fields["graph"], dict):
        raise TypeError("graph is not an object")
    return {**fields["graph"], "saved_at": fields["saved_at"]}


def printable(text: str) -> str:
    """``text`` with control and format characters (terminal escapes, newlines, bidirectional overrides)
    written as escapes (``\\x1b``, ``\\n``, ``\\u202e``), for a terminal: a file's fields are not the
    terminal's commands."""
    return "".join(
        character.encode("unicode_escape").decode("ascii") if unicodedata.category(character)[0] == "C"
        else character
        for character in text
    )


def remove_stale_temporaries(folder: Path, older_than_s: float = STALE_TEMPORARY_S) -> list[Path]:
    """Remove the temporary files a save killed midway left in ``folder`` (``.NAME.helios.json.XXXX.tmp``,
    see :func:`helios_app.io.writers.write_atomically`) that were last written more than ``older_than_s``
    ago: a save under way (another view's) writes its file within a second. Returns those removed."""
    removed = []
    for path in folder.glob(f".*{SESSION_SUFFIX}.*.tmp"):
        try:
            status = path.lstat()
            if stat.S_ISREG(status.st_mode) and time.time() - status.st_mtime > older_than_s:
                path.unlink()
                removed.append(path)
        except OSError as error:  # gone meanwhile (its save finished), or not ours to remove
            logger.debug("%s: not removed (%s)", path, error)
    return removed


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
        self.active = False  # started, and able to write to its folder
        self._timer = IntervalTimerThreading(interval_s, self._tick, name="helios-autosave")

    def start(self) -> Autosaver:
        """Start saving; first remove what killed saves left behind. If the folder cannot be made or
        written to (a read-only home, a state directory that is a file), warn once and stay inactive: the
        view runs without autosave, and :meth:`stop` does nothing."""
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not os.access(folder, os.W_OK | os.X_OK):
                raise PermissionError(errno.EACCES, "not writable", str(folder))
        except OSError as error:
            self.last_error = error.strerror or str(error)
            logger.warning("cannot autosave in %s (%s); the view runs without autosave",
                           printable(str(folder)), self.last_error)
            return self
        remove_stale_temporaries(folder)
        self.active = True
        self._timer.start()
        return self

    def stop(self, timeout_s: float = 2.0) -> None:
        """Stop the thread, saving once more if something changed since the last save."""
        if not self.active:
            return
        self._timer.stop(timeout_s)
        self.save_now()
        self.active = False

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
        the view goes on (a full disk must not stop a shared view). An autosaver that did not start (or
        could not) saves nothing."""
        if not self.active:
            return False
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
