"""What a live view measures and what its viewers select: statistics, measures, the node selection and the
shortest path, shared by every viewer.

:class:`ViewAnalysis` owns this state for one :class:`~helios_app.session.ViewSession`: the selection (a
sorted array of node indices), the path shown, the graph's statistics, and the
:class:`~helios_app.measuring.MeasureRunner` that computes measures in the background. The session owns the
graph: a finished measure goes back to it (:meth:`ViewSession.add_measure`) and becomes a node attribute, so
colour, size, filters, the legend, the info panel, search and the session file all see it.

Pages act through :meth:`control` (editors only: the server checked the role); Python through the methods
of :class:`helios_app.view.View`. Work that may take long (a range of a measure, a path on a large graph)
runs on the session's background thread, never on the server's event loop.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from helios_app.errors import HeliosError
from helios_app.graph import Graph
from helios_app.graph.measures import MEASURES, MeasureGraph, compute, measure_graph
from helios_app.measuring import STATISTICS, Job, MeasureRunner
from helios_app.selection import combined, induced_subgraph, inside_polygon, summary
from web.protocol import MAX_INDICES, server_message

if TYPE_CHECKING:
    from helios_app.session import ViewSession

logger = logging.getLogger(__name__)

DEGREES = ("degree", "in_degree", "out_degree", "weighted_degree")  # cheap: worked out when asked for
TOP_QUERY = re.compile(r"\s*top\s+(\d{1,5})\s+(?:by\s+)?(.+?)\s*", re.IGNORECASE)  # "top 10 by PageRank"
MAX_PATHS = 100  # all shortest paths: at most this many
EXPORT_FORMATS = ("graphml", "gexf", "gml", "json", "csv")


class ViewAnalysis:
    """The measures, statistics, selection and path of one live view (see the module docstring)."""

    def __init__(self, session: ViewSession) -> None:
        self._session = session
        self._lock = threading.Lock()  # guards the selection, the path and the caches below
        self.selected = np.zeros(0, dtype=np.int64)
        self.path: dict[str, Any] | None = None
        self._path_nodes: np.ndarray | None = None
        self._path_records: np.ndarray | None = None
        self.statistics: dict[str, Any] | None = None
        self._structure: tuple[tuple, MeasureGraph] | None = None  # (what it was built from, the structure)
        self._values: dict[str, tuple[Graph, np.ndarray]] = {}
        self.runner = MeasureRunner(self._on_result, self._publish_measures, self._structure_of)

    # ---- life ---------------------------------------------------------------------------------------
    def start(self, measures: dict[str, dict[str, Any]]) -> None:
        """Work out the statistics, then the measures asked for (and those colour or size name)."""
        session = self._session
        graph, config = session.graph, session.config
        self._publish_statistics()
        self.runner.submit(graph, STATISTICS, config.weight)
        wanted = dict(measures)
        for name in (config.color_by, config.size_by):
            if name in MEASURES and name not in DEGREES and name not in graph.node_attributes:
                wanted.setdefault(name, {})
        for name, options in wanted.items():
            self.runner.submit(graph, name, config.weight, **options)
        self._publish_selection()
        self._publish(server_message("path", path=None))

    def close(self) -> None:
        self.runner.close()

    def graph_edited(self, graph: Graph, removed_nodes: bool) -> None:
        """After a live edit: node indices moved if nodes left (the selection and path end); the statistics
        are worked out again."""
        if removed_nodes:
            with self._lock:
                self.selected = np.zeros(0, dtype=np.int64)
                self.path = self._path_nodes = self._path_records = None
            self._publish_selection()
            self._publish(server_message("path", path=None))
        self.runner.submit(graph, STATISTICS, self._session.config.weight)

    # ---- pages --------------------------------------------------------------------------------------
    def control(self, event: dict[str, Any], who: str) -> str | None:
        """Act on an editor's selection, path or measure message; the error text if it is refused."""
        kind = event["type"]
        refusal = self._refusal(event)
        if refusal:
            return refusal
        try:
            if kind == "select_area":
                self.select_area(event["points"], event["mode"])
            elif kind == "select_toggle":
                self.select_at(event["x"], event["y"])
            elif kind == "select_range":
                self._in_background(self.select_range, event["measure"], event["low"], event["high"], event["mode"])
            elif kind == "select_nodes":
                self.select(event["nodes"], event["mode"])
            elif kind == "selection_action":
                self._in_background(self.selection_action, event["action"], who)
            elif kind == "path":
                self._in_background(self.shortest_path, event["source"], event["target"], event["all"])
            elif kind == "path_clear":
                self.clear_path()
            elif kind == "measure" and event["action"] == "cancel":
                self.runner.cancel(event["name"])
            elif kind == "measure":
                self.compute(event["name"], wait=False)
            else:
                return f"{kind}: not a measure or selection message"
        except HeliosError as error:
            return str(error)
        return None

    def _refusal(self, event: dict[str, Any]) -> str | None:
        """What is wrong with a page's request, naming the field, checked at once (the work runs later)."""
        kind, graph = event["type"], self._session.graph
        for field in ("source", "target") if kind == "path" else ():
            if event[field] >= graph.node_count:
                return f"path.{field}: node {event[field]} does not exist; the graph has {graph.node_count} nodes"
        if kind == "select_nodes" and any(node >= graph.node_count for node in event["nodes"]):
            return f"select_nodes.nodes: node {max(event['nodes'])} does not exist; the graph has {graph.node_count} nodes"
        if kind == "select_range":
            if event["measure"] not in DEGREES and event["measure"] not in graph.node_attributes:
                choices = ", ".join(sorted({*DEGREES, *graph.node_attributes}))
                return f"select_range.measure: no measure or node attribute {event['measure'][:60]!r}; choose from {choices}"
            if event["low"] > event["high"]:
                return f"select_range.low and select_range.high: low {event['low']:g} is above high {event['high']:g}"
        if kind == "measure" and event["name"] not in MEASURES:
            return f"measure.name: no measure {event['name'][:60]!r}; choose from {', '.join(MEASURES)}"
        if kind == "selection_action" and event["action"] != "clear" and not len(self.selected):
            return f"selection_action.action: nothing is selected to {event['action'].replace('_', ' ')}"
        return None

    def _in_background(self, action: Callable[..., object], *arguments: Any) -> None:
        """Run ``action`` on the session's background thread; a HeliosError goes to every page."""
        def run() -> None:
            try:
                action(*arguments)
            except HeliosError as error:
                self._publish(server_message("error", message=str(error)[:300]))
            except Exception as error:  # a page's request must never stop the thread
                logger.exception("%s failed", getattr(action, "__name__", "an analysis step"))
                self._publish(server_message("error", message=f"the request failed ({type(error).__name__})"))

        self._session.run_in_background(run)

    # ---- measures ---------------------------------------------------------------------------------
    def compute(self, name: str, wait: bool = True, **options: Any) -> np.ndarray | None:
        """Compute a measure of the current graph in the background; with ``wait``, block until it is a node
        attribute and return its values (aligned with the graph's nodes)."""
        session = self._session
        job = self.runner.submit(session.graph, name, session.config.weight, **options)
        if not wait:
            return None
        job.done.wait()
        if job.error is not None:
            raise HeliosError(f"measure {name}: {job.error}")
        if job.cancelled or job.result is None:
            raise HeliosError(f"measure {name} was cancelled")
        return self.node_values(name)

    @property
    def measures(self) -> dict[str, np.ndarray]:
        """Each measure computed, as float64 values aligned with the graph's nodes (NaN: a node added since)."""
        graph = self._session.graph
        return {name: self.node_values(name) for name in self.runner.finished if name in graph.node_attributes}

    def measure_options(self) -> dict[str, dict[str, Any]]:
        """The measures computed and their options (what a session file keeps, to compute them again)."""
        return {name: dict(entry["options"]) for name, entry in self.runner.finished.items()}

    def node_values(self, name: str) -> np.ndarray:
        """A measure's or numeric node attribute's value per node (NaN where a node has none); the degrees are
        worked out when asked for."""
        graph = self._session.graph
        with self._lock:
            cached = self._values.get(name)
        if cached is not None and cached[0] is graph:
            return cached[1]
        if name in DEGREES and name not in graph.node_attributes:
            values = compute(self._structure_of(graph), name).values
        elif name in graph.node_attributes:
            column = graph.node_attributes[name]
            values = np.array([value if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
                               for value in column], dtype=np.float64)
        else:
            choices = sorted({*DEGREES, *graph.node_attributes})
            raise HeliosError(f"no measure or node attribute {name[:60]!r} (yet); choose from {', '.join(choices)}"
                              + (", or compute it first" if name in MEASURES else ""))
        values.flags.writeable = False
        with self._lock:
            self._values[name] = (graph, values)
        return values

    def _structure_of(self, graph: Graph, weight: str | None = None) -> MeasureGraph:
        """The graph as the measures see it, built once while its edges and weights stay the same (a measure
        added as an attribute makes a new Graph that shares them)."""
        weight = self._session.config.weight if weight is None else weight
        sources = (graph.edges, graph.weights, graph.edge_attributes, graph.edge_directed, weight)
        with self._lock:
            cached = self._structure
        if cached is not None and all(a is b for a, b in zip(cached[0], sources, strict=True)):
            return cached[1]
        structure = measure_graph(graph, weight)
        with self._lock:
            self._structure = (sources, structure)
        return structure

    def _on_result(self, job: Job) -> None:
        if job.name == STATISTICS:
            if job.graph is self._session.graph or self.statistics is None:
                self.statistics = job.result
                self._publish_statistics()
            return
        self._session.add_measure(job.name, job.result.values, job.graph, MEASURES[job.name].categorical)

    def _publish_measures(self) -> None:
        measures, running = self.runner.listing()
        self._publish(server_message("measures", measures=measures, running=running))

    def _publish_statistics(self) -> None:
        self._publish(server_message("statistics", statistics=self.statistics))

    def top_nodes(self, query: str, count_limit: int) -> list[dict[str, Any]] | None:
        """Answer a search of the form "top 10 by pagerank" (None for any other query)."""
        match = TOP_QUERY.fullmatch(query)
        if match is None:
            return None
        name = match.group(2).strip().lower().replace(" ", "_").replace("-", "_")
        name = {"k_core": "k_core", "kcore": "k_core"}.get(name, name)
        try:
            values = self.node_values(name)
        except HeliosError:
            return None
        graph, node_degrees, texts = self._session._graph_facts()
        count = min(int(match.group(1)), count_limit, len(values))
        order = np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")[:count]
        return [{"node": int(node), "id": graph.node_ids[node], "label": texts[node], "degree": int(node_degrees[node]),
                 "value": float(values[node]) if math.isfinite(values[node]) else None} for node in order]

    # ---- selection ----------------------------------------------------------------------------------
    def select(self, nodes: Any, mode: str = "replace") -> None:
        """Change the selection by node indices (``replace``, ``add``, ``remove`` or ``toggle``)."""
        chosen = np.asarray(nodes, dtype=np.int64).reshape(-1)
        node_count = self._session.graph.node_count
        if len(chosen) and (chosen.min() < 0 or chosen.max() >= node_count):
            bad = int(chosen[(chosen < 0) | (chosen >= node_count)][0])
            raise HeliosError(f"select: node {bad} does not exist; the graph has {node_count} nodes")
        with self._lock:
            self.selected = combined(self.selected, chosen, mode)
        self._selection_changed()

    def select_area(self, points: list[list[float]], mode: str) -> None:
        """Select the drawn nodes inside a polygon on the picture (x, y in [0, 1] from the top-left)."""
        polygon = np.asarray(points, dtype=np.float64)

        def pick(scene) -> None:
            places, drawn = scene.node_places()
            self.select(np.flatnonzero(inside_polygon(places, polygon) & drawn), mode)

        self._session.render_loop.edit(pick)

    def select_at(self, x: float, y: float) -> None:
        """Add the node drawn under (x, y) to the selection, or take it out (a shift-click)."""
        def pick(scene) -> None:
            node = scene.pick(x, y)
            if node is not None:
                self.select([node], "toggle")

        self._session.render_loop.edit(pick)

    def select_range(self, name: str, low: float, high: float, mode: str = "replace") -> None:
        """Select the nodes whose measure (or numeric attribute) lies in [low, high]: a degree bar's click."""
        if low > high:
            raise HeliosError(f"select_range: low {low:g} is above high {high:g}")
        values = self.node_values(name)
        self.select(np.flatnonzero((values >= low) & (values <= high)), mode)

    def selection_action(self, action: str, who: str = "Python") -> None:
        """``clear``, ``pin``, ``unpin``, ``hide``, ``keep_only`` or ``layout_only`` (keep only, and the layout
        runs on these nodes' edges alone), for every viewer."""
        session = self._session
        with self._lock:
            nodes = self.selected.copy()
        if action == "clear":
            self.select([], "replace")
            return
        if not len(nodes):
            raise HeliosError(f"{action.replace('_', ' ')}: nothing is selected")
        if action == "pin":
            session.pin(nodes, who=who)
        elif action == "unpin":
            session.unpin(nodes, who=who)
        elif action in ("hide", "keep_only", "layout_only"):
            import dataclasses

            ids = session.graph.node_ids
            chosen = tuple(ids[node] for node in nodes)
            criteria = session.filter
            if action == "hide":
                criteria = dataclasses.replace(criteria, mode="hide",
                                               hidden_nodes=tuple(dict.fromkeys(criteria.hidden_nodes + chosen)))
                self.select([], "replace")
            else:
                criteria = dataclasses.replace(criteria, mode="hide", only_nodes=chosen)
            session.set_filter(criteria, shown_only_layout=True if action == "layout_only" else None, who=who)
        else:
            raise HeliosError(f"no selection action {action!r}")

    def selection_ids(self) -> list[str]:
        graph = self._session.graph
        with self._lock:
            nodes = self.selected.copy()
        return [graph.node_ids[node] for node in nodes if node < graph.node_count]

    def selection_subgraph(self) -> Graph:
        """The selected nodes and the edges between them, as a Graph."""
        with self._lock:
            nodes = self.selected.copy()
        return induced_subgraph(self._session.graph, nodes)

    def selection_file(self, file_format: str) -> bytes:
        """The selection's subgraph, with the nodes' positions, as a file (graphml, gexf, gml, json or csv)."""
        from helios_app.io.writers import write_positions

        if file_format not in EXPORT_FORMATS:
            raise HeliosError(f"selection.{file_format[:20]}: choose from {', '.join(EXPORT_FORMATS)}")
        session = self._session
        with self._lock:
            nodes = self.selected.copy()
        graph, positions = session.graph, session.positions()
        nodes = nodes[nodes < min(graph.node_count, len(positions))]
        subgraph = induced_subgraph(graph, nodes)
        with tempfile.TemporaryDirectory(prefix="helios-selection-") as directory:
            target = Path(directory) / f"selection.{file_format}"
            write_positions(subgraph, positions[nodes], target)
            return target.read_bytes()

    def _selection_changed(self) -> None:
        self._publish_selection()
        self._session._refresh_emphasis()

    def _publish_selection(self) -> None:
        with self._lock:
            nodes = self.selected.copy()
        graph, node_degrees, texts = self._session._graph_facts()
        nodes = nodes[nodes < graph.node_count]
        measures = {name: values for name, values in self.measures.items() if len(values) == graph.node_count}
        self._publish(server_message("node_selection", count=len(nodes), nodes=nodes[:MAX_INDICES].tolist(),
                                     summary=summary(nodes, graph.node_ids, texts, node_degrees, measures)))

    # ---- paths --------------------------------------------------------------------------------------
    def shortest_path(self, source: int, target: int, all_paths: bool = False) -> dict[str, Any]:
        """Find and show the shortest path (or all of them) from ``source`` to ``target`` (indices), weighted
        when the graph has weights, directed when it is directed; returns what the pages are told."""
        from helios_app.graph.measures.paths import shortest_paths

        graph = self._session.graph
        for end in (source, target):
            if not 0 <= end < graph.node_count:
                raise HeliosError(f"path: node {end} does not exist; the graph has {graph.node_count} nodes")
        structure = self._structure_of(graph)
        length, paths = shortest_paths(structure, int(source), int(target), all_paths=all_paths, max_paths=MAX_PATHS)
        _, _, texts = self._session._graph_facts(graph)
        found = math.isfinite(length)
        shown = {
            "source": int(source), "target": int(target), "source_label": texts[source], "target_label": texts[target],
            "length": float(length) if found else None, "hops": len(paths[0]) - 1 if paths else None,
            "paths": [[int(node) for node in path] for path in paths], "weighted": structure.weighted,
            "directed": structure.directed, "all": bool(all_paths),
        }
        nodes = np.unique(np.concatenate([np.asarray(path, dtype=np.int64) for path in paths])) if paths else None
        records = _path_records(graph, paths) if paths else None
        with self._lock:
            self.path, self._path_nodes, self._path_records = shown, nodes, records
        self._publish(server_message("path", path=shown))
        self._session._refresh_emphasis()
        return shown

    def clear_path(self) -> None:
        with self._lock:
            self.path = self._path_nodes = self._path_records = None
        self._publish(server_message("path", path=None))
        self._session._refresh_emphasis()

    # ---- the picture ----------------------------------------------------------------------------------
    def masks(self, graph: Graph) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The nodes the selection and the path stress (bool per node) and the path's edge records (bool per
        record); None where there is nothing to stress."""
        with self._lock:
            selected, path_nodes, path_records = self.selected, self._path_nodes, self._path_records
        nodes = None
        if len(selected) or path_nodes is not None:
            nodes = np.zeros(graph.node_count, dtype=bool)
            for chosen in (selected, path_nodes):
                if chosen is not None:
                    nodes[chosen[chosen < graph.node_count]] = True
        records = None
        if path_records is not None and len(path_records) == graph.edge_count:
            records = path_records
        return nodes, records

    def _publish(self, message: dict[str, Any]) -> None:
        self._session.messages.publish(message)


def _path_records(graph: Graph, paths: list[list[int]]) -> np.ndarray:
    """The edge records along the paths (both directions of an undirected record)."""
    scale = max(graph.node_count, 1)
    steps = {(int(a), int(b)) for path in paths for a, b in itertools.pairwise(path)}
    wanted = np.array(sorted(a * scale + b for a, b in steps), dtype=np.int64)
    forward = graph.edges[:, 0].astype(np.int64) * scale + graph.edges[:, 1]
    backward = graph.edges[:, 1].astype(np.int64) * scale + graph.edges[:, 0]
    return np.isin(forward, wanted) | (np.isin(backward, wanted) & ~graph.edge_directions())
