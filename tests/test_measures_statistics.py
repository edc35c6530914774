"""k-core, clustering, components and the graph statistics against networkx on real graphs; `helios stats`."""

import csv
import json
import math
import re
import subprocess
import sys
from functools import cache

import networkx as nx
import numpy as np
import pytest
from conftest import SHARED_DATA

from helios_app.cli import main
from helios_app.graph.measures import MEASURES, compute, measure_graph
from helios_app.graph.measures import statistics as statistics_module
from helios_app.graph.measures.cores import clustering, components, core_numbers
from helios_app.graph.measures.statistics import graph_statistics
from helios_app.graph.model import Graph
from helios_app.io.read import read_graph

GRAPHS = ["polblogs.gml", "lesmis.gml", "netscience.gml", "power.gml", "celegansneural.gml"]


@cache
def loaded(name):
    """The graph as helios reads it, and networkx's simple graph of the same records (merged, no self-loops)."""
    graph = read_graph(SHARED_DATA / name)
    reference = nx.DiGraph() if graph.directed else nx.Graph()
    reference.add_nodes_from(range(graph.node_count))
    reference.add_edges_from((int(u), int(v)) for u, v in graph.edges if u != v)
    return graph, reference


@cache
def largest_component(name):
    _, reference = loaded(name)
    undirected = reference.to_undirected()
    return undirected.subgraph(max(nx.connected_components(undirected), key=len)).copy()


def test_the_real_graphs_are_what_the_tests_expect(shared_data):
    polblogs, reference = loaded("polblogs.gml")
    assert polblogs.directed and polblogs.multigraph and reference.is_directed()
    assert polblogs.edge_count > reference.number_of_edges()  # parallel edges and self-loops to merge
    assert nx.number_weakly_connected_components(reference) == 268
    assert nx.number_connected_components(loaded("netscience.gml")[1]) == 396
    assert loaded("lesmis.gml")[0].weights is not None


@pytest.mark.parametrize("name", GRAPHS)
def test_core_numbers_clustering_and_components_equal_networkx(name):
    graph, reference = loaded(name)
    undirected = reference.to_undirected()
    structure = measure_graph(graph)

    cores, details = core_numbers(structure)
    expected = nx.core_number(undirected)
    assert cores.dtype == np.float64 and cores.shape == (graph.node_count,)
    assert cores.tolist() == [float(expected[node]) for node in range(graph.node_count)]
    assert details == {"max_core": max(expected.values())}

    values, details = clustering(structure)
    expected = nx.clustering(undirected)
    np.testing.assert_allclose(values, [expected[node] for node in range(graph.node_count)], rtol=0, atol=1e-9)
    assert details["average"] == pytest.approx(nx.average_clustering(undirected), abs=1e-9)

    labels, details = components(structure)
    parts = {}
    for node, label in enumerate(labels.astype(int)):
        parts.setdefault(label, set()).add(node)
    expected_parts = list(nx.connected_components(undirected))
    assert {frozenset(part) for part in parts.values()} == {frozenset(part) for part in expected_parts}
    assert details == {"count": len(expected_parts), "largest": max(map(len, expected_parts))}
    # Numbered 0, 1, ... by size, largest first; equal sizes by their smallest node.
    keys = [(-len(parts[label]), min(parts[label])) for label in range(len(parts))]
    assert keys == sorted(keys)


def test_component_ties_are_numbered_by_smallest_node():
    # Components {0, 4}, {1, 2, 3}, {5, 6}, {7}: sizes 2, 3, 2, 1.
    graph = Graph.from_edges(np.array([[4, 0], [1, 2], [3, 2], [6, 5]]), 8)
    labels, details = components(measure_graph(graph))
    assert labels.tolist() == [1, 0, 0, 0, 1, 2, 2, 3]
    assert details == {"count": 4, "largest": 3}


def test_progress_is_reported_and_its_exception_stops_the_measure():
    graph, _ = loaded("lesmis.gml")
    structure = measure_graph(graph)
    for function in (core_numbers, clustering, components):
        fractions = []
        function(structure, progress=fractions.append)
        assert fractions and fractions[-1] == 1.0 and all(0 <= f <= 1 for f in fractions), function.__name__
        assert fractions == sorted(fractions)

        def cancel(fraction):
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            function(structure, progress=cancel)
    fractions = []
    graph_statistics(graph, progress=fractions.append)
    assert fractions[-1] == 1.0 and fractions == sorted(fractions) and len(fractions) > 3
    with pytest.raises(KeyboardInterrupt):
        graph_statistics(graph, progress=cancel)


def _histogram(distribution):
    counts = [0] * (max(distribution["degrees"]) + 1)
    for degree, count in zip(distribution["degrees"], distribution["counts"], strict=True):
        counts[degree] = count
    return counts


@pytest.mark.parametrize("name", GRAPHS)
def test_statistics_equal_networkx(name):
    graph, reference = loaded(name)
    undirected = reference.to_undirected()
    statistics = graph_statistics(graph)
    json.dumps(statistics, allow_nan=False)  # plain, JSON-safe numbers
    n, directed = reference.number_of_nodes(), reference.is_directed()
    assert statistics["nodes"] == n == graph.node_count
    assert statistics["edges"] == reference.number_of_edges()
    assert statistics["edge_records"] == graph.edge_count
    assert statistics["self_loops"] == int(np.sum(graph.edges[:, 0] == graph.edges[:, 1]))
    assert statistics["directed"] is directed
    assert statistics["weighted"] is (graph.weights is not None)
    assert statistics["density"] == pytest.approx(nx.density(reference), abs=1e-12)
    parts = list(nx.connected_components(undirected))
    assert statistics["components"] == len(parts)
    assert statistics["largest_component"] == max(map(len, parts))
    degrees = [degree for _, degree in reference.degree()]
    assert statistics["average_degree"] == pytest.approx(sum(degrees) / n, abs=1e-12)
    assert statistics["max_degree"] == max(degrees)
    assert statistics["average_clustering"] == pytest.approx(nx.average_clustering(undirected), abs=1e-9)
    assert statistics["assortativity"] == pytest.approx(nx.degree_assortativity_coefficient(reference), abs=1e-9)
    distribution = statistics["degree_distribution"]
    assert _histogram(distribution["total"]) == nx.degree_histogram(reference)
    assert 0 not in distribution["total"]["counts"]
    assert distribution["total"]["degrees"] == sorted(set(degrees))
    if directed:
        in_degrees = [degree for _, degree in reference.in_degree()]
        out_degrees = [degree for _, degree in reference.out_degree()]
        assert statistics["average_in_degree"] == pytest.approx(sum(in_degrees) / n, abs=1e-12)
        assert statistics["max_in_degree"] == max(in_degrees)
        assert statistics["max_out_degree"] == max(out_degrees)
        assert distribution["in"]["degrees"] == sorted(set(in_degrees))
        assert distribution["in"]["counts"] == [in_degrees.count(d) for d in distribution["in"]["degrees"]]
        assert distribution["out"]["counts"] == [out_degrees.count(d) for d in distribution["out"]["degrees"]]
    else:
        assert set(distribution) == {"total"} and "max_in_degree" not in statistics
    largest = largest_component(name)
    # nx.diameter with usebounds=True (exact, the extrema-bounding algorithm) keeps polblogs and power quick.
    true_diameter = nx.diameter(largest, usebounds=len(largest) > 500)
    if len(largest) <= statistics_module.EXACT_DIAMETER_NODES:
        assert statistics["diameter_exact"] is True
        assert statistics["diameter"] == true_diameter
    else:  # power.gml: 4,941 nodes, estimated
        assert statistics["diameter"] <= true_diameter
        assert statistics["diameter"] >= true_diameter // 2  # a double sweep is within a factor of 2
        assert statistics["diameter_exact"] is False or statistics["diameter"] == true_diameter


@pytest.mark.parametrize("name", ["netscience.gml", "celegansneural.gml", "polblogs.gml", "lesmis.gml"])
def test_the_diameter_estimate_is_a_lower_bound(monkeypatch, name):
    graph, _ = loaded(name)
    true_diameter = nx.diameter(largest_component(name), usebounds=True)
    monkeypatch.setattr(statistics_module, "EXACT_DIAMETER_NODES", 10)

    def no_exhaustive_search(*arguments):
        raise AssertionError("the estimate must not search from every node")

    monkeypatch.setattr(statistics_module, "_largest_eccentricity", no_exhaustive_search)
    statistics = graph_statistics(graph)
    assert 0 < statistics["diameter"] <= true_diameter
    if statistics["diameter_exact"]:
        assert statistics["diameter"] == true_diameter


def test_the_exact_diameter_on_a_larger_component(monkeypatch):
    graph, _ = loaded("power.gml")
    monkeypatch.setattr(statistics_module, "EXACT_DIAMETER_NODES", 5000)
    statistics = graph_statistics(graph)
    assert statistics["diameter_exact"] is True and statistics["diameter"] == 46  # nx.diameter, checked above


def test_assortativity_undefined_is_none_and_small_cases():
    cycle = Graph.from_edges(np.array([[i, (i + 1) % 6] for i in range(6)]), 6)
    with pytest.warns(RuntimeWarning):
        assert math.isnan(nx.degree_assortativity_coefficient(nx.cycle_graph(6)))
    statistics = graph_statistics(cycle)
    assert statistics["assortativity"] is None
    assert json.loads(json.dumps(statistics, allow_nan=False))["assortativity"] is None
    assert statistics["diameter"] == 3 and statistics["average_clustering"] == 0.0
    empty = graph_statistics(Graph.from_edges(np.empty((0, 2), dtype=int), 3))
    assert empty["edges"] == 0 and empty["density"] == 0.0 and empty["assortativity"] is None
    assert empty["components"] == 3 and empty["largest_component"] == 1 and empty["diameter"] == 0
    assert empty["degree_distribution"] == {"total": {"degrees": [0], "counts": [3]}}
    loops = graph_statistics(Graph.from_edges(np.array([[0, 0], [0, 1], [1, 0], [1, 2]]), 3, directed=True))
    assert loops["self_loops"] == 1 and loops["edges"] == 3 and loops["edge_records"] == 4
    assert loops["diameter"] == 2 and loops["max_in_degree"] == 1 and loops["max_degree"] == 3


# --------------------------------------------------------------------------- helios stats


def helios(*arguments, timeout_s=120):
    return subprocess.run([sys.executable, "-m", "helios_app", *arguments], check=False, capture_output=True,
                          text=True, timeout=timeout_s)


def test_stats_prints_a_table_of_the_counts():
    result = helios("stats", str(SHARED_DATA / "polblogs.gml"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()[1:]
    rows = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in lines)
    assert rows["nodes"] == "1,490" and rows["edges"] == "19,022" and rows["edge records"] == "19,090"
    assert rows["components"] == "268" and rows["largest component"] == "1,222"
    assert rows["directed"] == "yes" and rows["self-loops"] == "3"
    assert rows["diameter"].startswith("8 hops") and "exact" in rows["diameter"]
    assert rows["degree: nodes"].startswith("0: 266, 1: 129")
    assert len({re.search(r"\S\s{2,}(\S)", line).start(1) for line in lines}) == 1  # aligned values


def test_stats_json_equals_graph_statistics(capfd):
    path = SHARED_DATA / "netscience.gml"
    assert main(["stats", str(path), "--json"]) == 0
    printed = json.loads(capfd.readouterr().out)
    assert printed == graph_statistics(read_graph(path))
    assert printed["components"] == 396


def _read_rows(path):
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def _check_columns(rows, graph, names, structure):
    assert rows[0] == ["id", "label", *names]
    assert [row[0] for row in rows[1:]] == graph.node_ids
    assert [row[1] for row in rows[1:]] == (graph.labels or [""] * graph.node_count)
    for column, name in enumerate(names, start=2):
        values = compute(structure, name).values if name not in ("betweenness", "louvain", "leiden") else \
            compute(structure, name, seed=0).values
        texts = [row[column] for row in rows[1:]]
        if MEASURES[name].categorical:
            assert texts == [str(int(value)) for value in values], name
        else:
            assert [float(text) for text in texts] == values.tolist(), name  # full precision


def test_stats_writes_the_node_measures(tmp_path, capfd):
    path, output = SHARED_DATA / "lesmis.gml", tmp_path / "nodes.csv"
    assert main(["stats", str(path), "-o", str(output), "--measures", "k_core,clustering,component"]) == 0
    captured = capfd.readouterr()
    graph = read_graph(path)
    rows = _read_rows(output)
    assert len(rows) == graph.node_count + 1 and rows[1][:2] == ["0", "Myriel"]
    _check_columns(rows, graph, ["k_core", "clustering", "component"], measure_graph(graph))
    assert "0.06666666666666667" in {row[3] for row in rows}  # repr, not rounded
    assert "k_core: max_core 9" in captured.err


def test_stats_writes_every_measure_by_default(tmp_path, capfd):
    path, output = SHARED_DATA / "lesmis.gml", tmp_path / "nodes.csv"
    assert main(["stats", str(path), "-o", str(output)]) == 0
    captured = capfd.readouterr()
    graph = read_graph(path)
    rows = _read_rows(output)
    _check_columns(rows, graph, list(MEASURES), measure_graph(graph))
    assert "louvain: " in captured.err and "modularity" in captured.err
    assert "betweenness" in captured.err


@pytest.mark.parametrize("name, content, expected", [
    ("nope.gml", None, r"nope\.gml: no such file"),
    ("broken.gml", 'graph [\n node [ id 0 label "x ]\n]\n', r"broken\.gml:2"),
])
def test_stats_refuses_a_missing_or_broken_file(tmp_path, name, content, expected):
    if content is not None:
        (tmp_path / name).write_text(content)
    result = helios("stats", str(tmp_path / name))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("helios: error: "), result.stderr
    assert re.search(expected, lines[0]), lines[0]
    assert result.stdout == ""


def test_stats_refuses_an_unknown_measure(tmp_path, capfd):
    output = tmp_path / "nodes.csv"
    code = main(["stats", str(SHARED_DATA / "lesmis.gml"), "-o", str(output), "--measures", "k_core,fame"])
    assert code == 1
    captured = capfd.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "fame" in lines[0] and "pagerank" in lines[0] and "k_core" in lines[0], captured.err
    assert not output.exists() and captured.out == ""


def test_clustering_in_many_chunks_is_the_same(monkeypatch):
    graph, _ = loaded("polblogs.gml")
    structure = measure_graph(graph)
    whole, _ = clustering(structure)
    monkeypatch.setattr("helios_app.graph.measures.cores._CHUNK_WORK", 256)
    fractions = []
    chunked, _ = clustering(structure, progress=fractions.append)
    assert len(fractions) > 20 and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert chunked.tolist() == whole.tolist()
