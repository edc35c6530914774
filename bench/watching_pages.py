"""Six people watching one view in their own browsers: frames per second each, with no probe in the page.

``bench/collaboration.py`` runs the shared probes, which drag with Playwright's mouse (their drag grabs a
node of power.gml, so the layout runs all along) and read the frame stamp back in the dragging page. This
bench measures the plain case of the issue: ``--viewers`` pages of one headless Chromium (the probes'
flags, 1400x900 windows) watch ``helios view data/power.gml`` while an editor's socket pans the camera
30 times a second for ``--duration`` seconds (``collaboration.pan``). Frames per page are the video's
own count (``getVideoPlaybackQuality().totalVideoFrames``), with the first frame's wall time from the
page's opening; Chromium's CPU (this process's descendants), the server's CPU and frames encoded over
the pan (``collaboration.ServerFigures``) and the host's busy share are taken over the same window.
No latency here (no frame stamp is read); the probes' bench has it.

    .venv/bin/python bench/watching_pages.py [--viewers 1,2,4,6] [--duration 8] [--max-size WxH] [--label L]

Results: ``bench/results/watching-pages.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

import aiohttp
import psutil
from playwright.async_api import async_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent / "shared" / "probes"))

from collaboration import ServerFigures, pan, start_helios
from webrtc_client_probe import DEFAULT_FLAGS, WEBRTC_FLAGS

VIDEO_FRAMES_JS = "() => document.getElementById('video').getVideoPlaybackQuality().totalVideoFrames"


def chromium_seconds() -> float:
    total = 0.0
    for child in psutil.Process(os.getpid()).children(recursive=True):
        try:
            if "chrom" in child.name().lower():
                total += sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


async def open_page(browser, url: str) -> tuple[object, float]:
    """A page watching over WebRTC, and the seconds from its opening to its first video frame."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    started = time.monotonic()
    await page.goto(url)
    await page.wait_for_function(f"window.__helios && window.__helios.transport === 'webrtc' && ({VIDEO_FRAMES_JS})() > 0",
                                 timeout=60_000)
    return page, time.monotonic() - started


async def measure(url: str, pid: int, viewers: int, duration_s: float) -> dict:
    base, token = url.split("/?token=")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                                   args=DEFAULT_FLAGS + WEBRTC_FLAGS)
        opened = await asyncio.gather(*(open_page(browser, url) for _ in range(viewers)))
        pages = [page for page, _ in opened]
        await asyncio.sleep(2)
        server = ServerFigures(url, pid)
        frames_before = [await page.evaluate(VIDEO_FRAMES_JS) for page in pages]
        chromium_before, started = chromium_seconds(), time.monotonic()
        psutil.cpu_percent(None)
        async with aiohttp.ClientSession() as session, session.ws_connect(f"{base}/ws?token={token}") as socket:
            await pan(socket, duration_s)
        elapsed = time.monotonic() - started
        host_busy = psutil.cpu_percent(None)
        chromium = chromium_seconds() - chromium_before
        frames = [(await page.evaluate(VIDEO_FRAMES_JS) - before) / elapsed for page, before in zip(pages, frames_before)]
        picture = await pages[0].evaluate("[document.getElementById('video').videoWidth,"
                                          " document.getElementById('video').videoHeight]")
        figures = server.during_drag(elapsed - 0.5, tear_down_s=0.25)
        server.close()
        await browser.close()
    return {
        "viewers": viewers,
        "fps_each": [round(value, 1) for value in frames],
        "first_frame_s_each": [round(seconds, 2) for seconds in sorted(second for _, second in opened)],
        "picture": f"{picture[0]}x{picture[1]}",
        "chromium_cpu_percent": round(100 * chromium / elapsed, 1),
        "chromium_cpu_percent_per_frame": round(100 * chromium / elapsed / max(0.1, sum(frames)), 2),
        "host_cpu_busy_percent": host_busy,
        **figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", default="1,2,4,6")
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--max-size", default="", help="helios's --max-size")
    parser.add_argument("--label", default="", help="results go to watching-pages[-LABEL].json")
    arguments = parser.parse_args()
    process, url = start_helios(HERE.parent, ["--max-size", arguments.max_size] if arguments.max_size else [])
    rows = []
    try:
        time.sleep(10)  # the layout settles: only the pan makes new frames
        for viewers in (int(text) for text in arguments.viewers.split(",")):
            rows.append(asyncio.run(measure(url, process.pid, viewers, arguments.duration)))
            print(json.dumps(rows[-1]), flush=True)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(15)
    output = HERE / "results" / f"watching-pages{'-' + arguments.label if arguments.label else ''}.json"
    output.write_text(json.dumps(rows, indent=2) + "\n")
    print("| viewers | fps each | first frame | picture | frames encoded/s | server CPU | Chromium CPU | per frame | host busy |")
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['viewers']} | {min(row['fps_each'])}-{max(row['fps_each'])} | "
              f"{row['first_frame_s_each'][0]}-{row['first_frame_s_each'][-1]} s | {row['picture']} | "
              f"{row['frames_encoded_per_s']} | {row['server_cpu_percent']} % | {row['chromium_cpu_percent']} % | "
              f"{row['chromium_cpu_percent_per_frame']} % | {row['host_cpu_busy_percent']} % |")
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
