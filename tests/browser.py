"""Shared helpers for the end-to-end tests: a `helios view` subprocess and a headless Chromium."""

from __future__ import annotations

import math
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Self

CHROMIUM = os.environ.get("HELIOS_CHROMIUM", "/usr/bin/chromium")
# The flags that work on a headless, sandboxed machine with no outside network (shared/probes/README.md).
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autoplay-policy=no-user-gesture-required", "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
# Blocks every WebRTC network path, as a firewall that drops UDP would: the browser drops the ICE
# candidates of both sides from the SDP it sends and receives, so ICE has nothing to try and fails.
BLOCK_WEBRTC_SCRIPT = """
(() => {
  const strip = (description) => description && description.sdp ? {type: description.type,
    sdp: description.sdp.split('\\r\\n').filter((line) => !line.startsWith('a=candidate')).join('\\r\\n')} : description;
  const prototype = RTCPeerConnection.prototype;
  const setRemote = prototype.setRemoteDescription;
  prototype.setRemoteDescription = function (description) { return setRemote.call(this, strip(description)); };
  const local = Object.getOwnPropertyDescriptor(prototype, 'localDescription');
  Object.defineProperty(prototype, 'localDescription', {get() { return strip(local.get.call(this)); }});
  prototype.addIceCandidate = function () { return Promise.resolve(); };
})();
"""


class HeliosProcess:
    """`helios view ...` in a subprocess; reads its stdout on a thread until it prints the URL."""

    def __init__(self, *arguments: str, timeout_s: float = 120.0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "helios_app", *arguments],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._wait_for_url(timeout_s)
        self.port = int(re.search(r":(\d+)/", self.url).group(1))

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)

    def _wait_for_url(self, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            match = re.search(r"open (http://\S+)", line)
            if match:
                return match.group(1)
        self.process.kill()
        raise AssertionError("helios view printed no URL:\n" + "".join(self.output))

    def interrupt(self, timeout_s: float) -> tuple[int, float]:
        """Send SIGINT; return (exit code, seconds it took to exit)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        code = self.wait(timeout_s)
        return code, time.monotonic() - started

    def wait(self, timeout_s: float) -> int:
        """The exit code; if it does not exit in time, SIGABRT makes it print every thread's stack
        (helios enables faulthandler), and that is raised with its output."""
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGABRT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            time.sleep(0.5)  # the reader thread collects the last lines
            raise AssertionError(
                f"helios did not exit within {timeout_s} s; its output and stacks:\n" + "".join(self.output)
            ) from None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def shared_memory_segments(pid: int | None = None) -> set[str]:
    """Helios segments in /dev/shm, or only those that process ``pid`` has mapped."""
    if pid is None:
        return {name for name in os.listdir("/dev/shm") if name.startswith("helios")}
    with open(f"/proc/{pid}/maps") as maps:
        return {line.split("/dev/shm/")[1].split()[0] for line in maps if "/dev/shm/helios" in line}


def remaining(segments: set[str]) -> set[str]:
    """Which of ``segments`` still exist."""
    return {name for name in segments if os.path.exists(f"/dev/shm/{name}")}


# Reads the current picture of the page's visible <video> or <img> into a canvas and returns the
# centroid and count of its bright (non-background) pixels, and a coarse fingerprint.
PICTURE_JS = """
() => {
  const state = window.__helios;
  const media = document.querySelector('#stage > video:not([hidden]), #stage > img:not([hidden]), #stage > canvas:not([hidden])');
  if (!media) return null;
  const width = media.videoWidth || media.naturalWidth || media.width, height = media.videoHeight || media.naturalHeight || media.height;
  if (!width || !height) return null;
  const canvas = document.createElement('canvas');
  canvas.width = width; canvas.height = height;
  const context = canvas.getContext('2d', {willReadFrequently: true});
  context.drawImage(media, 0, 0, width, height);
  const data = context.getImageData(0, 0, width, height).data;
  let count = 0, sumX = 0, sumY = 0, fingerprint = 0;
  for (let y = 0; y < height; y += 2) for (let x = 0; x < width; x += 2) {
    const offset = (y * width + x) * 4;
    const brightness = data[offset] + data[offset + 1] + data[offset + 2];
    fingerprint = (fingerprint * 31 + brightness) % 1000000007;
    if (brightness > 150) { count++; sumX += x; sumY += y; }
  }
  return {width, height, count, x: count ? sumX / count / width : null, y: count ? sumY / count / height : null,
          fingerprint};
}
"""

# The current picture's RGBA pixels as `data` (and its `width`, `height`): the start of the scripts below.
PIXELS_JS = """  const state = window.__helios;
  const media = document.querySelector('#stage > video:not([hidden]), #stage > img:not([hidden]), #stage > canvas:not([hidden])');
  if (!media) return null;
  const width = media.videoWidth || media.naturalWidth || media.width, height = media.videoHeight || media.naturalHeight || media.height;
  const canvas = document.createElement('canvas');
  canvas.width = width; canvas.height = height;
  const context = canvas.getContext('2d', {willReadFrequently: true});
  context.drawImage(media, 0, 0, width, height);
  const data = context.getImageData(0, 0, width, height).data;
"""

# The centre of the densest cell of a 12x8 grid over the current picture (fractions of the picture):
# zooming there zooms into the graph, never into one of its holes.
DENSEST_POINT_JS = """
() => {
""" + PIXELS_JS + """  const columns = 12, rows = 8, counts = new Array(columns * rows).fill(0);
  for (let y = 0; y < height; y += 2) for (let x = 0; x < width; x += 2) {
    const offset = (y * width + x) * 4;
    if (data[offset] + data[offset + 1] + data[offset + 2] > 150) {
      counts[Math.floor(y * rows / height) * columns + Math.floor(x * columns / width)]++;
    }
  }
  const best = counts.indexOf(Math.max(...counts));
  return [((best % columns) + 0.5) / columns, (Math.floor(best / columns) + 0.5) / rows];
}
"""

# Finds, near the left middle of the current picture, a point (as fractions of the picture) with
# nothing but background within `radius` pixels: a drag starting there moves the camera, not a node.
EMPTY_POINT_JS = """
(radius) => {
""" + PIXELS_JS + """  const background = [data[0], data[1], data[2]];
  const occupied = (x, y) => {
    const offset = (y * width + x) * 4;
    return Math.abs(data[offset] - background[0]) + Math.abs(data[offset + 1] - background[1])
      + Math.abs(data[offset + 2] - background[2]) > 40;
  };
  const empty = (cx, cy) => {
    for (let y = cy - radius; y <= cy + radius; y++) for (let x = cx - radius; x <= cx + radius; x++)
      if (x < 0 || y < 0 || x >= width || y >= height || occupied(x, y)) return false;
    return true;
  };
  for (let dx = radius + 2; dx < width / 3; dx += 4)
    for (const dy of [0, -20, 20, -40, 40, -60, 60, -80, 80])
      if (empty(dx, Math.round(height / 2) + dy)) return [dx / width, 0.5 + dy / height];
  return null;
}
"""

# The page's selected ICE candidate pair: its state, the local and remote candidate types, the bytes
# received and the remote port.
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
          bytes: pair.bytesReceived, remotePort: remote && remote.port};
}
"""


def selected_pair_with_traffic(page, timeout_s: float = 10.0):
    """The page's selected candidate pair (SELECTED_PAIR_JS) once bytes flow over it, or the last seen."""
    pair = None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not (pair and pair["bytes"]):
        pair = page.evaluate(SELECTED_PAIR_JS)
        time.sleep(0.2)
    return pair


# Counts frames presented by the <video> (requestVideoFrameCallback) and reads WebRTC decode stats.
COUNT_FRAMES_JS = """
() => {
  const video = document.getElementById('video');
  window.__presented = 0;
  const tick = () => { window.__presented++; video.requestVideoFrameCallback(tick); };
  video.requestVideoFrameCallback(tick);
}
"""
DECODED_JS = """
async () => {
  const peer = window.__helios.peer;
  if (!peer) return null;
  let decoded = null;
  (await peer.getStats()).forEach((report) => {
    if (report.type === 'inbound-rtp' && report.kind === 'video') decoded = report.framesDecoded;
  });
  return decoded;
}
"""


class JupyterLab:
    """A real JupyterLab (or, with ``application="notebook"``, Notebook 7) server on a free loopback port
    serving ``root``; ``url``, ``port``, ``token``."""

    def __init__(self, root: Path, token: str = "labtoken", timeout_s: float = 60.0, application: str = "lab") -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.token, self.url = token, f"http://127.0.0.1:{self.port}"
        self.application = application
        jupyter = Path(sys.executable).parent / "jupyter"
        self.process = subprocess.Popen(
            [str(jupyter), application, "--no-browser", f"--ServerApp.port={self.port}", "--ServerApp.ip=127.0.0.1",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--allow-root",
             *(["--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"] if application == "lab" else [])],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "JUPYTER_CONFIG_DIR": str(root / ".config"),
                 "JUPYTER_RUNTIME_DIR": str(root / ".runtime")},
        )
        deadline = time.monotonic() + timeout_s
        while not _port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise AssertionError("JupyterLab did not start:\n" + self.process.stderr.read())
            time.sleep(0.2)

    def open_notebook(self, page, name: str):
        """Open notebook ``name`` in ``page`` and run its first cell; returns the output's iframe element."""
        path = "lab/tree" if self.application == "lab" else "notebooks"
        page.goto(f"{self.url}/{path}/{name}?token={self.token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.wait_for_timeout(1500)  # the kernel connects
        self.run_cell(page, 0)
        return page.wait_for_selector(".jp-OutputArea-output iframe", timeout=90_000)

    def as_remote_kernel(self, context, webcodecs: bool = True) -> None:
        """Make ``context``'s pages see the kernel as a remote one would: every request to a port but
        this server's fails, and there is no WebRTC (nor, if ``webcodecs`` is False, WebCodecs)."""
        from urllib.parse import urlparse

        context.route("**/*", lambda route: route.continue_() if urlparse(route.request.url).port in
                      (None, self.port) or route.request.url.startswith(("blob:", "data:", "about:"))
                      else route.abort())
        context.add_init_script("delete window.RTCPeerConnection; delete window.webkitRTCPeerConnection;"
                                + ("" if webcodecs else "delete window.VideoDecoder;"))

    @staticmethod
    def run_cell(page, index: int) -> None:
        page.locator(".jp-Cell .jp-InputArea-editor").nth(index).click()
        page.keyboard.press("Escape")
        page.keyboard.press("Shift+Enter")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def launch_chromium(playwright, extra_flags=()):
    if not Path(CHROMIUM).exists():
        raise AssertionError(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_FLAGS + list(extra_flags))


def wait_for(page, expression: str, timeout_s: float = 30.0):
    page.wait_for_function(expression, timeout=timeout_s * 1000)


def wait_until_settled(page, timeout_s: float = 60.0) -> None:
    """Wait for the HUD status to report a settled layout, so only interaction changes the picture."""
    wait_for(page, "window.__helios.status && window.__helios.status.layout.state === 'settled'", timeout_s)


def drag_in_circles(page, selector: str, seconds: float, each_step=None) -> int:
    """Hold the left button and circle for ``seconds`` (as a user exploring the view), in the empty
    margin left of a centred graph, so the drag moves the camera rather than a node.

    Calls ``each_step()`` after every move; returns the number of moves.
    """
    box = page.locator(selector).bounding_box()
    radius = min(box["width"], box["height"]) / 12
    centre_x, centre_y = box["x"] + radius + 4, box["y"] + box["height"] / 2
    page.mouse.move(centre_x + radius, centre_y)
    page.mouse.down()
    moves, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        angle = moves * 0.15
        page.mouse.move(centre_x + radius * math.cos(angle), centre_y + radius * math.sin(angle))
        moves += 1
        if each_step is not None:
            each_step()
        page.wait_for_timeout(15)
    page.mouse.up()
    return moves


def drag(page, selector: str, start: tuple[float, float], end: tuple[float, float], steps: int = 20) -> None:
    """Drag with the left button between two points given as fractions of the element's box."""
    box = page.locator(selector).bounding_box()
    x0, y0 = box["x"] + start[0] * box["width"], box["y"] + start[1] * box["height"]
    x1, y1 = box["x"] + end[0] * box["width"], box["y"] + end[1] * box["height"]
    page.mouse.move(x0, y0)
    page.mouse.down()
    for step in range(1, steps + 1):
        page.mouse.move(x0 + (x1 - x0) * step / steps, y0 + (y1 - y0) * step / steps)
        page.wait_for_timeout(20)
    page.mouse.up()
