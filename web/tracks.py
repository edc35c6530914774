"""The WebRTC video track that streams the latest rendered frame to one peer."""

from __future__ import annotations

import asyncio
import time
from fractions import Fraction

import av
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from web.encoders import YuvConverter
from web.frames import Frame, LatestFrameSlot

VIDEO_CLOCK_RATE = 90_000
VIDEO_TIME_BASE = Fraction(1, VIDEO_CLOCK_RATE)


REFINE_S = 1.0
"""After the picture stops changing, keep sending it at full rate this long: each repeat lets the
encoder refine the blocky frames of a fast change, so the still picture is sharp within a second."""


class SceneVideoTrack(MediaStreamTrack):
    """Sends each new frame once; when the scene is idle, repeats the last frame slowly.

    The repeat (``idle_fps``) lets a peer that lost a packet or asked for a key frame recover
    while nothing changes, at a small fraction of the cost of a full-rate stream. For
    :data:`REFINE_S` after the last change, the repeat runs at full rate instead.

    Parameters
    ----------
    frames : LatestFrameSlot
        Where the render thread publishes frames.
    converter : YuvConverter
        Shared by all tracks, so each frame is converted to yuv420p once.
    max_fps : float
        Upper bound on frames sent per second.
    idle_fps : float
        Rate at which the last frame is re-sent when nothing new arrives.
    """

    kind = "video"

    def __init__(
        self, frames: LatestFrameSlot, converter: YuvConverter, max_fps: float = 30.0, idle_fps: float = 2.0
    ) -> None:
        super().__init__()
        self._frames = frames
        self._converter = converter
        self._min_interval_s = 1.0 / max_fps
        self._idle_interval_s = 1.0 / idle_fps
        self._last_sequence = 0
        self._last_sent_s = 0.0
        self._last_change_s = 0.0
        self._start_s: float | None = None
        self.frames_sent = 0

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        wait_s = self._last_sent_s + self._min_interval_s - time.monotonic()
        if wait_s > 0:
            await asyncio.sleep(wait_s)
        refining = time.monotonic() - self._last_change_s < REFINE_S
        timeout_s = self._min_interval_s if refining else self._idle_interval_s
        frame: Frame | None = await self._frames.next_frame(self._last_sequence, timeout_s)
        while frame is None:  # nothing rendered yet
            if self.readyState != "live" or self._frames.closed:
                raise MediaStreamError
            frame = await self._frames.next_frame(0, self._idle_interval_s)
        now_s = time.monotonic()
        if self._start_s is None:
            self._start_s = now_s
        pts = int((now_s - self._start_s) * VIDEO_CLOCK_RATE)
        loop = asyncio.get_running_loop()
        video_frame = await loop.run_in_executor(
            None, self._converter.video_frame, frame, pts, VIDEO_TIME_BASE
        )
        if frame.sequence != self._last_sequence:
            self._last_change_s = now_s
        self._last_sequence = frame.sequence
        self._last_sent_s = now_s
        self.frames_sent += 1
        return video_frame
