"""What one more viewer costs the server: helios's CPU per frame with 0, 1, 2, 4, 6 and 8 WebRTC viewers.

``bench/collaboration.py`` measures what people see, with Chromium pages on the same two cores as the
server; there the pages starve the server and its CPU figures fall as viewers are added. This bench keeps
the viewers light so that the server is never starved: each viewer is a real aiortc peer (DTLS, SRTP,
RTCP, the same ``/offer`` as a page) whose receiver reassembles every frame and counts it but does not
decode it (aiortc's decoder thread is replaced in this process only). An editor's socket pans the camera
(shift-drag, so it never grabs a node) 30 times a second for ``--duration`` seconds, so the server makes
the same frames whatever the audience; helios's CPU time and its frames encoded
(``status.video.frames_encoded``) are sampled over the pan (``collaboration.ServerFigures``).

    .venv/bin/python bench/viewer_cost.py [--duration 8] [--viewers 0,1,2,4,6,8]

Results: ``bench/results/viewer-cost.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import aiohttp
import aiortc.mediastreams
import aiortc.rtcrtpreceiver
import psutil
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from collaboration import GRAPH, ServerFigures, pan, start_helios

FRAMES_RECEIVED: dict[int, int] = {}  # per peer: whole frames reassembled from RTP


def counting_worker(loop, input_queue, output_queue, decode_error) -> None:
    """Stands in for aiortc's ``decoder_worker``: takes each reassembled frame and counts it."""
    while input_queue.get() is not None:
        FRAMES_RECEIVED[id(input_queue)] = FRAMES_RECEIVED.get(id(input_queue), 0) + 1
    asyncio.run_coroutine_threadsafe(output_queue.put(None), loop)


aiortc.rtcrtpreceiver.decoder_worker = counting_worker


async def open_viewer(session: aiohttp.ClientSession, base: str, token: str) -> RTCPeerConnection:
    peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    peer.addTransceiver("video", direction="recvonly")

    @peer.on("track")
    def on_track(track) -> None:
        async def drain() -> None:  # the track ends when the peer closes
            try:
                while True:
                    await track.recv()
            except aiortc.mediastreams.MediaStreamError:
                pass

        asyncio.ensure_future(drain())

    await peer.setLocalDescription(await peer.createOffer())
    async with session.post(f"{base}/offer?token={token}",
                            json={"sdp": peer.localDescription.sdp, "type": "offer"}) as response:
        response.raise_for_status()
        await peer.setRemoteDescription(RTCSessionDescription(**await response.json()))
    return peer


async def measure_all(url: str, pid: int, counts: list[int], duration_s: float) -> list[dict]:
    base, token = url.split("/?token=")
    peers: list[RTCPeerConnection] = []
    rows = []
    async with aiohttp.ClientSession() as session, session.ws_connect(f"{base}/ws?token={token}") as socket:
        try:
            for count in counts:
                while len(peers) < count:
                    peers.append(await open_viewer(session, base, token))
                server = ServerFigures(url, pid)
                await asyncio.sleep(3)  # connected, first key frame in, the server's figures sampled
                received_before, host_before = dict(FRAMES_RECEIVED), psutil.cpu_times()
                started = time.monotonic()
                await pan(socket, duration_s)
                elapsed = time.monotonic() - started
                figures = server.during_drag(duration_s, tear_down_s=0.0)
                server.close()
                host_after = psutil.cpu_times()
                host_busy = 1 - ((host_after.idle - host_before.idle) / (sum(host_after) - sum(host_before)))
                received = [FRAMES_RECEIVED.get(key, 0) - received_before.get(key, 0) for key in FRAMES_RECEIVED]
                rows.append({
                    "viewers": count,
                    "frames_received_per_s_each": sorted(round(value / elapsed, 1) for value in received),
                    **figures,
                    "host_cpu_busy_percent": round(100 * host_busy, 1),
                })
                print(json.dumps(rows[-1]), flush=True)
        finally:
            await asyncio.gather(*(peer.close() for peer in peers))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--viewers", default="0,1,2,4,6,8")
    arguments = parser.parse_args()
    process, url = start_helios(HERE.parent, [])
    try:
        time.sleep(10)  # the layout settles: only the pan makes new frames
        rows = asyncio.run(measure_all(url, process.pid, [int(text) for text in arguments.viewers.split(",")],
                                       arguments.duration))
    finally:
        process.terminate()
        process.wait(15)
    # With no viewer there is no encoder; the first viewer starts it, so extra viewers count from one.
    first = next(row for row in rows if row["viewers"] >= 1)
    for row in rows:
        if row["viewers"] <= first["viewers"]:
            continue
        extra_ms = (row["server_cpu_ms_per_frame"] - first["server_cpu_ms_per_frame"]) / (row["viewers"] - first["viewers"])
        row["per_extra_viewer_percent_of_a_core_at_24_fps"] = round(extra_ms * 24 / 10, 2)
    output = HERE / "results" / "viewer-cost.json"
    output.write_text(json.dumps({"graph": GRAPH.name, "rows": rows}, indent=2) + "\n")
    print("| viewers | frames encoded/s | frames received/s each | server CPU | CPU per frame | per extra viewer at 24 fps | host busy |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for row in rows:
        received = row["frames_received_per_s_each"]
        print(f"| {row['viewers']} | {row['frames_encoded_per_s']} | "
              f"{f'{min(received)}-{max(received)}' if received else '—'} | {row['server_cpu_percent']} % | "
              f"{row['server_cpu_ms_per_frame'] or '—'} ms | {row.get('per_extra_viewer_percent_of_a_core_at_24_fps', '—')} % | "
              f"{row['host_cpu_busy_percent']} % |")
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
