"""What each extra viewer costs helios: its CPU and its RTP egress for 1, 2, 4 and 8 viewers, with the
viewers on helios's own WebRTC stream ("direct") and watching through a Janus VideoRoom ("janus").

Starts a real Janus on loopback (Debian's ``janus``, as the tests do) and
``helios view data/power.gml`` (with ``--publish janus:...`` in the Janus run), opens the viewers as
pages of one headless Chromium, and while the first page drags in circles for ``--duration`` seconds
samples helios's CPU time and its RTP bytes sent (``status.video.rtp_bytes_sent``: every direct peer
and the SFU publisher; read from the status messages, so within a second), and counts the frames each
page decodes (its WebRTC stats). Results:
``bench/results/sfu.json``.

    .venv/bin/python bench/sfu.py [--duration 8]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import psutil
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from browser import DECODED_JS, HeliosProcess, drag_in_circles, launch_chromium, wait_for
from janus import JANUS_ROOM, JanusServer

GRAPH = HERE.parent / "data" / "power.gml"
VIEWER_COUNTS = (1, 2, 4, 8)
VIEWPORT = {"width": 800, "height": 500}


def rtp_bytes(page) -> int:
    return page.evaluate("window.__helios.status.video.rtp_bytes_sent")


def measure(helios: HeliosProcess, pages: list, duration_s: float) -> dict:
    server = psutil.Process(helios.process.pid)
    decoded_before = [page.evaluate(DECODED_JS) for page in pages]
    bytes_before, cpu_before, started = rtp_bytes(pages[0]), server.cpu_times(), time.monotonic()
    drag_in_circles(pages[0], "#stage", duration_s)
    elapsed = time.monotonic() - started
    cpu_after = server.cpu_times()
    frames = [(page.evaluate(DECODED_JS) - before) / elapsed for page, before in zip(pages, decoded_before)]
    time.sleep(1.2)  # the status that covers the end of the drag
    bytes_after = rtp_bytes(pages[0])
    return {
        "viewers": len(pages),
        "helios_cpu_percent": round(100 * (cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system)
                                    / elapsed, 1),
        "helios_egress_mbit_s": round(8 * (bytes_after - bytes_before) / (elapsed + 1.2) / 1e6, 2),
        "fps_median": round(statistics.median(frames), 1),
        "fps_min": round(min(frames), 1),
    }


def run(mode: str, duration_s: float) -> list[dict]:
    janus = JanusServer() if mode == "janus" else None
    arguments = ["view", str(GRAPH), "--port", "0", "--no-window", "--size", "800x450"]
    if janus is not None:
        arguments += ["--publish", f"janus:{janus.api_url}?room={JANUS_ROOM}"]
    rows = []
    try:
        with HeliosProcess(*arguments) as helios, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            pages: list = []
            for count in VIEWER_COUNTS:
                while len(pages) < count:
                    page = browser.new_context(viewport=VIEWPORT).new_page()
                    page.goto(helios.url)
                    wanted = "sfu" if janus else "webrtc"
                    wait_for(page, f"window.__helios.transport === '{wanted}'", 40)
                    pages.append(page)
                wait_for(pages[0], "window.__helios.status && window.__helios.status.layout.state === 'settled'", 60)
                row = {"mode": mode, **measure(helios, pages, duration_s)}
                print(row, flush=True)
                rows.append(row)
            browser.close()
    finally:
        if janus is not None:
            janus.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--output", type=Path, default=HERE / "results" / "sfu.json")
    arguments = parser.parse_args()
    rows = run("direct", arguments.duration) + run("janus", arguments.duration)
    arguments.output.write_text(json.dumps(rows, indent=1) + "\n")
    print("| viewers | mode | helios CPU | helios egress | fps per viewer (median, min) |")
    print("|---:|---|---:|---:|---:|")
    for row in sorted(rows, key=lambda row: (row["viewers"], row["mode"])):
        print(f"| {row['viewers']} | {row['mode']} | {row['helios_cpu_percent']} % | "
              f"{row['helios_egress_mbit_s']} Mbit/s | {row['fps_median']}, {row['fps_min']} |")


if __name__ == "__main__":
    main()
