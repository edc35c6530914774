"""Collaborators in real headless Chromium pages on one `helios view`: presence, roles, the camera, the size."""

import re
import time
import urllib.request

import pytest
from browser import HeliosProcess, drag, launch_chromium, wait_for, wait_until_settled
from conftest import SHARED_DATA
from playwright.sync_api import sync_playwright

GRAPH = SHARED_DATA / "power.gml"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def frame(url: str) -> bytes:
    with urllib.request.urlopen(url.replace("/?", "/frame.jpg?"), timeout=10) as response:
        return response.read()


def wait_for_new_frame(url: str, before: bytes, timeout_s: float = 10.0) -> bytes:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = frame(url)
        if now != before:
            return now
        time.sleep(0.1)
    raise AssertionError("the picture did not change")


def open_page(browser, url: str, width: int = 1000, height: int = 640):
    context = browser.new_context(viewport={"width": width, "height": height})  # its own localStorage
    page = context.new_page()
    page.goto(url)
    wait_for(page, "window.__helios.transport === 'webrtc'", timeout_s=30)
    return page


def test_two_editors_and_a_watcher_work_together():
    with HeliosProcess("view", str(GRAPH), "--port", "0", "--no-window") as helios, \
            sync_playwright() as playwright:
        watch_url = next(re.search(r"watch (\S+)", line).group(1) for line in helios.output if "helios: watch" in line)
        assert watch_url != helios.url and "token=" in watch_url
        browser = launch_chromium(playwright)
        first, second = open_page(browser, helios.url), open_page(browser, helios.url, 900, 600)
        watcher = open_page(browser, watch_url)
        pages = (first, second, watcher)
        for page in pages:
            wait_for(page, "window.__helios.viewers.length === 3", timeout_s=10)
        ids = [page.evaluate("window.__helios.hello.viewer_id") for page in pages]
        roles = first.evaluate("Object.fromEntries(window.__helios.viewers.map((v) => [v.id, v.role]))")
        assert roles == {ids[0]: "editor", ids[1]: "editor", ids[2]: "watcher"}
        assert first.evaluate("window.__helios.viewers.every((v) => v.name && /^#[0-9a-f]{6}$/.test(v.colour))")
        assert first.locator("#viewer-list li").count() == 3

        # Names are editable and remembered by the browser; everyone sees the new name.
        watcher.fill("#viewer-name", "Ada")
        watcher.dispatch_event("#viewer-name", "change")
        wait_for(first, f"window.__helios.viewers.find((v) => v.id === '{ids[2]}').name === 'Ada'", timeout_s=5)
        assert watcher.evaluate("localStorage.getItem('helios.viewer.name')") == "Ada"

        # Everyone's pointer is drawn on every other page, and follows.
        for target in ((0.3, 0.4), (0.6, 0.7)):
            box = watcher.locator("#video").bounding_box()
            watcher.mouse.move(box["x"] + target[0] * box["width"], box["y"] + target[1] * box["height"])
            seen = f"window.__helios.viewers.find((v) => v.id === '{ids[2]}').cursor"
            deadline = time.monotonic() + 5
            while not first.evaluate(f"(() => {{ const c = {seen}; return c !== null && Math.abs(c.x - {target[0]}) < 0.02"
                                     f" && Math.abs(c.y - {target[1]}) < 0.02; }})()"):
                assert time.monotonic() < deadline, (target, first.evaluate(seen), watcher.evaluate(
                    "window.__helios.messagesSent"), watcher.locator("#video").bounding_box())
                time.sleep(0.05)
        assert first.locator(f"#cursors [data-viewer='{ids[2]}']").inner_text() == "Ada"

        # The watcher's drag changes nothing; an editor's does.
        wait_until_settled(first)
        time.sleep(1.5)
        box = watcher.locator("#video").bounding_box()
        watcher.mouse.move(box["x"] + 0.05 * box["width"], box["y"] + 0.5 * box["height"])
        time.sleep(1.0)
        before = frame(helios.url)
        drag(watcher, "#video", (0.05, 0.5), (0.4, 0.5))
        time.sleep(1.5)
        assert frame(helios.url) == before, "a watcher moved the view"
        drag(first, "#video", (0.05, 0.5), (0.3, 0.5))
        wait_for_new_frame(helios.url, before)
        wait_for(second, f"window.__helios.steering === '{ids[0]}'", timeout_s=5)
        assert second.locator("#camera").is_visible()
        assert "has the camera" in second.locator("#camera").inner_text()

        # The steering page's resize changes the picture's size (its stage in device pixels).
        # At rest first: a picture in motion is drawn smaller (the render budget), full size once still.
        stage_width = first.evaluate("document.getElementById('stage').clientWidth")
        wait_for(second, f"Math.abs(document.getElementById('video').videoWidth - {stage_width}) <= 2", timeout_s=10)
        first.set_viewport_size({"width": 760, "height": 520})
        stage_width = first.evaluate("document.getElementById('stage').clientWidth")
        assert stage_width < 800
        wait_for(second, f"Math.abs(document.getElementById('video').videoWidth - {stage_width}) <= 2", timeout_s=10)

        # A selection reaches a late joiner at once.
        first.fill("#search-input", "1")
        wait_for(first, "window.__helios.searchResults && window.__helios.searchResults.length > 0", timeout_s=10)
        first.locator("#search-results li").first.dispatch_event("mousedown")
        wait_for(first, "window.__helios.selection !== null", timeout_s=10)
        late = open_page(browser, helios.url)
        wait_for(late, "window.__helios.selection !== null", timeout_s=5)
        assert late.evaluate("window.__helios.selection.id") == first.evaluate("window.__helios.selection.id")

        # A closed page vanishes from the others' lists within 2 s.
        second.context.close()
        closed = time.monotonic()
        wait_for(first, f"!window.__helios.viewers.some((v) => v.id === '{ids[1]}')", timeout_s=5)
        assert time.monotonic() - closed < 2.0
        for page in (first, watcher, late):
            assert page.evaluate("window.__helios.errors") == []
        browser.close()
        code, _ = helios.interrupt(timeout_s=10)
        assert code == 0
