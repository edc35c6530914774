"""Streaming and interaction: the aiohttp app, WebRTC video, MJPEG and the wire protocol.

Streams any frame source and forwards events to any sink; knows nothing of VTK or layouts.
"""

from web.app import ServerConfig, ViewChannel, create_app
from web.frames import Frame, LatestFrameSlot
from web.protocol import PROTOCOL_VERSION, ProtocolError, parse_message
from web.server import BackgroundServer

__all__ = [
    "PROTOCOL_VERSION",
    "BackgroundServer",
    "Frame",
    "LatestFrameSlot",
    "ProtocolError",
    "ServerConfig",
    "ViewChannel",
    "create_app",
    "parse_message",
]
