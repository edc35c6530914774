"""Large audiences through an SFU: helios publishes its one encoded stream to a real Janus VideoRoom on
loopback; headless Chromium pages watch through Janus while they steer over helios's socket, and fall
back to helios's own stream when Janus goes away."""

import json
import time
import urllib.request

import pytest
from browser import (
    PICTURE_JS,
    SELECTED_PAIR_JS,
    HeliosProcess,
    drag,
    launch_chromium,
    selected_pair_with_traffic,
    wait_for,
)
from conftest import SHARED_DATA, TURN_PASSWORD, TURN_USER
from janus import JANUS_ROOM, JanusServer
from playwright.sync_api import sync_playwright

from web.sfu import SfuTarget

VIEWERS = 4


@pytest.fixture
def janus_server():
    with JanusServer() as server:
        yield server


@pytest.mark.parametrize("text, message", [
    ("janus:http://127.0.0.1:8088/janus", "room=N"),
    ("janus:http://127.0.0.1:8088/janus?room=abc", "room=N"),
    ("janus:ftp://127.0.0.1/janus?room=1", "http:// or https://"),
    ("livekit:http://127.0.0.1:8088?room=1", "janus:"),
    ("janus:http://127.0.0.1:8088/janus?room=1&secret=x", "unknown --publish parameter(s) secret"),
    ("janus:http://127.0.0.1:8088/janus?room=1&viewers=ws://x", "viewers="),
])
def test_a_bad_publish_target_is_refused_naming_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SfuTarget.parse(text)


def test_a_publish_target_names_the_api_the_room_and_the_viewers_address() -> None:
    target = SfuTarget.parse("janus:http://10.0.0.5:8088/janus/?room=42&viewers=https://sfu.example.org/janus")
    assert target == SfuTarget("http://10.0.0.5:8088/janus", 42, "https://sfu.example.org/janus")
    assert SfuTarget.parse("janus:http://h:1/janus?room=7").viewer_url == "http://h:1/janus"




def _video(page) -> dict:
    return page.evaluate("window.__helios.status && window.__helios.status.video")


def _pictures(pages) -> list:
    return [page.evaluate(PICTURE_JS) for page in pages]


def assert_a_drag_changes_every_picture(pages, dragging, start, end) -> None:
    """Drag in ``dragging`` (camera pan); every page's picture must differ from before."""
    pictures = _pictures(pages)
    drag(dragging, "#stage", start, end)
    time.sleep(1.5)
    changed = _pictures(pages)
    assert all(a and b and a["fingerprint"] != b["fingerprint"] for a, b in zip(pictures, changed)), (pictures, changed)


@pytest.mark.browser
@pytest.mark.slow
def test_four_viewers_watch_through_janus_fall_back_to_helios_and_return(janus_server) -> None:
    target = f"janus:{janus_server.api_url}?room={JANUS_ROOM}"
    with HeliosProcess("view", str(SHARED_DATA / "karate.gml"), "--port", "0", "--no-window",
                       "--publish", target) as helios, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        pages = [browser.new_context(viewport={"width": 1000, "height": 640}).new_page() for _ in range(VIEWERS)]
        for page in pages:
            page.goto(helios.url + "&webrtc_timeout_s=15")  # four pages negotiate at once
        for page in pages:
            wait_for(page, "window.__helios.transport === 'sfu' || window.__helios.sfuError", 40)
            assert page.evaluate("window.__helios.transport") == "sfu", page.evaluate("window.__helios.sfuError")
            assert page.evaluate("window.__helios.hello.sfu.room") == JANUS_ROOM
            assert 40000 <= page.evaluate(SELECTED_PAIR_JS)["remotePort"] <= 40999  # Janus's RTP ports: the video comes from Janus
        # Janus has the four subscribers; helios sends one stream: no direct peer, one H.264 track (the
        # publisher's), and one encode per frame however many watch.
        room = janus_server.participants(JANUS_ROOM)
        assert [participant["display"] for participant in room] == ["helios"], room
        for guess in ({}, {"secret": "guess"}):  # a viewer who knows the room cannot destroy it
            refusal = janus_server.room_request({"request": "destroy", "room": JANUS_ROOM, **guess})
            assert refusal.get("error_code") in (429, 433), refusal  # missing secret, unauthorized
        wait_for(pages[0], "window.__helios.status && window.__helios.status.video.sfu === 'up'", 10)
        video = _video(pages[0])
        assert video["peers"] == 0 and video["tracks"] == {"h264": 1}, video
        before = _video(pages[0])["frames_encoded"]["h264"]
        drag(pages[0], "#stage", (0.1, 0.5), (0.2, 0.4))  # pan the camera: every frame changes
        time.sleep(1.0)
        after = _video(pages[0])["frames_encoded"]["h264"]
        assert 0 < after - before <= 31 * 3, (before, after)  # at most max_fps, not VIEWERS times that

        # Dragging in one page changes the picture in all.
        assert_a_drag_changes_every_picture(pages, pages[1], (0.2, 0.4), (0.1, 0.5))  # pan back (the graph stays in the picture)

        # Janus dies: helios says so in one line; every page falls back to helios's own stream.
        janus_server.kill()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any("unreachable" in line for line in helios.output):
            time.sleep(0.2)
        lines = [line for line in helios.output if "SFU" in line]
        assert len(lines) == 2 and "publishing to the SFU" in lines[0] and "unreachable" in lines[1], helios.output
        for page in pages:
            wait_for(page, "window.__helios.transport === 'webrtc'", 30)
        wait_for(pages[0], "window.__helios.status.video.peers === 4", 10)
        assert_a_drag_changes_every_picture(pages, pages[2], (0.1, 0.5), (0.2, 0.6))
        time.sleep(RETRY_CHECK_S)
        assert len([line for line in helios.output if "SFU" in line]) == 2  # retries say nothing more

        # Janus is back at the same address: helios publishes again and the pages leave its own stream.
        with JanusServer(port=janus_server.port):
            for page in pages:
                wait_for(page, "window.__helios.transport === 'sfu'", 40)
            assert "publishing to the SFU" in [line for line in helios.output if "SFU" in line][-1]
            wait_for(pages[0], "window.__helios.status.video.peers === 0", 45)  # their own peers are gone
            assert_a_drag_changes_every_picture(pages, pages[3], (0.2, 0.6), (0.1, 0.5))
        browser.close()


RETRY_CHECK_S = 6.0  # longer than web.sfu.RETRY_S: a failed retry must not print again


@pytest.mark.browser
@pytest.mark.slow
def test_an_unreachable_sfu_costs_one_line_and_pages_use_helios_own_stream() -> None:
    with HeliosProcess("view", str(SHARED_DATA / "karate.gml"), "--port", "0", "--no-window",
                       "--publish", "janus:http://127.0.0.1:9/janus?room=5") as helios, \
            sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(helios.url)
        wait_for(page, "window.__helios.transport === 'webrtc'", 30)
        assert page.evaluate("window.__helios.hello.sfu") is None
        time.sleep(RETRY_CHECK_S)
        lines = [line for line in helios.output if "SFU" in line]
        assert len(lines) == 1 and "127.0.0.1:9" in lines[0], helios.output
        browser.close()




@pytest.mark.browser
@pytest.mark.slow
def test_a_relay_only_viewer_watches_through_janus_via_turn(janus_server, coturn) -> None:
    """A team across networks: the page may only use relayed candidates (a strict NAT); it gets the TURN
    server from helios and watches through Janus."""
    with HeliosProcess("view", str(SHARED_DATA / "karate.gml"), "--port", "0", "--no-window",
                       "--publish", f"janus:{janus_server.api_url}?room={JANUS_ROOM}",
                       "--ice-server", f"turn:127.0.0.1:{coturn}", "--ice-username", TURN_USER,
                       "--ice-credential", TURN_PASSWORD) as helios, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(helios.url + "&ice_transport_policy=relay&webrtc_timeout_s=15")
        wait_for(page, "window.__helios.transport === 'sfu' || window.__helios.sfuError", 40)
        assert page.evaluate("window.__helios.transport") == "sfu", page.evaluate("window.__helios.sfuError")
        pair = selected_pair_with_traffic(page)
        assert pair["local"] == "relay" and pair["state"] == "succeeded", pair
        browser.close()


def test_janus_fixture_serves_the_http_api(janus_server) -> None:
    with urllib.request.urlopen(janus_server.api_url.replace("/janus", "/janus/info"), timeout=5) as reply:
        info = json.load(reply)
    assert "janus.plugin.videoroom" in info["plugins"] and "janus.transport.http" in info["transports"]
