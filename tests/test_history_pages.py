"""Undo and redo shared by everyone, from real pages: two editors and a watcher in headless Chromium. One
editor drags a node and filters; the other undoes both with Ctrl-Z and the first redoes with Ctrl-Shift-Z;
the watcher's Ctrl-Z is refused; the history panel lists who did what and jumps back to the start."""

import re
import time

import pytest
from browser import HeliosProcess, drag, launch_chromium, wait_for, wait_until_settled
from conftest import SHARED_DATA
from playwright.sync_api import sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GRAPH = SHARED_DATA / "lesmis.gml"


def _open(browser, url, name):
    context = browser.new_context(viewport={"width": 1000, "height": 660})
    page = context.new_page()
    page.goto(url)
    wait_for(page, "window.__helios.transport === 'webrtc' || window.__helios.transport === 'mjpeg'", 30)
    page.fill("#viewer-name", name)
    page.dispatch_event("#viewer-name", "change")
    return page


def _history(page):
    return page.evaluate("window.__helios.history")


def _wait_history(pages, expression, timeout_s=10.0):
    for page in pages:
        wait_for(page, f"(() => {{ const h = window.__helios.history; return {expression}; }})()", timeout_s)


def test_two_editors_undo_and_redo_for_everyone_and_a_watcher_cannot(tmp_path):
    with HeliosProcess("view", str(GRAPH), "--port", "0", "--no-window") as helios, sync_playwright() as playwright:
        watch_url = next(re.search(r"watch (\S+)", line).group(1) for line in helios.output if "helios: watch" in line)
        browser = launch_chromium(playwright)
        ann, bo, watcher = _open(browser, helios.url, "Ann"), _open(browser, helios.url, "Bo"), \
            _open(browser, watch_url, "Cy")
        pages = (ann, bo, watcher)
        wait_until_settled(ann)

        # Ann finds Valjean: the camera flies to him, so he sits at the picture's centre; she drags him aside.
        ann.fill("#search-input", "Valjean")
        wait_for(ann, "window.__helios.searchResults && window.__helios.searchResults.length > 0", 10)
        ann.locator("#search-results li").first.dispatch_event("mousedown")
        wait_for(ann, "window.__helios.selection && window.__helios.selection.label === 'Valjean'", 10)
        time.sleep(1.5)  # the flight ends
        media = "#video" if ann.evaluate("window.__helios.transport") == "webrtc" else "#mjpeg"
        drag(ann, media, (0.5, 0.5), (0.75, 0.3))
        _wait_history(pages, "h.entries.length === 1 && h.entries[0].who === 'Ann' && h.done === h.entries[0].number")
        entry = _history(bo)["entries"][0]
        assert entry["kind"] == "pin" and entry["summary"] == "moved Valjean", entry
        wait_for(bo, "window.__helios.status.layout.pinned === 1", 10)

        # Ann filters by degree; everyone's filter follows.
        ann.locator("#filters summary").click()
        ann.fill("#filter-degree-min", "5")
        ann.locator("#filters button[type=submit]").click()
        _wait_history(pages, "h.entries.length === 2 && h.entries[1].kind === 'filter'")
        wait_for(bo, "window.__helios.filter && window.__helios.filter.filter.degree", 10)

        # Bo undoes both with Ctrl-Z, one step each, for everyone.
        bo.locator("#stage").focus()
        bo.keyboard.press("Control+z")
        _wait_history(pages, "h.done === h.entries[0].number")
        wait_for(ann, "window.__helios.filter && !window.__helios.filter.filter.degree", 10)
        bo.keyboard.press("Control+z")
        _wait_history(pages, "h.done === 0")
        wait_for(ann, "window.__helios.status.layout.pinned === 0", 10)
        assert [item["who"] for item in _history(watcher)["entries"]] == ["Ann", "Ann"]

        # The watcher's page does not step the history, and the server refuses a watcher's socket that tries.
        watcher.locator("#stage").focus()
        watcher.keyboard.press("Control+z")
        refusal = watcher.evaluate("""() => new Promise((resolve) => {
            const url = new URL("ws", location.href);
            url.protocol = "ws:";
            url.searchParams.set("token", new URLSearchParams(location.search).get("token"));
            const socket = new WebSocket(url);
            socket.onmessage = (event) => {
                const message = JSON.parse(event.data);
                if (message.type === "hello") socket.send(JSON.stringify({type: "history", action: "undo", entry: 0}));
                if (message.type === "error") { socket.close(); resolve(message.message); }
            };
            setTimeout(() => resolve(null), 5000);
        })""")
        assert refusal and refusal.startswith("history is for editors"), refusal
        time.sleep(0.5)
        assert _history(ann)["done"] == 0

        # Ann redoes with Ctrl-Shift-Z: Valjean is pinned again, for everyone.
        ann.locator("#stage").focus()
        ann.keyboard.press("Control+Shift+z")
        _wait_history(pages, "h.done === h.entries[0].number")
        wait_for(watcher, "window.__helios.status.layout.pinned === 1", 10)

        # Bo double-clicks Valjean (where the drag left him) to unpin him; Ann undoes that.
        box = bo.locator(media).bounding_box()
        bo.mouse.dblclick(box["x"] + 0.75 * box["width"], box["y"] + 0.3 * box["height"])
        _wait_history(pages, "h.entries.length === 2 && h.entries[1].who === 'Bo' && h.entries[1].kind === 'pin'")
        wait_for(ann, "window.__helios.status.layout.pinned === 0", 10)
        ann.keyboard.press("Control+z")
        _wait_history(pages, "h.done === h.entries[0].number")
        wait_for(bo, "window.__helios.status.layout.pinned === 1", 10)
        ann.keyboard.press("Control+Shift+z")
        _wait_history(pages, "h.done === h.entries[1].number")

        # A legend click (a highlight for everyone), undone from the other page.
        bo.locator("#legend-entries li").first.click()
        _wait_history(pages, "h.entries.length === 3 && h.entries[2].summary.startsWith('legend: highlight')")
        wait_for(ann, "window.__helios.legend && window.__helios.legend.highlighted.length === 1", 10)
        ann.keyboard.press("Control+z")
        wait_for(bo, "window.__helios.legend && window.__helios.legend.highlighted.length === 0", 10)

        # The panel lists the entries, newest first, and a click jumps back to the start.
        bo.locator("#history summary").click()
        items = bo.locator("#history-entries li")
        assert items.count() == 4 and "Ann: moved Valjean" in items.nth(2).inner_text()
        assert "Bo: unpinned 1 nodes" in items.nth(1).inner_text()
        items.nth(3).click()  # "the view as it started"
        _wait_history(pages, "h.done === 0")
        assert watcher.locator("#history-undo").is_disabled()
        browser.close()
