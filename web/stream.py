"""One encoded video stream per codec, whose packets every WebRTC peer sends.

Each peer used to have its own aiortc encoder, so the server encoded the same picture once per
viewer (four viewers got 7 fps each). Now an :class:`EncodedStream` encodes each frame once (H.264;
VP8 only while a viewer's browser lacks H.264) and hands the same ``av.Packet`` to every
:class:`PacketSubscription` (a WebRTC peer's is read by :class:`web.peers.PacketTrack`); aiortc's
sender then only packetizes it (a track may return packets instead of frames).

- A new subscriber, or a peer's picture-loss request (RTCP PLI/FIR), gets a key frame at once; a
  fixed GOP of :data:`KEY_FRAME_INTERVAL_S` bounds recovery after any loss that goes unreported.
- A subscriber that falls behind (its queue of :data:`TRACK_QUEUE_PACKETS` fills, e.g. an event
  loop stalled on it) drops what it has and waits for the next key frame, which it asks for: it
  loses frames, never slows the encoder or the other viewers.
- Quality is constant (x264's CRF :data:`H264_CRF`) up to a rate cap (:data:`MAX_BITRATE_BPS` for
  960x540, scaled by the picture's area), so a still picture is sharp at once and motion costs what
  it needs. With one encoder there is no per-peer bandwidth estimation: aiortc's REMB handling only
  retunes the sender's own encoder, which no longer runs.
- While nothing changes, the last frame is re-encoded at ``idle_fps``; for :data:`REFINE_S` after a
  change at full rate, so the encoder refines the blocky frames of a fast change and the still
  picture is sharp within a second.
"""

from __future__ import annotations

import asyncio
import logging
import time
from fractions import Fraction

import av

from web.encoders import YuvConverter
from web.frames import LatestFrameSlot

logger = logging.getLogger(__name__)

VIDEO_CLOCK_RATE = 90_000
VIDEO_TIME_BASE = Fraction(1, VIDEO_CLOCK_RATE)
KEY_FRAME_INTERVAL_S = 2.0
TRACK_QUEUE_PACKETS = 8
REFINE_S = 1.0
MIN_KEY_FRAME_INTERVAL_S = 0.5
MAX_BITRATE_BPS = 6_000_000
H264_CRF = 23
REFERENCE_PIXELS = 960 * 540
CODECS = ("h264", "vp8")


def _open_encoder(codec: str, width: int, height: int, max_fps: float) -> av.CodecContext:
    """A real-time encoder: no B-frames, no look-ahead, one packet out for each frame in."""
    bitrate = int(MAX_BITRATE_BPS * max(0.5, width * height / REFERENCE_PIXELS))
    context = av.CodecContext.create("libx264" if codec == "h264" else "libvpx", "w")
    context.width, context.height = width, height
    context.pix_fmt = "yuv420p"
    context.time_base = VIDEO_TIME_BASE
    context.framerate = Fraction(int(max_fps), 1)
    context.gop_size = max(1, int(KEY_FRAME_INTERVAL_S * max_fps))
    if codec == "h264":
        context.profile = "Baseline"  # what every browser decodes (packetization-mode 1)
        context.options = {"preset": "veryfast", "tune": "zerolatency", "crf": str(H264_CRF),
                           "maxrate": str(bitrate), "bufsize": str(bitrate // 2)}
    else:
        context.bit_rate = bitrate
        context.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0",
                           "bufsize": str(bitrate), "maxrate": str(bitrate)}
    return context


class StreamEnded(Exception):
    """The subscription was closed (its viewer left, or the stream's encoder stopped)."""


class PacketSubscription:
    """One viewer's queue of the shared stream's packets, from the next key frame on.

    A WebRTC peer reads it through :class:`web.peers.PacketTrack`; the notebook's video socket reads it
    directly. Nothing here needs aiortc.
    """

    def __init__(self) -> None:
        self._queue: asyncio.Queue[av.Packet | None] = asyncio.Queue(maxsize=TRACK_QUEUE_PACKETS)
        self._stream: EncodedStream | None = None
        self._waiting_for_key = True
        self._closed = False
        self.packets_sent = 0
        self.packets_dropped = 0

    def attach(self, stream: EncodedStream) -> None:
        """Start receiving ``stream``'s packets (once the peer is connected)."""
        self._stream = stream
        stream.subscribe(self)

    def deliver(self, packet: av.Packet) -> None:
        """Called by the stream for every packet; never blocks."""
        if self._waiting_for_key and not packet.is_keyframe:
            return
        self._waiting_for_key = False
        try:
            self._queue.put_nowait(packet)
        except asyncio.QueueFull:  # this viewer fell behind: skip to the next key frame
            self.packets_dropped += self._queue.qsize()
            while not self._queue.empty():
                self._queue.get_nowait()
            self._waiting_for_key = True
            if self._stream is not None:
                self._stream.request_key_frame()

    async def next_packet(self) -> av.Packet:
        """The next packet; :class:`StreamEnded` once the subscription is closed."""
        if self._closed:
            raise StreamEnded
        packet = await self._queue.get()
        if packet is None:
            raise StreamEnded
        self.packets_sent += 1
        return packet

    def close(self) -> None:
        if self._stream is not None:
            self._stream.unsubscribe(self)
            self._stream = None
        self._closed = True
        try:
            self._queue.put_nowait(None)  # wake a waiting reader
        except asyncio.QueueFull:
            pass


class EncodedStream:
    """Encodes the frames of a :class:`LatestFrameSlot` once for every subscriber, while there are any.

    Parameters
    ----------
    frames : LatestFrameSlot
        Where the renderer publishes frames.
    converter : YuvConverter
        RGB to yuv420p, once per frame (shared with anything else that needs it).
    codec : str
        ``"h264"`` or ``"vp8"``.
    max_fps, idle_fps : float
        Upper bound on encoded frames per second; rate of re-encoding an unchanged picture.
    """

    def __init__(self, frames: LatestFrameSlot, converter: YuvConverter, codec: str,
                 max_fps: float = 30.0, idle_fps: float = 2.0) -> None:
        if codec not in CODECS:
            raise ValueError(f"codec must be one of {', '.join(CODECS)}, got {codec!r}")
        self.codec = codec
        self._frames = frames
        self._converter = converter
        self._max_fps = max_fps
        self._min_interval_s = 1.0 / max_fps
        self._idle_interval_s = 1.0 / idle_fps
        self._subscribers: set[PacketSubscription] = set()
        self._key_frame_wanted = True
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._encoder: av.CodecContext | None = None
        self.frames_encoded = 0

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def subscribe(self, subscription: PacketSubscription) -> None:
        self._subscribers.add(subscription)
        self.request_key_frame()  # a newcomer starts from a key frame, at once
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"helios-encode-{self.codec}")

    def unsubscribe(self, subscription: PacketSubscription) -> None:
        self._subscribers.discard(subscription)
        if not self._subscribers and self._task is not None:
            self._task.cancel()  # nobody watches: encode nothing
            self._task = None
            self._encoder = None

    def request_key_frame(self) -> None:
        """The next packet is a key frame, encoded now from the latest picture if nothing newer comes."""
        self._key_frame_wanted = True
        self._wake.set()

    async def close(self) -> None:
        for subscription in list(self._subscribers):
            subscription.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _next_frame(self, last_sequence: int, last_change_s: float):
        """The newest frame, or the last one again when its repeat is due or a key frame is wanted."""
        refining = time.monotonic() - last_change_s < REFINE_S
        timeout_s = self._min_interval_s if refining else self._idle_interval_s
        waiter = asyncio.ensure_future(self._frames.next_frame(last_sequence, timeout_s))
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({waiter, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
        self._wake.clear()
        if waiter.done():
            return waiter.result()
        waiter.cancel()
        return self._frames.latest()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last_sequence, last_change_s, last_sent_s, start_s = 0, 0.0, 0.0, time.monotonic()
        last_key_s = -MIN_KEY_FRAME_INTERVAL_S
        try:
            while self._subscribers:
                # However often they are asked for (a PLI flood, many joins), key frames come at most
                # every MIN_KEY_FRAME_INTERVAL_S: they are large, and every viewer receives them.
                key_due = self._key_frame_wanted and time.monotonic() - last_key_s >= MIN_KEY_FRAME_INTERVAL_S
                wait_s = last_sent_s + self._min_interval_s - time.monotonic()
                if wait_s > 0 and not key_due:
                    await asyncio.sleep(wait_s)
                frame = await self._next_frame(last_sequence, last_change_s)
                if frame is None or self._frames.closed and frame.sequence == last_sequence:
                    if self._frames.closed:
                        break
                    continue
                now_s = time.monotonic()
                key = self._key_frame_wanted and now_s - last_key_s >= MIN_KEY_FRAME_INTERVAL_S
                refining = now_s - last_change_s < REFINE_S
                repeat_due = now_s - last_sent_s >= (self._min_interval_s if refining else self._idle_interval_s)
                if frame.sequence == last_sequence and not key and not repeat_due:
                    if self._key_frame_wanted:  # a deferred key frame: wake when it is due
                        await asyncio.sleep(max(0.0, last_key_s + MIN_KEY_FRAME_INTERVAL_S - now_s))
                    continue
                if key:
                    self._key_frame_wanted = False
                    last_key_s = now_s
                pts = int((now_s - start_s) * VIDEO_CLOCK_RATE)
                packets = await loop.run_in_executor(None, self._encode, frame, pts, key)
                if frame.sequence != last_sequence:
                    last_change_s = now_s
                last_sequence, last_sent_s = frame.sequence, now_s
                for packet in packets:
                    for subscription in list(self._subscribers):
                        subscription.deliver(packet)
        except asyncio.CancelledError:
            raise
        except Exception:  # an encoder failure ends this stream's peers, not the server
            logger.exception("the %s encoder failed; its viewers' video stops", self.codec)
            for subscription in list(self._subscribers):
                subscription.close()

    def _encode(self, frame, pts: int, key: bool) -> list[av.Packet]:
        """Encode one frame (executor thread): the packets, stamped for RTP."""
        video_frame = self._converter.video_frame(frame, pts, VIDEO_TIME_BASE)
        encoder = self._encoder
        if encoder is None or (encoder.width, encoder.height) != (video_frame.width, video_frame.height):
            encoder = self._encoder = _open_encoder(self.codec, video_frame.width, video_frame.height,
                                                    self._max_fps)
            key = True
        video_frame.pict_type = av.video.frame.PictureType.I if key else av.video.frame.PictureType.NONE
        packets = encoder.encode(video_frame)
        self.frames_encoded += 1
        for packet in packets:
            packet.pts = pts
            packet.time_base = VIDEO_TIME_BASE
        return packets
