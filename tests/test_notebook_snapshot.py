"""A notebook that stays alive (issue 23): helios_app.show()'s display bundle carries the view as a
self-contained page (text/html, an iframe over the PNG), so a saved notebook exported by nbconvert
explores the view in a browser with no kernel and no network; a page over the cap keeps the PNG and
says why; a snapshot that cannot be taken leaves the display working."""

from __future__ import annotations

import base64
import copy
import logging
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import nbformat
import numpy as np
import pytest
from browser import JupyterLab, launch_chromium, wait_for
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from PIL import Image
from playwright.sync_api import sync_playwright

import helios_app
from helios_app import jupyter
from helios_app.errors import HeliosError
from helios_app.view import View

LESMIS = Path(__file__).resolve().parent.parent / "data" / "lesmis.gml"  # node 11 is labelled Valjean
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


class _Iframes(HTMLParser):
    """The attributes of every <iframe> in a piece of HTML, unescaped as a browser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "iframe":
            self.found.append(dict(attrs))


def _iframes(text: str) -> list[dict[str, str]]:
    parser = _Iframes()
    parser.feed(text)
    return parser.found


@pytest.fixture(scope="module")
def view():
    with helios_app.show(str(LESMIS)) as shown:
        yield shown


def test_the_bundle_embeds_the_snapshot_in_an_iframe_over_the_png(view):
    bundle = view._repr_mimebundle_()
    assert {WIDGET_MIME, "image/png", "text/html", "text/plain"} <= set(bundle)
    text = bundle["text/html"]
    (frame,) = _iframes(text)
    page = frame["srcdoc"]
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert 'id="helios-snapshot-data"' in page and 'id="helios-snapshot-header"' in page
    assert "allow-scripts" in frame["sandbox"].split() and frame["title"]
    # Sized like the widget, with the PNG under it for renderers that drop iframes.
    assert f"max-width:{view.widget.width}px;height:{view.widget.height}px" in text
    assert f'src="data:image/png;base64,{bundle["image/png"]}"' in text
    # Excluding text/html (as a front end may ask) takes no snapshot.
    assert "text/html" not in view._repr_mimebundle_(exclude={"text/html"})


def test_a_page_over_the_cap_keeps_the_png_and_says_why(view, monkeypatch):
    monkeypatch.setattr(jupyter, "NOTEBOOK_SNAPSHOT_MAX_BYTES", 50_000)
    bundle = view._repr_mimebundle_()
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(b"\x89PNG")
    text = bundle["text/html"]
    assert "<iframe" not in text and "helios-snapshot-data" not in text
    assert f'src="data:image/png;base64,{bundle["image/png"]}"' in text  # the picture still shows
    assert "more than the 0.05 MB a notebook embeds" in text and "view.save_html" in text
    assert len(text) < len(bundle["image/png"]) + 1000  # the PNG and one line, no page


def test_a_snapshot_that_fails_leaves_the_png_and_a_warning(view, monkeypatch, caplog):
    def fails(_view):
        raise HeliosError("the view did not answer in time; try saving the page again")

    monkeypatch.setattr(View, "to_html", fails)
    with caplog.at_level(logging.WARNING, logger="helios_app.jupyter"):
        bundle = view._repr_mimebundle_()
    assert "text/html" not in bundle and bundle["image/png"] and WIDGET_MIME in bundle
    assert "did not answer in time" in caplog.text


@pytest.fixture(scope="module")
def executed_notebook() -> nbformat.NotebookNode:
    """A notebook whose one cell shows lesmis, run by nbclient in a real kernel, which is gone after."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(f"import helios_app\nhelios_app.show({str(LESMIS)!r})")]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(notebook, timeout=180, kernel_name="python3").execute()
    (output,) = [o for o in notebook.cells[0].outputs if o["output_type"] == "execute_result"]
    assert {WIDGET_MIME, "image/png", "text/html"} <= set(output["data"])
    return notebook


@pytest.mark.browser
@pytest.mark.slow
def test_an_exported_notebook_explores_the_view_with_no_kernel_and_no_network(executed_notebook, tmp_path):
    notebook = copy.deepcopy(executed_notebook)

    # nbclient saved the widget's state, so nbconvert shows the widget view (its scripts from a CDN):
    # the rule the docstring of helios_app.jupyter.snapshot_output states.
    with_widget_state, _ = HTMLExporter().from_notebook_node(notebook)
    assert 'class="helios-snapshot"' not in with_widget_state and WIDGET_MIME in with_widget_state
    # Saved as JupyterLab saves by default, without widget state: the snapshot is the output.
    del notebook.metadata["widgets"]
    exported, _ = HTMLExporter().from_notebook_node(notebook)
    assert exported.count('class="helios-snapshot"') == 1
    path = tmp_path / "notebook.html"
    path.write_text(exported, encoding="utf-8")

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            refused_by_snapshot: list[str] = []
            refused_by_notebook_page: list[str] = []

            def route(request_route):
                request = request_route.request
                if request.url.startswith("file://"):
                    request_route.continue_()
                    return
                if request.frame == page.main_frame:
                    refused_by_notebook_page.append(request.url)
                else:
                    refused_by_snapshot.append(request.url)
                request_route.abort()

            page.route("**/*", route)
            page.goto(path.as_uri())
            element = page.wait_for_selector("iframe[srcdoc]")
            element.scroll_into_view_if_needed()
            frame = element.content_frame()
            wait_for(frame, "window.__helios && (window.__helios.ready || window.__helios.errors.length)", 60)
            wait_for(frame, "window.__helios.framesDrawn > 0", 30)
            assert frame.evaluate("window.__helios.errors") == []
            assert frame.evaluate("window.__helios.ready") is True
            assert frame.evaluate("window.__helios.renderer") in ("webgl2", "canvas2d")
            assert element.bounding_box()["height"] == pytest.approx(650, abs=1)  # the widget's height

            # The picture: pixels of the iframe's screenshot, within the page's drawing, off its background.
            shot = np.asarray(Image.open(BytesIO(element.screenshot())).convert("RGB")).astype(int)
            outer, inner = element.bounding_box(), frame.locator("#frames").bounding_box()
            left, top = round(inner["x"] - outer["x"]), round(inner["y"] - outer["y"])
            drawing = shot[top:top + round(inner["height"]), left:left + round(inner["width"])]
            background = np.median(drawing.reshape(-1, 3), axis=0)
            assert float((np.abs(drawing - background).sum(axis=2) > 30).mean()) > 0.01

            # Search by name, Enter: the best match is selected.
            frame.fill("#search-input", "Valjean")
            frame.press("#search-input", "Enter")
            wait_for(frame, "window.__helios.selection && window.__helios.selection.label === 'Valjean'", 15)

            assert refused_by_snapshot == []
            # nbconvert's own page asks only for its template's scripts (require.js and MathJax from a CDN).
            assert refused_by_notebook_page and all(
                url.startswith("https://cdnjs.cloudflare.com/ajax/libs/") for url in refused_by_notebook_page
            ), refused_by_notebook_page
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.slow
def test_an_untrusted_saved_notebook_in_jupyterlab_shows_the_png(executed_notebook, tmp_path):
    """JupyterLab renders an untrusted notebook's outputs by their safe types only: text/html, sanitised,
    wins over image/png; the sanitiser drops the iframe and keeps the PNG under it."""
    nbformat.write(executed_notebook, tmp_path / "saved.ipynb")  # unsigned: not trusted
    lab = JupyterLab(tmp_path)
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                page.goto(f"{lab.url}/lab/tree/saved.ipynb?token={lab.token}")
                picture = page.wait_for_selector(".jp-OutputArea-output .helios-snapshot img", timeout=60_000)
                assert picture.get_attribute("src").startswith("data:image/png;base64,")
                wait_for(page, "document.querySelector('.jp-OutputArea-output .helios-snapshot img').naturalWidth > 0")
                assert page.locator(".jp-OutputArea-output iframe").count() == 0
            finally:
                browser.close()
    finally:
        lab.close()
