"""helios_app.show() in a real notebook kernel (nbclient + ipykernel), then played in Chromium."""

import re
import time
import urllib.request

import nbformat
import pytest
from nbclient import NotebookClient
from playwright.sync_api import sync_playwright

from browser import launch_chromium, wait_for
from conftest import SHARED_DATA

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_show_in_a_notebook_embeds_a_live_view():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import helios_app, networkx\n"
            f"view = helios_app.show({str(SHARED_DATA / 'karate.gml')!r}, port=0)\n"
            "view"
        ),
        nbformat.v4.new_code_cell("view2 = helios_app.show(networkx.les_miserables_graph(), dimensions=3)\nview2"),
        nbformat.v4.new_code_cell("print(view.url)"),
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(notebook, timeout=120, kernel_name="python3")
    with client.setup_kernel():
        for index in range(3):
            client.execute_cell(notebook.cells[index], index)
        url = notebook.cells[2].outputs[0]["text"].strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", url)
        for cell in notebook.cells[:2]:
            outputs = [o for o in cell.outputs if o["output_type"] == "execute_result"]
            assert outputs and "error" not in [o["output_type"] for o in cell.outputs]
            html = outputs[0]["data"]["text/html"]
            assert html.startswith("<iframe") and 'src="http://127.0.0.1:' in html
        assert f'src="{url}"' in notebook.cells[0].outputs[0]["data"]["text/html"]

        # The view the iframe points at is live: a JPEG comes back, and a browser plays the video.
        frame = urllib.request.urlopen(url.replace("/?", "/frame.jpg?"), timeout=10).read()
        assert frame.startswith(b"\xff\xd8")
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page()
            page.set_content(notebook.cells[0].outputs[0]["data"]["text/html"])
            deadline = time.monotonic() + 30
            while not page.frames[1:] and time.monotonic() < deadline:
                time.sleep(0.1)
            view_frame = page.frames[1]
            wait_for(view_frame, "window.__helios && window.__helios.transport === 'webrtc'", timeout_s=30)
            assert view_frame.evaluate("window.__helios.hello.view.node_count") == 34
            browser.close()
