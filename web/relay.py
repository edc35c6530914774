"""A relay that carries one view to a page the server cannot reach: the notebook's comm channel.

A notebook front end often cannot open a connection to the kernel's port (a remote kernel, VS Code,
Colab). The kernel can: :class:`ViewRelay` runs on the server's event loop, connects to the view like
any other viewer (its interaction socket and a video stream, on loopback, with the token) and hands
every message and frame to ``send``, which puts them on the comm channel. The video is the view's
shared H.264 stream (``/video.h264``, the WebRTC peers' packets) where the page decodes it with
WebCodecs, else the MJPEG stream's JPEGs: either way a frame is encoded once however many viewers
and relays watch. JPEG: at most :data:`FRAMES_IN_FLIGHT` frames wait for the page to show them and
a newer frame replaces a waiting one. H.264 cannot skip a frame: past :data:`PACKETS_IN_FLIGHT`
unshown packets the relay drops until the next key frame, which it asks for. Either way a slow
channel gets fewer, current frames instead of a growing backlog.

:func:`bridged_page` is the page the widget shows in that case: the browser client's own page,
self-contained (no request goes to the server), with its socket and frames relayed by postMessage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

from web.bundle import inline_page

logger = logging.getLogger(__name__)

FRAMES_IN_FLIGHT = 4
PACKETS_IN_FLIGHT = 12
VIDEO_FORMATS = ("jpeg", "h264")
SHOWN_TIMEOUT_S = 2.0  # a frame not reported shown by then counts as lost (a closed or hidden page)
PAGE_SILENCE_S = 75.0
"""A relay whose page has sent nothing for this long (it pings every 10 s; a hidden tab's timers may run
once a minute) is closed: a notebook closed without goodbye leaves no viewer behind in everyone's list."""


class ViewRelay:
    """One page's connection to the view, relayed.

    Parameters
    ----------
    base_url : str
        The view's address as seen from the kernel, e.g. ``http://127.0.0.1:8123/``.
    token : str
        The access token the relayed page acts with.
    send : callable
        ``send(content, buffers)``: deliver a message to the page (``content`` a JSON-able dict with
        ``helios`` = ``message`` | ``frame`` | ``packet`` | ``close``; a frame's JPEG or a packet's
        H.264 access unit is ``buffers[0]``). Called on the server's loop; must not block.
    video : str
        ``"jpeg"`` or ``"h264"``.
    """

    def __init__(self, base_url: str, token: str, send: Callable[[dict[str, Any], list[bytes]], object],
                 video: str = "jpeg") -> None:
        if video not in VIDEO_FORMATS:
            raise ValueError(f"video must be one of {', '.join(VIDEO_FORMATS)}, got {video!r}")
        self._video = video
        self._video_socket: aiohttp.ClientWebSocketResponse | None = None
        self._skipping = False
        self._base_url = base_url
        self._token = token
        self._send = send
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._session: aiohttp.ClientSession | None = None
        self._tasks: list[asyncio.Task] = []
        self._in_flight: dict[int, float] = {}  # frame sequence -> when it was sent
        self._waiting: tuple[int, bytes] | None = None
        self._sequence = 0
        self._last_page_message_s = 0.0
        self.frames_sent = 0
        self.closed = asyncio.Event()

    async def open(self) -> None:
        """Connect and start relaying (returns at once; :attr:`closed` is set when the relay ends)."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_connect=5))
        try:
            self._socket = await self._session.ws_connect(
                self._base_url + "ws", params={"token": self._token}, heartbeat=20.0
            )
        except (aiohttp.ClientError, OSError) as error:
            await self._session.close()
            self._send({"helios": "close", "reason": f"cannot reach the view: {error}"}, [])
            self.closed.set()
            return
        relay_video = self._relay_packets if self._video == "h264" else self._relay_frames
        self._last_page_message_s = asyncio.get_running_loop().time()
        self._tasks = [asyncio.create_task(self._relay_messages()), asyncio.create_task(relay_video()),
                       asyncio.create_task(self._close_when_silent())]

    def receive(self, text: str) -> None:
        """A message from the page (server loop): forwarded to the server as the page's own."""
        self._last_page_message_s = asyncio.get_running_loop().time()
        if self._socket is not None and not self._socket.closed:
            task = asyncio.create_task(self._socket.send_str(text))
            task.add_done_callback(_log_failure)

    def shown(self, sequence: int) -> None:
        """The page showed frame ``sequence``: send the next one if it waits."""
        self._last_page_message_s = asyncio.get_running_loop().time()
        self._in_flight.pop(sequence, None)
        if self._video == "jpeg":
            self._send_waiting()

    def request_key_frame(self) -> None:
        """The page's decoder lost its place: start again from a key frame."""
        self._skipping = True
        self._ask_for_key_frame()

    def _ask_for_key_frame(self) -> None:
        if self._video_socket is not None and not self._video_socket.closed:
            asyncio.create_task(self._video_socket.send_str("key")).add_done_callback(_log_failure)

    async def close(self) -> None:
        """Stop relaying and release the connections; safe to call twice."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for socket in (self._socket, self._video_socket):
            if socket is not None:
                await socket.close()
        if self._session is not None:
            await self._session.close()
        self.closed.set()

    async def _close_when_silent(self, check_s: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() - self._last_page_message_s < PAGE_SILENCE_S:
            await asyncio.sleep(check_s)
        logger.info("a relayed page sent nothing for %.0f s; closing its relay", PAGE_SILENCE_S)
        await self._socket.close()  # ends _relay_messages, which tells the page (if it is still there)

    async def _relay_messages(self) -> None:
        try:
            async for message in self._socket:
                if message.type == aiohttp.WSMsgType.TEXT:
                    self._send({"helios": "message", "text": message.data}, [])
        finally:
            self._send({"helios": "close", "reason": "the view closed the connection"}, [])
            self.closed.set()

    async def _relay_frames(self) -> None:
        """Read the view's MJPEG stream and pass on the newest frame whenever the page can take one."""
        async with self._session.get(self._base_url + "mjpeg", params={"token": self._token}) as response:
            response.raise_for_status()
            reader = response.content
            while True:
                length = None
                while True:  # part headers, up to the blank line
                    line = (await reader.readline()).strip()
                    if not line and length is not None:
                        break
                    if line == b"" and reader.at_eof():
                        return
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                jpeg = await reader.readexactly(length)
                self._sequence += 1
                self._waiting = (self._sequence, jpeg)
                self._send_waiting()

    async def _relay_packets(self) -> None:
        """Pass on the shared H.264 stream; past PACKETS_IN_FLIGHT unshown, skip to the next key frame."""
        async with self._session.ws_connect(self._base_url + "video.h264", params={"token": self._token}) as socket:
            self._video_socket = socket
            async for message in socket:
                if message.type != aiohttp.WSMsgType.BINARY or not message.data:
                    continue
                key = message.data[0] == 1
                now = self._forget_lost_frames()
                if not key and (self._skipping or len(self._in_flight) >= PACKETS_IN_FLIGHT):
                    if not self._skipping:
                        self._skipping = True
                        self._ask_for_key_frame()
                    continue
                self._skipping = False
                self._sequence += 1
                self._in_flight[self._sequence] = now
                self.frames_sent += 1
                self._send({"helios": "packet", "sequence": self._sequence, "key": key}, [message.data[1:]])

    def _forget_lost_frames(self) -> float:
        """Drop the in-flight frames not shown within SHOWN_TIMEOUT_S; return the loop's time."""
        now = asyncio.get_running_loop().time()
        for sequence, sent_s in list(self._in_flight.items()):
            if now - sent_s > SHOWN_TIMEOUT_S:
                del self._in_flight[sequence]
        return now

    def _send_waiting(self) -> None:
        now = self._forget_lost_frames()
        if self._waiting is None or len(self._in_flight) >= FRAMES_IN_FLIGHT:
            return
        sequence, jpeg = self._waiting
        self._waiting = None
        self._in_flight[sequence] = now
        self.frames_sent += 1
        self._send({"helios": "frame", "sequence": sequence}, [jpeg])


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.info("relaying a message to the view failed: %s", task.exception())


def bridged_page() -> str:
    """The browser client's page with its style and scripts inlined, for a widget's iframe ``srcdoc``.

    The page's relative URLs would resolve against the notebook's address there, so nothing is
    loaded from a URL; ``window.__heliosBridged`` tells the client to use the widget's relay.
    """
    return inline_page("client.js", {"helios-bridged": ("text/javascript", "window.__heliosBridged = true;")},
                       title="Helios")


__all__ = ["ViewRelay", "bridged_page"]
