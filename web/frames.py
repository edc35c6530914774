"""The latest-frame slot: the hand-off from the render thread to the event loop.

The render thread publishes complete frames; the newest frame wins and stale ones are simply
replaced, never queued. Coroutines on one or more event loops wait for a frame newer than the
one they have; the publisher wakes them with ``loop.call_soon_threadsafe``. A frame's pixels are
read-only once published, so an encoder always reads a complete frame, never one being written.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Frame:
    """One rendered picture.

    Attributes
    ----------
    pixels : numpy.ndarray
        (height, width, 3) uint8 RGB, top row first, read-only.
    sequence : int
        Increases by one for every published frame.
    produced_s : float
        ``time.monotonic()`` when rendering finished.
    """

    pixels: np.ndarray
    sequence: int
    produced_s: float = field(default_factory=time.monotonic)

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


STAMP_BLOCKS = 80


def stamp_pixels(pixels: np.ndarray, sequence: int, input_sequence: int = 0) -> None:
    """Draw the probes' latency bar code (``shared/probes/stamp.py``) into the top rows, in place.

    80 black or white blocks: 32 bits of wall-clock milliseconds, 24 bits of frame sequence, 16 bits
    of the last applied input sequence, and an 8-bit checksum of the other 9 bytes.
    """
    milliseconds = int(time.time() * 1000) & 0xFFFFFFFF
    payload = (
        milliseconds.to_bytes(4, "big") + (sequence & 0xFFFFFF).to_bytes(3, "big")
        + (input_sequence & 0xFFFF).to_bytes(2, "big")
    )
    bits = np.unpackbits(np.frombuffer(payload + bytes([sum(payload) & 0xFF]), dtype=np.uint8))
    block_width = max(4, pixels.shape[1] // STAMP_BLOCKS)
    block_height = max(8, block_width)
    row = np.repeat(bits * 255, block_width).astype(np.uint8)
    pixels[:block_height, : STAMP_BLOCKS * block_width, :3] = row[None, :, None]


class LatestFrameSlot:
    """Holds the newest frame; publish from any thread, wait from any event loop.

    Parameters
    ----------
    stamp : bool
        Draw the latency bar code of :func:`stamp_pixels` into every frame (for measurements).
    """

    def __init__(self, stamp: bool = False) -> None:
        self._stamp = stamp
        self._lock = threading.Lock()
        self._frame: Frame | None = None
        self._sequence = 0
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = []
        self._closed = False

    def publish(self, pixels: np.ndarray) -> Frame:
        """Store ``pixels`` (H, W, 3 uint8, top-down) as the newest frame and wake all waiters."""
        pixels = np.ascontiguousarray(pixels)
        with self._lock:
            self._sequence += 1
            if self._stamp:
                stamp_pixels(pixels, self._sequence)
            pixels.setflags(write=False)
            frame = Frame(pixels=pixels, sequence=self._sequence)
            self._frame = frame
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            try:
                loop.call_soon_threadsafe(_resolve, future)
            except RuntimeError:  # that loop is already closed
                pass
        return frame

    def latest(self) -> Frame | None:
        """The newest frame, or None before the first one."""
        return self._frame

    def close(self) -> None:
        """Wake every waiter; later waits return at once with the last frame (or None)."""
        with self._lock:
            self._closed = True
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            try:
                loop.call_soon_threadsafe(_resolve, future)
            except RuntimeError:
                pass

    @property
    def closed(self) -> bool:
        return self._closed

    async def next_frame(self, after_sequence: int, timeout_s: float | None = None) -> Frame | None:
        """Wait for a frame newer than ``after_sequence``.

        Returns the newest frame (skipping any that came and went meanwhile), or the current one
        (possibly None) when ``timeout_s`` passes first or the slot is closed.
        """
        loop = asyncio.get_running_loop()
        with self._lock:
            frame = self._frame
            if self._closed or (frame is not None and frame.sequence > after_sequence):
                return frame
            future = loop.create_future()
            self._waiters.append((loop, future))
        try:
            await asyncio.wait_for(future, timeout_s)
        except TimeoutError:
            pass
        finally:
            if not future.done():
                future.cancel()
                with self._lock:
                    if (loop, future) in self._waiters:
                        self._waiters.remove((loop, future))
        return self._frame


def _resolve(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)
