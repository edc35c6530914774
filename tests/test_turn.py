"""Collaborators behind NAT: a real coturn on loopback, and a Chromium page that may only use relayed
candidates, still gets the view over WebRTC (not MJPEG)."""

import shutil
import socket
import subprocess
import time

import pytest
from browser import HeliosProcess, launch_chromium, wait_for
from conftest import SHARED_DATA
from playwright.sync_api import sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TURN_USER, TURN_PASSWORD = "helios", "turn-secret"

SELECTED_PAIR_JS = """
async () => {
  const peer = window.__helios.peer;
  if (!peer) return null;
  const stats = await peer.getStats();
  let pair = null;
  stats.forEach((report) => {
    if (report.type === 'transport' && report.selectedCandidatePairId) pair = stats.get(report.selectedCandidatePairId);
  });
  if (!pair) stats.forEach((report) => { if (report.type === 'candidate-pair' && report.nominated) pair = report; });
  if (!pair) return null;
  const local = stats.get(pair.localCandidateId), remote = stats.get(pair.remoteCandidateId);
  return {state: pair.state, local: local && local.candidateType, remote: remote && remote.candidateType,
          bytes: pair.bytesReceived};
}
"""


def _free_port(kind=socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def coturn(tmp_path):
    """coturn on loopback with one long-term-credential user; stopped (and its port freed) after."""
    turnserver = shutil.which("turnserver")
    if turnserver is None:
        raise AssertionError("turnserver is missing: install Debian's coturn (.ci/setup --test does)")
    port = _free_port()
    process = subprocess.Popen(
        [turnserver, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", f"--listening-port={port}",
         "--min-port=49160", "--max-port=49260", "--lt-cred-mech", f"--user={TURN_USER}:{TURN_PASSWORD}",
         "--realm=helios.test", "--fingerprint", "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers",
         "--no-multicast-peers", f"--pidfile={tmp_path / 'turn.pid'}", "--log-file=stdout", "--simple-log"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    else:
        process.kill()
        raise AssertionError("coturn did not start:\n" + process.stdout.read())
    yield port
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()


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
        pair = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (pair and pair["bytes"]):
            pair = page.evaluate(SELECTED_PAIR_JS)
            time.sleep(0.2)
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
