"""Communities (Louvain, Leiden, modularity) on real graphs, against networkx and python-igraph.

Partitions shift with the node order and with ties (scanpy#2014, networkx PR #8722), so the tests compare
qualities (modularity, NMI with a ground truth, connectivity), never labels with another library's.
The references are built from the graph's edge records independently of the measure graph: the undirected
view, self-loops dropped, parallel and reverse records merged with their weights summed. igraph's Leiden is
asked for modularity explicitly (it defaults to CPM).
"""

import itertools
import random

import igraph
import networkx as nx
import numpy as np
import pytest
from conftest import SHARED_DATA
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from helios_app.graph import Graph
from helios_app.graph.measures import MEASURES, compute, measure_graph
from helios_app.graph.measures.communities import leiden, louvain, modularity
from helios_app.io import read_graph

TOLERANCE = 0.01  # our modularity may fall this much below a reference implementation's
GRAPHS = ["polblogs.gml", "lesmis.gml", "football.gml", "netscience.gml"]
ALGORITHMS = {"louvain": louvain, "leiden": leiden}


@pytest.fixture(scope="module")
def graphs() -> dict[str, Graph]:
    return {name: read_graph(SHARED_DATA / name) for name in GRAPHS}


def _merged_edges(graph: Graph) -> dict[tuple[int, int], float]:
    """The undirected simple view of the edge records, in plain Python."""
    weights = graph.edge_weights("weight")
    merged: dict[tuple[int, int], float] = {}
    for index, (u, v) in enumerate(graph.edges.tolist()):
        if u != v:
            key = (min(u, v), max(u, v))
            merged[key] = merged.get(key, 0.0) + (1.0 if weights is None else float(weights[index]))
    return merged


def _networkx(graph: Graph) -> nx.Graph:
    reference = nx.Graph()
    reference.add_nodes_from(range(graph.node_count))
    reference.add_weighted_edges_from((u, v, w) for (u, v), w in _merged_edges(graph).items())
    return reference


def _igraph(graph: Graph) -> igraph.Graph:
    merged = _merged_edges(graph)
    reference = igraph.Graph(n=graph.node_count, edges=list(merged))
    reference.es["weight"] = list(merged.values())
    return reference


def _groups(labels: np.ndarray) -> list[set[int]]:
    return [set(np.flatnonzero(labels == label).tolist()) for label in np.unique(labels)]


def _networkx_modularity(graph: nx.Graph, labels: np.ndarray, resolution: float = 1.0) -> float:
    return nx.community.modularity(graph, _groups(labels), weight="weight", resolution=resolution)


def _nmi(first: np.ndarray, second: np.ndarray) -> float:
    """Normalised mutual information, arithmetic normalisation (sklearn's default)."""
    _, a = np.unique(first, return_inverse=True)
    _, b = np.unique(second, return_inverse=True)
    joint = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(joint, (a, b), 1.0)
    joint /= joint.sum()
    pa, pb = joint.sum(axis=1), joint.sum(axis=0)
    nonzero = joint > 0
    mutual = float((joint[nonzero] * np.log(joint[nonzero] / np.outer(pa, pb)[nonzero])).sum())
    entropy_a = float(-(pa * np.log(pa)).sum())
    entropy_b = float(-(pb * np.log(pb)).sum())
    return 2 * mutual / (entropy_a + entropy_b)


def test_the_nmi_helper_tells_agreement_from_independence():
    truth = np.repeat(np.arange(4), 25)
    assert _nmi(truth, truth[::-1] + 7) == pytest.approx(1.0)
    assert _nmi(truth, np.tile(np.arange(5), 20)) == pytest.approx(0.0, abs=1e-12)  # 5 of each in each


@pytest.mark.parametrize("name", GRAPHS)
@pytest.mark.parametrize("resolution", [1.0, 0.5])
def test_modularity_equals_networkx(graphs, name, resolution):
    graph = graphs[name]
    structure, reference = measure_graph(graph), _networkx(graph)
    partitions = [louvain(structure, resolution=resolution)[0], leiden(structure, resolution=resolution)[0],
                  np.random.default_rng(1).integers(0, 10, graph.node_count)]
    for labels in partitions:
        expected = _networkx_modularity(reference, labels, resolution)
        assert abs(modularity(structure, labels, resolution) - expected) <= 1e-9


@pytest.mark.parametrize("name", GRAPHS)
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_modularity_is_as_high_as_igraph_and_networkx_find(graphs, name, algorithm):
    """Our modularity is at least each reference's minus TOLERANCE (0.01): igraph's multilevel (Louvain),
    igraph's Leiden on modularity until stable, networkx's Louvain; the details report the modularity."""
    graph = graphs[name]
    structure, nx_graph, ig_graph = measure_graph(graph), _networkx(graph), _igraph(graph)
    labels, details = ALGORITHMS[algorithm](structure, seed=0)
    ours = modularity(structure, labels)
    assert details["modularity"] == pytest.approx(ours, abs=1e-12)
    assert details["communities"] == len(np.unique(labels))
    assert details["resolution"] == 1.0
    assert details["levels"] >= 1
    random.seed(0)  # igraph draws from Python's random module
    references = {
        "igraph multilevel": ig_graph.community_multilevel(weights="weight").modularity,
        "igraph leiden": ig_graph.modularity(ig_graph.community_leiden(
            objective_function="modularity", weights="weight", n_iterations=-1).membership, weights="weight"),
        "networkx louvain": nx.community.modularity(
            nx_graph, nx.community.louvain_communities(nx_graph, weight="weight", seed=0), weight="weight"),
    }
    for reference, value in references.items():
        assert ours >= value - TOLERANCE, f"{algorithm} on {name}: {ours:.4f} < {reference} {value:.4f}"


def _split_communities(graph: Graph, labels: np.ndarray) -> int:
    """How many more pieces than communities there are: 0 when every community induces a connected graph."""
    pairs = np.array([key for key in _merged_edges(graph)], dtype=np.int64).reshape(-1, 2)
    inside = pairs[labels[pairs[:, 0]] == labels[pairs[:, 1]]]
    adjacency = coo_matrix((np.ones(len(inside)), (inside[:, 0], inside[:, 1])), shape=(graph.node_count,) * 2)
    pieces, _ = connected_components(adjacency, directed=False)
    return pieces - len(np.unique(labels))


@pytest.mark.parametrize("name", [*GRAPHS, "as-22july06.gml"])
def test_every_leiden_community_is_connected(graphs, name):
    """On as-22july06 Louvain leaves some community in pieces (the check can fail); Leiden never does."""
    graph = graphs[name] if name in graphs else read_graph(SHARED_DATA / name)
    structure = measure_graph(graph)
    runs = [(seed, resolution) for seed in range(4) for resolution in (1.0, 3.0, 0.3)]
    for seed, resolution in runs:
        labels, _ = leiden(structure, seed=seed, resolution=resolution)
        assert _split_communities(graph, labels) == 0, (name, seed, resolution)
    reference = _networkx(graph)
    for members in _groups(leiden(structure, seed=0)[0]):
        assert nx.is_connected(reference.subgraph(members))
    if name == "as-22july06.gml":
        assert any(_split_communities(graph, louvain(structure, seed=seed, resolution=resolution)[0]) > 0
                   for seed, resolution in runs)


def test_weights_are_strengths_on_lesmis(graphs):
    """The partition found with the weights scores higher on weighted modularity than the one found
    without them (and the other way round): ignoring the weights would make the two the same."""
    graph = graphs["lesmis.gml"]
    weighted, unweighted = measure_graph(graph), measure_graph(graph, None)
    assert weighted.weighted and not unweighted.weighted
    for algorithm in ALGORITHMS.values():
        with_weights, _ = algorithm(weighted, seed=0)
        without, _ = algorithm(unweighted, seed=0)
        assert modularity(weighted, with_weights) > modularity(weighted, without) + 0.01
        assert modularity(unweighted, without) > modularity(unweighted, with_weights) + 0.001


def test_weights_alone_can_carry_the_communities():
    """A complete graph says nothing by its structure; heavy edges inside 3 groups do."""
    count, groups = 45, 3
    group = np.arange(count) % groups
    edges = np.array(list(itertools.combinations(range(count), 2)))
    weights = np.where(group[edges[:, 0]] == group[edges[:, 1]], 10.0, 0.1)
    graph = Graph(node_ids=[str(i) for i in range(count)], edges=edges, weights=weights)
    for algorithm in ALGORITHMS.values():
        labels, details = algorithm(measure_graph(graph), seed=0)
        assert _nmi(labels, group) == pytest.approx(1.0)
        assert details["communities"] == groups
        plain, _ = algorithm(measure_graph(graph, None), seed=0)
        assert _nmi(plain, group) < 0.5


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_football_conferences_are_found(graphs, algorithm):
    graph = graphs["football.gml"]
    conferences = np.asarray(graph.node_attributes["value"])
    labels, _ = ALGORITHMS[algorithm](measure_graph(graph), seed=0)
    assert _nmi(labels, conferences) >= 0.8


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_the_same_seed_gives_the_same_labels_numbered_largest_first(graphs, algorithm):
    structure = measure_graph(graphs["netscience.gml"])
    labels, details = ALGORITHMS[algorithm](structure, seed=5)
    again, details_again = ALGORITHMS[algorithm](structure, seed=5)
    assert labels.dtype == np.float64 and labels.shape == (structure.node_count,)
    np.testing.assert_array_equal(labels, again)
    assert details == details_again
    codes = labels.astype(np.int64)
    assert np.array_equal(codes, labels) and set(codes.tolist()) == set(range(details["communities"]))
    sizes = np.bincount(codes)
    assert np.all(np.diff(sizes) <= 0)
    first_node = np.array([np.flatnonzero(codes == label)[0] for label in range(len(sizes))])
    for label in range(len(sizes) - 1):  # equal sizes: the community of the smaller node index first
        if sizes[label] == sizes[label + 1]:
            assert first_node[label] < first_node[label + 1]
    others = [ALGORITHMS[algorithm](structure, seed=seed)[0] for seed in range(1, 6)]
    assert any(not np.array_equal(labels, other) for other in others)  # the seed does reach the algorithm


def test_resolution_sets_the_scale(graphs):
    structure = measure_graph(graphs["polblogs.gml"])
    for algorithm in ALGORITHMS.values():
        counts = [algorithm(structure, resolution=r)[1]["communities"] for r in (0.2, 1.0, 5.0)]
        assert counts[0] < counts[1] < counts[2]
        labels, details = algorithm(structure, resolution=5.0)
        assert details["resolution"] == 5.0
        assert details["modularity"] == pytest.approx(modularity(structure, labels, 5.0), abs=1e-12)


def test_isolated_nodes_and_a_graph_without_edges():
    """An isolated node is a community of its own; without edges every node is, and modularity is 0."""
    edges = np.array([[0, 1], [1, 2], [2, 0], [3, 4], [4, 5], [5, 3], [2, 3]])
    graph = Graph(node_ids=[str(i) for i in range(8)], edges=edges, weights=None)  # nodes 6, 7 isolated
    for algorithm in ALGORITHMS.values():
        labels, details = algorithm(measure_graph(graph))
        np.testing.assert_array_equal(labels, [0, 0, 0, 1, 1, 1, 2, 3])
        assert details["communities"] == 4
    empty = Graph(node_ids=list("abcd"), edges=np.empty((0, 2), dtype=np.int64), weights=None)
    structure = measure_graph(empty)
    for algorithm in ALGORITHMS.values():
        labels, details = algorithm(structure)
        np.testing.assert_array_equal(labels, [0, 1, 2, 3])
        assert details["communities"] == 4 and details["modularity"] == 0.0
    assert modularity(structure, np.zeros(4)) == 0.0


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_progress_rises_to_one_and_cancels(graphs, algorithm):
    structure = measure_graph(graphs["polblogs.gml"])
    seen: list[float] = []
    ALGORITHMS[algorithm](structure, progress=seen.append)
    assert len(seen) >= 3 and seen[-1] == 1.0
    assert all(0.0 <= value <= 1.0 for value in seen) and seen == sorted(seen)

    class Cancelled(Exception):
        pass

    def cancel(fraction: float) -> None:
        if fraction > 0:
            raise Cancelled

    with pytest.raises(Cancelled):
        ALGORITHMS[algorithm](structure, progress=cancel)


def test_leiden_iterations(graphs):
    structure = measure_graph(graphs["polblogs.gml"])
    _, once = leiden(structure, iterations=1)
    _, stable = leiden(structure, iterations=-1)
    assert once["iterations"] == 1
    assert stable["iterations"] >= 2
    assert stable["modularity"] >= once["modularity"] - 1e-12


@pytest.mark.parametrize("name", ["louvain", "leiden"])
def test_the_registry_runs_the_communities(graphs, name):
    graph = graphs["football.gml"]
    assert MEASURES[name].categorical
    result = compute(graph, name, seed=3, resolution=1.0)
    direct, details = ALGORITHMS[name](measure_graph(graph), seed=3)
    np.testing.assert_array_equal(result.values, direct)
    assert result.details == details and result.name == name
    fractions: list[float] = []
    compute(graph, name, progress=fractions.append)
    assert fractions[-1] == 1.0


def test_the_community_colouring_uses_these_communities(graphs):
    from helios_app.graph.encodings import communities

    graph = graphs["lesmis.gml"]
    labels = communities(graph, seed=2)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, louvain(measure_graph(graph), seed=2)[0])
