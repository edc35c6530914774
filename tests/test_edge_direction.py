"""Per-edge direction (issue 21): GraphML ``directed``, GEXF ``type`` and Pajek ``*Arcs``/``*Edges`` in one
file read to ``Graph.edge_directed``; writers, edits and the fingerprint carry it; a graph whose edges are all
one kind stays as it was (``edge_directed`` None, the same fingerprint)."""

import logging
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from helios_app.errors import HeliosError
from helios_app.graph import Graph, graph_fingerprint
from helios_app.graph.edits import GraphEdit, apply_edit, inverse_edit
from helios_app.io import read_graph
from helios_app.io.writers import write_positions

REPOSITORY = Path(__file__).resolve().parent.parent
KARATE_FINGERPRINT = "sha256:b19f2b11f1ff8d353bcc38f7f42a7d86"  # data/karate.gml before per-edge direction


def _graphml(edgedefault: str, edges: list[tuple[str, str, str | None]]) -> str:
    lines = [
        '<?xml version="1.0"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
        f'<graph edgedefault="{edgedefault}">',
        '<node id="a"/><node id="b"/><node id="c"/>',
    ]
    for source, target, directed in edges:
        flag = f' directed="{directed}"' if directed is not None else ""
        lines.append(f'<edge source="{source}" target="{target}"{flag}/>')
    lines.append("</graph></graphml>")
    return "\n".join(lines) + "\n"


def _gexf(default_type: str, edges: list[tuple[str, str, str | None]]) -> str:
    lines = [
        '<?xml version="1.0"?>',
        '<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">',
        f'<graph defaultedgetype="{default_type}">',
        '<nodes><node id="a"/><node id="b"/><node id="c"/></nodes>',
        "<edges>",
    ]
    for number, (source, target, edge_type) in enumerate(edges):
        flag = f' type="{edge_type}"' if edge_type is not None else ""
        lines.append(f'<edge id="{number}" source="{source}" target="{target}"{flag}/>')
    lines.append("</edges></graph></gexf>")
    return "\n".join(lines) + "\n"


def _records(graph: Graph) -> list[tuple[str, str, bool]]:
    ids = graph.node_ids
    return [(ids[u], ids[v], flag) for (u, v), flag in zip(graph.edges.tolist(), graph.edge_directions().tolist())]


# ----------------------------------------------------------------------------------------------------------
# Readers


def test_graphml_edge_directed_overrides_edgedefault(tmp_path):
    path = tmp_path / "mixed.graphml"
    path.write_text(_graphml("undirected", [("a", "b", "true"), ("b", "c", None), ("c", "a", "false"),
                                            ("a", "b", "true")]))
    graph = read_graph(path)
    assert _records(graph) == [("a", "b", True), ("b", "c", False), ("c", "a", False), ("a", "b", True)]
    assert graph.directed and graph.edge_directed is not None
    assert graph.layout_edges().tolist() == [[0, 1], [0, 2], [1, 2]]  # parallel records still merged
    with pytest.raises(nx.NetworkXError, match="directed=true edge found in undirected graph"):
        nx.read_graphml(path)  # networkx refuses a file that mixes the two kinds


@pytest.mark.parametrize(
    ("edgedefault", "flags", "directed"),
    [
        ("directed", [None, "true"], True),
        ("undirected", [None, "false"], False),
        ("undirected", ["true", "true"], True),  # every edge overrides the default: a directed graph
    ],
)
def test_graphml_with_edges_of_one_kind_sets_directed_only(tmp_path, edgedefault, flags, directed):
    path = tmp_path / "one_kind.graphml"
    path.write_text(_graphml(edgedefault, [("a", "b", flags[0]), ("b", "c", flags[1])]))
    graph = read_graph(path)
    assert graph.directed is directed and graph.edge_directed is None
    assert graph.edge_directions().tolist() == [directed, directed]
    if all(flag is None or (flag == "true") == (edgedefault == "directed") for flag in flags):
        assert nx.read_graphml(path).is_directed() is directed  # networkx reads these the same way


def test_gexf_edge_type_overrides_defaultedgetype_and_mutual_is_undirected(tmp_path):
    path = tmp_path / "mixed.gexf"
    path.write_text(_gexf("directed", [("a", "b", None), ("b", "c", "undirected"), ("c", "a", "mutual"),
                                       ("b", "a", "directed")]))
    graph = read_graph(path)
    assert _records(graph) == [("a", "b", True), ("b", "c", False), ("c", "a", False), ("b", "a", True)]
    assert graph.directed and graph.edge_directed is not None
    with pytest.raises(nx.NetworkXError, match="Undirected edge found in directed graph"):
        nx.read_gexf(path)

    path.write_text(_gexf("undirected", [("a", "b", None), ("b", "c", "mutual")]))
    graph = read_graph(path)
    assert not graph.directed and graph.edge_directed is None
    assert nx.read_gexf(path).is_directed() is False
    path.write_text(_gexf("mutual", [("a", "b", None), ("b", "c", "directed")]))
    assert _records(read_graph(path)) == [("a", "b", False), ("b", "c", True)]


def test_pajek_arcs_and_edges_in_one_file(tmp_path):
    path = tmp_path / "mixed.net"
    path.write_text('*Vertices 3\n1 "a"\n2 "b"\n3 "c"\n*Arcs\n1 2\n2 3\n*Edges\n3 1\n1 2\n')
    graph = read_graph(path)
    assert graph.labels == ["a", "b", "c"]
    assert [flag for *_, flag in _records(graph)] == [True, True, False, False]
    assert graph.edges.tolist() == [[0, 1], [1, 2], [2, 0], [0, 1]] and graph.directed
    # networkx takes the first section's kind for the whole file (here every record becomes an arc); the
    # records it reads are ours.
    reference = nx.read_pajek(path)
    assert reference.is_directed()
    labels = graph.labels
    assert sorted(reference.edges()) == sorted((labels[u], labels[v]) for u, v in graph.edges.tolist())

    path.write_text("*Vertices 3\n*Arcslist\n1 2 3\n*Edgeslist\n3 1\n")
    assert [flag for *_, flag in _records(read_graph(path))] == [True, True, False]
    path.write_text("*Vertices 3\n*Edges\n1 2\n*Arcs\n")  # an empty *Arcs section adds no arc
    graph = read_graph(path)
    assert not graph.directed and graph.edge_directed is None


# ----------------------------------------------------------------------------------------------------------
# Writers


@pytest.mark.parametrize("suffix", [".graphml", ".gexf", ".graphml.gz"])
def test_graphml_and_gexf_round_trips_keep_each_edges_direction(tmp_path, suffix):
    source = tmp_path / "mixed.graphml"
    source.write_text(_graphml("directed", [("a", "b", None), ("b", "c", "false"), ("c", "a", None),
                                            ("a", "c", "false")]))
    graph = read_graph(source)
    written = write_positions(graph, np.arange(6, dtype=float).reshape(3, 2), tmp_path / f"out{suffix}")
    back = read_graph(written)
    assert _records(back) == _records(graph) == [
        ("a", "b", True), ("b", "c", False), ("c", "a", True), ("a", "c", False)
    ]
    assert back.directed and graph_fingerprint(back) == graph_fingerprint(graph)


def test_one_kind_graphs_are_written_without_per_edge_flags(tmp_path):
    graph = Graph.from_edges([[0, 1], [1, 2]], directed=True)
    text = write_positions(graph, None, tmp_path / "g.graphml").read_text()
    assert 'edgedefault="directed"' in text and " directed=" not in text
    text = write_positions(graph, None, tmp_path / "g.gexf").read_text()
    assert 'defaultedgetype="directed"' in text and " type=" not in text


@pytest.mark.parametrize("suffix", [".gml", ".json"])
def test_gml_and_json_write_the_graph_level_flag_and_warn(tmp_path, suffix, caplog):
    graph = Graph.from_edges([[0, 1], [1, 2]], directed=True, edge_directed=np.array([True, False]))
    with caplog.at_level(logging.WARNING, logger="helios_app.io.writers"):
        written = write_positions(graph, None, tmp_path / f"g{suffix}")
    assert "has no per-edge direction" in caplog.text and "1 directed and 1 undirected" in caplog.text
    back = read_graph(written)
    assert back.directed and back.edge_directed is None

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="helios_app.io.writers"):
        write_positions(Graph.from_edges([[0, 1]], directed=True), None, tmp_path / f"h{suffix}")
    assert "per-edge direction" not in caplog.text


# ----------------------------------------------------------------------------------------------------------
# Edits


def test_an_edit_keeps_the_flags_of_surviving_edges_and_its_inverse_brings_removed_ones_back():
    graph = Graph(
        node_ids=["a", "b", "c", "d"],
        edges=[[0, 1], [1, 2], [2, 3], [3, 0], [0, 2]],
        weights=None,
        directed=True,
        edge_directed=np.array([True, False, True, False, False]),
    )
    edit = GraphEdit(add_nodes=("e",), remove_edges=(("b", "c"),), add_edges=(("e", "a"),), remove_nodes=("d",))
    edited, _ = apply_edit(graph, edit)
    # Left: a->b (True), a-c (False); appended e->a follows graph.directed (True).
    assert _records(edited) == [("a", "b", True), ("a", "c", False), ("e", "a", True)]
    back, _ = apply_edit(edited, inverse_edit(graph, edit))
    assert sorted(_records(back)) == sorted(_records(graph))

    one_kind, _ = apply_edit(graph, GraphEdit(remove_nodes=("c", "d")))  # only a->b is left: all directed
    assert _records(one_kind) == [("a", "b", True)] and one_kind.edge_directed is None
    with pytest.raises(HeliosError, match="'directed' must be true or false"):
        apply_edit(graph, GraphEdit(add_edges=(("a", "d"),), edge_rows=({"directed": "yes"},)))


# ----------------------------------------------------------------------------------------------------------
# The model


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (np.array([True, False, True]), r"Graph\.edge_directed: expected shape \(2,\)"),
        (np.array([1, 0]), r"Graph\.edge_directed: expected booleans .* got dtype int64"),
        ([0.0, 1.0], r"Graph\.edge_directed: expected booleans .* got dtype float64"),
        (["yes", "no"], r"Graph\.edge_directed: expected booleans"),
        (np.array([[True, False]]), r"Graph\.edge_directed: expected shape \(2,\)"),
    ],
)
def test_a_bad_edge_directed_is_refused_naming_the_field(flags, message):
    with pytest.raises(HeliosError, match=message):
        Graph.from_edges([[0, 1], [1, 2]], directed=True, edge_directed=flags)


def test_edge_directions_is_read_only_and_one_kind_flags_are_stored_as_none():
    flags = np.array([True, False])
    graph = Graph.from_edges([[0, 1], [1, 2]], directed=True, edge_directed=flags)
    flags[0] = False  # the graph keeps its own copy
    assert graph.edge_directions().tolist() == [True, False]
    assert "mixed (1 directed edges)" in repr(graph)
    for array in (graph.edge_directed, graph.edge_directions(), Graph.from_edges([[0, 1]]).edge_directions()):
        assert array.dtype == np.bool_ and not array.flags.writeable
    assert Graph.from_edges([[0, 1], [1, 2]], edge_directed=[False, False]).edge_directed is None
    assert Graph.from_edges([[0, 1]], directed=True, edge_directed=[True]).edge_directed is None
    assert Graph.from_edges(np.zeros((0, 2), dtype=int), node_count=2, edge_directed=[]).edge_count == 0


def test_the_fingerprint_of_a_graph_whose_edges_are_all_one_kind_is_unchanged():
    karate = read_graph(REPOSITORY / "data" / "karate.gml")
    assert karate.edge_directed is None
    assert graph_fingerprint(karate) == KARATE_FINGERPRINT
    same = Graph(node_ids=karate.node_ids, edges=karate.edges, weights=None,
                 edge_directed=np.zeros(karate.edge_count, dtype=bool))
    assert graph_fingerprint(same) == KARATE_FINGERPRINT

    directed = Graph(node_ids=karate.node_ids, edges=karate.edges, weights=None, directed=True)
    flags = np.ones(karate.edge_count, dtype=bool)
    flags[0] = False
    mixed = Graph(node_ids=karate.node_ids, edges=karate.edges, weights=None, directed=True, edge_directed=flags)
    other = flags.copy()
    other[1] = False
    mixed_other = Graph(node_ids=karate.node_ids, edges=karate.edges, weights=None, directed=True,
                        edge_directed=other)
    fingerprints = {graph_fingerprint(graph) for graph in (karate, directed, mixed, mixed_other)}
    assert len(fingerprints) == 4
