"""helios_app.show() in real notebook kernels: nbclient for the display bundle and the life cycle,
a real JupyterLab in headless Chromium for the widget, with and without a reachable view port."""

import os
import re
import socket
import time
import urllib.request
from urllib.parse import urlparse

import nbformat
import pytest
from browser import PICTURE_JS, JupyterLab, launch_chromium, shared_memory_segments, wait_for
from conftest import SHARED_DATA
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from playwright.sync_api import sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KARATE = str(SHARED_DATA / "karate.gml")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _notebook(*sources: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def _text(cell) -> str:
    return "".join(output.get("text", "") for output in cell.outputs if output["output_type"] == "stream")


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_executed_notebook_keeps_a_picture_and_a_restart_leaves_nothing():
    notebook = _notebook(
        "import helios_app, networkx\n"
        f"view = helios_app.show({KARATE!r})\n"
        "view",
        "view2 = helios_app.show(networkx.les_miserables_graph(), dimensions=3)\nview2",
        "import helios_app.jupyter as hj, threading\n"
        "print(view.url, view.session.port, len(hj._running_views), threading.active_count())",
    )
    client = NotebookClient(notebook, timeout=120, kernel_name="python3")
    with client.setup_kernel():
        for index in range(3):
            client.execute_cell(notebook.cells[index], index)
        url, port, running, _ = _text(notebook.cells[2]).split()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", url) and running == "2"
        for cell in notebook.cells[:2]:
            outputs = [o for o in cell.outputs if o["output_type"] == "execute_result"]
            assert outputs and "error" not in [o["output_type"] for o in cell.outputs]
            data = outputs[0]["data"]
            assert WIDGET_MIME in data, data.keys()
            png = __import__("base64").b64decode(data["image/png"])
            assert png.startswith(b"\x89PNG") and len(png) > 2000  # a real picture, not an empty one
        frame = urllib.request.urlopen(url.replace("/?", "/frame.jpg?"), timeout=10).read()
        assert frame.startswith(b"\xff\xd8")

        # A kernel restart leaves no port and no shared memory segment behind.
        kernel_pid = client.km.provisioner.process.pid
        segments = shared_memory_segments(kernel_pid)
        assert segments
        run_sync(client.km.restart_kernel)(now=False)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (_port_open(int(port)) or any(
                os.path.exists(f"/dev/shm/{name}") for name in segments)):
            time.sleep(0.1)
        assert not _port_open(int(port))
        assert not [name for name in segments if os.path.exists(f"/dev/shm/{name}")]


@pytest.fixture(scope="module")
def notebook_servers(tmp_path_factory):
    """Real JupyterLab and Notebook 7 servers (started when first asked for), each serving a directory
    with one notebook: show a view, then stop it."""
    servers: dict[str, JupyterLab] = {}

    def server(application: str) -> JupyterLab:
        if application not in servers:
            root = tmp_path_factory.mktemp(application)
            notebook = _notebook(
                "import helios_app\n"
                f"view = helios_app.show({KARATE!r})\n"
                "view",
                "view.stop()",
            )
            nbformat.write(notebook, root / "view.ipynb")
            servers[application] = JupyterLab(root, application=application)
        return servers[application]

    yield server
    for lab in servers.values():
        lab.close()


def _still_picture(frame, timeout_s: float = 30.0) -> dict:
    """The picture once it holds still (the layout settled, the size follows this page's stage)."""
    deadline = time.monotonic() + timeout_s
    previous = None
    while time.monotonic() < deadline:
        picture = frame.evaluate(PICTURE_JS)
        if picture and previous and picture == previous:
            return picture
        previous = picture
        time.sleep(1.0)
    raise AssertionError(f"the picture never held still: {previous}")


VISIBLE_MEDIA = "#stage > video:not([hidden]), #stage > img:not([hidden]), #stage > canvas:not([hidden])"


@pytest.mark.parametrize(("application", "video"), [
    ("lab", "h264"), ("lab", "jpeg"), ("lab", "direct"), ("notebook", "h264"), ("notebook", "direct"),
], ids=["jupyterlab-relayed-h264", "jupyterlab-relayed-jpeg", "jupyterlab-direct", "notebook7-relayed-h264",
        "notebook7-direct"])
def test_notebook_front_end_shows_a_live_view_that_drags_and_says_when_stopped(notebook_servers, application, video):
    """Relayed: as a remote kernel, the view's port is unreachable and the page has no WebRTC (and for
    JPEG no WebCodecs either); direct: the widget plays the view's own page over WebRTC."""
    lab = notebook_servers(application)
    reachable = video == "direct"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        if not reachable:
            lab.as_remote_kernel(context, webcodecs=video == "h264")
        page = context.new_page()
        iframe = lab.open_notebook(page, "view.ipynb")
        frame = iframe.content_frame()
        output = page.locator(".jp-OutputArea-output:has(iframe)").first
        wait_for(page, "document.querySelector('[data-helios-mode]') && "
                 "document.querySelector('[data-helios-mode]').dataset.heliosMode !== ''", 30)
        mode = page.evaluate("document.querySelector('[data-helios-mode]').dataset.heliosMode")
        assert mode == ("direct" if reachable else "bridged")
        frame = iframe.content_frame()
        wait_for(frame, "window.__helios && window.__helios.hello !== null", 60)
        assert frame.evaluate("window.__helios.hello.view.node_count") == 34
        expected_transport = "webrtc" if reachable else "comm"
        wait_for(frame, f"window.__helios.transport === '{expected_transport}'", 60)
        if not reachable:
            assert frame.evaluate("window.__helios.relayedCodec()") == video
        before = _still_picture(frame)
        assert before and before["count"] > 50

        # Drag the camera from an empty margin; the picture must move.
        box = frame.locator(VISIBLE_MEDIA).bounding_box()
        x0, y0 = box["x"] + box["width"] * 0.05, box["y"] + box["height"] * 0.5
        page.mouse.move(x0, y0)
        page.mouse.down()
        for step in range(1, 21):
            page.mouse.move(x0 + step * box["width"] * 0.015, y0 + step * box["height"] * 0.01)
            page.wait_for_timeout(30)
        page.mouse.up()
        deadline = time.monotonic() + 10
        after = before
        while time.monotonic() < deadline and abs((after["x"] or 0) - (before["x"] or 0)) < 0.05:
            page.wait_for_timeout(200)
            after = frame.evaluate(PICTURE_JS) or after
        assert after["x"] - before["x"] > 0.05, (before, after)
        if not reachable:
            shown = frame.evaluate("window.__helios.framesShown")
            assert shown > 5

        if reachable:
            # Re-running the cell stops the view it showed before (JupyterLab sends the cell's id).
            old_port = urlparse(iframe.get_attribute("src")).port
            lab.run_cell(page, 0)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                iframe = page.query_selector(".jp-OutputArea-output iframe[src]")
                if iframe is not None and urlparse(iframe.get_attribute("src")).port != old_port:
                    break
                page.wait_for_timeout(200)
            assert urlparse(iframe.get_attribute("src")).port != old_port
            assert not _port_open(old_port), "the replaced view still listens"
            frame = iframe.content_frame()
            wait_for(frame, "window.__helios && window.__helios.hello !== null", 60)
            output = page.locator(".jp-OutputArea-output:has(iframe)").first

        # Stop from Python: the output says so, and the page stops retrying.
        lab.run_cell(page, 1)
        expect_text = output.locator(".helios-stopped")
        expect_text.wait_for(state="visible", timeout=30_000)
        assert "stopped" in expect_text.inner_text()
        wait_for(frame, "window.__helios.stopped !== null", 15)
        sent = frame.evaluate("window.__helios.messagesSent")
        page.wait_for_timeout(2500)
        assert frame.evaluate("window.__helios.messagesSent") == sent
        context.close()
        browser.close()
