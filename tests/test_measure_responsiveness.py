"""A measure computed in the background does not slow the view: a page that drags gets (nearly) the frame rate
it gets without one. A real view (layout worker, off-screen renderer, WebRTC) in this process, a real headless
Chromium dragging, a real measure (sampled betweenness on a 23k-node graph, long enough to span the drag)."""

import time

import pytest
from browser import DECODED_JS, drag_in_circles, launch_chromium, wait_for
from conftest import SHARED_DATA
from playwright.sync_api import sync_playwright

from helios_app.config import ViewConfig
from helios_app.io.read import read_graph
from helios_app.session import ViewSession

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DRAG_S = 5.0
ALLOWED_DROP = 0.20  # the bound: within 20 % of the frame rate without a measure


def _decoded_fps(page) -> float:
    before = page.evaluate(DECODED_JS)
    drag_in_circles(page, "#video", DRAG_S)
    return (page.evaluate(DECODED_JS) - before) / DRAG_S


def test_a_measure_in_the_background_keeps_the_dragging_page_s_frame_rate():
    graph = read_graph(SHARED_DATA / "as-22july06.gml")
    session = ViewSession(graph, ViewConfig(autosave=False, max_fps=30)).start()
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page(viewport={"width": 1100, "height": 700})
            page.goto(session.url)
            wait_for(page, "window.__helios.transport === 'webrtc'", timeout_s=30)
            session.worker.pause()  # the same work besides the measure in both windows: no layout steps
            time.sleep(1.0)
            _decoded_fps(page)  # warm-up: the encoder's and the page's first frames
            without = _decoded_fps(page)

            job = session.analysis.runner.submit(session.graph, "betweenness", samples=graph.node_count)
            deadline = time.monotonic() + 10
            while session.analysis.runner.listing()[1] is None or job.fraction == 0.0:
                assert time.monotonic() < deadline, "the measure did not start"
                time.sleep(0.05)
            during = _decoded_fps(page)
            running = not job.done.is_set()
            session.analysis.runner.cancel("betweenness")
            assert job.done.wait(10)
            browser.close()
        print(f"dragging page: {without:.1f} fps without a measure, {during:.1f} fps with one")
        assert running, "the measure ended before the drag did: the window was not under load"
        assert without >= 5, f"{without:.1f} fps without a measure"
        assert during >= (1 - ALLOWED_DROP) * without, f"{during:.1f} fps with a measure, {without:.1f} without"
    finally:
        session.stop()
