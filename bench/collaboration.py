"""Several collaborators on one view: frames per second, latency and server CPU for 1, 2, 4, 6 viewers.

Starts `helios view data/power.gml --stamp-frames` (from ``--repo``, so an older checkout can be
measured with ``--label before``), waits for the layout to settle, then for each viewer count runs
``../shared/probes/webrtc_client_probe.py`` (headless Chromium) while sampling the server's CPU time:
with ``--draggers one`` (the default, the issue's case: one steers, the others watch) one probe
``--pages 1 --mouse`` and, at the same time, one ``--pages N-1`` that only watches; with
``--draggers all`` one probe ``--pages N --mouse`` (every page drags; the held-off ones change
nothing). Latency is the probes' frame stamp: production to display. Results go to
``bench/results/collaboration-LABEL.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import aiohttp
import psutil

HERE = Path(__file__).resolve().parent
PROBE = HERE.parent.parent / "shared" / "probes" / "webrtc_client_probe.py"
GRAPH = HERE.parent / "data" / "power.gml"


def start_helios(repo: Path, extra: list[str]) -> tuple[subprocess.Popen, str]:
    environment = {**os.environ, "PYTHONPATH": str(repo), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "helios_app", "view", str(GRAPH), "--port", "0", "--no-window", "--stamp-frames",
         *extra],
        cwd=repo, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stdout:
            match = re.search(r"open (\S+)", line)
            if match:
                found.append(match.group(1))
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(120):
        process.kill()
        raise SystemExit("helios printed no URL")
    return process, found[0]


async def pan(socket, seconds: float) -> None:
    """Shift-drag in circles about the middle of the picture, 30 moves a second."""
    pointer = {"type": "pointer", "button": "left", "shift": True, "ctrl": False}
    await socket.send_str(json.dumps({**pointer, "action": "down", "x": 0.5, "y": 0.5}))
    started, step = time.monotonic(), 0
    while time.monotonic() - started < seconds:
        step += 1
        x, y = 0.5 + 0.05 * math.cos(step * 0.2), 0.5 + 0.05 * math.sin(step * 0.2)
        await socket.send_str(json.dumps({**pointer, "action": "move", "x": x, "y": y}))
        await asyncio.sleep(1 / 30)
    await socket.send_str(json.dumps({**pointer, "action": "up", "x": x, "y": y}))


def probe_command(url: str, pages: int, mouse: bool, duration_s: float, viewport: str) -> list[str]:
    """A probe's command line. Only the dragging page decodes the frame stamp (its latency is the
    input-to-photon one); a watcher's probe skips it, as a person's browser would not read back
    every frame (the read-back costs Chromium as much as the decoding)."""
    return [sys.executable, str(PROBE), url, "--pages", str(pages), "--duration", str(duration_s),
            "--viewport", viewport, *(["--mouse"] if mouse else ["--no-stamp"])]


class ServerFigures:
    """The server's CPU time and its frames encoded (``status.video.frames_encoded``, read from the
    status messages of a socket-only viewer: it costs the server no video), sampled every 0.25 s, so
    that CPU per frame covers the drag alone and not the pages' start-up."""

    def __init__(self, url: str, pid: int) -> None:
        self.samples: list[tuple[float, float, int]] = []  # (time, CPU seconds, frames encoded)
        self._process = psutil.Process(pid)
        self._frames = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._sample, daemon=True),
                         threading.Thread(target=asyncio.run, args=(self._read_status(url),), daemon=True)]
        for thread in self._threads:
            thread.start()

    async def _read_status(self, url: str) -> None:
        socket_url = url.replace("http://", "ws://").replace("/?", "/ws?")
        async with aiohttp.ClientSession() as session, session.ws_connect(socket_url) as socket:
            while not self._stop.is_set():
                try:
                    message = await socket.receive_json(timeout=0.5)
                except (TimeoutError, TypeError, ValueError):
                    continue
                if message.get("type") == "status":
                    self._frames = sum((message.get("video") or {}).get("frames_encoded", {}).values())

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            times = self._process.cpu_times()
            self.samples.append((time.monotonic(), times.user + times.system, self._frames))

    def during_drag(self, duration_s: float, tear_down_s: float = 1.0) -> dict:
        """CPU % and frames encoded per second over the ``duration_s`` before the probes' tear-down."""
        end = time.monotonic() - tear_down_s
        window = [sample for sample in self.samples if end - duration_s <= sample[0] <= end]
        (first_time, first_cpu, first_frames), (last_time, last_cpu, last_frames) = window[0], window[-1]
        elapsed = last_time - first_time
        frames_per_s = (last_frames - first_frames) / elapsed
        return {"server_cpu_percent": round(100 * (last_cpu - first_cpu) / elapsed, 1),
                "frames_encoded_per_s": round(frames_per_s, 1),
                "server_cpu_ms_per_frame": round(1000 * (last_cpu - first_cpu) / (last_frames - first_frames), 2)
                if last_frames > first_frames else None}

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)


def measure(url: str, pid: int, viewers: int, duration_s: float, draggers: str, viewport: str) -> dict:
    if draggers == "all":
        commands = [probe_command(url, viewers, True, duration_s, viewport)]
    else:
        commands = [probe_command(url, 1, True, duration_s, viewport)]
        if viewers > 1:
            commands.append(probe_command(url, viewers - 1, False, duration_s, viewport))
    server_figures = ServerFigures(url, pid)
    probes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for command in commands]
    outputs = [probe.communicate(timeout=180) for probe in probes]
    drag = server_figures.during_drag(duration_s)
    server_figures.close()
    pages, host_busy, chromium_cpu = [], [], 0.0
    for stdout, stderr in outputs:
        try:
            report = json.loads(stdout)
        except ValueError:
            return {"error": (stdout + stderr)[-800:]}
        pages += report["results"]
        host_busy.append(report.get("host_cpu_busy_percent_all_cores"))
        chromium_cpu += report.get("cpu_probe_processes_percent_of_one_core", {}).get("chromium", 0.0)
    errors = [page["error"] for page in pages if "error" in page]
    if errors:
        return {"error": errors}
    return {
        "viewers": viewers,
        "draggers": draggers,
        "fps_presented_each": [page["fps_presented"] for page in pages],
        "fps_decoded_each": [page.get("fps_decoded") for page in pages],
        "resolution_each": [page.get("resolution") for page in pages],
        "latency_median_ms_each": [page.get("latency_ms", {}).get("median") for page in pages],
        "first_frame_ms_each": [page["time_to_first_frame_ms"] for page in pages],
        "codec": pages[0].get("webrtc", [{}])[0].get("codec") if pages[0].get("webrtc") else None,
        "server_during_drag": drag,
        "chromium_cpu_percent_of_one_core": round(chromium_cpu, 1),
        "host_cpu_busy_percent": max((busy for busy in host_busy if busy is not None), default=None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=HERE.parent)
    parser.add_argument("--label", default="after")
    parser.add_argument("--viewers", default="1,2,4,6")
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--draggers", choices=("one", "all"), default="one")
    parser.add_argument("--viewport", default="1400x900", help="each page's window (the probe's default)")
    parser.add_argument("--max-size", default="", help="helios's --max-size (the picture follows the page's stage)")
    arguments = parser.parse_args()
    extra = ["--max-size", arguments.max_size] if arguments.max_size else []
    process, url = start_helios(arguments.repo.resolve(), extra)
    results = []
    try:
        time.sleep(10)  # the layout settles: only the drags make new frames
        for viewers in (int(text) for text in arguments.viewers.split(",")):
            result = measure(url, process.pid, viewers, arguments.duration, arguments.draggers, arguments.viewport)
            results.append(result)
            print(json.dumps(result), flush=True)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(15)
    single = next((row for row in results if row.get("viewers") == 1 and "server_during_drag" in row), None)
    summary = []
    for row in results:
        if "error" in row:
            summary.append(row)
            continue
        per_frame = row["server_during_drag"]["server_cpu_ms_per_frame"]
        extra = None
        if single is not None and row["viewers"] > 1:
            # what one more viewer costs the server per frame, as % of a core at the target's 24 frames/s
            extra_ms = (per_frame - single["server_during_drag"]["server_cpu_ms_per_frame"]) / (row["viewers"] - 1)
            extra = round(extra_ms * 24 / 10, 1)
        summary.append({
            "viewers": row["viewers"],
            "fps_min": min(row["fps_presented_each"]),
            "fps_median": statistics.median(row["fps_presented_each"]),
            "latency_median_ms": row["latency_median_ms_each"][0],
            "first_frame_ms_max": max(row["first_frame_ms_each"]),
            "frames_encoded_per_s": row["server_during_drag"]["frames_encoded_per_s"],
            "server_cpu_percent": row["server_during_drag"]["server_cpu_percent"],
            "server_cpu_ms_per_frame": per_frame,
            "server_cpu_per_extra_viewer_percent_at_24_fps": extra,
            "chromium_cpu_percent": row["chromium_cpu_percent_of_one_core"],
            "host_cpu_busy_percent": row["host_cpu_busy_percent"],
        })
    output = HERE / "results" / f"collaboration-{arguments.label}-{arguments.draggers}.json"
    output.write_text(json.dumps({"runs": results, "summary": summary}, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
