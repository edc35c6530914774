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

import math
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
MAX_STATE_DEPTH = 16  # how deeply an entry's state may nest (the deepest a view writes is 4)
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
        """Undo or redo until entry ``number`` is the newest one done (0: before every entry).

        The pages hear of it once, at the end. If another action drops the entry on the way (the history
        is shared), the jump stops where it is and says so.
        """
        with self._stepping:
            try:
                for _ in range(MAX_ENTRIES + 1):
                    with self._lock:
                        numbers = [entry.number for entry in self._entries]
                        if number != 0 and number not in numbers:
                            raise HeliosError(f"history.entry: no entry {number}; the history holds "
                                              f"{numbers[0] if numbers else 0} to {numbers[-1] if numbers else 0}")
                        target = 0 if number == 0 else numbers.index(number) + 1
                        position = self._position
                    if position == target or self._step_locked(-1 if position > target else +1, notify=False) is None:
                        return
            finally:
                self._on_change()

    def _step(self, direction: int) -> Entry | None:
        with self._stepping:
            return self._step_locked(direction)

    def _step_locked(self, direction: int, notify: bool = True) -> Entry | None:
        with self._lock:
            index = self._position - 1 if direction < 0 else self._position
            if not 0 <= index < len(self._entries):
                return None
            entry = self._entries[index]
        self._apply(entry.kind, entry.before if direction < 0 else entry.after)
        with self._lock:
            # Another action may have changed the entries meanwhile: place the position by the entry itself.
            now = next((place for place, item in enumerate(self._entries) if item is entry), None)
            if now is not None:
                self._position = now if direction < 0 else now + 1
            self._merge_until = 0.0
        if notify:
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
        seen: set[int] = set()
        for number, item in enumerate(data["entries"][-MAX_ENTRIES:]):
            field = f"{where}.entries[{number}]"
            if not isinstance(item, dict):
                raise HeliosError(f"{field} must be an object")
            if item.get("kind") not in KINDS:
                raise HeliosError(f"{field}.kind must be one of {', '.join(KINDS)}, got {str(item.get('kind'))[:40]!r}")
            for name, kind in (("number", int), ("who", str), ("summary", str), ("when", (int, float))):
                if not isinstance(item.get(name), kind) or isinstance(item.get(name), bool):
                    raise HeliosError(f"{field}.{name} is missing or of the wrong type")
            if not 0 < item["number"] < 2**31 or item["number"] in seen:
                raise HeliosError(f"{field}.number must be a whole number from 1 to 2**31 - 1, each entry its own")
            seen.add(item["number"])
            if not math.isfinite(item["when"]):
                raise HeliosError(f"{field}.when must be a finite time (seconds since the epoch)")
            for name in ("before", "after"):
                _check_state(item.get(name), f"{field}.{name}")
            entries.append(Entry(item["number"], item["kind"], item["who"][:200], float(item["when"]),
                                 item["summary"][:500], item.get("before"), item.get("after")))
        position = data.get("position", len(entries))
        if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position <= len(entries):
            raise HeliosError(f"{where}.position must be a whole number from 0 to {len(entries)}")
        with self._lock:
            self._entries, self._position = entries, position
            self._next_number = max((entry.number for entry in entries), default=0) + 1
        self._on_change()


def _check_state(value: Any, where: str, depth: int = 0) -> None:
    """A state as JSON can hold it, of bounded depth, with finite numbers only (a session file's NaN or a
    980-deep nesting would break every later save)."""
    if depth > MAX_STATE_DEPTH:
        raise HeliosError(f"{where} is nested deeper than {MAX_STATE_DEPTH} levels")
    if isinstance(value, float) and not math.isfinite(value):
        raise HeliosError(f"{where} holds {value}; states hold finite numbers only")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise HeliosError(f"{where} has a key that is not text")
            _check_state(item, f"{where}.{key}"[:200], depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_state(item, where, depth + 1)
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise HeliosError(f"{where} holds a {type(value).__name__}")


def _same_keys(first: Any, second: Any) -> bool:
    return isinstance(first, dict) and isinstance(second, dict) and first.keys() == second.keys()
