"""Tools of a hostile viewer who holds a valid link, and the checks that everyone else is still served.

Every client here talks to a real `helios view` on 127.0.0.1 only, and every loop is bounded.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import struct
import time

import aiohttp
import psutil
from aiortc import RTCPeerConnection, RTCSessionDescription


def split_url(url: str) -> tuple[str, str]:
    """(base URL, token) of a `helios: open` URL."""
    base, token = url.split("/?token=")
    return base, token


def resources(pid: int) -> dict[str, float]:
    """RSS (MB), threads and open file descriptors of a process."""
    process = psutil.Process(pid)
    return {"rss_mb": process.memory_info().rss / 2**20, "threads": process.num_threads(),
            "fds": process.num_fds()}


def udp_sockets(pid: int) -> int:
    """UDP sockets of a process: aioice opens them per WebRTC peer and closes them with it."""
    return len(psutil.Process(pid).net_connections(kind="udp"))


async def receive_type(socket, wanted: str, timeout_s: float = 10.0) -> dict:
    """The next message of type ``wanted`` on an aiohttp client socket (others are skipped)."""
    deadline = time.monotonic() + timeout_s
    while True:
        message = await socket.receive_json(timeout=max(0.01, deadline - time.monotonic()))
        if message["type"] == wanted:
            return message


async def frame(session: aiohttp.ClientSession, base: str, token: str) -> bytes:
    async with session.get(f"{base}/frame.jpg?token={token}") as response:
        assert response.status == 200, response.status
        return await response.read()


async def drag(socket, start=(0.03, 0.03), end=(0.25, 0.2), steps: int = 10) -> None:
    """A left-button drag over the view (it pans the camera, or moves a node it starts on)."""
    pointer = {"type": "pointer", "button": "left", "shift": False, "ctrl": False}
    await socket.send_str(json.dumps({**pointer, "action": "down", "x": start[0], "y": start[1]}))
    for step in range(1, steps + 1):
        x = start[0] + (end[0] - start[0]) * step / steps
        y = start[1] + (end[1] - start[1]) * step / steps
        await socket.send_str(json.dumps({**pointer, "action": "move", "x": x, "y": y}))
        await asyncio.sleep(0.02)
    await socket.send_str(json.dumps({**pointer, "action": "up", "x": end[0], "y": end[1]}))


async def good_viewer_check(url: str, timeout_s: float = 15.0) -> dict:
    """A well-behaved viewer: hello, a ping answered, and a drag that changes the picture.

    Returns the ping round trip (ms) and the time from the drag to a changed picture (s); raises
    AssertionError if any of it does not happen within ``timeout_s``.
    """
    base, token = split_url(url)
    async with aiohttp.ClientSession() as session, session.ws_connect(f"{base}/ws?token={token}") as socket:
        await receive_type(socket, "hello", timeout_s)
        sent = time.perf_counter()
        await socket.send_str(json.dumps({"type": "ping", "sent_ms": 1.0}))
        await receive_type(socket, "pong", timeout_s)
        ping_ms = (time.perf_counter() - sent) * 1000
        await socket.send_str(json.dumps({"type": "reset_camera"}))
        await asyncio.sleep(0.5)
        before = await frame(session, base, token)
        dragged = time.monotonic()
        await drag(socket)
        while True:
            await asyncio.sleep(0.1)
            if await frame(session, base, token) != before:
                break
            assert time.monotonic() - dragged < timeout_s, "the picture did not change after a drag"
        changed_s = time.monotonic() - dragged
        await socket.send_str(json.dumps({"type": "reset_camera"}))
    return {"ping_ms": ping_ms, "changed_s": changed_s}


def websocket_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """One masked client frame (RFC 6455), as a browser would send it."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 2**16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return header + mask + masked


def raw_websocket(url: str, receive_buffer_bytes: int | None = None) -> socket.socket:
    """A WebSocket opened by hand on a plain socket, so the caller decides whether it ever reads."""
    base, token = split_url(url)
    host, port = base.removeprefix("http://").split(":")
    connection = socket.socket()
    if receive_buffer_bytes:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer_bytes)
    connection.connect((host, int(port)))
    connection.sendall(
        f"GET /ws?token={token} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = connection.recv(1)
        assert chunk, "the server closed the socket during the handshake"
        response += chunk
    assert response.startswith(b"HTTP/1.1 101"), response
    return connection


async def stalled_offer(url: str) -> int:
    """POST a real aiortc offer with its ICE candidates removed: it can never connect. Returns the status."""
    base, token = split_url(url)
    peer = RTCPeerConnection()
    peer.addTransceiver("video", direction="recvonly")
    await peer.setLocalDescription(await peer.createOffer())
    sdp = "\r\n".join(
        line for line in peer.localDescription.sdp.split("\r\n")
        if not line.startswith(("a=candidate", "a=end-of-candidates"))
    )
    await peer.close()
    offer_url = f"{base}/offer?token={token}"
    async with aiohttp.ClientSession() as session, session.post(offer_url, json={"sdp": sdp, "type": "offer"}) as response:
        return response.status


async def watch_video(url: str, frames_wanted: int, timeout_s: float = 20.0) -> int:
    """A real aiortc viewer: connect, decode ``frames_wanted`` frames, close. Returns the HTTP status."""
    base, token = split_url(url)
    peer = RTCPeerConnection()
    peer.addTransceiver("video", direction="recvonly")
    received = asyncio.get_running_loop().create_future()

    @peer.on("track")
    def on_track(track):
        async def read():
            try:
                for _ in range(frames_wanted):
                    await track.recv()
                received.set_result(True)
            except Exception as error:  # noqa: BLE001 - reported through the future
                if not received.done():
                    received.set_exception(error)

        asyncio.ensure_future(read())

    try:
        await peer.setLocalDescription(await peer.createOffer())
        async with aiohttp.ClientSession() as session, session.post(
            f"{base}/offer?token={token}",
            json={"sdp": peer.localDescription.sdp, "type": peer.localDescription.type},
        ) as response:
            if response.status != 200:
                return response.status
            await peer.setRemoteDescription(RTCSessionDescription(**await response.json()))
        await asyncio.wait_for(received, timeout_s)
        return 200
    finally:
        await peer.close()
