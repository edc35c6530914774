"""The aiohttp application: the page, WebRTC offers, the MJPEG stream and the interaction socket.

``web`` knows nothing of VTK or layouts: it streams whatever a :class:`ViewChannel` publishes and
forwards validated interaction messages to the channel's ``submit_event``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from aiohttp import WSMsgType, web
from aiortc import RTCPeerConnection, RTCRtpSender, RTCSessionDescription

from web.encoders import JpegEncoder, YuvConverter, encode_png
from web.frames import LatestFrameSlot
from web.messages import MessageHub
from web.protocol import MAX_MESSAGE_BYTES, ProtocolError, error_message, hello_message, parse_message
from web.tracks import SceneVideoTrack

logger = logging.getLogger(__name__)

STATIC_DIRECTORY = Path(__file__).parent / "static"
MJPEG_BOUNDARY = "heliosframe"
PREFERRED_VIDEO_CODECS = ("video/H264", "video/VP8")
STATUS_INTERVAL_S = 1.0
PUBLIC_PATHS = frozenset({"/favicon.ico"})  # everything else but /static/ needs the token


@dataclass(frozen=True)
class ServerConfig:
    """Settings of one view server.

    Attributes
    ----------
    host, port : str, int
        Where to listen; port 0 picks a free port.
    token : str
        The access token every viewer must present (``?token=`` or ``Authorization: Bearer``).
    max_fps : float
        Upper bound on frames sent per second to one viewer.
    idle_fps : float
        Rate at which an unchanged frame is re-sent, so late or lossy viewers recover.
    mjpeg_quality : int
        JPEG quality of the MJPEG fallback, 1 to 100.
    max_viewers : int
        Simultaneous WebRTC peers plus MJPEG streams; more are refused with 503.
    """

    host: str = "127.0.0.1"
    port: int = 0
    token: str = ""
    max_fps: float = 30.0
    idle_fps: float = 2.0
    mjpeg_quality: int = 80
    max_viewers: int = 32

    def __post_init__(self) -> None:
        if not self.token:
            object.__setattr__(self, "token", secrets.token_urlsafe(16))


@dataclass(frozen=True)
class ViewChannel:
    """What the server streams and where interaction goes.

    Attributes
    ----------
    frames : LatestFrameSlot
        Frames published by the renderer.
    submit_event : callable
        Receives each validated interaction message (a dict); must not block.
    describe : callable
        Returns a JSON-able description of the view (title, counts) for the hello message.
    status : callable
        Returns the live figures (fps, layout state, counts) sent to viewers every
        :data:`STATUS_INTERVAL_S`.
    search : callable
        ``search(query)`` returns matching nodes as JSON-able dicts; runs in an executor.
    messages : MessageHub
        Where the view publishes messages for every viewer (selection, notices).
    export_session : callable, optional
        Returns the view's session file (bytes) for ``/session.json``; runs in an executor.
    """

    frames: LatestFrameSlot
    submit_event: Callable[[dict[str, Any]], None]
    describe: Callable[[], dict[str, Any]]
    status: Callable[[], dict[str, Any]] = dict
    search: Callable[[str], list[dict[str, Any]]] = lambda query: []
    messages: MessageHub = field(default_factory=MessageHub)
    export_session: Callable[[], bytes] | None = None


CONFIG_KEY = web.AppKey("config", ServerConfig)
CHANNEL_KEY = web.AppKey("channel", ViewChannel)
PEERS_KEY = web.AppKey("peers", set)
SOCKETS_KEY = web.AppKey("sockets", weakref.WeakSet)
STREAMS_KEY = web.AppKey("mjpeg_streams", set)
YUV_KEY = web.AppKey("yuv_converter", YuvConverter)
JPEG_KEY = web.AppKey("jpeg_encoder", JpegEncoder)
CLOSING_KEY = web.AppKey("closing", asyncio.Event)
STATUS_TASK_KEY = web.AppKey("status_task", asyncio.Task)


def _authorised(request: web.Request) -> bool:
    token = request.app[CONFIG_KEY].token
    offered = request.query.get("token", "")
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        offered = header[len("Bearer ") :]
    return hmac.compare_digest(offered.encode(), token.encode())


def _refuse(reason: str) -> web.HTTPForbidden:
    return web.HTTPForbidden(
        text=f"helios: {reason}; open the full URL that `helios view` printed (it carries ?token=...)\n"
    )


@web.middleware
async def _token_middleware(request: web.Request, handler):
    if request.path.startswith("/static/") or request.path in PUBLIC_PATHS or _authorised(request):
        return await handler(request)
    raise _refuse("access token missing or wrong")


def _viewer_count(app: web.Application) -> int:
    return len(app[PEERS_KEY]) + len(app[STREAMS_KEY])


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIRECTORY / "index.html", headers={"Cache-Control": "no-store"})


def _preferred_codecs() -> list:
    capabilities = RTCRtpSender.getCapabilities("video").codecs
    ordered = [c for name in PREFERRED_VIDEO_CODECS for c in capabilities if c.mimeType == name]
    return ordered + [c for c in capabilities if c.mimeType == "video/rtx"]


async def offer(request: web.Request) -> web.Response:
    app = request.app
    try:
        body = await request.json()
        description = RTCSessionDescription(sdp=str(body["sdp"]), type=str(body["type"]))
        if description.type != "offer":
            raise ValueError(f"type must be 'offer', got {description.type!r}")
    except (ValueError, KeyError, TypeError) as error:
        return web.json_response(error_message(f"bad offer: {error}"), status=400)
    if _viewer_count(app) >= app[CONFIG_KEY].max_viewers:
        return web.json_response(error_message("too many viewers; try again later"), status=503)

    config = app[CONFIG_KEY]
    peer = RTCPeerConnection()
    app[PEERS_KEY].add(peer)

    @peer.on("connectionstatechange")
    async def on_state_change() -> None:
        logger.info("peer %s is %s", id(peer), peer.connectionState)
        if peer.connectionState in ("failed", "closed"):
            app[PEERS_KEY].discard(peer)
            await peer.close()

    track = SceneVideoTrack(app[CHANNEL_KEY].frames, app[YUV_KEY], config.max_fps, config.idle_fps)
    transceiver = peer.addTransceiver(track, direction="sendonly")
    transceiver.setCodecPreferences(_preferred_codecs())  # before setRemoteDescription
    try:
        await peer.setRemoteDescription(description)
        await peer.setLocalDescription(await peer.createAnswer())
    except Exception as error:  # aiortc raises several types for an unusable SDP
        app[PEERS_KEY].discard(peer)
        await peer.close()
        return web.json_response(error_message(f"bad offer: {error}"), status=400)
    answer = peer.localDescription
    return web.json_response({"sdp": answer.sdp, "type": answer.type})


async def mjpeg(request: web.Request) -> web.StreamResponse:
    app = request.app
    if _viewer_count(app) >= app[CONFIG_KEY].max_viewers:
        raise web.HTTPServiceUnavailable(text="too many viewers; try again later\n")
    config, frames, encoder = app[CONFIG_KEY], app[CHANNEL_KEY].frames, app[JPEG_KEY]
    response = web.StreamResponse(
        headers={
            "Content-Type": f"multipart/x-mixed-replace; boundary={MJPEG_BOUNDARY}",
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    app[STREAMS_KEY].add(task)
    last_sequence, min_interval_s = 0, 1.0 / config.max_fps
    try:
        while not app[CLOSING_KEY].is_set():
            frame = await frames.next_frame(last_sequence, 1.0 / config.idle_fps)
            if frame is None or app[CLOSING_KEY].is_set():
                continue
            started_s = loop.time()
            jpeg = await loop.run_in_executor(None, encoder.encode, frame)
            await response.write(
                f"--{MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode()
                + jpeg
                + b"\r\n"
            )
            last_sequence = frame.sequence
            await asyncio.sleep(max(0.0, started_s + min_interval_s - loop.time()))
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        app[STREAMS_KEY].discard(task)
    return response


async def snapshot(request: web.Request) -> web.Response:
    frame = await request.app[CHANNEL_KEY].frames.next_frame(0, timeout_s=5.0)  # waits only before the first
    if frame is None:
        raise web.HTTPServiceUnavailable(text="no frame rendered yet\n")
    jpeg = await asyncio.get_running_loop().run_in_executor(None, request.app[JPEG_KEY].encode, frame)
    return web.Response(body=jpeg, content_type="image/jpeg", headers={"Cache-Control": "no-store"})


async def screenshot(request: web.Request) -> web.Response:
    """The current picture as a lossless PNG download."""
    frame = await request.app[CHANNEL_KEY].frames.next_frame(0, timeout_s=5.0)
    if frame is None:
        raise web.HTTPServiceUnavailable(text="no frame rendered yet\n")
    png = await asyncio.get_running_loop().run_in_executor(None, encode_png, frame.pixels)
    return web.Response(
        body=png, content_type="image/png",
        headers={"Cache-Control": "no-store", "Content-Disposition": 'attachment; filename="helios.png"'},
    )


async def session_file(request: web.Request) -> web.Response:
    """The view as a session file that `helios view --session FILE` restores."""
    export = request.app[CHANNEL_KEY].export_session
    if export is None:
        raise web.HTTPNotFound(text="this view cannot be saved\n")
    data = await asyncio.get_running_loop().run_in_executor(None, export)
    return web.Response(
        body=data, content_type="application/json",
        headers={"Cache-Control": "no-store", "Content-Disposition": 'attachment; filename="view.helios.json"'},
    )


async def interaction_socket(request: web.Request) -> web.WebSocketResponse:
    app = request.app
    socket = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES * 4, heartbeat=20.0)
    await socket.prepare(request)
    app[SOCKETS_KEY].add(socket)
    channel = app[CHANNEL_KEY]
    viewer_id = secrets.token_hex(4)
    await socket.send_json(hello_message(viewer_id, channel.describe()))
    for latest in channel.messages.add(socket):
        await socket.send_json(latest)
    loop = asyncio.get_running_loop()
    try:
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                try:
                    event = parse_message(message.data)
                except ProtocolError as error:
                    await socket.send_json(error_message(str(error)))
                    continue
                if event["type"] == "ping":
                    await socket.send_json({"type": "pong", "sent_ms": event["sent_ms"]})
                elif event["type"] == "search":
                    matches = await loop.run_in_executor(None, channel.search, event["query"])
                    await socket.send_json({"type": "search_results", "query": event["query"], "matches": matches})
                else:
                    channel.submit_event({**event, "viewer_id": viewer_id})
            elif message.type == WSMsgType.BINARY:
                await socket.send_json(error_message("binary messages are not part of the protocol; send JSON text"))
            elif message.type == WSMsgType.ERROR:
                logger.info("socket of viewer %s closed with %s", viewer_id, socket.exception())
    finally:
        channel.messages.remove(socket)
    return socket


async def favicon(request: web.Request) -> web.Response:
    return web.Response(status=204)


async def view_info(request: web.Request) -> web.Response:
    return web.Response(
        text=json.dumps(request.app[CHANNEL_KEY].describe()), content_type="application/json"
    )


async def _publish_status(app: web.Application) -> None:
    channel = app[CHANNEL_KEY]
    while True:
        await asyncio.sleep(STATUS_INTERVAL_S)
        if channel.messages.socket_count:
            channel.messages.publish({"type": "status", **channel.status()})


async def _on_startup(app: web.Application) -> None:
    app[CHANNEL_KEY].messages.attach(asyncio.get_running_loop())
    app[STATUS_TASK_KEY] = asyncio.create_task(_publish_status(app))


async def _on_shutdown(app: web.Application) -> None:
    app[STATUS_TASK_KEY].cancel()
    app[CLOSING_KEY].set()
    for socket in list(app[SOCKETS_KEY]):
        await socket.close(code=1001, message=b"server shutting down")
    peers = list(app[PEERS_KEY])
    app[PEERS_KEY].clear()
    await asyncio.gather(*(peer.close() for peer in peers), return_exceptions=True)
    for task in list(app[STREAMS_KEY]):
        task.cancel()


def create_app(channel: ViewChannel, config: ServerConfig) -> web.Application:
    """Build the aiohttp application serving one view.

    Parameters
    ----------
    channel : ViewChannel
        The frames to stream and the sink for interaction messages.
    config : ServerConfig
        Server settings, including the access token.
    """
    app = web.Application(middlewares=[_token_middleware], client_max_size=256 * 1024)
    app[CONFIG_KEY] = config
    app[CHANNEL_KEY] = channel
    app[PEERS_KEY] = set()
    app[SOCKETS_KEY] = weakref.WeakSet()
    app[STREAMS_KEY] = set()
    app[YUV_KEY] = YuvConverter()
    app[JPEG_KEY] = JpegEncoder(config.mjpeg_quality)
    app[CLOSING_KEY] = asyncio.Event()
    app.router.add_get("/", index)
    app.router.add_post("/offer", offer)
    app.router.add_get("/mjpeg", mjpeg)
    app.router.add_get("/frame.jpg", snapshot)
    app.router.add_get("/screenshot.png", screenshot)
    app.router.add_get("/session.json", session_file)
    app.router.add_get("/ws", interaction_socket)
    app.router.add_get("/view.json", view_info)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_static("/static/", STATIC_DIRECTORY)
    app.on_startup.append(_on_startup)
    app.on_shutdown.append(_on_shutdown)
    return app
