"""helios behind a TLS reverse proxy, as the README's deployment section says: a real nginx runs the
README's own server block (its ports replaced, a self-signed certificate), and headless Chromium opens the
shared https link and plays the view over WebRTC, with helios's own stream and through Janus behind the
same proxy."""

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from browser import HeliosProcess, launch_chromium, wait_for
from conftest import SHARED_DATA
from janus import JANUS_ROOM, JanusServer
from playwright.sync_api import sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]

README = Path(__file__).resolve().parents[1] / "README.md"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def readme_nginx_block() -> str:
    blocks = re.findall(r"```nginx\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert len(blocks) == 1, "the README's deployment section has one nginx block"
    return blocks[0]


class Nginx:
    """nginx with the README's block, proxying https://127.0.0.1:port to helios (and Janus)."""

    def __init__(self, folder: Path, helios_port: int, janus_port: int, port: int = 0) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise AssertionError("nginx is missing: install Debian's nginx-light (.ci/setup --test does)")
        self.port = port or _free_port()
        certificate, key = folder / "helios.pem", folder / "helios.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
                       check=True, capture_output=True)
        block = (readme_nginx_block()
                 .replace("listen 8443 ssl", f"listen 127.0.0.1:{self.port} ssl")
                 .replace("127.0.0.1:8000", f"127.0.0.1:{helios_port}")
                 .replace("127.0.0.1:8088", f"127.0.0.1:{janus_port}")
                 .replace("/etc/ssl/certs/helios.pem", str(certificate))
                 .replace("/etc/ssl/private/helios.key", str(key)))
        for temporary in ("body", "proxy"):
            (folder / temporary).mkdir()
        (folder / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
            "events {}\nhttp {\n  access_log off;\n"
            f"  client_body_temp_path {folder / 'body'};\n  proxy_temp_path {folder / 'proxy'};\n"
            f"{block}}}\n"
        )
        self.folder = folder
        self.process = subprocess.Popen([nginx, "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.close()
        raise AssertionError("nginx did not start:\n" + (folder / "error.log").read_text())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def _play_through_proxy(helios: HeliosProcess, proxy: Nginx, transport: str) -> dict:
    token = re.search(r"token=([^&\s]+)", helios.url).group(1)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, ["--ignore-certificate-errors"])
        page = browser.new_page()
        page.goto(f"https://127.0.0.1:{proxy.port}/?token={token}")
        wait_for(page, f"window.__helios && window.__helios.transport === '{transport}' || "
                       "window.__helios.transport === 'mjpeg'", 40)
        state = page.evaluate("({transport: window.__helios.transport, fallback: window.__helios.fallbackReason,"
                              " sfuError: window.__helios.sfuError || null, secure: window.isSecureContext,"
                              " viewers: window.__helios.viewers.length})")
        browser.close()
    return state


def test_a_shared_https_link_through_nginx_plays_over_webrtc(tmp_path):
    with HeliosProcess("view", str(SHARED_DATA / "karate.gml"), "--port", "0", "--no-window") as helios:
        proxy = Nginx(tmp_path, helios.port, _free_port())
        try:
            state = _play_through_proxy(helios, proxy, "webrtc")
        finally:
            proxy.close()
    assert state == {"transport": "webrtc", "fallback": None, "sfuError": None, "secure": True, "viewers": 1}, state


def test_through_nginx_with_janus_behind_the_same_proxy(tmp_path):
    """The viewers reach Janus's API at https://HOST:PORT/janus (the README's second location), helios at
    its own address: the page watches through the SFU behind the proxy."""
    proxy_port = _free_port()
    with JanusServer() as janus:
        target = f"janus:{janus.api_url}?room={JANUS_ROOM}&viewers=https://127.0.0.1:{proxy_port}/janus"
        with HeliosProcess("view", str(SHARED_DATA / "karate.gml"), "--port", "0", "--no-window",
                           "--publish", target) as helios:
            proxy = Nginx(tmp_path, helios.port, janus.port, proxy_port)
            try:
                state = _play_through_proxy(helios, proxy, "sfu")
            finally:
                proxy.close()
    assert state == {"transport": "sfu", "fallback": None, "sfuError": None, "secure": True, "viewers": 1}, state
