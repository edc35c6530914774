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

from helios_app.analysis import ViewAnalysis
from helios_app.autosave import Autosaver, autosave_path, sessions_of_source
from helios_app.config import (
    THEME_CHOICES,
    ViewConfig,
    build_layout,
    check_layout_parameters,
    ice_server_settings,
    sfu_target,
)
from helios_app.errors import HeliosError
from helios_app.graph import Graph, graph_fingerprint
from helios_app.graph.edge_encodings import EdgeEncoding, edge_record_keys, encode_edges, with_style
from helios_app.graph.edits import GraphEdit, apply_edit, inverse_edit
from helios_app.graph.encodings import NodeEncoding, degree_encoding, degrees, encode_nodes, legend_entries
from helios_app.graph.filters import GraphFacts, ViewFilter, json_value, shown_edges, shown_nodes
from helios_app.graph.measures import MEASURES, measure_column
from helios_app.graph.timeline import active_edge_records, active_edges, active_nodes
from helios_app.history import MERGE_WINDOW_S, History
from helios_app.io.session_file import check_style, load_session, save_session
from helios_app.measuring import check_options
from helios_app.render.interaction import check_camera_state
from helios_app.render.render_loop import RenderLoop
from layouts import LAYOUT_ALGORITHMS, LayoutWorker, PositionBuffer, let_idle_kernel_threads_sleep
from web import BackgroundServer, LatestFrameSlot, ServerConfig, ViewChannel, create_app
from web.messages import MessageHub
from web.protocol import server_message

logger = logging.getLogger(__name__)

SEARCH_RESULTS = 20  # matches returned for one search
ENCODING_BUILT_INS = ("degree", "community", "uniform")  # colour and size choices that are not attributes
ANALYSIS_MESSAGES = ("select_area", "select_toggle", "select_range", "select_nodes", "selection_action", "path",
                     "path_clear", "measure")  # a page's messages that ViewAnalysis acts on
STOPPED_NOTICE_S = 0.2
MAX_HISTORY_STEPS_WAITING = 16
MAX_COORDINATE = 1e12  # a position the layout's float32 buffer keeps (and every later save can write)
MAX_LABEL_LENGTH = 1000
ENCODING_SETTINGS = ("color_by", "size_by", "arrows", "edge_color_by", "edge_width_by", "edge_width_range",
                     "edge_opacity", "edge_curvature", "edge_labels")
EDGE_SETTINGS = ("arrows", "edge_color_by", "edge_width_by", "edge_width_range", "edge_opacity", "edge_curvature",
                 "edge_labels")  # the edge encoding's settings a session file keeps
EDIT_WAIT_S = 2.0  # how long a save waits for a live edit to reach the layout


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
        self.base_graph = graph  # as read: live edits (self._edits) make self.graph from it
        self._edits: list[GraphEdit] = []
        self.config = config or ViewConfig()
        self.history = History(self._apply_state, on_change=self._history_changed)
        self._action_count = 0  # grows with every action; the autosaver saves when it (or more) changed
        self._autosaver: Autosaver | None = None
        self.earlier_autosave: Path | None = None  # an autosave of this graph that this view will replace once changed
        self._restored: dict[str, Any] | None = None
        session_file = self.config.session_file
        self._session_path = session_file
        if self.config.resume:
            session_file = str(autosave_path(graph_fingerprint(graph)))
            if not Path(session_file).exists():
                if sessions_of_source(graph.source):
                    raise HeliosError(
                        f"no autosaved view of {graph.source} to resume: the graph's content differs from any "
                        "autosaved view (a view resumes only with the graph as it was saved); "
                        "`helios sessions` lists them")
                raise HeliosError(
                    f"no autosaved view of {graph.source or 'this graph'} to resume (looked for {session_file}); "
                    "`helios sessions` lists the views that can be resumed")
        if session_file:
            self._session_path = session_file
            self._restored = load_session(session_file, graph)
            _check_restored_settings(session_file, self._restored)
            try:
                self.config = _restored_config(self.config, self._restored)
            except HeliosError as error:
                raise HeliosError(f"{session_file}: encodings: {error}") from None
            if self._restored["graph"] is not None:
                self.graph = self._restored["graph"]
                self._edits = list(self._restored["edits"])
        self.frames = LatestFrameSlot(stamp=self.config.stamp_frames)
        self.messages = MessageHub()
        self.analysis = ViewAnalysis(self)  # statistics, measures, the node selection and the path
        self.stop_requested = threading.Event()  # set when the desktop window is closed
        self._derived: tuple[Graph, int, np.ndarray, list[str]] | None = None  # see _graph_facts
        self.selection: int | None = None  # the node selected in the view, by index
        self.notice_listeners: list[Callable[[dict[str, Any]], object]] = []  # called on the render thread
        self._style = NodeStyle()
        self._style_version = 0
        if self._restored is not None:
            self._check_restored(session_file)
        self._edit_lock = threading.RLock()  # one graph or style edit at a time
        self.graph_listeners: list[Callable[[Graph], object]] = []  # called with each edited graph
        self._gesture: tuple[str, tuple[int, ...]] | None = None  # the drag whose pins join one history entry
        self._gesture_until = 0.0
        self._history_steps_waiting = 0  # a page's undo and redo steps queued (bounded: a flood is refused)
        self._scene_edits = 0
        # What the view shows and stresses: owned here, changed by control() and set_filter(), worked out
        # into node masks on one thread of its own (the newest change wins) and handed to the scene.
        self._encoding: NodeEncoding | None = None
        self._filter = ViewFilter()
        self._highlighted: frozenset[int] = frozenset()  # legend entries stressed
        self._edge_highlighted: frozenset[int] = frozenset()  # edge legend entries stressed
        self._edge_encoding: EdgeEncoding | None = None
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

    def _check_restored(self, path: str) -> None:
        """Check a session file's values against this view before anything starts, naming the file and the
        field: the camera, the layout and its parameters, the filter, the style and the history."""
        restored = self._restored or {}

        def check(field: str, action: Callable[[], object]) -> None:
            try:
                action()
            except HeliosError as error:
                message = str(error)
                raise HeliosError(f"{path}: {message if message.startswith(field) else f'{field}: {message}'}") \
                    from None

        if restored.get("camera"):
            check("camera", lambda: restored.__setitem__("camera", check_camera_state(restored["camera"])))
        check("layout.parameters",
              lambda: check_layout_parameters(self.config.layout, dict(restored.get("parameters") or {})))
        encodings = restored.get("encodings") or {}
        if encodings.get("filter"):
            check("encodings.filter", lambda: ViewFilter.from_dict(encodings["filter"], "encodings.filter"))
        highlighted = encodings.get("highlighted") or []
        if not isinstance(highlighted, list) or not all(
                isinstance(entry, int) and not isinstance(entry, bool) and 0 <= entry < 10_000 for entry in highlighted):
            raise HeliosError(f"{path}: encodings.highlighted must be a list of legend entries (whole numbers)")
        check("encodings", lambda: view_encoding(self.graph, self.config))
        self._style.apply(restored.get("style") or {})
        if restored.get("history"):
            check("history", lambda: self.history.restore(restored["history"], "history"))

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
        self._edge_highlighted = frozenset(int(entry) for entry in saved_emphasis.get("edge_highlighted") or ())
        self._edge_encoding = view_edge_encoding(graph, config, encoding.colors)
        entries = len(encoding.category_entries)
        if any(not 0 <= entry < entries for entry in self._highlighted):
            raise HeliosError(f"{self._session_path or 'the session'}: encodings.highlighted names legend "
                              f"entries {sorted(self._highlighted)}; this view's legend has {entries}")
        self._shown_only_layout = bool(saved_emphasis.get("shown_only", False))

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
            self.analysis.start(config.measures)
            channel = ViewChannel(
                self.frames, self._render_loop.submit_event, self.describe,
                status=self.status, search=self.search, messages=self.messages, export_session=self.session_bytes, export_snapshot=lambda: self.snapshot_page().encode("utf-8"),
                control=self.control, export_selection=self.analysis.selection_file,
            )
            self._server = BackgroundServer(
                lambda: create_app(channel, self._server_config), config.host, config.port
            )
            try:
                self._server.start()
            except OSError as error:
                raise HeliosError(f"cannot listen on {config.host}:{config.port}: {error.strerror}") from None
            if config.autosave:
                path = autosave_path(graph_fingerprint(self.base_graph))
                self.earlier_autosave = path if path.exists() and self._restored is None else None
                self._autosaver = Autosaver(path, self.save_session, self._saved_state_version).start()
        except BaseException:
            self.stop()
            raise
        logger.info("view of %s on port %s", graph.source, self.port)  # never the URL: it carries the token
        return self

    def _on_render_failure(self, error: BaseException) -> None:
        """The render loop could not go on: stop the session instead of showing a frozen picture."""
        self.failure = error
        self.stop_requested.set()

    def set_layout_parameters(self, who: str = "Python", **changes: Any) -> None:
        """Change layout parameters while the view runs (e.g. ``gravity=1.0``); the layout wakes up and
        every viewer sees it adapt. A bad name or value raises a HeliosError and changes nothing."""
        if self._worker is None:
            raise HeliosError("the view is not running")
        current = _parameter_values(self._worker.parameters)
        check_layout_parameters(self.config.layout, {**current, **changes})
        self._worker.set_parameters(**changes)
        before = {name: current[name] for name in changes}
        if before != changes:
            summary = ", ".join(f"{name} {value}" for name, value in changes.items())
            self.history.record("parameters", who, f"set {summary}", before, dict(changes))

    def stop(self, timeout_s: float = 2.0, reason: str = "the view was stopped") -> None:
        """Stop the server, the renderer and the layout; release the port and shared memory.

        Every viewer is told ``reason`` first, and its page stops retrying. Safe to call more than
        once and after a failed start. Every part is stopped even if an earlier one fails; the
        first error is raised at the end.
        """
        errors: list[BaseException] = []
        if self._autosaver is not None:  # the last save, while the layout still holds the positions
            try:
                self._autosaver.stop(timeout_s)
            except BaseException as error:  # noqa: BLE001 - collected, first one re-raised
                errors.append(error)
            self._autosaver = None
        if self._server is not None and self.messages.socket_count:
            self.messages.publish(server_message("stopped", reason=reason))
            time.sleep(STOPPED_NOTICE_S)  # the pages' send queues deliver it before the sockets close
        self.frames.close()
        self.analysis.close()
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
        deadline = time.monotonic() + EDIT_WAIT_S
        while True:  # the graph, its edits and the layout's positions of the same graph
            with self._edit_lock:
                graph, edits = self.graph, [edit.as_dict() for edit in self._edits]
            positions = self.positions()
            if len(positions) == graph.node_count or time.monotonic() > deadline:
                break
            time.sleep(0.01)  # an edit is on its way to the layout
        if len(positions) != graph.node_count:
            raise HeliosError("the graph is being edited; save the session once the edit reached the layout")
        parameters = self._worker.parameters
        return save_session(
            path, graph, positions,
            pins=self._worker.pinned,
            camera=self._render_loop.camera_state if self._render_loop is not None else None,
            encodings={"color_by": config.color_by, "size_by": config.size_by, "theme": config.theme,
                       "labels": config.labels, "filter": self._filter.as_dict(),
                       "highlighted": sorted(self._highlighted), "shown_only": self._shown_only_layout,
                       "edge_highlighted": sorted(self._edge_highlighted),
                       "measures": self.analysis.measure_options(),
                       **{name: getattr(config, name) for name in EDGE_SETTINGS}},
            layout=config.layout,
            parameters=dataclasses.asdict(parameters) if dataclasses.is_dataclass(parameters) else None,
            seed=config.seed,
            base_graph=self.base_graph,
            edits=edits,
            style=self._style.as_dict(),
            history=self.history.as_dict(),
        )

    def session_bytes(self) -> bytes:
        """This view's session file as bytes (for a download)."""
        with tempfile.TemporaryDirectory(prefix="helios-session-") as directory:
            return self.save_session(Path(directory) / "view.helios.json").read_bytes()

    def snapshot_page(self, timeout_s: float = EDIT_WAIT_S) -> str:
        """This view as it is now (positions, camera, encodings, filter, highlights, selection, time) as one
        self-contained HTML page (see :mod:`helios_app.io.snapshot`)."""
        from helios_app.io.snapshot import ViewState, capture_scene, snapshot_html

        captured: concurrent.futures.Future = concurrent.futures.Future()

        def capture(scene) -> None:
            try:
                captured.set_result((capture_scene(scene, self.config.theme), scene.selected))
            except Exception as error:  # noqa: BLE001 - handed to the caller, who reports it
                captured.set_exception(error)

        with self._edit_lock:
            graph = self.graph
        self.render_loop.edit(capture)
        try:
            capture_of_scene, selected = captured.result(timeout=timeout_s)
        except concurrent.futures.TimeoutError:
            raise HeliosError("the view did not answer in time; try saving the page again") from None
        _, _, texts = self._graph_facts(graph)
        state = ViewState(filter=self._filter, highlighted=tuple(sorted(self._highlighted)),
                          edge_highlighted=tuple(sorted(self._edge_highlighted)), selected=selected,
                          node_selection=tuple(int(node) for node in self.analysis.selected),
                          shown_only=self._shown_only_layout)
        return snapshot_html(graph, capture_of_scene, texts, state, layout=self.config.layout)

    # ---- live edits ----------------------------------------------------------------------------
    def edit(self, edit: GraphEdit, who: str = "Python") -> None:
        """Add and remove nodes and edges by id (:class:`helios_app.graph.edits.GraphEdit`) while the view runs;
        every viewer sees it, untouched nodes keep their places, and the history can undo it. A HeliosError
        names an id that is wrong, and nothing changes."""
        if not edit:
            return
        with self._edit_lock:
            graph = self.graph
            inverse = inverse_edit(graph, edit, self.positions() if self._worker is not None else None)
            self._apply_graph_edit(edit)
        self.history.record("edit", who, edit.summary(), inverse.as_dict(), edit.as_dict())

    def _apply_graph_edit(self, edit: GraphEdit) -> None:
        """Make the edited graph, hand the same change to the layout, and show it (the caller holds the edit
        lock, or is the history applying an entry)."""
        edited, change = apply_edit(self.graph, edit, self.config.dimensions)
        self.graph = edited
        self._edits.append(edit)
        worker = self.worker
        if change.appended:
            worker.add_nodes(change.appended, change.appended_positions)
        if len(change.removed_nodes):
            worker.remove_nodes(change.removed_nodes)
        self._layout_restricted_to = None  # the emphasis works the restriction out again for the new graph
        worker.update_graph(edited.layout_edges(), edited.node_count, edited.layout_weights(self.config.weight))
        for listener in list(self.graph_listeners):
            listener(edited)
        self.analysis.graph_edited(edited, removed_nodes=bool(len(change.removed_nodes)))
        self._show_graph()

    def set_node_style(self, colors: dict[str, tuple[int, int, int]] | None = None,
                       sizes: dict[str, float] | None = None, labels: dict[str, str] | None = None,
                       who: str = "Python") -> None:
        """Set the colour (RGB), size factor or label of nodes by id; every viewer sees it at once."""
        after = {"colors": {node_id: list(rgb) for node_id, rgb in (colors or {}).items()},
                 "sizes": {node_id: float(size) for node_id, size in (sizes or {}).items()},
                 "labels": {node_id: str(text) for node_id, text in (labels or {}).items()}}
        check_style(after, HeliosError)  # what a session file may hold, so that every save can be resumed
        with self._edit_lock:
            before = self._style.values_of(after)
            self._style.apply(after)
            self._style_version += 1
            self._show_graph()
        changed = [name for name in ("colors", "sizes", "labels") if after[name]]
        count = max((len(after[name]) for name in changed), default=0)
        self.history.record("style", who, f"set {' and '.join(changed) or 'nothing'} of {count} nodes", before, after)

    def set_edge_style(self, colors: dict[str, tuple[int, int, int]] | None = None,
                       widths: dict[str, float] | None = None, who: str = "Python") -> None:
        """Set the colour (RGB) or width (pixels) of edge records by key
        (:func:`~helios_app.graph.edge_encodings.edge_record_keys`); every viewer sees it at once."""
        after = {"edge_colors": {key: list(rgb) for key, rgb in (colors or {}).items()},
                 "edge_widths": {key: float(width) for key, width in (widths or {}).items()}}
        check_style(after, HeliosError)
        with self._edit_lock:
            before = self._style.values_of(after)
            self._style.apply(after)
            self._style_version += 1
            self._show_graph()
        changed = [name.replace("edge_", "") for name in after if after[name]]
        count = max(len(after["edge_colors"]), len(after["edge_widths"]))
        self.history.record("style", who, f"set {' and '.join(changed) or 'nothing'} of {count} edges", before, after)

    def set_encoding(self, who: str = "Python", **settings: Any) -> None:
        """Change how nodes or edges are encoded while the view runs (``edge_color_by="kind"``,
        ``arrows="off"``, ``color_by="community"``...); checked first, then every viewer sees it."""
        unknown = sorted(set(settings) - set(ENCODING_SETTINGS))
        if unknown:
            raise HeliosError(f"no encoding setting {unknown[0]!r}; choose from {', '.join(ENCODING_SETTINGS)}")
        with self._edit_lock:
            config = dataclasses.replace(self.config, **settings)
            encoding = view_encoding(self.graph, config)  # a bad attribute fails here, changing nothing
            view_edge_encoding(self.graph, config, encoding.colors)
            before = {name: getattr(self.config, name) for name in settings}
            self.config = config
            self._show_graph()
        after = {name: getattr(config, name) for name in settings}
        if before != after:
            summary = ", ".join(f"{name} {value}" for name, value in after.items())
            self.history.record("encoding", who, f"set {summary}", _jsonable_settings(before), _jsonable_settings(after))

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
            edge_encoding = with_style(view_edge_encoding(graph, config, encoding.colors),
                                       edge_record_keys(graph.edges, graph.node_ids), style.edge_colors,
                                       style.edge_widths)
            scene.set_graph(graph.edges, graph.node_count, encoding, texts if config.labels else None, edge_encoding)
            self._edge_encoding = edge_encoding
            scene.edge_label_texts = edge_label_texts(graph, config.edge_labels)
            self._encoding = encoding
            self.messages.publish(server_message("view", view=self.describe()))
            self._refresh_emphasis()

        self.render_loop.edit(show)

    def add_measure(self, name: str, values: np.ndarray, measured: Graph, categorical: bool) -> None:
        """Make a measure of ``measured`` a node attribute of the view's graph (by node id when the graph was
        edited meanwhile; a node added since has none), and show it where it is used."""
        column = measure_column(values, categorical)
        with self._edit_lock:
            graph = self.graph
            if graph is not measured:
                index_of = {node_id: index for index, node_id in enumerate(measured.node_ids)}
                column = [column[index_of[node_id]] if node_id in index_of else None for node_id in graph.node_ids]
            self.graph = graph.with_node_attributes({name: column})
            shown = name in (self.config.color_by, self.config.size_by)
            if shown:
                self._show_graph()
        if not shown:
            self.messages.publish(server_message("view", view=self.describe()))
            self._refresh_emphasis()  # a filter may test it

    def run_in_background(self, action: Callable[[], object]) -> None:
        """Run ``action`` on the view's background thread (filters, selections, paths), never the server's loop."""
        if self._emphasis_thread is None:
            raise HeliosError("the view is not running")
        try:
            self._emphasis_thread.submit(action)
        except RuntimeError:  # shut down: the view is stopping
            pass

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
            self.analysis.select([] if node is None else [node], "replace")  # a click selects that node alone
            self.messages.publish(server_message("selection", node=None if node is None else self.node_info(node)))
            if self._filter.hops:  # the neighbourhood filter follows the selection
                self._refresh_emphasis()
        elif kind == "labels":
            self.messages.publish(server_message("labels", labels=notice["labels"]))
        elif kind == "edge_labels":
            self.messages.publish(server_message("edge_labels", labels=notice["labels"]))
        elif kind in ("edge_hover", "edge_selection"):
            edge = notice["edge"]
            extra = {"viewer_id": notice.get("viewer_id", "")} if kind == "edge_hover" else {}
            self.messages.publish(server_message(kind, edge=None if edge is None else self.edge_info(edge), **extra))
        elif kind == "pointed_labels":
            self.messages.publish(server_message("pointed_labels", hover=notice["hover"], selection=notice["selection"]))
        elif kind == "pin" and self._worker is not None:
            self.pin([notice["node"]], [notice["position"]], who=notice.get("who") or "a viewer", dragging=True)
        elif kind == "unpin" and self._worker is not None:
            self.unpin([notice["node"]], who=notice.get("who") or "a viewer")
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

    def set_filter(self, criteria: ViewFilter | dict[str, Any], shown_only_layout: bool | None = None,
                   who: str = "Python") -> None:
        """Show only what ``criteria`` keep (see :class:`helios_app.graph.filters.ViewFilter`), for every viewer.

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
            before = self._emphasis_state()
            self._filter = criteria
            if shown_only_layout is not None:
                self._shown_only_layout = shown_only_layout
        self._refresh_emphasis()
        self._record_emphasis(who, _filter_summary(criteria.as_dict()), before)

    def set_highlighted(self, categories: Any, who: str = "Python") -> None:
        """Stress the nodes of these legend entries (none: no highlight), for every viewer."""
        entries = len(self._encoding.category_entries) if self._encoding is not None else 0
        chosen = frozenset(int(category) for category in categories)
        wrong = sorted(category for category in chosen if not 0 <= category < entries)
        if wrong:
            raise HeliosError(f"legend entries are 0 to {entries - 1}; there is no {wrong[0]}")
        with self._emphasis_lock:
            before = self._emphasis_state()
            self._highlighted = chosen
        self._refresh_emphasis()
        self._record_emphasis(who, f"highlighted legend entries {sorted(chosen)}" if chosen else "cleared the highlight",
                              before)

    def legend_action(self, category: int, action: str, who: str = "Python") -> None:
        """A click on a legend entry: ``highlight`` toggles its stress, ``hide`` toggles hiding it,
        ``isolate`` hides every other entry, ``reset`` clears highlights and hidden entries."""
        entries = len(self._encoding.category_entries) if self._encoding is not None else 0
        if action != "reset" and not 0 <= category < entries:
            raise HeliosError(f"legend.category must be an entry from 0 to {entries - 1}, got {category}")
        with self._emphasis_lock:
            before = self._emphasis_state()
            hidden, self._highlighted = _legend_step(set(self._filter.hidden), self._highlighted, category, action,
                                                     entries)
            self._filter = dataclasses.replace(self._filter, hidden=hidden)
        self._refresh_emphasis()
        name = self._encoding.category_entries[category][0] if action != "reset" else ""
        self._record_emphasis(who, f"legend: {action} {name}".rstrip(), before)

    def edge_legend_action(self, category: int, action: str, who: str = "Python") -> None:
        """A click on an edge legend entry: ``highlight`` toggles its stress, ``hide`` toggles hiding its edges,
        ``isolate`` hides every other entry's edges, ``reset`` clears both (nodes are never hidden by it)."""
        entries = len(self._edge_encoding.category_entries) if self._edge_encoding is not None else 0
        if action != "reset" and not 0 <= category < entries:
            raise HeliosError(f"edge_legend.category must be an entry from 0 to {entries - 1}, got {category}"
                              if entries else f"edge_legend.category {category}: this view colours no edges by "
                              "category (--edge-color-by), so its edge legend has no entries")
        with self._emphasis_lock:
            before = self._emphasis_state()
            hidden, self._edge_highlighted = _legend_step(set(self._filter.edge_hidden), self._edge_highlighted,
                                                          category, action, entries)
            self._filter = dataclasses.replace(self._filter, edge_hidden=hidden)
        self._refresh_emphasis()
        name = self._edge_encoding.category_entries[category][0] if action != "reset" else ""
        self._record_emphasis(who, f"edge legend: {action} {name}".rstrip(), before)

    def control(self, event: dict[str, Any]) -> str | None:
        """Act on a page's ``filter``, ``legend``, ``relayout`` or ``history`` message (an editor's: the server
        checked the role); the error text if it is refused. Undo and redo run on a worker thread: they may
        edit the graph, and the server's loop must not wait."""
        who = event.get("viewer_name") or "a viewer"
        try:
            if event["type"] == "filter":
                self.set_filter(ViewFilter.from_dict(event["filter"], "filter.filter"), who=who)
            elif event["type"] == "legend":
                self.legend_action(event["category"], event["action"], who=who)
            elif event["type"] == "edge_legend":
                self.edge_legend_action(event["category"], event["action"], who=who)
            elif event["type"] == "relayout":
                self.set_filter(self._filter, shown_only_layout=event["shown_only"], who=who)
            elif event["type"] in ANALYSIS_MESSAGES:
                return self.analysis.control(event, who)
            elif event["type"] == "history" and self._emphasis_thread is not None:
                step = {"undo": self.history.undo, "redo": self.history.redo}.get(event["action"])
                with self._emphasis_lock:
                    if self._history_steps_waiting >= MAX_HISTORY_STEPS_WAITING:
                        return "history: too many undo and redo steps are waiting; try again in a moment"
                    self._history_steps_waiting += 1
                self._emphasis_thread.submit(self._step_history, step or (lambda: self.history.jump(event["entry"])))
        except HeliosError as error:
            return str(error)
        return None

    # ---- history: every editing action, undone and redone for everyone -------------------------------
    def undo(self) -> None:
        """Undo the newest action (anyone's) for every viewer; nothing when there is none."""
        self.history.undo()

    def redo(self) -> None:
        """Redo the action undone last, for every viewer; nothing when there is none."""
        self.history.redo()

    def _step_history(self, step: Callable[[], object]) -> None:
        try:
            step()
        except HeliosError as error:
            self.messages.publish(server_message("error", message=str(error)[:300]))
        except Exception as error:  # a page's undo must never stop the worker or the view
            logger.exception("history step failed")
            self.messages.publish(server_message("error", message=f"history: the step failed ({type(error).__name__})"))
        finally:
            with self._emphasis_lock:
                self._history_steps_waiting -= 1

    def _history_changed(self, merged: bool = False) -> None:
        self._action_count += 1
        if not merged:  # a drag's every step updates its entry; the panel's listing stays the same
            self.messages.publish(server_message("history", **self.history.listing()))

    def _saved_state_version(self) -> tuple:
        """What the autosaver compares: actions, the layout's positions and the camera. A view that is not a
        resumed one saves nothing until its first action: opening a graph again (having forgotten --resume,
        or in a second view) must not replace the autosave of the work done before."""
        if self._action_count == 0 and self._restored is None:
            return (0, None), 0
        buffer = self._worker.buffer if self._worker is not None else None
        camera = self._render_loop.camera_state if self._render_loop is not None else None
        return ((self._action_count, None if camera is None else repr(camera)),
                buffer.version if buffer is not None and not buffer.closed else 0)

    def _apply_state(self, kind: str, state: Any) -> None:
        """Show a history entry's state (its ``before`` for an undo, ``after`` for a redo), recording nothing.

        Every value is checked before anything changes (a session file's history may hold anything), with the
        rules the actions themselves follow; a bad one is a HeliosError naming the entry's kind.
        """
        try:
            self._apply_checked_state(kind, state)
        except HeliosError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError, IndexError) as error:
            raise HeliosError(f"history: this {kind} entry cannot be applied ({type(error).__name__}: "
                              f"{str(error)[:200]}); nothing changed") from None
        self._action_count += 1

    def _apply_checked_state(self, kind: str, state: Any) -> None:
        if not isinstance(state, dict):
            raise HeliosError(f"history: a {kind} entry holds no state")
        if kind == "pin":
            self._apply_pins(state)
        elif kind == "filter":
            criteria = ViewFilter.from_dict(state.get("filter") or {}, "history: filter")
            highlighted = _entries(state.get("highlighted"), self._encoding.category_entries if self._encoding else [],
                                   "history: highlighted")
            edge_entries = self._edge_encoding.category_entries if self._edge_encoding is not None else []
            edge_highlighted = _entries(state.get("edge_highlighted"), edge_entries, "history: edge_highlighted")
            with self._emphasis_lock:
                self._filter, self._highlighted, self._edge_highlighted = criteria, highlighted, edge_highlighted
                self._shown_only_layout = bool(state.get("shown_only"))
            self._refresh_emphasis()
        elif kind == "parameters":
            check_layout_parameters(self.config.layout, {**_parameter_values(self.worker.parameters), **state})
            self.worker.set_parameters(**state)
        elif kind == "style":
            check_style(state, lambda message: HeliosError(f"history: {message}"), allow_missing=True)
            with self._edit_lock:
                self._style.apply(state)
                self._style_version += 1
                self._show_graph()
        elif kind == "edit":
            with self._edit_lock:
                self._apply_graph_edit(GraphEdit.from_dict(state, "history: edit"))
        elif kind == "encoding":
            unknown = sorted(set(state) - set(ENCODING_SETTINGS))
            if unknown:
                raise HeliosError(f"an encoding entry of the history names {unknown[0]!r}, not an encoding setting")
            settings = {name: tuple(value) if isinstance(value, list) else value for name, value in state.items()}
            with self._edit_lock:
                config = dataclasses.replace(self.config, **settings)
                view_edge_encoding(self.graph, config, view_encoding(self.graph, config).colors)  # checked first
                self.config = config
                self._show_graph()

    def _emphasis_state(self) -> dict[str, Any]:
        """The filter, highlight and layout restriction as a history state (call under the emphasis lock)."""
        return {"filter": self._filter.as_dict(), "highlighted": sorted(self._highlighted),
                "edge_highlighted": sorted(self._edge_highlighted), "shown_only": self._shown_only_layout}

    def _record_emphasis(self, who: str, summary: str, before: dict[str, Any]) -> None:
        with self._emphasis_lock:
            after = self._emphasis_state()
        if after != before:
            self.history.record("filter", who, summary, before, after)

    # ---- pins -----------------------------------------------------------------------------------
    def pin(self, nodes: Any, positions: Any = None, who: str = "Python", dragging: bool = False) -> None:
        """Pin nodes (indices), at ``positions`` (one row each) or where they are; a drag's pins, one per
        pointer move, make one history entry."""
        nodes = [int(node) for node in np.asarray(nodes, dtype=np.int64).reshape(-1)]
        if positions is not None:
            rows = np.asarray(positions, dtype=np.float64)
            if not np.all(np.isfinite(rows)) or np.abs(rows).max(initial=0.0) > MAX_COORDINATE:
                raise HeliosError(f"pin positions must be finite numbers of magnitude at most {MAX_COORDINATE:g} "
                                  "(the layout keeps positions in float32)")
        gesture = (who, tuple(nodes))
        continuing = dragging and self._gesture == gesture and time.monotonic() < self._gesture_until
        before = None if continuing else self._pin_states(nodes)
        self.worker.pin(np.array(nodes, dtype=np.int64), positions)
        if positions is None:
            after = self._pin_states(nodes, pinned=True)
        else:
            rows = np.asarray(positions, dtype=np.float64).reshape(len(nodes), -1)
            ids = self.graph.node_ids
            after = {ids[node]: {"pinned": True, "position": row.tolist()} for node, row in zip(nodes, rows)}
        self._gesture, self._gesture_until = gesture, time.monotonic() + MERGE_WINDOW_S
        summary = f"moved {self._graph_facts()[2][nodes[0]]}" if dragging else f"pinned {len(nodes)} nodes"
        self.history.record("pin", who, summary, before, after, mergeable=dragging)

    def unpin(self, nodes: Any = None, who: str = "Python") -> None:
        """Let pinned nodes (indices; all of them if None) move again."""
        # The worker's pinned set lags a pin by a tick: nodes named here are unpinned whatever it says now.
        chosen = sorted(set(self.worker.pinned.tolist())) if nodes is None else \
            [int(node) for node in np.asarray(nodes).reshape(-1)]
        self.worker.unpin(None if nodes is None else np.array(chosen, dtype=np.int64))
        if not chosen:
            return
        before = self._pin_states(chosen, pinned=True)
        after = {node_id: {**state, "pinned": False} for node_id, state in before.items()}
        self.history.record("pin", who, "unpinned every node" if nodes is None else f"unpinned {len(chosen)} nodes",
                            before, after)

    def _pin_states(self, nodes: list[int], pinned: bool | None = None) -> dict[str, Any]:
        """Whether each node is pinned and where it is, by id (a history state)."""
        pinned_now = set(self.worker.pinned.tolist())
        positions = self.positions()
        ids = self.graph.node_ids
        return {ids[node]: {"pinned": node in pinned_now if pinned is None else pinned,
                            "position": positions[node].tolist()}
                for node in nodes if node < len(positions)}

    def _apply_pins(self, state: dict[str, Any]) -> None:
        index_of = {node_id: index for index, node_id in enumerate(self.graph.node_ids)}
        chosen = [(index_of[node_id], value) for node_id, value in state.items() if node_id in index_of]
        if not chosen:
            return
        nodes = np.array([node for node, _ in chosen], dtype=np.int64)
        rows = [value.get("position") if isinstance(value, dict) else None for _, value in chosen]
        dimensions = self.config.dimensions
        if not all(isinstance(row, list) and len(row) == dimensions and all(
                isinstance(number, (int, float)) and not isinstance(number, bool) and math.isfinite(number)
                and abs(number) <= MAX_COORDINATE for number in row) for row in rows):
            raise HeliosError(f"history: a pin entry holds a position that is not {dimensions} numbers of magnitude "
                              f"at most {MAX_COORDINATE:g}")
        self.worker.pin(nodes, np.array(rows, dtype=np.float64))
        free = np.array([node for node, value in chosen if not value.get("pinned")], dtype=np.int64)
        if len(free):
            self.worker.unpin(free)
        self.render_loop.edit(lambda scene: scene.release_nodes(nodes.tolist()))
        self._gesture = None

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
            edge_highlighted = self._edge_highlighted
        graph, encoding, selection = self.graph, self._encoding, self.selection
        edge_encoding = self._edge_encoding
        if encoding is None or len(encoding.colors) != graph.node_count:
            return  # an edit is on its way to the scene; it refreshes again when shown
        edges = graph.layout_edges()
        present = present_edges = present_records = None
        if criteria.time is not None:  # a dynamic graph as of a time: what is absent then is not there
            present, present_edges = active_nodes(graph, window=criteria.time), active_edges(graph, window=criteria.time)
            present_records = active_edge_records(graph, window=criteria.time)
        attributes = {**graph.node_attributes, "label": display_labels(graph)}
        facts = GraphFacts(edges if present_edges is None else edges[present_edges], graph.node_count, attributes,
                           encoding.categories, graph.node_ids)
        edge_categories = edge_encoding.categories if edge_encoding is not None and edge_encoding.categories is not None \
            and len(edge_encoding.categories) == graph.edge_count else None
        try:
            shown = shown_nodes(facts, criteria, selection)
            edges_shown = shown_edges(_filterable_edge_attributes(graph), graph.edge_count, criteria, edge_categories)
        except HeliosError as error:
            logger.warning("%s", error)
            return
        edges_stressed = np.isin(edge_categories, sorted(edge_highlighted)) \
            if edge_highlighted and edge_categories is not None else None
        stressed = np.isin(encoding.categories, sorted(highlighted)) if highlighted and encoding.categories is not None \
            else None
        selected, path_records = self.analysis.masks(graph)
        if selected is not None:
            stressed = selected if stressed is None else stressed | selected
        if path_records is not None:
            edges_stressed = path_records if edges_stressed is None else edges_stressed | path_records
        hide = criteria.mode == "hide"

        def show(scene) -> None:
            if scene.node_count == len(shown):
                scene.set_emphasis(shown, stressed, hide, present, present_records, edges_shown, edges_stressed)

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
        entries = legend_entries(encoding.categories, encoding.category_entries)
        self.messages.publish(server_message("legend", title=encoding.color_by, entries=entries,
                                             highlighted=sorted(highlighted), hidden=list(criteria.hidden)))
        self.messages.publish(server_message("filter", filter=criteria.as_dict(), shown=int(shown.sum()),
                                             nodes=graph.node_count, shown_only=shown_only))
        # no categories (any more): the pages' edge legend empties
        entries = legend_entries(edge_categories, edge_encoding.category_entries) if edge_categories is not None else []
        title = f"edges: {edge_encoding.color_by}" if edge_encoding is not None else "edges"
        self.messages.publish(server_message("edge_legend", title=title, entries=entries,
                                             highlighted=sorted(edge_highlighted), hidden=list(criteria.edge_hidden)))

    def edge_info(self, edge: int) -> dict[str, Any]:
        """What the tooltip and the info panel show about one edge record: its ends, direction, weight and
        attributes."""
        graph = self.graph
        _, _, texts = self._graph_facts()
        source, target = (int(end) for end in graph.edges[edge])
        return {
            "index": int(edge),
            "source": graph.node_ids[source], "target": graph.node_ids[target],
            "source_label": texts[source], "target_label": texts[target],
            "directed": bool(graph.edge_directions()[edge]),
            "weight": None if graph.weights is None else json_value(float(graph.weights[edge])),
            "attributes": {name: json_value(values[edge]) for name, values in graph.edge_attributes.items()},
        }

    def node_info(self, node: int) -> dict[str, Any]:
        """What the info panel shows about one node: id, label, degree and attributes."""
        graph, node_degrees, texts = self._graph_facts()
        attributes = {name: json_value(values[node]) for name, values in graph.node_attributes.items()}
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
        top = self.analysis.top_nodes(query, SEARCH_RESULTS)  # "top 10 by pagerank"
        if top is not None:
            return top
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
            "edge_attributes": sorted({*self.graph.edge_attributes}  # what an edge filter may test
                                      | ({"weight"} if self.graph.weights is not None else set())),
            "time_range": self.graph.time_range,  # a dynamic graph's [first, last] time, or None
            "time_format": self.graph.time_format,  # "number", or "date": seconds since the epoch
            "measure_choices": [{"name": name, "title": spec.title} for name, spec in MEASURES.items()],
            "layout": {
                "name": self.config.layout,
                "iteration": getattr(state, "iteration", 0),
                "settled": bool(getattr(state, "settled", False)),
            },
        }


@dataclass
class NodeStyle:
    """Colours, sizes and labels set from Python (``view.set_colors`` ...), by node id; they win over
    the encoding the config asks for and follow their nodes through graph edits.

    As JSON (session files, history states): ``{"colors": {id: [r, g, b]}, "sizes": {id: factor},
    "labels": {id: text}}``; in :meth:`apply`, a value None removes that node's setting.
    """

    colors: dict[str, tuple[int, int, int]] = dataclasses.field(default_factory=dict)
    sizes: dict[str, float] = dataclasses.field(default_factory=dict)
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    edge_colors: dict[str, tuple[int, int, int]] = dataclasses.field(default_factory=dict)  # by edge record key
    edge_widths: dict[str, float] = dataclasses.field(default_factory=dict)

    def _tables(self) -> dict[str, dict]:
        return {"colors": self.colors, "sizes": self.sizes, "labels": self.labels, "edge_colors": self.edge_colors,
                "edge_widths": self.edge_widths}

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {name: {key: list(value) if name.endswith("colors") else value for key, value in table.items()}
                for name, table in self._tables().items()}

    def values_of(self, style: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """This style's values (None where unset) of the nodes and edges ``style`` sets: an undo's state."""
        current = self.as_dict()
        return {name: {key: current[name].get(key) for key in style.get(name, {})} for name in current}

    def apply(self, style: dict[str, dict[str, Any]]) -> None:
        """Set (or, for None, remove) each colour, size, label and edge colour and width ``style`` names."""
        for name, table in self._tables().items():
            for key, value in (style.get(name) or {}).items():
                if value is None:
                    table.pop(key, None)
                else:
                    table[key] = tuple(int(c) for c in value) if name.endswith("colors") else value


def display_labels(graph: Graph) -> list[str]:
    """The text shown for each node: its label, or its id when the file has no labels."""
    return [str(text) for text in (graph.labels or graph.node_ids)]


def view_encoding(graph: Graph, config: ViewConfig) -> NodeEncoding:
    """The node encoding a view config asks for (the degree default needs no legend). A measure not computed
    yet colours or sizes by degree until it is (the view computes it when it starts)."""
    pending = {name: "degree" for name in (config.color_by, config.size_by)
               if name in MEASURES and name not in graph.node_attributes and name not in ENCODING_BUILT_INS}
    if pending:
        config = dataclasses.replace(config, color_by=pending.get(config.color_by, config.color_by),
                                     size_by=pending.get(config.size_by, config.size_by))
    if config.color_by == "degree" and config.size_by == "degree":
        return degree_encoding(graph.layout_edges(), graph.node_count)
    return encode_nodes(graph, config.color_by, config.size_by, seed=config.seed, weight=config.weight)


def view_edge_encoding(graph: Graph, config: ViewConfig, node_colors: np.ndarray) -> EdgeEncoding:
    """The edge encoding a view config asks for (arrows, colours, widths, opacity, curvature, labels)."""
    return encode_edges(graph, config.edge_color_by, config.edge_width_by, arrows=config.arrows,
                        width_range_px=config.edge_width_range, opacity=config.edge_opacity,
                        curvature=config.edge_curvature, label_by=config.edge_labels, node_colors=node_colors)


def build_scene(graph: Graph, config: ViewConfig, encoding: NodeEncoding | None = None, offscreen: bool = True,
                text_in_picture: bool = True):
    """The scene of a view: call on the thread that will own it (VTK loads here). ``text_in_picture``:
    False when the pages draw labels and the legend as HTML."""
    from helios_app.render.scene import GraphScene

    encoding = encoding or view_encoding(graph, config)
    scene = GraphScene(
        graph.edges, graph.node_count, config.dimensions, config.width, config.height,
        offscreen=offscreen, encoding=encoding, edge_encoding=view_edge_encoding(graph, config, encoding.colors),
        labels=display_labels(graph) if config.labels else None, theme=config.theme,
        title=f"Helios: {Path(graph.source).name or 'graph'}", marker=config.marker,
        text_in_picture=text_in_picture,
        scale_in_motion=offscreen and not text_in_picture,  # a served picture: pages scale any size to fit
    )
    scene.edge_label_texts = edge_label_texts(graph, config.edge_labels)
    return scene


def edge_label_texts(graph: Graph, attribute: str | None) -> list[str] | None:
    """The label of each edge record: its ``attribute`` (or ``weight``) as text, '' where it has none."""
    if attribute is None:
        return None
    if attribute == "weight" and "weight" not in graph.edge_attributes:
        values = [] if graph.weights is None else graph.weights.tolist()
    else:
        values = graph.edge_attributes.get(attribute, [])
    texts = ["" if value is None else f"{value:g}" if isinstance(value, float) else str(value) for value in values]
    return texts + [""] * (graph.edge_count - len(texts))


def _check_restored_settings(path: str, restored: dict[str, Any]) -> None:
    """The settings a session file fixes (layout, encodings), checked naming the file and the field before
    they become the view's config."""
    if restored.get("layout") and restored["layout"] not in LAYOUT_ALGORITHMS:
        raise HeliosError(f"{path}: layout.name {restored['layout']!r} is not a layout; choose from "
                          f"{', '.join(sorted(LAYOUT_ALGORITHMS))}")
    encodings = restored.get("encodings") or {}
    for name, kind in (("color_by", str), ("size_by", str), ("theme", str), ("labels", bool), ("shown_only", bool)):
        if name in encodings and not isinstance(encodings[name], kind):
            raise HeliosError(f"{path}: encodings.{name} must be a {kind.__name__}")
    if encodings.get("theme", "dark") not in THEME_CHOICES:
        raise HeliosError(f"{path}: encodings.theme must be one of {', '.join(THEME_CHOICES)}")
    measures = encodings.get("measures") or {}
    if not isinstance(measures, dict) or not all(isinstance(options, dict) for options in measures.values()):
        raise HeliosError(f"{path}: encodings.measures must map each measure to its options")
    for name, options in measures.items():
        check_options(name, options, f"{path}: encodings.measures:")


def _restored_config(config: ViewConfig, restored: dict[str, Any]) -> ViewConfig:
    """The view settings a session file fixes (layout, seed, dimensions, encodings) over the given ones."""
    encodings = restored.get("encodings") or {}
    changes = {
        "layout": restored.get("layout") or config.layout,
        "seed": config.seed if restored.get("seed") is None else int(restored["seed"]),
        "dimensions": int(restored["dimensions"]),
        **{name: encodings[name] for name in ("color_by", "size_by", "theme", "labels", *EDGE_SETTINGS)
           if name in encodings},
        "measures": {**config.measures, **(encodings.get("measures") or {})},
    }
    return dataclasses.replace(config, **changes)


def _legend_step(hidden: set[int], highlighted: frozenset[int], category: int, action: str,
                 entries: int) -> tuple[tuple[int, ...], frozenset[int]]:
    """A legend click (node or edge legend alike): the hidden entries and the highlighted ones after it."""
    if action == "highlight":
        highlighted = highlighted ^ {category}
    elif action == "hide":
        hidden ^= {category}
        highlighted = highlighted - {category}
    elif action == "isolate":
        hidden, highlighted = set(range(entries)) - {category}, frozenset()
    else:
        hidden, highlighted = set(), frozenset()
    return tuple(sorted(hidden)), highlighted


def _entries(values: Any, entries: list, where: str) -> frozenset[int]:
    """Legend entries named by a history state: whole numbers that the legend has."""
    values = values or []
    if not isinstance(values, list) or not all(
            isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(entries) for value in values):
        raise HeliosError(f"{where} must list legend entries from 0 to {len(entries) - 1}")
    return frozenset(values)


def _jsonable_settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {name: list(value) if isinstance(value, tuple) else value for name, value in settings.items()}


def _filterable_edge_attributes(graph: Graph) -> dict[str, list]:
    """The edge attributes an edge filter may test: the graph's, and ``weight`` from its weights."""
    attributes = dict(graph.edge_attributes)
    if "weight" not in attributes and graph.weights is not None:
        attributes["weight"] = graph.weights.tolist()
    return attributes


def _filter_summary(criteria: dict[str, Any]) -> str:
    """``filter: degree 4–∞, club Mr. Hi`` for the history panel."""
    def number(value: float) -> str:
        return "∞" if value >= 1e9 else f"{value:g}"

    parts = []
    for name, value in criteria.items():
        if name in ("mode", "attribute"):
            continue
        if name in ("only_nodes", "hidden_nodes"):
            parts.append(f"{'only' if name == 'only_nodes' else 'hiding'} {len(value)} selected nodes")
            continue
        if name in ("degree", "value_range", "time") and isinstance(value, list):
            text = f"{number(value[0])}–{number(value[1])}"
            parts.append(f"{criteria.get('attribute', name) if name == 'value_range' else name} {text}")
        elif name == "values":
            parts.append(f"{criteria.get('attribute', 'value')} {', '.join(map(str, value))}")
        else:
            parts.append(f"{name.replace('_', ' ')} {value}")
    return "filter: " + ("; ".join(parts) if parts else "cleared")


def _parameter_values(parameters: Any) -> dict[str, Any]:
    return {field.name: getattr(parameters, field.name) for field in dataclasses.fields(parameters)}
