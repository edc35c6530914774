"""Tests of time in graphs: reading it (GEXF, edge lists, networkx) and asking what is present when."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from xml.etree import ElementTree

import networkx as nx
import numpy as np
import pytest

from helios_app.errors import HeliosError
from helios_app.graph import Graph, TimeIntervals, graph_from_networkx, timeline
from helios_app.io import read_graph
from helios_app.io.formats import GraphFileError

DYNAMIC = Path(__file__).resolve().parents[1] / "data" / "dynamic.gexf"
NAMESPACE = {"gexf": "http://gexf.net/1.3"}
BEFORE, MIDDLE, AFTER = "2014-01-01", "2019-06-01", "2030-01-01"


def seconds(date: str) -> float:
    """An ISO date or dateTime as seconds since the Unix epoch, UTC, computed here and not by helios."""
    moment = datetime.datetime.fromisoformat(date)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


def gexf(body: str, graph: str = 'mode="dynamic" timeformat="double"') -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gexf xmlns="http://gexf.net/1.3" version="1.3">\n'
        f"<graph {graph}>\n{body}\n</graph>\n</gexf>\n"
    ).encode()


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def present(intervals: list[tuple[str | None, str | None]], date: str) -> bool:
    """Whether a node with these (start, end) ISO dates is present on ``date``: no interval means always.

    ISO dates of one length compare as text in time order, so this needs no date arithmetic.
    """
    if not intervals:
        return True
    return any((start is None or start <= date) and (end is None or date < end) for start, end in intervals)


def file_intervals(element: ElementTree.Element) -> list[tuple[str | None, str | None]]:
    """The intervals of a GEXF node or edge, read with ElementTree: its start/end and its spells."""
    intervals = []
    if element.get("start") is not None or element.get("end") is not None:
        intervals.append((element.get("start"), element.get("end")))
    for spell in element.findall("gexf:spells/gexf:spell", NAMESPACE):
        intervals.append((spell.get("start"), spell.get("end")))
    return intervals


# ----------------------------------------------------------------------------------------------------------
# The dynamic GEXF fixture: helios against an independent parse and against networkx


def test_fixture_counts_match_an_independent_parse():
    root = ElementTree.parse(DYNAMIC).getroot()
    nodes = {node.get("id"): file_intervals(node) for node in root.iter("{http://gexf.net/1.3}node")}
    edges = [
        (edge.get("source"), edge.get("target"), file_intervals(edge))
        for edge in root.iter("{http://gexf.net/1.3}edge")
    ]
    graph = read_graph(DYNAMIC)
    assert graph.node_count == len(nodes) == 30
    assert graph.time_format == "date"
    counts = []
    for date in (BEFORE, MIDDLE, AFTER):
        expected_nodes = sum(present(intervals, date) for intervals in nodes.values())
        expected_edges = sum(
            present(intervals, date) and present(nodes[source], date) and present(nodes[target], date)
            for source, target, intervals in edges
        )
        assert timeline.node_count_at(graph, seconds(date)) == expected_nodes, date
        assert int(timeline.active_edges(graph, at=seconds(date)).sum()) == expected_edges, date
        shown = {
            graph.node_ids[index] for index in np.flatnonzero(timeline.active_nodes(graph, at=seconds(date)))
        }
        assert shown == {node_id for node_id, intervals in nodes.items() if present(intervals, date)}
        counts.append(expected_nodes)
    assert counts == [2, 16, 16]  # the two external collaborators with no time; the group mid-way; at the end
    start, end = graph.time_range
    assert (start, end) == (seconds("2015-01-01"), seconds("2024-09-30"))


def test_fixture_matches_networkx_read_gexf():
    nx_graph = nx.read_gexf(DYNAMIC)
    converted = graph_from_networkx(nx_graph)
    graph = read_graph(DYNAMIC)
    assert converted.time_format == "date"
    for date in (BEFORE, MIDDLE, "2020-06-01", AFTER):
        expected = 0
        for _, data in nx_graph.nodes(data=True):
            intervals = list(data.get("spells", []))
            if "start" in data or "end" in data:
                intervals.append((data.get("start"), data.get("end")))
            expected += present(intervals, date)
        assert timeline.node_count_at(graph, seconds(date)) == expected, date
        ours = {graph.node_ids[i] for i in np.flatnonzero(timeline.active_nodes(graph, at=seconds(date)))}
        theirs = {
            converted.node_ids[i] for i in np.flatnonzero(timeline.active_nodes(converted, at=seconds(date)))
        }
        assert ours == theirs
    assert converted.time_range == graph.time_range
    assert "start" not in converted.node_attributes and "end" not in converted.edge_attributes


def test_spells_a_node_leaves_and_comes_back():
    graph = read_graph(DYNAMIC)
    dana, ada, sami = (graph.node_ids.index(node_id) for node_id in ("n04", "n01", "n19"))
    dana_at = [
        timeline.active_nodes(graph, at=seconds(date))[dana]
        for date in ("2018-01-01", "2020-06-01", "2022-01-01")
    ]
    assert dana_at == [True, False, True]
    # Their edge has two spells as well; Ada and Sami's edge has no end, but it is hidden while Sami is away.
    ada_dana = int(np.flatnonzero((graph.layout_edges() == sorted((ada, dana))).all(axis=1))[0])
    ada_sami = int(np.flatnonzero((graph.layout_edges() == sorted((ada, sami))).all(axis=1))[0])
    shown = {
        date: timeline.active_edges(graph, at=seconds(date))
        for date in ("2016-07-15", "2018-01-01", "2020-06-01")
    }
    assert [shown[date][ada_dana] for date in shown] == [True, True, False]
    assert [shown[date][ada_sami] for date in shown] == [True, False, False]
    # A window that overlaps one of Sami's three visits shows Sami; one between visits does not.
    assert timeline.active_nodes(graph, window=(seconds("2019-08-01"), seconds("2019-12-01")))[sami]
    assert not timeline.active_nodes(graph, window=(seconds("2019-09-01"), seconds("2023-04-30")))[sami]


def test_dynamic_attribute_keeps_its_first_value():
    graph = read_graph(DYNAMIC)
    papers = dict(zip(graph.node_ids, graph.node_attributes["papers"]))
    assert (papers["n01"], papers["n03"], papers["n02"]) == (12, 2, None)


def test_static_graphs_are_unaffected(shared_data):
    graph = read_graph(shared_data / "karate.gml")
    assert (graph.node_times, graph.edge_times, graph.time_range, graph.time_format) == (
        None,
        None,
        None,
        "number",
    )
    assert timeline.node_count_at(graph, 0.0) == 34
    assert timeline.active_edges(graph, window=(-1e9, 1e9)).all()
    assert timeline.active_nodes(graph).all()


# ----------------------------------------------------------------------------------------------------------
# GEXF time forms


def test_gexf_numbers_half_open_intervals_instants_and_1_1_open_bounds(tmp_path):
    body = """<nodes>
      <node id="a" start="1" end="5"/>
      <node id="b" timestamps="&lt;[1, 3, 4.5]&gt;"/>
      <node id="c" timestamp="2"/>
      <node id="d" intervals="&lt;[0, 1]; [6, 7]&gt;"/>
      <node id="e" startopen="2" endopen="3"/>
      <node id="f"><spells><spell timestamp="9"/><spell start="10"/></spells></node>
      <node id="g"/>
    </nodes>
    <edges><edge source="a" target="b" start="3"/></edges>"""
    graph = read_graph(write(tmp_path, "times.gexf", gexf(body)))
    assert graph.time_format == "number"
    assert graph.time_range == (0.0, 10.0)

    def shown(**query) -> str:
        return "".join(
            node_id for node_id, on in zip(graph.node_ids, timeline.active_nodes(graph, **query)) if on
        )

    assert shown(at=1) == "abg"  # a starts at 1 (included), b has an instant at 1, d's [0, 1) has ended
    assert shown(at=3) == "abg"  # e's [2, 3) has ended: ends are excluded
    assert shown(at=3.5) == "ag"  # between b's instants
    assert shown(at=5) == "g"  # a's end
    assert shown(at=6.5) == "dg"
    assert shown(at=9) == "fg" and shown(at=9.5) == "g" and shown(at=1e6) == "fg"
    assert shown(window=(3.2, 4.4)) == "ag"  # no instant of b inside
    assert shown(window=(4.5, 4.5)) == "abg"  # the instant at a window's edge counts
    assert shown(window=(-10, 0)) == "dg"  # d starts at 0
    assert shown(window=(5, 5.5)) == "g"
    assert shown() == "abcdefg"
    assert [timeline.active_edges(graph, at=t)[0] for t in (2, 3, 4, 4.5)] == [False, True, False, True]


def test_gexf_dates_and_datetimes(tmp_path):
    body = """<nodes>
      <node id="a" start="2020-01-01T02:00:00+02:00" end="2020-01-02"/>
      <node id="b" start="2020-01-01T12:30:00"/>
    </nodes>"""
    graph = read_graph(write(tmp_path, "dates.gexf", gexf(body, 'mode="dynamic" timeformat="dateTime"')))
    assert graph.time_format == "date"
    assert graph.time_range == (seconds("2020-01-01"), seconds("2020-01-02"))
    assert graph.node_times.start.tolist() == [seconds("2020-01-01T00:00:00"), seconds("2020-01-01T12:30:00")]
    assert timeline.node_count_at(graph, seconds("2020-01-01T06:00:00")) == 1
    assert timeline.node_count_at(graph, seconds("2020-01-01T13:00:00")) == 2
    assert timeline.node_count_at(graph, seconds("2020-01-02T00:00:00")) == 1


BAD_TIMES = [
    # name, graph attributes, body, the message after PATH (a regex)
    (
        "end_before_start",
        'timeformat="integer"',
        '<nodes>\n  <node id="n7" start="2005" end="2001"/>\n</nodes>',
        r":5:3: node 'n7': end='2001' is before start='2005'$",
    ),
    (
        "bad_date",
        'timeformat="date"',
        (
            '<nodes><node id="a"/><node id="b"/></nodes>\n<edges>\n'
            '<edge id="e9" source="a" target="b" start="2009-02-30"/>\n</edges>'
        ),
        (
            r":6:1: edge 'e9': start='2009-02-30' is not a date "
            r"\(expected yyyy-mm-dd or yyyy-mm-ddThh:mm:ss\); the <graph> has timeformat='date'$"
        ),
    ),
    (
        "date_in_a_number_graph",
        'mode="dynamic"',
        '<nodes><node id="x" start="2009-01-01"/></nodes>',
        (
            r":4:8: node 'x': start='2009-01-01' is not a finite number; the <graph> declares no "
            r'timeformat, so times are numbers \(use timeformat="date"\)$'
        ),
    ),
    (
        "bad_spell",
        'timeformat="double"',
        (
            '<nodes><node id="s">\n<spells>\n  <spell start="1" end="2"/>\n'
            '  <spell start="4" end="3"/>\n</spells>\n</node></nodes>'
        ),
        r":7:3: node 's': end='3' is before start='4'$",
    ),
    (
        "edge_without_id",
        'timeformat="double"',
        '<nodes><node id="a"/><node id="b"/></nodes>\n<edges><edge source="a" target="b" end="x"/></edges>',
        r":5:8: edge 'a' -> 'b': end='x' is not a finite number",
    ),
    (
        "bad_timestamps",
        'timeformat="double"',
        '<nodes><node id="t" timestamps="&lt;[]&gt;"/></nodes>',
        r":4:8: node 't': timestamps='<\[\]>' lists no time",
    ),
    (
        "bad_intervals",
        'timeformat="double"',
        '<nodes><node id="i" intervals="&lt;[1]&gt;"/></nodes>',
        r":4:8: node 'i': intervals='<\[1\]>'; expected <\[start, end\]; \[start, end\]>",
    ),
    (
        "unknown_timeformat",
        'timeformat="years"',
        "<nodes/>",
        r":3:1: timeformat='years'; expected integer, double, date or dateTime$",
    ),
]


@pytest.mark.parametrize(("name", "graph", "body", "pattern"), BAD_TIMES, ids=[row[0] for row in BAD_TIMES])
def test_bad_gexf_time_names_the_element_and_line(tmp_path, name, graph, body, pattern):
    path = write(tmp_path, f"{name}.gexf", gexf(body, graph))
    with pytest.raises(GraphFileError, match=pattern) as caught:
        read_graph(path)
    assert str(caught.value).startswith(f"{path}:")


# ----------------------------------------------------------------------------------------------------------
# Edge lists with a time column


def test_edge_list_time_column_numbers_weights_and_first_appearance(tmp_path):
    path = write(
        tmp_path, "contacts.txt", "# source target time weight\na b 3 2.5\nb c 1 1\na b 7 1\nc c 2 1\n"
    )
    graph = read_graph(path, time_column=3)
    assert graph.node_ids == ["a", "b", "c"]
    assert graph.weights.tolist() == [2.5, 1.0, 1.0, 1.0]
    assert graph.edge_times.start.tolist() == graph.edge_times.end.tolist() == [3.0, 1.0, 7.0, 2.0]
    assert graph.time_range == (1.0, 7.0)
    # Nodes appear at their first edge: b and c at 1, a at 3, and stay.
    assert [timeline.node_count_at(graph, t) for t in (0, 1, 2.9, 3, 100)] == [0, 2, 2, 3, 3]
    # The layout edge a-b carries two records (times 3 and 7), shown at either instant only; the self-loop
    # is dropped.
    assert graph.layout_edges().tolist() == [[0, 1], [1, 2]]
    assert graph.layout_edge_indices().tolist() == [0, 1, 0, -1]
    assert [timeline.active_edges(graph, at=t).tolist() for t in (1, 3, 5, 7)] == [
        [False, True],
        [True, False],
        [False, False],
        [True, False],
    ]
    assert timeline.active_edges(graph, window=(2, 8)).tolist() == [True, False]
    with pytest.raises(GraphFileError, match=r"expected 2 or 3 columns"):
        read_graph(path)  # without the option, four columns are too many
    three = write(tmp_path, "three.txt", "a b 3\nb c 1\n")
    assert read_graph(three).weights.tolist() == [3.0, 1.0] and read_graph(three).edge_times is None
    assert read_graph(three, time_column=3).weights is None


def test_edge_list_time_column_by_name_and_dates(tmp_path):
    path = write(
        tmp_path, "mail.csv", "author,coauthor,weight,date\nada,ben,2,2019-03-01\nben,chen,1,2020-01-15\n"
    )
    graph = read_graph(path, time_column="date")
    assert graph.time_format == "date"
    assert graph.weights.tolist() == [2.0, 1.0]
    assert graph.edge_times.start.tolist() == [seconds("2019-03-01"), seconds("2020-01-15")]
    assert timeline.node_count_at(graph, seconds("2019-06-01")) == 2
    assert timeline.node_count_at(graph, seconds("2020-06-01")) == 3


BAD_EDGE_LISTS = [
    # content, time_column, the message after PATH (a regex)
    ("a b 1\nb c soon\n", 3, r":2: time 'soon' \(column 3\) is neither a finite number nor a date"),
    (
        "a b 2019-01-01\nb c 2019\n",
        3,
        r":2: time '2019' \(column 3\) is a number, but line 1 has a date; a time column holds numbers",
    ),
    ("a b 1\nb c inf\n", 3, r":2: time 'inf' \(column 3\) is neither"),
    ("a b 1\n", 2, r": the time column is column 2; it must be column 3 or 4"),
    ("a b 1\n", 4, r":1: expected 4 columns \(source target weight time\), found 3"),
    ("source,target,when\na,b,1\n", "time", r": no header row names a column 'time'"),
]


@pytest.mark.parametrize(("content", "time_column", "pattern"), BAD_EDGE_LISTS)
def test_bad_edge_list_times_name_the_line(tmp_path, content, time_column, pattern):
    path = write(tmp_path, "bad.txt", content)
    with pytest.raises(GraphFileError, match=pattern) as caught:
        read_graph(path, time_column=time_column)
    assert str(caught.value).startswith(f"{path}:")


def test_time_column_is_refused_for_other_formats():
    with pytest.raises(GraphFileError, match=r"dynamic\.gexf: a time column is read from edge lists only"):
        read_graph(DYNAMIC, time_column=3)


# ----------------------------------------------------------------------------------------------------------
# networkx graphs


def test_networkx_start_end_spells_and_time_attributes():
    nx_graph = nx.MultiGraph()
    nx_graph.add_node("a", start=1, end=5, colour="red")
    nx_graph.add_node("b", spells=[(0, 2), (4, None)])
    nx_graph.add_node("c")
    nx_graph.add_edge("a", "b", time=1)
    nx_graph.add_edge("a", "b", timestamp=[4.5, 6])
    nx_graph.add_edge("b", "c", start=np.float64(0.5))
    graph = graph_from_networkx(nx_graph)
    assert graph.time_format == "number" and graph.time_range == (0.0, 6.0)
    assert graph.node_attributes == {"colour": ["red", None, None]}
    assert graph.edge_attributes == {}

    def count(t):
        return timeline.node_count_at(graph, t)

    assert [count(t) for t in (0, 1, 2, 3, 4.5, 5, 100)] == [2, 3, 2, 2, 3, 2, 2]
    assert timeline.active_edge_records(graph, at=1).tolist() == [True, False, True]
    assert timeline.active_edge_records(graph, at=4.5).tolist() == [False, True, True]
    assert timeline.active_edges(graph, at=6).tolist() == [False, True]  # a has ended: a-b is hidden


def test_networkx_datetimes():
    nx_graph = nx.Graph()
    nx_graph.add_node("a", start=datetime.date(2020, 1, 1), end=datetime.datetime(2021, 1, 1, 12, 0))
    nx_graph.add_node("b", start=np.datetime64("2020-06-01"), end="2020-12-31T00:00:00+00:00")
    nx_graph.add_edge(
        "a", "b", start=datetime.datetime(2020, 6, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    )
    graph = graph_from_networkx(nx_graph)
    assert graph.time_format == "date"
    assert graph.node_times.start.tolist() == [seconds("2020-01-01"), seconds("2020-06-01")]
    assert graph.node_times.end.tolist() == [seconds("2021-01-01T12:00:00"), seconds("2020-12-31")]
    assert graph.edge_times.start.tolist() == [seconds("2020-05-31T22:00:00")]


@pytest.mark.parametrize(
    ("node", "edge", "pattern"),
    [
        ({"start": 5, "end": 1}, {}, r"^networkx graph: node 'x': start/end \(5, 1\) ends before it starts$"),
        (
            {"start": "soon"},
            {},
            r"^networkx graph: node 'x': start/end 'soon' is neither a finite number nor a date$",
        ),
        (
            {"spells": [(1, 2, 3)]},
            {},
            r"^networkx graph: node 'x': spells \[\(1, 2, 3\)\]: expected \(start, end\) pairs$",
        ),
        (
            {"start": 1},
            {"start": datetime.date(2020, 1, 1)},
            r"^networkx graph: edge \('x', 'y'\): gives time as dates, but other nodes or edges give numbers",
        ),
        ({}, {"time": float("nan")}, r"^networkx graph: edge \('x', 'y'\): time nan is neither"),
    ],
)
def test_networkx_bad_times_name_the_element(node, edge, pattern):
    nx_graph = nx.Graph()
    nx_graph.add_node("x", **node)
    nx_graph.add_edge("x", "y", **edge)
    with pytest.raises(HeliosError, match=pattern):
        graph_from_networkx(nx_graph)


def test_node_link_json_reads_time_as_networkx_does(tmp_path):
    nx_graph = nx.Graph()
    nx_graph.add_node("a", start="2020-01-01", end="2020-03-01", group=1)
    nx_graph.add_node("b", spells=[("2020-01-01", "2020-01-15"), ("2020-02-01", None)])
    nx_graph.add_edge("a", "b", time="2020-02-10")
    path = write(tmp_path, "dynamic.json", json.dumps(nx.node_link_data(nx_graph, edges="links")))
    graph = read_graph(path)
    direct = graph_from_networkx(nx_graph)
    assert graph.time_format == direct.time_format == "date"
    for name in ("owner", "start", "end"):
        assert getattr(graph.node_times, name).tolist() == getattr(direct.node_times, name).tolist()
        assert getattr(graph.edge_times, name).tolist() == getattr(direct.edge_times, name).tolist()
    assert graph.node_attributes == {"group": [1, None]}
    assert timeline.node_count_at(graph, seconds("2020-01-20")) == 1
    bad = write(
        tmp_path, "bad.json", '{"nodes": [{"id": "a"}, {"id": "b", "start": 3, "end": 1}], "links": []}'
    )
    with pytest.raises(
        GraphFileError, match=r"bad\.json:1:25: nodes\[1\]: start/end \(3, 1\) ends before it starts$"
    ):
        read_graph(bad)


# ----------------------------------------------------------------------------------------------------------
# The model: validation, copies, queries


def test_time_fields_are_validated_and_read_only():
    with pytest.raises(HeliosError, match=r"TimeIntervals: interval 1 \(owner 0\) is \[3\.0, 2\.0\)"):
        TimeIntervals([0, 0], [1, 3], [2, 2])
    with pytest.raises(
        HeliosError, match=r"Graph\.edge_times: interval 0 belongs to element 4, but there are only 1"
    ):
        Graph.from_edges([[0, 1]], edge_times=TimeIntervals([4], [0], [1]))
    with pytest.raises(HeliosError, match=r"Graph\.time_format: 'years'; expected one of number, date"):
        Graph.from_edges([[0, 1]], time_format="years")
    graph = Graph.from_edges([[0, 1], [1, 2]], node_times=TimeIntervals([2], [1], [2]))
    assert graph.edge_times is None
    assert Graph.from_edges([[0, 1]], node_times=TimeIntervals([], [], [])).node_times is None
    with pytest.raises(ValueError):
        graph.node_times.start[0] = 0.0
    with pytest.raises(HeliosError, match="not both"):
        timeline.active_nodes(graph, at=1, window=(0, 2))
    with pytest.raises(HeliosError, match=r"expected two numbers with t0 <= t1"):
        timeline.active_nodes(graph, window=(2, 1))


def test_take_keeps_the_time_of_kept_elements():
    times = TimeIntervals([0, 2, 2, 3], [0.0, 1.0, 5.0, 2.0], [1.0, 2.0, 6.0, 3.0])
    kept = times.take([True, False, True, False])
    assert (kept.owner.tolist(), kept.start.tolist(), kept.end.tolist()) == (
        [0, 1, 1],
        [0.0, 1.0, 5.0],
        [1.0, 2.0, 6.0],
    )
    graph = Graph.from_edges([[0, 1]], node_count=3, node_times=kept)
    assert timeline.active_nodes(graph, at=5.5).tolist() == [False, True, True]
    assert timeline.active_nodes(graph, at=0.5).tolist() == [True, False, True]
