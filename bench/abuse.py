"""A hostile viewer against `helios view`: what one abusive viewer costs a well-behaved one.

For each attack, a good viewer (a real aiortc peer decoding the video while it drags, plus a
WebSocket that pings every 50 ms) measures its ping median and frame rate; the same is measured
alone first. Then the release time of closed Chromium tabs, RSS/threads/fds over join/leave cycles,
and SIGINT under load. Everything talks to 127.0.0.1 only; every loop is bounded.

Run ``python bench/abuse.py --label after`` here, and ``--repo DIR --label before`` on a checkout of
an older commit (its code is imported instead, with this environment's packages). Results go to
``bench/results/abuse-LABEL.json`` and a table is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import aiohttp
import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from hostile import (
    drag,
    raw_websocket,
    receive_type,
    split_url,
    stalled_offer,
    udp_sockets,
    websocket_frame,
)

GRAPH = HERE.parent / "data" / "power.gml"
CHROMIUM = "/usr/bin/chromium"


class Helios:
    """`helios view` of power.gml from ``repo`` in a subprocess."""

    def __init__(self, repo: Path) -> None:
        environment = {**os.environ, "PYTHONPATH": str(repo), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "helios_app", "view", str(GRAPH), "--port", "0", "--no-window"],
            cwd=repo, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.output: list[str] = []
        found = threading.Event()

        def read() -> None:
            for line in self.process.stdout:
                self.output.append(line)
                if "helios: open " in line:
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(120):
            raise SystemExit("helios printed no URL:\n" + "".join(self.output))
        self.url = re.search(r"open (\S+)", next(line for line in self.output if "helios: open" in line)).group(1)
        self.pid = self.process.pid
        self.alive_since = time.monotonic()

    def resources(self) -> dict:
        process = psutil.Process(self.pid)
        return {"rss_mb": round(process.memory_info().rss / 2**20, 1), "threads": process.num_threads(),
                "fds": process.num_fds()}

    def stop(self) -> tuple[int, float]:
        started = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        return code, time.monotonic() - started


async def good_viewer(url: str, seconds: float) -> dict:
    """Ping median (ms) over a socket and decoded frames per second of a peer, while dragging."""
    base, token = split_url(url)
    peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    peer.addTransceiver("video", direction="recvonly")
    frame_times: list[float] = []
    distinct_times: list[float] = []  # frames whose picture differs from the one before
    frame_errors: list[str] = []

    @peer.on("track")
    def on_track(track):
        async def read():
            previous = None
            try:
                while True:
                    frame = await track.recv()
                    frame_times.append(time.monotonic())
                    luma = frame.to_ndarray(format="gray")[::8, ::8]
                    if previous is None or luma.shape != previous.shape or (luma != previous).mean() > 0.001:
                        distinct_times.append(frame_times[-1])
                    previous = luma
            except Exception as error:  # noqa: BLE001 - the stream ended
                frame_errors.append(type(error).__name__)

        asyncio.ensure_future(read())

    pings: list[float] = []
    try:
        await peer.setLocalDescription(await peer.createOffer())
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            async with session.post(f"{base}/offer?token={token}", json={
                    "sdp": peer.localDescription.sdp, "type": "offer"}) as response:
                if response.status != 200:
                    return {"ping_ms": None, "fps": 0.0, "offer_status": response.status}
                await peer.setRemoteDescription(RTCSessionDescription(**await response.json()))
            async with session.ws_connect(f"{base}/ws?token={token}") as ws:
                await receive_type(ws, "hello")
                await ws.send_str(json.dumps({"type": "reset_camera"}))
                await asyncio.sleep(1.5)  # connected, first frames in
                started = time.monotonic()
                frame_times.clear()
                distinct_times.clear()

                async def ping_loop():
                    while time.monotonic() - started < seconds:
                        sent = time.perf_counter()
                        await ws.send_str(json.dumps({"type": "ping", "sent_ms": sent}))
                        try:
                            while True:
                                message = await ws.receive_json(timeout=5)
                                if message["type"] == "pong" and message["sent_ms"] == sent:
                                    break
                            pings.append((time.perf_counter() - sent) * 1000)
                        except (TimeoutError, TypeError, ValueError):
                            pings.append(5000.0)
                        await asyncio.sleep(0.05)

                async def drag_loop():
                    step = 0
                    while time.monotonic() - started < seconds:
                        angle = step * 0.3
                        start = (0.2 + 0.1 * math.cos(angle), 0.5 + 0.1 * math.sin(angle))
                        back_and_forth = 0.05 if step % 2 == 0 else -0.05  # the graph stays in view
                        await drag(ws, start, (start[0] + back_and_forth, start[1]), steps=5)
                        step += 1

                await asyncio.gather(ping_loop(), drag_loop())
                measured_s = time.monotonic() - started
    except (TimeoutError, aiohttp.ClientError, ConnectionError) as error:
        return {"ping_ms": None, "fps": 0.0, "error": type(error).__name__}
    finally:
        try:
            await asyncio.wait_for(peer.close(), 5)
        except TimeoutError:
            pass
    return {"ping_ms": round(statistics.median(pings), 1) if pings else None,
            "fps": round(len(frame_times) / measured_s, 1),
            "distinct_fps": round(len(distinct_times) / measured_s, 1)}


# ---- attacks, each run while the good viewer measures ---------------------------------------------

async def attack_huge_wheel(url: str, seconds: float) -> dict:
    """One wheel message zooming in by 1.0015 ** 5e5 (past what a float holds), then a camera reset."""
    base, token = split_url(url)
    async with aiohttp.ClientSession() as session, session.ws_connect(f"{base}/ws?token={token}") as ws:
        await ws.send_str(json.dumps({"type": "wheel", "delta_y": -5e5, "x": 0.5, "y": 0.5}))
        await ws.send_str(json.dumps({"type": "reset_camera"}))
        await asyncio.sleep(seconds)
    return {}


async def attack_flood(url: str, seconds: float) -> dict:
    """20,000 messages as fast as one socket takes them, from a process of its own (as an attacker's)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--flood", url, "--seconds", str(seconds), stdout=asyncio.subprocess.PIPE)
    output, _ = await process.communicate()
    return json.loads(output or b"{}")


async def flood(url: str, seconds: float) -> dict:
    base, token = split_url(url)
    sent, started = 0, time.monotonic()
    flood_s = None
    try:
        async with aiohttp.ClientSession() as session, session.ws_connect(f"{base}/ws?token={token}") as ws:
            message = json.dumps({"type": "hover", "x": 0.5, "y": 0.5})
            while sent < 20_000 and time.monotonic() - started < seconds:
                await ws.send_str(message)
                sent += 1
            flood_s = round(time.monotonic() - started, 2)
            await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))
    except (aiohttp.ClientError, ConnectionError):
        pass
    return {"sent": sent, "in_s": flood_s}


async def attack_not_reading(url: str, seconds: float, helios: Helios) -> dict:
    """A socket that reads nothing, asking for search results; is it dropped (within 40 s), and what
    does it cost?"""
    seconds = 40.0
    rss_before = helios.resources()["rss_mb"]
    raw = raw_websocket(url, receive_buffer_bytes=4096)
    raw.setblocking(False)
    search = websocket_frame(json.dumps({"type": "search", "query": "1"}).encode())
    started, dropped_after_s = time.monotonic(), None
    while time.monotonic() - started < seconds:
        try:
            raw.send(search)
        except BlockingIOError:
            pass
        except (BrokenPipeError, ConnectionResetError):
            dropped_after_s = round(time.monotonic() - started, 1)
            break
        await asyncio.sleep(0.01)
    raw.close()
    return {"dropped_after_s": dropped_after_s, "rss_growth_mb": round(helios.resources()["rss_mb"] - rss_before, 1)}


async def attack_slowloris(url: str, seconds: float) -> dict:
    """200 connections that never finish their headers (blocking sockets, on a thread of their own)."""
    return await asyncio.get_running_loop().run_in_executor(None, _slowloris, url, seconds)


def _slowloris(url: str, seconds: float) -> dict:
    host, port = split_url(url)[0].removeprefix("http://").split(":")
    connections = []
    for _ in range(200):
        try:
            connection = socket.create_connection((host, int(port)), timeout=2)
            connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            connections.append(connection)
        except OSError:
            break
    time.sleep(seconds)
    deadline, closed = time.monotonic() + 20, 0
    for connection in connections:
        connection.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if connection.recv(1024) == b"":
                closed += 1
        except ConnectionResetError:
            closed += 1
        except TimeoutError:
            pass
        connection.close()
    return {"opened": len(connections), "closed_by_server_within_20s": closed}


async def attack_stalled_offers(url: str, seconds: float) -> dict:
    statuses = [await stalled_offer(url) for _ in range(32)]
    await asyncio.sleep(seconds)
    return {"accepted": statuses.count(200), "refused": statuses.count(503)}


async def with_attack(url: str, attack, seconds: float) -> dict:
    """The good viewer connects first (it is already watching), then the attack starts."""
    async def after_a_second():
        await asyncio.sleep(1.0)
        return await attack

    attacked, good = await asyncio.wait_for(asyncio.gather(after_a_second(), good_viewer(url, seconds)), 120)
    return {**good, **attacked}


async def time_to_slot_after_stalled_offers(url: str, limit_s: float = 30.0) -> float | None:
    """32 offers that never connect, then how long until a good viewer's offer is accepted."""
    for _ in range(32):
        await stalled_offer(url)
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        result = await good_viewer(url, 1.0)
        if result.get("fps"):
            return round(time.monotonic() - started, 1)
        await asyncio.sleep(0.5)
    return None


# ---- Chromium: closed tabs and churn --------------------------------------------------------------

def chromium_cycles(helios: Helios, cycles: int) -> dict:
    from browser import CHROMIUM_FLAGS
    from playwright.sync_api import sync_playwright

    release_s, levels = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            for cycle in range(cycles):
                before = udp_sockets(helios.pid)
                page = browser.new_page()
                page.goto(helios.url)
                page.wait_for_function("window.__helios.transport === 'webrtc'", timeout=30_000)
                page.close()
                closed = time.monotonic()
                while udp_sockets(helios.pid) > before and time.monotonic() - closed < 60:
                    time.sleep(0.05)
                release_s.append(round(time.monotonic() - closed, 2))
                if cycle in (4, cycles - 1):
                    levels.append(helios.resources())
        finally:
            browser.close()
    return {"release_median_s": statistics.median(release_s), "release_max_s": max(release_s),
            "after_5_cycles": levels[0], f"after_{cycles}_cycles": levels[-1]}


async def sigint_under_load(repo: Path) -> dict:
    helios = Helios(repo)
    await asyncio.sleep(3)
    viewers = [asyncio.ensure_future(good_viewer(helios.url, 20)) for _ in range(3)]
    flooding = asyncio.ensure_future(attack_flood(helios.url, 20))
    await asyncio.sleep(4)
    code, seconds = await asyncio.get_running_loop().run_in_executor(None, helios.stop)
    for task in [*viewers, flooding]:
        task.cancel()
    await asyncio.gather(*viewers, flooding, return_exceptions=True)
    segments = [name for name in os.listdir("/dev/shm") if name.startswith("helios")]
    return {"exit_code": code, "seconds": round(seconds, 2), "segments_left": len(segments)}


async def run_wheel(repo: Path, seconds: float) -> dict:
    """On a server of its own: before the fix, this one message ended rendering for good."""
    helios = Helios(repo)
    try:
        await asyncio.sleep(8)
        result = await with_attack(helios.url, attack_huge_wheel(helios.url, seconds), seconds)
    finally:
        code, _ = helios.stop()
    tracebacks = sum("Traceback" in line for line in helios.output)
    return {**result, "exit_code_on_sigint": code, "tracebacks_logged": tracebacks}


async def run(repo: Path, cycles: int, seconds: float) -> dict:
    results: dict = {}
    helios = Helios(repo)
    try:
        await asyncio.sleep(8)  # the layout settles
        results["alone"] = await good_viewer(helios.url, seconds)
        results["flood of 20,000 messages"] = await with_attack(helios.url, attack_flood(helios.url, seconds), seconds)
        results["socket that never reads"] = await with_attack(
            helios.url, attack_not_reading(helios.url, seconds, helios), seconds)
        results["200 half-sent requests"] = await with_attack(helios.url, attack_slowloris(helios.url, seconds), seconds)
        results["closed tabs and churn"] = await asyncio.get_running_loop().run_in_executor(
            None, chromium_cycles, helios, cycles)
        # Last on this server: before the fix, stalled offers held every slot for minutes.
        results["seconds to a slot after 32 stalled offers"] = await time_to_slot_after_stalled_offers(helios.url)
    finally:
        helios.stop()
        results["log lines"] = len(helios.output)
    results["wheel delta_y -5e5"] = await run_wheel(repo, seconds)
    results["sigint under load"] = await sigint_under_load(repo)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=HERE.parent, help="checkout whose helios is attacked")
    parser.add_argument("--label", default="after")
    parser.add_argument("--cycles", type=int, default=100, help="Chromium join/leave cycles")
    parser.add_argument("--seconds", type=float, default=6.0, help="measuring window of each attack")
    parser.add_argument("--flood", metavar="URL", help=argparse.SUPPRESS)  # the flooding process
    parser.add_argument("--only-wheel", action="store_true", help="rerun only the wheel attack, into the results")
    arguments = parser.parse_args()
    if arguments.flood:
        print(json.dumps(asyncio.run(flood(arguments.flood, arguments.seconds))))
        return
    output = HERE / "results" / f"abuse-{arguments.label}.json"
    if arguments.only_wheel:
        results = json.loads(output.read_text())
        results.pop("wheel delta_y 4.7e5", None)
        results["wheel delta_y -5e5"] = asyncio.run(run_wheel(arguments.repo.resolve(), arguments.seconds))
    else:
        results = asyncio.run(run(arguments.repo.resolve(), arguments.cycles, arguments.seconds))
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
