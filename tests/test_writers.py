"""Tests of writing positions with the graph (round trips, other readers) and of session files."""

from __future__ import annotations

import dataclasses
import json
import os

import networkx as nx
import numpy as np
import pytest

from helios_app.errors import HeliosError
from helios_app.graph import Graph, graph_fingerprint
from helios_app.io import read_graph, read_positions
from helios_app.io.formats import GraphFileError
from helios_app.io.session_file import load_session, save_session
from helios_app.io.writers import write_positions

ROUND_TRIP_FILES = [
    "karate.gml", "lesmis.gml", "polblogs.gml", "Huelga.gml", "celegansneural.gml", "celegansneu.gexf",
    "diseasome.gexf", "wiki.graphml", "jazz.net", "football.gml",
]  # fmt: skip
SUFFIXES = [".gexf", ".graphml", ".gml", ".json", ".gml.gz", ".gexf.bz2", ".json.xz"]


def assert_same_graph(expected: Graph, actual: Graph, positions: np.ndarray | None, suffix: str) -> None:
    assert actual.node_ids == expected.node_ids
    assert np.array_equal(actual.edges, expected.edges)
    assert (actual.weights is None) == (expected.weights is None)
    if expected.weights is not None:
        assert np.array_equal(actual.weights, expected.weights)
    assert actual.directed == expected.directed
    if suffix.startswith((".gml", ".json")):
        pairs = expected.edges if expected.directed else np.sort(expected.edges, axis=1)
        parallel = len(np.unique(pairs, axis=0)) < len(pairs)
        assert actual.multigraph == (expected.multigraph or parallel)
    assert actual.labels == expected.labels
    assert actual.node_attributes == expected.node_attributes
    assert actual.edge_attributes == expected.edge_attributes
    wanted = expected.initial_positions if positions is None else positions.astype(np.float64)
    assert np.array_equal(actual.initial_positions, wanted, equal_nan=True)
    for field in ("node_colors", "node_sizes"):
        want, got = getattr(expected, field), getattr(actual, field)
        assert (want is None) == (got is None), field
        if want is not None:
            assert np.array_equal(want, got, equal_nan=True), field


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("name", ROUND_TRIP_FILES)
def test_what_we_write_we_read_back_identically(shared_data, tmp_path, name, suffix):
    graph = read_graph(shared_data / name)
    positions = np.random.default_rng(7).normal(scale=100, size=(graph.node_count, 2)).astype(np.float32)
    path = write_positions(graph, positions, tmp_path / f"out{suffix}")
    assert_same_graph(graph, read_graph(path), positions, suffix)


@pytest.mark.parametrize("suffix", [".gexf", ".graphml", ".gml", ".json"])
def test_round_trip_of_3d_partial_positions_odd_text_and_typed_attributes(tmp_path, suffix):
    graph = Graph(
        node_ids=["a", 'b "quoted" & <tagged>', "12", "x\ty\nz"],
        edges=[[0, 1], [1, 2], [2, 3], [3, 3], [0, 1]],
        weights=[0.1, 2, -3.5, 1e-30, 7],
        directed=True,
        labels=["Ä label", "second", "", "4 & 5"],
        node_attributes={
            "count": [1, None, 3, -4], "share": [0.5, 1.25, None, 2.0], "name": ["p", "q", None, "s"],
            "flag": [True, False, None, True],
        },
        edge_attributes={"kind": ["k1", None, "k3", "k4", "k5"], "rank": [1, 2, 3, 4, 5]},
        node_colors=[[1, 2, 3], [255, 254, 253], [0, 0, 0], [153, 153, 153]],
        node_sizes=[1.5, np.nan, 3, 0],
        source="made up",
    )  # fmt: skip
    positions = np.array([[1.0, 2.0, 3.0], [np.nan] * 3, [-0.1, 1e10, 5e-7], [0.0, 0.0, 0.0]])
    path = write_positions(graph, positions, tmp_path / f"g{suffix}")
    again = read_graph(path)
    if suffix == ".gml":  # GML has no booleans: 0/1
        expected_flag = [1, 0, None, 1]
        assert again.node_attributes.pop("flag") == expected_flag
        others = {name: values for name, values in graph.node_attributes.items() if name != "flag"}
        graph = dataclasses.replace(graph, node_attributes=others)
    assert_same_graph(graph, again, positions, suffix)


def test_other_readers_read_what_we_write(shared_data, tmp_path):
    graph = read_graph(shared_data / "diseasome.gexf")
    positions = np.random.default_rng(1).uniform(-50, 50, size=(graph.node_count, 2))
    gexf = nx.read_gexf(write_positions(graph, positions, tmp_path / "g.gexf"))
    first = gexf.nodes[graph.node_ids[0]]
    assert first["viz"]["position"]["x"] == positions[0, 0] and first["label"] == graph.labels[0]
    assert [first["viz"]["color"][channel] for channel in "rgb"] == [238, 68, 68]
    assert gexf.number_of_nodes() == graph.node_count and first["disclass"] == "Neurological"

    graphml = nx.read_graphml(write_positions(graph, positions, tmp_path / "g.graphml"))
    assert graphml.nodes[graph.node_ids[0]]["x"] == positions[0, 0]
    gml = nx.read_gml(write_positions(graph, positions, tmp_path / "g.gml"), label="id")
    assert gml.nodes[int(graph.node_ids[0])]["graphics"]["x"] == positions[0, 0]
    data = json.loads((write_positions(graph, positions, tmp_path / "g.json")).read_text())
    assert nx.node_link_graph(data).number_of_nodes() == graph.node_count


def test_csv_positions_table(tmp_path):
    graph = Graph.from_edges([[0, 1], [1, 2]], node_ids=["a,1", "b", 'c"'])
    positions = np.array([[0.5, -1.0], [np.nan, np.nan], [3.0, 4.25]], dtype=np.float32)
    path = write_positions(graph, positions, tmp_path / "layout.csv")
    assert path.read_text() == 'id,x,y\n"a,1",0.5,-1.0\n"c""",3.0,4.25\n'
    assert np.array_equal(read_positions(path, graph), positions.astype(np.float64), equal_nan=True)
    with pytest.raises(HeliosError, match=r"layout\.csv:1: this is a table of node positions \(id,x,y\)"):
        read_graph(path)
    gexf = write_positions(graph, positions, tmp_path / "layout.gexf")
    assert np.array_equal(read_positions(gexf, graph), positions.astype(np.float64), equal_nan=True)
    other = Graph.from_edges([[0, 1]], node_ids=["x", "y"])
    with pytest.raises(HeliosError, match=r"none of its 2 node ids is a node of"):
        read_positions(path, other)


def test_write_errors(tmp_path):
    graph = Graph.from_edges([[0, 1]])
    with pytest.raises(HeliosError, match=r"cannot tell the output format from the suffix '\.png'"):
        write_positions(graph, np.zeros((2, 2)), tmp_path / "x.png")
    with pytest.raises(HeliosError, match=r"positions: expected shape \(2, 2\) or \(2, 3\), got \(3, 2\)"):
        write_positions(graph, np.zeros((3, 2)), tmp_path / "x.gexf")
    with pytest.raises(HeliosError, match=r"positions: row 1 is \[inf, 0\.0\]"):
        write_positions(graph, np.array([[0, 0], [np.inf, 0]]), tmp_path / "x.gexf")
    with pytest.raises(HeliosError, match=r"cannot write"):
        write_positions(graph, np.zeros((2, 2)), tmp_path / "missing" / "x.gexf")
    write_positions(graph, np.zeros((2, 2)), tmp_path / "layout.data", format="gml")
    assert read_graph(tmp_path / "layout.data").initial_positions.tolist() == [[0, 0], [0, 0]]
    assert sorted(os.listdir(tmp_path)) == ["layout.data"]  # no temporary files left behind


# ----------------------------------------------------------------------------------------------------------
# Sessions


def test_session_round_trip(shared_data, tmp_path):
    graph = read_graph(shared_data / "karate.gml")
    for dtype, dimensions in ((np.float32, 2), (np.float64, 3)):
        positions = np.random.default_rng(3).normal(size=(graph.node_count, dimensions)).astype(dtype)
        path = save_session(
            tmp_path / "view.helios.json",
            graph,
            positions,
            pins=np.array([3, 5]),
            camera={"position": np.array([0.0, 0.0, 10.0]), "parallel_scale": np.float32(1.5)},
            encodings={"color": "degree", "size": "uniform"},
            layout="fr",
            parameters={"gravity": 0.1, "iterations": 50},
            seed=42,
        )
        session = load_session(path, graph)
        assert session["positions"].dtype == dtype and np.array_equal(session["positions"], positions)
        assert session["pins"].tolist() == [3, 5] and session["dimensions"] == dimensions
        assert session["camera"] == {"position": [0.0, 0.0, 10.0], "parallel_scale": 1.5}
        assert session["encodings"] == {"color": "degree", "size": "uniform"}
        assert session["layout"] == "fr" and session["seed"] == 42
        assert session["parameters"] == {"gravity": 0.1, "iterations": 50}
        assert session["fingerprint"] == graph_fingerprint(graph) and session["version"] == 2
    document = json.loads(path.read_text())
    assert document["format"] == "helios-session" and document["graph"]["node_count"] == 34


def test_session_for_another_graph_says_so(shared_data, tmp_path):
    karate = read_graph(shared_data / "karate.gml")
    path = save_session(tmp_path / "view.json", karate, np.zeros((34, 2)))
    dolphins = read_graph(shared_data / "dolphins.gml")
    pattern = (
        r"view\.json: this session was saved for another graph \(34 nodes, 78 edges from .*karate\.gml\); "
        r".*dolphins\.gml has 62 nodes and 159 edges \(fingerprint sha256:[0-9a-f]+, the session's is sha256:"
    )
    with pytest.raises(GraphFileError, match=pattern):
        load_session(path, dolphins)
    assert load_session(path, None)["node_count"] == 34


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (lambda d: d.update(version=3), r"saved by a newer Helios \(session format version 3\); this one"),
        (lambda d: d.update(format="other"), r"not a Helios session file"),
        (lambda d: d["positions"].update(data="AAAA"), r"positions\.data holds 3 bytes; 34 x 2 float64 need"),
        (lambda d: d["positions"].update(shape=[33, 2]), r"positions\.shape \[33, 2\] does not match"),
        (lambda d: d.update(pins=[99]), r"pins must be a list of node indices in 0 \.\. 33"),
        (lambda d: d.pop("graph"), r"graph is missing"),
        (lambda d: d["layout"].update(seed="x"), r"layout\.seed 'x' is not a whole number"),
    ],
)
def test_damaged_sessions_are_refused(shared_data, tmp_path, edit, pattern):
    graph = read_graph(shared_data / "karate.gml")
    path = save_session(tmp_path / "view.json", graph, np.zeros((34, 2)))
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))
    with pytest.raises(GraphFileError, match=pattern):
        load_session(path, graph)


def test_session_file_that_is_not_json(tmp_path):
    path = tmp_path / "view.json"
    path.write_text('{\n "format": "helios-session",\n "version": 1,,\n}')
    with pytest.raises(GraphFileError, match=r"view\.json:3:15: not a session file: invalid JSON"):
        load_session(path, None)
    with pytest.raises(HeliosError, match=r"save_session: positions must have shape \(2, 2\|3\)"):
        save_session(tmp_path / "x.json", Graph.from_edges([[0, 1]]), np.zeros((3, 2)))
    with pytest.raises(HeliosError, match=r"save_session: camera\.x is a set"):
        save_session(tmp_path / "x.json", Graph.from_edges([[0, 1]]), np.zeros((2, 2)), camera={"x": {1}})
