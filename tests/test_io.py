"""Tests of the graph model and the file readers, on the real files in shared/data and on broken inputs."""

from __future__ import annotations

import bz2
import gzip
import random
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from helios_app.errors import HeliosError
from helios_app.graph import Graph, graph_from_networkx
from helios_app.io import read_graph

# ----------------------------------------------------------------------------------------------------------
# Real files


REAL_FILES = [
    # file, nodes, layout edges, directed, weighted
    ("karate.gml", 34, 78, False, False),
    ("power.gml", 4941, 6594, False, False),
    ("lesmis.gml", 77, 254, False, True),
    ("celegansneural.gml", 297, 2148, True, True),
    ("polblogs.gml", 1490, 16715, True, False),
    ("Huelga.gml", 23, 33, True, True),
    ("netscience.gml", 1589, 2742, False, True),
    ("as-22july06.gml", 22963, 48436, False, False),
    ("ca-GrQc.txt", 4158, 13422, False, False),
    ("Email-Enron.txt.gz", 36692, 183831, False, False),
    ("facebook_combined.txt.gz", 4039, 88234, False, False),
    ("luxembourg_osm.mtx.gz", 114599, 119666, False, False),
]


@pytest.mark.parametrize(
    ("name", "node_count", "layout_edge_count", "directed", "weighted"),
    REAL_FILES,
    ids=[row[0] for row in REAL_FILES],
)
def test_real_file_counts(shared_data, name, node_count, layout_edge_count, directed, weighted):
    graph = read_graph(shared_data / name)
    assert graph.node_count == node_count
    assert len(graph.layout_edges()) == layout_edge_count
    assert graph.directed is directed
    assert (graph.weights is not None) is weighted
    assert graph.edges.dtype == np.int32 and graph.edges.shape == (graph.edge_count, 2)
    assert graph.source == str(shared_data / name)
    assert len(set(graph.node_ids)) == node_count


def test_file_edge_records_are_kept(shared_data):
    celegans = read_graph(shared_data / "celegansneural.gml")
    assert celegans.edge_count == 2359  # parallel arcs and direction kept in edges
    assert celegans.weights.dtype == np.float64 and celegans.weights.shape == (2359,)
    polblogs = read_graph(shared_data / "polblogs.gml")
    assert polblogs.edge_count == 19090
    assert int((polblogs.edges[:, 0] == polblogs.edges[:, 1]).sum()) == 3  # self-loops kept in edges
    assert read_graph(shared_data / "ca-GrQc.txt").edge_count == 13428
    assert read_graph(shared_data / "Email-Enron.txt.gz").edge_count == 367662


def test_karate_matches_networkx(shared_data):
    path = shared_data / "karate.gml"
    graph = read_graph(path)
    reference = nx.read_gml(path, label="id")
    ours = {frozenset((graph.node_ids[u], graph.node_ids[v])) for u, v in graph.edges.tolist()}
    theirs = {frozenset((str(u), str(v))) for u, v in reference.edges()}
    assert ours == theirs
    assert graph.node_ids == [str(node) for node in reference.nodes]
    assert graph.labels is None  # Newman's karate.gml has ids but no labels


def test_gml_details(shared_data):
    lesmis = read_graph(shared_data / "lesmis.gml")
    reference = nx.read_gml(shared_data / "lesmis.gml")
    assert lesmis.labels == list(reference.nodes)
    weight_of = {frozenset((u, v)): data["value"] for u, v, data in reference.edges(data=True)}
    for (u, v), weight in zip(lesmis.edges.tolist(), lesmis.weights.tolist()):
        assert weight == weight_of[frozenset((lesmis.labels[u], lesmis.labels[v]))]

    huelga = read_graph(shared_data / "Huelga.gml")
    assert huelga.node_ids[0] == "Domingo" and huelga.labels[0] == "Domingo"
    assert huelga.edge_count == 35

    football = read_graph(shared_data / "football.gml")
    assert len(football.node_attributes["value"]) == 115
    assert set(football.node_attributes["value"]) == set(range(12))

    polblogs = read_graph(shared_data / "polblogs.gml")
    assert polblogs.node_attributes["source"][0] == "Blogarama"
    entity = [label for label in polblogs.labels if "logcatid" in label]
    assert entity == ["charlineandjamie.com/dotnetweb01a/blogdisplay.aspx?logname=jamie&logcatid=48"]
    assert "TexasA&M" in read_graph(shared_data / "football.gml").labels  # a bare '&' stays


def test_layout_edges_are_unique_and_ordered(shared_data):
    graph = read_graph(shared_data / "polblogs.gml")
    layout = graph.layout_edges()
    assert layout.dtype == np.int32
    assert np.all(layout[:, 0] < layout[:, 1])
    assert len(np.unique(layout, axis=0)) == len(layout)
    assert graph.layout_edges() is layout  # cached
    with pytest.raises(ValueError):
        layout[0, 0] = 5  # read-only


# ----------------------------------------------------------------------------------------------------------
# Broken inputs


def _gzip_truncated() -> bytes:
    data = gzip.compress("".join(f"{i} {i + 1}\n" for i in range(5000)).encode())
    return data[: len(data) // 2]


BROKEN = [
    # file name, content, expected message (a regex searched in the message)
    ("empty.txt", b"", r"empty\.txt: the file is empty"),
    ("blank.txt", b"  \n\n\t\n", r"blank\.txt: the file is empty"),
    ("comments.txt", b"# one\n% two\n\n# three\n", r"comments\.txt: the file has only comments"),
    ("unbalanced.gml", b"graph [\n  node [\n    id 1\n  ]\n", r"unbalanced\.gml:1:7: .*never closed"),
    ("unbalanced_node.gml", b"graph [\n  node [\n    id 1\n", r"unbalanced_node\.gml:2:8: .*never closed"),
    ("extra_close.gml", b"graph [\n]\n]\n", r"extra_close\.gml:3:1: unexpected '\]'"),
    (
        "unterminated.gml",
        b'graph [\n  node [ id 1 label "abc ]\n]\n',
        r"unterminated\.gml:2:21: unterminated string",
    ),
    (
        "unknown_id.gml",
        b"graph [\n  node [ id 1 ]\n  node [ id 2 ]\n  edge [ source 1 target 3 ]\n]\n",
        r"unknown_id\.gml:4:26: edge target 3 is not the id of any node",
    ),
    ("no_graph.gml", b'Creator "someone"\nversion 2\n', r"no_graph\.gml:1:1: no 'graph \[ \.\.\. \]' block"),
    ("no_id.gml", b'graph [\n  node [ label "x" ]\n]\n', r"no_id\.gml:2:3: this node has no 'id'"),
    (
        "duplicate.gml",
        b"graph [\n  node [ id 1 ]\n  node [ id 1 ]\n]\n",
        r"duplicate\.gml:3:13: duplicate node id 1 \(first used on line 2\)",
    ),
    (
        "gml_weight.gml",
        b'graph [\n node [ id 1 ]\n node [ id 2 ]\n edge [ source 1 target 2 weight "heavy" ]\n]\n',
        r"gml_weight\.gml:4:34: edge weight 'heavy' is not a number",
    ),
    ("no_value.gml", b"graph [\n  directed\n]\n", r"no_value\.gml:3:1: expected a value for key 'directed'"),
    ("one_column.txt", b"1 2\n3 4\n\n5\n6 7\n", r"one_column\.txt:4: expected 2 or 3 columns .*found 1"),
    ("four_columns.txt", b"# x\n1 2\n3 4 5 6\n", r"four_columns\.txt:3: expected 2 or 3 columns .*found 4"),
    ("mixed_columns.txt", b"1 2\n3 4 0.5\n", r"mixed_columns\.txt:2: found 3 columns, but line 1 has 2"),
    ("bad_weight.txt", b"% c\n1 2 0.5\n2 3 1e3\n3 4 heavy\n", r"bad_weight\.txt:4: weight 'heavy' .*number"),
    ("nan_weight.csv", b"a,b,1\nb,c,nan\n", r"nan_weight\.csv:2: weight 'nan' .*not finite"),
    ("one_column.csv", b"source,target\na,b\nc\n", r"one_column\.csv:3: expected 2 or 3 columns .*found 1"),
    ("empty_id.csv", b"a,b\n,c\n", r"empty_id\.csv:2: column 1 \(a node id\) is empty"),
    ("junk.bin", b"1 2\n3 4\n\x00\x01\x02\xff\xfe junk", r"junk\.bin:3: binary data"),
    ("latin1.txt", b"a b\nb caf\xe9\n", r"latin1\.txt:2: byte 0xe9 at column 6 is not UTF-8"),
    ("truncated.txt.gz", _gzip_truncated(), r"truncated\.txt\.gz: the gzip data is truncated or corrupt"),
    (
        "graph.graphml",
        b'<?xml version="1.0"?>\n<graphml>\n',
        r"graph\.graphml:3:1: not well-formed XML: no element found; the file may be empty or cut short",
    ),
    ("graph.net", b"*Vertices 3\n*Edges\n1 4\n", r"graph\.net:3: expected a vertex number in 1 \.\. 3"),
]


@pytest.mark.parametrize(("name", "content", "pattern"), BROKEN, ids=[row[0] for row in BROKEN])
def test_broken_input_is_refused(tmp_path, name, content, pattern):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(HeliosError, match=pattern):
        read_graph(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(HeliosError, match=r"nothing\.txt: no such file"):
        read_graph(tmp_path / "nothing.txt")
    with pytest.raises(HeliosError, match=r"is a directory"):
        read_graph(tmp_path)


def test_legara_gml_is_refused_with_line_and_column(shared_data):
    with pytest.raises(HeliosError, match=r"legara\.gml:7:13: expected '\]' or a key, found 0") as caught:
        read_graph(shared_data / "legara.gml")
    assert 'id "node 0"' in str(caught.value)  # says how to fix it


def test_no_other_exception_escapes_for_damaged_files(tmp_path, shared_data):
    """Cut and corrupt real files at many places: the reader returns a graph or raises HeliosError."""
    generator = random.Random(20240521)
    originals = [
        ("damaged.gml", (shared_data / "karate.gml").read_bytes()),
        ("damaged.gml", (shared_data / "Huelga.gml").read_bytes()[:3000]),
        ("damaged.txt", (shared_data / "ca-GrQc.txt").read_bytes()[:2000]),
    ]
    outcomes = {"graph": 0, "error": 0}
    for name, original in originals:
        path = tmp_path / name
        for _ in range(60):
            data = bytearray(original[: generator.randrange(len(original) + 1)])
            for _ in range(generator.randrange(3)):
                if data:
                    data[generator.randrange(len(data))] = generator.choice(b'[]" \n#%,\t0a-.\x00\xc3')
            path.write_bytes(bytes(data))
            try:
                read_graph(path)
                outcomes["graph"] += 1
            except HeliosError:
                outcomes["error"] += 1
    assert outcomes["graph"] and outcomes["error"]


# ----------------------------------------------------------------------------------------------------------
# Edge list variants, compression and format detection


def _edge_set(graph: Graph) -> list[tuple[str, str]]:
    return [(graph.node_ids[u], graph.node_ids[v]) for u, v in graph.edges.tolist()]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("spaces.txt", b"alice bob\nbob  carol\n  carol\talice  \n"),
        ("tabs.tsv", b"alice\tbob\nbob\tcarol\ncarol\talice\n"),
        ("commas.csv", b"alice,bob\nbob, carol\ncarol ,alice\n"),
        ("header.csv", b"source,target\nalice,bob\nbob,carol\ncarol,alice\n"),
        ("comments.txt", b"% a comment\n# another\nalice bob\n\n% inside\nbob carol\ncarol alice\n"),
        ("crlf.txt", b"# header\r\nalice bob\r\nbob carol\r\ncarol alice\r\n"),
    ],
)
def test_edge_list_separators_and_comments(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    graph = read_graph(path)
    assert graph.node_ids == ["alice", "bob", "carol"]
    assert _edge_set(graph) == [("alice", "bob"), ("bob", "carol"), ("carol", "alice")]
    assert graph.weights is None and graph.directed is False


def test_edge_list_weights_and_string_ids(tmp_path):
    path = tmp_path / "weighted.tsv"
    path.write_text("New York\tBoston\t2.5\nBoston\tChicago\t-1\nChicago\tNew York\t1e2\n")
    graph = read_graph(path)
    assert graph.node_ids == ["New York", "Boston", "Chicago"]
    assert graph.weights.dtype == np.float64
    assert graph.weights.tolist() == [2.5, -1.0, 100.0]

    path = tmp_path / "weighted.csv"
    path.write_text('from,to,weight\n"Smith, J.",Doe,3\nDoe,Roe,4\n')
    graph = read_graph(path)
    assert graph.node_ids == ["Smith, J.", "Doe", "Roe"]
    assert graph.weights.tolist() == [3.0, 4.0]


def test_edge_list_ids_keep_their_text_and_first_appearance_order(tmp_path):
    path = tmp_path / "ids.txt"
    path.write_text("10 007\n7 10\n007 x-1\n")
    graph = read_graph(path)
    assert graph.node_ids == ["10", "007", "7", "x-1"]
    assert graph.edges.tolist() == [[0, 1], [2, 0], [1, 3]]


def test_compression_is_detected_from_bytes_not_suffix(tmp_path, shared_data):
    text = (shared_data / "karate.gml").read_bytes()
    (tmp_path / "karate.txt").write_bytes(gzip.compress(text))
    (tmp_path / "karate.data").write_bytes(bz2.compress(text))
    (tmp_path / "plain.gz").write_bytes(b"1 2\n2 3\n")
    for name in ("karate.txt", "karate.data"):
        graph = read_graph(tmp_path / name)
        assert (graph.node_count, len(graph.layout_edges())) == (34, 78)
    assert read_graph(tmp_path / "plain.gz").node_count == 3
    (tmp_path / "empty.gz").write_bytes(gzip.compress(b""))
    with pytest.raises(HeliosError, match=r"empty\.gz: the file is empty \(after gzip decompression\)"):
        read_graph(tmp_path / "empty.gz")


@pytest.mark.parametrize(
    "content",
    [
        b"graph [ node [ id 1 ] node [ id 2 ] edge [ source 1 target 2 ] ]",
        b"graph\n[\n node\n [\n id 1\n ]\n node [ id 2 ]\n edge [ source 1 target 2 ]\n]\n",
        b'Creator "me"\ngraph [ node [ id 1 ] node [ id 2 ] edge [ source 1 target 2 ] ]',
        b'# a comment\ncomment "x"\ngraph [ node [ id 1 ] node [ id 2 ] edge [ source 1 target 2 ] ]',
    ],
)
def test_gml_is_detected_from_content(tmp_path, content):
    path = tmp_path / "graph.txt"
    path.write_bytes(content)
    graph = read_graph(path)
    assert graph.node_ids == ["1", "2"]
    assert graph.edges.tolist() == [[0, 1]]


def test_gml_values_strings_and_attributes(tmp_path):
    path = tmp_path / "attributes.gml"
    path.write_text(
        'graph [\n  directed 1\n'
        '  node [ id 0 label "A b" size -1.5e1 kind "x" graphics [ x 1.0 y -2 ] ]\n'
        '  node [ id 1 size 3 ]\n'
        '  node [ id two label "c &amp; d" ]\n'
        "  edge [ source 0 target two value 2 ]\n"
        "  edge [ source two target 1 value 7 weight 0.5 ]\n"
        "  edge [ source 1 target 1 ]\n"
        "]\n"
    )
    graph = read_graph(path)
    assert graph.directed is True
    assert graph.node_ids == ["0", "1", "two"]
    assert graph.labels == ["A b", "1", "c & d"]
    assert graph.node_attributes == {"size": [-15.0, 3, None], "kind": ["x", None, None]}
    assert graph.edges.tolist() == [[0, 2], [2, 1], [1, 1]]
    assert graph.weights.tolist() == [2.0, 0.5, 1.0]  # 'weight' wins over 'value'; missing means 1
    assert graph.layout_edges().tolist() == [[0, 2], [1, 2]]


def test_matrix_market_with_banner(tmp_path):
    path = tmp_path / "matrix.mtx"
    path.write_text(
        "%%MatrixMarket matrix coordinate real symmetric\n% comment\n4 4 3\n2 1 0.5\n3 2 1.5\n4 1 2\n"
    )
    graph = read_graph(path)
    assert graph.node_ids == ["1", "2", "3", "4"]
    assert graph.edges.tolist() == [[1, 0], [2, 1], [3, 0]]
    assert graph.weights.tolist() == [0.5, 1.5, 2.0]
    path.write_text("%%MatrixMarket matrix coordinate pattern symmetric\n3 3 1\n2 5\n")
    pattern = r"matrix\.mtx:3: index '5' \(column 2\) is not an integer in 1 \.\. 3"
    with pytest.raises(HeliosError, match=pattern):
        read_graph(path)


# ----------------------------------------------------------------------------------------------------------
# The graph model


def test_graph_from_edges_and_layout_edges():
    graph = Graph.from_edges(np.array([[0, 1], [1, 0], [2, 2], [3, 1], [1, 3], [0, 1]]))
    assert graph.node_count == 4 and graph.edge_count == 6
    assert graph.node_ids == ["0", "1", "2", "3"]
    assert graph.layout_edges().tolist() == [[0, 1], [1, 3]]
    assert Graph.from_edges(np.zeros((0, 2), dtype=np.int64), node_count=3).layout_edges().shape == (0, 2)
    assert "4 nodes, 6 edges" in repr(graph)


@pytest.mark.parametrize(
    ("arguments", "pattern"),
    [
        ({"node_ids": ["a", "b"], "edges": np.array([0, 1]), "weights": None}, r"Graph\.edges: .*\(m, 2\)"),
        ({"node_ids": ["a", "b"], "edges": [[0, 2]], "weights": None}, r"Graph\.edges: row 0 is \[0, 2\]"),
        ({"node_ids": ["a", "b"], "edges": [[0, -1]], "weights": None}, r"Graph\.edges: row 0"),
        ({"node_ids": ["a", "b"], "edges": [[0.5, 1]], "weights": None}, r"Graph\.edges: expected integer"),
        ({"node_ids": ["a", "a"], "edges": [[0, 1]], "weights": None}, r"Graph\.node_ids: id 'a'"),
        ({"node_ids": ["a", 2], "edges": [[0, 1]], "weights": None}, r"Graph\.node_ids: item 1"),
        ({"node_ids": ["a", "b"], "edges": [[0, 1]], "weights": [1, 2]}, r"Graph\.weights: .*\(1,\)"),
        ({"node_ids": ["a", "b"], "edges": [[0, 1]], "weights": [np.nan]}, r"Graph\.weights: .*finite"),
        ({"node_ids": ["a", "b"], "edges": [[0, 1]], "weights": None, "labels": ["x"]}, r"Graph\.labels"),
        (
            {"node_ids": ["a", "b"], "edges": [[0, 1]], "weights": None, "node_attributes": {"size": [1]}},
            r"Graph\.node_attributes\['size'\]",
        ),
    ],
)
def test_graph_validation_names_the_field(arguments, pattern):
    with pytest.raises(HeliosError, match=pattern):
        Graph(**arguments)


def test_graph_is_immutable():
    graph = Graph.from_edges([[0, 1]], weights=[2.0])
    with pytest.raises(ValueError):
        graph.edges[0, 0] = 1
    with pytest.raises(AttributeError):
        graph.directed = True  # type: ignore[misc]


def test_graph_from_networkx():
    nx_graph = nx.MultiDiGraph()
    nx_graph.add_node("a", label="Alpha", size=3)
    nx_graph.add_node(7)
    nx_graph.add_edge("a", 7, weight=2.5)
    nx_graph.add_edge("a", 7)
    nx_graph.add_edge(7, 7, weight=1)
    graph = graph_from_networkx(nx_graph)
    assert graph.node_ids == ["a", "7"]
    assert graph.labels == ["Alpha", "7"]
    assert graph.node_attributes == {"size": [3, None]}
    assert graph.edges.tolist() == [[0, 1], [0, 1], [1, 1]]
    assert graph.weights.tolist() == [2.5, 1.0, 1.0]
    assert graph.directed is True
    assert graph_from_networkx(nx.karate_club_graph()).layout_edges().shape == (78, 2)
    clash = nx.Graph([(1, "1")])
    with pytest.raises(HeliosError, match="same id '1'"):
        graph_from_networkx(clash)


def test_reads_a_path_given_as_str(shared_data):
    graph = read_graph(str(shared_data / "karate.gml"))
    assert graph.source == str(Path(shared_data / "karate.gml"))
