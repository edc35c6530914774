"""Tests of layouts.force_directed and layouts.worker: real numba kernels, real threads."""

from __future__ import annotations

import threading
import time

import networkx as nx
import numpy as np
import pytest

from layouts import ForceDirectedLayout, LayoutWorker, PositionBuffer
from layouts import force_directed

TIMEOUT_S = 60.0


def wait_until(predicate, timeout_s: float = TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())


# ------------------------------------------------------------- numpy reference
def reference_forces(
    positions: np.ndarray, edges: np.ndarray, weights: np.ndarray, ideal_edge_length: float, gravity: float
) -> np.ndarray:
    """Fruchterman-Reingold forces written directly from the formulas, O(n^2) in numpy."""
    k = ideal_edge_length
    delta = positions[:, None, :] - positions[None, :, :]  # x_i - x_j
    squared_distance = np.maximum(np.sum(delta**2, axis=-1), (0.01 * k) ** 2)
    repulsion = np.sum(k**2 * delta / squared_distance[..., None], axis=1)  # k^2 / d along the unit vector
    attraction = np.zeros_like(positions)
    for (source, target), weight in zip(edges, weights):
        difference = positions[source] - positions[target]
        pull = weight * np.linalg.norm(difference) / k * difference  # w d^2 / k along the unit vector
        attraction[source] -= pull
        attraction[target] += pull
    return repulsion + attraction - gravity * positions


def reference_step(positions: np.ndarray, forces: np.ndarray, temperature: float) -> tuple[np.ndarray, float]:
    magnitude = np.linalg.norm(forces, axis=1)
    length = np.minimum(magnitude, temperature)
    scale = np.divide(length, magnitude, out=np.zeros_like(magnitude), where=magnitude > 0)
    return positions + forces * scale[:, None], float(length.mean()) if len(length) else 0.0


def random_graph(node_count: int, edge_count: int, seed: int) -> np.ndarray:
    graph = nx.gnm_random_graph(node_count, edge_count, seed=seed)
    return np.array(graph.edges(), dtype=np.int32).reshape(-1, 2)


def karate() -> tuple[np.ndarray, int, nx.Graph]:
    graph = nx.karate_club_graph()
    return np.array(graph.edges(), dtype=np.int32), graph.number_of_nodes(), graph


def scaled_stress(positions: np.ndarray, graph: nx.Graph) -> float:
    """Stress against graph distances after the best uniform scaling (scale-free)."""
    node_count = graph.number_of_nodes()
    graph_distance = np.asarray(nx.floyd_warshall_numpy(graph, nodelist=range(node_count)))
    upper = np.triu_indices(node_count, 1)
    layout_distance = np.linalg.norm(positions[:, None] - positions[None], axis=-1)[upper]
    target = graph_distance[upper]
    scale = np.sum(layout_distance / target) / np.sum(layout_distance**2 / target**2)
    return float(np.sum((scale * layout_distance / target - 1.0) ** 2))


def adjacent_to_nonadjacent_distance_ratio(positions: np.ndarray, graph: nx.Graph) -> float:
    node_count = graph.number_of_nodes()
    adjacency = nx.to_numpy_array(graph, nodelist=range(node_count)) > 0
    distance = np.linalg.norm(positions[:, None] - positions[None], axis=-1)
    nonadjacent = ~adjacency & ~np.eye(node_count, dtype=bool)
    return float(distance[adjacency].mean() / distance[nonadjacent].mean())


# --------------------------------------------------------------------- kernels
@pytest.mark.parametrize("dimensions", [2, 3])
def test_kernel_forces_match_numpy_reference(dimensions: int) -> None:
    node_count = 150  # more than two row blocks of the parallel kernel
    edges = random_graph(node_count, 400, seed=3)
    random = np.random.default_rng(4)
    weights = random.uniform(0.5, 2.0, size=len(edges))
    positions = random.normal(size=(node_count, dimensions)) * 4.0
    positions[7] = positions[8] + 1e-4  # two nearly coincident nodes exercise the distance clip
    forces = np.empty_like(positions)
    force_directed.compute_forces(positions, edges, weights, 1.0, 0.1, forces)
    expected = reference_forces(positions, edges, weights, 1.0, 0.1)
    np.testing.assert_allclose(forces, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())

    repulsion_only = np.empty_like(positions)
    force_directed.repulsive_forces(positions, 2.0, repulsion_only)
    expected_repulsion = reference_forces(positions, np.empty((0, 2), dtype=np.int32), np.empty(0), 2.0, 0.0)
    np.testing.assert_allclose(
        repulsion_only, expected_repulsion, rtol=1e-9, atol=1e-9 * np.abs(expected_repulsion).max()
    )


def test_step_matches_reference_step() -> None:
    edges, node_count, _ = karate()
    layout = ForceDirectedLayout(edges, node_count, seed=5)
    for _ in range(3):
        before = layout.positions.copy()
        temperature = layout.temperature
        weights = np.ones(len(edges))
        forces = reference_forces(before, edges, weights, layout.ideal_edge_length, layout.gravity)
        expected_positions, expected_displacement = reference_step(before, forces, temperature)
        displacement = layout.step()
        np.testing.assert_allclose(layout.positions, expected_positions, rtol=1e-9, atol=1e-9)
        assert displacement == pytest.approx(expected_displacement, rel=1e-9)
        assert layout.temperature < temperature
    assert layout.iteration == 3


# ---------------------------------------------------------------------- quality
@pytest.mark.parametrize("dimensions", [2, 3])
def test_karate_layout_improves(dimensions: int) -> None:
    edges, node_count, graph = karate()
    layout = ForceDirectedLayout(edges, node_count, dimensions=dimensions, seed=0)
    assert layout.positions.shape == (node_count, dimensions)
    start_stress = scaled_stress(layout.positions, graph)
    start_ratio = adjacent_to_nonadjacent_distance_ratio(layout.positions, graph)
    displacements = [layout.step() for _ in range(300)]
    assert np.all(np.isfinite(layout.positions))
    end_stress = scaled_stress(layout.positions, graph)
    end_ratio = adjacent_to_nonadjacent_distance_ratio(layout.positions, graph)
    assert end_stress < 0.6 * start_stress
    assert end_ratio < 0.6 < start_ratio
    # it cools: late steps move far less than early ones
    assert np.mean(displacements[-10:]) < 0.2 * np.mean(displacements[:10])
    # edges relax to about the ideal length k = 1
    edge_lengths = np.linalg.norm(layout.positions[edges[:, 0]] - layout.positions[edges[:, 1]], axis=1)
    assert 0.5 < np.median(edge_lengths) < 3.0


def test_same_seed_same_positions_different_seed_different() -> None:
    edges = random_graph(300, 900, seed=1)
    first = ForceDirectedLayout(edges, 300, seed=11)
    second = ForceDirectedLayout(edges, 300, seed=11)
    other = ForceDirectedLayout(edges, 300, seed=12)
    np.testing.assert_array_equal(first.positions, second.positions)
    assert not np.allclose(first.positions, other.positions)
    for _ in range(30):
        first.step()
        second.step()
        other.step()
    np.testing.assert_array_equal(first.positions, second.positions)
    assert not np.allclose(first.positions, other.positions)


def test_initial_positions_are_used_and_copied() -> None:
    edges, node_count, _ = karate()
    start = np.random.default_rng(0).normal(size=(node_count, 2))
    layout = ForceDirectedLayout(edges, node_count, initial_positions=start)
    np.testing.assert_array_equal(layout.positions, start)
    layout.step()
    assert not np.array_equal(layout.positions, start)  # the caller's array was not modified...
    assert np.array_equal(start, np.random.default_rng(0).normal(size=(node_count, 2)))  # ...at all


def test_coincident_initial_positions_separate() -> None:
    edges = np.array([[0, 1], [1, 2], [2, 3]], dtype=np.int32)
    layout = ForceDirectedLayout(edges, 4, initial_positions=np.zeros((4, 2)))
    for _ in range(200):
        layout.step()
    distances = np.linalg.norm(layout.positions[:, None] - layout.positions[None], axis=-1)
    assert distances[~np.eye(4, dtype=bool)].min() > 0.3


@pytest.mark.parametrize("node_count", [0, 1])
@pytest.mark.parametrize("dimensions", [2, 3])
def test_tiny_graphs_do_not_crash(node_count: int, dimensions: int) -> None:
    layout = ForceDirectedLayout(np.empty((0, 2), dtype=np.int32), node_count, dimensions=dimensions)
    for _ in range(20):
        displacement = layout.step()
        assert np.isfinite(displacement) and displacement >= 0.0
    assert layout.positions.shape == (node_count, dimensions)
    assert np.all(np.isfinite(layout.positions))


def test_graph_without_edges_stays_bounded() -> None:
    layout = ForceDirectedLayout(np.empty((0, 2), dtype=np.int32), 40, seed=2)
    for _ in range(400):
        layout.step()
    radius = np.linalg.norm(layout.positions, axis=1)
    assert np.all(np.isfinite(radius))
    assert radius.max() < 100.0  # gravity holds the unconnected nodes (equilibrium ~ sqrt(n / 0.1) = 20)
    distances = np.linalg.norm(layout.positions[:, None] - layout.positions[None], axis=-1)
    assert distances[~np.eye(40, dtype=bool)].min() > 0.5  # and repulsion spreads them out


def test_disconnected_components_stay_near_each_other() -> None:
    triangle = np.array([[0, 1], [1, 2], [0, 2]], dtype=np.int32)
    edges = np.vstack([triangle, triangle + 3, triangle + 6])
    layout = ForceDirectedLayout(edges, 9, dimensions=3, seed=1)
    for _ in range(400):
        layout.step()
    assert np.linalg.norm(layout.positions, axis=1).max() < 30.0


def test_invalid_arguments_are_rejected() -> None:
    with pytest.raises(ValueError):
        ForceDirectedLayout(np.array([[0, 5]], dtype=np.int32), 3)
    with pytest.raises(ValueError):
        ForceDirectedLayout(np.array([[0, 1]], dtype=np.int32), 3, weights=np.ones(2))
    with pytest.raises(ValueError):
        ForceDirectedLayout(np.array([[0, 1]], dtype=np.int32), 3, initial_positions=np.zeros((3, 3)))


# ----------------------------------------------------------------------- worker
class BlockingLayout:
    """A layout whose first step waits for an event: the worker's first publish stays alone."""

    def __init__(self) -> None:
        self.positions = np.arange(6, dtype=np.float64).reshape(3, 2)
        self.release = threading.Event()

    def step(self) -> float:
        self.release.wait(TIMEOUT_S)
        return 0.0


class FailingLayout:
    def __init__(self, fail_at: int) -> None:
        self.positions = np.zeros((4, 2))
        self.fail_at = fail_at
        self.iteration = 0

    def step(self) -> float:
        self.iteration += 1
        if self.iteration == self.fail_at:
            raise FloatingPointError(f"step {self.iteration} blew up")
        self.positions += 1.0
        return 1.0


def test_worker_publishes_initial_positions_at_version_1() -> None:
    layout = BlockingLayout()
    with PositionBuffer(3, 2) as buffer:
        worker = LayoutWorker(layout, buffer)
        worker.start()
        try:
            version, positions = buffer.read_latest()
            assert version == 1
            np.testing.assert_array_equal(positions, layout.positions)
        finally:
            layout.release.set()
            worker.stop(timeout_s=TIMEOUT_S)


def test_worker_publishes_settles_wakes_and_stops() -> None:
    edges, node_count, _ = karate()
    layout = ForceDirectedLayout(edges, node_count, seed=0)
    with PositionBuffer(node_count, 2) as buffer:
        worker = LayoutWorker(layout, buffer, interval_s=0.0)
        assert not worker.state.running
        worker.start()
        try:
            versions = []
            for _ in range(5):
                assert wait_until(lambda: buffer.version > (versions[-1] if versions else 0))
                version, positions = buffer.read_latest()
                assert np.all(np.isfinite(positions))
                versions.append(version)
            assert versions == sorted(versions) and len(set(versions)) == 5

            assert wait_until(lambda: worker.state.settled), worker.state
            state = worker.state
            assert state.settled and not state.running
            assert state.iteration > 5
            assert state.displacement < 0.05
            # settled: idle, nothing more is published
            settled_version = buffer.version
            settled_iteration = layout.iteration
            time.sleep(0.3)
            assert buffer.version == settled_version
            assert layout.iteration == settled_iteration
            # what was published last is what the layout holds
            version, positions = buffer.read_latest()
            assert version == settled_version == state.version
            np.testing.assert_allclose(positions, layout.positions, rtol=1e-6, atol=1e-5)

            worker.wake()
            assert not worker.state.settled
            assert wait_until(lambda: buffer.version > settled_version)
            assert wait_until(lambda: worker.state.settled)  # and it settles again
            assert layout.iteration > settled_iteration
        finally:
            worker.stop(timeout_s=TIMEOUT_S)
        assert not worker.timer.thread.is_alive()
        assert not worker.state.running
        worker.stop()  # harmless twice


def test_worker_with_interval_and_tiny_graphs_settle() -> None:
    for node_count in (0, 1, 2):
        edges = np.array([[0, 1]], dtype=np.int32) if node_count == 2 else np.empty((0, 2), dtype=np.int32)
        layout = ForceDirectedLayout(edges, node_count, dimensions=3)
        with (
            PositionBuffer(node_count, 3) as buffer,
            LayoutWorker(layout, buffer, interval_s=0.001) as worker,
        ):
            assert wait_until(lambda: worker.state.settled), (node_count, worker.state)
            assert buffer.version >= 2


def test_worker_surfaces_step_error_from_stop() -> None:
    layout = FailingLayout(fail_at=4)
    with PositionBuffer(4, 2) as buffer:
        worker = LayoutWorker(layout, buffer)
        worker.start()
        assert wait_until(lambda: worker.timer.error is not None)
        assert wait_until(lambda: not worker.state.running)
        with pytest.raises(FloatingPointError, match="step 4 blew up"):
            worker.stop(timeout_s=TIMEOUT_S)
        assert not worker.timer.thread.is_alive()
        # the three good steps were published after the initial positions
        version, positions = buffer.read_latest()
        assert version == 4 and np.all(positions == 3.0)


def test_worker_rejects_mismatched_buffer() -> None:
    edges, node_count, _ = karate()
    layout = ForceDirectedLayout(edges, node_count)
    with PositionBuffer(node_count, 3) as buffer:
        with pytest.raises(ValueError):
            LayoutWorker(layout, buffer)


def test_worker_start_twice_raises() -> None:
    layout = BlockingLayout()
    with PositionBuffer(3, 2) as buffer:
        worker = LayoutWorker(layout, buffer)
        worker.start()
        try:
            with pytest.raises(RuntimeError):
                worker.start()
        finally:
            layout.release.set()
            worker.stop(timeout_s=TIMEOUT_S)
