"""Tests of the layout algorithms: real numba kernels against numpy references, on small graphs.

Timing lives in ``bench/layout.py``, not here.
"""

from __future__ import annotations

import inspect
import itertools
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numba
import numpy as np
import pytest

from layouts import (
    LAYOUT_ALGORITHMS,
    ForceAtlas2,
    ForceDirectedLayout,
    barnes_hut,
    force_directed,
    layout_quality,
    multilevel,
    packing,
    run_layout,
)
from layouts.graph import GraphStructure

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ALGORITHMS = sorted(LAYOUT_ALGORITHMS)


# ------------------------------------------------------------- numpy references
def reference_repulsion(
    positions: np.ndarray,
    masses: np.ndarray,
    coefficient: float,
    minimum_squared_distance: float = 0.0,
    groups: np.ndarray | None = None,
    sizes: np.ndarray | None = None,
    exponent: int = 1,
) -> np.ndarray:
    """``coefficient * m_i * m_j / d**exponent`` along ``x_i - x_j``, every pair, in plain numpy."""
    delta = positions[:, None, :] - positions[None, :, :]
    squared = np.sum(delta**2, axis=-1)
    pair_mass = coefficient * masses[:, None] * masses[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        if sizes is None:
            clipped = np.maximum(squared, minimum_squared_distance)
            factor = pair_mass / clipped ** ((exponent + 1) / 2)
            factor[squared == 0] = 0.0
        else:  # Gephi's linRepulsion_antiCollision
            gap = np.sqrt(squared) - sizes[:, None] - sizes[None, :]
            factor = np.where(gap > 0, pair_mass / gap**2, np.where(gap < 0, 100 * pair_mass, 0.0))
    np.fill_diagonal(factor, 0.0)
    if groups is not None:
        factor = factor * (groups[:, None] == groups[None, :])
    return np.sum(factor[..., None] * delta, axis=1)


def reference_fr_forces(
    positions: np.ndarray, edges: np.ndarray, weights: np.ndarray, length: float, gravity: float
) -> np.ndarray:
    """Fruchterman-Reingold forces written directly from the formulas, O(n^2) in numpy."""
    repulsion = reference_repulsion(positions, np.ones(len(positions)), length**2, (0.01 * length) ** 2)
    attraction = np.zeros_like(positions)
    for (source, target), weight in zip(edges, weights):
        difference = positions[source] - positions[target]
        pull = weight * np.linalg.norm(difference) / length * difference  # w d^2 / k along the unit vector
        attraction[source] -= pull
        attraction[target] += pull
    return repulsion + attraction - gravity * positions


def reference_fr_step(
    positions: np.ndarray, forces: np.ndarray, temperature: float
) -> tuple[np.ndarray, float]:
    magnitude = np.linalg.norm(forces, axis=1)
    length = np.minimum(magnitude, temperature)
    scale = np.divide(length, magnitude, out=np.zeros_like(magnitude), where=magnitude > 0)
    return positions + forces * scale[:, None], float(length.mean()) if len(length) else 0.0


def reference_fa2_forces(positions, edges, weights, parameters: dict) -> np.ndarray:
    """ForceAtlas2's forces as in Gephi's ForceFactory (origin-centred gravity), in numpy."""
    node_count = len(positions)
    degrees = np.bincount(edges.ravel(), minlength=node_count)
    masses = degrees + 1.0
    sizes = None
    if parameters.get("prevent_overlap"):
        sizes = np.full(node_count, parameters.get("node_size", 1.0))
    forces = reference_repulsion(positions, masses, parameters["scaling_ratio"], 0.0, None, sizes)
    coefficient = masses.mean() if parameters.get("dissuade_hubs") else 1.0
    influence = parameters.get("edge_weight_influence", 1.0)
    for (source, target), weight in zip(edges, weights):
        difference = positions[source] - positions[target]
        distance = np.linalg.norm(difference)
        factor = -coefficient * weight**influence
        if sizes is not None:
            distance -= sizes[source] + sizes[target]
            if distance <= 0:
                continue
        if parameters.get("lin_log"):
            factor *= np.log1p(distance) / distance
        if parameters.get("dissuade_hubs"):
            factor /= masses[source]
        forces[source] += factor * difference
        forces[target] -= factor * difference
    distance = np.linalg.norm(positions, axis=1)
    gravity = parameters.get("gravity", 1.0)
    if parameters.get("strong_gravity"):
        forces -= (gravity * masses)[:, None] * positions
    else:
        forces -= (gravity * masses / distance)[:, None] * positions
    return forces


def random_graph(node_count: int, edge_count: int, seed: int) -> np.ndarray:
    graph = nx.gnm_random_graph(node_count, edge_count, seed=seed)
    return np.array(graph.edges(), dtype=np.int32).reshape(-1, 2)


def karate() -> tuple[np.ndarray, int]:
    graph = nx.karate_club_graph()
    return np.array(graph.edges(), dtype=np.int32), graph.number_of_nodes()


def grid_graph(side: int) -> tuple[np.ndarray, int]:
    graph = nx.convert_node_labels_to_integers(nx.grid_2d_graph(side, side))
    return np.array(graph.edges(), dtype=np.int32), graph.number_of_nodes()


def read_shared(name: str) -> tuple[np.ndarray, int]:
    from helios_app.io import read_graph

    path = SHARED_DATA / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the real-graph tests need ../shared/data")
    graph = read_graph(path)
    return graph.layout_edges(), graph.node_count


def run_steps(layout, count: int) -> list[float]:
    return [layout.step() for _ in range(count)]


# ------------------------------------------------------------------- Barnes-Hut
@pytest.mark.parametrize("dimensions", [1, 2, 3])
def test_barnes_hut_with_theta_zero_is_the_exact_sum(dimensions: int) -> None:
    random = np.random.default_rng(1)
    node_count = 700  # many leaves, several levels
    positions = random.normal(size=(node_count, dimensions)) * 5.0
    positions[7] = positions[8]  # coincident points exert no force on each other
    positions[9] = positions[10] + 1e-5  # nearly coincident ones are clipped
    masses = random.uniform(1.0, 3.0, node_count)
    groups = random.integers(0, 3, node_count)
    forces = np.empty_like(positions)
    cases = [
        {"minimum_squared_distance": 1e-4},
        {"minimum_squared_distance": 0.0, "groups": groups, "group_count": 3},
        {"minimum_squared_distance": 1e-4, "repulsion_exponent": 2},
    ]
    for case in cases:
        barnes_hut.repulsive_forces(positions, masses, 0.0, 2.0, forces, **case)
        expected = reference_repulsion(
            positions, masses, 2.0, case["minimum_squared_distance"], case.get("groups"),
            exponent=case.get("repulsion_exponent", 1),
        )  # fmt: skip
        np.testing.assert_allclose(forces, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())


@pytest.mark.parametrize("dimensions", [1, 2, 3])
def test_small_inputs_are_summed_pair_by_pair_exactly(dimensions: int) -> None:
    """Up to EXACT_MAXIMUM points repulsive_forces sums every pair, whatever theta: the tree's exact sum."""
    random = np.random.default_rng(7)
    count = barnes_hut.EXACT_MAXIMUM
    positions = random.normal(size=(count, dimensions)) * 2.0
    positions[3] = positions[4]  # coincident: no force between them
    masses = random.uniform(1.0, 3.0, count)
    groups = random.integers(0, 3, count)
    sizes = random.uniform(0.01, 0.3, count)
    cases = [
        {"minimum_squared_distance": 1e-4},
        {"minimum_squared_distance": 0.0, "groups": groups, "group_count": 3},
        {"minimum_squared_distance": 1e-4, "repulsion_exponent": 2},
        {"sizes": sizes},
    ]
    for case in cases:
        forces = barnes_hut.repulsive_forces(positions, masses, 1.2, 2.0, np.empty_like(positions), **case)
        tree = barnes_hut.build_tree(positions, masses, case.get("groups"), case.get("group_count", 1), case.get("sizes"))
        expected = barnes_hut.tree_forces(
            tree, 0.0, 2.0, np.empty_like(positions), case.get("minimum_squared_distance", 0.0),
            "sizes" in case, case.get("repulsion_exponent", 1),
        )  # fmt: skip
        np.testing.assert_allclose(forces, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())
        reference = reference_repulsion(
            positions, masses, 2.0, case.get("minimum_squared_distance", 0.0), case.get("groups"),
            sizes=case.get("sizes"), exponent=case.get("repulsion_exponent", 1),
        )  # fmt: skip
        np.testing.assert_allclose(forces, reference, rtol=1e-9, atol=1e-9 * np.abs(reference).max())
    # One more point and the tree's approximation (theta 1.2) is used: no longer the exact sum.
    positions = random.normal(size=(count + 200, dimensions))
    forces = barnes_hut.repulsive_forces(positions, np.ones(len(positions)), 1.2, 1.0, np.empty_like(positions), 1e-4)
    reference = reference_repulsion(positions, np.ones(len(positions)), 1.0, 1e-4)
    assert 0 < np.abs(forces - reference).max() < 0.05 * np.abs(reference).max()


def test_barnes_hut_prevent_overlap_matches_gephi_formula() -> None:
    random = np.random.default_rng(2)
    positions = random.normal(size=(300, 2)) * 3.0
    masses = random.integers(1, 5, 300).astype(float)
    sizes = random.uniform(0.1, 0.6, 300)
    forces = np.empty_like(positions)
    barnes_hut.repulsive_forces(positions, masses, 0.0, 1.5, forces, sizes=sizes)
    expected = reference_repulsion(positions, masses, 1.5, sizes=sizes)
    np.testing.assert_allclose(forces, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())


@pytest.mark.parametrize("dimensions", [2, 3])
@pytest.mark.parametrize("theta", [0.5, 1.0, 1.2])
def test_barnes_hut_error_stays_within_the_approximation_bound(dimensions: int, theta: float) -> None:
    random = np.random.default_rng(3)
    positions = random.normal(size=(2000, dimensions)) * 10.0
    masses = np.ones(len(positions))
    forces = np.empty_like(positions)
    barnes_hut.repulsive_forces(positions, masses, theta, 1.0, forces, 1e-4)
    expected = reference_repulsion(positions, masses, 1.0, 1e-4)
    relative = np.linalg.norm(forces - expected, axis=1) / np.linalg.norm(expected, axis=1)
    # Each accepted cell's error is O((theta * s / d)**2) of its pull; the sum is a few percent at most.
    assert np.median(relative) < 0.01 * theta
    assert np.quantile(relative, 0.95) < 0.05


def test_barnes_hut_forces_do_not_depend_on_input_order() -> None:
    random = np.random.default_rng(4)
    positions = random.normal(size=(5000, 2))
    permutation = random.permutation(len(positions))
    first = barnes_hut.repulsive_forces(positions, np.ones(5000), 1.0, 1.0, np.empty_like(positions), 1e-4)
    second = barnes_hut.repulsive_forces(
        positions[permutation], np.ones(5000), 1.0, 1.0, np.empty_like(positions), 1e-4
    )
    np.testing.assert_allclose(second, first[permutation], rtol=1e-12, atol=1e-12)


def test_radix_argsort_matches_a_stable_sort() -> None:
    keys = np.random.default_rng(5).integers(0, 2**40, size=50_000)
    keys[:1000] = keys[1000:2000]  # ties
    np.testing.assert_array_equal(barnes_hut.radix_argsort(keys, 40), np.argsort(keys, kind="stable"))


def test_tree_of_clustered_points_is_built_and_exact() -> None:
    # Many identical points: one large leaf at the deepest level, still summed exactly.
    positions = np.vstack([np.zeros((200, 2)), np.random.default_rng(6).normal(size=(100, 2)) * 1e6])
    forces = barnes_hut.repulsive_forces(positions, np.ones(300), 0.0, 1.0, np.empty_like(positions), 1e-4)
    expected = reference_repulsion(positions, np.ones(300), 1.0, 1e-4)
    np.testing.assert_allclose(forces, expected, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------ Fruchterman-Reingold
@pytest.mark.parametrize("dimensions", [2, 3])
def test_fr_forces_match_numpy_reference(dimensions: int) -> None:
    node_count = 150
    edges = random_graph(node_count, 400, seed=3)
    random = np.random.default_rng(4)
    weights = random.uniform(0.5, 2.0, size=len(edges))
    positions = random.normal(size=(node_count, dimensions)) * 4.0
    positions[7] = positions[8] + 1e-4  # two nearly coincident nodes exercise the distance clip
    forces = force_directed.compute_forces(positions, edges, weights, 1.0, 0.1, theta=0.0)
    expected = reference_fr_forces(positions, edges, weights, 1.0, 0.1)
    np.testing.assert_allclose(forces, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())


def test_fr_step_matches_reference_step() -> None:
    edges, node_count = karate()  # connected: gravity pulls toward the origin
    layout = ForceDirectedLayout(edges, node_count, seed=5, theta=0.0)
    weights = np.ones(len(edges))
    for _ in range(3):
        before = layout.positions.copy()
        temperature = layout.temperature
        forces = reference_fr_forces(before, edges, weights, layout.ideal_edge_length, layout.gravity)
        expected_positions, expected_displacement = reference_fr_step(before, forces, temperature)
        displacement = layout.step()
        np.testing.assert_allclose(layout.positions, expected_positions, rtol=1e-9, atol=1e-9)
        assert displacement == pytest.approx(expected_displacement, rel=1e-9)
        assert layout.temperature < temperature
    assert layout.iteration == 3


# ------------------------------------------------------------------- ForceAtlas2
FA2_VARIANTS = [
    {"scaling_ratio": 2.0},
    {"scaling_ratio": 3.0, "gravity": 0.5, "strong_gravity": True},
    {"scaling_ratio": 2.0, "lin_log": True, "dissuade_hubs": True},
    {"scaling_ratio": 2.0, "prevent_overlap": True, "node_size": 0.3},
    {"scaling_ratio": 1.0, "edge_weight_influence": 0.5},
]


@pytest.mark.parametrize("parameters", FA2_VARIANTS, ids=lambda p: ",".join(p))
def test_fa2_forces_match_numpy_reference(parameters: dict) -> None:
    node_count = 120
    edges = random_graph(node_count, 300, seed=7)
    random = np.random.default_rng(8)
    weights = random.uniform(0.5, 2.0, size=len(edges))
    positions = random.normal(size=(node_count, 2)) * 5.0
    layout = ForceAtlas2(
        edges, node_count, weights=weights, initial_positions=positions, theta=0.0, pack_components=False,
        **parameters,
    )  # fmt: skip
    forces = layout._compute_forces(layout._current)
    expected = reference_fa2_forces(positions, edges, weights, parameters)
    np.testing.assert_allclose(forces, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())


def test_fa2_matches_fa2_modified_step_for_step() -> None:
    fa2_modified = pytest.importorskip("fa2_modified")
    import scipy.sparse

    node_count = 80
    edges = random_graph(node_count, 200, seed=9)
    positions = np.random.default_rng(10).random((node_count, 2)) * 10.0
    adjacency = scipy.sparse.coo_matrix(
        (np.ones(2 * len(edges)), (np.r_[edges[:, 0], edges[:, 1]], np.r_[edges[:, 1], edges[:, 0]])),
        shape=(node_count, node_count),
    ).tocsr()
    peer = fa2_modified.ForceAtlas2(barnesHutOptimize=False, scalingRatio=2.0, gravity=1.0, verbose=False)
    expected = np.array(peer.forceatlas2(adjacency, pos=positions.copy(), iterations=5))
    layout = ForceAtlas2(
        edges, node_count, initial_positions=positions, theta=0.0, scaling_ratio=2.0, pack_components=False
    )
    run_steps(layout, 5)
    np.testing.assert_allclose(layout.positions, expected, rtol=1e-7, atol=1e-7)


# ------------------------------------------------------------------ both algorithms
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_registry_classes_share_the_constructor(algorithm: str) -> None:
    layout_type = LAYOUT_ALGORITHMS[algorithm]
    parameters = list(inspect.signature(layout_type.__init__).parameters)
    expected = ["self", "edges", "node_count", "dimensions", "seed", "weights", "initial_positions"]
    assert parameters[:7] == expected
    assert layout_type.name == algorithm
    methods = ["step", "reheat", "pin", "unpin", "set_pins", "set_parameters", "update_graph", "add_nodes"]
    for method in methods + ["remove_nodes", "add_edges", "remove_edges"]:
        assert callable(getattr(layout_type, method))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("dimensions", [2, 3])
def test_karate_layout_improves(algorithm: str, dimensions: int) -> None:
    edges, node_count = karate()
    layout = LAYOUT_ALGORITHMS[algorithm](edges, node_count, dimensions=dimensions, seed=0)
    assert layout.positions.shape == (node_count, dimensions)
    start = layout_quality(edges, node_count, layout.positions)
    run_steps(layout, 300)
    assert np.all(np.isfinite(layout.positions))
    end = layout_quality(edges, node_count, layout.positions)
    assert end["stress"] < 0.5 * start["stress"]
    assert end["neighbourhood_preservation"] > start["neighbourhood_preservation"] + 0.15


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_energy_decreases(algorithm: str) -> None:
    edges = random_graph(400, 1000, seed=11)
    layout = LAYOUT_ALGORITHMS[algorithm](edges, 400, seed=3)
    energies = []
    for _ in range(200):
        layout.step()
        energies.append(layout.energy)
    assert np.all(np.isfinite(energies))
    assert np.mean(energies[-10:]) < 0.2 * np.mean(energies[:10])


def test_fr_cools_and_edges_relax_to_the_ideal_length() -> None:
    edges, node_count = karate()
    layout = ForceDirectedLayout(edges, node_count, seed=0)
    displacements = run_steps(layout, 300)
    assert np.mean(displacements[-10:]) < 0.2 * np.mean(displacements[:10])
    edge_lengths = np.linalg.norm(layout.positions[edges[:, 0]] - layout.positions[edges[:, 1]], axis=1)
    assert 0.5 < np.median(edge_lengths) < 3.0


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("multilevel_setting", [False, True])
def test_same_seed_same_positions_different_seed_different(algorithm: str, multilevel_setting: bool) -> None:
    edges = random_graph(3000, 6000, seed=1)  # with multilevel: three levels
    layout_type = LAYOUT_ALGORITHMS[algorithm]
    first, second, other = (
        layout_type(edges, 3000, seed=seed, multilevel=multilevel_setting) for seed in (11, 11, 12)
    )
    np.testing.assert_array_equal(first.positions, second.positions)
    for _ in range(40):
        for layout in (first, second, other):
            layout.step()
    np.testing.assert_array_equal(first.positions, second.positions)
    assert not np.allclose(first.positions, other.positions)


def test_positions_do_not_depend_on_the_thread_count() -> None:
    edges = random_graph(3000, 6000, seed=2)
    results = []
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        numba.set_num_threads(threads)
        try:
            for algorithm in ALGORITHMS:
                results.append(run_layout(edges, 3000, algorithm, iterations=60, multilevel=True)[0])
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_array_equal(results[0], results[2])
    np.testing.assert_array_equal(results[1], results[3])


CACHE_PROBE = """
import importlib, numba, numpy as np
from layouts import layout_quality, run_layout
edges = np.array([[0, 1], [1, 2], [3, 4]])
for algorithm in ("fr", "fa2"):
    for dimensions in (2, 3):
        run_layout(edges, 6, algorithm, dimensions=dimensions, iterations=10, multilevel=True)
layout_quality(edges, 6, np.random.default_rng(0).random((6, 2)))
misses = 0
modules = ("barnes_hut", "base", "force_directed", "force_atlas2", "graph", "multilevel", "packing")
modules += ("quality",)
for name in modules:
    for value in vars(importlib.import_module("layouts." + name)).values():
        if isinstance(value, numba.core.registry.CPUDispatcher):
            misses += sum(value.stats.cache_misses.values())
print(misses)
"""


def test_kernels_are_compiled_once_and_cached_on_disk() -> None:
    """A second process (a second ``helios view``) loads every kernel from the disk cache."""
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-c", CACHE_PROBE]
    runs = [
        subprocess.run(command, check=False, cwd=root, capture_output=True, text=True, timeout=600) for _ in range(2)
    ]
    assert runs[1].returncode == 0, runs[1].stderr
    assert int(runs[1].stdout.split()[-1]) == 0  # nothing compiled the second time


def test_initial_positions_are_used_and_copied() -> None:
    edges, node_count = karate()
    start = np.random.default_rng(0).normal(size=(node_count, 2))
    for layout_type in LAYOUT_ALGORITHMS.values():
        layout = layout_type(edges, node_count, initial_positions=start)
        np.testing.assert_array_equal(layout.positions, start)
        layout.step()
        assert not np.array_equal(layout.positions, start)
        assert np.array_equal(start, np.random.default_rng(0).normal(size=(node_count, 2)))


def test_coincident_initial_positions_separate() -> None:
    edges = np.array([[0, 1], [1, 2], [2, 3]], dtype=np.int32)
    layout = ForceDirectedLayout(edges, 4, initial_positions=np.zeros((4, 2)))
    run_steps(layout, 200)
    distances = np.linalg.norm(layout.positions[:, None] - layout.positions[None], axis=-1)
    assert distances[~np.eye(4, dtype=bool)].min() > 0.3


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("node_count", [0, 1, 2])
@pytest.mark.parametrize("dimensions", [1, 2, 3])
def test_tiny_graphs_do_not_crash(algorithm: str, node_count: int, dimensions: int) -> None:
    edges = np.array([[0, 1]]) if node_count == 2 else np.empty((0, 2), dtype=np.int32)
    layout = LAYOUT_ALGORITHMS[algorithm](edges, node_count, dimensions=dimensions)
    for _ in range(20):
        displacement = layout.step()
        assert np.isfinite(displacement) and displacement >= 0.0
    assert layout.positions.shape == (node_count, dimensions)
    assert np.all(np.isfinite(layout.positions))


def test_invalid_arguments_are_rejected() -> None:
    for layout_type in LAYOUT_ALGORITHMS.values():
        with pytest.raises(ValueError, match="edge node indices"):
            layout_type(np.array([[0, 5]]), 3)
        with pytest.raises(ValueError, match="self-loops"):
            layout_type(np.array([[1, 1]]), 3)
        with pytest.raises(ValueError, match="weights"):
            layout_type(np.array([[0, 1]]), 3, weights=np.ones(2))
        with pytest.raises(ValueError, match="initial_positions"):
            layout_type(np.array([[0, 1]]), 3, initial_positions=np.zeros((3, 3)))
        with pytest.raises(ValueError, match="unknown parameter"):
            layout_type(np.array([[0, 1]]), 3, temprature=3)
        with pytest.raises(ValueError, match="theta"):
            layout_type(np.array([[0, 1]]), 3, theta=-1.0)


# --------------------------------------------------------------------- components
def component_discs(positions: np.ndarray, graph: GraphStructure) -> tuple[np.ndarray, np.ndarray]:
    centroids, radii, _ = packing.component_geometry(
        positions, graph.component_labels, graph.component_count, 0.0
    )
    return centroids, radii


@pytest.mark.parametrize("dimensions", [2, 3])
def test_fr_packs_components_around_the_big_one_without_overlap(dimensions: int) -> None:
    edges, node_count = read_shared("netscience.gml")  # 396 components, the largest has 379 nodes
    layout = ForceDirectedLayout(edges, node_count, dimensions=dimensions, seed=0)
    while not (layout.can_settle and layout.iteration >= 150):  # past the coarse levels
        layout.step()
    graph = layout.graph
    assert graph.component_count == 396
    centroids, radii = component_discs(layout.positions, graph)
    sizes = graph.component_sizes()
    largest = int(np.argmax(sizes))
    distance = np.linalg.norm(centroids[:, None] - centroids[None], axis=-1)
    overlap = distance < (radii[:, None] + radii[None]) * 0.999
    np.fill_diagonal(overlap, False)
    assert not overlap.any()
    # Components do not drift away: they fill a good part of the disc (ball) that holds them all
    # (measured: 0.28 in 2D, 0.12 in 3D, where the packing gaps weigh more; one component drifting
    # to twice the extent would divide the figure by 4 in 2D, by 8 in 3D).
    extent = np.max(np.linalg.norm(layout.positions - centroids[largest], axis=1))
    assert np.sum(radii**dimensions) / extent**dimensions > (0.15 if dimensions == 2 else 0.08)
    # Small components sit around the big one: the largest ones come first, closest to it.
    order = np.argsort(-sizes, kind="stable")
    near = np.linalg.norm(centroids[order[1:20]] - centroids[largest], axis=1).mean()
    far = np.linalg.norm(centroids[order[-50:]] - centroids[largest], axis=1).mean()
    assert near < far


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_components_stay_within_bounds(algorithm: str) -> None:
    triangle = np.array([[0, 1], [1, 2], [0, 2]], dtype=np.int32)
    edges = np.vstack([triangle, triangle + 3, triangle + 6])
    layout = LAYOUT_ALGORITHMS[algorithm](edges, 12, dimensions=3, seed=1)  # 3 triangles, 3 isolated nodes
    bounds = []
    for _ in range(400):
        layout.step()
        bounds.append(np.linalg.norm(layout.positions - layout.positions.mean(axis=0), axis=1).max())
    assert max(bounds[200:]) < 30.0
    assert max(bounds[300:]) < 1.2 * max(bounds[200:300]) + 1e-9  # no drift


def test_fa2_packs_components_and_published_gravity_keeps_them_bounded() -> None:
    edges, node_count = read_shared("polblogs.gml")  # 268 components, many isolated nodes
    packed = ForceAtlas2(edges, node_count, seed=0)
    published = ForceAtlas2(edges, node_count, seed=0, pack_components=False)
    run_steps(packed, 100)
    run_steps(published, 100)
    graph = packed.graph
    _centroids, radii = component_discs(packed.positions, graph)
    extent = np.max(np.linalg.norm(packed.positions - packed.positions.mean(axis=0), axis=1))
    assert np.sum(radii**2) / extent**2 > 0.1  # packed: no component far out
    # Without packing, gravity still bounds every node (at scaling * total mass / gravity at most).
    bound = published.scaling_ratio * published._finest.masses.sum() / published.parameters.gravity
    assert np.abs(published.positions).max() < bound


# --------------------------------------------------------------------------- pins
@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("dimensions", [2, 3])
def test_pinned_nodes_never_move(algorithm: str, dimensions: int) -> None:
    edges = random_graph(300, 700, seed=2)
    layout = LAYOUT_ALGORITHMS[algorithm](edges, 300, dimensions=dimensions, seed=1)
    target = np.full((2, dimensions), 5.0)
    target[1] *= -1
    layout.pin([3, 4], target)
    layout.pin(7)  # where it is
    where_seven = layout.positions[7].copy()
    pinned = [3, 4]
    for iteration in range(120):
        layout.step()
        np.testing.assert_array_equal(layout.positions[pinned], target)
        if iteration <= 40:
            np.testing.assert_array_equal(layout.positions[7], where_seven)
        if iteration == 40:  # pins change while running: 4 and 7 are freed, 10 is pinned at the origin
            layout.unpin(4)
            layout.set_pins([3, 10], np.vstack([target[0], np.zeros(dimensions)]))
            pinned = [3, 10]
            target = layout.positions[pinned].copy()
            np.testing.assert_array_equal(target[1], np.zeros(dimensions))
    np.testing.assert_array_equal(layout.positions[pinned], target)
    assert not np.array_equal(layout.positions[4], -np.full(dimensions, 5.0))  # freed: it moved
    assert set(np.flatnonzero(layout.pinned)) == {3, 10}


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_pinning_during_the_coarse_phase_switches_to_the_full_graph(algorithm: str) -> None:
    edges, node_count = grid_graph(40)  # 1600 nodes: a two-level hierarchy
    layout = LAYOUT_ALGORITHMS[algorithm](edges, node_count, seed=2, multilevel=True)
    layout.step()
    assert layout.level > 0 and not layout.can_settle
    layout.pin(0, np.zeros(2))
    assert layout.level == 0
    run_steps(layout, 50)
    np.testing.assert_array_equal(layout.positions[0], np.zeros(2))


def test_pinned_component_is_not_moved_by_packing() -> None:
    edges = np.array([[0, 1], [2, 3], [4, 5], [5, 6]], dtype=np.int32)
    layout = ForceDirectedLayout(edges, 8, seed=3)
    layout.pin([0], np.array([[5.0, 5.0]]))
    run_steps(layout, 100)
    np.testing.assert_array_equal(layout.positions[0], [5.0, 5.0])
    assert np.linalg.norm(layout.positions[1] - layout.positions[0]) < 3.0  # its partner followed


# --------------------------------------------------------------------- multilevel
def test_coarsening_halves_the_graph_and_keeps_mass() -> None:
    edges, node_count = read_shared("power.gml")
    graph = GraphStructure(edges, np.ones(len(edges)), node_count)
    masses = np.ones(node_count)
    level = multilevel.coarsen(graph, masses, seed=0)
    assert level.graph.node_count <= 0.6 * node_count
    assert level.masses.sum() == pytest.approx(node_count)
    assert level.parent.shape == (node_count,) and level.parent.max() == level.graph.node_count - 1
    # coarse edges join groups joined by fine edges, and nothing else
    fine_group_pairs = {tuple(sorted(pair)) for pair in level.parent[edges] if pair[0] != pair[1]}
    assert {tuple(pair) for pair in level.graph.edges} == fine_group_pairs
    crossing = sum(1 for pair in level.parent[edges] if pair[0] != pair[1])
    assert level.graph.weights.sum() == pytest.approx(crossing)  # weights add up
    hierarchy = multilevel.build_hierarchy(graph, masses, seed=0)
    assert hierarchy[-1].graph.node_count <= multilevel.COARSEST_NODE_COUNT
    assert all(b.graph.node_count < a.graph.node_count for a, b in itertools.pairwise(hierarchy))


def test_star_graph_coarsens() -> None:
    edges = np.array([[0, leaf] for leaf in range(1, 3001)], dtype=np.int32)
    graph = GraphStructure(edges, np.ones(len(edges)), 3001)
    level = multilevel.coarsen(graph, np.ones(3001), seed=0)
    assert level.graph.node_count == 1  # leaves join the hub's group instead of stalling


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_multilevel_untangles_a_grid(algorithm: str) -> None:
    edges, node_count = grid_graph(45)  # 2025 nodes: folds easily from random positions
    layout = LAYOUT_ALGORITHMS[algorithm](edges, node_count, seed=4, multilevel=True)
    levels_seen = set()
    while not (layout.can_settle and layout.iteration > 400):
        layout.step()
        levels_seen.add(layout.level)
    assert len(levels_seen) >= 2 and layout.level == 0
    quality = layout_quality(edges, node_count, layout.positions)
    assert quality["stress"] < 0.12
    assert quality["neighbourhood_preservation"] > 0.5


def test_positions_during_the_coarse_phase_show_groups() -> None:
    edges, node_count = grid_graph(40)
    layout = ForceDirectedLayout(edges, node_count, seed=2, multilevel=True)
    layout.step()
    assert layout.level == layout.level_count - 1 > 0
    distinct = len(np.unique(layout.positions, axis=0))
    assert distinct < node_count  # nodes of a group share their group's position
    assert np.all(np.isfinite(layout.positions))


# ---------------------------------------------------------------- live changes
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_graph_edits_keep_existing_nodes_in_place(algorithm: str) -> None:
    edges = random_graph(200, 400, seed=5)
    layout = LAYOUT_ALGORITHMS[algorithm](edges, 200, seed=1)
    run_steps(layout, 50)
    before = layout.positions.copy()
    new = layout.add_nodes(2)
    np.testing.assert_array_equal(new, [200, 201])
    layout.add_edges(np.array([[5, 200], [200, 201]]))
    np.testing.assert_array_equal(layout.positions[:200], before)
    layout.step()
    # placed near their neighbours: 200 next to 5, 201 next to 200
    spread = np.linalg.norm(before.max(axis=0) - before.min(axis=0))
    assert np.linalg.norm(layout.positions[200] - layout.positions[5]) < 0.1 * spread
    assert np.linalg.norm(layout.positions[201] - layout.positions[200]) < 0.1 * spread
    assert layout.node_count == 202 and layout.graph.edge_count == len(edges) + 2

    removed = layout.remove_edges(np.array([[200, 5]]))
    assert removed == 1 and layout.graph.edge_count == len(edges) + 1
    before = layout.positions.copy()
    mapping = layout.remove_nodes([0, 7])
    assert layout.node_count == 200
    assert mapping[0] == -1 and mapping[7] == -1 and mapping[8] == 6
    kept = np.flatnonzero(mapping >= 0)
    np.testing.assert_array_equal(layout.positions, before[kept])
    run_steps(layout, 20)
    assert np.all(np.isfinite(layout.positions))


def test_parameters_change_while_running() -> None:
    edges, node_count = karate()
    layout = ForceAtlas2(edges, node_count, seed=0)
    run_steps(layout, 100)
    spread_before = np.ptp(layout.positions, axis=0).max()
    layout.set_parameters(scaling_ratio=50.0)
    run_steps(layout, 200)
    assert layout.parameters.scaling_ratio == 50.0
    assert np.ptp(layout.positions, axis=0).max() > 1.5 * spread_before  # stronger repulsion: wider
    with pytest.raises(ValueError, match="jitter_tolerance"):
        layout.set_parameters(jitter_tolerance=-1)
    assert layout.parameters.jitter_tolerance == 1.0  # unchanged after a rejected change
    with pytest.raises(ValueError, match="node_size"):
        layout.set_parameters(node_size=np.ones(node_count + 1))  # one value too many for this graph
    assert layout.parameters.node_size == 1.0  # unchanged: the check runs before the change


def test_layouts_share_the_constructor_and_its_hooks_set_their_own_state() -> None:
    from layouts.base import ForceLayout

    for layout_type in (ForceDirectedLayout, ForceAtlas2):
        assert layout_type.__init__ is ForceLayout.__init__  # no subclass constructor to get the order wrong
    edges, node_count = karate()
    fr = ForceDirectedLayout(edges, node_count, seed=0)
    assert fr.temperature == pytest.approx(0.1 * node_count**0.5)  # the schedule started in the constructor
    fa2 = ForceAtlas2(edges, node_count, seed=0)
    assert fa2.speed == 1.0
    with pytest.raises(ValueError, match="node_size"):
        ForceAtlas2(edges, node_count, node_size=np.ones(3))


def test_update_graph_replaces_the_graph() -> None:
    edges, node_count = karate()
    layout = ForceDirectedLayout(edges, node_count, seed=0)
    run_steps(layout, 20)
    before = layout.positions.copy()
    kept_edges = edges[np.all(edges < 30, axis=1)][:40]
    layout.update_graph(kept_edges, node_count=30)
    np.testing.assert_array_equal(layout.positions, before[:30])
    assert layout.graph.edge_count == len(kept_edges)
    run_steps(layout, 10)
    assert layout.positions.shape == (30, 2)


# ---------------------------------------------------------------------- quality
def test_quality_of_a_perfect_path_layout() -> None:
    edges = np.array([[i, i + 1] for i in range(49)])
    line = np.c_[np.arange(50.0), np.zeros(50)]
    quality = layout_quality(edges, 50, line)
    assert quality["stress"] == pytest.approx(0.0, abs=1e-12)
    assert quality["neighbourhood_preservation"] == pytest.approx(1.0)
    shuffled = layout_quality(edges, 50, line[np.random.default_rng(0).permutation(50)])
    assert shuffled["stress"] > 0.2 and shuffled["neighbourhood_preservation"] < 0.3
    scaled = layout_quality(edges, 50, 7.0 * line + 3.0)
    assert scaled["stress"] == pytest.approx(0.0, abs=1e-12)  # scale-free


def test_sampled_stress_is_close_to_the_exact_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from layouts import quality

    edges, node_count = grid_graph(60)  # 3600 nodes: above the exact limit
    positions = np.array([[index // 60, index % 60] for index in range(node_count)], dtype=float)
    positions += np.random.default_rng(1).normal(scale=2.0, size=positions.shape)
    sampled = quality.normalised_stress(edges, node_count, positions, seed=0)
    monkeypatch.setattr(quality, "EXACT_STRESS_NODE_COUNT", 10_000)
    exact = quality.normalised_stress(edges, node_count, positions, seed=0)
    assert sampled == pytest.approx(exact, rel=0.1)


def test_neighbourhood_of_a_hub_is_its_neighbours() -> None:
    from layouts import quality

    star = np.array([[0, leaf] for leaf in range(1, 31)])
    neighbour_start, neighbours = quality._neighbour_lists(star, 31)
    offsets, members = quality._graph_neighbourhoods(
        neighbour_start, neighbours.astype(np.int64), np.array([0, 1]), 10
    )
    # More than k neighbours: all of them.
    assert sorted(members[offsets[0] : offsets[1]]) == list(range(1, 31))
    assert list(members[offsets[1] : offsets[2]]) == [0]  # ring 2 would overflow k: just the hub


# -------------------------------------------------------------------- run_layout
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_run_layout_settles_or_stops_after_n_iterations(algorithm: str) -> None:
    edges, node_count = karate()
    positions, iterations_done, seconds = run_layout(edges, node_count, algorithm, seed=3)
    assert positions.shape == (node_count, 2) and np.all(np.isfinite(positions))
    assert 20 <= iterations_done < 3000 and seconds > 0
    again, iterations_again, _ = run_layout(edges, node_count, algorithm, seed=3)
    np.testing.assert_array_equal(again, positions)
    assert iterations_again == iterations_done
    positions, iterations_done, _ = run_layout(edges, node_count, algorithm, dimensions=3, iterations=7)
    assert positions.shape == (node_count, 3) and iterations_done == 7


def test_run_layout_rejects_unknown_algorithms_and_parameters() -> None:
    edges, node_count = karate()
    with pytest.raises(ValueError, match="choose one of fr, fa2"):
        run_layout(edges, node_count, "magic")
    with pytest.raises(ValueError, match="unknown parameter"):
        run_layout(edges, node_count, "fr", scaling_ratio=2.0)


# ------------------------------------------------------------------------ automatic gravity
def grid_edges(side: int) -> np.ndarray:
    graph = nx.convert_node_labels_to_integers(nx.grid_2d_graph(side, side))
    return np.array(graph.edges(), dtype=np.int32)


def test_automatic_gravity_is_strong_for_small_worlds_and_weak_for_large_ones() -> None:
    edges, node_count = read_shared("as-22july06.gml")  # diameter 11, ln n = 10: tight, 23k nodes
    assert ForceDirectedLayout(edges, node_count).gravity == force_directed.TIGHT_WORLD_GRAVITY
    edges, node_count = read_shared("ca-GrQc.txt")  # diameter 17, ln n = 8.3: small, not tight
    assert ForceDirectedLayout(edges, node_count).gravity == force_directed.SMALL_WORLD_GRAVITY
    edges, node_count = read_shared("lesmis.gml")  # diameter 5, ln n = 4.3: tight but only 77 nodes
    assert ForceDirectedLayout(edges, node_count).gravity == force_directed.SMALL_WORLD_GRAVITY
    edges, node_count = read_shared("power.gml")  # diameter 46, ln n = 8.5
    assert ForceDirectedLayout(edges, node_count).gravity == force_directed.LARGE_WORLD_GRAVITY
    grid = ForceDirectedLayout(grid_edges(40), 1600)  # diameter 78
    assert grid.gravity == force_directed.LARGE_WORLD_GRAVITY
    assert ForceDirectedLayout(grid_edges(40), 1600, gravity=0.5).gravity == 0.5


def test_automatic_gravity_follows_graph_edits() -> None:
    layout = ForceDirectedLayout(grid_edges(30), 900)
    assert layout.gravity == force_directed.LARGE_WORLD_GRAVITY
    hub = layout.add_nodes(1)[0]
    layout.add_edges(np.array([[node, hub] for node in range(0, 900, 3)]))  # every node within 3 hops
    assert layout.gravity >= force_directed.SMALL_WORLD_GRAVITY


@pytest.mark.parametrize("name", ["polblogs.gml", "lesmis.gml", "ca-GrQc.txt"])
def test_automatic_gravity_lowers_the_stress_of_small_worlds(name: str) -> None:
    edges, node_count = read_shared(name)
    stresses = [
        layout_quality(edges, node_count, run_layout(edges, node_count, "fr", **parameters)[0])["stress"]
        for parameters in ({}, {"gravity": force_directed.LARGE_WORLD_GRAVITY})
    ]
    assert stresses[0] < stresses[1], stresses
