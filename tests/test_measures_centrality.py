"""Centralities and shortest paths against networkx (and igraph) on real graphs.

The reference graph is built from the file's edge records (self-loops dropped, parallel records merged with
their weights summed), not from the MeasureGraph, so the merge is checked too.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math

import igraph
import networkx as nx
import numpy as np
import pytest
from conftest import SHARED_DATA
from scipy.stats import spearmanr

from helios_app.errors import HeliosError
from helios_app.graph.measures import centrality, compute, measure_graph
from helios_app.graph.measures.centrality import (
    betweenness,
    closeness,
    degree,
    eigenvector,
    harmonic,
    pagerank,
)
from helios_app.graph.measures.paths import shortest_paths
from helios_app.graph.model import Graph
from helios_app.io.read import read_graph

# polblogs: directed multigraph, disconnected; lesmis: weighted undirected; netscience: weighted undirected,
# 396 components; celegansneural: directed and weighted (a multigraph too).
GRAPHS = ["polblogs.gml", "lesmis.gml", "netscience.gml", "celegansneural.gml"]


@functools.cache
def loaded(name: str) -> Graph:
    return read_graph(SHARED_DATA / name)


@functools.cache
def structure(name: str):
    return measure_graph(loaded(name))


@functools.cache
def reference(name: str, scale: float | None = None) -> nx.Graph:
    """The simple networkx graph of the file: self-loops dropped, parallel records' weights summed (then
    multiplied by ``scale`` and rounded to integers, when given)."""
    graph = loaded(name)
    weights = graph.edge_weights("weight")
    directions = graph.edge_directions()
    assert directions.all() or not directions.any()
    nx_graph = nx.DiGraph() if directions.any() else nx.Graph()
    nx_graph.add_nodes_from(range(graph.node_count))
    for index, (u, v) in enumerate(graph.edges.tolist()):
        if u == v:
            continue
        weight = 1.0 if weights is None else float(weights[index])
        if nx_graph.has_edge(u, v):
            nx_graph[u][v]["weight"] += weight
        else:
            nx_graph.add_edge(u, v, weight=weight)
    if scale is not None:
        for _, _, data in nx_graph.edges(data=True):
            scaled = round(data["weight"] * scale)
            assert abs(scaled / scale - data["weight"]) < 1e-12  # the decimals are exact at this scale
            data["weight"] = float(scaled)
    return nx_graph


def distance_key(name: str) -> str | None:
    return "weight" if structure(name).weighted else None


def as_array(values: dict, count: int) -> np.ndarray:
    assert set(values) == set(range(count))
    return np.array([values[node] for node in range(count)], dtype=np.float64)


# --- degree, PageRank, eigenvector ---------------------------------------------------------------------


@pytest.mark.parametrize("name", GRAPHS)
def test_degrees_match_networkx(name):
    measures, nx_graph = structure(name), reference(name)
    count = measures.node_count
    for weighted in (False, True):
        weight = "weight" if weighted else None
        expected = {"total": as_array(dict(nx_graph.degree(weight=weight)), count)}
        if nx_graph.is_directed():
            expected["in"] = as_array(dict(nx_graph.in_degree(weight=weight)), count)
            expected["out"] = as_array(dict(nx_graph.out_degree(weight=weight)), count)
        else:
            expected["in"] = expected["out"] = expected["total"]
        for kind, values in expected.items():
            np.testing.assert_allclose(degree(measures, kind, weighted), values, rtol=1e-12, atol=0)
    assert np.array_equal(compute(measures, "in_degree").values, degree(measures, "in", False))
    assert np.array_equal(compute(measures, "weighted_degree").values, degree(measures, "total", True))
    with pytest.raises(HeliosError, match="kind"):
        degree(measures, "both", False)


@pytest.mark.parametrize("name", GRAPHS)
def test_pagerank_matches_networkx(name):
    values, details = pagerank(structure(name))
    expected = nx.pagerank(reference(name), alpha=0.85, tol=1e-13, max_iter=10000, weight="weight")
    assert np.abs(values - as_array(expected, len(values))).max() < 1e-6
    assert abs(values.sum() - 1) < 1e-9
    assert 1 < details["iterations"] < 1000


@pytest.mark.parametrize("name", GRAPHS)
def test_pagerank_sweeping_a_breadth_first_renumbering_matches_networkx(name, monkeypatch):
    """Large graphs (REORDER_NODES and up) are swept in breadth-first order: the same vector."""
    from helios_app.graph.measures import centrality

    monkeypatch.setattr(centrality, "REORDER_NODES", 0)
    monkeypatch.setattr(centrality, "REORDER_MESH_DEGREE", 1e9)
    values, _ = pagerank(structure(name))
    expected = nx.pagerank(reference(name), alpha=0.85, tol=1e-13, max_iter=10000, weight="weight")
    assert np.abs(values - as_array(expected, len(values))).max() < 1e-6


@pytest.mark.parametrize("name", GRAPHS)
def test_eigenvector_matches_networkx(name):
    values, details = eigenvector(structure(name))
    expected = nx.eigenvector_centrality(reference(name), weight="weight", max_iter=10000, tol=1e-13)
    assert np.abs(values - as_array(expected, len(values))).max() < 1e-6
    assert abs(np.linalg.norm(values) - 1) < 1e-12
    assert details["iterations"] > 1


def test_eigenvector_refuses_to_return_an_unconverged_vector():
    with pytest.raises(HeliosError, match="did not converge in 3 iterations"):
        eigenvector(structure("polblogs.gml"), max_iterations=3)


# --- betweenness, closeness, harmonic ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["polblogs.gml", "lesmis.gml", "celegansneural.gml"])
def test_exact_betweenness_matches_networkx(name):
    values, details = betweenness(structure(name))
    assert details == {"exact": True, "samples": structure(name).node_count, "expected_error": 0.0,
                       "weighted": structure(name).weighted}
    expected = nx.betweenness_centrality(reference(name), normalized=True, weight=distance_key(name))
    assert np.abs(values - as_array(expected, len(values))).max() < 1e-9
    assert values.max() > 0.01


def test_weighted_betweenness_counts_rounding_ties_on_netscience():
    """netscience's weights are 6-digit decimals (0.333333 + 0.166667 = 0.5): networkx's exact float
    comparison misses such ties, igraph's epsilon (and ours) counts them. networkx agrees once the same
    decimals are integers; igraph agrees on the floats."""
    name = "netscience.gml"
    values, _ = betweenness(structure(name))
    integer_weights = reference(name, scale=1e7)
    expected = nx.betweenness_centrality(integer_weights, normalized=True, weight="weight")
    assert np.abs(values - as_array(expected, len(values))).max() < 1e-9

    nx_graph = reference(name)
    ig_graph = igraph.Graph(n=nx_graph.number_of_nodes(), edges=list(nx_graph.edges()))
    raw = np.array(ig_graph.betweenness(weights=[data["weight"] for _, _, data in nx_graph.edges(data=True)]))
    count = len(values)
    assert np.abs(values - raw * 2 / ((count - 1) * (count - 2))).max() < 1e-9


def test_betweenness_ties_do_not_depend_on_rounding_or_edge_order():
    # 0 -> 3 through 1 (0.1 + 0.2 = 0.30000000000000004) or through 2 (0.15 + 0.15 = 0.3): one length.
    edges, weights = [(0, 1), (1, 3), (0, 2), (2, 3), (3, 4)], [0.1, 0.2, 0.15, 0.15, 1.0]
    assert 0.1 + 0.2 != 0.15 + 0.15
    integer = nx.Graph()
    integer.add_weighted_edges_from((u, v, round(w * 100)) for (u, v), w in zip(edges, weights, strict=True))
    expected = as_array(nx.betweenness_centrality(integer, weight="weight"), 5)
    results = []
    for order in ([0, 1, 2, 3, 4], [4, 3, 2, 1, 0]):
        graph = Graph.from_edges(np.array(edges)[order], 5, weights=np.array(weights)[order])
        measures = measure_graph(graph)
        results.append(betweenness(measures)[0])
        length, paths = shortest_paths(measures, 0, 4, all_paths=True)
        assert sorted(paths) == [[0, 1, 3, 4], [0, 2, 3, 4]]
        assert length == pytest.approx(1.3, rel=1e-12)
    assert results[0][1] == results[0][2] > 0
    assert np.abs(results[0] - expected).max() < 1e-12
    assert np.array_equal(results[0], results[1])


@pytest.mark.parametrize("name", GRAPHS)
def test_closeness_and_harmonic_match_networkx(name):
    nx_graph, count = reference(name), structure(name).node_count
    values, details = closeness(structure(name))
    expected = nx.closeness_centrality(nx_graph, distance=distance_key(name), wf_improved=True)
    assert np.abs(values - as_array(expected, count)).max() < 1e-9
    assert details == {"weighted": structure(name).weighted}
    values, _ = harmonic(structure(name))
    expected = as_array(nx.harmonic_centrality(nx_graph, distance=distance_key(name)), count)
    assert np.abs(values - expected).max() < 1e-9 * max(1.0, expected.max())
    if nx_graph.is_directed():  # distances *to* the node: the reversed graph's out-distances differ
        reversed_values = as_array(nx.harmonic_centrality(nx_graph.reverse(), distance=distance_key(name)), count)
        assert np.abs(values - reversed_values).max() > 1e-3


# --- sampled betweenness ---------------------------------------------------------------------------------


@functools.cache
def grqc():
    measures = measure_graph(read_graph(SHARED_DATA / "ca-GrQc.txt"))
    return measures, betweenness(measures)


def test_sampled_betweenness_ranks_like_exact_and_knows_its_error():
    measures, (exact, details) = grqc()
    assert details["exact"]  # 4158 nodes: estimated well under 10 s
    samples = measures.node_count // 10
    values, details = betweenness(measures, samples=samples, seed=7)
    assert details["exact"] is False and details["samples"] == samples and details["weighted"] is False
    assert spearmanr(exact, values).statistic >= 0.95
    actual = float(np.sqrt(np.mean((values - exact) ** 2)))
    assert 0.5 * actual < details["expected_error"] < 2 * actual
    assert values.min() >= 0 and values.max() <= 1
    again, _ = betweenness(measures, samples=samples, seed=7)
    assert np.array_equal(values, again)
    other, _ = betweenness(measures, samples=samples, seed=8)
    assert not np.array_equal(values, other)
    whole, details = betweenness(measures, samples=measures.node_count + 5)
    assert details["exact"] and details["samples"] == measures.node_count
    assert np.allclose(whole, exact, rtol=0, atol=1e-15)


def test_betweenness_samples_when_exact_would_take_too_long(monkeypatch):
    measures, (exact, _) = grqc()
    per_source = centrality._seconds_per_source(measures)
    monkeypatch.setattr(centrality, "EXACT_SECONDS", 200 * per_source)
    values, details = betweenness(measures)
    assert details["exact"] is False and details["samples"] == 200
    assert 0 < details["expected_error"] < 0.01
    assert spearmanr(exact, values).statistic >= 0.9


def test_sampled_betweenness_of_a_star_stays_within_0_and_1():
    leaves = 40
    star = measure_graph(Graph.from_edges(np.array([(0, leaf) for leaf in range(1, leaves + 1)]), leaves + 1))
    assert betweenness(star)[0][0] == 1.0
    for seed in range(20):
        values, _ = betweenness(star, samples=5, seed=seed)
        assert values.min() >= 0 and values.max() <= 1 + 1e-12
        assert values[0] == pytest.approx(1.0) and not values[1:].any()


def test_betweenness_refuses_bad_options():
    measures = structure("lesmis.gml")
    for samples in (0, 1, -3, 2.5, True):
        with pytest.raises(HeliosError, match="samples"):
            betweenness(measures, samples=samples)
    with pytest.raises(HeliosError, match="seed"):
        betweenness(measures, samples=10, seed="x")


# --- progress and cancellation -------------------------------------------------------------------------


class Cancelled(Exception):
    pass


@pytest.mark.parametrize("function", [pagerank, betweenness, closeness, harmonic, eigenvector])
def test_progress_is_reported_and_can_cancel(function):
    measures = grqc()[0] if function in (betweenness, closeness, harmonic) else structure("polblogs.gml")
    fractions: list[float] = []
    function(measures, progress=fractions.append)
    assert len(fractions) > 3
    assert fractions == sorted(fractions)
    assert all(0 <= fraction <= 1 for fraction in fractions) and fractions[-1] == 1.0

    calls: list[float] = []

    def cancel(fraction: float) -> None:
        calls.append(fraction)
        raise Cancelled

    with pytest.raises(Cancelled):
        function(measures, progress=cancel)
    assert len(calls) == 1 and calls[0] < 1


def test_compute_runs_every_centrality_from_the_registry():
    graph = loaded("lesmis.gml")
    measures = measure_graph(graph)
    expected = {
        "degree": degree(measures, "total", False),
        "out_degree": degree(measures, "out", False),
        "pagerank": pagerank(measures)[0],
        "betweenness": betweenness(measures)[0],
        "closeness": closeness(measures)[0],
        "harmonic": harmonic(measures)[0],
        "eigenvector": eigenvector(measures)[0],
    }
    for name, values in expected.items():
        result = compute(graph, name)
        assert result.name == name and np.array_equal(result.values, values), name
    unweighted = compute(graph, "betweenness", weight="none", samples=20, seed=1)
    assert unweighted.details["weighted"] is False and unweighted.details["samples"] == 20
    fractions: list[float] = []
    compute(graph, "closeness", progress=fractions.append)
    assert fractions[-1] == 1.0
    with pytest.raises(HeliosError, match="samples"):
        compute(graph, "pagerank", samples=3)


# --- shortest paths ------------------------------------------------------------------------------------


def path_length(nx_graph: nx.Graph, path: list[int], weighted: bool) -> float:
    for a, b in itertools.pairwise(path):
        assert nx_graph.has_edge(a, b), (a, b)
    if not weighted:
        return float(len(path) - 1)
    return sum(nx_graph[a][b]["weight"] for a, b in itertools.pairwise(path))


@pytest.mark.parametrize("name", [*GRAPHS, "power.gml"])
def test_shortest_paths_match_networkx(name):
    measures, nx_graph = structure(name), reference(name)
    weighted = measures.weighted
    weight = "weight" if weighted else None
    rng = np.random.default_rng(11)
    pairs = rng.integers(0, measures.node_count, size=(50, 2)).tolist()
    # plus pairs of nodes in different (weak) components, or a node and one it cannot reach
    components = sorted(nx.weakly_connected_components(nx_graph) if nx_graph.is_directed()
                        else nx.connected_components(nx_graph), key=len)
    if len(components) > 1:
        pairs.append([min(components[0]), min(components[-1])])
    unreachable = 0
    for source, target in pairs:
        length, paths = shortest_paths(measures, source, target)
        try:
            expected = nx.shortest_path_length(nx_graph, source, target, weight=weight)
        except nx.NetworkXNoPath:
            assert length == math.inf and paths == []
            unreachable += 1
            continue
        assert length == pytest.approx(expected, rel=1e-12, abs=0)
        assert len(paths) == 1 and paths[0][0] == source and paths[0][-1] == target
        assert path_length(nx_graph, paths[0], weighted) == pytest.approx(length, rel=1e-9, abs=0)
    if len(components) > 1:
        assert unreachable > 0

    # every shortest path, on pairs with a few of them; networkx on integer weights where the decimals tie
    exact_graph = reference(name, scale=1e7) if name == "netscience.gml" else nx_graph
    largest = sorted(components[-1])
    checked = 0
    for source, target in rng.choice(largest, size=(100, 2)).tolist():
        if source == target or not nx.has_path(nx_graph, source, target):
            continue
        expected = {tuple(path) for path in itertools.islice(
            nx.all_shortest_paths(exact_graph, source, target, weight=weight), 501)}
        if len(expected) > 500:
            continue
        length, paths = shortest_paths(measures, source, target, all_paths=True, max_paths=500)
        assert {tuple(path) for path in paths} == expected
        assert len(paths) == len(expected)
        for path in paths:
            assert path_length(nx_graph, path, weighted) == pytest.approx(length, rel=1e-9, abs=0)
        checked += 1
        if checked == 10:
            break
    assert checked == 10


def test_shortest_paths_cap_and_edge_cases():
    measures = structure("polblogs.gml")
    # a pair with many shortest paths: max_paths caps them
    nx_graph = reference("polblogs.gml")
    counts = {}
    for target in range(200):
        if target != 0 and nx.has_path(nx_graph, 0, target):
            counts[target] = len(list(itertools.islice(nx.all_shortest_paths(nx_graph, 0, target), 20)))
    many = max(counts, key=counts.get)
    assert counts[many] >= 5
    _, paths = shortest_paths(measures, 0, many, all_paths=True, max_paths=3)
    assert len(paths) == 3 and len({tuple(path) for path in paths}) == 3
    assert shortest_paths(measures, 5, 5) == (0.0, [[5]])
    for bad in (-1, measures.node_count, 2.0, "a"):
        with pytest.raises(HeliosError, match="source"):
            shortest_paths(measures, bad, 0)
    with pytest.raises(HeliosError, match="max_paths"):
        shortest_paths(measures, 0, 1, max_paths=0)


def test_weighted_directed_paths_follow_arcs_forward():
    measures = structure("celegansneural.gml")
    nx_graph = reference("celegansneural.gml")
    reverse = dataclasses.replace(measures, out_offsets=measures.in_offsets, out_targets=measures.in_targets,
                                  out_weights=measures.in_weights, in_offsets=measures.out_offsets,
                                  in_targets=measures.out_targets, in_weights=measures.out_weights)
    differing = 0
    for source, target in np.random.default_rng(3).integers(0, measures.node_count, size=(30, 2)).tolist():
        forward, _ = shortest_paths(measures, source, target)
        backward, _ = shortest_paths(reverse, target, source)
        assert backward == pytest.approx(forward, rel=1e-12)
        if nx.has_path(nx_graph, target, source):
            differing += nx.shortest_path_length(nx_graph, target, source, weight="weight") != forward
    assert differing > 0


@pytest.mark.parametrize("count", [0, 1, 3])
def test_graphs_without_edges(count):
    measures = measure_graph(Graph.from_edges(np.zeros((0, 2), dtype=np.int64), count))
    for function in (betweenness, closeness, harmonic):
        values, _ = function(measures)
        assert values.shape == (count,) and not values.any()
    for function in (pagerank, eigenvector):
        values, _ = function(measures)
        assert values.shape == (count,) and np.allclose(values, values[:1])
    if count:
        assert shortest_paths(measures, 0, count - 1) == ((0.0, [[0]]) if count == 1 else (math.inf, []))
