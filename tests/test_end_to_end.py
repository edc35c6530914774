"""`helios view` as a user runs it: a subprocess on port 0, headless Chromium as the browser."""

import json
import socket
import time
import urllib.request

import pytest
from browser import (
    BLOCK_WEBRTC_SCRIPT,
    COUNT_FRAMES_JS,
    DECODED_JS,
    DENSEST_POINT_JS,
    EMPTY_POINT_JS,
    PICTURE_JS,
    HeliosProcess,
    drag,
    drag_in_circles,
    launch_chromium,
    remaining,
    shared_memory_segments,
    wait_for,
    wait_until_settled,
)
from conftest import SHARED_DATA
from playwright.sync_api import sync_playwright

# power.gml: 4941 nodes. Its layout settles within seconds, after which only interaction makes new
# frames, so the frame rate is measured while the mouse drags over the view, as a user exploring it.
GRAPH = SHARED_DATA / "power.gml"
MEASURE_S = 5.0

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def port_is_free(port: int) -> bool:
    """Nothing listens on the port and a new server could bind it (as servers do, with SO_REUSEADDR)."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def stop_and_check_clean_exit(helios):
    segments = shared_memory_segments(helios.process.pid)
    assert segments
    code, seconds = helios.interrupt(timeout_s=10)
    output = "".join(helios.output)
    assert code == 0, output
    assert seconds < 2.0, f"took {seconds:.2f} s to stop"
    assert "Traceback" not in output, output
    assert not remaining(segments)
    assert port_is_free(helios.port)


def camera(url: str) -> dict:
    return json.loads(urllib.request.urlopen(url.replace("/?", "/session.json?"), timeout=10).read())["camera"]


def assert_follows_drag(pages, selector, url):
    """A drag to the right, from empty space near the left edge, pans the camera left (the picture
    right) by the drag's share of the visible width, and every page's picture changes to the same one.

    Checked on the server's camera, not on the pictures' centroids: a graph near the frame's edge
    partly leaves the frame, and its visible part does not move by the drag's length.
    """
    start = pages[0].evaluate(EMPTY_POINT_JS, 12)
    assert start, "no empty space left of the graph to start a camera drag"
    pictures = [page.evaluate(PICTURE_JS) for page in pages]
    before, fingerprints = camera(url), [picture["fingerprint"] for picture in pictures]
    drag(pages[0], selector, tuple(start), (start[0] + 0.2, start[1]))
    time.sleep(1.5)
    after = camera(url)
    visible_width = 2 * before["parallel_scale"] * pictures[0]["width"] / pictures[0]["height"]
    moved = before["focal_point"][0] - after["focal_point"][0]
    assert moved == pytest.approx(0.2 * visible_width, rel=0.2), (before, after)
    assert abs(after["focal_point"][1] - before["focal_point"][1]) < 0.02 * visible_width
    for page, earlier in zip(pages, fingerprints):
        deadline = time.monotonic() + 10
        while page.evaluate(PICTURE_JS)["fingerprint"] == earlier and time.monotonic() < deadline:
            time.sleep(0.2)
        later = page.evaluate(PICTURE_JS)
        assert later["fingerprint"] != earlier and later["count"] > 100, "the page shows the moved graph"


def test_webrtc_view_is_live_shared_and_stops_cleanly():
    with HeliosProcess("view", str(GRAPH), "--port", "0") as helios, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        pages = [browser.new_page(viewport={"width": 1100, "height": 700}) for _ in range(2)]
        for page in pages:
            page.goto(helios.url)
        for page in pages:
            wait_for(page, "window.__helios.transport === 'webrtc'", timeout_s=30)
        first = pages[0]
        assert first.evaluate("window.__helios.hello.view.node_count") == 4941

        first.evaluate(COUNT_FRAMES_JS)
        decoded_before = first.evaluate(DECODED_JS)
        drag_in_circles(first, "#video", MEASURE_S)
        decoded_fps = (first.evaluate(DECODED_JS) - decoded_before) / MEASURE_S
        presented_fps = first.evaluate("window.__presented") / MEASURE_S
        assert decoded_fps >= 5, f"decoded {decoded_fps:.1f} fps"
        assert presented_fps >= 5, f"presented {presented_fps:.1f} fps"

        wait_until_settled(first)
        time.sleep(1.5)  # the final picture (labels, full detail) follows the layout's last move
        assert_follows_drag(pages, "#video", helios.url)

        # The wheel on the second tab, over the graph's densest part, zooms in: the camera's visible height
        # shrinks by the wheel's factor (8 notches of 100: 1.0015 ** 800 = 3.3) and both pictures change to
        # the same new one. (A pixel count would not do: zoomed in, fewer labels and edges are in view.)
        session_url = helios.url.replace("/?", "/session.json?")
        scale_before = json.loads(urllib.request.urlopen(session_url, timeout=10).read())["camera"]["parallel_scale"]
        fingerprints = [page.evaluate(PICTURE_JS)["fingerprint"] for page in pages]
        box = pages[1].locator("#video").bounding_box()
        dense = pages[1].evaluate(DENSEST_POINT_JS)
        pages[1].mouse.move(box["x"] + dense[0] * box["width"], box["y"] + dense[1] * box["height"])
        for _ in range(8):
            pages[1].mouse.wheel(0, -100)
            pages[1].wait_for_timeout(50)
        time.sleep(1.5)  # the full-detail picture follows the cheap one drawn in motion
        scale_after = json.loads(urllib.request.urlopen(session_url, timeout=10).read())["camera"]["parallel_scale"]
        assert scale_before / scale_after == pytest.approx(1.0015 ** 800, rel=0.05)
        after = [page.evaluate(PICTURE_JS) for page in pages]
        assert all(picture["fingerprint"] != earlier for picture, earlier in zip(after, fingerprints))
        assert after[0]["fingerprint"] == after[1]["fingerprint"], "both pages show the same picture"
        assert after[0]["count"] > 100, "the zoomed picture shows the graph"
        for page in pages:
            assert page.evaluate("window.__helios.errors") == []
        stop_and_check_clean_exit(helios)
        browser.close()


def test_falls_back_to_mjpeg_when_webrtc_is_blocked():
    with HeliosProcess("view", str(GRAPH), "--port", "0") as helios, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1100, "height": 700})
        page.add_init_script(BLOCK_WEBRTC_SCRIPT)
        started = time.monotonic()
        page.goto(helios.url)
        wait_for(page, "window.__helios.transport === 'mjpeg' && document.getElementById('mjpeg').naturalWidth > 0",
                 timeout_s=30)
        assert time.monotonic() - started < 15
        assert page.evaluate("window.__helios.fallbackReason")

        fingerprints = set()
        drag_in_circles(page, "#mjpeg", MEASURE_S, lambda: fingerprints.add(page.evaluate(PICTURE_JS)["fingerprint"]))
        assert len(fingerprints) / MEASURE_S >= 5, f"{len(fingerprints) / MEASURE_S:.1f} distinct frames per s"

        wait_until_settled(page)
        time.sleep(1.5)
        assert_follows_drag([page], "#mjpeg", helios.url)
        assert page.evaluate("window.__helios.errors") == []
        stop_and_check_clean_exit(helios)
        browser.close()
