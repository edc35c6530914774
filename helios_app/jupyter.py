"""``helios_app.show(graph)``: a live view run by this Python process, shown inline in notebooks.

The view is served by this process (on background threads, so cells keep running) and returned as
a :class:`~helios_app.view.View`, the same object in a notebook and in a script. In a notebook it
displays as a widget (anywidget: JupyterLab, Notebook 7, VS Code, Colab) that plays the view's own
page straight from the kernel's port when the browser can reach it (WebRTC), and otherwise relays
that page's socket and JPEG frames over the kernel's comm channel (:mod:`web.relay`): no proxy and
no open port needed. Re-running a cell stops the view that cell showed before.

The display bundle also carries, for when the kernel is gone, a PNG of the picture (``image/png``) and
the view as a self-contained interactive page (``text/html``: the snapshot of :meth:`View.to_html
<helios_app.view.View.to_html>` in an ``<iframe srcdoc>``, over the PNG), so a saved notebook, its
``nbconvert`` HTML and nbviewer stay explorable. A front end shows one type of a bundle: with a widget
manager, the live widget (see :data:`NOTEBOOK_SNAPSHOT_MAX_BYTES` for the size cap and
:func:`snapshot_output` for the order front ends choose in). ``jupyter nbconvert --execute --to html``
saves the widget's state, and its HTML then shows the widget (which needs the kernel) rather than the
snapshot, unless given ``--ExecutePreprocessor.store_widget_state=False``.
"""

from __future__ import annotations

import atexit
import base64
import html
import logging
import time
from pathlib import Path
from typing import Any

from helios_app.errors import HeliosError
from helios_app.io import as_graph
from helios_app.session import ViewConfig, ViewSession
from helios_app.view import View

logger = logging.getLogger(__name__)

WIDGET_SCRIPT = Path(__file__).parent.parent / "web" / "static" / "widget.js"
FIRST_FRAME_WAIT_S = 10.0  # how long displaying waits for a picture for the PNG
MAX_BATCH = 256  # page messages handled from one comm message; the server's budgets apply after
NOTEBOOK_SNAPSHOT_MAX_BYTES = 10_000_000
"""The largest ``text/html`` output (the snapshot page, attribute-escaped, and the PNG) a view's display
bundle embeds. The notebook file grows by it at each save of the output, and JupyterLab holds the whole
notebook and re-sends it on every (auto)save; 10 MB holds graphs of roughly 100,000 nodes and 500,000
edges (Email-Enron, 36,692 nodes and 183,831 edges, makes a 3.8 MB page) and stays under the 10 MiB a
Jupyter server accepts in one WebSocket message from a browser (Tornado's default). A larger view keeps
its PNG and says why; ``view.save_html(path)`` writes its page as a file of its own."""
_running_views: list[View] = []
_views_by_cell: dict[str, View] = {}


class NotebookView(View):
    """A :class:`View` that displays itself as a live widget (with a PNG for saved notebooks)."""

    def __init__(self, session: ViewSession, node_keys: list | None, width_px: int, height_px: int,
                 bridge_only: bool = False) -> None:
        super().__init__(session, node_keys)
        self._width_px, self._height_px = width_px, height_px
        self._bridge_only = bridge_only
        self._widget = None

    @property
    def widget(self):
        """The anywidget that shows this view (made when first displayed)."""
        if self._widget is None:
            self._widget = _make_widget(self)
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        bundle: dict[str, Any] = {}
        if self.stopped_reason is None:
            widget_bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
            if isinstance(widget_bundle, tuple):
                widget_bundle = widget_bundle[0]
            bundle.update(widget_bundle or {})
        bundle["text/plain"] = repr(self)
        png = self._png()  # waits for the first frame, so the snapshot below has a scene to capture
        png_base64 = None if png is None else base64.b64encode(png).decode("ascii")
        if png_base64 is not None:
            bundle["image/png"] = png_base64
        wanted_html = (include is None or "text/html" in include) and not (exclude and "text/html" in exclude)
        snapshot = self._snapshot_page() if wanted_html else None
        if snapshot is not None:
            bundle["text/html"] = snapshot_output(snapshot, png_base64, self._width_px, self._height_px)
        return bundle

    def _snapshot_page(self) -> str | None:
        """The view as displayed now, as one self-contained page; None (and a warning) if it cannot be taken,
        so displaying never fails for it and the notebook keeps the PNG."""
        if self.stopped_reason is not None:
            return None  # a stopped view has no scene left to capture
        try:
            return self.to_html()
        except Exception as error:  # any failure here must leave the display working
            logger.warning("Helios: the notebook keeps only a PNG of this view: its interactive snapshot "
                           "could not be taken (%s)", error)
            logger.debug("taking the snapshot for the notebook failed", exc_info=True)
            return None

    def _png(self) -> bytes | None:
        from web.encoders import encode_png

        deadline = time.monotonic() + FIRST_FRAME_WAIT_S
        frame = self.session.frames.latest()
        while frame is None and self.stopped_reason is None and time.monotonic() < deadline:
            time.sleep(0.05)
            frame = self.session.frames.latest()
        return None if frame is None else encode_png(frame.pixels)

    def stop(self, reason: str = "stopped from Python") -> None:
        first = self.stopped_reason is None
        if first:
            self.stopped_reason = reason  # from now on the widget opens no relay
        if first and self._widget is not None:
            try:
                self.session.run_on_server(self._widget.close_relays).result(2.0)
            except Exception:
                logger.debug("closing the widget's relays failed", exc_info=True)
        try:
            super().stop(reason)
        finally:
            if first and self._widget is not None:
                self._widget.stopped = self.stopped_reason
            if self in _running_views:
                _running_views.remove(self)


def snapshot_output(page: str, png_base64: str | None, width_px: int, height_px: int) -> str:
    """The ``text/html`` of a view's display bundle: the snapshot ``page`` in an ``<iframe srcdoc>`` the size
    of the widget, laid over the PNG; or, when that is over :data:`NOTEBOOK_SNAPSHOT_MAX_BYTES`, the PNG and
    a line saying why there is no interactive page.

    Which type of a bundle a front end shows: JupyterLab and Notebook 7 pick the registered renderer of
    lowest rank among the bundle's types, and the widget manager registers the widget view at rank -10,
    before ``text/html`` (50) and ``image/png`` (90); so while the kernel runs (and the widget's model
    exists) the live widget shows, not this. nbconvert's ``HTMLExporter`` (and nbviewer, which uses it)
    prefers widget view, JavaScript, ``text/html``, ..., ``image/png`` in that order, and skips the widget
    view unless the notebook's metadata saved the widget's state (nbclient and ``nbconvert --execute``
    save it unless ``store_widget_state=False``; JupyterLab does not by default): then this shows.

    The PNG under the iframe is what renderers that sanitise HTML show (JupyterLab for an untrusted
    notebook; GitHub, which strips scripts and styles from outputs): they drop the iframe but keep the
    image, where a bare iframe would leave nothing, since their ``text/html`` wins over ``image/png`` all
    the same. Elsewhere the page covers it once drawn.
    """
    def picture(style: str) -> str:
        if png_base64 is None:
            return ""
        return f'<img src="data:image/png;base64,{png_base64}" alt="a picture of the Helios view" style="{style}">'

    # Sandboxed, the snapshot runs in an origin of its own, apart from the notebook's page and its cookies;
    # it needs scripts, forms (a sandbox blocks a submit before the search and filter forms' handlers see
    # it) and downloads (its screenshot and save links), nothing else.
    frame = ('<iframe title="Helios: interactive snapshot of this view" '
             'sandbox="allow-scripts allow-forms allow-downloads" '
             'style="position:absolute;left:0;top:0;width:100%;height:100%;border:0" '
             f'srcdoc="{html.escape(page, quote=True)}"></iframe>')
    output = (f'<div class="helios-snapshot" style="position:relative;width:100%;max-width:{width_px}px;'
              f'height:{height_px}px">{picture("position:absolute;left:0;top:0;max-width:100%")}{frame}</div>')
    size = len(output.encode("utf-8"))
    if size <= NOTEBOOK_SNAPSHOT_MAX_BYTES:
        return output
    note = (f"Helios: this view's interactive page would make a {size / 1e6:.3g} MB output, more than the "
            f"{NOTEBOOK_SNAPSHOT_MAX_BYTES / 1e6:.3g} MB a notebook embeds, so the notebook keeps only its "
            "picture; view.save_html(\"view.html\") writes the interactive page as a file of its own.")
    return picture("max-width:100%") + f"<p>{html.escape(note)}</p>"


def _make_widget(view: NotebookView):
    """The widget class is built on first use: anywidget (and ipywidgets) load only in notebooks."""
    import anywidget
    import traitlets

    from web.relay import ViewRelay, bridged_page

    class ViewWidget(anywidget.AnyWidget):
        _esm = WIDGET_SCRIPT
        direct_url = traitlets.Unicode("").tag(sync=True)
        page = traitlets.Unicode("").tag(sync=True)
        width = traitlets.Int(980).tag(sync=True)
        height = traitlets.Int(610).tag(sync=True)
        bridge_only = traitlets.Bool(False).tag(sync=True)
        stopped = traitlets.Unicode("").tag(sync=True)

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._relays: dict[str, ViewRelay] = {}
            self.on_msg(self._on_page_message)

        def _on_page_message(self, _widget, content: dict[str, Any], _buffers) -> None:
            """A message from a page (kernel's shell thread): hand it to the relay on the server loop."""
            if not isinstance(content, dict) or view.stopped_reason is not None:
                return
            channel = str(content.get("channel", ""))
            if content.get("helios") == "batch" and isinstance(content.get("messages"), list):
                for message in content["messages"][:MAX_BATCH]:
                    if isinstance(message, dict):
                        self._on_page_message(_widget, {**message, "channel": channel}, _buffers)
                return
            kind = content.get("helios")
            if kind == "open":
                video = "h264" if content.get("video") == "h264" else "jpeg"
                view.session.run_on_server(self._open_relay, channel, video)
            elif kind == "key":
                view.session.run_on_server(self._relay_call, channel, "request_key_frame", None)
            elif kind == "send" and isinstance(content.get("text"), str):
                view.session.run_on_server(self._relay_call, channel, "receive", content["text"])
            elif kind == "shown" and isinstance(content.get("sequence"), int):
                view.session.run_on_server(self._relay_call, channel, "shown", content["sequence"])
            elif kind == "close":
                view.session.run_on_server(self._close_relay, channel)

        async def _open_relay(self, channel: str, video: str) -> None:
            await self._close_relay(channel)

            def send(message: dict[str, Any], buffers: list[bytes]) -> None:
                self.send({**message, "channel": channel}, buffers)

            relay = ViewRelay(view.session.loopback_url, view.session.token, send, video)
            self._relays[channel] = relay
            await relay.open()

        async def _relay_call(self, channel: str, method: str, argument: Any) -> None:
            relay = self._relays.get(channel)
            if relay is not None:
                getattr(relay, method)(*(() if argument is None else (argument,)))

        async def _close_relay(self, channel: str) -> None:
            relay = self._relays.pop(channel, None)
            if relay is not None:
                await relay.close()

        async def close_relays(self) -> None:
            """Close every relay (the view is stopping)."""
            for channel in list(self._relays):
                await self._close_relay(channel)

    return ViewWidget(
        direct_url=view.session.url, page=bridged_page(), width=view._width_px, height=view._height_px,
        bridge_only=view._bridge_only,
    )


def show(graph_or_path: Any, *, bridge_only: bool = False, **options: Any) -> NotebookView:
    """Start a live view of a graph in this process and return it (displayed inline in a notebook).

    Parameters
    ----------
    graph_or_path : Graph, networkx.Graph, scipy sparse matrix, (m, 2) edge array, str or path
        What to show.
    bridge_only : bool, default False
        Always relay the view over the notebook's comm channel, even where the browser could reach
        the kernel's port.
    **options
        Fields of :class:`~helios_app.session.ViewConfig` (``layout``, ``seed``, ``dimensions``,
        ``width``, ``height``, ``port``, ``color_by``, ...).

    Returns
    -------
    NotebookView
        A :class:`~helios_app.view.View` (positions, pins, colours, callbacks, edits, camera...)
        that displays as a live widget. ``with helios_app.show(g) as view:`` stops it on exit.
    """
    allowed = set(ViewConfig.__dataclass_fields__)
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise HeliosError(f"unknown option(s) {', '.join(unknown)}; choose from {', '.join(sorted(allowed))}")
    config = ViewConfig(**options)
    node_keys = list(graph_or_path.nodes) if _is_networkx(graph_or_path) else None
    graph = as_graph(graph_or_path)
    cell = _current_cell_id()
    previous = _views_by_cell.pop(cell, None) if cell else None
    if previous is not None:
        previous.stop("the cell that showed it ran again")
    session = ViewSession(graph, config).start()
    view = NotebookView(session, node_keys, config.width + 20, config.height + 110, bridge_only=bridge_only)
    _running_views.append(view)
    if cell:
        _views_by_cell[cell] = view
    return view


def _is_networkx(value: Any) -> bool:
    return hasattr(value, "adj") and hasattr(value, "nodes") and hasattr(value, "is_directed")


def _current_cell_id() -> str | None:
    """The id of the notebook cell being run (front ends send it with each execution), if any."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return None
    try:
        header = shell.kernel.get_parent()
    except Exception:  # noqa: BLE001 - an unusual kernel: no cell ids, no replacing
        return None
    metadata = header.get("metadata") or {}
    cell_id = metadata.get("cellId") or metadata.get("cell_id")
    return str(cell_id) if cell_id else None


@atexit.register
def _stop_all_views() -> None:
    for view in _running_views[:]:
        try:
            view.stop("the Python process is exiting")
        except Exception:  # best effort at interpreter exit
            logger.debug("stopping a view at exit failed", exc_info=True)
