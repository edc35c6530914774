"""Publishing the one encoded stream to a Janus VideoRoom, so viewers watch through the SFU.

With ``--publish janus:http://HOST:8088/janus?room=N`` helios is a single publisher of room ``N``
(created if missing, H.264 only): one WebRTC peer, to Janus, gets the shared encoder's packets, and
every page subscribes to the room from Janus (its HTTP API, from the page's own script) while its
interaction stays on helios's socket. Adding viewers then costs helios nothing.

:class:`JanusPublisher` keeps the publication up: it creates a Janus session, attaches the VideoRoom
plugin, joins as publisher with an aiortc offer and long-polls the session (which also keeps it
alive). When Janus is unreachable or drops (a failed request, a lost session, the peer failing) it
logs one line, tells the pages (they fall back to helios's own stream), and tries again every
:data:`RETRY_S`; when the publication is up again, pages that connect from then on use it.

The Janus HTTP API: ``POST url`` ``{"janus": "create"}`` makes a session; ``POST url/session``
``{"janus": "attach", "plugin": ...}`` a handle; ``POST url/session/handle`` ``{"janus": "message",
"body": ..., "jsep": ...}`` talks to the plugin (synchronous requests answer at once, asynchronous
ones with an ``ack`` and later an ``event`` on the long poll ``GET url/session``).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import aiohttp
from aiortc import RTCPeerConnection, RTCRtpSender, RTCSessionDescription

from web.peers import PacketTrack, new_peer
from web.stream import EncodedStream

logger = logging.getLogger(__name__)

RETRY_S = 5.0
"""After a failure, the next attempt to publish comes this much later."""

REQUEST_TIMEOUT_S = 10.0
"""A Janus request (not the long poll) that takes longer counts as a failure."""

LONG_POLL_TIMEOUT_S = 45.0
"""Janus answers a long poll within 30 s (a keepalive when nothing happened); longer is a failure."""

CONNECT_TIMEOUT_S = 10.0
"""The publisher's peer must connect to Janus within this time of the answer."""

ROOM_BITRATE_BPS = 8_000_000
"""The room's cap on the publisher's bitrate (the shared encoder caps itself lower)."""


class JanusError(Exception):
    """Janus refused a request or could not be reached."""


@dataclass(frozen=True)
class SfuTarget:
    """Where to publish: ``janus:URL?room=N[&viewers=URL]``.

    Attributes
    ----------
    api_url : str
        Janus's HTTP API as helios reaches it (``http://host:8088/janus``).
    room : int
        The VideoRoom's number.
    viewer_url : str
        Janus's HTTP API as the viewers' browsers reach it (behind a reverse proxy, say); the API
        URL by default.
    """

    api_url: str
    room: int
    viewer_url: str

    @classmethod
    def parse(cls, text: str) -> SfuTarget:
        """Parse ``janus:http://HOST:PORT/janus?room=N[&viewers=https://...]``; ValueError names what is wrong."""
        kind, _, url = text.partition(":")
        if kind != "janus" or not url:
            raise ValueError(f"--publish takes janus:http://HOST:PORT/janus?room=N; got {text!r}")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the Janus API is an http:// or https:// URL; got {url!r}")
        query = parse_qs(parts.query)
        rooms = query.pop("room", [])
        if len(rooms) != 1 or not rooms[0].isdigit() or not 0 < int(rooms[0]) < 2**53:
            raise ValueError(f"name the Janus room as ?room=N, a positive number; got {url!r}")
        viewers = query.pop("viewers", [""])[-1]
        if query:
            raise ValueError(f"unknown --publish parameter(s) {', '.join(sorted(query))}; known: room, viewers")
        if viewers and urlsplit(viewers).scheme not in ("http", "https"):
            raise ValueError(f"viewers= is the Janus API as browsers reach it, an http(s):// URL; got {viewers!r}")
        api_url = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") or "/janus", "", ""))
        return cls(api_url=api_url, room=int(rooms[0]), viewer_url=viewers or api_url)


class JanusSession:
    """One Janus session over its HTTP API, with a VideoRoom handle."""

    def __init__(self, http: aiohttp.ClientSession, api_url: str) -> None:
        self._http = http
        self._api_url = api_url
        self.session_id: int | None = None
        self.handle_id: int | None = None

    async def _post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        body = {**body, "transaction": secrets.token_hex(6)}
        try:
            async with self._http.post(url, json=body, timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)) as reply:
                answer = await reply.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise JanusError(f"{url} did not answer ({type(error).__name__}: {error})") from None
        if not isinstance(answer, dict) or answer.get("janus") == "error":
            reason = answer.get("error", {}).get("reason") if isinstance(answer, dict) else answer
            raise JanusError(f"Janus refused {body.get('janus')}: {reason}")
        return answer

    async def open(self) -> None:
        self.session_id = (await self._post(self._api_url, {"janus": "create"}))["data"]["id"]
        attached = await self._post(f"{self._api_url}/{self.session_id}",
                                    {"janus": "attach", "plugin": "janus.plugin.videoroom"})
        self.handle_id = attached["data"]["id"]

    async def request(self, body: dict[str, Any], jsep: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a plugin message; the plugin's data for a synchronous request, ``{}`` for an ack."""
        message: dict[str, Any] = {"janus": "message", "body": body}
        if jsep is not None:
            message["jsep"] = jsep
        answer = await self._post(f"{self._api_url}/{self.session_id}/{self.handle_id}", message)
        data = answer.get("plugindata", {}).get("data", {})
        if data.get("error"):
            raise JanusError(f"the VideoRoom refused {body.get('request')}: {data['error']}")
        return data

    async def events(self) -> list[dict[str, Any]]:
        """The next events of the session (long poll; a keepalive only when nothing happened)."""
        url = f"{self._api_url}/{self.session_id}?maxev=10"
        try:
            async with self._http.get(url, timeout=aiohttp.ClientTimeout(total=LONG_POLL_TIMEOUT_S)) as reply:
                answer = await reply.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise JanusError(f"{self._api_url} stopped answering ({type(error).__name__})") from None
        events = answer if isinstance(answer, list) else [answer]
        for event in events:
            if isinstance(event, dict) and event.get("janus") == "error":
                raise JanusError(f"Janus ended the session: {event.get('error', {}).get('reason')}")
        return [event for event in events if isinstance(event, dict)]

    async def close(self) -> None:
        if self.session_id is None:
            return
        try:
            await self._post(f"{self._api_url}/{self.session_id}", {"janus": "destroy"})
        except JanusError:
            pass  # gone already
        self.session_id = self.handle_id = None


class JanusPublisher:
    """Keeps the H.264 stream published to a Janus VideoRoom (see the module docstring).

    Parameters
    ----------
    target : SfuTarget
        Janus and the room.
    stream : callable
        Returns the shared H.264 :class:`~web.stream.EncodedStream`.
    ice_servers : callable
        Returns the STUN/TURN servers for a new peer to Janus (as in ``ServerConfig``; called for each
        publication, so a minted TURN credential is fresh each time).
    on_change : callable
        Called on the event loop with the pages' subscription (``{"url", "room", "feed"}``) when the
        publication comes up, and with None when it goes down.
    """

    def __init__(self, target: SfuTarget, stream: Callable[[], EncodedStream],
                 ice_servers: Callable[[], list[dict[str, str]]], on_change: Callable[[dict[str, Any] | None], None]) -> None:
        self.target = target
        self._stream = stream
        self._ice_servers = ice_servers
        self._on_change = on_change
        self.subscription: dict[str, Any] | None = None
        self.peer: RTCPeerConnection | None = None
        self.track: PacketTrack | None = None
        self.failures = 0
        self._room_secret = secrets.token_urlsafe(16)
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="helios-janus-publisher")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        async with aiohttp.ClientSession() as http:
            while True:
                janus = JanusSession(http, self.target.api_url)
                try:
                    await self._publish(janus)
                    self.failures = 0
                    await self._watch(janus)
                except (JanusError, ConnectionError, TimeoutError) as error:
                    self._went_down(str(error))
                except asyncio.CancelledError:
                    await self._tear_down(janus)
                    raise
                except Exception as error:  # an unexpected failure: helios keeps serving on its own stream
                    logger.exception("publishing to Janus failed")
                    self._went_down(f"{type(error).__name__}: {error}")
                await self._tear_down(janus)
                await asyncio.sleep(RETRY_S)

    def _went_down(self, reason: str) -> None:
        self.failures += 1
        if self.subscription is not None or self.failures == 1:  # one line per outage, not per retry
            print(f"helios: the SFU at {self.target.api_url} is unreachable ({reason}); viewers get helios's "
                  f"own stream; retrying every {RETRY_S:g} s", flush=True)
        if self.subscription is not None:
            self.subscription = None
            self._on_change(None)

    async def _publish(self, janus: JanusSession) -> None:
        await janus.open()
        room = self.target.room
        if not (await janus.request({"request": "exists", "room": room})).get("exists"):
            # One publisher (helios); the secret, known to this process only, guards editing and
            # destroying the room against anyone holding a link (its viewers learn the room's number).
            await janus.request({"request": "create", "room": room, "publishers": 1, "videocodec": "h264",
                                 "bitrate": ROOM_BITRATE_BPS, "fir_freq": 2, "description": "helios view",
                                 "secret": self._room_secret})
        self.peer = peer = new_peer(self._ice_servers())
        self.track = track = PacketTrack()
        transceiver = peer.addTransceiver(track, direction="sendonly")
        transceiver.setCodecPreferences(
            [codec for codec in RTCRtpSender.getCapabilities("video").codecs if codec.mimeType == "video/H264"])
        stream = self._stream()
        transceiver.sender._send_keyframe = stream.request_key_frame  # Janus's PLI/FIR: the shared encoder's key frame
        await peer.setLocalDescription(await peer.createOffer())  # aiortc gathers its candidates first
        await janus.request(
            {"request": "joinandconfigure", "ptype": "publisher", "room": room, "display": "helios"},
            {"type": "offer", "sdp": peer.localDescription.sdp, "trickle": False},
        )
        feed = None
        deadline = asyncio.get_running_loop().time() + CONNECT_TIMEOUT_S
        while feed is None:
            if asyncio.get_running_loop().time() > deadline:  # only keepalives came: Janus never answered
                raise JanusError(f"the VideoRoom did not answer the publish within {CONNECT_TIMEOUT_S:g} s")
            for event in await janus.events():
                data = event.get("plugindata", {}).get("data", {})
                if data.get("error"):
                    raise JanusError(f"the VideoRoom refused to publish: {data['error']}")
                if data.get("videoroom") == "joined":
                    feed = data["id"]
                if event.get("jsep", {}).get("type") == "answer":
                    await peer.setRemoteDescription(RTCSessionDescription(**{
                        key: event["jsep"][key] for key in ("sdp", "type")}))
        connected = asyncio.Event()

        @peer.on("connectionstatechange")
        def on_state_change() -> None:
            if peer.connectionState == "connected":
                connected.set()

        if peer.connectionState != "connected":
            await asyncio.wait_for(connected.wait(), CONNECT_TIMEOUT_S)
        track.attach(stream)
        self.subscription = {"url": self.target.viewer_url, "room": room, "feed": feed}
        print(f"helios: publishing to the SFU at {self.target.api_url}, room {room}: viewers watch through it",
              flush=True)
        self._on_change(self.subscription)

    async def _watch(self, janus: JanusSession) -> None:
        """Long-poll the session (its keepalive) until Janus or the peer goes away."""
        peer = self.peer
        while True:
            poll = asyncio.ensure_future(janus.events())
            while not poll.done():
                await asyncio.wait({poll}, timeout=1.0)
                if peer.connectionState in ("failed", "closed"):
                    poll.cancel()
                    raise JanusError(f"the peer to Janus is {peer.connectionState}")
            for event in poll.result():
                if event.get("janus") in ("hangup", "detached"):
                    raise JanusError(f"Janus hung up ({event.get('reason', event.get('janus'))})")

    async def _tear_down(self, janus: JanusSession) -> None:
        if self.track is not None:
            self.track.stop()
            self.track = None
        if self.peer is not None:
            await self.peer.close()
            self.peer = None
        await janus.close()
