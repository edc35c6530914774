"""Six people on one view in their own browsers, one of them steering: frames per second, latency, first frame.

``bench/collaboration.py`` runs the shared probes, whose drag grabs a node of power.gml (the layout runs all
along) and which watch from a second browser, every page reading every frame's statistics. This bench is
the issue's case as people have it: ``--viewers`` pages of one headless Chromium (the probes' flags,
1400x900 windows) join ``helios view data/power.gml --stamp-frames`` one after another (each page's first
frame is timed while the others play); then the first page drags the camera (Playwright's mouse, shift
held: a pan, 60 moves a second in circles) for ``--duration`` seconds while the others watch (``--dragger
socket`` pans from an editor's socket instead, with no page dragging). Frames per page are the video's own
count (``getVideoPlaybackQuality().totalVideoFrames``); the first page alone reads the frame stamp back
(the probes' decoder; it costs the browser about three frames a second over six pages): latency from the
frame's production to its display. Chromium's CPU (this
process's descendants), the server's CPU and frames encoded over the drag
(``collaboration.ServerFigures``) and the host's busy share are taken over the same window.

    .venv/bin/python bench/watching_pages.py [--viewers 1,2,4,6] [--duration 8] [--dragger page|socket]
                                             [--no-stamps] [--max-size WxH] [--label L]

Results: ``bench/results/watching-pages.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import signal
import statistics
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
from webrtc_client_probe import DEFAULT_FLAGS, INIT_JS, WEBRTC_FLAGS, _proc_cpu, _stamp_js

STAMP_READER_JS = INIT_JS.replace("__STAMP_JS__", _stamp_js()).replace("__DECODE__", "true")

VIDEO_FRAMES_JS = "() => document.getElementById('video').getVideoPlaybackQuality().totalVideoFrames"


def chromium_seconds() -> float:
    return _proc_cpu()["chromium"]  # the probes' own count: this process's Chromium descendants


async def open_page(browser, url: str, read_stamps: bool) -> tuple[object, float]:
    """A page watching over WebRTC, and the seconds from its opening to its first video frame."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    if read_stamps:
        await context.add_init_script(STAMP_READER_JS)
    page = await context.new_page()
    started = time.monotonic()
    await page.goto(url)
    await page.wait_for_function(f"window.__helios && window.__helios.transport === 'webrtc' && ({VIDEO_FRAMES_JS})() > 0",
                                 timeout=60_000)
    return page, time.monotonic() - started


async def drag_camera(page, seconds: float) -> None:
    """Shift-drag over the video in circles, 60 moves a second (as a mouse reports them, and as the probes
    drag): the camera pans (no node is grabbed)."""
    box = await page.locator("#video").bounding_box()
    middle_x, middle_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    radius = min(box["width"], box["height"]) / 10
    await page.keyboard.down("Shift")
    await page.mouse.move(middle_x + radius, middle_y)
    await page.mouse.down()
    started, step = time.monotonic(), 0
    while time.monotonic() - started < seconds:
        step += 1
        await page.mouse.move(middle_x + radius * math.cos(step * 0.1), middle_y + radius * math.sin(step * 0.1))
        await asyncio.sleep(max(0.0, started + step / 60 - time.monotonic()))  # on schedule, whatever a move took
    await page.mouse.up()
    await page.keyboard.up("Shift")


async def measure(url: str, pid: int, viewers: int, duration_s: float, dragger: str, stamps: bool) -> dict:
    base, token = url.split("/?token=")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                                   args=DEFAULT_FLAGS + WEBRTC_FLAGS)
        opened = []
        for index in range(viewers):  # people join one after another
            opened.append(await open_page(browser, url, read_stamps=stamps and index == 0))
        pages = [page for page, _ in opened]
        await asyncio.sleep(2)
        latencies_before = await pages[0].evaluate("window.__vp ? window.__vp.lat.length : 0")
        server = ServerFigures(url, pid)
        frames_before = [await page.evaluate(VIDEO_FRAMES_JS) for page in pages]
        chromium_before, started = chromium_seconds(), time.monotonic()
        psutil.cpu_percent(None)
        if dragger == "page":
            await drag_camera(pages[0], duration_s)
        else:
            async with aiohttp.ClientSession() as session, session.ws_connect(f"{base}/ws?token={token}") as socket:
                await pan(socket, duration_s)
        elapsed = time.monotonic() - started
        host_busy = psutil.cpu_percent(None)
        chromium = chromium_seconds() - chromium_before
        frames = [(await page.evaluate(VIDEO_FRAMES_JS) - before) / elapsed for page, before in zip(pages, frames_before)]
        picture = await pages[0].evaluate("[document.getElementById('video').videoWidth,"
                                          " document.getElementById('video').videoHeight]")
        figures = server.during_drag(elapsed - 0.5, tear_down_s=0.25)
        latencies = await pages[0].evaluate(f"window.__vp ? window.__vp.lat.slice({latencies_before}) : []")
        server.close()
        await browser.close()
    return {
        "viewers": viewers,
        "fps_each": [round(value, 1) for value in frames],
        "dragger": dragger,
        "latency_median_ms": statistics.median(latencies) if latencies else None,
        "latency_p90_ms": sorted(latencies)[int(0.9 * (len(latencies) - 1))] if latencies else None,
        "first_frame_s_each": [round(seconds, 2) for _, seconds in opened],
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
    parser.add_argument("--dragger", choices=("page", "socket"), default="page")
    parser.add_argument("--no-stamps", action="store_true", help="no page reads the frame stamp (no latency)")
    parser.add_argument("--label", default="", help="results go to watching-pages[-LABEL].json")
    arguments = parser.parse_args()
    process, url = start_helios(HERE.parent, ["--max-size", arguments.max_size] if arguments.max_size else [])
    rows = []
    try:
        time.sleep(10)  # the layout settles: only the pan makes new frames
        for viewers in (int(text) for text in arguments.viewers.split(",")):
            rows.append(asyncio.run(measure(url, process.pid, viewers, arguments.duration, arguments.dragger,
                                           not arguments.no_stamps)))
            print(json.dumps(rows[-1]), flush=True)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(15)
    output = HERE / "results" / f"watching-pages{'-' + arguments.label if arguments.label else ''}.json"
    output.write_text(json.dumps(rows, indent=2) + "\n")
    print("| viewers | fps each | latency median (p90) | first frame | picture | frames encoded/s | server CPU |"
          " Chromium CPU | per frame | host busy |")
    print("|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['viewers']} | {min(row['fps_each'])}-{max(row['fps_each'])} | "
              f"{row['latency_median_ms']} ({row['latency_p90_ms']}) ms | "
              f"{min(row['first_frame_s_each'])}-{max(row['first_frame_s_each'])} s | {row['picture']} | "
              f"{row['frames_encoded_per_s']} | {row['server_cpu_percent']} % | {row['chromium_cpu_percent']} % | "
              f"{row['chromium_cpu_percent_per_frame']} % | {row['host_cpu_busy_percent']} % |")
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
