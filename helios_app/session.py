"""A view session: the one place that wires the graph, the layout worker, the scene and the server.

Threads (see ARCHITECTURE.md): the layout worker writes positions into a shared
:class:`layouts.PositionBuffer`; the render loop owns the VTK scene, reads the newest positions
and publishes frames into a :class:`web.LatestFrameSlot`; the web server's event loop streams
those frames and hands interaction messages to the render loop's bounded queue.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import ipaddress
import logging
import math
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np

from helios_app.config import (
    ViewConfig,
    build_layout,
    check_layout_parameters,
    ice_server_settings,
    sfu_target,
)
from helios_app.encodings import NodeEncoding, degree_encoding, degrees, encode_nodes
from helios_app.errors import HeliosError
from helios_app.filters import GraphFacts, ViewFilter, shown_nodes
from helios_app.graph import Graph
from helios_app.io.session_file import load_session, save_session
from helios_app.render_loop import RenderLoop
from helios_app.timeline import active_edges, active_nodes
from layouts import LayoutWorker, PositionBuffer, let_idle_kernel_threads_sleep
from web import BackgroundServer, LatestFrameSlot, ServerConfig, ViewChannel, create_app
from web.messages import MessageHub
from web.protocol import server_message

logger = logging.getLogger(__name__)

SEARCH_RESULTS = 20  # matches returned for one search
STOPPED_NOTICE_S = 0.2


def is_loopback(host: str) -> bool:
    """True if ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ViewSession:
    """A live, shared view of one graph, served over HTTP/WebRTC.

    Parameters
    ----------
    graph : Graph
        The graph to show.
    config : ViewConfig
        The view's settings.

    Examples
    --------
    >>> with ViewSession(read_graph("karate.gml")).start() as session:  # doctest: +SKIP
    ...     print(session.url)
    """

    def __init__(self, graph: Graph, config: ViewConfig | None = None) -> None:
        self.graph = graph
        self.config = config or ViewConfig()
        self._restored: dict[str, Any] | None = None
        if self.config.session_file:
            self._restored = load_session(self.config.session_file, graph)
            self.config = _restored_config(self.config, self._restored)
        self.frames = LatestFrameSlot(stamp=self.config.stamp_frames)
        self.messages = MessageHub()
        self.stop_requested = threading.Event()  # set when the desktop window is closed
        self._derived: tuple[Graph, int, np.ndarray, list[str]] | None = None  # see _graph_facts
        self.selection: int | None = None  # the node selected in the view, by index
        self.notice_listeners: list[Callable[[dict[str, Any]], object]] = []  # called on the render thread
        self._style = NodeStyle()
        self._style_version = 0
        self._edit_lock = threading.Lock()  # one graph or style edit at a time
        self._scene_edits = 0
        # What the view shows and stresses: owned here, changed by control() and set_filter(), worked out
        # into node masks on one thread of its own (the newest change wins) and handed to the scene.
        self._encoding: NodeEncoding | None = None
        self._filter = ViewFilter()
        self._highlighted: frozenset[int] = frozenset()  # legend entries stressed
        self._shown_only_layout = False  # the layout runs on the shown nodes' edges only
        self._layout_restricted_to: np.ndarray | None = None  # the edges the layout was given, if not all
        self._emphasis_lock = threading.Lock()
        self._emphasis_version = 0
        self._emphasis_thread: concurrent.futures.ThreadPoolExecutor | None = None
        self._buffer: PositionBuffer | None = None
        self._worker: LayoutWorker | None = None
        self._render_loop: RenderLoop | None = None
        self._server: BackgroundServer | None = None
        self.failure: BaseException | None = None  # what stopped the render loop, if anything did
        self._server_config = ServerConfig(
            host=self.config.host, port=self.config.port, token=self.config.token,
            watch_token=self.config.watch_token, max_fps=self.config.max_fps,
            max_frame_width=self.config.max_width, max_frame_height=self.config.max_height,
            allowed_origins=self.config.allowed_origins, ice_servers=ice_server_settings(self.config),
            ice_secret=self.config.ice_secret, ice_credential_ttl_s=self.config.ice_credential_ttl_s,
            sfu=sfu_target(self.config),
        )

    # ---- life cycle ----------------------------------------------------------------------------
    def start(self) -> ViewSession:
        """Start the layout, the renderer and the server; on any failure, undo what was started."""
        let_idle_kernel_threads_sleep()  # the layout shares the cores with the picture
        graph, config = self.graph, self.config
        encoding = view_encoding(graph, config)  # before anything starts: a bad --color-by fails fast
        restored = self._restored or {}
        self._encoding = encoding
        saved_emphasis = (restored.get("encodings") or {})
        if saved_emphasis.get("filter"):
            self._filter = ViewFilter.from_dict(saved_emphasis["filter"], "the session's filter")
        self._highlighted = frozenset(int(entry) for entry in saved_emphasis.get("highlighted") or ())

        def make_scene():
            scene = build_scene(graph, config, encoding, offscreen=not config.window, text_in_picture=config.window)
            if restored.get("camera"):
                scene.set_camera_state(restored["camera"])
            return scene

        try:
            self._buffer = PositionBuffer(graph.node_count, config.dimensions)
            self._render_loop = RenderLoop(
                make_scene,
                self._buffer,
                self.frames.publish,
                max_fps=config.max_fps,
                on_notice=self._on_notice,
                on_failure=self._on_render_failure,
            )
            # The scene (VTK, its GL context) is built on the render thread while this one builds the
            # layout (numba's kernels); the first frame waits for the layout's first positions.
            self._render_loop.start(timeout_s=None)
            layout = build_layout(graph, config, restored)
            self._worker = LayoutWorker(
                layout, self._buffer,
                on_buffer_replaced=lambda buffer: self._render_loop and self._render_loop.replace_positions(buffer),
            )
            self._worker.start()
            self._render_loop.wait_until_ready()
            self._emphasis_thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="helios-filter")
            self._refresh_emphasis()
            channel = ViewChannel(
                self.frames, self._render_loop.submit_event, self.describe,
                status=self.status, search=self.search, messages=self.messages, export_session=self.session_bytes,
                control=self.control,
            )
            self._server = BackgroundServer(
                lambda: create_app(channel, self._server_config), config.host, config.port
            )
            try:
                self._server.start()
            except OSError as error:
                raise HeliosError(f"cannot listen on {config.host}:{config.port}: {error.strerror}") from None
        except BaseException:
            self.stop()
            raise
        logger.info("view of %s on port %s", graph.source, self.port)  # never the URL: it carries the token
        return self

    def _on_render_failure(self, error: BaseException) -> None:
        """The render loop could not go on: stop the session instead of showing a frozen picture."""
        self.failure = error
        self.stop_requested.set()

    def set_layout_parameters(self, **changes: Any) -> None:
        """Change layout parameters while the view runs (e.g. ``gravity=1.0``); the layout wakes up and
        every viewer sees it adapt. A bad name or value raises a HeliosError and changes nothing."""
        if self._worker is None:
            raise HeliosError("the view is not running")
        check_layout_parameters(self.config.layout, {**_parameter_values(self._worker.parameters), **changes})
        self._worker.set_parameters(**changes)

    def stop(self, timeout_s: float = 2.0, reason: str = "the view was stopped") -> None:
        """Stop the server, the renderer and the layout; release the port and shared memory.

        Every viewer is told ``reason`` first, and its page stops retrying. Safe to call more than
        once and after a failed start. Every part is stopped even if an earlier one fails; the
        first error is raised at the end.
        """
        errors: list[BaseException] = []
        if self._server is not None and self.messages.socket_count:
            self.messages.publish(server_message("stopped", reason=reason))
            time.sleep(STOPPED_NOTICE_S)  # the pages' send queues deliver it before the sockets close
        self.frames.close()
        if self._emphasis_thread is not None:
            self._emphasis_thread.shutdown(wait=True, cancel_futures=True)
            self._emphasis_thread = None
        for part in (self._server, self._render_loop, self._worker):
            if part is None:
                continue
            try:
                part.stop(timeout_s=timeout_s)
            except BaseException as error:  # noqa: BLE001 - collected, first one re-raised
                if error is self.failure:
                    error = HeliosError(f"rendering failed ({type(error).__name__}: {error}); the view stopped")
                errors.append(error)
        self._server = self._render_loop = self._worker = None
        if self._buffer is not None:
            self._buffer.close()
            self._buffer = None
        if errors:
            raise errors[0]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---- information ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the session is not running")
        return self._server.port

    @property
    def url(self) -> str:
        """The editors' address: whoever opens it may steer, select, pin and change the view."""
        return self._address(self._server_config.token)

    @property
    def watch_url(self) -> str:
        """The watchers' address: whoever opens it may watch, point, hover and search."""
        return self._address(self._server_config.watch_token)

    @property
    def links(self) -> dict[str, str]:
        """Both addresses: ``{"editor": url, "watcher": watch_url}``."""
        return {"editor": self.url, "watcher": self.watch_url}

    def _address(self, token: str) -> str:
        host = self.config.host
        if host in ("0.0.0.0", "::", ""):
            host = socket.gethostname()
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/?token={token}"

    @property
    def loopback_url(self) -> str:
        """The view's base address from this machine (``http://127.0.0.1:PORT/``), without a token."""
        host = self.config.host
        host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1", "localhost": "127.0.0.1"}.get(host, host)
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}/"

    def run_on_server(self, coroutine_function: Callable, *args: Any):
        """Start ``coroutine_function(*args)`` on the server's event loop (any thread; does not wait)."""
        if self._server is None:
            raise HeliosError("the view is not running")
        return self._server.submit(coroutine_function, *args)

    @property
    def token(self) -> str:
        return self._server_config.token

    @property
    def watch_token(self) -> str:
        return self._server_config.watch_token

    def screenshot(self, path: str | Path | None = None) -> np.ndarray:
        """The current picture as (height, width, 3) uint8 RGB; also written as PNG to ``path`` if given."""
        frame = self.frames.latest()
        if frame is None:
            raise HeliosError("no picture yet: the view has not rendered its first frame")
        if path is not None:
            from web.encoders import encode_png

            Path(path).write_bytes(encode_png(frame.pixels))
        return np.array(frame.pixels)

    @property
    def worker(self) -> LayoutWorker:
        """The running layout worker (pins, parameters, pause, graph edits go through it)."""
        if self._worker is None:
            raise HeliosError("the view is not running")
        return self._worker

    @property
    def render_loop(self) -> RenderLoop:
        if self._render_loop is None:
            raise HeliosError("the view is not running")
        return self._render_loop

    def positions(self) -> np.ndarray:
        """The layout's newest positions, (n, dimensions) float64, a copy."""
        _, positions = self.worker.buffer.read_latest()
        return np.array(positions, dtype=np.float64)

    def save_session(self, path: str | Path) -> Path:
        """Write this view (positions, pins, camera, encodings, layout, seed) to a session file."""
        if self._worker is None or self._buffer is None:
            raise HeliosError("the view is not running; start it before saving its session")
        config = self.config
        graph = self.graph
        positions = self.positions()
        if len(positions) != graph.node_count:  # an edit is on its way to the layout
            raise HeliosError("the graph is being edited; save the session once the edit reached the layout")
        parameters = self._worker.parameters
        return save_session(
            path, graph, positions,
            pins=self._worker.pinned,
            camera=self._render_loop.camera_state if self._render_loop is not None else None,
            encodings={"color_by": config.color_by, "size_by": config.size_by, "theme": config.theme,
                       "labels": config.labels, "filter": self._filter.as_dict(),
                       "highlighted": sorted(self._highlighted)},
            layout=config.layout,
            parameters=dataclasses.asdict(parameters) if dataclasses.is_dataclass(parameters) else None,
            seed=config.seed,
        )

    def session_bytes(self) -> bytes:
        """This view's session file as bytes (for a download)."""
        with tempfile.TemporaryDirectory(prefix="helios-session-") as directory:
            return self.save_session(Path(directory) / "view.helios.json").read_bytes()

    # ---- live edits ----------------------------------------------------------------------------
    def edit_graph(self, graph: Graph, change_layout: Callable[[LayoutWorker], object]) -> None:
        """Show ``graph``, an edit of the current one, in every viewer; ``change_layout(worker)`` queues
        the same edit for the layout (which keeps untouched nodes where they are)."""
        with self._edit_lock:
            self.graph = graph
            change_layout(self.worker)
            self._show_graph()

    def set_node_style(self, colors: dict[str, tuple[int, int, int]] | None = None,
                       sizes: dict[str, float] | None = None, labels: dict[str, str] | None = None) -> None:
        """Set the colour (RGB), size factor or label of nodes by id; every viewer sees it at once."""
        with self._edit_lock:
            self._style.colors.update(colors or {})
            self._style.sizes.update(sizes or {})
            self._style.labels.update(labels or {})
            self._style_version += 1
            self._show_graph()

    def _show_graph(self) -> None:
        """Hand the current graph and style to the scene. The encoding is worked out on the render
        thread, and only for the newest edit when several wait: a burst of edits costs its caller
        little and the renderer one rebuild per frame."""
        graph, style, config = self.graph, self._style, self.config
        self._scene_edits += 1
        number = self._scene_edits

        def show(scene) -> None:
            if number != self._scene_edits:  # a newer edit is queued behind this one
                return
            encoding = view_encoding(graph, config)
            index_of = {node_id: index for index, node_id in enumerate(graph.node_ids)}
            colors, sizes = np.array(encoding.colors), np.array(encoding.size_factors)
            for node_id, rgb in list(style.colors.items()):
                if node_id in index_of:
                    colors[index_of[node_id]] = rgb
            for node_id, size in list(style.sizes.items()):
                if node_id in index_of:
                    sizes[index_of[node_id]] = size
            encoding = dataclasses.replace(encoding, colors=colors, size_factors=sizes)
            _, _, texts = self._graph_facts(graph)
            scene.set_graph(graph.layout_edges(), graph.node_count, encoding, texts if config.labels else None)
            self._encoding = encoding
            self.messages.publish(server_message("view", view=self.describe()))
            self._refresh_emphasis()

        self.render_loop.edit(show)

    def _graph_facts(self, graph: Graph | None = None) -> tuple[Graph, np.ndarray, list[str]]:
        """The graph with its degrees and display labels (style applied), worked out once per edit."""
        graph = graph or self.graph
        derived = self._derived
        if derived is not None and derived[0] is graph and derived[1] == self._style_version:
            return graph, derived[2], derived[3]
        texts = display_labels(graph)
        if self._style.labels:
            index_of = {node_id: index for index, node_id in enumerate(graph.node_ids)}
            for node_id, text in list(self._style.labels.items()):
                if node_id in index_of:
                    texts[index_of[node_id]] = text
        node_degrees = degrees(graph)
        self._derived = (graph, self._style_version, node_degrees, texts)
        return graph, node_degrees, texts

    def _on_notice(self, notice: dict[str, Any]) -> None:
        """React to the scene (render thread): tell viewers of selections, pin and release nodes."""
        kind = notice["type"]
        for listener in self.notice_listeners:
            listener(notice)
        if kind == "selection":
            node = notice["node"]
            self.selection = node
            self.messages.publish(server_message("selection", node=None if node is None else self.node_info(node)))
            if self._filter.hops:  # the neighbourhood filter follows the selection
                self._refresh_emphasis()
        elif kind == "labels":
            self.messages.publish(server_message("labels", labels=notice["labels"]))
        elif kind == "pointed_labels":
            self.messages.publish(server_message("pointed_labels", hover=notice["hover"], selection=notice["selection"]))
        elif kind == "pin" and self._worker is not None:
            self._worker.pin(notice["node"], notice["position"])
        elif kind == "unpin" and self._worker is not None:
            self._worker.unpin(notice["node"])
        elif kind == "window_closed":
            self.stop_requested.set()

    # ---- filters and the legend -------------------------------------------------------------------
    @property
    def filter(self) -> ViewFilter:
        """The view's filter (what it shows)."""
        return self._filter

    @property
    def highlighted(self) -> frozenset[int]:
        """The legend entries (categories, colour bins) the view stresses."""
        return self._highlighted

    def set_filter(self, criteria: ViewFilter | dict[str, Any], shown_only_layout: bool | None = None) -> None:
        """Show only what ``criteria`` keep (see :class:`helios_app.filters.ViewFilter`), for every viewer.

        ``shown_only_layout``: the layout runs on the edges among shown nodes only (True), or on every
        edge again (False); None leaves it. Raises a HeliosError naming a criterion that is wrong.
        """
        if isinstance(criteria, dict):
            criteria = ViewFilter.from_dict(criteria)
        names = set(self.graph.node_attributes) | {"label"}
        if criteria.attribute is not None and criteria.attribute not in names:
            raise HeliosError(f"filter.attribute: no node attribute {criteria.attribute!r}; choose from "
                              f"{', '.join(sorted(names))}")
        with self._emphasis_lock:
            self._filter = criteria
            if shown_only_layout is not None:
                self._shown_only_layout = shown_only_layout
        self._refresh_emphasis()

    def set_highlighted(self, categories: Any) -> None:
        """Stress the nodes of these legend entries (none: no highlight), for every viewer."""
        entries = len(self._encoding.category_entries) if self._encoding is not None else 0
        chosen = frozenset(int(category) for category in categories)
        wrong = sorted(category for category in chosen if not 0 <= category < entries)
        if wrong:
            raise HeliosError(f"legend entries are 0 to {entries - 1}; there is no {wrong[0]}")
        with self._emphasis_lock:
            self._highlighted = chosen
        self._refresh_emphasis()

    def legend_action(self, category: int, action: str) -> None:
        """A click on a legend entry: ``highlight`` toggles its stress, ``hide`` toggles hiding it,
        ``isolate`` hides every other entry, ``reset`` clears highlights and hidden entries."""
        entries = len(self._encoding.category_entries) if self._encoding is not None else 0
        if action != "reset" and not 0 <= category < entries:
            raise HeliosError(f"legend.category must be an entry from 0 to {entries - 1}, got {category}")
        with self._emphasis_lock:
            hidden = set(self._filter.hidden)
            if action == "highlight":
                self._highlighted = self._highlighted ^ {category}
            elif action == "hide":
                hidden ^= {category}
                self._highlighted -= {category}
            elif action == "isolate":
                hidden = set(range(entries)) - {category}
                self._highlighted = frozenset()
            else:
                hidden, self._highlighted = set(), frozenset()
            self._filter = dataclasses.replace(self._filter, hidden=tuple(sorted(hidden)))
        self._refresh_emphasis()

    def control(self, event: dict[str, Any]) -> str | None:
        """Act on a page's ``filter``, ``legend`` or ``relayout`` message; the error text if it is refused."""
        try:
            if event["type"] == "filter":
                self.set_filter(ViewFilter.from_dict(event["filter"], "filter.filter"))
            elif event["type"] == "legend":
                self.legend_action(event["category"], event["action"])
            elif event["type"] == "relayout":
                self.set_filter(self._filter, shown_only_layout=event["shown_only"])
        except HeliosError as error:
            return str(error)
        return None

    def _refresh_emphasis(self) -> None:
        """Work the filter and highlight out into node masks off the caller's thread; only the newest
        of several waiting changes is worked out."""
        with self._emphasis_lock:
            self._emphasis_version += 1
            version = self._emphasis_version
        if self._emphasis_thread is not None:
            try:
                self._emphasis_thread.submit(self._apply_emphasis, version)
            except RuntimeError:  # shut down: the view is stopping
                pass

    def _apply_emphasis(self, version: int) -> None:
        with self._emphasis_lock:
            if version != self._emphasis_version:
                return
            criteria, highlighted, shown_only = self._filter, self._highlighted, self._shown_only_layout
        graph, encoding, selection = self.graph, self._encoding, self.selection
        if encoding is None or len(encoding.colors) != graph.node_count:
            return  # an edit is on its way to the scene; it refreshes again when shown
        edges = graph.layout_edges()
        present = present_edges = None
        if criteria.time is not None:  # a dynamic graph as of a time: what is absent then is not there
            present, present_edges = active_nodes(graph, window=criteria.time), active_edges(graph, window=criteria.time)
        attributes = {**graph.node_attributes, "label": display_labels(graph)}
        facts = GraphFacts(edges if present_edges is None else edges[present_edges], graph.node_count, attributes,
                           encoding.categories)
        try:
            shown = shown_nodes(facts, criteria, selection)
        except HeliosError as error:
            logger.warning("%s", error)
            return
        stressed = np.isin(encoding.categories, sorted(highlighted)) if highlighted and encoding.categories is not None \
            else None
        hide = criteria.mode == "hide"

        def show(scene) -> None:
            if scene.node_count == len(shown):
                scene.set_emphasis(shown, stressed, hide, present, present_edges)

        self.render_loop.edit(show)
        if present is not None:
            shown &= present
        kept = shown[edges[:, 0]] & shown[edges[:, 1]] if shown_only else None
        if present_edges is not None:  # the layout follows time: only the edges present then pull
            kept = present_edges if kept is None else kept & present_edges
        restricted = self._layout_restricted_to
        if self._worker is not None and not (kept is None and restricted is None) and (
                kept is None or restricted is None or not np.array_equal(kept, restricted)):
            self._layout_restricted_to = kept
            weights = graph.layout_weights(self.config.weight)
            chosen = np.ones(len(edges), dtype=bool) if kept is None else kept
            self._worker.update_graph(edges[chosen], graph.node_count, None if weights is None else weights[chosen])
        counts = np.bincount(encoding.categories, minlength=len(encoding.category_entries)) \
            if encoding.categories is not None else np.zeros(len(encoding.category_entries), dtype=np.int64)
        entries = [{"category": index, "name": name, "colour": "#" + "".join(f"{int(c):02x}" for c in rgb), "count": int(count)}
                   for index, ((name, rgb), count) in enumerate(zip(encoding.category_entries, counts))
                   if count]  # a colour bin of whole numbers may hold none (degree 1.8–2.7): not listed
        self.messages.publish(server_message("legend", title=encoding.color_by, entries=entries,
                                             highlighted=sorted(highlighted), hidden=list(criteria.hidden)))
        self.messages.publish(server_message("filter", filter=criteria.as_dict(), shown=int(shown.sum()),
                                             nodes=graph.node_count, shown_only=shown_only))

    def node_info(self, node: int) -> dict[str, Any]:
        """What the info panel shows about one node: id, label, degree and attributes."""
        graph, node_degrees, texts = self._graph_facts()
        attributes = {name: _json_value(values[node]) for name, values in graph.node_attributes.items()}
        return {
            "index": node,
            "id": graph.node_ids[node],
            "label": texts[node],
            "degree": int(node_degrees[node]),
            "attributes": attributes,
        }

    def search(self, query: str) -> list[dict[str, Any]]:
        """Nodes whose label or id contains ``query`` (case-insensitive): exact, then prefix, then by degree."""
        needle = query.strip().lower()
        if not needle:
            return []
        graph, node_degrees, texts = self._graph_facts()
        ranked = []
        for node, (label, node_id) in enumerate(zip(texts, graph.node_ids)):
            text = label.lower()
            if needle in text or needle in node_id.lower():
                rank = 0 if needle in (text, node_id.lower()) else 1 if text.startswith(needle) else 2
                ranked.append((rank, -int(node_degrees[node]), node))
        ranked.sort()
        return [
            {"node": node, "id": graph.node_ids[node], "label": texts[node],
             "degree": -negative_degree}
            for _, negative_degree, node in ranked[:SEARCH_RESULTS]
        ]

    def status(self) -> dict[str, Any]:
        """Live figures for the viewers' HUD."""
        state = self._worker.state if self._worker is not None else None
        layout_state = "stopped" if state is None else "settled" if state.settled else "running"
        if self._worker is not None and self._worker.paused:
            layout_state = "paused"
        pinned = self._worker.pinned if self._worker is not None else ()
        return {
            "fps": self._render_loop.frames_per_second if self._render_loop is not None else 0.0,
            "layout": {"state": layout_state, "iteration": getattr(state, "iteration", 0), "pinned": len(pinned)},
            "nodes": self.graph.node_count,
            "edges": len(self.graph.layout_edges()),
            "viewers": self.messages.socket_count,
        }

    def describe(self) -> dict[str, Any]:
        """A JSON-able summary of the view, sent to each viewer on connect."""
        state = self._worker.state if self._worker is not None else None
        return {
            "title": Path(self.graph.source).name if self.graph.source else "graph",
            "node_count": self.graph.node_count,
            "edge_count": len(self.graph.layout_edges()),
            "dimensions": self.config.dimensions,
            "attributes": sorted({*self.graph.node_attributes, "label"}),  # what a filter may test
            "time_range": self.graph.time_range,  # a dynamic graph's [first, last] time, or None
            "time_format": self.graph.time_format,  # "number", or "date": seconds since the epoch
            "layout": {
                "name": self.config.layout,
                "iteration": getattr(state, "iteration", 0),
                "settled": bool(getattr(state, "settled", False)),
            },
        }


@dataclass
class NodeStyle:
    """Colours, sizes and labels set from Python (``view.set_colors`` ...), by node id; they win over
    the encoding the config asks for and follow their nodes through graph edits."""

    colors: dict[str, tuple[int, int, int]] = dataclasses.field(default_factory=dict)
    sizes: dict[str, float] = dataclasses.field(default_factory=dict)
    labels: dict[str, str] = dataclasses.field(default_factory=dict)


def display_labels(graph: Graph) -> list[str]:
    """The text shown for each node: its label, or its id when the file has no labels."""
    return [str(text) for text in (graph.labels or graph.node_ids)]


def view_encoding(graph: Graph, config: ViewConfig) -> NodeEncoding:
    """The node encoding a view config asks for (the degree default needs no legend)."""
    if config.color_by == "degree" and config.size_by == "degree":
        return degree_encoding(graph.layout_edges(), graph.node_count)
    return encode_nodes(graph, config.color_by, config.size_by, seed=config.seed)


def build_scene(graph: Graph, config: ViewConfig, encoding: NodeEncoding | None = None, offscreen: bool = True,
                text_in_picture: bool = True):
    """The scene of a view: call on the thread that will own it (VTK loads here). ``text_in_picture``:
    False when the pages draw labels and the legend as HTML."""
    from helios_app.scene import GraphScene

    return GraphScene(
        graph.layout_edges(), graph.node_count, config.dimensions, config.width, config.height,
        offscreen=offscreen, encoding=encoding or view_encoding(graph, config),
        labels=display_labels(graph) if config.labels else None, theme=config.theme,
        title=f"Helios: {Path(graph.source).name or 'graph'}", marker=config.marker,
        text_in_picture=text_in_picture,
        scale_in_motion=offscreen and not text_in_picture,  # a served picture: pages scale any size to fit
    )


def _restored_config(config: ViewConfig, restored: dict[str, Any]) -> ViewConfig:
    """The view settings a session file fixes (layout, seed, dimensions, encodings) over the given ones."""
    encodings = restored.get("encodings") or {}
    changes = {
        "layout": restored.get("layout") or config.layout,
        "seed": config.seed if restored.get("seed") is None else int(restored["seed"]),
        "dimensions": int(restored["dimensions"]),
        **{name: encodings[name] for name in ("color_by", "size_by", "theme", "labels") if name in encodings},
    }
    return dataclasses.replace(config, **changes)


def _parameter_values(parameters: Any) -> dict[str, Any]:
    return {field.name: getattr(parameters, field.name) for field in dataclasses.fields(parameters)}


def _json_value(value: Any) -> Any:
    """A node attribute as JSON: numbers and strings as they are, anything else as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if hasattr(value, "item"):
        return _json_value(value.item())
    return str(value)
