"""Frame encoders: RGB to yuv420p for video tracks, RGB to JPEG for MJPEG.

Each converts a given frame once, however many viewers want it (a small cache keyed by the frame
sequence), and is called from an executor thread, never on the event loop.
"""

from __future__ import annotations

import threading
from fractions import Fraction

import av
import numpy as np

from web.frames import Frame


class _PerFrameCache:
    """Remembers the result for the newest frame sequence; thread-safe, computes once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sequence = -1
        self._value = None

    def get(self, frame: Frame, compute):
        with self._lock:
            if frame.sequence != self._sequence:
                self._value = compute(frame)
                self._sequence = frame.sequence
            return self._value


class YuvConverter:
    """RGB frames to yuv420p planes, converted once per frame.

    aiortc's encoders (and MediaRelay with two peers, aiortc #767) misbehave with rgb24 input,
    so every video track gets frames that are already yuv420p.
    """

    def __init__(self) -> None:
        self._cache = _PerFrameCache()

    def convert(self, frame: Frame) -> np.ndarray:
        """The yuv420p image of ``frame`` as a (height * 3 / 2, width) uint8 array."""
        return self._cache.get(frame, _to_yuv420p)

    def video_frame(self, frame: Frame, pts: int, time_base: Fraction) -> av.VideoFrame:
        """A fresh :class:`av.VideoFrame` for one peer (encoders may mutate their input)."""
        video_frame = av.VideoFrame.from_ndarray(self.convert(frame), format="yuv420p")
        video_frame.pts = pts
        video_frame.time_base = time_base
        return video_frame


def _even(pixels: np.ndarray) -> np.ndarray:
    height, width = pixels.shape[:2]
    return pixels[: height - height % 2, : width - width % 2]


def _to_yuv420p(frame: Frame) -> np.ndarray:
    rgb = av.VideoFrame.from_ndarray(np.ascontiguousarray(_even(frame.pixels)), format="rgb24")
    return rgb.reformat(format="yuv420p").to_ndarray()


class JpegEncoder:
    """RGB frames to baseline JPEG bytes with FFmpeg's MJPEG encoder, once per frame."""

    def __init__(self, quality: int = 80) -> None:
        if not 1 <= quality <= 100:
            raise ValueError(f"quality must be between 1 and 100, got {quality}")
        # FFmpeg's qscale runs from 2 (best) to 31 (worst).
        self._qscale = round(2 + (100 - quality) * 29 / 99)
        self._cache = _PerFrameCache()

    def encode(self, frame: Frame) -> bytes:
        """JPEG bytes of ``frame``."""
        return self._cache.get(frame, self._encode)

    def _encode(self, frame: Frame) -> bytes:
        pixels = np.ascontiguousarray(_even(frame.pixels))
        height, width = pixels.shape[:2]
        codec = av.CodecContext.create("mjpeg", "w")
        codec.width, codec.height = width, height
        codec.pix_fmt = "yuvj420p"
        codec.time_base = Fraction(1, 30)
        codec.qmin = codec.qmax = self._qscale  # a fixed quantiser: constant quality, no rate control
        video_frame = av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(format="yuvj420p")
        packets = codec.encode(video_frame) + codec.encode(None)
        return b"".join(bytes(packet) for packet in packets)


def encode_png(pixels: np.ndarray) -> bytes:
    """Lossless PNG bytes of an (height, width, 3) uint8 RGB picture (FFmpeg's PNG encoder)."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    height, width = pixels.shape[:2]
    codec = av.CodecContext.create("png", "w")
    codec.width, codec.height = width, height
    codec.pix_fmt = "rgb24"
    codec.time_base = Fraction(1, 1)
    packets = codec.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")) + codec.encode(None)
    return b"".join(bytes(packet) for packet in packets)
