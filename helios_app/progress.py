"""A one-line progress bar on stderr for long file loads, shown only on a terminal.

>>> from helios_app.io import read_graph
>>> with TerminalProgress("reading big.txt.gz") as progress:  # doctest: +SKIP
...     graph = read_graph("big.txt.gz", progress=progress)

The bar redraws at most ten times a second, and not at all when stderr is not a terminal (a pipe, a log
file, a test), so scripts and CI logs stay clean, nor for a file smaller than ``min_bytes`` (it loads in a
blink). Once the bytes are read it says that the file is being
parsed, and :meth:`TerminalProgress.close` erases the line.
"""

from __future__ import annotations

import sys
import time
from typing import Self, TextIO

__all__ = ["TerminalProgress"]

_BAR_WIDTH = 24
_INTERVAL_S = 0.1


def _megabytes(count: int) -> str:
    return f"{count / 1e6:.1f} MB"


class TerminalProgress:
    """A ``progress(bytes_done, bytes_total)`` callback that draws a bar on a terminal.

    Parameters
    ----------
    label : str
        What is being loaded, e.g. ``"reading graph.gml"``.
    stream : file, optional
        Where to draw; by default ``sys.stderr``.
    enabled : bool, optional
        Force drawing on or off; by default on exactly when ``stream.isatty()``.
    min_bytes : int, default 8 MiB
        Files smaller than this get no bar.
    """

    def __init__(
        self, label: str, stream: TextIO | None = None, enabled: bool | None = None, min_bytes: int = 1 << 23
    ) -> None:
        self.label = label
        self.min_bytes = min_bytes
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            try:
                enabled = bool(self.stream.isatty())
            except (AttributeError, ValueError):
                enabled = False
        self.enabled = enabled
        self._last_draw = 0.0
        self._drawn_width = 0
        self._parsing_shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < self.min_bytes:
            return
        now = time.monotonic()
        finished = total > 0 and done >= total
        if not finished and now - self._last_draw < _INTERVAL_S:
            return
        self._last_draw = now
        if finished:
            if not self._parsing_shown:
                self._parsing_shown = True
                self._draw(f"{self.label}: {_megabytes(total)} read, parsing...")
            return
        fraction = min(done / total, 1.0) if total > 0 else 0.0
        filled = round(fraction * _BAR_WIDTH)
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        self._draw(f"{self.label} [{bar}] {fraction * 100:3.0f}% {_megabytes(done)} / {_megabytes(total)}")

    def _draw(self, text: str) -> None:
        padding = " " * max(self._drawn_width - len(text), 0)
        self.stream.write("\r" + text + padding)
        self.stream.flush()
        self._drawn_width = len(text)

    def close(self) -> None:
        """Erase the bar (call when the load is done, or failed)."""
        if self.enabled and self._drawn_width:
            self.stream.write("\r" + " " * self._drawn_width + "\r")
            self.stream.flush()
            self._drawn_width = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
