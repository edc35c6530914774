"""WebRTC peers: the only module of the view server that imports aiortc.

aiortc (with its DTLS, SRTP and ICE stacks) takes ~0.15 s to import, so a view starts and shows its
first frame without it; the first page loaded imports this module in the background, before its offer
arrives (``web.app``).
"""

from __future__ import annotations

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from web.stream import EncodedStream, PacketSubscription, StreamEnded

PREFERRED_VIDEO_CODECS = ("video/H264", "video/VP8")


class PacketTrack(MediaStreamTrack):
    """A peer's video track: the shared stream's packets, from the next key frame on."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.subscription = PacketSubscription()

    def attach(self, stream: EncodedStream) -> None:
        self.subscription.attach(stream)

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        try:
            return await self.subscription.next_packet()
        except StreamEnded:
            raise MediaStreamError from None

    def stop(self) -> None:
        self.subscription.close()
        super().stop()


def new_peer(ice_servers) -> RTCPeerConnection:
    """A peer that uses only the STUN/TURN servers the user named (none: no one outside is contacted)."""
    return RTCPeerConnection(RTCConfiguration(iceServers=[
        RTCIceServer(urls=server["urls"], username=server.get("username") or None,
                     credential=server.get("credential") or None) for server in ice_servers
    ]))  # fmt: skip


def offer_description(sdp: str) -> RTCSessionDescription:
    return RTCSessionDescription(sdp=sdp, type="offer")


def preferred_codecs() -> list:
    """Our codecs first (H.264, then VP8), then retransmission."""
    capabilities = RTCRtpSender.getCapabilities("video").codecs
    ordered = [c for name in PREFERRED_VIDEO_CODECS for c in capabilities if c.mimeType == name]
    return ordered + [c for c in capabilities if c.mimeType == "video/rtx"]
