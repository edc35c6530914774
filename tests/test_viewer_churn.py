"""Viewers come and go without the server keeping anything of them: a `helios view` process's memory after
200 joins and leaves (each an interaction socket and a real aiortc peer that connects) is what it was after
the first 20.

Before the fix, RSS grew by 27 MB over 100 such viewers: a closed peer was held for the ICE-connect timeout by
its expiry task, and then, being a web of reference cycles, waited for one of Python's rare full collections.
"""

import asyncio
import time

import aiohttp
import psutil
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from browser import HeliosProcess

from web.app import PEER_COLLECTION_DELAY_S

pytestmark = pytest.mark.slow

WARM_UP_VIEWERS = 20
VIEWERS = 200
MAX_GROWTH_BYTES = 10 * 1024 * 1024


async def join_and_leave(session: aiohttp.ClientSession, base_url: str, token: str) -> None:
    """One viewer: the interaction socket and its hello, a WebRTC peer that connects, a ping answered, then
    the peer and the socket closed (in that order, as a closing tab does it)."""
    async with session.ws_connect(f"{base_url}/ws?token={token}") as socket:
        hello = await socket.receive_json(timeout=10)
        assert hello["type"] == "hello"
        peer = RTCPeerConnection()
        connected = asyncio.Event()

        @peer.on("connectionstatechange")
        def on_state_change() -> None:
            if peer.connectionState == "connected":
                connected.set()

        peer.addTransceiver("video", direction="recvonly")
        await peer.setLocalDescription(await peer.createOffer())
        offer = {"sdp": peer.localDescription.sdp, "type": "offer", "viewer_id": hello["viewer_id"]}
        async with session.post(f"{base_url}/offer?token={token}", json=offer) as response:
            assert response.status == 200, await response.text()
            await peer.setRemoteDescription(RTCSessionDescription(**await response.json()))
        await asyncio.wait_for(connected.wait(), 10)
        await socket.send_json({"type": "ping", "sent_ms": 1.0})
        while (await socket.receive_json(timeout=10))["type"] != "pong":
            pass
        await peer.close()


async def last_status(base_url: str, token: str) -> tuple[list, dict]:
    """The viewers list and the video figures that a newcomer sees once a status has come."""
    async with aiohttp.ClientSession() as session, session.ws_connect(f"{base_url}/ws?token={token}") as socket:
        viewers, video = None, None
        deadline = time.monotonic() + 10
        while (viewers is None or video is None) and time.monotonic() < deadline:
            message = await socket.receive_json(timeout=10)
            if message["type"] == "viewers":
                viewers = message["viewers"]
            elif message["type"] == "status":
                video = message["video"]
        return viewers, video


async def churn(helios: HeliosProcess) -> tuple[int, int]:
    """RSS of the helios process after the warm-up viewers and after all the others, each once their peers'
    collection has run."""
    process = psutil.Process(helios.process.pid)
    base_url, token = helios.url.split("/?token=")
    async with aiohttp.ClientSession() as session:
        for _ in range(WARM_UP_VIEWERS):
            await join_and_leave(session, base_url, token)
        await asyncio.sleep(PEER_COLLECTION_DELAY_S + 1)
        warmed_up = process.memory_info().rss
        for _ in range(VIEWERS):
            await join_and_leave(session, base_url, token)
        await asyncio.sleep(PEER_COLLECTION_DELAY_S + 1)
        after = process.memory_info().rss
    viewers, video = await last_status(base_url, token)
    assert len(viewers) == 1, viewers  # only the one asking
    assert video["peers"] == 0 and video["tracks"] == {"h264": 0}, video
    return warmed_up, after


def test_two_hundred_viewers_joining_and_leaving_leave_the_memory_as_it_was(shared_data):
    with HeliosProcess("view", str(shared_data / "karate.gml"), "--port", "0", "--no-window") as helios:
        warmed_up, after = asyncio.run(churn(helios))
    growth = after - warmed_up
    print(f"RSS after {WARM_UP_VIEWERS} viewers {warmed_up / 1e6:.1f} MB, after {VIEWERS} more {after / 1e6:.1f} MB")
    assert growth < MAX_GROWTH_BYTES, f"RSS grew {growth / 1e6:.1f} MB over {VIEWERS} viewers joining and leaving"
