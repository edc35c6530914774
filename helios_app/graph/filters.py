"""What part of a graph a view shows and stresses: filters and legend highlights, numpy only.

A :class:`ViewFilter` is plain data (a page, ``view.filter(...)``, a session file and a shared URL
all carry it as JSON); :func:`shown_nodes` turns it into a node mask. Every criterion narrows: a
node is shown when it passes all of them. Nodes the filter leaves out fade (``mode="fade"``) or
vanish with their edges (``mode="hide"``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from helios_app.errors import HeliosError, shown

MAX_HOPS = 3
MODES = ("fade", "hide")
MAX_VALUES = 100  # attribute values one filter may list
MAX_NODE_IDS = 1_000_000  # node ids one filter may keep or hide (a selection's "keep only" or "hide")


@dataclass(frozen=True)
class ViewFilter:
    """The criteria of a view's filter; the default shows everything.

    Attributes
    ----------
    degree : (low, high) or None
        Keep nodes whose degree lies in the closed range.
    attribute : str or None
        A node attribute (or ``label``) that ``values`` or ``value_range`` test.
    values : tuple of str
        Keep nodes whose ``attribute``, as text, is one of these.
    value_range : (low, high) or None
        Keep nodes whose numeric ``attribute`` lies in the closed range.
    hidden : tuple of int
        Legend entries (categories or colour bins) whose nodes are left out.
    k_core : int
        Keep the k-core: the largest subgraph in which every node has at least k neighbours (0: off).
    hops : int
        Keep the selected node and its neighbours up to this many hops (0: off; 1 to 3).
    mode : str
        ``fade`` or ``hide`` what is left out.
    time : (start, end) or None
        Of a dynamic graph, show what is present during the closed window (``start == end``: at that
        time); what is absent then is hidden whatever the mode, and the layout follows (see
        ``helios_app.graph.timeline``). Degree, k-core and hops count the edges present then.
    edge_attribute : str or None
        An edge attribute (or ``weight``) that ``edge_values`` or ``edge_range`` test: edges that fail are
        hidden, their nodes stay (see :func:`shown_edges`).
    edge_values : tuple of str
        Keep edges whose ``edge_attribute``, as text, is one of these.
    edge_range : (low, high) or None
        Keep edges whose numeric ``edge_attribute`` lies in the closed range.
    edge_hidden : tuple of int
        Edge legend entries whose edges are hidden.
    only_nodes : tuple of str
        Keep only the nodes of these ids (a selection's "keep only"; empty: off).
    hidden_nodes : tuple of str
        Leave out the nodes of these ids (a selection's "hide").
    """

    degree: tuple[float, float] | None = None
    attribute: str | None = None
    values: tuple[str, ...] = ()
    value_range: tuple[float, float] | None = None
    hidden: tuple[int, ...] = ()
    k_core: int = 0
    hops: int = 0
    mode: str = "fade"
    time: tuple[float, float] | None = None
    edge_attribute: str | None = None
    edge_values: tuple[str, ...] = ()
    edge_range: tuple[float, float] | None = None
    edge_hidden: tuple[int, ...] = ()
    only_nodes: tuple[str, ...] = ()
    hidden_nodes: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self != ViewFilter(mode=self.mode)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, with only the criteria that are set (and the mode)."""
        default = ViewFilter()
        return {name: list(value) if isinstance(value, tuple) else value
                for name, value in dataclasses.asdict(self).items()
                if value != getattr(default, name) or name == "mode"}

    @classmethod
    def from_dict(cls, data: Any, where: str = "filter") -> ViewFilter:
        """Build and check a filter from JSON (a page, a session file, ``view.filter``).

        Raises
        ------
        HeliosError
            Naming the field that is wrong.
        """
        if not isinstance(data, dict):
            raise HeliosError(f"{where} must be an object of criteria, got {type(data).__name__}")
        names = {item.name for item in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise HeliosError(f"{where}: unknown criteria {', '.join(map(str, unknown))}; choose from {', '.join(sorted(names))}")
        values: dict[str, Any] = {}
        for name in ("degree", "value_range", "time", "edge_range"):
            if data.get(name) is not None:
                values[name] = _range(data[name], f"{where}.{name}")
        for name in ("attribute", "edge_attribute"):
            if data.get(name) not in (None, ""):
                if not isinstance(data[name], str) or len(data[name]) > 200:
                    raise HeliosError(f"{where}.{name} must be an attribute name")
                values[name] = data[name]
        for name, kind in (("values", str), ("hidden", int), ("edge_values", str), ("edge_hidden", int)):
            items = data.get(name) or ()
            if not isinstance(items, (list, tuple)) or len(items) > MAX_VALUES or not all(
                    isinstance(item, kind) and not isinstance(item, bool) for item in items):
                raise HeliosError(f"{where}.{name} must be a list of at most {MAX_VALUES} "
                                  f"{'strings' if kind is str else 'integers'}")
            values[name] = tuple(items)
        for name in ("only_nodes", "hidden_nodes"):
            items = data.get(name) or ()
            if not isinstance(items, (list, tuple)) or len(items) > MAX_NODE_IDS or not all(
                    isinstance(item, str) for item in items):
                raise HeliosError(f"{where}.{name} must be a list of at most {MAX_NODE_IDS:,} node ids (strings)")
            values[name] = tuple(items)
        for name, high in (("k_core", 10**6), ("hops", MAX_HOPS)):
            number = data.get(name, 0)
            if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= high:
                raise HeliosError(f"{where}.{name} must be an integer from 0 to {high}, got {shown(number)}")
            values[name] = number
        mode = data.get("mode", "fade")
        if mode not in MODES:
            raise HeliosError(f"{where}.mode must be one of {', '.join(MODES)}, got {shown(mode)}")
        values["mode"] = mode
        if (values.get("values") or values.get("value_range")) and not values.get("attribute"):
            raise HeliosError(f"{where}: values and value_range need an attribute")
        if (values.get("edge_values") or values.get("edge_range")) and not values.get("edge_attribute"):
            raise HeliosError(f"{where}: edge_values and edge_range need an edge_attribute")
        return cls(**values)


def _range(value: Any, where: str) -> tuple[float, float]:
    bounds = None
    if (isinstance(value, (list, tuple)) and len(value) == 2
            and all(isinstance(bound, (int, float, np.integer, np.floating)) and not isinstance(bound, (bool, np.bool_))
                    for bound in value)):
        try:
            bounds = float(value[0]), float(value[1])
        except OverflowError:  # an integer beyond the floats (10**400 in a JSON file)
            bounds = None
    if bounds is None or not all(map(math.isfinite, bounds)) or bounds[0] > bounds[1]:
        raise HeliosError(f"{where} must be [low, high] with finite low <= high, got {shown(value)[:80]}")
    return bounds


@dataclass
class GraphFacts:
    """What filtering needs to know of a graph: its edges, degrees, attributes and legend entries."""

    edges: np.ndarray  # (m, 2) undirected layout edges
    node_count: int
    attributes: dict[str, list] = field(default_factory=dict)
    categories: np.ndarray | None = None  # each node's legend entry
    node_ids: list[str] | None = None  # needed by the only_nodes and hidden_nodes criteria

    @property
    def degrees(self) -> np.ndarray:
        return np.bincount(self.edges.ravel(), minlength=self.node_count)


def shown_nodes(facts: GraphFacts, criteria: ViewFilter, selection: int | None = None) -> np.ndarray:
    """The nodes that pass every criterion: a bool array of ``facts.node_count``.

    Raises
    ------
    HeliosError
        If the filter names an attribute the graph does not have.
    """
    shown = np.ones(facts.node_count, dtype=bool)
    if criteria.degree is not None:
        degree = facts.degrees
        shown &= (degree >= criteria.degree[0]) & (degree <= criteria.degree[1])
    if criteria.attribute is not None and (criteria.values or criteria.value_range is not None):
        if criteria.attribute not in facts.attributes:
            raise HeliosError(f"filter.attribute: no node attribute {criteria.attribute!r}; choose from "
                              f"{', '.join(sorted(facts.attributes)) or 'none (the graph has no attributes)'}")
        column = facts.attributes[criteria.attribute]
        if criteria.values:
            wanted = set(criteria.values)
            shown &= np.fromiter((str(value) in wanted for value in column), dtype=bool, count=len(column))
        if criteria.value_range is not None:
            low, high = criteria.value_range
            numbers = np.array([value if isinstance(value, (int, float)) and not isinstance(value, bool) else np.nan
                                for value in column], dtype=np.float64)
            shown &= (numbers >= low) & (numbers <= high)
    if criteria.hidden and facts.categories is not None:
        shown &= ~np.isin(facts.categories, criteria.hidden)
    for names, keep in ((criteria.only_nodes, True), (criteria.hidden_nodes, False)):
        if names:
            wanted = set(names)
            chosen = np.fromiter((node_id in wanted for node_id in facts.node_ids or ()), dtype=bool,
                                 count=len(facts.node_ids or ()))
            shown &= chosen if keep else ~chosen
    if criteria.k_core:
        shown &= k_core(facts.edges, facts.node_count, criteria.k_core)
    if criteria.hops:
        shown &= neighbourhood(facts.edges, facts.node_count, selection, criteria.hops)
    return shown


def shown_edges(edge_attributes: dict[str, list], edge_count: int, criteria: ViewFilter,
                edge_categories: np.ndarray | None = None) -> np.ndarray | None:
    """The edge records that pass the filter's edge criteria (None when it has none): a bool array.

    ``edge_attributes`` holds every edge attribute a filter may test, ``weight`` included.

    Raises
    ------
    HeliosError
        If the filter names an edge attribute the graph does not have.
    """
    if not (criteria.edge_hidden or (criteria.edge_attribute and (criteria.edge_values or criteria.edge_range))):
        return None
    shown = np.ones(edge_count, dtype=bool)
    if criteria.edge_attribute and (criteria.edge_values or criteria.edge_range is not None):
        if criteria.edge_attribute not in edge_attributes:
            raise HeliosError(f"filter.edge_attribute: no edge attribute {criteria.edge_attribute!r}; choose from "
                              f"{', '.join(sorted(edge_attributes)) or 'none (the graph has no edge attributes)'}")
        column = edge_attributes[criteria.edge_attribute]
        if criteria.edge_values:
            wanted = set(criteria.edge_values)
            shown &= np.fromiter((edge_filter_text(value) in wanted for value in column), dtype=bool, count=edge_count)
        if criteria.edge_range is not None:
            low, high = criteria.edge_range
            numbers = np.array([value if isinstance(value, (int, float)) and not isinstance(value, bool) else np.nan
                                for value in column], dtype=np.float64)
            shown &= (numbers >= low) & (numbers <= high)
    if criteria.edge_hidden and edge_categories is not None:
        shown &= ~np.isin(edge_categories, criteria.edge_hidden)
    return shown


def json_value(value: Any) -> Any:
    """A node or edge attribute as JSON: numbers and strings as they are (a non-finite float as text),
    anything else as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if hasattr(value, "item"):
        return json_value(value.item())
    return str(value)


def edge_filter_text(value: Any) -> str:
    """An attribute value as a filter's text compares it (``2.0`` as ``2``, like the page shows it)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def k_core(edges: np.ndarray, node_count: int, k: int) -> np.ndarray:
    """The nodes of the k-core (networkx's ``k_core`` of the simple graph), by peeling: nodes with
    fewer than ``k`` remaining neighbours leave, round after round, until none does."""
    edges = _simple(edges)
    inside = np.ones(node_count, dtype=bool)
    while True:
        alive = edges[inside[edges[:, 0]] & inside[edges[:, 1]]]
        degree = np.bincount(alive.ravel(), minlength=node_count)
        leaving = inside & (degree < k)
        if not leaving.any():
            return inside
        inside &= ~leaving
        edges = alive


def neighbourhood(edges: np.ndarray, node_count: int, node: int | None, hops: int) -> np.ndarray:
    """``node`` and every node within ``hops`` edges of it; nothing if there is no node."""
    reached = np.zeros(node_count, dtype=bool)
    if node is None or not 0 <= node < node_count:
        return reached
    both_ways = np.concatenate([edges, edges[:, ::-1]]) if len(edges) else np.zeros((0, 2), dtype=np.int64)
    reached[node] = True
    for _ in range(hops):
        grown = reached.copy()
        grown[both_ways[reached[both_ways[:, 0]], 1]] = True
        if (grown == reached).all():
            break
        reached = grown
    return reached


def _simple(edges: np.ndarray) -> np.ndarray:
    """Edges without self loops or repeats (either direction)."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    edges = edges[edges[:, 0] != edges[:, 1]]
    return np.unique(np.sort(edges, axis=1), axis=0)
