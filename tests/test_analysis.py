"""Measures, the node selection and paths in a live view, in a plain process: a real ViewSession (layout worker,
off-screen renderer, server on port 0) driven from Python, checked against networkx on real graphs."""

import itertools
import json
import queue
import time
from xml.etree import ElementTree

import networkx as nx
import numpy as np
import pytest

from helios_app.config import ViewConfig
from helios_app.errors import HeliosError
from helios_app.graph import Graph
from helios_app.io.read import read_graph
from helios_app.measuring import MeasureRunner
from helios_app.selection import combined, induced_subgraph, inside_polygon
from helios_app.session import ViewSession
from helios_app.view import View


def _wait(predicate, timeout_s=30.0, what="condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _scene_value(session, function):
    answer: queue.Queue = queue.Queue()
    session.render_loop.edit(lambda scene: answer.put(function(scene)))
    return answer.get(timeout=10)


def _networkx(graph: Graph, directed: bool) -> nx.Graph:
    """The simple graph the measures see: self-loops dropped, parallel records merged (weights summed)."""
    reference = nx.DiGraph() if directed else nx.Graph()
    reference.add_nodes_from(range(graph.node_count))
    weights = graph.weights if graph.weights is not None else np.ones(graph.edge_count)
    for (u, v), weight in zip(graph.edges.tolist(), weights.tolist(), strict=True):
        if u != v:
            previous = reference.get_edge_data(u, v, {"weight": 0.0})["weight"]
            reference.add_edge(u, v, weight=previous + weight)
    return reference


@pytest.fixture
def lesmis_view(shared_data):
    session = ViewSession(read_graph(shared_data / "lesmis.gml"), ViewConfig(autosave=False)).start()
    try:
        yield View(session)
    finally:
        session.stop()


# ---- pure parts ------------------------------------------------------------------------------------
def test_polygon_holds_the_points_inside_it():
    points = np.array([[0.5, 0.5], [0.1, 0.1], [0.9, 0.5], [0.3, 0.7], [0.31, 0.2]])
    box = np.array([[0.2, 0.2], [0.8, 0.2], [0.8, 0.8], [0.2, 0.8]])
    assert inside_polygon(points, box).tolist() == [True, False, False, True, True]
    # A concave lasso (a U): the notch's point is outside, the arms' are inside.
    u_shape = np.array([[0.1, 0.1], [0.3, 0.1], [0.3, 0.6], [0.7, 0.6], [0.7, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9]])
    assert inside_polygon(np.array([[0.5, 0.3], [0.2, 0.3], [0.8, 0.3], [0.5, 0.8]]), u_shape).tolist() == \
        [False, True, True, True]
    many = np.random.default_rng(0).random((200_000, 2))  # in chunks, the same answer as a direct test
    inside = inside_polygon(many, box)
    assert np.array_equal(inside, np.all((many > 0.2) & (many < 0.8), axis=1))


def test_selection_modes_combine():
    current = np.array([1, 2, 3])
    assert combined(current, [3, 4], "replace").tolist() == [3, 4]
    assert combined(current, [3, 4], "add").tolist() == [1, 2, 3, 4]
    assert combined(current, [3, 4], "remove").tolist() == [1, 2]
    assert combined(current, [3, 4], "toggle").tolist() == [1, 2, 4]
    with pytest.raises(ValueError, match="mode"):
        combined(current, [1], "xor")


def test_induced_subgraph_keeps_attributes_weights_and_direction(shared_data):
    graph = read_graph(shared_data / "celegansneural.gml")
    nodes = np.arange(0, graph.node_count, 3)
    subgraph = induced_subgraph(graph, nodes)
    reference = nx.MultiDiGraph()
    reference.add_nodes_from(nodes.tolist())
    reference.add_edges_from((u, v) for u, v in graph.edges.tolist() if u % 3 == 0 and v % 3 == 0)
    assert subgraph.node_count == len(nodes) and subgraph.edge_count == reference.number_of_edges()
    assert subgraph.directed and subgraph.weights is not None
    assert subgraph.node_ids == [graph.node_ids[node] for node in nodes]
    kept = np.flatnonzero((graph.edges[:, 0] % 3 == 0) & (graph.edges[:, 1] % 3 == 0))
    assert np.array_equal(subgraph.weights, graph.weights[kept])


def test_measure_runner_reports_progress_and_cancels(shared_data):
    graph = read_graph(shared_data / "as-22july06.gml")
    changes = []
    runner = MeasureRunner(on_result=lambda job: None, on_change=lambda: changes.append(runner.listing()[1]))
    try:
        job = runner.submit(graph, "betweenness", "weight", samples=20_000)
        _wait(lambda: any(state and state["name"] == "betweenness" and state["fraction"] > 0 for state in changes),
              60, "progress")
        assert runner.cancel("betweenness")
        assert job.done.wait(10) and job.cancelled and job.result is None
        assert "betweenness" not in runner.finished
        done = runner.submit(graph, "k_core", "weight")
        assert done.done.wait(30) and done.error is None
        assert runner.finished["k_core"]["details"]["max_core"] == max(nx.core_number(nx.Graph(
            [(u, v) for u, v in graph.layout_edges().tolist()])).values())
        with pytest.raises(HeliosError, match="no measure 'pagerrank'"):
            runner.submit(graph, "pagerrank")
        with pytest.raises(HeliosError, match="only betweenness takes samples"):
            runner.submit(graph, "pagerank", samples=5)
    finally:
        runner.close()


# ---- a live view ----------------------------------------------------------------------------------
def test_measures_become_attributes_everywhere(lesmis_view, shared_data, tmp_path):
    view, session = lesmis_view, lesmis_view.session
    graph = read_graph(shared_data / "lesmis.gml")
    reference = _networkx(graph, directed=False)
    pagerank = view.compute("pagerank")
    expected = nx.pagerank(reference, tol=1e-13, max_iter=10_000)
    assert np.allclose(pagerank, [expected[node] for node in range(graph.node_count)], atol=1e-6)
    assert np.array_equal(view.measures["pagerank"], pagerank)
    assert session.graph.node_attributes["pagerank"] == pagerank.tolist()  # a node attribute
    assert "pagerank" in session.describe()["attributes"]  # the pages' filter and colour choices
    info = session.node_info(11)
    assert info["attributes"]["pagerank"] == pytest.approx(expected[11], abs=1e-6)  # the info panel
    top = session.search("top 3 by PageRank")  # search
    assert [match["node"] for match in top] == sorted(expected, key=expected.get, reverse=True)[:3]
    session.set_encoding(color_by="pagerank", size_by="pagerank")  # colour and size
    _wait(lambda: session._encoding is not None and session._encoding.color_by == "pagerank", 10, "the encoding")
    session.set_filter({"attribute": "pagerank", "value_range": [0.02, 1.0], "mode": "hide"})  # filters
    _wait(lambda: _filter_shown(session) == sum(value >= 0.02 for value in pagerank), 10, "the filter")
    communities = view.compute("louvain")  # communities: categories, modularity in the details
    details = session.analysis.runner.finished["louvain"]["details"]
    partition = [set(np.flatnonzero(communities == label).tolist()) for label in np.unique(communities)]
    assert details["modularity"] == pytest.approx(nx.community.modularity(reference, partition), abs=1e-9)
    saved = session.save_session(tmp_path / "view.helios.json")  # the session file keeps them
    assert set(json.loads(saved.read_text())["encodings"]["measures"]) == {"pagerank", "louvain"}
    restored = ViewSession(graph, ViewConfig(autosave=False, session_file=str(saved))).start()
    try:
        restored_view = View(restored)
        _wait(lambda: {"pagerank", "louvain"} <= set(restored_view.measures), 60, "the measures computed again")
        assert np.allclose(restored_view.measures["pagerank"], pagerank, atol=1e-12)
        assert np.array_equal(restored_view.measures["louvain"], communities)
    finally:
        restored.stop()


class _Listener:
    """A stand-in page connection: the message hub replays the latest message of each type to it."""

    def send(self, message):
        pass


def _latest(session):
    listener = _Listener()
    messages = session.messages.add(listener)
    session.messages.remove(listener)
    return {message["type"]: message for message in messages}


def _filter_shown(session):
    return _latest(session).get("filter", {}).get("shown")


def test_selection_by_range_area_toggle_and_actions(lesmis_view, shared_data):
    view, session = lesmis_view, lesmis_view.session
    graph = read_graph(shared_data / "lesmis.gml")
    degree = np.array([d for _, d in sorted(_networkx(graph, directed=False).degree())])
    session.analysis.select_range("degree", 10, 10)
    assert sorted(view.selection) == sorted(graph.node_ids[node] for node in np.flatnonzero(degree == 10))
    latest = _latest(session)
    assert latest["node_selection"]["count"] == int((degree == 10).sum())
    assert latest["node_selection"]["summary"]["top"][0]["degree"] == 10
    view.select(["11"], mode="add")
    assert "11" in view.selection and len(view.selection) == int((degree == 10).sum()) + 1
    view.select(["11"], mode="toggle")
    assert "11" not in view.selection
    with pytest.raises(HeliosError, match="no node"):
        view.select(["no such node"])

    # An area: the nodes whose picture position lies in the box, computed here from the same positions.
    view.layout.pause()
    time.sleep(0.3)
    places, drawn = _scene_value(session, lambda scene: scene.node_places())
    box = [[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [0.0, 1.0]]
    session.analysis.select_area(box, "replace")
    expected = {graph.node_ids[node] for node in np.flatnonzero((places[:, 0] < 0.5) & drawn)}
    _wait(lambda: set(view.selection) == expected, 10, "the area selection")
    assert 0 < len(expected) < graph.node_count

    # Stressed for everyone: the scene's highlight is the selection.
    def stressed():
        mask = _scene_value(session, lambda scene: None if scene._highlighted is None else scene._highlighted.copy())
        return None if mask is None else {graph.node_ids[node] for node in np.flatnonzero(mask)}

    _wait(lambda: stressed() == expected, 10, "the scene to stress the selection")

    session.analysis.selection_action("keep_only")
    _wait(lambda: _filter_shown(session) == len(expected), 10, "keep only")
    session.analysis.selection_action("pin")
    _wait(lambda: {graph.node_ids[node] for node in session.worker.pinned} == expected, 10, "pins")
    session.analysis.selection_action("clear")
    assert view.selection == []
    with pytest.raises(HeliosError, match="nothing is selected"):
        session.analysis.selection_action("hide")


def test_shortest_paths_match_networkx_and_are_shown(shared_data):
    graph = read_graph(shared_data / "celegansneural.gml")  # directed and weighted
    reference = _networkx(graph, directed=True)
    session = ViewSession(graph, ViewConfig(autosave=False)).start()
    try:
        view = View(session)
        rng = np.random.default_rng(3)
        checked = 0
        for source, target in rng.integers(0, graph.node_count, size=(25, 2)).tolist():
            path = view.shortest_path(graph.node_ids[source], graph.node_ids[target])
            try:
                length = nx.shortest_path_length(reference, source, target, weight="weight")
            except nx.NetworkXNoPath:
                assert path == [] and session.analysis.path["length"] is None
                continue
            assert session.analysis.path["length"] == pytest.approx(length, rel=1e-12)
            indices = [graph.node_ids.index(node) for node in path]
            assert sum(reference[a][b]["weight"] for a, b in itertools.pairwise(indices)) == \
                pytest.approx(length, rel=1e-12)
            checked += 1
        assert checked >= 10
        target = max(nx.descendants(reference, 0))  # reachable
        every = view.shortest_path(graph.node_ids[0], graph.node_ids[target], all_paths=True)
        expected = list(nx.all_shortest_paths(reference, 0, target, weight="weight"))
        assert sorted(tuple(graph.node_ids.index(node) for node in path) for path in every) == \
            sorted(map(tuple, expected))
        _, records = session.analysis.masks(session.graph)
        assert records is not None and records.sum() >= len(expected[0]) - 1  # the path's edges are stressed
        session.analysis.clear_path()
        assert session.analysis.masks(session.graph) == (None, None)
    finally:
        session.stop()


def test_selection_exports_as_a_graph_file(lesmis_view):
    view, session = lesmis_view, lesmis_view.session
    view.select(["11", "48", "55", "0"])
    subgraph = view.selection_subgraph()
    assert sorted(subgraph.nodes) == ["0", "11", "48", "55"]
    assert subgraph.nodes["11"]["label"] == "Valjean"
    reference = _networkx(read_graph(session.graph.source), directed=False).subgraph([0, 11, 48, 55])
    assert subgraph.number_of_edges() == reference.number_of_edges()
    document = ElementTree.fromstring(session.analysis.selection_file("graphml"))
    namespace = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(document.findall(".//g:node", namespace)) == 4
    assert len(document.findall(".//g:edge", namespace)) == reference.number_of_edges()
    with pytest.raises(HeliosError, match="choose from"):
        session.analysis.selection_file("exe")


def test_colour_by_a_measure_not_computed_yet_computes_it_at_start(shared_data):
    """`helios view --color-by pagerank --measure k_core`: degree colours until PageRank arrives, then PageRank's."""
    graph = read_graph(shared_data / "polbooks.gml")
    session = ViewSession(graph, ViewConfig(autosave=False, color_by="pagerank", measures={"k_core": {}})).start()
    try:
        _wait(lambda: session._encoding is not None and session._encoding.color_by == "pagerank", 60,
              "the PageRank colouring")
        assert {"pagerank", "k_core"} <= set(View(session).measures)
        reference = _networkx(graph, directed=False)
        assert View(session).measures["k_core"].tolist() == [nx.core_number(reference)[node]
                                                             for node in range(graph.node_count)]
    finally:
        session.stop()


def test_a_measure_column_shares_the_graph_s_arrays(shared_data):
    graph = read_graph(shared_data / "lesmis.gml")
    layout_edges = graph.layout_edges()
    measured = graph.with_node_attributes({"rank": list(range(graph.node_count))})
    assert measured.edges is graph.edges and measured.layout_edges() is layout_edges
    assert measured.node_attributes["rank"][5] == 5 and "rank" not in graph.node_attributes
    assert measured.node_attributes.keys() > graph.node_attributes.keys()
    with pytest.raises(HeliosError, match="node_attributes"):
        graph.with_node_attributes({"rank": [1, 2]})
