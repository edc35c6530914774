"""The Python side of a live view: read and drive it while every browser (and notebook) watches.

:func:`helios_app.show` returns a :class:`View`, in a notebook and in a plain script alike. Nodes are
named by their ids in the graph the view was made from (any hashable for a networkx graph, the
file's ids for a file). Every change goes through the thread that owns the state it changes: the
layout worker (positions, pins, graph edits, parameters), the render loop (camera, picture) or the
session (style, graph); the view itself owns only the node ids and the callbacks.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import traceback
from collections.abc import Callable, Hashable, Iterable, Mapping
from pathlib import Path
from typing import Any, Self

import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph import Graph
from helios_app.graph.edge_encodings import edge_record_keys
from helios_app.graph.edits import GraphEdit
from helios_app.graph.encodings import CATEGORY_PALETTE
from helios_app.session import ViewSession

logger = logging.getLogger(__name__)

CALLBACK_QUEUE_LIMIT = 1024  # events waiting for slow callbacks; the oldest are dropped beyond it


class View:
    """A running view of one graph.

    Parameters
    ----------
    session : ViewSession
        The started session (layout, renderer, server).
    node_keys : list of hashable, optional
        The caller's name for each node, in index order (a networkx graph's nodes); default the
        graph's string ids.

    Examples
    --------
    >>> with helios_app.show(networkx.karate_club_graph()) as view:  # doctest: +SKIP
    ...     view.on_click(print)
    ...     view.pin([0], [[0.0, 0.0]])
    ...     print(view.positions.shape)
    """

    def __init__(self, session: ViewSession, node_keys: list[Hashable] | None = None) -> None:
        self.session = session
        self._keys_lock = threading.Lock()  # node keys change with graph edits, from any caller thread
        keys = list(node_keys) if node_keys is not None else list(session.graph.node_ids)
        if len(keys) != session.graph.node_count:  # a resumed view's live edits: keys follow the ids
            by_id = {_id_text(key): key for key in keys}
            keys = [by_id.get(node_id, node_id) for node_id in session.graph.node_ids]
        self._set_keys(keys)
        self._click_callbacks: list[Callable[[Hashable], object]] = []
        self._hover_callbacks: list[Callable[[Hashable | None], object]] = []
        self._edge_click_callbacks: list[Callable[[tuple], object]] = []
        self._events: queue.Queue[tuple[str, int | None]] = queue.Queue(maxsize=CALLBACK_QUEUE_LIMIT)
        self._callback_thread: threading.Thread | None = None
        self.callback_errors = 0
        self.stopped_reason: str | None = None
        session.notice_listeners.append(self._on_notice)
        session.graph_listeners.append(self._on_graph_changed)
        self.layout = LayoutControl(session)

    # ---- nodes ---------------------------------------------------------------------------------
    def _set_keys(self, keys: list[Hashable]) -> None:
        index_of = {key: index for index, key in enumerate(keys)}
        if len(index_of) != len(keys):
            raise HeliosError("node ids must be unique")
        self._keys, self._index_of = keys, index_of
        self._key_of_id: dict[str, Hashable] = {**getattr(self, "_key_of_id", {}),
                                                **{_id_text(key): key for key in keys}}

    def _on_graph_changed(self, graph: Graph) -> None:
        """The session's graph was edited (from here, or an undo from a page): keys follow its node ids."""
        with self._keys_lock:
            self._set_keys([self._key_of_id.get(node_id, node_id) for node_id in graph.node_ids])

    @property
    def node_ids(self) -> list[Hashable]:
        """Every node's id, in the order of the rows of :attr:`positions`."""
        return list(self._keys)

    def _index(self, node: Hashable) -> int:
        index = self._index_of.get(node)
        if index is None and not isinstance(node, str):
            index = self._index_of.get(str(node))  # a file's ids are strings; allow 3 for "3"
        if index is None:
            raise HeliosError(f"no node {node!r} in this view")
        return index

    def _indices(self, nodes: Hashable | Iterable[Hashable]) -> np.ndarray:
        if isinstance(nodes, (str, bytes)) or not isinstance(nodes, Iterable) or isinstance(nodes, tuple):
            nodes = [nodes]
        return np.array([self._index(node) for node in nodes], dtype=np.int64)

    def _edge_key(self, record: int) -> tuple | None:
        """``(u, v, k)`` of an edge record: its ends by this view's keys, and which record from u to v it is."""
        graph = self.session.graph
        if not 0 <= record < graph.edge_count:
            return None
        u, v = (int(end) for end in graph.edges[record])
        rank = int(sum(1 for earlier in graph.edges[:record].tolist() if earlier == [u, v]))
        return self._key(u), self._key(v), rank

    def _key(self, index: int | None) -> Hashable | None:
        keys = self._keys
        return keys[index] if index is not None and 0 <= index < len(keys) else None

    # ---- reading -------------------------------------------------------------------------------
    @property
    def positions(self) -> np.ndarray:
        """The layout's current positions, an ``(n, 2)`` or ``(n, 3)`` float64 copy, rows in
        :attr:`node_ids` order."""
        return self.session.positions()

    @property
    def pinned(self) -> list[Hashable]:
        """Ids of the nodes pinned now, by Python or by dragging in any browser."""
        return [self._keys[index] for index in self.session.worker.pinned if index < len(self._keys)]

    @property
    def selection(self) -> list[Hashable]:
        """The nodes selected in the view, for every viewer: a click selects one node, shift-click adds or
        removes one, a box (shift-drag), a lasso (alt-drag) or a degree bar selects many; [] when none."""
        return [self._keys[index] for index in self.session.analysis.selected if index < len(self._keys)]

    def select(self, nodes: Hashable | Iterable[Hashable], mode: str = "replace") -> None:
        """Select nodes for every viewer (``mode``: replace, add, remove or toggle); ``select([])`` clears."""
        if mode not in ("replace", "add", "remove", "toggle"):
            raise HeliosError(f"mode must be one of replace, add, remove, toggle; got {mode!r}")
        self.session.analysis.select(self._indices(nodes) if nodes != [] else [], mode)

    def selection_subgraph(self):
        """The selected nodes and the edges between them as a networkx graph (directed and multi as the view's
        graph is), with labels, node and edge attributes and weights."""
        import networkx as nx

        graph = self.session.analysis.selection_subgraph()
        kind = (nx.MultiDiGraph if graph.directed else nx.MultiGraph) if graph.multigraph else \
            (nx.DiGraph if graph.directed else nx.Graph)
        result = kind()
        for index, node_id in enumerate(graph.node_ids):
            data = {name: values[index] for name, values in graph.node_attributes.items() if values[index] is not None}
            if graph.labels is not None:
                data["label"] = graph.labels[index]
            result.add_node(self._key_of_id.get(node_id, node_id), **data)
        keys = [self._key_of_id.get(node_id, node_id) for node_id in graph.node_ids]
        for record, (u, v) in enumerate(graph.edges.tolist()):
            data = {name: values[record] for name, values in graph.edge_attributes.items() if values[record] is not None}
            if graph.weights is not None:
                data.setdefault("weight", float(graph.weights[record]))
            result.add_edge(keys[u], keys[v], **data)
        return result

    # ---- measures and paths ---------------------------------------------------------------------
    @property
    def measures(self) -> dict[str, np.ndarray]:
        """Each measure computed so far (by Python, a page, or ``--measure``): float64 values aligned with
        :attr:`node_ids` (NaN for a node added since)."""
        return dict(self.session.analysis.measures)

    @property
    def statistics(self) -> dict[str, Any] | None:
        """The graph's statistics (counts, density, components, clustering, diameter, assortativity, degree
        distribution), or None while they are worked out."""
        return self.session.analysis.statistics

    def compute(self, measure: str, wait: bool = True, **options: Any) -> np.ndarray | None:
        """Compute a measure in the background (the view and the layout keep going); it becomes a node
        attribute everywhere (colour, size, filters, the info panel, search, the session file).

        Parameters
        ----------
        measure : str
            degree, in_degree, out_degree, weighted_degree, pagerank, betweenness, closeness, harmonic,
            eigenvector, clustering, k_core, component, louvain or leiden.
        wait : bool
            Block until it is done and return its values (aligned with :attr:`node_ids`); False returns None
            at once (the pages show its progress).
        **options
            ``samples`` and ``seed`` (betweenness), ``seed`` and ``resolution`` (louvain, leiden).
        """
        return self.session.analysis.compute(measure, wait=wait, **options)

    def shortest_path(self, source: Hashable, target: Hashable, all_paths: bool = False) -> list:
        """The shortest path from ``source`` to ``target`` (weighted when the graph has weights, directed when it
        is directed), shown to every viewer: a list of nodes, [] when there is none; with ``all_paths`` a
        list of every shortest path (at most 100)."""
        found = self.session.analysis.shortest_path(self._index(source), self._index(target), all_paths)
        paths = [[self._key(node) for node in path] for path in found["paths"]]
        return paths if all_paths else (paths[0] if paths else [])

    @property
    def links(self) -> dict[str, str]:
        """``{"editor": url, "watcher": url}``: who opens the first may steer, the second only watch."""
        return self.session.links

    @property
    def url(self) -> str:
        """The editors' link."""
        return self.session.url

    # ---- pins ----------------------------------------------------------------------------------
    def pin(self, nodes: Hashable | Iterable[Hashable], positions: Any = None) -> None:
        """Hold nodes still (at ``positions``, one row per node in layout units, if given).

        Parameters
        ----------
        nodes : node id or iterable of node ids
        positions : array_like, optional
            ``(k, dimensions)``; default: where the nodes are now.
        """
        indices = self._indices(nodes)
        if positions is not None:
            positions = np.asarray(positions, dtype=np.float64).reshape(len(indices), -1)
            if positions.shape[1] != self.session.config.dimensions or not np.isfinite(positions).all():
                raise HeliosError(
                    f"positions must be finite with {self.session.config.dimensions} columns, one row per node"
                )
        self.session.render_loop.edit(lambda scene: scene.hold_framing())
        self.session.pin(indices, positions)

    def unpin(self, nodes: Hashable | Iterable[Hashable] | None = None) -> None:
        """Let pinned nodes move again (all of them if ``nodes`` is None)."""
        self.session.unpin(None if nodes is None else self._indices(nodes))

    # ---- history -------------------------------------------------------------------------------
    def undo(self) -> None:
        """Undo the newest editing action (anyone's: a page's drag, filter, legend click, or a call
        from Python) for every viewer; nothing when there is none."""
        self.session.undo()

    def redo(self) -> None:
        """Redo the action undone last, for every viewer."""
        self.session.redo()

    @property
    def history(self) -> list[dict[str, Any]]:
        """The view's history, oldest first: ``number``, ``kind``, ``who``, ``when`` (seconds since the
        epoch), ``summary`` and ``done`` (False for an entry undone, which :meth:`redo` brings back)."""
        history = self.session.history
        done = history.position
        return [{**entry.listing(), "done": index < done} for index, entry in enumerate(history.entries)]

    # ---- style ---------------------------------------------------------------------------------
    def set_colors(self, colors: Any) -> None:
        """Colour nodes; every viewer sees it at once.

        Parameters
        ----------
        colors : array, dict, str or callable
            One colour per node in :attr:`node_ids` order; or ``{node: colour}``; or the name of a
            node attribute (categories get the palette's colours); or ``function(node) -> colour``.
            A colour is ``"#rrggbb"``, an ``(r, g, b)`` of 0-255 integers or of 0-1 floats.
        """
        if isinstance(colors, str):
            values = self._attribute(colors)
            categories = {value: index for index, value in enumerate(dict.fromkeys(values))}
            palette = [tuple(int(c) for c in rgb) for rgb in CATEGORY_PALETTE]
            resolved = {key: palette[categories[value] % len(palette)] for key, value in zip(self._keys, values)}
        else:
            resolved = {key: _rgb(value, key) for key, value in self._per_node(colors, "colors").items()}
        self.session.set_node_style(colors=self._by_id(resolved))

    def set_sizes(self, sizes: Any) -> None:
        """Size nodes (1 is the default size of an average node); same forms as :meth:`set_colors`,
        with positive numbers; an attribute name is scaled so its mean is 1."""
        if isinstance(sizes, str):
            values = np.array([_number(value, key) for key, value in zip(self._keys, self._attribute(sizes))])
            values = values / (values.mean() or 1.0)
            resolved = dict(zip(self._keys, values))
        else:
            resolved = {key: _number(value, key) for key, value in self._per_node(sizes, "sizes").items()}
        for key, value in resolved.items():
            if not value > 0:
                raise HeliosError(f"size of node {key!r} must be positive, got {value!r}")
        self.session.set_node_style(sizes=self._by_id(resolved))

    def set_labels(self, labels: Any) -> None:
        """Label nodes (the text shown and searched); same forms as :meth:`set_colors`, with strings."""
        if isinstance(labels, str):
            resolved = {key: str(value) for key, value in zip(self._keys, self._attribute(labels))}
        else:
            resolved = {key: str(value) for key, value in self._per_node(labels, "labels").items()}
        self.session.set_node_style(labels=self._by_id(resolved))

    # ---- edges ---------------------------------------------------------------------------------
    def set_edge_colors(self, colors: Any) -> None:
        """Colour edges; every viewer sees it at once.

        Parameters
        ----------
        colors : array, dict, str or callable
            One colour per edge record (``view.session.graph.edges`` order); or ``{(u, v): colour}`` (every
            record from u to v, either way for an undirected edge) or ``{(u, v, k): colour}`` (the k-th
            record from u to v); or the name of an edge attribute (``weight`` too), which becomes the edge
            encoding (a palette and a legend for categories, the colormap for numbers); or
            ``function(u, v, attributes) -> colour``. Colours as in :meth:`set_colors`.
        """
        if isinstance(colors, str):
            self.session.set_encoding(edge_color_by=colors)
            return
        self.session.set_edge_style(colors={key: _rgb(value, key) for key, value in self._per_edge(colors, "colors")})

    def set_edge_widths(self, widths: Any) -> None:
        """Set edge widths in pixels; same forms as :meth:`set_edge_colors` (an attribute name is scaled into
        the view's ``edge_width_range``, with a log scale for heavy tails)."""
        if isinstance(widths, str):
            self.session.set_encoding(edge_width_by=widths)
            return
        resolved = {key: _number(value, key) for key, value in self._per_edge(widths, "widths")}
        for key, value in resolved.items():
            if not 0 < value <= 40:
                raise HeliosError(f"width of edge {key!r} must be from 0 to 40 pixels, got {value!r}")
        self.session.set_edge_style(widths=resolved)

    def on_edge_click(self, callback: Callable[[tuple], object]) -> Callable[[tuple], object]:
        """Call ``callback((u, v, k))`` whenever any viewer clicks an edge (the k-th record from u to v), on
        the callbacks' thread. Usable as a decorator."""
        self._edge_click_callbacks.append(callback)
        self._start_callbacks()
        return callback

    def _per_edge(self, values: Any, what: str) -> list[tuple[str, Any]]:
        """``(record key, value)`` pairs from an array, a dict keyed by (u, v) or (u, v, k), or a function."""
        graph = self.session.graph
        keys = edge_record_keys(graph.edges, graph.node_ids)
        edges = graph.edges.tolist()
        if callable(values):
            return [(key, values(self._key(u), self._key(v), {name: column[record] for name, column in
                                                                graph.edge_attributes.items()}))
                    for record, (key, (u, v)) in enumerate(zip(keys, edges))]
        if isinstance(values, Mapping):
            pairs = []
            directions = graph.edge_directions().tolist()
            records_of: dict[tuple[int, int], list[int]] = {}  # (source, target) -> its records, in order
            for record, (source, target) in enumerate(edges):
                records_of.setdefault((source, target), []).append(record)
            for edge, value in values.items():
                if not isinstance(edge, tuple) or len(edge) not in (2, 3):
                    raise HeliosError(f"edge {what}: a key is (u, v) or (u, v, k), got {edge!r}")
                u, v = self._index(edge[0]), self._index(edge[1])
                forward = records_of.get((u, v), [])
                matches = forward + [record for record in records_of.get((v, u), []) if not directions[record]] \
                    if u != v else forward
                if len(edge) == 3:
                    matches = forward[edge[2]: edge[2] + 1] if isinstance(edge[2], int) and edge[2] >= 0 else []
                if not matches:
                    raise HeliosError(f"no edge {edge!r} in this view")
                pairs.extend((keys[record], value) for record in matches)
            return pairs
        values = list(values)
        if len(values) != len(keys):
            raise HeliosError(f"edge {what}: {len(values)} values for {len(keys)} edge records")
        return list(zip(keys, values))

    def _per_node(self, values: Any, what: str) -> dict[Hashable, Any]:
        if callable(values):
            return {key: values(key) for key in self._keys}
        if isinstance(values, Mapping):
            return {self._keys[self._index(key)]: value for key, value in values.items()}
        values = list(values)
        if len(values) != len(self._keys):
            raise HeliosError(f"{what}: {len(values)} values for {len(self._keys)} nodes")
        return dict(zip(self._keys, values))

    def _attribute(self, name: str) -> list:
        graph = self.session.graph
        if name in graph.node_attributes:
            return list(graph.node_attributes[name])
        if name == "label" and graph.labels is not None:
            return list(graph.labels)
        choices = ", ".join(sorted(graph.node_attributes)) or "none"
        raise HeliosError(f"no node attribute {name!r}; the graph's attributes: {choices}")

    def _by_id(self, values: dict[Hashable, Any]) -> dict[str, Any]:
        ids = self.session.graph.node_ids
        return {ids[self._index(key)]: value for key, value in values.items()}

    # ---- graph edits ---------------------------------------------------------------------------
    def add_nodes(self, nodes: Iterable[Hashable]) -> None:
        """Add nodes (without edges: they appear near the layout's centre); ids must be new."""
        self._edit(add_nodes=list(nodes))

    def add_edges(self, edges: Iterable[tuple[Hashable, Hashable]]) -> None:
        """Add edges while the layout runs; endpoints that are not nodes yet are added and appear next
        to their neighbours; the other nodes keep their places."""
        self._edit(add_edges=[tuple(edge) for edge in edges])

    def remove_edges(self, edges: Iterable[tuple[Hashable, Hashable]]) -> None:
        """Remove edges (in either direction); an edge that is not there is an error."""
        self._edit(remove_edges=[tuple(edge) for edge in edges])

    def remove_nodes(self, nodes: Iterable[Hashable]) -> None:
        """Remove nodes and their edges; the other nodes keep their places."""
        self._edit(remove_nodes=list(nodes))

    def _edit(self, add_nodes=(), add_edges=(), remove_edges=(), remove_nodes=()) -> None:
        """One live edit by this view's keys: new keys are remembered, ids go to the session as text."""
        with self._keys_lock:
            known = set(self._index_of)
            new_keys: list[Hashable] = []

            def text(key: Hashable, adding: bool = False) -> str:
                if key not in self._index_of and not isinstance(key, str) and str(key) in self._index_of:
                    key = str(key)  # a file's ids are strings; allow 3 for "3"
                if key not in known:
                    if not adding:
                        raise HeliosError(f"no node {key!r} in this view")
                    known.add(key)
                    new_keys.append(key)
                return _id_text(key)

            for key in add_nodes:
                if key in self._index_of or (not isinstance(key, str) and str(key) in self._index_of) or key in new_keys:
                    raise HeliosError(f"node {key!r} is already in this view")
                text(key, adding=True)
            for edge in list(add_edges) + list(remove_edges):
                if len(edge) != 2:
                    raise HeliosError(f"an edge is a pair of node ids, got {edge!r}")
            added = tuple((text(u, adding=True), text(v, adding=True)) for u, v in add_edges)
            removed = tuple((text(u), text(v)) for u, v in remove_edges)
            gone = tuple(text(key) for key in remove_nodes)
            self._key_of_id.update({_id_text(key): key for key in new_keys})
        self.session.edit(GraphEdit(add_nodes=tuple(_id_text(key) for key in new_keys), remove_edges=removed,
                                    add_edges=added, remove_nodes=gone))

    # ---- callbacks -----------------------------------------------------------------------------
    def on_click(self, callback: Callable[[Hashable], object]) -> Callable[[Hashable], object]:
        """Call ``callback(node)`` whenever any viewer clicks a node (on a thread of its own; an
        exception is reported on stderr and the view goes on). Usable as a decorator."""
        self._click_callbacks.append(callback)
        self._start_callbacks()
        return callback

    def on_hover(self, callback: Callable[[Hashable | None], object]) -> Callable[[Hashable | None], object]:
        """Call ``callback(node)`` when the node under any viewer's pointer changes (None: none)."""
        self._hover_callbacks.append(callback)
        self._start_callbacks()
        return callback

    def _on_notice(self, notice: dict[str, Any]) -> None:
        """Render thread: hand clicks and hovers to the callback thread, never waiting for it."""
        kind = notice["type"]
        if (kind == "click" and notice["node"] is not None and self._click_callbacks) or (
            kind == "hover" and self._hover_callbacks
        ) or (kind == "edge_click" and self._edge_click_callbacks):
            try:
                self._events.put_nowait((kind, notice["edge"] if kind == "edge_click" else notice["node"]))
            except queue.Full:
                logger.warning("view callbacks are too slow; dropped a %s event", kind)

    def _start_callbacks(self) -> None:
        if self._callback_thread is None:
            self._callback_thread = threading.Thread(target=self._run_callbacks, name="helios-callbacks", daemon=True)
            self._callback_thread.start()

    def _run_callbacks(self) -> None:
        while True:
            kind, index = self._events.get()
            if kind == "stop":
                return
            subject = self._edge_key(index) if kind == "edge_click" else self._key(index)
            callbacks = {"click": self._click_callbacks, "hover": self._hover_callbacks,
                         "edge_click": self._edge_click_callbacks}[kind]
            for callback in list(callbacks):
                try:
                    callback(subject)
                except Exception:  # noqa: BLE001 - reported, never fatal to the view
                    self.callback_errors += 1
                    print(f"helios: the {kind} callback {getattr(callback, '__name__', callback)!r} failed:",
                          file=sys.stderr)
                    traceback.print_exc()

    # ---- camera, pictures, files ---------------------------------------------------------------
    @property
    def camera(self) -> dict[str, Any]:
        """The camera: ``position``, ``focal_point``, ``view_up``, ``parallel_scale``; assign a dict
        of the same keys (e.g. one read earlier) to move it for every viewer."""
        state = self.session.render_loop.camera_state
        if state is None:
            raise HeliosError("no picture yet: the view has not rendered its first frame")
        return dict(state)

    @camera.setter
    def camera(self, state: Mapping[str, Any]) -> None:
        names = ("position", "focal_point", "view_up", "parallel_scale")
        missing = [name for name in names if name not in state]
        if missing:
            raise HeliosError(f"a camera needs {', '.join(names)}; missing {', '.join(missing)}")
        values = {name: state[name] for name in names}
        vectors = [np.asarray(values[name], dtype=float) for name in names[:3]]
        if any(vector.shape != (3,) or not np.isfinite(vector).all() for vector in vectors) or not (
            float(values["parallel_scale"]) > 0
        ):
            raise HeliosError("camera position, focal_point and view_up are 3 finite numbers; parallel_scale > 0")
        self.session.render_loop.edit(lambda scene: scene.set_camera_state(values))

    # ---- filters and the legend ----------------------------------------------------------------
    def filter(self, mode: str = "fade", layout_shown_only: bool | None = None, **criteria: Any) -> None:
        """Show only the nodes that pass every criterion, in every viewer; no criteria shows all.

        Criteria (see :class:`helios_app.graph.filters.ViewFilter`): ``degree=(low, high)``,
        ``attribute="club", values=["Mr. Hi"]`` or ``value_range=(low, high)``, ``hidden=[legend
        entries]``, ``k_core=k``, ``hops=1..3`` (around the selection). ``mode``: ``"fade"`` or
        ``"hide"`` what is left out; ``layout_shown_only``: the layout runs on the shown part only.

        Examples
        --------
        >>> view.filter(degree=(3, 100), mode="hide")  # doctest: +SKIP
        """
        criteria = {name: list(value) if isinstance(value, tuple) else value for name, value in criteria.items()}
        self.session.set_filter({**criteria, "mode": mode}, shown_only_layout=layout_shown_only)

    @property
    def filter_criteria(self) -> dict[str, Any]:
        """The filter in force, as ``view.filter`` takes it (only the criteria that are set, and the mode)."""
        return self.session.filter.as_dict()

    def highlight(self, categories: Iterable[int] = ()) -> None:
        """Stress the nodes of these legend entries (indices, as the page's legend lists them); none clears."""
        self.session.set_highlighted(categories)

    def screenshot(self, path: str | Path | None = None) -> np.ndarray:
        """The current picture as an (height, width, 3) uint8 array; also a PNG at ``path`` if given."""
        return self.session.screenshot(path)

    def save_session(self, path: str | Path) -> Path:
        """Write positions, pins, camera, encodings and layout to a file ``helios view --session`` opens."""
        return self.session.save_session(path)

    def save_html(self, path: str | Path) -> Path:
        """Write the view as it is now (positions, camera, encodings, filter, highlights, selection, time) as one
        self-contained HTML file that anyone opens in a browser, offline, without a server or Python."""
        from helios_app.io.snapshot import write_snapshot

        write_snapshot(path, self.session.snapshot_page())
        return Path(path)

    def to_html(self) -> str:
        """The page :meth:`save_html` writes, as text."""
        return self.session.snapshot_page()

    def set_layout_parameters(self, **changes: Any) -> None:
        """Change layout parameters live (same as ``view.layout.set(...)``)."""
        self.layout.set(**changes)

    # ---- life cycle ----------------------------------------------------------------------------
    def stop(self, reason: str = "stopped from Python") -> None:
        """Stop the layout, renderer and server; every page says it stopped. Safe to call twice."""
        if self.stopped_reason is None:
            self.stopped_reason = reason
        try:
            self.session.stop(reason=reason)
        finally:
            if self._callback_thread is not None:
                self._events.put(("stop", None))
                self._callback_thread.join(2.0)
                self._callback_thread = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self.stopped_reason else self.session.url
        return f"<helios View of {self.session.graph.node_count} nodes, {state}>"


class LayoutControl:
    """``view.layout``: pause, resume or restart the layout and read or set its parameters."""

    def __init__(self, session: ViewSession) -> None:
        self._session = session

    @property
    def name(self) -> str:
        return self._session.config.layout

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters in use, as a dict."""
        parameters = self._session.worker.parameters
        return {name: getattr(parameters, name) for name in parameters.__dataclass_fields__}

    @property
    def state(self) -> str:
        """``running``, ``settled``, ``paused`` or ``stopped``."""
        return self._session.status()["layout"]["state"]

    @property
    def iteration(self) -> int:
        return self._session.worker.state.iteration

    def set(self, **changes: Any) -> None:
        """Change parameters live (a bad name or value raises and changes nothing)."""
        self._session.set_layout_parameters(**changes)

    def pause(self) -> None:
        """Hold every node where it is (the view stays interactive) until :meth:`resume`."""
        self._session.worker.pause()

    def resume(self) -> None:
        self._session.worker.resume()

    def restart(self, seed: int | None = None) -> None:
        """Start the layout again from random positions (``seed``: a new one; pins are kept)."""
        self._session.worker.restart(seed)

    def __repr__(self) -> str:
        return f"<helios layout {self.name} {self.state}, iteration {self.iteration}>"


def _id_text(key: Hashable) -> str:
    return key if isinstance(key, str) else str(key)


def _rgb(value: Any, key: Hashable) -> tuple[int, int, int]:
    """``"#rrggbb"``, 0-255 integers or 0-1 floats as an (r, g, b) of ints."""
    if isinstance(value, str):
        text = value.lstrip("#")
        if len(text) == 6:
            try:
                return tuple(int(text[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
            except ValueError:
                pass
        raise HeliosError(f"colour of node {key!r} must be '#rrggbb', got {value!r}")
    components = np.asarray(value, dtype=float).ravel()
    if components.shape != (3,) or not np.isfinite(components).all() or components.min() < 0:
        raise HeliosError(f"colour of node {key!r} must be 3 numbers, got {value!r}")
    if components.max() <= 1.0 and np.issubdtype(np.asarray(value).dtype, np.floating):
        components = components * 255.0
    if components.max() > 255:
        raise HeliosError(f"colour of node {key!r} has a component above 255: {value!r}")
    return tuple(round(c) for c in components)  # type: ignore[return-value]


def _number(value: Any, key: Hashable) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise HeliosError(f"size of node {key!r} must be a number, got {value!r}") from None
    if not np.isfinite(number):
        raise HeliosError(f"size of node {key!r} must be finite, got {value!r}")
    return number
