"""The aiohttp application: the page, WebRTC offers, the MJPEG stream and the interaction socket.

``web`` knows nothing of VTK or layouts: it streams whatever a :class:`ViewChannel` publishes and
forwards validated interaction messages to the channel's ``submit_event``.
"""

from __future__ import annotations

import asyncio
import gc
import hmac
import importlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web
from yarl import URL

from web.connections import SEND_TIMEOUT_S, ConnectionGuard, ViewerConnection
from web.encoders import JpegEncoder, YuvConverter, encode_png
from web.frames import LatestFrameSlot
from web.messages import MessageHub
from web.presence import EDITOR, WATCHER, Presence
from web.protocol import (
    MAX_MESSAGE_BYTES,
    ProtocolError,
    error_message,
    hello_message,
    parse_message,
    server_message,
)
from web.stream import CODECS, EncodedStream, PacketSubscription, StreamEnded
from web.turn import DEFAULT_CREDENTIAL_TTL_S, ice_servers_for

if TYPE_CHECKING:  # imported when used: aiortc only by the first page, the SFU's client only when publishing
    from web.sfu import SfuTarget

logger = logging.getLogger(__name__)

STATIC_DIRECTORY = Path(__file__).parent / "static"
MJPEG_BOUNDARY = "heliosframe"
STATUS_INTERVAL_S = 1.0
PUBLIC_PATHS = frozenset({"/favicon.ico"})  # everything else but /static/ needs the token
ORIGIN_CHECKED_PATHS = frozenset({"/ws", "/offer"})  # what a page of another site could drive
MAX_OFFER_BYTES = 64 * 1024
PEER_COLLECTION_DELAY_S = 2.0
"""A closed aiortc peer is a web of reference cycles (transports and their listeners, a 1,000-bucket bitrate
counter: ~1,500 objects, ~150 kB) that only a full garbage collection frees, and Python runs one only once
the objects made since the last outnumber a quarter of those that survived it: in a view's process (some
220,000 objects) that took about 40 peers, and RSS grew 40 MB over 100 viewers joining and leaving. So this
long after a peer closes, one full collection runs (about 90 ms here; one for a burst of closes)."""


@dataclass(frozen=True)
class ServerConfig:
    """Settings of one view server.

    Attributes
    ----------
    host, port : str, int
        Where to listen; port 0 picks a free port.
    token : str
        The editors' access token (``?token=`` or ``Authorization: Bearer``); random if empty.
    watch_token : str
        The watchers' token: watch, point, hover, search, read the info panel; random if empty.
    max_fps : float
        Upper bound on frames sent per second to one viewer.
    idle_fps : float
        Rate at which an unchanged frame is re-sent, so late or lossy viewers recover.
    mjpeg_quality : int
        JPEG quality of the MJPEG fallback, 1 to 100.
    max_viewers : int
        Simultaneous connected WebRTC peers plus MJPEG streams; more are refused with 503.
    max_pending_offers : int
        WebRTC offers whose connection is not established yet; past that, the oldest is closed.
    ice_connect_timeout_s : float
        An offered peer that has not connected this long after its answer is closed, freeing its slot.
    max_frame_width, max_frame_height : int
        The largest picture: the steering editor's stage is scaled down to fit it.
    allowed_origins : tuple of str
        Origins besides the server's own whose pages may open ``/ws`` and ``/offer``
        (e.g. ``https://notebooks.example.org``).
    request_timeout_s : float
        A connection must finish each request's headers (and an offer its body) within this time.
    ice_servers : tuple of dict
        STUN/TURN servers for both ends of every WebRTC connection: ``{"urls": "turn:host:3478",
        "username": ..., "credential": ...}``. Empty: no server is contacted, only host candidates.
    ice_secret : str
        The TURN servers' ``static-auth-secret``: each page (and each of the server's own peers) then gets
        a credential of its own that expires (``web.turn``), and never the static ones. Empty: as given.
    ice_credential_ttl_s : float
        Lifetime of a credential minted with ``ice_secret``.
    sfu : SfuTarget, optional
        A Janus VideoRoom to publish the stream to; pages then watch through it (``web.sfu``).
    """

    host: str = "127.0.0.1"
    port: int = 0
    token: str = ""
    watch_token: str = ""
    max_fps: float = 30.0
    idle_fps: float = 2.0
    mjpeg_quality: int = 80
    max_viewers: int = 32
    max_pending_offers: int = 8
    ice_connect_timeout_s: float = 5.0
    max_frame_width: int = 1920
    max_frame_height: int = 1080
    allowed_origins: tuple[str, ...] = ()
    request_timeout_s: float = 10.0
    ice_servers: tuple[dict[str, str], ...] = ()
    ice_secret: str = field(default="", repr=False)
    ice_credential_ttl_s: float = DEFAULT_CREDENTIAL_TTL_S
    sfu: SfuTarget | None = None

    def __post_init__(self) -> None:
        for server in self.ice_servers:
            if not str(server.get("urls", "")).startswith(("stun:", "turn:", "turns:")):
                raise ValueError(f"an ICE server is stun:, turn: or turns:HOST[:PORT]; got {server.get('urls')!r}")
        if self.ice_credential_ttl_s <= 0:
            raise ValueError(f"a TURN credential lives a positive number of seconds; got {self.ice_credential_ttl_s}")
        if not self.token:
            object.__setattr__(self, "token", secrets.token_urlsafe(16))
        if not self.watch_token:
            object.__setattr__(self, "watch_token", secrets.token_urlsafe(16))
        if self.watch_token == self.token:
            raise ValueError("the watch token must differ from the editors' token")


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
    export_snapshot : callable, optional
        Returns the view as one self-contained HTML page (bytes) for ``/snapshot.html``; runs in an executor.
    export_selection : callable, optional
        ``export_selection(format)`` returns the selected nodes' subgraph as a file for
        ``/selection.FORMAT`` (graphml, gexf, gml, json, csv); runs in an executor.
    control : callable, optional
        ``control(message)`` acts on an editor's ``filter``, ``legend`` or ``relayout`` message and
        returns the error text to send back, or None; must not block (the work it starts runs elsewhere).
    """

    frames: LatestFrameSlot
    submit_event: Callable[[dict[str, Any]], None]
    describe: Callable[[], dict[str, Any]]
    status: Callable[[], dict[str, Any]] = dict
    search: Callable[[str], list[dict[str, Any]]] = lambda query: []
    messages: MessageHub = field(default_factory=MessageHub)
    export_session: Callable[[], bytes] | None = None
    export_snapshot: Callable[[], bytes] | None = None
    control: Callable[[dict[str, Any]], str | None] = lambda message: "this view has no filters"
    export_selection: Callable[[str], bytes] | None = None


CONTROL_MESSAGES = ("filter", "legend", "edge_legend", "relayout", "history", "select_area", "select_toggle",
                    "select_range", "select_nodes", "selection_action", "path", "path_clear", "measure")
"""The messages that change what every viewer sees: the channel's ``control`` acts on them (editors only)."""
CONFIG_KEY = web.AppKey("config", ServerConfig)
CHANNEL_KEY = web.AppKey("channel", ViewChannel)
PEERS_KEY = web.AppKey("peers", dict)  # RTCPeerConnection -> the task closing it unless it connects, oldest first
GUARD_KEY = web.AppKey("connection_guard", ConnectionGuard)
PRESENCE_KEY = web.AppKey("presence", Presence)
ROLE_KEY = web.RequestKey("role", str)  # a request's role, set by the token middleware
BACKGROUND_TASKS_KEY = web.AppKey("background_tasks", set)  # offer expiries, peers being closed
STREAMS_KEY = web.AppKey("mjpeg_streams", set)
VIDEO_STREAMS_KEY = web.AppKey("video_streams", dict)  # codec name -> EncodedStream, made when first needed
YUV_KEY = web.AppKey("yuv_converter", YuvConverter)
JPEG_KEY = web.AppKey("jpeg_encoder", JpegEncoder)
SNAPSHOT_LOCK_KEY = web.AppKey("snapshot_lock", asyncio.Lock)  # one page saved at a time
CLOSING_KEY = web.AppKey("closing", asyncio.Event)
STATUS_TASK_KEY = web.AppKey("status_task", asyncio.Task)
SFU_KEY = web.AppKey("sfu_publisher", object)  # a web.sfu.JanusPublisher, present when publishing to an SFU
PEERS_MODULE_KEY = web.AppKey("peers_module", dict)  # "import": web.peers being imported in the background
COLLECTION_KEY = web.AppKey("peer_collection", dict)  # "handle": the pending collection of closed peers, if any


def _role(request: web.Request) -> str | None:
    """``editor`` or ``watcher`` for the token the request presents, None for no or a wrong token."""
    config = request.app[CONFIG_KEY]
    offered = request.query.get("token", "")
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        offered = header[len("Bearer ") :]
    offered_bytes = offered.encode()
    editor = hmac.compare_digest(offered_bytes, config.token.encode())
    watcher = hmac.compare_digest(offered_bytes, config.watch_token.encode())
    return EDITOR if editor else WATCHER if watcher else None


def _refuse(reason: str) -> web.HTTPForbidden:
    return web.HTTPForbidden(
        text=f"helios: {reason}; open the full URL that `helios view` printed (it carries ?token=...)\n"
    )


def _same_or_allowed_origin(request: web.Request) -> bool:
    """A request without an Origin (not from a page) or from this server's own origin or a listed one.

    Behind a reverse proxy or the notebook's proxy the browser's origin is the proxy's; such proxies
    keep the Host header or say where they were reached in X-Forwarded-Host.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    if origin.rstrip("/") in request.app[CONFIG_KEY].allowed_origins:
        return True
    try:
        origin_url = URL(origin)
        if origin_url.scheme not in ("http", "https") or not origin_url.host:
            return False
        served_as = [request.headers.get("X-Forwarded-Host", ""), request.host]
        return any(
            host and (URL(f"{origin_url.scheme}://{host}").host, URL(f"{origin_url.scheme}://{host}").port)
            == (origin_url.host, origin_url.port)
            for host in served_as
        )
    except ValueError:
        return False


@web.middleware
async def _token_middleware(request: web.Request, handler):
    if request.path.startswith("/static/") or request.path in PUBLIC_PATHS:
        return await handler(request)
    role = _role(request)
    if role is None:
        raise _refuse("access token missing or wrong")
    request[ROLE_KEY] = role
    if request.transport is not None:
        request.app[GUARD_KEY].authorise(request.transport)
    if request.path in ORIGIN_CHECKED_PATHS and not _same_or_allowed_origin(request):
        raise web.HTTPForbidden(
            text=f"helios: pages from {request.headers.get('Origin')!r} may not drive this view; "
            "start helios with --allow-origin ORIGIN to allow them\n"
        )
    return await handler(request)


def _connected_peers(app: web.Application) -> list:
    return [peer for peer in app[PEERS_KEY] if peer.connectionState == "connected"]


def _viewer_count(app: web.Application) -> int:
    """Viewers holding a stream slot: connected WebRTC peers and MJPEG streams."""
    return len(_connected_peers(app)) + len(app[STREAMS_KEY])


def _peers_module(app: web.Application) -> asyncio.Future:
    """:mod:`web.peers` (and so aiortc), imported once on an executor thread: the event loop goes on."""
    holder = app[PEERS_MODULE_KEY]
    if "import" not in holder:
        holder["import"] = asyncio.get_running_loop().run_in_executor(None, importlib.import_module, "web.peers")
    return holder["import"]


async def index(request: web.Request) -> web.FileResponse:
    _peers_module(request.app)  # the page's offer follows: have aiortc ready for it
    return web.FileResponse(STATIC_DIRECTORY / "index.html", headers={"Cache-Control": "no-store"})


def _ice_servers(config: ServerConfig, user: str) -> list[dict[str, str]]:
    """The ICE servers for one peer, with a TURN credential minted for ``user`` when there is a secret."""
    return ice_servers_for(config.ice_servers, config.ice_secret, config.ice_credential_ttl_s, user)


def _video_stream(app: web.Application, codec: str) -> EncodedStream:
    streams, config = app[VIDEO_STREAMS_KEY], app[CONFIG_KEY]
    if codec not in streams:
        streams[codec] = EncodedStream(app[CHANNEL_KEY].frames, app[YUV_KEY], codec, config.max_fps, config.idle_fps)
    return streams[codec]


def negotiated_codec(sdp: str) -> str | None:
    """The codec (``h264`` or ``vp8``) of the first payload type of an SDP's video line, if it is one of ours."""
    lines = sdp.splitlines()
    media = next((line for line in lines if line.startswith("m=video")), None)
    if media is None or len(media.split()) < 4:
        return None
    payload_type = media.split()[3]
    rtpmap = next((line for line in lines if line.startswith(f"a=rtpmap:{payload_type} ")), "")
    name = rtpmap.split(" ", 1)[-1].split("/")[0].lower()
    return name if name in CODECS else None


def _release_peer(app: web.Application, peer) -> None:
    """Forget ``peer`` at once and close it in a task of its own, which a cancelled handler cannot stop."""
    expiry = app[PEERS_KEY].pop(peer, None)
    if expiry is not None:
        expiry.cancel()  # it would hold the closed peer until its timeout
    for connection in app[PRESENCE_KEY].viewers:
        connection.peers.discard(peer)
    for sender in peer.getSenders():
        if sender.track is not None:
            sender.track.stop()  # unsubscribes it from the encoded stream
    _track(app, asyncio.ensure_future(_close_peer(app, peer)))


async def _close_peer(app: web.Application, peer) -> None:
    """Close ``peer``, then have its reference cycles collected soon (see :data:`PEER_COLLECTION_DELAY_S`)."""
    await peer.close()
    holder = app[COLLECTION_KEY]
    if holder.get("handle") is None:
        holder["handle"] = asyncio.get_running_loop().call_later(PEER_COLLECTION_DELAY_S, _collect_closed_peers, holder)


def _collect_closed_peers(holder: dict) -> None:
    holder["handle"] = None
    gc.collect()


def _track(app: web.Application, task: asyncio.Future) -> None:
    """Keep a background task until it ends; shutdown waits for (or cancels) what is left."""
    app[BACKGROUND_TASKS_KEY].add(task)
    task.add_done_callback(app[BACKGROUND_TASKS_KEY].discard)


async def _close_unless_connected(app: web.Application, peer, timeout_s: float) -> None:
    """Free the slot of an offer whose ICE never connects (no candidates, unreachable ones)."""
    await asyncio.sleep(timeout_s)
    if peer.connectionState != "connected" and peer in app[PEERS_KEY]:
        logger.info("peer %s did not connect within %g s; closed", id(peer), timeout_s)
        app[PEERS_KEY][peer] = None  # this task, which need not cancel itself
        _release_peer(app, peer)


async def _read_offer(request: web.Request) -> tuple[str, str]:
    """The offer's SDP and the viewer id it names ('' if none); ValueError names what is wrong."""
    timeout_s = request.app[CONFIG_KEY].request_timeout_s
    try:
        raw = await asyncio.wait_for(request.content.read(MAX_OFFER_BYTES + 1), timeout_s)
    except TimeoutError:
        raise ValueError(f"the offer's body did not arrive within {timeout_s:g} s") from None
    if len(raw) > MAX_OFFER_BYTES:
        raise ValueError(f"an offer is at most {MAX_OFFER_BYTES} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise ValueError("the body is not JSON") from None
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object with sdp and type")  # noqa: TRY004 - one error kind
    sdp, kind, viewer_id = body.get("sdp"), body.get("type"), body.get("viewer_id", "")
    if not isinstance(sdp, str) or not sdp:
        raise ValueError("sdp must be a non-empty string")
    if kind != "offer":
        raise ValueError(f"type must be 'offer', got {str(kind)[:40]!r}")
    if not isinstance(viewer_id, str):
        raise ValueError("viewer_id must be a string")  # noqa: TRY004 - one error kind for a bad offer
    return sdp, viewer_id


async def offer(request: web.Request) -> web.Response:
    app = request.app
    config = app[CONFIG_KEY]
    try:
        sdp, viewer_id = await _read_offer(request)
    except ValueError as error:
        return web.json_response(error_message(f"bad offer: {error}"), status=400)
    if _viewer_count(app) >= config.max_viewers:
        return web.json_response(error_message("too many viewers; try again later"), status=503)
    pending = [peer for peer in app[PEERS_KEY] if peer.connectionState != "connected"]
    for stale in pending[: max(0, len(pending) - config.max_pending_offers + 1)]:
        logger.info("more than %d offers pending; closed the oldest", config.max_pending_offers)
        _release_peer(app, stale)  # like unauthorised connections: the oldest goes, a newcomer gets in

    peers = await _peers_module(app)
    viewer = app[PRESENCE_KEY].get(viewer_id)
    peer = peers.new_peer(_ice_servers(config, f"helios-{viewer.viewer_id}" if viewer else "helios"))
    app[PEERS_KEY][peer] = None
    if viewer is not None:
        viewer.peers.add(peer)  # a closed tab closes its socket at once: its peer goes with it

    track = peers.PacketTrack()
    transceiver = peer.addTransceiver(track, direction="sendonly")
    transceiver.setCodecPreferences(peers.preferred_codecs())  # before setRemoteDescription
    try:
        await peer.setRemoteDescription(peers.offer_description(sdp))
        await peer.setLocalDescription(await peer.createAnswer())
        codec = negotiated_codec(peer.localDescription.sdp)
        if codec is None:
            raise ValueError(f"the browser offers no video codec this server sends ({', '.join(CODECS)})")
    except Exception as error:  # noqa: BLE001 - aiortc raises several types for an unusable SDP
        _release_peer(app, peer)
        return web.json_response(error_message(f"bad offer: {str(error)[:200]}"), status=400)
    stream = _video_stream(app, codec)
    # The sender hears this peer's picture-loss requests; the shared encoder must make the key frame.
    transceiver.sender._send_keyframe = stream.request_key_frame

    @peer.on("connectionstatechange")
    def on_state_change() -> None:
        logger.info("peer %s is %s", id(peer), peer.connectionState)
        if peer not in app[PEERS_KEY]:
            return
        if peer.connectionState == "connected":
            track.attach(stream)  # from a key frame, at once
        elif peer.connectionState in ("failed", "closed"):
            _release_peer(app, peer)

    if peer in app[PEERS_KEY]:  # not closed meanwhile (its page left)
        expiry = asyncio.create_task(_close_unless_connected(app, peer, config.ice_connect_timeout_s))
        app[PEERS_KEY][peer] = expiry
        _track(app, expiry)
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


async def encoded_video_socket(request: web.Request) -> web.WebSocketResponse:
    """The shared H.264 stream's packets over a WebSocket, for clients that decode it themselves
    (the notebook relay, then WebCodecs in the page). Each binary message is one access unit
    (Annex B), after a byte that is 1 for a key frame; the client sends ``key`` after a loss.
    A client that falls behind skips to the next key frame, as a WebRTC peer does."""
    app = request.app
    if _viewer_count(app) >= app[CONFIG_KEY].max_viewers:
        raise web.HTTPServiceUnavailable(text="too many viewers; try again later\n")
    socket = web.WebSocketResponse(heartbeat=20.0, timeout=1.0, compress=False, max_msg_size=64)
    await socket.prepare(request)
    stream = _video_stream(app, "h264")
    subscription = PacketSubscription()
    subscription.attach(stream)
    task = asyncio.current_task()
    app[STREAMS_KEY].add(task)

    async def read_requests() -> None:
        async for message in socket:
            if message.type == WSMsgType.TEXT and message.data == "key":
                stream.request_key_frame()

    reader = asyncio.create_task(read_requests())
    try:
        while not socket.closed and not app[CLOSING_KEY].is_set():
            packet = await subscription.next_packet()
            header = b"\x01" if packet.is_keyframe else b"\x00"
            await asyncio.wait_for(socket.send_bytes(header + bytes(packet)), SEND_TIMEOUT_S)
    except (StreamEnded, ConnectionResetError, TimeoutError, asyncio.CancelledError):
        pass
    finally:
        subscription.close()
        reader.cancel()
        app[STREAMS_KEY].discard(task)
    return socket


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


async def snapshot_page(request: web.Request) -> web.Response:
    """The view as it is now, as one HTML file that opens anywhere without a server."""
    export = request.app[CHANNEL_KEY].export_snapshot
    if export is None:
        raise web.HTTPNotFound(text="this view cannot be saved as a page\n")
    busy = request.app[SNAPSHOT_LOCK_KEY]
    if busy.locked():  # a page of a big graph costs seconds of CPU: one at a time, for everyone
        raise web.HTTPTooManyRequests(text="a page of this view is being saved; try again in a moment\n")
    async with busy:
        try:
            data = await asyncio.get_running_loop().run_in_executor(None, export)
        except Exception as error:  # noqa: BLE001 - the view's refusal (edited meanwhile, not answering), told
            logger.warning("saving the view as a page failed: %s", error)
            raise web.HTTPServiceUnavailable(text=f"the page could not be saved: {error}\n") from None
    return web.Response(
        body=data, content_type="text/html",
        headers={"Cache-Control": "no-store", "Content-Disposition": 'attachment; filename="view.html"'},
    )


async def selection_file(request: web.Request) -> web.Response:
    """The selected nodes and the edges between them, as a graph file (the page's export)."""
    export = request.app[CHANNEL_KEY].export_selection
    file_format = request.match_info["format"]
    if export is None:
        raise web.HTTPNotFound(text="this view has no selection to export\n")
    data = await asyncio.get_running_loop().run_in_executor(None, export, file_format)
    content_type = {"json": "application/json", "csv": "text/csv"}.get(file_format, "application/xml")
    return web.Response(
        body=data, content_type=content_type,
        headers={"Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="selection.{file_format}"'},
    )


async def interaction_socket(request: web.Request) -> web.WebSocketResponse:
    app = request.app
    # timeout: a closing handshake waits at most this long; compress: no deflate to inflate for anyone.
    socket = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES * 4, heartbeat=20.0, timeout=1.0, compress=False)
    await socket.prepare(request)
    channel, presence = app[CHANNEL_KEY], app[PRESENCE_KEY]
    viewer_id = secrets.token_hex(4)
    connection = ViewerConnection(socket, request.transport, viewer_id, role=request[ROLE_KEY])
    presence.join(connection)
    publisher = app.get(SFU_KEY)
    connection.send(hello_message(viewer_id, connection.role, connection.name, connection.colour, channel.describe(),
                                  _ice_servers(app[CONFIG_KEY], viewer_id),
                                  publisher.subscription if publisher else None))
    for latest in channel.messages.add(connection):
        connection.send(latest)
    searches = _SearchRunner(channel.search, connection)
    try:
        async for message in socket:
            if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                if message.type == WSMsgType.ERROR:
                    logger.info("socket of viewer %s closed with %s", viewer_id, socket.exception())
                continue
            if not connection.admit():
                continue  # over its message budget: dropped, counted, logged once per interval
            try:
                _handle_message(app, connection, searches, message.data)
            except Exception:  # a bug here must cost this message only, not the socket or the server
                logger.exception("handling a message of viewer %s failed; dropped it", viewer_id)
                connection.send(error_message("the server could not handle that message"))
    finally:  # nothing here awaits: a cancelled handler still releases everything
        channel.messages.remove(connection)
        presence.leave(connection)
        searches.cancel()
        connection.close()
        for peer in list(connection.peers):
            _release_peer(app, peer)
    return socket


def _handle_message(app: web.Application, connection: ViewerConnection, searches, data: str | bytes) -> None:
    """Validate one viewer message and act on it; every reply goes to the viewer's bounded queue."""
    try:
        event = parse_message(data)
    except ProtocolError as error:
        connection.send(error_message(str(error)))
        return
    kind = event["type"]
    presence = app[PRESENCE_KEY]
    refusal = presence.may_send(connection, event)
    if refusal:
        connection.send(error_message(refusal))
    elif refusal == "":
        return  # camera input while another editor steers: held off (the page shows who has the camera)
    elif kind == "ping":
        connection.send(server_message("pong", sent_ms=event["sent_ms"]))
    elif kind == "search":
        searches.submit(event["query"])
    elif kind == "identify":
        presence.identify(connection, event["name"], event["colour"])
    elif kind == "cursor":
        presence.point(connection, event["x"], event["y"], event["inside"])
    elif kind == "resize":  # the page's stage; the picture follows the steering editor's
        presence.report_stage(connection, event["width"], event["height"])
    elif kind in CONTROL_MESSAGES:
        refused = app[CHANNEL_KEY].control({**event, "viewer_id": connection.viewer_id, "viewer_name": connection.name})
        if refused:
            connection.send(error_message(refused))
    elif kind != "take_camera":
        app[CHANNEL_KEY].submit_event({**event, "viewer_id": connection.viewer_id, "viewer_name": connection.name})


class _SearchRunner:
    """Runs one viewer's searches in an executor, one at a time; a query typed meanwhile replaces the
    waiting one, so a flood of searches costs one running search and one waiting, not a queue."""

    def __init__(self, search: Callable[[str], list[dict[str, Any]]], connection: ViewerConnection) -> None:
        self._search = search
        self._connection = connection
        self._waiting: str | None = None
        self._task: asyncio.Task | None = None

    def submit(self, query: str) -> None:
        self._waiting = query
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting is not None:
            query, self._waiting = self._waiting, None
            try:
                matches = await loop.run_in_executor(None, self._search, query)
            except Exception:  # a failing search answers nothing; the socket stays
                logger.exception("search for %r failed", query[:40])
                matches = []
            self._connection.send(server_message("search_results", query=query, matches=matches))


async def favicon(request: web.Request) -> web.Response:
    return web.Response(status=204)


async def view_info(request: web.Request) -> web.Response:
    return web.Response(
        text=json.dumps(request.app[CHANNEL_KEY].describe()), content_type="application/json"
    )


async def _video_figures(app: web.Application) -> dict[str, Any]:
    """What the server sends: direct WebRTC peers, MJPEG streams, the SFU publication, and per codec the
    frames encoded, the tracks fed and the bytes sent over RTP (peers and the SFU publisher together)."""
    publisher = app.get(SFU_KEY)
    peers = _connected_peers(app) + ([publisher.peer] if publisher and publisher.peer else [])
    bytes_sent = 0
    for peer in peers:
        for sender in peer.getSenders():
            for report in (await sender.getStats()).values():
                if report.type == "outbound-rtp":
                    bytes_sent += report.bytesSent
    streams = app[VIDEO_STREAMS_KEY]
    return {
        "peers": len(_connected_peers(app)), "mjpeg": len(app[STREAMS_KEY]),
        "sfu": None if publisher is None else ("up" if publisher.subscription else "down"),
        "frames_encoded": {codec: stream.frames_encoded for codec, stream in streams.items()},
        "tracks": {codec: stream.subscriber_count for codec, stream in streams.items()},
        "rtp_bytes_sent": bytes_sent,
    }


async def _publish_status(app: web.Application) -> None:
    channel = app[CHANNEL_KEY]
    while True:
        await asyncio.sleep(STATUS_INTERVAL_S)
        if channel.messages.socket_count:
            try:
                channel.messages.publish(server_message("status", **channel.status(), video=await _video_figures(app)))
            except Exception:  # a failing status must not end the status loop
                logger.exception("building the status failed")


async def _on_startup(app: web.Application) -> None:
    messages, config = app[CHANNEL_KEY].messages, app[CONFIG_KEY]
    messages.attach(asyncio.get_running_loop())
    app[STATUS_TASK_KEY] = asyncio.create_task(_publish_status(app))
    if config.sfu is not None:
        from web.sfu import JanusPublisher

        app[SFU_KEY] = JanusPublisher(config.sfu, lambda: _video_stream(app, "h264"),
                                      lambda: _ice_servers(config, "helios-publisher"),
                                      lambda subscription: messages.publish(server_message("sfu", sfu=subscription)))
        app[SFU_KEY].start()


SHUTDOWN_STEP_S = 0.5


async def _on_shutdown(app: web.Application) -> None:
    """Close every viewer within about a second, however busy or unresponsive they are."""
    app[STATUS_TASK_KEY].cancel()
    if SFU_KEY in app:
        await app[SFU_KEY].close()
    app[PRESENCE_KEY].close()
    app[CLOSING_KEY].set()
    connections = app[PRESENCE_KEY].viewers
    closes = [connection.socket.close(code=1001, message=b"server shutting down") for connection in connections]
    try:
        await asyncio.wait_for(asyncio.gather(*closes, return_exceptions=True), SHUTDOWN_STEP_S)
    except TimeoutError:
        for connection in connections:
            connection.disconnect("the server is shutting down")
    for peer in list(app[PEERS_KEY]):
        _release_peer(app, peer)
    tasks = list(app[BACKGROUND_TASKS_KEY])  # peers closing, offers waiting to expire
    _, late = await asyncio.wait(tasks, timeout=SHUTDOWN_STEP_S) if tasks else (set(), set())
    for task in late:
        task.cancel()
    for task in list(app[STREAMS_KEY]):
        task.cancel()
    if app[COLLECTION_KEY].get("handle") is not None:
        app[COLLECTION_KEY].pop("handle").cancel()
    await asyncio.gather(*(stream.close() for stream in app[VIDEO_STREAMS_KEY].values()))


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
    app[PEERS_KEY] = {}
    app[GUARD_KEY] = ConnectionGuard()
    app[PRESENCE_KEY] = Presence(channel.messages, channel.submit_event,
                                 (config.max_frame_width, config.max_frame_height))
    app[BACKGROUND_TASKS_KEY] = set()
    app[STREAMS_KEY] = set()
    app[VIDEO_STREAMS_KEY] = {}
    app[PEERS_MODULE_KEY] = {}
    app[COLLECTION_KEY] = {}
    app[YUV_KEY] = YuvConverter()
    app[JPEG_KEY] = JpegEncoder(config.mjpeg_quality)
    app[SNAPSHOT_LOCK_KEY] = asyncio.Lock()
    app[CLOSING_KEY] = asyncio.Event()
    app.router.add_get("/", index)
    app.router.add_post("/offer", offer)
    app.router.add_get("/mjpeg", mjpeg)
    app.router.add_get("/video.h264", encoded_video_socket)
    app.router.add_get("/frame.jpg", snapshot)
    app.router.add_get("/screenshot.png", screenshot)
    app.router.add_get("/session.json", session_file)
    app.router.add_get("/snapshot.html", snapshot_page)
    app.router.add_get(r"/selection.{format:graphml|gexf|gml|json|csv}", selection_file)
    app.router.add_get("/ws", interaction_socket)
    app.router.add_get("/view.json", view_info)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_static("/static/", STATIC_DIRECTORY)
    app.on_startup.append(_on_startup)
    app.on_shutdown.append(_on_shutdown)
    return app
