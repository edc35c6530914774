"""Collaborators behind NAT: a real coturn on loopback, and a Chromium page that may only use relayed
candidates, still gets the view over WebRTC (not MJPEG). With coturn's shared secret (the TURN REST API
scheme), each page gets a credential of its own that expires, and never the secret or a static password."""

import asyncio
import base64
import hashlib
import hmac
import json
import re
import time

import pytest
from aioice.stun import TransactionFailed
from aioice.turn import create_turn_endpoint
from browser import SELECTED_PAIR_JS, HeliosProcess, launch_chromium, selected_pair_with_traffic, wait_for
from conftest import SHARED_DATA, TURN_PASSWORD, TURN_SECRET, TURN_USER
from playwright.sync_api import sync_playwright

from helios_app import HeliosError
from helios_app.cli import build_parser
from helios_app.config import ViewConfig, ice_server_settings
from web import LatestFrameSlot, ServerConfig, ViewChannel, create_app
from web.turn import rest_credential

TTL_S = 600.0


def expected_credential(username: str) -> str:
    """coturn's check, written out: base64(HMAC-SHA1(secret, user name))."""
    return base64.b64encode(hmac.new(TURN_SECRET.encode(), username.encode(), hashlib.sha1).digest()).decode()


def assert_minted_for_now(servers: list[dict], url: str) -> None:
    """One TURN server with a fresh minted credential: an expiry within the TTL, no static password, no secret."""
    assert len(servers) == 1 and servers[0]["urls"] == url, servers
    username, credential = servers[0]["username"], servers[0]["credential"]
    expiry_s, _, user = username.partition(":")
    assert re.fullmatch(r"\d+", expiry_s) and user, username
    assert time.time() < int(expiry_s) <= time.time() + TTL_S
    assert credential == expected_credential(username)
    assert credential != TURN_PASSWORD and TURN_SECRET not in str(servers)


def relayed_pair_succeeded(page, timeout_s: float = 10.0) -> dict | None:
    """The page's selected candidate pair once video flows over it and its checks have succeeded (Chromium
    can report a pair carrying media as in-progress for a moment), or the last seen."""
    pair = selected_pair_with_traffic(page)
    deadline = time.monotonic() + timeout_s
    while pair and pair["state"] != "succeeded" and time.monotonic() < deadline:
        time.sleep(0.2)
        pair = page.evaluate(SELECTED_PAIR_JS)
    return pair


async def allocate(port: int, username: str, credential: str) -> tuple[str, int]:
    """A TURN Allocate at coturn with this credential: the relayed address, or TransactionFailed."""
    transport, _ = await asyncio.wait_for(
        create_turn_endpoint(asyncio.DatagramProtocol, ("127.0.0.1", port), username, credential), 10)
    try:
        return transport.get_extra_info("sockname")
    finally:
        transport.close()


def test_with_a_secret_no_static_password_is_configured_and_the_secret_may_come_from_the_environment(
        monkeypatch, capsys):
    config = ViewConfig(ice_servers=("stun:127.0.0.1:3478", "turn:127.0.0.1:3478"), ice_secret=TURN_SECRET)
    assert ice_server_settings(config) == ({"urls": "stun:127.0.0.1:3478"}, {"urls": "turn:127.0.0.1:3478"})
    assert TURN_SECRET not in repr(config)
    with pytest.raises(HeliosError, match="drop --ice-username and --ice-credential"):
        ViewConfig(ice_servers=("turn:127.0.0.1:3478",), ice_secret=TURN_SECRET, ice_username=TURN_USER,
                   ice_credential=TURN_PASSWORD)
    with pytest.raises(HeliosError, match="needs --ice-secret, or --ice-username and --ice-credential"):
        ViewConfig(ice_servers=("turn:127.0.0.1:3478",))
    with pytest.raises(HeliosError, match="--ice-credential-ttl is a positive number"):
        ViewConfig(ice_servers=("turn:127.0.0.1:3478",), ice_secret=TURN_SECRET, ice_credential_ttl_s=0)
    monkeypatch.setenv("HELIOS_TURN_SECRET", TURN_SECRET)
    arguments = build_parser().parse_args(["view", "graph.gml", "--ice-server", "turn:127.0.0.1:3478"])
    assert (arguments.ice_secret, arguments.ice_credential_ttl_s) == (TURN_SECRET, 3600.0)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["view", "--help"])
    help_text = capsys.readouterr().out
    assert "HELIOS_TURN_SECRET" in help_text and TURN_SECRET not in help_text


async def test_coturn_refuses_an_expired_credential_and_a_wrong_secret_and_accepts_a_fresh_one(coturn_with_secret):
    fresh = rest_credential(TURN_SECRET, "viewer", TTL_S)
    assert await allocate(coturn_with_secret, *fresh)
    expired = rest_credential(TURN_SECRET, "viewer", -60.0)
    with pytest.raises(TransactionFailed, match="401"):
        await allocate(coturn_with_secret, *expired)
    forged = rest_credential("not-the-secret", "viewer", TTL_S)
    with pytest.raises(TransactionFailed, match="401"):
        await allocate(coturn_with_secret, *forged)


async def test_each_watcher_hello_carries_its_own_expiring_credential_that_coturn_accepts(
        aiohttp_client, coturn_with_secret):
    url = f"turn:127.0.0.1:{coturn_with_secret}"
    config = ServerConfig(token="editor-token", watch_token="watch-token", ice_servers=({"urls": url},),
                          ice_secret=TURN_SECRET, ice_credential_ttl_s=TTL_S)
    assert TURN_SECRET not in repr(config)
    frames = LatestFrameSlot()
    client = await aiohttp_client(create_app(ViewChannel(frames, lambda event: None, dict), config))
    hellos = []
    for _ in range(2):
        async with client.ws_connect("/ws?token=watch-token") as socket:
            hellos.append(await socket.receive_json(timeout=5))
    frames.close()
    assert [hello["role"] for hello in hellos] == ["watcher", "watcher"]
    for hello in hellos:
        assert TURN_SECRET not in json.dumps(hello)
        assert_minted_for_now(hello["ice_servers"], url)
        assert hello["ice_servers"][0]["username"].endswith(":" + hello["viewer_id"])
    first, second = (hello["ice_servers"][0] for hello in hellos)
    assert first["credential"] != second["credential"]
    assert await allocate(coturn_with_secret, first["username"], first["credential"])


@pytest.mark.browser
@pytest.mark.slow
def test_a_relay_only_browser_connects_with_a_credential_minted_for_it(coturn_with_secret, monkeypatch):
    """The secret comes from HELIOS_TURN_SECRET, so it is on no command line; the page gets a minted credential."""
    monkeypatch.setenv("HELIOS_TURN_SECRET", TURN_SECRET)
    url = f"turn:127.0.0.1:{coturn_with_secret}"
    with HeliosProcess("view", str(SHARED_DATA / "karate.gml"), "--port", "0", "--no-window", "--ice-server", url,
                       "--ice-credential-ttl", str(TTL_S)) as helios, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(helios.url + "&ice_transport_policy=relay")
        wait_for(page, "window.__helios && window.__helios.hello !== null", 30)
        assert_minted_for_now(page.evaluate("window.__helios.hello.ice_servers"), url)
        wait_for(page, "window.__helios.transport === 'webrtc' || window.__helios.transport === 'mjpeg'", 30)
        assert page.evaluate("window.__helios.transport") == "webrtc", page.evaluate("window.__helios.fallbackReason")
        pair = relayed_pair_succeeded(page)
        assert pair and pair["local"] == "relay" and pair["bytes"] and pair["state"] == "succeeded", pair
        browser.close()


@pytest.mark.browser
@pytest.mark.slow
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
        pair = relayed_pair_succeeded(page)
        assert pair and pair["local"] == "relay" and pair["bytes"] and pair["state"] == "succeeded", pair
        browser.close()


@pytest.mark.browser
@pytest.mark.slow
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
