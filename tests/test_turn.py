"""Collaborators behind NAT: a real coturn on loopback, and a Chromium page that may only use relayed
candidates, still gets the view over WebRTC (not MJPEG)."""


import pytest
from browser import HeliosProcess, launch_chromium, selected_pair_with_traffic, wait_for
from conftest import SHARED_DATA, TURN_PASSWORD, TURN_USER
from playwright.sync_api import sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]



def test_a_relay_only_browser_connects_over_webrtc_through_coturn(coturn):
    with HeliosProcess("view", str(SHARED_DATA / "karate.gml"), "--port", "0", "--no-window",
                       "--ice-server", f"turn:127.0.0.1:{coturn}", "--ice-username", TURN_USER,
                       "--ice-credential", TURN_PASSWORD) as helios, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(helios.url + "&ice_transport_policy=relay")
        wait_for(page, "window.__helios && window.__helios.hello !== null", 30)
        servers = page.evaluate("window.__helios.hello.ice_servers")
        assert servers == [{"urls": f"turn:127.0.0.1:{coturn}", "username": TURN_USER, "credential": TURN_PASSWORD}]
        wait_for(page, "window.__helios.transport === 'webrtc' || window.__helios.transport === 'mjpeg'", 30)
        assert page.evaluate("window.__helios.transport") == "webrtc", page.evaluate("window.__helios.fallbackReason")
        pair = selected_pair_with_traffic(page)
        assert pair and pair["local"] == "relay" and pair["state"] == "succeeded", pair
        browser.close()


def test_without_a_turn_server_a_relay_only_browser_falls_back_to_mjpeg():
    """The page is given no ICE server when helios has none (nothing outside is contacted), so a browser that
    may only relay cannot connect over WebRTC and says why."""
    with HeliosProcess("view", str(SHARED_DATA / "karate.gml"), "--port", "0", "--no-window") as helios, \
            sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(helios.url + "&ice_transport_policy=relay&webrtc_timeout_s=3")
        wait_for(page, "window.__helios && window.__helios.transport === 'mjpeg'", 30)
        assert page.evaluate("window.__helios.hello.ice_servers") == []
        browser.close()
