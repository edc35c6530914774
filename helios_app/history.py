"""A view's shared history of editing actions, with undo and redo for everyone.

Every editing action (a pin, an unpin, a drag, a filter, a legend click, a highlight, a style change from
Python, layout parameters, a live graph edit) becomes an :class:`Entry`: what kind it was, who did it and
when, a one-line summary, and the state it changed *before* and *after*, as JSON-able values. Undo applies
an entry's ``before``, redo its ``after``, through one ``apply(kind, state)`` callable that the view gives:
the history never knows how a state is shown, and the same entries survive a restart inside the autosaved
session file (:meth:`History.as_dict`, :meth:`History.from_dict`).

The history is linear: a new action after some undos drops the entries that could have been redone (as
every editor does). A drag sends a pin per pointer move; consecutive pins of the same nodes by the same
person within :data:`MERGE_WINDOW_S` merge into one entry, so one drag is one undo step.

Thread safety: actions arrive from the render thread (drags), the server's loop (page controls) and the
caller's thread (Python); one lock guards the entries and the position. ``apply`` is called outside the
lock, in order: a second undo waits for the first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from helios_app.errors import HeliosError

__all__ = ["KINDS", "MAX_ENTRIES", "MERGE_WINDOW_S", "Entry", "History"]

KINDS = ("pin", "filter", "parameters", "style", "edit", "encoding")
"""What an entry's ``before``/``after`` is a state of: pins, emphasis (filter, legend, highlight), layout
parameters, node and edge style set from Python, the graph (a live edit and its inverse), or the encodings
(``color_by``, ``edge_color_by``, ``arrows``...)."""
MAX_ENTRIES = 500  # the oldest entry is forgotten beyond this many
MERGE_WINDOW_S = 1.5  # pins of one drag arrive every frame; a pause this long starts a new entry
PANEL_ENTRIES = 100  # the newest entries sent to the pages' history panel


@dataclass(frozen=True)
class Entry:
    """One editing action: ``kind`` (see :data:`KINDS`), ``who`` did it, ``when`` (seconds since the epoch),
    a ``summary`` for people, and the state it changed ``before`` and ``after``."""

    number: int
    kind: str
    who: str
    when: float
    summary: str
    before: Any
    after: Any

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "kind": self.kind, "who": self.who, "when": self.when,
                "summary": self.summary, "before": self.before, "after": self.after}

    def listing(self) -> dict[str, Any]:
        """What the history panel shows (no states: they can be large)."""
        return {"number": self.number, "kind": self.kind, "who": self.who, "when": round(self.when, 3),
                "summary": self.summary}


class History:
    """The entries of one view and the position between what is done and what can be redone.

    Parameters
    ----------
    apply : callable
        ``apply(kind, state)`` shows ``state`` (an entry's ``before`` or ``after``) in the view, recording
        nothing. It may raise a HeliosError, which undo and redo pass on.
    on_change : callable, optional
        Called outside the lock after every change of the entries or position, with ``merged=True`` when a
        gesture's step only updated the newest entry (what the panel lists did not change).
    """

    def __init__(self, apply: Callable[[str, Any], None], on_change: Callable[..., None] | None = None) -> None:
        self._apply = apply
        self._on_change = on_change or (lambda merged=False: None)
        self._lock = threading.Lock()
        self._stepping = threading.Lock()  # one undo, redo or jump at a time, in order
        self._entries: list[Entry] = []
        self._position = 0  # entries[:position] are done, the rest can be redone
        self._next_number = 1
        self._merge_until = 0.0

    # ---- recording -----------------------------------------------------------------------------
    def record(self, kind: str, who: str, summary: str, before: Any, after: Any, *, mergeable: bool = False) -> None:
        """Add an action done just now. ``mergeable``: a step of a gesture (a drag's pin) that joins the
        previous entry when it is of the same kind, by the same person, of the same nodes, and recent."""
        if kind not in KINDS:
            raise ValueError(f"history entry kind must be one of {KINDS}, got {kind!r}")
        now = time.time()
        monotonic = time.monotonic()
        with self._lock:
            last = self._entries[self._position - 1] if self._position else None
            merged = (mergeable and last is not None and last.kind == kind and last.who == who
                      and monotonic <= self._merge_until and _same_keys(last.after, after))
            if merged:
                self._entries[self._position - 1] = replace(last, after=after, when=now)
            else:
                del self._entries[self._position:]
                self._entries.append(Entry(self._next_number, kind, who, now, summary, before, after))
                self._next_number += 1
                if len(self._entries) > MAX_ENTRIES:
                    del self._entries[: len(self._entries) - MAX_ENTRIES]
                self._position = len(self._entries)
            self._merge_until = monotonic + MERGE_WINDOW_S if mergeable else 0.0
        self._on_change(merged=merged)

    # ---- stepping ------------------------------------------------------------------------------
    def undo(self) -> Entry | None:
        """Undo the newest done entry (None when there is none)."""
        return self._step(-1)

    def redo(self) -> Entry | None:
        """Redo the oldest undone entry (None when there is none)."""
        return self._step(+1)

    def jump(self, number: int) -> None:
        """Undo or redo until entry ``number`` is the newest one done (0: before every entry)."""
        with self._stepping:
            with self._lock:
                numbers = [entry.number for entry in self._entries]
                if number != 0 and number not in numbers:
                    raise HeliosError(f"history.entry: no entry {number}; the history holds "
                                      f"{numbers[0] if numbers else 0} to {numbers[-1] if numbers else 0}")
                target = 0 if number == 0 else numbers.index(number) + 1
            while True:
                with self._lock:
                    position = self._position
                if position == target:
                    return
                self._step_locked(-1 if position > target else +1)

    def _step(self, direction: int) -> Entry | None:
        with self._stepping:
            return self._step_locked(direction)

    def _step_locked(self, direction: int) -> Entry | None:
        with self._lock:
            index = self._position - 1 if direction < 0 else self._position
            if not 0 <= index < len(self._entries):
                return None
            entry = self._entries[index]
        self._apply(entry.kind, entry.before if direction < 0 else entry.after)
        with self._lock:
            self._position = index if direction < 0 else index + 1
            self._merge_until = 0.0
        self._on_change()
        return entry

    # ---- reading and keeping -------------------------------------------------------------------
    @property
    def position(self) -> int:
        """How many entries are done (the rest can be redone)."""
        with self._lock:
            return self._position

    @property
    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries)

    def listing(self) -> dict[str, Any]:
        """The newest entries for the pages' panel, and the number of the newest one done (0: none)."""
        with self._lock:
            done = self._entries[self._position - 1].number if self._position else 0
            return {"entries": [entry.listing() for entry in self._entries[-PANEL_ENTRIES:]], "done": done}

    def as_dict(self) -> dict[str, Any]:
        """Every entry and the position, as JSON (for the session file)."""
        with self._lock:
            return {"entries": [entry.as_dict() for entry in self._entries], "position": self._position}

    def restore(self, data: Any, where: str = "history") -> None:
        """Take the entries and position of :meth:`as_dict` (checked; states are checked when applied)."""
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            raise HeliosError(f"{where} must be an object with a list of entries")
        entries = []
        for number, item in enumerate(data["entries"][-MAX_ENTRIES:]):
            field = f"{where}.entries[{number}]"
            if not isinstance(item, dict):
                raise HeliosError(f"{field} must be an object")
            if item.get("kind") not in KINDS:
                raise HeliosError(f"{field}.kind must be one of {', '.join(KINDS)}, got {item.get('kind')!r}")
            for name, kind in (("number", int), ("who", str), ("summary", str), ("when", (int, float))):
                if not isinstance(item.get(name), kind) or isinstance(item.get(name), bool):
                    raise HeliosError(f"{field}.{name} is missing or of the wrong type")
            entries.append(Entry(item["number"], item["kind"], item["who"][:200], float(item["when"]),
                                 item["summary"][:500], item.get("before"), item.get("after")))
        position = data.get("position", len(entries))
        if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position <= len(entries):
            raise HeliosError(f"{where}.position must be a whole number from 0 to {len(entries)}")
        with self._lock:
            self._entries, self._position = entries, position
            self._next_number = max((entry.number for entry in entries), default=0) + 1
        self._on_change()


def _same_keys(first: Any, second: Any) -> bool:
    return isinstance(first, dict) and isinstance(second, dict) and first.keys() == second.keys()
