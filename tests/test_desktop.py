"""The desktop window under a real X server (Xvfb): same view, same interaction, as the browser's."""

import os
import subprocess
import time
import urllib.request

import pytest
from browser import HeliosProcess
from conftest import SHARED_DATA


@pytest.fixture
def display():
    """A fresh Xvfb; yields its DISPLAY value."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                              pass_fds=[write_end], stderr=subprocess.DEVNULL)
    os.close(write_end)
    # Xvfb writes the number, then a newline, and dies if the pipe is closed in between.
    written = b""
    while not written.endswith(b"\n"):
        chunk = os.read(read_end, 16)
        if not chunk:
            raise AssertionError(f"Xvfb exited before naming its display (read {written!r})")
        written += chunk
    os.close(read_end)
    number = written.decode().strip()
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def xdotool(display, *arguments):
    return subprocess.run(["xdotool", *arguments], env={**os.environ, "DISPLAY": display}, check=False, capture_output=True,
                          text=True, timeout=20)


def frame(helios):
    return urllib.request.urlopen(helios.url.replace("/?", "/frame.jpg?"), timeout=10).read()


def find_window(display, timeout_s=20.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = xdotool(display, "search", "--onlyvisible", "--name", "Helios").stdout.split()
        if found:
            return found[0]
        time.sleep(0.2)
    return None


def test_window_shows_the_view_and_its_mouse_steers_it(display, monkeypatch):
    monkeypatch.setenv("DISPLAY", display)
    with HeliosProcess("view", str(SHARED_DATA / "lesmis.gml"), "--port", "0") as helios:
        window = find_window(display, timeout_s=30)
        assert window, "no Helios window appeared:\n" + "".join(helios.output)
        assert "lesmis.gml" in xdotool(display, "getwindowname", window).stdout
        time.sleep(3)  # let the small layout settle so only the drag changes the picture
        before = frame(helios)
        xdotool(display, "mousemove", "--window", window, "480", "270", "mousedown", "1",
                "mousemove", "--window", window, "540", "270", "mousemove", "--window", window, "620", "270",
                "mouseup", "1")
        time.sleep(1.0)
        assert frame(helios) != before, "dragging in the window moved the shared view"
        output = "".join(helios.output)
        assert "desktop window" in output
        code, _ = helios.interrupt(timeout_s=10)
        assert code == 0


def test_no_window_flag_and_no_display(display, monkeypatch):
    monkeypatch.setenv("DISPLAY", display)
    with HeliosProcess("view", str(SHARED_DATA / "karate.gml"), "--port", "0", "--no-window") as helios:
        assert find_window(display, timeout_s=3) is None
        assert frame(helios).startswith(b"\xff\xd8")
        helios.interrupt(timeout_s=10)
    monkeypatch.delenv("DISPLAY")
    with HeliosProcess("view", str(SHARED_DATA / "karate.gml"), "--port", "0") as helios:
        assert frame(helios).startswith(b"\xff\xd8")
        helios.interrupt(timeout_s=10)
        output = "".join(helios.output)
    assert "WARN" not in output and "X server" not in output, output
