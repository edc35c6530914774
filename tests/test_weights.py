"""Edge weights reach every layout, through the one builder every door uses."""

import itertools
import re
import subprocess
import sys

import networkx
import numpy as np
import pytest
from conftest import SHARED_DATA

from helios_app.errors import HeliosError
from helios_app.graph import Graph, graph_from_networkx
from helios_app.io import read_graph
from helios_app.session import ViewConfig, build_layout
from layouts import settle_layout


def _clustered_by_weights_only() -> tuple[Graph, np.ndarray]:
    """A complete graph of 60 nodes: its structure says nothing; heavy edges inside 3 groups do."""
    node_count, groups = 60, 3
    group = np.arange(node_count) % groups
    edges = np.array(list(itertools.combinations(range(node_count), 2)))
    weights = np.where(group[edges[:, 0]] == group[edges[:, 1]], 10.0, 0.1)
    return Graph(node_ids=[str(i) for i in range(node_count)], edges=edges, weights=weights), group


def _cluster_ratio(positions: np.ndarray, group: np.ndarray) -> float:
    """Mean distance within the groups over the mean distance between them."""
    distance = np.linalg.norm(positions[:, None] - positions[None], axis=2)
    same = group[:, None] == group[None]
    np.fill_diagonal(same, False)
    return float(distance[same].mean() / distance[group[:, None] != group[None]].mean())


@pytest.mark.parametrize("algorithm", ["fr", "fa2"])
def test_a_graph_carried_by_its_weights_comes_out_clustered_by_them(algorithm):
    graph, group = _clustered_by_weights_only()
    ratios = {}
    for weight in ("weight", "none"):
        layout = build_layout(graph, ViewConfig(layout=algorithm, weight=weight))
        settle_layout(layout)
        ratios[weight] = _cluster_ratio(layout.positions, group)
    assert ratios["weight"] < 0.35, ratios
    assert ratios["none"] > 0.8, ratios  # without the weights there is nothing to cluster by


def test_fa2_edge_weight_influence_is_gephis_exponent():
    graph, group = _clustered_by_weights_only()
    ratios = []
    for influence in (0.0, 1.0):
        layout = build_layout(graph, ViewConfig(layout="fa2", layout_parameters={"edge_weight_influence": influence}))
        settle_layout(layout)
        ratios.append(_cluster_ratio(layout.positions, group))
    assert ratios[0] > 0.8 and ratios[1] < 0.35, ratios  # influence 0: w**0 = 1, the weights do nothing


def test_layout_weights_merge_parallel_edges_by_summing_and_follow_the_attribute():
    graph = Graph(node_ids=["a", "b", "c"], edges=[[0, 1], [1, 0], [1, 2], [2, 2]], weights=[1.0, 2.5, 4.0, 9.0],
                  edge_attributes={"strength": [1, 1, "7", None]})
    assert graph.layout_edges().tolist() == [[0, 1], [1, 2]]
    assert graph.layout_weights().tolist() == [3.5, 4.0]
    assert graph.layout_weights("none") is None
    assert graph.layout_weights("strength").tolist() == [2.0, 7.0]  # the self-loop's missing value is dropped
    with pytest.raises(HeliosError, match="no edge attribute 'nope'.*weight, strength"):
        graph.layout_weights("nope")
    nx_graph = networkx.Graph()
    nx_graph.add_edge("x", "y", weight=2.0, pull=5.0)
    assert graph_from_networkx(nx_graph).layout_weights().tolist() == [2.0]
    assert graph_from_networkx(nx_graph).layout_weights("pull").tolist() == [5.0]


@pytest.mark.parametrize("bad", [-1.0, 0.0, float("nan"), float("inf")])
def test_a_bad_weight_is_a_one_line_error_naming_the_edge(bad):
    if not np.isfinite(bad):  # not even a graph: every reader and Graph refuse it, naming the edge
        with pytest.raises(HeliosError, match="weight of edge 1 is"):
            Graph(node_ids=["a", "b", "c"], edges=[[0, 1], [1, 2]], weights=[1.0, bad])
        return
    graph = Graph(node_ids=["a", "b", "c"], edges=[[0, 1], [1, 2]], weights=[1.0, bad], source="g.gml")
    with pytest.raises(HeliosError, match=r"g\.gml: edge 2 \(b -- c\) has weight .*positive finite"):
        build_layout(graph, ViewConfig())
    assert build_layout(graph, ViewConfig(weight="none")).node_count == 3


def test_real_weighted_files_give_their_weights_to_the_layout():
    merged = read_graph(SHARED_DATA / "celegansneural.gml")  # 2359 arcs, 2148 pairs: parallel arcs summed
    weights = merged.layout_weights()
    assert len(weights) == len(merged.layout_edges()) == 2148
    assert weights.sum() == pytest.approx(float(np.asarray(merged.weights).sum()))
    layout = build_layout(merged, ViewConfig())
    assert np.allclose(np.sort(layout.weights), np.sort(weights))


def _helios(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helios_app", *arguments], capture_output=True, text=True,
                          timeout=120, check=False)


def test_every_door_starts_from_the_file_positions_and_takes_weight(tmp_path):
    path = SHARED_DATA / "diseasome.gexf"
    graph = read_graph(path)
    output = tmp_path / "positions.csv"
    result = _helios("layout", str(path), "-o", str(output), "--iterations", "0")
    assert result.returncode == 0, result.stderr
    rows = [line.split(",") for line in output.read_text().splitlines()[1:]]
    written = np.array([[float(x), float(y)] for _, x, y in rows])
    assert np.allclose(written, graph.initial_positions[:, :2]), "helios layout starts where the file placed them"
    result = _helios("layout", str(SHARED_DATA / "lesmis.gml"), "-o", str(output), "--weight", "nope")
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "no edge attribute 'nope'" in result.stderr
    assert _helios("layout", str(SHARED_DATA / "lesmis.gml"), "-o", str(output), "--weight", "none").returncode == 0


def test_the_doors_agree_on_the_positions(tmp_path):
    """The same graph, seed and options through ``helios layout``, ``helios render`` and a live session
    give the same layout (one builder, one settle rule)."""
    import time

    from helios_app.output import render_picture
    from helios_app.session import ViewSession

    path = SHARED_DATA / "lesmis.gml"  # weighted: the weights must reach every door alike
    output = tmp_path / "positions.csv"
    result = _helios("layout", str(path), "-o", str(output), "--seed", "4", "--set", "gravity=0.5")
    assert result.returncode == 0, result.stderr
    iterations = int(re.search(r"(\d+) iterations", result.stdout).group(1))
    written = np.array([[float(x), float(y)] for _, x, y in (line.split(",")
                        for line in output.read_text().splitlines()[1:])])
    graph = read_graph(path)
    config = ViewConfig(seed=4, layout_parameters={"gravity": 0.5})
    assert render_picture(graph, config, tmp_path / "picture.png")["iterations"] == iterations
    with ViewSession(graph, config).start() as session:
        deadline = time.monotonic() + 60
        while not session.worker.state.settled and time.monotonic() < deadline:
            time.sleep(0.05)
        assert session.worker.state.iteration == iterations
        assert np.allclose(session.positions(), written, atol=1e-6)
