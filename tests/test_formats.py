"""Tests of the format readers: every real file, each format's variants, precise refusals, Python objects."""

from __future__ import annotations

import bz2
import gzip
import io
import itertools
import json
import lzma
import re
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse

from helios_app.errors import HeliosError
from helios_app.graph import Graph, graph_fingerprint, graph_from_networkx, graph_from_scipy
from helios_app.io import as_graph, read_graph
from helios_app.io.formats import GraphFileError, edgelist, gml
from helios_app.progress import TerminalProgress

# ----------------------------------------------------------------------------------------------------------
# Every file in shared/data, as a new user would open it

OPENS = {
    # file: (nodes, edge records, layout edges, directed, multigraph, weighted, positions, colours, sizes)
    "karate.gml": (34, 78, 78, False, False, False, None, False, False),
    "lesmis.gml": (77, 254, 254, False, False, True, None, False, False),
    "dolphins.gml": (62, 159, 159, False, False, False, None, False, False),
    "football.gml": (115, 613, 613, False, False, False, None, False, False),
    "polbooks.gml": (105, 441, 441, False, False, False, None, False, False),
    "adjnoun.gml": (112, 425, 425, False, False, False, None, False, False),
    "celegansneural.gml": (297, 2359, 2148, True, True, True, None, False, False),
    "netscience.gml": (1589, 2742, 2742, False, False, True, None, False, False),
    "polblogs.gml": (1490, 19090, 16715, True, True, False, None, False, False),
    "power.gml": (4941, 6594, 6594, False, False, False, None, False, False),
    "facebook_combined.txt.gz": (4039, 88234, 88234, False, False, False, None, False, False),
    "ca-GrQc.txt": (4158, 13428, 13422, False, False, False, None, False, False),
    "ca-CondMat.txt.gz": (21363, 91342, 91286, False, False, False, None, False, False),
    "as-22july06.gml": (22963, 48436, 48436, False, False, False, None, False, False),
    "Email-Enron.txt.gz": (36692, 367662, 183831, False, False, False, None, False, False),
    "luxembourg_osm.mtx.gz": (114599, 119666, 119666, False, False, False, None, False, False),
    "wiki.graphml": (921, 1081, 952, True, False, True, None, False, False),
    "legara.graphml": (25, 27, 27, False, False, False, (25, 2), False, True),
    "Huelga.gml": (23, 35, 33, True, False, True, (23, 2), True, True),
    "celegansneu.gexf": (297, 2359, 2148, True, False, True, (297, 2), False, True),
    "diseasome.gexf": (1419, 3926, 2738, False, False, False, (1419, 2), True, True),
    "jazz.net": (198, 5484, 2742, False, False, True, None, False, False),  # each edge listed both ways
}
REFUSED = {
    "legara.gml": r"legara\.gml:7:13: expected '\]' or a key, found 0; a value with spaces must be quoted, "
    r'e\.g\. id "node 0"$',
}


def test_the_tables_cover_every_shared_file(shared_data):
    names = {path.name for path in shared_data.iterdir() if path.name != "README.md"}
    assert names == set(OPENS) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(OPENS))
def test_every_real_file_opens(shared_data, name):
    nodes, records, layout, directed, multigraph, weighted, positions, colors, sizes = OPENS[name]
    graph = read_graph(shared_data / name)
    assert (graph.node_count, graph.edge_count, len(graph.layout_edges())) == (nodes, records, layout)
    assert (graph.directed, graph.multigraph, graph.weights is not None) == (directed, multigraph, weighted)
    assert (None if graph.initial_positions is None else graph.initial_positions.shape) == positions
    assert (graph.node_colors is not None, graph.node_sizes is not None) == (colors, sizes)
    assert graph.source == str(shared_data / name)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_broken_real_files_are_refused_precisely(shared_data, name):
    with pytest.raises(GraphFileError, match=REFUSED[name]) as caught:
        read_graph(shared_data / name)
    assert str(caught.value).startswith(str(shared_data / name) + ":")
    assert (caught.value.line, caught.value.column) == (7, 13)


# ----------------------------------------------------------------------------------------------------------
# Broken inputs, one table for all formats


def _xml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


GRAPHML_HEAD = '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
GEXF_HEAD = (
    '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:viz="http://www.gexf.net/1.2draft/viz" '
    'version="1.2">\n'
)

BROKEN = [
    # name, content, the whole message after "PATH" (a regex)
    (
        "truncated.graphml",
        _xml(GRAPHML_HEAD + '<graph edgedefault="undirected">\n<node id="a"/>\n<node id="b"'),
        r":5:1: not well-formed XML: unclosed token; the file may be cut short",
    ),
    (
        "unknown_end.graphml",
        _xml(GRAPHML_HEAD + '<graph>\n<node id="a"/>\n<edge source="a" target="b"/>\n</graph></graphml>\n'),
        r":5:1: edge target 'b' is not the id of any node",
    ),
    (
        "no_id.graphml",
        _xml(GRAPHML_HEAD + "<graph>\n  <node/>\n</graph></graphml>\n"),
        r":4:3: <node> has no 'id' attribute",
    ),
    (
        "duplicate.graphml",
        _xml(GRAPHML_HEAD + '<graph>\n<node id="a"/>\n<node id="a"/>\n</graph></graphml>\n'),
        r":5:1: duplicate node id 'a' \(first used on line 4\)",
    ),
    (
        "bad_type.graphml",
        _xml(
            GRAPHML_HEAD + '<key id="w" for="edge" attr.name="weight" attr.type="double"/>\n<graph>\n'
            '<node id="a"/><node id="b"/>\n<edge source="a" target="b"><data key="w">heavy</data></edge>\n'
            "</graph></graphml>\n"
        ),
        r":6:29: data for key 'w' is 'heavy', expected a double \(its attr\.type\)",
    ),
    (
        "entities.graphml",
        _xml('<!DOCTYPE g [<!ENTITY a "aaaaaaaaaa">]>\n' + GRAPHML_HEAD + "</graphml>\n"),
        (r":2:13: the document type declaration <!DOCTYPE g \[\.\.\.\]> declares entities; "
        r"GraphML files need none and Helios refuses them \(entity expansion attacks\)"),
    ),
    ("root.xml", _xml("<svg></svg>\n"), r":2: an XML file whose root element is <svg>: neither GraphML"),
    (
        "encoding.graphml",
        b'<?xml version="1.0" encoding="UTF-99"?>\n<graphml/>\n',
        r":1: the XML declaration names the encoding 'UTF-99', which is unknown; save it as UTF-8",
    ),
    (
        "no_graph.gexf",
        _xml(GEXF_HEAD + "<meta/>\n</gexf>\n"),
        r":1:1: no <graph> element inside <gexf>",
    ),
    (
        "color.gexf",
        _xml(GEXF_HEAD + '<graph>\n<nodes>\n<node id="a">\n  <viz:color r="300" g="0" b="0"/>\n</node>\n'
             "</nodes>\n</graph>\n</gexf>\n"),
        r":6:3: <viz:color r='300'> is not an integer in 0 \.\. 255",
    ),
    (
        "weight.gexf",
        _xml(GEXF_HEAD + '<graph>\n<nodes><node id="a"/></nodes>\n<edges><edge source="a" target="a" '
             'weight="x"/></edges>\n</graph>\n</gexf>\n'),
        r":5:8: edge weight='x' is not a finite number",
    ),
    (
        "attvalue.gexf",
        _xml(GEXF_HEAD + '<graph>\n<attributes class="node"><attribute id="0" title="age" type="integer"/>'
             '</attributes>\n<nodes><node id="a"><attvalues>\n<attvalue for="0" value="old"/>\n'
             "</attvalues></node></nodes>\n</graph>\n</gexf>\n"),
        r":6:1: value 'old' of attribute 'age' is not an integer \(its declared type\)",
    ),
    ("no_vertices.net", b"*Network x\n*Edges\n1 2\n", r":1: no '\*Vertices N' line"),
    (
        "huge.net",
        b"*Vertices 99999999999\n*Edges\n1 2\n",
        (r":1: '\*Vertices 99999999999' is more than a file of 33 bytes can describe \(at most 1048576\); "
        r"is the number damaged\?"),
    ),
    (
        "vertex.net",
        b"*Vertices 2\n1 \"a\"\n3 \"c\"\n",
        r":3: vertex 3 is not in 1 \.\. 2 \(the '\*Vertices' count\)",
    ),
    (
        "weight.net",
        b"*Vertices 2\n*Edges\n1 2 1\n2 1 1e999\n",
        r":4: weight '1e999' \(column 3\) is not a finite number",
    ),
    ("section.net", b"*Vertices 2\n*Foo\n1 2\n", r":2: unknown Pajek section '\*Foo'"),
    ("matrix.net", b"*Vertices 2\n*Matrix\n0 1\n1\n", r":4: \*Matrix needs 2 rows of 2 numbers"),
    (
        "rows.mtx",
        b"%%MatrixMarket matrix coordinate pattern general\n999999999 999999999 1\n1 2\n",
        (r":2: the size line declares 999999999 rows; a file of 75 bytes can declare at most 1048576 "
        r"\(is the number damaged\?\)"),
    ),
    (
        "complex.mtx",
        b"%%MatrixMarket matrix coordinate complex general\n2 2 1\n1 2 1 0\n",
        r":1: Matrix Market field 'complex'",
    ),
    (
        "syntax.json",
        b'{"nodes": [\n  {"id": 1},\n  {"id": 2,}\n]}\n',
        r":3:12: not valid JSON: Expecting property name",
    ),
    ("no_nodes.json", b'{"edges": []}', r":1:1: no 'nodes' list"),
    (
        "no_id.json",
        b'{"nodes": [{"id": 1}, {"name": "x"}], "edges": []}',
        r":1:23: nodes\[1\]: this node has no 'id'",
    ),
    (
        "end.json",
        b'{"nodes": [{"id": "a"}], "edges": [{"source": "a", "target": "b"}]}',
        r':1:62: edges\[0\]\.target: "b" is not the id of any node',
    ),
    (
        "weight.json",
        b'{"nodes": [{"id": 1}], "links": [{"source": 1, "target": 1, "weight": NaN}]}',
        r":1:71: links\[0\]\.weight: NaN is not a finite number",
    ),
    ("positions.csv", b"id,x,y\na,1.0,2.0\n", r":1: this is a table of node positions \(id,x,y\), not a"),
    ("truncated.txt.bz2", bz2.compress(b"1 2\n" * 1000)[:-20], r": the bzip2 data is truncated or corrupt"),
    ("truncated.txt.xz", lzma.compress(b"1 2\n" * 1000)[:-20], r": the xz data is truncated or corrupt"),
    ("deep.gml", b"graph [" + b" a [" * 70 + b" ]" * 71, r":1:263: lists are nested more than 64 deep"),
    (
        "lost_quote.gml",
        b'graph [\n  node [ id 1 label "one ]\n  node [ id 2 label "two" ]\n]\n',
        (r":3:25: unterminated string: this '\"' is never closed; the string that starts at 2:21 spans lines: "
        r"is a closing quote missing\?"),
    ),
    (
        "graphics.gml",
        b"graph [ node [ id 1 graphics [ x 1e999 y 0 ] ] ]",
        r":1:34: graphics x '1e999' is not a finite number",
    ),
    (
        "latin1.gml",
        b'graph [ node [ id 1 label "caf\xe9" ] ]',
        r":1: byte 0xe9 at column 31 is not UTF-8 text; save the file as UTF-8",
    ),
]


@pytest.mark.parametrize(("name", "content", "pattern"), BROKEN, ids=[row[0] for row in BROKEN])
def test_broken_input_messages(tmp_path, name, content, pattern):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(GraphFileError) as caught:
        read_graph(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert re.match(pattern, message[len(str(path)) :]), message
    assert "\n" not in message


# ----------------------------------------------------------------------------------------------------------
# GEXF


def test_gexf_versions_and_viz(shared_data, tmp_path):
    graph = read_graph(shared_data / "celegansneu.gexf")
    assert graph.node_ids[:3] == ["0", "1", "2"] and graph.labels[:3] == ["1", "51", "72"]
    assert graph.initial_positions[0].tolist() == [14.632334, 288.7869]
    assert graph.node_sizes[0] == 10.0
    assert graph.weights[:3].tolist() == [1.0, 2.0, 1.0]
    # networkx reads it once the namespace says 1.2draft: the same graph.
    text = (shared_data / "celegansneu.gexf").read_text()
    text = text.replace("http://www.gexf.net/1.3", "http://www.gexf.net/1.2draft")
    (tmp_path / "renamed.gexf").write_text(text.replace('version="1.3"', 'version="1.2"'))
    reference = nx.read_gexf(tmp_path / "renamed.gexf")
    assert graph.node_ids == [str(node) for node in reference.nodes]
    edges = [(graph.node_ids[u], graph.node_ids[v]) for u, v in graph.edges.tolist()]
    assert edges == [(u, v) for u, v in reference.edges()]

    diseasome = read_graph(shared_data / "diseasome.gexf")  # pre-1.0 namespace, attvalue id=
    assert diseasome.labels[0] == "Alzheimer disease"
    assert diseasome.node_attributes["disclass"][0] == "Neurological"
    assert diseasome.node_attributes["type"][0] == "disease"
    assert diseasome.node_colors[0].tolist() == [238, 68, 68]
    assert diseasome.node_sizes[0] == pytest.approx(17.46866)
    assert diseasome.initial_positions[0].tolist() == [-116.486664, -126.38917]


@pytest.mark.parametrize(
    "namespace", ["http://www.gexf.net/1.1draft", "http://www.gexf.net/1.2draft", "http://gexf.net/1.3"]
)
def test_gexf_attribute_types_defaults_and_3d(tmp_path, namespace):
    path = tmp_path / "g.gexf"
    path.write_text(
        f'<?xml version="1.0"?>\n<gexf xmlns="{namespace}" xmlns:viz="{namespace}/viz">\n'
        '<graph defaultedgetype="directed">\n'
        '<attributes class="node"><attribute id="0" title="n" type="integer"/>'
        '<attribute id="1" title="ok" type="boolean"><default>true</default></attribute></attributes>\n'
        '<attributes class="edge"><attribute id="0" title="kind" type="string"/></attributes>\n'
        '<nodes><node id="a" label="A"><attvalues><attvalue for="0" value="7"/></attvalues>'
        '<viz:position x="1" y="2" z="3"/></node>'
        '<node id="b"><attvalues><attvalue for="1" value="false"/></attvalues></node></nodes>\n'
        '<edges><edge source="a" target="b" weight="0.5">'
        '<attvalues><attvalue for="0" value="x"/></attvalues></edge>'
        '<edge source="b" target="a" type="undirected"/></edges>\n'
        "</graph></gexf>\n"
    )
    graph = read_graph(path)
    assert graph.directed and graph.labels == ["A", "b"]
    assert graph.node_attributes == {"n": [7, None], "ok": [True, False]}
    assert graph.edge_attributes == {"kind": ["x", None]}
    assert graph.weights.tolist() == [0.5, 1.0]
    assert graph.initial_positions.shape == (2, 3) and graph.initial_positions[0].tolist() == [1, 2, 3]
    assert np.isnan(graph.initial_positions[1]).all()


# ----------------------------------------------------------------------------------------------------------
# GraphML


def test_graphml_matches_networkx_and_reads_nonstandard_namespace(shared_data, caplog):
    wiki = read_graph(shared_data / "wiki.graphml")
    reference = nx.read_graphml(shared_data / "wiki.graphml")
    assert wiki.node_ids == list(reference.nodes)
    pairs = [(wiki.node_ids[u], wiki.node_ids[v]) for u, v in wiki.edges.tolist()]
    ours = dict(zip(pairs, wiki.weights.tolist()))
    assert len(ours) == wiki.edge_count
    assert ours == pytest.approx({(u, v): data["weight"] for u, v, data in reference.edges(data=True)})
    assert wiki.node_attributes["username"] == [reference.nodes[node]["username"] for node in reference.nodes]

    with caplog.at_level("WARNING"):
        legara = read_graph(shared_data / "legara.graphml")
    assert "is not the standard" in caplog.text
    assert legara.node_ids[:2] == ["node 0", "node 1"] and legara.labels[:3] == ["Juan", "pedro", "maría"]
    assert legara.initial_positions[0].tolist() == [0.10109131764977654, -2.0316759725343774]  # XCOR, YCOR
    assert legara.node_sizes[1] == 2.5
    assert legara.node_attributes["SHAPE"][0] == "dot" and legara.edge_attributes["SHAPE"][0] == "default"
    assert legara.node_attributes["HIDDEN?"][0] is False and legara.node_attributes["COLOR"][0] == 55.0


def test_graphml_defaults_mixed_direction_nested_data_and_hyperedges(tmp_path, caplog):
    path = tmp_path / "g.graphml"
    path.write_text(
        '<?xml version="1.0"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:y="http://www.yworks.com/xml/graphml">\n'
        '<key id="d0" for="node" attr.name="group" attr.type="int"><default>3</default></key>\n'
        '<key id="d1" for="node" yfiles.type="nodegraphics"/>\n'
        '<key id="d2" for="node" attr.name="color" attr.type="string"/>\n'
        '<graph edgedefault="undirected">\n'
        '<node id="a"><data key="d0">1</data>'
        '<data key="d1"><y:ShapeNode><y:Geometry x="1"/></y:ShapeNode></data>'
        '<data key="d2">#ff0000</data></node>\n'
        '<node id="b"/>\n'
        '<edge source="a" target="b" directed="true"/>\n'
        '<hyperedge><endpoint node="a"/><endpoint node="b"/></hyperedge>\n'
        "</graph></graphml>\n"
    )
    with caplog.at_level("WARNING"):
        graph = read_graph(path)
    assert graph.node_attributes == {"group": [1, 3]}
    assert graph.node_colors.tolist() == [[255, 0, 0], [153, 153, 153]]
    assert graph.directed is True
    assert "1 hyperedges skipped" in caplog.text


# ----------------------------------------------------------------------------------------------------------
# Pajek


def test_jazz_pajek_edges_are_the_file_lines(shared_data):
    graph = read_graph(shared_data / "jazz.net")
    lines = (shared_data / "jazz.net").read_text().split("\n")[3:]
    rows = [(int(a), int(b)) for a, b, _ in (line.split() for line in lines if line.strip())]
    assert [(u + 1, v + 1) for u, v in graph.edges.tolist()] == rows  # every record kept, as igraph reads it
    assert {frozenset((u + 1, v + 1)) for u, v in graph.layout_edges().tolist()} == set(map(frozenset, rows))
    assert graph.layout_weights().tolist() == [2.0] * 2742  # each edge is listed both ways: weights sum
    assert graph.node_ids == [str(number) for number in range(1, 199)]
    assert graph.labels is None


def test_pajek_variants(tmp_path):
    path = tmp_path / "g.net"
    path.write_text(
        '% a comment\n*Network demo\n*Vertices 4\n1 "Ann Lee" 0.1 0.2\n2 Bob 0.3 0.4 ic Red\n'
        "*Arcs\n1 2 2.5\n1 2 9\n2 1\n*Edges\n3 1 1 c Blue\n1 3 4\n*Partition p\n*Vertices 4\n1\n1\n2\n2\n"
    )
    graph = read_graph(path)
    assert graph.node_count == 4 and graph.directed
    assert graph.labels == ["Ann Lee", "Bob", "3", "4"]
    assert graph.edges.tolist() == [[0, 1], [0, 1], [1, 0], [2, 0], [0, 2]]  # repeated records kept
    assert graph.weights.tolist() == [2.5, 9.0, 1.0, 1.0, 4.0]
    assert graph.initial_positions[:2].tolist() == [[0.1, 0.2], [0.3, 0.4]]
    assert np.isnan(graph.initial_positions[2:]).all()

    path.write_text("*Vertices 3\n*Edgeslist\n1 2 3\n*Matrix\n0 0 0\n0 0 5\n0 0 0\n")
    graph = read_graph(path)
    assert graph.edges.tolist() == [[0, 1], [0, 2], [1, 2]] and graph.directed  # in file order
    assert graph.weights.tolist() == [1.0, 1.0, 5.0]


# ----------------------------------------------------------------------------------------------------------
# Matrix Market and edge lists


def test_matrix_market_variants(tmp_path, shared_data):
    luxembourg = read_graph(shared_data / "luxembourg_osm.mtx.gz")  # banner and size line stripped
    assert luxembourg.node_ids[:2] == ["2", "1"]  # an edge list: ids by first appearance, as text
    path = tmp_path / "g.mtx"
    path.write_text("5 5 3\n2 1\n3 2\n5 4\n")  # no banner, but a size line: skipped
    graph = read_graph(path)
    assert graph.node_ids == ["2", "1", "3", "5", "4"] and graph.edge_count == 3
    path.write_text("%%MatrixMarket matrix coordinate integer general\n%c\n4 4 2\n1 2 3\n2 1 4\n")
    graph = read_graph(path)
    assert graph.node_ids == ["1", "2", "3", "4"] and graph.directed and graph.weights.tolist() == [3, 4]


@pytest.mark.parametrize(
    "content",
    [
        b"# c\n1 2\n2 3\n10 1\n",
        b"1\t2\n2\t3\n3\t1\n",
        b"0 1 0.5\n1 2 2\n",
        b"1 2\n# late comment\n3 4\n",
        b"001 2\n2 3\n",
        b"1 2\n-1 3\n",
        b"99999999999999999999 1\n1 2\n",
        b"1 2 1e3\n3 4 inf\n",
        b"a b\n1 2\n",
        b"source target\n5 6\n6 7\n",
        b"1 2\n3\n",
    ],
)
def test_edge_list_fast_path_gives_the_generic_result(tmp_path, monkeypatch, content):
    path = tmp_path / "edges.txt"
    path.write_bytes(content)
    outcomes = []
    for fast in (True, False):
        if not fast:
            monkeypatch.setattr(edgelist, "_parse_plain_numbers", lambda *arguments: None)
            monkeypatch.setattr(edgelist, "_integer_values", lambda tokens: None)
        try:
            graph = read_graph(path)
            weights = None if graph.weights is None else graph.weights.tolist()
            outcomes.append((graph.node_ids, graph.edges.tolist(), weights))
        except HeliosError as error:
            outcomes.append(str(error))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize(
    "name", ["Email-Enron.txt.gz", "ca-GrQc.txt", "facebook_combined.txt.gz", "luxembourg_osm.mtx.gz"]
)
def test_edge_list_fast_path_on_real_files(shared_data, monkeypatch, name):
    fast = read_graph(shared_data / name)
    monkeypatch.setattr(edgelist, "_parse_plain_numbers", lambda *arguments: None)
    monkeypatch.setattr(edgelist, "_integer_values", lambda tokens: None)
    slow = read_graph(shared_data / name)
    assert fast.node_ids == slow.node_ids and np.array_equal(fast.edges, slow.edges)


@pytest.mark.parametrize(
    "name", ["karate.gml", "lesmis.gml", "polblogs.gml", "Huelga.gml", "netscience.gml", "football.gml"]
)
def test_gml_split_tokenizer_matches_the_full_one(shared_data, monkeypatch, name):
    raw = (shared_data / name).read_bytes()
    text = raw.decode()
    assert gml.tokenize(text, raw) == gml.tokenize(text)
    fast = read_graph(shared_data / name)
    monkeypatch.setattr(gml, "_split_is_exact", lambda raw: False)
    slow = read_graph(shared_data / name)
    assert fast.node_ids == slow.node_ids and np.array_equal(fast.edges, slow.edges)
    assert fast.labels == slow.labels and fast.node_attributes == slow.node_attributes


@pytest.mark.parametrize(
    "text",
    ['graph [ node [ id 1 label "a b" ] ]', 'graph [ node [ id 1 label "a]" ] ]', "graph [ node [id 1] ]",
     'graph [ node [ id 1 label x"y" ] ]', "graph [ node [ id 1 ] ] # c",
     'graph [ node [ id 1 label "é" ] ]', 'graph [ node [ id 1 label ""] ]', "graph[ ]"],
)  # fmt: skip
def test_gml_split_is_used_only_when_exact(text):
    raw = text.encode()
    expected = [token for token in gml._TOKEN.findall(text) if token]
    assert gml.tokenize(text, raw) == expected


def test_gml_edge_attributes_multigraph_and_graphics(tmp_path):
    path = tmp_path / "g.gml"
    path.write_text(
        "graph [ multigraph 1 directed 1\n"
        '  node [ id 1 graphics [ x 1.5 y -2 w 4 fill "#0A0B0C" ] ]\n'
        "  node [ id 2 graphics [ x 0 y 0 z 5 ] ]\n"
        '  edge [ source 1 target 2 value 3 kind "a" ]\n  edge [ source 1 target 2 weight 2 value 9 ]\n]\n'
    )
    graph = read_graph(path)
    assert graph.multigraph and graph.directed
    assert graph.initial_positions.tolist() == [[1.5, -2.0, 0.0], [0.0, 0.0, 5.0]]
    assert graph.node_colors[0].tolist() == [10, 11, 12] and graph.node_sizes[0] == 4.0
    assert graph.weights.tolist() == [3.0, 2.0]
    assert graph.edge_attributes == {"kind": ["a", None], "value": [None, 9]}


# ----------------------------------------------------------------------------------------------------------
# Node-link JSON, Python objects, encodings, options


def test_node_link_json_from_networkx_and_d3(tmp_path):
    nx_graph = nx.MultiDiGraph()
    nx_graph.add_node("a", label="Alpha", x=1.0, y=2.0, group=3)
    nx_graph.add_edge("a", "b", weight=2.5, kind="k")
    nx_graph.add_edge("a", "b")
    path = tmp_path / "g.json"
    path.write_text(json.dumps(nx.node_link_data(nx_graph)))
    graph = read_graph(path)
    assert graph.directed and graph.multigraph
    assert graph.node_ids == ["a", "b"] and graph.labels == ["Alpha", "b"]
    assert graph.initial_positions[0].tolist() == [1.0, 2.0] and np.isnan(graph.initial_positions[1]).all()
    assert graph.node_attributes == {"group": [3, None]}
    assert graph.weights.tolist() == [2.5, 1.0]
    assert graph.edge_attributes["kind"] == ["k", None]

    path.write_text('{"nodes": [{"id": "x"}, {"id": "y"}], "links": [{"source": {"id": "x"}, "target": 1}]}')
    assert read_graph(path).edges.tolist() == [[0, 1]]  # a node object, an index into nodes


def test_python_objects():
    karate = nx.karate_club_graph()
    graph = as_graph(karate)
    assert graph.node_count == 34 and len(graph.layout_edges()) == 78 and graph.weights is not None
    assert graph.edge_attributes == {}
    assert as_graph(graph) is graph

    symmetric = scipy.sparse.csr_array(np.array([[0, 1, 0], [1, 0, 2], [0, 2, 1]]))
    undirected = as_graph(symmetric)
    assert not undirected.directed and undirected.edges.tolist() == [[0, 1], [1, 2], [2, 2]]
    assert undirected.weights.tolist() == [1, 2, 1]
    directed = graph_from_scipy(scipy.sparse.coo_array(([1.0, 1.0], ([0, 1], [1, 2])), shape=(4, 4)))
    assert directed.directed and directed.node_count == 4 and directed.weights is None
    with pytest.raises(HeliosError, match="must be square"):
        graph_from_scipy(scipy.sparse.csr_array((2, 3)))

    array = as_graph(np.array([[0, 1], [1, 5]]))
    assert array.node_count == 6 and array.edge_count == 2
    with pytest.raises(HeliosError, match="cannot make a graph from dict"):
        as_graph({"a": 1})

    nx_positions = nx.path_graph(3)
    for node in nx_positions:
        nx_positions.nodes[node]["pos"] = (node, -node)
    assert graph_from_networkx(nx_positions).initial_positions.tolist() == [[0, 0], [1, -1], [2, -2]]


def test_text_encodings_and_format_option(tmp_path):
    (tmp_path / "utf16.csv").write_bytes("source,target\nÅsa,Bo\n".encode("utf-16"))
    assert read_graph(tmp_path / "utf16.csv").node_ids == ["Åsa", "Bo"]
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfa b\n")
    assert read_graph(tmp_path / "bom.txt").node_ids == ["a", "b"]
    (tmp_path / "latin1.graphml").write_bytes(
        b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        b'<graphml><graph><node id="caf\xe9"/></graph></graphml>\n'
    )
    assert read_graph(tmp_path / "latin1.graphml").node_ids == ["café"]
    (tmp_path / "sjis.graphml").write_bytes(
        '<?xml version="1.0" encoding="Shift_JIS"?>\n<graphml><graph><node id="東京"/></graph></graphml>\n'.encode(
            "shift_jis"
        )
    )
    assert read_graph(tmp_path / "sjis.graphml").node_ids == ["東京"]  # expat cannot; we convert first
    (tmp_path / "edges.dat").write_bytes(b"*x y\n")
    assert read_graph(tmp_path / "edges.dat", format="csv").node_ids == ["*x", "y"]
    with pytest.raises(HeliosError, match="unknown graph format 'dot'; choose from adjlist, edgelist, gexf, gml"):
        read_graph(tmp_path / "edges.dat", format="dot")


def test_concatenated_gzip_members(tmp_path):
    (tmp_path / "two.txt.gz").write_bytes(gzip.compress(b"1 2\n") + gzip.compress(b"2 3\n"))
    assert read_graph(tmp_path / "two.txt.gz").edges.tolist() == [[0, 1], [1, 2]]


def test_progress_is_reported_and_drawn_only_on_a_terminal(shared_data, tmp_path):
    calls = []
    read_graph(shared_data / "Email-Enron.txt.gz", progress=lambda done, total: calls.append((done, total)))
    size = (shared_data / "Email-Enron.txt.gz").stat().st_size
    assert calls[-1] == (size, size) and all(a[0] <= b[0] for a, b in itertools.pairwise(calls))

    stream = io.StringIO()
    silent = TerminalProgress("reading x", stream=stream)  # a StringIO is not a terminal
    silent(10, 100)
    silent.close()
    assert stream.getvalue() == ""
    TerminalProgress("reading x", stream=stream, enabled=True)(10, 100)  # a small file: no bar
    assert stream.getvalue() == ""
    drawn = TerminalProgress("reading x", stream=stream, enabled=True, min_bytes=0)
    drawn(10, 100)
    drawn(100, 100)
    drawn.close()
    output = stream.getvalue()
    assert "reading x [##" in output and " 10%" in output and "parsing" in output and output.endswith("\r")


# ----------------------------------------------------------------------------------------------------------
# The model's new fields


@pytest.mark.parametrize(
    ("fields", "pattern"),
    [
        ({"initial_positions": np.zeros((2, 4))}, r"Graph\.initial_positions: expected shape \(2, 2\) or"),
        ({"initial_positions": [[0.0, np.nan], [1, 2]]}, r"Graph\.initial_positions: row 0 is \[0\.0, nan\]"),
        ({"node_colors": [[0, 0, 256], [0, 0, 0]]}, r"Graph\.node_colors: expected integers in 0 \.\. 255"),
        ({"node_sizes": [1.0, -1.0]}, r"Graph\.node_sizes: size of node 1 is -1\.0"),
        ({"edge_attributes": {"w": [1, 2]}}, r"Graph\.edge_attributes\['w'\]: has 2 items, expected one"),
    ],
)
def test_new_fields_are_validated(fields, pattern):
    with pytest.raises(HeliosError, match=pattern):
        Graph(node_ids=["a", "b"], edges=[[0, 1]], weights=None, **fields)


def test_new_fields_are_read_only_and_optional():
    graph = Graph.from_edges([[0, 1]], initial_positions=[[0, 0], [np.nan, np.nan]], node_sizes=[1, np.nan])
    assert graph.initial_positions.dtype == np.float64 and not graph.initial_positions.flags.writeable
    assert graph.node_colors is None and graph.edge_attributes == {} and graph.multigraph is False
    with pytest.raises(HeliosError, match="unknown argument"):
        Graph.from_edges([[0, 1]], colours=None)


def test_fingerprint_covers_structure_not_attributes():
    base = Graph.from_edges([[0, 1], [1, 2]])
    assert graph_fingerprint(base) == graph_fingerprint(Graph.from_edges([[0, 1], [1, 2]], weights=[1, 2]))
    assert graph_fingerprint(base) != graph_fingerprint(Graph.from_edges([[0, 1], [2, 1]]))
    assert graph_fingerprint(base) != graph_fingerprint(Graph.from_edges([[0, 1], [1, 2]], directed=True))
    renamed = Graph.from_edges([[0, 1], [1, 2]], node_ids=["a", "b", "c"])
    assert graph_fingerprint(base) != graph_fingerprint(renamed)
    assert re.fullmatch(r"sha256:[0-9a-f]{32}", graph_fingerprint(base))


def test_real_gml_files_read_the_same_as_before(shared_data):
    """The vectorized GML reader agrees with networkx on a Newman file with labels and weights."""
    path = shared_data / "netscience.gml"
    graph = read_graph(path)
    reference = nx.read_gml(path, label="id")
    assert graph.node_ids == [str(node) for node in reference.nodes]
    assert graph.labels == [reference.nodes[node]["label"] for node in reference.nodes]
    pairs = zip(graph.edges.tolist(), graph.weights.tolist())
    ours = sorted((min(u, v), max(u, v), w) for (u, v), w in pairs)
    index = {node: number for number, node in enumerate(reference.nodes)}
    theirs = sorted(
        (min(index[u], index[v]), max(index[u], index[v]), float(data["value"]))
        for u, v, data in reference.edges(data=True)
    )
    assert ours == theirs


def test_path_objects_are_accepted(shared_data):
    assert read_graph(Path(shared_data / "karate.gml")).node_count == 34
