"""The notebook widget in a real JupyterLab: frames per second while dragging, relayed vs direct.

Starts JupyterLab on a free port with a notebook that shows ``data/power.gml``, opens it in headless
Chromium, runs the cell, lets the layout settle and drags the camera in circles for ``--seconds``
while counting the pictures the page shows. Two runs in one go:

- ``relayed h264``: as a remote kernel — every request to a port other than JupyterLab's fails and the
  page has no ``RTCPeerConnection``; the shared H.264 stream and the input travel over the kernel's
  comm channel, decoded in the page with WebCodecs.
- ``relayed jpeg``: the same in a browser without WebCodecs: the MJPEG stream's JPEGs.
- ``direct``: the widget reaches the kernel's port and plays the view over WebRTC (the peer).

    .venv/bin/python bench/notebook.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from browser import COUNT_FRAMES_JS, JupyterLab, launch_chromium, wait_for

GRAPH = HERE.parent / "data" / "power.gml"


def measure(lab: JupyterLab, video: str, seconds: float) -> dict:
    relayed = video != "direct"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        if relayed:
            lab.as_remote_kernel(context, webcodecs=video == "h264")
        page = context.new_page()
        iframe = lab.open_notebook(page, "view.ipynb")
        frame = iframe.content_frame()
        transport = "comm" if relayed else "webrtc"
        wait_for(frame, f"window.__helios && window.__helios.transport === '{transport}'", 60)
        wait_for(frame, "window.__helios.status && window.__helios.status.layout.state === 'settled'", 90)
        if not relayed:
            frame.evaluate(COUNT_FRAMES_JS)
        count = "window.__helios.framesShown" if relayed else "window.__presented"
        visible = "#stage > video:not([hidden]), #stage > img:not([hidden]), #stage > canvas:not([hidden])"
        box = frame.locator(visible).bounding_box()
        size = frame.evaluate(f"(() => {{ const m = document.querySelector('{visible}'); return [m.naturalWidth || "
                              "m.videoWidth || m.width, m.naturalHeight || m.videoHeight || m.height]; })()")
        bytes_before = relayed_bytes(frame) if relayed else 0
        radius = min(box["width"], box["height"]) / 10
        centre_x, centre_y = box["x"] + radius + 6, box["y"] + box["height"] / 2
        page.mouse.move(centre_x + radius, centre_y)
        page.mouse.down()
        first = frame.evaluate(count)
        cpu_before = cpu_seconds(lab)
        started = time.monotonic()
        moves = 0
        while time.monotonic() - started < seconds:
            angle = moves * 0.15
            page.mouse.move(centre_x + radius * math.cos(angle), centre_y + radius * math.sin(angle))
            moves += 1
            page.wait_for_timeout(15)
        shown = frame.evaluate(count) - first
        elapsed = time.monotonic() - started
        received = (relayed_bytes(frame) - bytes_before) if relayed else None
        cpu = {name: round((seconds - cpu_before.get(name, 0.0)) / elapsed * 100) for name, seconds in
               cpu_seconds(lab).items()}
        page.mouse.up()
        lab.run_cell(page, 1)  # view.stop()
        page.wait_for_timeout(1500)
        context.close()
        browser.close()
    return {"mode": f"relayed over the comm channel ({video})" if relayed else "direct WebRTC", "frame_size": size,
            "relayed_megabits_per_s": None if received is None else round(received * 8 / elapsed / 1e6, 2),
            "fps_while_dragging": round(shown / elapsed, 1), "pointer_moves_per_s": round(moves / elapsed, 1),
            "cpu_percent_of_a_core": cpu}


def relayed_bytes(frame) -> int:
    """Video bytes the bridged page has received so far."""
    return frame.evaluate("window.__helios.videoBytes")


def cpu_seconds(lab: JupyterLab) -> dict[str, float]:
    """CPU seconds so far of the kernel, the Jupyter server, Chromium and the Playwright driver."""
    totals: dict[str, float] = {}
    server = psutil.Process(lab.process.pid)
    groups = [("kernel", child) for child in server.children(recursive=True)] + [("jupyter server", server)]
    groups += [("chromium" if "chrom" in child.name() else "playwright driver", child)
               for child in psutil.Process().children(recursive=True) if child.pid != server.pid
               and child not in server.children(recursive=True)]
    for name, process in groups:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        totals[name] = totals.get(name, 0.0) + times.user + times.system
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--output", type=Path, default=HERE / "results" / "notebook.json")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="helios-bench-lab-") as directory:
        root = Path(directory)
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(f"import helios_app\nview = helios_app.show({str(GRAPH)!r})\nview"),
                          nbformat.v4.new_code_cell("view.stop()")]
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(notebook, root / "view.ipynb")
        lab = JupyterLab(root)
        try:
            results = [measure(lab, video, arguments.seconds) for video in ("h264", "jpeg", "direct")]
        finally:
            lab.close()
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
