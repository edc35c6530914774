"""The page's exploration tools in headless Chromium: search, info panel, HUD, screenshot, pins."""

import time
import urllib.request

import pytest
from browser import HeliosProcess, launch_chromium, wait_for, wait_until_settled
from conftest import SHARED_DATA
from playwright.sync_api import sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_search_focus_info_panel_hud_and_screenshot():
    with HeliosProcess("view", str(SHARED_DATA / "lesmis.gml"), "--port", "0") as helios, \
            sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1200, "height": 760})
        other = browser.new_page(viewport={"width": 900, "height": 600})
        for viewer in (page, other):
            viewer.goto(helios.url)
            wait_for(viewer, "window.__helios.transport === 'webrtc'", timeout_s=30)

        # The HUD reports frame rate, layout state and counts within a couple of seconds.
        wait_for(page, "window.__helios.status !== null", timeout_s=10)
        hud = page.locator("#hud").inner_text()
        assert "77 nodes" in hud and "254 edges" in hud and "layout" in hud

        wait_until_settled(page)

        # Search: type part of a label, pick the match; the camera flies there and the node is selected.
        page.fill("#search-input", "valj")
        wait_for(page, "window.__helios.searchResults && window.__helios.searchResults.length > 0", timeout_s=10)
        assert page.locator("#search-results li").first.inner_text().startswith("Valjean")
        page.locator("#search-results li").first.dispatch_event("mousedown")
        wait_for(page, "window.__helios.selection && window.__helios.selection.label === 'Valjean'", timeout_s=10)
        assert page.locator("#info").is_visible()
        assert "Valjean" in page.locator("#info-title").inner_text()
        fields = page.locator("#info-fields").inner_text()
        assert "degree" in fields and "36" in fields
        # Every viewer sees the same selection.
        wait_for(other, "window.__helios.selection && window.__helios.selection.label === 'Valjean'", timeout_s=10)

        # After the flight, Valjean sits at the centre: a click there selects him again; on empty space clears.
        time.sleep(1.0)
        box = page.locator("#video").bounding_box()
        page.mouse.click(box["x"] + 5, box["y"] + box["height"] - 5)
        wait_for(page, "window.__helios.selection === null", timeout_s=10)
        assert not page.locator("#info").is_visible()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        wait_for(page, "window.__helios.selection && window.__helios.selection.label === 'Valjean'", timeout_s=10)

        # Dragging the selected node pins it (for every viewer's HUD); double-clicking it unpins it.
        centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        target = (centre[0] + 0.15 * box["width"], centre[1])
        page.mouse.move(*centre)
        page.mouse.down()
        for step in range(1, 11):
            page.mouse.move(centre[0] + (target[0] - centre[0]) * step / 10, centre[1])
            page.wait_for_timeout(20)
        page.mouse.up()
        wait_for(other, "window.__helios.status && window.__helios.status.layout.pinned === 1", timeout_s=10)
        page.mouse.dblclick(*target)
        wait_for(other, "window.__helios.status && window.__helios.status.layout.pinned === 0", timeout_s=10)

        # The screenshot link downloads a PNG of the current picture.
        png = urllib.request.urlopen(helios.url.replace("/?", "/screenshot.png?"), timeout=10).read()
        assert png.startswith(b"\x89PNG")
        assert page.evaluate("window.__helios.errors") == []
        browser.close()
