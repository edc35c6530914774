"""Issue 20, "nothing lost": every case below reads correctly, or is refused in one line naming the file and line.

Each table row builds its file in ``tmp_path``; a file that networkx can read is compared with networkx's
reading of the same bytes, and every refusal is matched from the file name on, line (and column) included.
The last tests run the ``helios`` command on one file of each refusal class.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from helios_app.errors import HeliosError
from helios_app.graph import LARGEST_LAYOUT_WEIGHT, Graph, graph_from_networkx
from helios_app.io import read_graph
from helios_app.io.formats import GraphFileError
from layouts import ForceAtlas2


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def at(text: str, fragment: str, occurrence: int = 0) -> str:
    """``LINE:COLUMN`` (1-based) where ``fragment`` starts in ``text``, computed here and not by Helios."""
    offset = -1
    for _ in range(occurrence + 1):
        offset = text.index(fragment, offset + 1)
    line = text.count("\n", 0, offset) + 1
    return f"{line}:{offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def refused(path: Path, message: str) -> str:
    """The pattern of a refusal of ``path``: its name, then ``message`` (a regex that starts at the line)."""
    return "^" + re.escape(str(path)) + ":" + message


def records(graph: Graph) -> list[tuple[str, str, float | None]]:
    """Edge records as (source id, target id, weight), in order."""
    weights = graph.weights.tolist() if graph.weights is not None else [None] * graph.edge_count
    return [(graph.node_ids[u], graph.node_ids[v], w) for (u, v), w in zip(graph.edges.tolist(), weights)]


def pair(u: str, v: str, directed: bool) -> tuple[str, str]:
    return (u, v) if directed else (min(u, v), max(u, v))


def by_label(graph: Graph) -> list[tuple[str, str, float]]:
    """Edge records by label, unweighted ones counting 1, sorted: what networkx's read_pajek keys nodes by."""
    labels = graph.labels or graph.node_ids
    weights = graph.weights.tolist() if graph.weights is not None else [1.0] * graph.edge_count
    edges = graph.edges.tolist()
    return sorted((*pair(labels[u], labels[v], graph.directed), w) for (u, v), w in zip(edges, weights))


def networkx_by_label(nx_graph: nx.Graph) -> list[tuple[str, str, float]]:
    directed = nx_graph.is_directed()
    return sorted((*pair(u, v, directed), float(w)) for u, v, w in nx_graph.edges(data="weight", default=1.0))


def edge_set(graph: Graph) -> list[tuple[str, str]]:
    """The edges as sorted id pairs (unordered ones for an undirected graph)."""
    return sorted(pair(graph.node_ids[u], graph.node_ids[v], graph.directed) for u, v in graph.edges.tolist())


# ----------------------------------------------------------------------------------------------------------
# 1. Pajek: repeated records are parallel edges whose weights sum, as in every other reader

VERTICES = '*Vertices 2\n1 "a"\n2 "b"\n'
PARALLEL = [
    # name, Pajek edge section, the same records as GML edges (source, target, weight or None), layout weight
    ("weighted_edges", "*Edges\n1 2 2\n1 2 3\n", [(1, 2, 2), (1, 2, 3)], [5.0]),
    ("weighted_arcs", "*Arcs\n1 2 2\n1 2 3\n", [(1, 2, 2), (1, 2, 3)], [5.0]),
    ("both_directions", "*Edges\n1 2 2\n2 1 3\n", [(1, 2, 2), (2, 1, 3)], [5.0]),
    ("unweighted", "*Edges\n1 2\n1 2\n", [(1, 2, None), (1, 2, None)], None),
    ("one_unweighted", "*Edges\n1 2 2\n2 1\n", [(1, 2, 2), (2, 1, None)], [3.0]),
]


def gml_text(edges: list[tuple[int, int, float | None]], directed: bool) -> str:
    lines = [
        f"graph [\n  directed {int(directed)}\n  multigraph 1",
        '  node [ id 1 label "a" ]',
        '  node [ id 2 label "b" ]',
    ]
    for source, target, weight in edges:
        weight_text = "" if weight is None else f" weight {weight}"
        lines.append(f"  edge [ source {source} target {target}{weight_text} ]")
    return "\n".join([*lines, "]\n"])


@pytest.mark.parametrize(("name", "section", "edges", "layout"), PARALLEL, ids=[row[0] for row in PARALLEL])
def test_pajek_repeated_edges_sum_as_in_gml_and_networkx(tmp_path, name, section, edges, layout):
    pajek = read_graph(write(tmp_path, f"{name}.net", VERTICES + section))
    directed = section.startswith("*Arcs")
    gml = read_graph(write(tmp_path, f"{name}.gml", gml_text(edges, directed)))
    assert pajek.directed == gml.directed == directed
    assert records(pajek) == records(gml)  # every record kept, unweighted ones alike
    assert (pajek.layout_weights() is None) == (layout is None)
    if layout is not None:
        assert pajek.layout_weights().tolist() == gml.layout_weights().tolist() == layout
    assert by_label(pajek) == networkx_by_label(nx.read_pajek(tmp_path / f"{name}.net"))


def test_pajek_repeated_unweighted_edges_match_an_edge_list(tmp_path):
    pajek = read_graph(write(tmp_path, "twice.net", "*Vertices 2\n*Edges\n1 2\n1 2\n"))
    edge_list = read_graph(write(tmp_path, "twice.txt", "1 2\n1 2\n"))
    assert records(pajek) == records(edge_list) == [("1", "2", None), ("1", "2", None)]
    assert pajek.layout_edges().tolist() == edge_list.layout_edges().tolist() == [[0, 1]]
    assert pajek.layout_weights() is edge_list.layout_weights() is None


# ----------------------------------------------------------------------------------------------------------
# 2. Node-link JSON: a missing edge list, ids and ends of different kinds, tuple ids

NODE_LINK_REFUSED = [
    # name, document, the fragment the error points at, message after LINE:COLUMN (a regex)
    (
        "no_edges",
        '{"nodes": [{"id": 1}, {"id": 2}]}',
        "{",
        r" no 'edges' \(or 'links'\) list: networkx node-link data has one",
    ),
    (
        "string_end_for_numbered_nodes",
        '{"nodes": [{}, {}, {}],\n "links": [{"source": "1", "target": "2"}]}',
        '"1"',
        r" links\[0\]\.source: \"1\" is a string, but nodes\[1\] has no 'id' and is numbered 1 by its position",
    ),
    (
        "string_end_for_number_id",
        '{"nodes": [{"id": 1}, {"id": 2}],\n "edges": [{"source": 1, "target": "2"}]}',
        '"2"',
        r" edges\[0\]\.target: \"2\" is a string, but nodes\[1\] has the number id 2",
    ),
    (
        "number_end_for_string_id",
        '{"nodes": [{"id": "1"}, {"id": "2"}],\n "edges": [{"source": 1, "target": "2"}]}',
        "1,",
        r' edges\[0\]\.source: 1 is a number, but nodes\[0\] has the string id "1"',
    ),
    (
        "string_end_for_tuple_id",
        '{"nodes": [{"id": [0, 1]}, {"id": [0, 2]}],\n "edges": [{"source": "(0, 1)", "target": [0, 2]}]}',
        '"(0, 1)"',
        r' edges\[0\]\.source: "\(0, 1\)" is a string, but nodes\[0\] has the tuple id \(0, 1\)',
    ),
    (
        "some_nodes_without_id",
        '{"nodes": [{"id": 0}, {"label": "x"}], "edges": []}',
        '{"label"',
        r" nodes\[1\]: this node has no 'id'",
    ),
]


@pytest.mark.parametrize(
    ("name", "document", "fragment", "message"), NODE_LINK_REFUSED, ids=[row[0] for row in NODE_LINK_REFUSED]
)
def test_node_link_refusals_name_the_line_and_field(tmp_path, name, document, fragment, message):
    path = write(tmp_path, f"{name}.json", document)
    with pytest.raises(GraphFileError, match=refused(path, at(document, fragment) + ":" + message)):
        read_graph(path)


NODE_LINK_READ = [
    # name, networkx graph written with node_link_data (edges key), whether the nodes lose their ids
    ("grid_tuple_ids", nx.grid_2d_graph(3, 3), False),
    ("nested_tuple_ids", nx.Graph([(("a", 1), (2.5,))]), False),
    ("numbered_by_position", nx.path_graph(4), True),
    ("directed_strings", nx.DiGraph([("x", "y"), ("y", "z")]), False),
]


@pytest.mark.parametrize(
    ("name", "nx_graph", "drop_ids"), NODE_LINK_READ, ids=[row[0] for row in NODE_LINK_READ]
)
def test_node_link_reads_as_networkx_and_show_agree(tmp_path, name, nx_graph, drop_ids):
    if name == "nested_tuple_ids":
        nx_graph.add_node(
            (0, (1, 2))
        )  # networkx reads nested lists as nested tuples for nodes (not for edges)
    data = nx.node_link_data(nx_graph, edges="links")
    if drop_ids:
        data["nodes"] = [{} for _ in data["nodes"]]  # networkx numbers nodes without ids by position
    path = write(tmp_path, f"{name}.json", json.dumps(data))
    graph = read_graph(path)
    reference = graph_from_networkx(nx.node_link_graph(data, edges="links"))  # what show(nx_graph) builds
    assert graph.node_ids == reference.node_ids
    assert edge_set(graph) == edge_set(reference)
    assert graph.directed == nx_graph.is_directed()
    if name == "nested_tuple_ids":
        assert graph.node_ids == ["('a', 1)", "(2.5,)", "(0, (1, 2))"]
    if name == "grid_tuple_ids":
        assert graph.node_ids[:2] == ["(0, 0)", "(0, 1)"]
        assert graph.node_ids == graph_from_networkx(nx_graph).node_ids


# ----------------------------------------------------------------------------------------------------------
# 3. The suffix names the format; content that clearly differs wins, with a warning

DETECTION_REFUSED = [
    # name, content, where the error points (LINE or LINE:COLUMN), message (a regex)
    ("unclosed.gml", "graph [ node [ id 1 ] ", "1:7", r" this '\[' is never closed"),
    ("stray_bracket.gml", "graph ]", "1:7", r" expected a value for key 'graph', found '\]'"),
    ("edge_list.gml", "alice bob\nbob carol\n", "1:1", r" no 'graph \[ \.\.\. \]' block: not a GML graph"),
    ("page.gml", "\n<html><body/></html>\n", "2", r" an XML file whose root element is <html>: neither"),
    ("edge_list.net", "1 2\n2 3\n", "1", r" no '\*Vertices N' line"),
    ("text.graphml", "1 2\n2 3\n", "1:1", r" not well-formed XML"),
    ("text.gexf", "\na,b\n", "2:1", r" not well-formed XML"),
    ("text.json", "1 2\n", "1:3", r" not valid JSON: Extra data"),
]


@pytest.mark.parametrize(
    ("name", "content", "location", "message"), DETECTION_REFUSED, ids=[row[0] for row in DETECTION_REFUSED]
)
def test_a_named_format_is_read_as_that_format(tmp_path, name, content, location, message):
    path = write(tmp_path, name, content)
    with pytest.raises(GraphFileError, match=refused(path, location + ":" + message)):
        read_graph(path)


GRAPHML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
    '<graph edgedefault="undirected"><node id="a"/><node id="b"/><edge source="a" target="b"/></graph>\n'
    "</graphml>\n"
)
GML = 'graph [\n  node [ id 1 label "a" ]\n  node [ id 2 label "b" ]\n  edge [ source 1 target 2 ]\n]\n'
CONTENT_WINS = [
    # file name, content, the format named in the warning, networkx's reader of the content
    ("graph.gml", GRAPHML, "GraphML", nx.read_graphml),
    ("graph.gexf", GRAPHML, "GraphML", nx.read_graphml),
    ("graph.net", GML, "GML", lambda path: nx.read_gml(path, label="id")),
    ("graph.graphml", GML, "GML", lambda path: nx.read_gml(path, label="id")),
    ("graph.json", '*Vertices 2\n1 "a"\n2 "b"\n*Edges\n1 2\n', "Pajek", nx.read_pajek),
]


@pytest.mark.parametrize(("name", "content", "kind", "networkx_reader"), CONTENT_WINS)
def test_content_that_clearly_differs_wins_with_a_warning(
    tmp_path, caplog, name, content, kind, networkx_reader
):
    path = write(tmp_path, name, content)
    with caplog.at_level(logging.WARNING):
        graph = read_graph(path)
    suffix = Path(name).suffix
    assert f"{path}: named {suffix} but the content is {kind}; reading it as {kind}" in caplog.messages
    reference = networkx_reader(path)
    assert graph.node_count == reference.number_of_nodes() and graph.edge_count == reference.number_of_edges()


def test_pajek_with_free_text_before_vertices_reads_as_networkx_does(tmp_path, caplog):
    text = 'Gleiser and Danon, jazz musicians (a title line)\n*Vertices 3\n1 "a"\n2 "b"\n3 "c"\n*Edges\n1 2 4\n2 3\n'
    path = write(tmp_path, "titled.net", text)
    with caplog.at_level(logging.WARNING):
        graph = read_graph(path)
    assert not caplog.messages
    assert graph.node_ids == ["1", "2", "3"] and graph.labels == ["a", "b", "c"]
    assert by_label(graph) == networkx_by_label(nx.read_pajek(path)) == [("a", "b", 4.0), ("b", "c", 1.0)]


# ----------------------------------------------------------------------------------------------------------
# 4. Ids keep their exact text: no two numbers become one 'inf'

LONG_A, LONG_B = "1" * 5000, "1" * 4999 + "2"
EXACT_IDS = [
    # name, content, the ids, the edges (as ids)
    (
        "huge_exponents.gml",
        "graph [\n  node [ id 1e400 ]\n  node [ id 1e401 ]\n  edge [ source 1e400 target 1e401 ]\n]\n",
        ["1e400", "1e401"],
        [("1e400", "1e401")],
    ),
    (
        "tiny_exponents.gml",
        "graph [\n  node [ id 1e-400 ]\n  node [ id 2e-400 ]\n  node [ id 0.5 ]\n  edge [ source 2e-400 target 0.5 ]\n]\n",
        ["1e-400", "2e-400", "0.5"],
        [("2e-400", "0.5")],
    ),
    (
        "long_integers.gml",
        f"graph [\n  node [ id {LONG_A} ]\n  node [ id {LONG_B} ]\n  edge [ source {LONG_B} target {LONG_A} ]\n]\n",
        [LONG_A, LONG_B],
        [(LONG_B, LONG_A)],
    ),
    (
        "huge_exponents.json",
        '{"nodes": [{"id": 1e400}, {"id": 1e401}, {"id": 7}], "edges": [{"source": 1e401, "target": 7}]}',
        ["1e400", "1e401", "7"],
        [("1e401", "7")],
    ),
    (
        "long_integers.json",
        f'{{"nodes": [{{"id": {LONG_A}}}, {{"id": {LONG_B}}}], "links": [{{"source": {LONG_A}, "target": {LONG_B}}}]}}',
        [LONG_A, LONG_B],
        [(LONG_A, LONG_B)],
    ),
]


@pytest.mark.parametrize(("name", "content", "ids", "edges"), EXACT_IDS, ids=[row[0] for row in EXACT_IDS])
def test_number_ids_keep_their_exact_text(tmp_path, name, content, ids, edges):
    graph = read_graph(write(tmp_path, name, content))
    assert graph.node_ids == ids
    assert [(source, target) for source, target, _ in records(graph)] == edges


def test_ordinary_number_ids_read_as_networkx_shows_them(tmp_path):
    content = (
        "graph [\n  node [ id 1.5 ]\n  node [ id 7 ]\n  node [ id -2 ]\n  edge [ source 1.5 target -2 ]\n]\n"
    )
    path = write(tmp_path, "numbers.gml", content)
    reference = nx.read_gml(path, label="id")
    assert read_graph(path).node_ids == [str(node) for node in reference.nodes] == ["1.5", "7", "-2"]


# ----------------------------------------------------------------------------------------------------------
# 5. Weights are float64 from every reader to the layout; a weight that is not finite is refused


def weighted_files(first: str, second: str) -> list[tuple[str, str]]:
    """Two edges a -- b (weight ``first``) and b -- c (``second``) in every format that carries weights."""
    return [
        (
            "w.gml",
            (
                'graph [\n  node [ id 1 label "a" ]\n  node [ id 2 label "b" ]\n  node [ id 3 label "c" ]\n'
                f"  edge [ source 1 target 2 weight {first} ]\n  edge [ source 2 target 3 weight {second} ]\n]\n"
            ),
        ),
        (
            "w.graphml",
            (
                '<?xml version="1.0"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
                '<key id="w" for="edge" attr.name="weight" attr.type="double"/>\n<graph edgedefault="undirected">\n'
                '<node id="a"/><node id="b"/><node id="c"/>\n'
                f'<edge source="a" target="b"><data key="w">{first}</data></edge>\n'
                f'<edge source="b" target="c"><data key="w">{second}</data></edge>\n</graph>\n</graphml>\n'
            ),
        ),
        (
            "w.gexf",
            (
                '<?xml version="1.0"?>\n<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n<graph>\n'
                '<nodes><node id="a"/><node id="b"/><node id="c"/></nodes>\n<edges>\n'
                f'<edge source="a" target="b" weight="{first}"/>\n<edge source="b" target="c" weight="{second}"/>\n'
                "</edges>\n</graph>\n</gexf>\n"
            ),
        ),
        ("w.net", f'*Vertices 3\n1 "a"\n2 "b"\n3 "c"\n*Edges\n1 2 {first}\n2 3 {second}\n'),
        ("w.txt", f"a b {first}\nb c {second}\n"),
        (
            "w.json",
            (
                '{"nodes": [{"id": "a"}, {"id": "b"}, {"id": "c"}],\n "links": [{"source": "a", "target": "b", '
                f'"weight": {first}}},\n {{"source": "b", "target": "c", "weight": {second}}}]}}'
            ),
        ),
    ]


NETWORKX_READERS = {
    ".gml": lambda path: nx.read_gml(path),
    ".graphml": nx.read_graphml,
    ".gexf": nx.read_gexf,
    ".net": nx.read_pajek,
    ".txt": lambda path: nx.read_weighted_edgelist(path),
    ".json": lambda path: nx.node_link_graph(json.loads(path.read_text()), edges="links"),
}


@pytest.mark.parametrize("index", range(6), ids=[name for name, _ in weighted_files("1", "1")])
def test_weights_beyond_float32_are_read_exactly(tmp_path, index):
    name, content = weighted_files("1.0e40", "1.0e-50")[index]  # the form networkx reads in GML too
    path = write(tmp_path, name, content)
    graph = read_graph(path)
    assert graph.weights.dtype == np.float64
    assert graph.weights.tolist() == [1e40, 1e-50]
    reference = NETWORKX_READERS[path.suffix](path)
    assert sorted(graph.weights.tolist()) == sorted(float(w) for _, _, w in reference.edges(data="weight"))


@pytest.mark.parametrize("index", range(6), ids=[name for name, _ in weighted_files("1", "1")])
def test_a_weight_that_is_not_finite_is_refused_at_its_line(tmp_path, index):
    name, content = weighted_files("2", "NaN")[index]
    path = write(tmp_path, name, content)
    line = content[: content.index("NaN")].count("\n") + 1
    with pytest.raises(GraphFileError, match=refused(path, f"{line}:")) as caught:
        read_graph(path)
    assert "\n" not in str(caught.value)


def test_the_layout_gets_float64_weights_in_proportion_and_stays_finite(tmp_path):
    graph = read_graph(write(tmp_path, "huge.txt", "a b 1e300\nb c 1e300\nb c 1e300\nc d 1\nd a 1e-300\n"))
    weights = graph.layout_weights()
    assert weights.dtype == np.float64 and np.all(np.isfinite(weights)) and np.all(weights > 0)
    by_pair = dict(zip(map(tuple, graph.layout_edges().tolist()), weights.tolist()))  # a, b, c, d: 0 .. 3
    assert by_pair[0, 1] == pytest.approx(
        LARGEST_LAYOUT_WEIGHT, rel=1e-12
    )  # the largest, scaled to the limit
    assert by_pair[1, 2] == pytest.approx(
        2 * LARGEST_LAYOUT_WEIGHT, rel=1e-12
    )  # parallel: each scaled, summed
    assert by_pair[2, 3] == pytest.approx(1e-294, rel=1e-12)  # the same factor for every weight
    layout = ForceAtlas2(graph.layout_edges(), graph.node_count, seed=1, weights=weights)
    for _ in range(100):
        layout.step()
    assert np.all(np.isfinite(layout.positions))

    small = read_graph(write(tmp_path, "small.txt", "a b 3\nb c 0.5\nb c 1\n"))
    assert small.layout_weights().tolist() == [3.0, 1.5]  # ordinary weights reach the layout unchanged


# ----------------------------------------------------------------------------------------------------------
# 6. GEXF 1.1: 'timetype', dates by default (the specification's dynamics example)

GEXF_11 = """<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://www.gexf.net/1.1draft" version="1.1">
  <meta lastmodifieddate="2009-03-20"><creator>Gexf.net</creator></meta>
  <graph mode="dynamic" defaultedgetype="directed" start="2009-01-01" end="2009-03-20"{timetype}>
    <nodes>
      <node id="0" label="Gephi" start="{first}"/>
      <node id="1" label="Webatlas"/>
      <node id="2" label="RTGI">
        <slices>
          <slice end="{second}"/>
          <slice start="{third}" end="{fourth}"/>
        </slices>
      </node>
    </nodes>
    <edges>
      <edge id="0" source="0" target="1" start="{first}"/>
      <edge id="1" source="2" target="1" end="{fourth}"/>
    </edges>
  </graph>
</gexf>
"""
DATES = {"first": "2009-03-01", "second": "2009-03-01", "third": "2009-03-05", "fourth": "2009-03-10"}
NUMBERS = {"first": "1", "second": "1", "third": "5", "fourth": "10.5"}


def seconds(date: str) -> float:
    return datetime.datetime.fromisoformat(date).replace(tzinfo=datetime.UTC).timestamp()


GEXF_11_READ = [
    # name, timetype attribute, times, time_format, the times as read
    ("spec_dates_by_default", "", DATES, "date", seconds),
    ("declared_date", ' timetype="date"', DATES, "date", seconds),
    ("declared_float", ' timetype="float"', NUMBERS, "number", float),
    ("numbers_by_first_time", "", NUMBERS, "number", float),
]


@pytest.mark.parametrize(
    ("name", "timetype", "times", "time_format", "convert"),
    GEXF_11_READ,
    ids=[row[0] for row in GEXF_11_READ],
)
def test_gexf_11_dynamic_files_read(tmp_path, name, timetype, times, time_format, convert):
    graph = read_graph(write(tmp_path, f"{name}.gexf", GEXF_11.format(timetype=timetype, **times)))
    first, second, third, fourth = (convert(times[key]) for key in ("first", "second", "third", "fourth"))
    assert graph.time_format == time_format and graph.directed
    assert graph.node_ids == ["0", "1", "2"] and graph.labels == ["Gephi", "Webatlas", "RTGI"]
    node_rows = list(
        zip(graph.node_times.owner.tolist(), graph.node_times.start.tolist(), graph.node_times.end.tolist())
    )
    assert node_rows == [(0, first, np.inf), (2, -np.inf, second), (2, third, fourth)]
    edge_rows = list(
        zip(graph.edge_times.owner.tolist(), graph.edge_times.start.tolist(), graph.edge_times.end.tolist())
    )
    assert edge_rows == [(0, first, np.inf), (1, -np.inf, fourth)]


GEXF_11_REFUSED = [
    # name, timetype attribute, times, the time at fault, message (a regex)
    (
        "number_in_declared_dates",
        ' timetype="date"',
        {**DATES, "third": "5"},
        'start="5"',
        r" node '2': start='5' is not a date .*; the <graph> has timetype='date'$",
    ),
    (
        "number_after_a_first_date",
        "",
        {**DATES, "fourth": "10"},
        'end="10"',
        (
            r" node '2': end='10' is not a date .*; the <graph> declares no timetype, so times are dates, as the "
            r"file's first time is"
        ),
    ),
    (
        "unknown_timetype",
        ' timetype="years"',
        DATES,
        "<graph",
        r" timetype='years'; expected float or date$",
    ),
]


@pytest.mark.parametrize(
    ("name", "timetype", "times", "fragment", "message"),
    GEXF_11_REFUSED,
    ids=[row[0] for row in GEXF_11_REFUSED],
)
def test_gexf_11_time_refusals_name_the_line(tmp_path, name, timetype, times, fragment, message):
    content = GEXF_11.format(timetype=timetype, **times)
    path = write(tmp_path, f"{name}.gexf", content)
    line = content[: content.index(fragment)].count("\n") + 1
    with pytest.raises(GraphFileError, match=refused(path, rf"{line}:\d+:" + message)):
        read_graph(path)


# ----------------------------------------------------------------------------------------------------------
# 7. Pajek two-mode networks: *Vertices N N1 and an N1 x (N - N1) *Matrix

TWO_MODE = [
    # name, vertex lines, matrix rows, the same network as *Edges lines
    ("unlabelled", "", "1 0 2\n0 3 0\n", "1 3 1\n1 5 2\n2 4 3\n"),
    (
        "labelled",
        '1 "ann"\n2 "bob"\n3 "club"\n4 "choir"\n5 "team"\n',
        "0 1 1\n1 0 0\n",
        "1 4 1\n1 5 1\n2 3 1\n",
    ),
]


@pytest.mark.parametrize(
    ("name", "vertex_lines", "matrix", "edge_lines"), TWO_MODE, ids=[row[0] for row in TWO_MODE]
)
def test_pajek_two_mode_matrix_reads_as_its_edges(tmp_path, name, vertex_lines, matrix, edge_lines):
    graph = read_graph(write(tmp_path, f"{name}.net", f"*Vertices 5 2\n{vertex_lines}*Matrix\n{matrix}"))
    same = read_graph(
        write(tmp_path, f"{name}_edges.net", f"*Vertices 5\n{vertex_lines}*Edges\n{edge_lines}")
    )
    assert not graph.directed
    assert records(graph) == records(same)
    assert graph.node_attributes["type"] == [False, False, True, True, True]  # igraph's name: the mode
    if vertex_lines:  # networkx reads the *Edges form (it needs vertex labels; it has no *Matrix)
        assert by_label(graph) == networkx_by_label(nx.read_pajek(tmp_path / f"{name}_edges.net"))


TWO_MODE_REFUSED = [
    # name, content, line, message (a regex)
    (
        "row_too_long",
        "*Vertices 4 2\n*Matrix\n1 0\n0 1 1\n",
        4,
        r" \*Matrix needs 2 rows \(the first mode\) of 2",
    ),
    ("too_few_rows", "*Vertices 4 2\n*Matrix\n1 0\n", 2, r" \*Matrix needs 2 rows \(the first mode\) of 2"),
    ("first_mode_too_big", "*Vertices 3 5\n*Matrix\n", 1, r" '\*Vertices 3 5' declares a first mode of 5"),
]


@pytest.mark.parametrize(
    ("name", "content", "line", "message"), TWO_MODE_REFUSED, ids=[row[0] for row in TWO_MODE_REFUSED]
)
def test_pajek_two_mode_refusals_name_the_line(tmp_path, name, content, line, message):
    path = write(tmp_path, f"{name}.net", content)
    with pytest.raises(GraphFileError, match=refused(path, f"{line}:" + message)):
        read_graph(path)


# ----------------------------------------------------------------------------------------------------------
# 8. An XML declaration that names no text encoding

ENCODINGS = [("base64", "not a text encoding"), ("zlib", "not a text encoding"), ("rot13", "not a text encoding"),
             ("bogus", "unknown")]  # fmt: skip


@pytest.mark.parametrize("suffix", [".graphml", ".gexf"])
@pytest.mark.parametrize(("encoding", "problem"), ENCODINGS)
def test_an_xml_encoding_that_is_not_text_is_refused(tmp_path, suffix, encoding, problem):
    root = "graphml" if suffix == ".graphml" else "gexf"
    path = write(
        tmp_path, f"doc{suffix}", f'<?xml version="1.0" encoding="{encoding}"?>\n<{root}><graph/></{root}>\n'
    )
    message = (
        rf"1: the XML declaration names the encoding '{encoding}', which is {problem}; save it as UTF-8$"
    )
    with pytest.raises(GraphFileError, match=refused(path, message)):
        read_graph(path)


# ----------------------------------------------------------------------------------------------------------
# 9. A lone surrogate escape is no character: refused where it is read

SURROGATES = [
    # name, document, the fragment the error points at, field
    ("id", '{"nodes": [{"id": "a"},\n  {"id": "\\ud800"}], "edges": []}', '"\\ud800"', r"nodes\[1\]\.id"),
    ("label", '{"nodes": [{"id": "a", "label": "x\\udc00"}], "edges": []}', '"x\\udc00"', r"nodes\[0\]\.label"),
    ("edge_end", '{"nodes": [{"id": "a"}],\n "edges": [{"source": "a", "target": "\\udbff"}]}', '"\\udbff"',
     r"edges\[0\]\.target"),
    ("key", '{"nodes": [{"id": "a", "\\ud800": 1}], "edges": []}', '{"id": "a"', r"nodes\[0\]"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "document", "fragment", "field"), SURROGATES, ids=[row[0] for row in SURROGATES]
)
def test_a_lone_surrogate_is_refused_at_its_field(tmp_path, name, document, fragment, field):
    path = write(tmp_path, f"{name}.json", document)
    with pytest.raises(
        GraphFileError, match=refused(path, at(document, fragment) + f": {field}: .*lone surrogate")
    ):
        read_graph(path)


def test_a_surrogate_pair_is_one_character(tmp_path):
    graph = read_graph(write(tmp_path, "pair.json", '{"nodes": [{"id": "\\ud83d\\ude00"}], "edges": []}'))
    assert graph.node_ids == ["\U0001f600"]


# ----------------------------------------------------------------------------------------------------------
# 10. Messages show numbers, not numpy reprs


def test_messages_show_plain_numbers():
    graph = Graph.from_edges(np.array([[0, 1], [1, 2]]), weights=np.array([2.0, -1.0]), source="g")
    with pytest.raises(HeliosError, match=r"^g: edge 2 \(1 -- 2\) has weight -1\.0; ") as caught:
        graph.layout_weights()
    assert "np." not in str(caught.value)

    nx_graph = nx.Graph()
    nx_graph.add_edge(np.int64(1), np.int64(2), weight=np.float64("nan"))
    with pytest.raises(
        HeliosError, match=r"^networkx graph: edge \(1, 2\) has weight nan, which is"
    ) as caught:
        graph_from_networkx(nx_graph)
    assert "np." not in str(caught.value)

    timed = nx.Graph()
    timed.add_node("a", start=np.float64(5), end=np.float64(1))
    with pytest.raises(HeliosError, match=r"^networkx graph: node 'a': start/end \(5\.0, 1\.0\) ends before"):
        graph_from_networkx(timed)


# ----------------------------------------------------------------------------------------------------------
# 11. What spreadsheets and networkx write: decimal commas, TSV headers, adjacency lists, quoted line ends

DECIMAL_COMMAS = [
    # name, content, the line at fault, message after it (a regex)
    (
        "tabs.tsv",
        "a\tb\t1,5\nb\tc\t2,5\n",
        1,
        r" weight '1,5' \(column 3\) uses a decimal comma; write 1\.5$",
    ),
    (
        "tabs.txt",
        "a\tb\t1,5\nb\tc\t2,5\n",
        1,
        r" weight '1,5' \(column 3\) uses a decimal comma; write 1\.5, or, if",
    ),
    (
        "tabs",
        "a\tb\t1,5\nb\tc\t2,5\n",
        1,
        r" weight '1,5' \(column 3\) uses a decimal comma; write 1\.5, or, if",
    ),
    (
        "spaces.txt",
        "1 2 1,5\n2 3 2,5\n",
        1,
        r" weight '1,5' \(column 3\) uses a decimal comma; write 1\.5, or, if",
    ),
    (
        "ids_with_spaces.tsv",
        "New York\tBoston\t0,25\n",
        1,
        r" weight '0,25' \(column 3\) uses a decimal comma",
    ),
    ("some_unweighted.txt", "a b 1,5\nb c\n", 1, r" weight '1,5' \(column 3\) uses a decimal comma"),
    ("exponent.txt", "a b -1,5e3\n", 1, r" weight '-1,5e3' \(column 3\) uses a decimal comma; write -1\.5e3"),
    (
        "second_line.tsv",
        "a\tb\t1\nb\tc\t2,5\n",
        2,
        r" weight '2,5' \(column 3\) uses a decimal comma; write 2\.5$",
    ),
    (
        "after_header.txt",
        "source target weight\na b 1\nb c 2,5\n",
        3,
        r" weight '2,5' \(column 3\) uses a decimal",
    ),
    (
        "semicolons.csv",
        "a;b;1,5\nb;c;2\n",
        1,
        r" weight '1,5' \(column 3\) uses a decimal comma; write 1\.5, and separate the columns with commas or tabs",
    ),
    (
        "tab_header.txt",
        "source\ttarget\tweight\na\tb\t1,5\n",
        2,
        r" weight '1,5' \(column 3\) uses a decimal",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "line", "message"), DECIMAL_COMMAS, ids=[row[0] for row in DECIMAL_COMMAS]
)
def test_a_decimal_comma_weight_is_refused_at_its_line(tmp_path, name, content, line, message):
    path = write(tmp_path, name, content)
    with pytest.raises(GraphFileError, match=refused(path, f"{line}:{message}")):
        read_graph(path)


def csv_records(text: str, delimiter: str, header: bool) -> list[tuple[str, str, float | None]]:
    """Edge records as the csv module reads ``text`` (line ends inside quoted fields kept)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = [row for row in reader if row and not row[0].startswith("#")]
    return [(row[0], row[1], float(row[2]) if len(row) > 2 else None) for row in rows[int(header) :]]


SEPARATED = [
    # name, content, separator, whether the first row is a header
    ("header_spaces.tsv", "source\ttarget\na b\tc\n", "\t", True),
    ("header_spaces.txt", "source\ttarget\na b\tc\n", "\t", True),
    ("header_spaces", "source\ttarget\na b\tc\nc\td e\n", "\t", True),
    ("header_weight.tsv", "source\ttarget\tweight\nNew York\tBoston\t2.5\nBoston\tChicago\t1\n", "\t", True),
    ("commas_in_ids.tsv", "a,b\tc\nc\td,e\n", "\t", False),
    ("no_header_spaces.tsv", "a b\tc\nc\td\n", "\t", False),
    ("quoted_ids.csv", '"Bus stop 12",14\n"Bus stop 14",15\n', ",", False),
    ("csv_weights.csv", "a,b,1\nb,c,2\n", ",", False),
    ("quoted_line_end.csv", 'source,target\n"x\ny",c\nc,d\n', ",", True),
    ("quoted_line_end_first.csv", 'a,b\n"x\ny",c\n', ",", False),
    ("quoted_line_end.tsv", 'a\tb\n"x\ny"\tc\nc\td\n', "\t", False),
    ("quoted_weighted.csv", 'a,"b\n\nc",1.5\n', ",", False),
]


@pytest.mark.parametrize(
    ("name", "content", "delimiter", "header"), SEPARATED, ids=[row[0] for row in SEPARATED]
)
def test_separated_files_read_as_the_csv_module_reads_them(tmp_path, name, content, delimiter, header):
    graph = read_graph(write(tmp_path, name, content))
    assert records(graph) == csv_records(content, delimiter, header)


def test_a_quoted_line_end_is_kept_and_logged(tmp_path, caplog):
    path = write(tmp_path, "quoted.csv", 'a,b\n"x\ny",c\n')
    with caplog.at_level(logging.WARNING):
        graph = read_graph(path)
    assert graph.node_ids == ["a", "b", "x\ny", "c"]
    assert (
        f"{path}:2: a quoted field runs over lines 2 to 3; its line ends are kept in the id"
        in caplog.messages
    )


UNCLOSED_QUOTES = [
    # name, content, the line where the quoted field starts
    ("stray.csv", 'a,b\n"c,d\ne,f\ng,h\n', 2),
    ("stray.tsv", 'a\tb\nc\t"d\ne\tf\n', 2),
    ("last_line.csv", 'a,b\nc,"d', 2),
]


@pytest.mark.parametrize(
    ("name", "content", "line"), UNCLOSED_QUOTES, ids=[row[0] for row in UNCLOSED_QUOTES]
)
def test_a_quoted_field_never_closed_is_refused_where_it_starts(tmp_path, name, content, line):
    path = write(tmp_path, name, content)
    with pytest.raises(
        GraphFileError, match=refused(path, f"{line}: a quoted field on this line is never closed")
    ):
        read_graph(path)


@pytest.mark.parametrize("block_bytes", [16, 64, 1 << 23])
def test_a_tsv_reads_the_same_in_blocks_of_any_size(tmp_path, monkeypatch, block_bytes):
    """Blocks of plain tab-separated lines take the whitespace path, others the csv reader: one result."""
    from helios_app.io.formats import edgelist

    monkeypatch.setattr(edgelist, "BLOCK_BYTES", block_bytes)
    lines = ["source\ttarget\tweight"]
    for index in range(60):
        if index % 7 == 3:
            lines.append(f'"node\n{index}"\t{index + 1}\t2')  # a quoted line end
        elif index % 5 == 1:
            lines.append(f"node {index}\t{index + 1}\t1.5")  # a space in an id
        elif index % 11 == 2:
            lines.append("# a comment with spaces")
        else:
            lines.append(f"{index}\t{index + 1}\t{index}")
    content = "\n".join(lines) + "\n"
    graph = read_graph(write(tmp_path, "mixed.tsv", content))
    expected = [record for record in csv_records(content, "\t", True) if not record[0].startswith("#")]
    assert records(graph) == expected


def isolated_first() -> nx.Graph:
    """A star with string ids after an isolated node (a multi-line list that starts with ``lonely 0``)."""
    nx_graph = nx.Graph()
    nx_graph.add_node("lonely")
    nx_graph.add_edges_from(nx.star_graph(["hub", "x", "y", "z"]).edges())
    return nx_graph


ADJACENCY_GRAPHS = [
    # name, a networkx graph written with write_adjlist and write_multiline_adjlist
    ("k3_directed", nx.complete_graph(3, nx.DiGraph)),
    ("path", nx.path_graph(5)),
    ("self_loop", nx.Graph([("a", "b"), ("b", "b")], name="g")),
    ("multigraph", nx.MultiGraph([(1, 2), (1, 2), (2, 3)])),
    ("weighted", nx.Graph([(1, 2, {"weight": 2.5, "color": "dark red"}), (2, 3, {"weight": 4})])),
    ("isolated_first", isolated_first()),
]


def nx_edge_set(nx_graph: nx.Graph) -> list[tuple[str, str]]:
    return sorted(pair(u, v, nx_graph.is_directed()) for u, v in nx_graph.edges())


@pytest.mark.parametrize("suffix", [".adjlist", ".txt", ""])
@pytest.mark.parametrize(("name", "nx_graph"), ADJACENCY_GRAPHS, ids=[row[0] for row in ADJACENCY_GRAPHS])
def test_networkx_adjacency_lists_read_as_networkx_reads_them(tmp_path, name, nx_graph, suffix):
    """networkx's header marks the file where the suffix does not."""
    path = tmp_path / f"{name}{suffix}"
    nx.write_adjlist(nx_graph, path)
    graph = read_graph(path)
    reference = nx.read_adjlist(path)
    assert graph.node_ids == list(reference.nodes)
    assert edge_set(graph) == nx_edge_set(reference)
    assert graph.weights is None and not graph.directed


@pytest.mark.parametrize("suffix", [".adjlist", ".txt"])
@pytest.mark.parametrize(("name", "nx_graph"), ADJACENCY_GRAPHS, ids=[row[0] for row in ADJACENCY_GRAPHS])
def test_networkx_multiline_adjacency_lists_read_as_networkx_reads_them(tmp_path, name, nx_graph, suffix):
    """The dicts of the neighbour lines mark the file where the suffix does not, header or not."""
    path = tmp_path / f"{name}{suffix}"
    nx.write_multiline_adjlist(nx_graph, path)
    if suffix == ".txt":  # without networkx's header
        path.write_text(
            "".join(line for line in path.read_text().splitlines(True) if not line.startswith("#"))
        )
    graph = read_graph(path)
    reference = nx.read_multiline_adjlist(path)
    assert graph.node_ids == list(reference.nodes)
    assert edge_set(graph) == nx_edge_set(reference)
    assert by_label(graph) == networkx_by_label(reference)
    if name == "weighted":
        assert graph.edge_attributes == {"color": ["dark red", None]}  # networkx's reader makes it 'darkred'


def test_an_adjacency_list_without_its_header_or_suffix_is_an_edge_list(tmp_path):
    """Without networkx's header and a .adjlist name, ``0 1 2`` is an edge with a weight (documented)."""
    path = tmp_path / "k3.txt"
    nx.write_adjlist(nx.complete_graph(3, nx.DiGraph), path)
    path.write_text("".join(line for line in path.read_text().splitlines(True) if not line.startswith("#")))
    assert records(read_graph(path)) == [("0", "1", 2.0), ("1", "0", 2.0), ("2", "0", 1.0)]
    renamed = path.rename(tmp_path / "k3.adjlist")
    assert edge_set(read_graph(renamed)) == nx_edge_set(nx.read_adjlist(renamed))
    assert edge_set(read_graph(renamed, format="adjlist")) == [("0", "1"), ("0", "2"), ("1", "2")]


ADJACENCY_REFUSED = [
    # name, content, the line at fault, message after it (a regex)
    (
        "ragged.txt",
        "0 1 2\n1 2\n",
        2,
        (
            r" found 2 columns, but line 1 has 3; every line needs the same columns \(source target \[weight\]\); "
            r"if each line is a node and its neighbours, name the file \.adjlist"
        ),
    ),
    (
        "wide.txt",
        "0 1 2 3\n",
        1,
        r" expected 2 or 3 columns \(source target \[weight\]\), found 4; if each line",
    ),
    (
        "isolated_first.txt",
        "".join(f"{node} 0\n" for node in range(25)) + "25 1\n26 {}\n26 0\n",
        27,
        (
            r" '\{\}' \(column 2\) is an attribute dict, not a node id: this looks like networkx's multi-line "
            r"adjacency list \(write_multiline_adjlist\); name the file \.adjlist"
        ),
    ),
    ("dict_id.txt", "1 2\n3 {'weight': 1}\n", 1, r" node '1' has 2 neighbours, but the file ends after 1"),
    ("dict_id.csv", "1,2\n3,{}\n", 2, r" '\{\}' \(column 2\) is an attribute dict, not a node id"),
    ("truncated.adjlist", "0 2\n1 {}\n", 1, r" node '0' has 2 neighbours, but the file ends after 1"),
    (
        "bad_count.adjlist",
        "0 1\n1 {}\nx y z\n",
        3,
        r" expected a node and its neighbour count \('0 2', as networkx",
    ),
    (
        "bad_dict.adjlist",
        "0 1\n1 {'weight': [1]}\n",
        2,
        r" the attributes \"\{'weight': \[1\]\}\" are not a dict of simple values .* write_multiline_adjlist writes",
    ),
    ("comments.adjlist", "# nothing\n\n", None, r" the file has only comments and blank lines, no nodes"),
]


@pytest.mark.parametrize(
    ("name", "content", "line", "message"), ADJACENCY_REFUSED, ids=[row[0] for row in ADJACENCY_REFUSED]
)
def test_adjacency_list_refusals_name_the_line(tmp_path, name, content, line, message):
    path = write(tmp_path, name, content)
    with pytest.raises(GraphFileError, match=refused(path, ("" if line is None else f"{line}:") + message)):
        read_graph(path)


# ----------------------------------------------------------------------------------------------------------
# The command line: one refusal of each class, in one line, with no traceback

CLI_REFUSALS = [
    # name, content, the text on the line at fault
    ("pajek_matrix.net", "*Vertices 4 2\n*Matrix\n1 0\n0 1 1\n", "0 1 1"),
    ("no_edges.json", '{"nodes": [{"id": 1}]}', "{"),
    ("kinds.json", '{"nodes": [{"id": 1}, {"id": 2}],\n "edges": [{"source": 1, "target": "2"}]}', '"2"'),
    ("unclosed.gml", "graph [\n  node [ id 1 ]\n", "graph"),
    ("weight.gml", "graph [\n  node [ id 1 ]\n  edge [ source 1 target 1 weight 1e400 ]\n]\n", "1e400"),
    ("weight.txt", "a b 1\nb c nan\n", "nan"),
    ("decimal_comma.tsv", "a\tb\t1\nb\tc\t1,5\n", "1,5"),
    ("multiline.adjlist", "0 2\n1 {}\n", "0 2"),
    ("times.gexf", GEXF_11.format(timetype=' timetype="date"', **{**DATES, "third": "5"}), 'start="5"'),
    ("encoding.graphml", '<?xml version="1.0" encoding="base64"?>\n<graphml/>\n', "<?xml"),
    ("surrogate.json", '{"nodes": [\n{"id": "\\ud800"}], "edges": []}', "\\ud800"),
]


@pytest.mark.parametrize(("name", "content", "fragment"), CLI_REFUSALS, ids=[row[0] for row in CLI_REFUSALS])
def test_the_command_refuses_in_one_line(tmp_path, name, content, fragment):
    path = write(tmp_path, name, content)
    line = content[: content.index(fragment)].count("\n") + 1
    helios = Path(sys.executable).with_name("helios")
    result = subprocess.run(
        [str(helios), "layout", str(path), "-o", str(tmp_path / "out.csv")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"helios: error: {path}:{line}:"), lines[0]
    assert not (tmp_path / "out.csv").exists()
