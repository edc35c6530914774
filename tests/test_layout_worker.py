"""Tests of layouts.worker: real numba kernels, real threads, real shared memory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from layouts import LAYOUT_ALGORITHMS, ForceDirectedLayout, LayoutWorker, PositionBuffer, SettleDetector

TIMEOUT_S = 60.0
ALGORITHMS = sorted(LAYOUT_ALGORITHMS)


def wait_until(predicate, timeout_s: float = TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())


def karate() -> tuple[np.ndarray, int]:
    graph = nx.karate_club_graph()
    return np.array(graph.edges(), dtype=np.int32), graph.number_of_nodes()


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


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_worker_publishes_settles_wakes_and_stops(algorithm: str) -> None:
    edges, node_count = karate()
    layout = LAYOUT_ALGORITHMS[algorithm](edges, node_count, seed=0)
    with PositionBuffer(node_count, 2) as buffer:
        worker = LayoutWorker(layout, buffer, interval_s=0.0)
        assert not worker.state.running
        worker.start()
        try:
            versions = []
            while not worker.state.settled:
                version, positions = buffer.read_latest()
                assert np.all(np.isfinite(positions))
                versions.append(version)
                time.sleep(0.001)
            assert versions == sorted(versions) and versions[0] >= 1

            assert wait_until(lambda: worker.state.settled), worker.state
            state = worker.state
            assert state.settled and not state.running
            assert state.iteration > 5
            assert np.isfinite(state.energy) and state.energy >= 0.0
            # settled: idle, nothing more is published
            settled_version = buffer.version
            settled_iteration = layout.iteration
            time.sleep(0.3)
            assert buffer.version == settled_version
            assert layout.iteration == settled_iteration
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


def test_worker_resumes_on_a_pin_and_the_pinned_node_stays() -> None:
    edges, node_count = karate()
    layout = ForceDirectedLayout(edges, node_count, seed=0)
    with PositionBuffer(node_count, 2) as buffer, LayoutWorker(layout, buffer) as worker:
        assert wait_until(lambda: worker.state.settled)
        settled_iteration = worker.state.iteration
        target = layout.positions[0] + 3.0
        worker.pin(0, target)  # as the session does: one node, one position
        assert wait_until(lambda: worker.state.iteration > settled_iteration)
        assert wait_until(lambda: worker.state.settled)
        _, positions = buffer.read_latest()
        np.testing.assert_allclose(positions[0], target, rtol=1e-6)  # float32 in the buffer
        np.testing.assert_array_equal(layout.positions[0], target)
        neighbours = edges[edges[:, 0] == 0, 1]
        assert np.median(np.linalg.norm(layout.positions[neighbours] - target, axis=1)) < 3.0  # they followed
        worker.unpin(0)
        assert wait_until(lambda: not layout.pinned.any())
        worker.pin(10_000, [0.0, 0.0])  # no such node: logged on the worker thread, the layout goes on
        worker.wake()
        assert wait_until(lambda: worker.state.settled)
        assert worker.timer.error is None


def test_worker_applies_parameter_changes_on_its_thread() -> None:
    edges, node_count = karate()
    layout = LAYOUT_ALGORITHMS["fa2"](edges, node_count, seed=0)
    with PositionBuffer(node_count, 2) as buffer, LayoutWorker(layout, buffer) as worker:
        assert wait_until(lambda: worker.state.settled)
        spread = np.ptp(layout.positions, axis=0).max()
        with pytest.raises(ValueError, match="gravity"):
            worker.set_parameters(gravity=-1.0)  # checked in the caller's thread
        worker.set_parameters(scaling_ratio=60.0)
        assert wait_until(lambda: layout.parameters.scaling_ratio == 60.0)
        assert wait_until(
            lambda: worker.state.settled and np.ptp(layout.positions, axis=0).max() > 1.5 * spread
        )


def test_worker_edits_the_graph_while_running_and_replaces_the_buffer() -> None:
    edges, node_count = karate()
    layout = ForceDirectedLayout(edges, node_count, seed=0)
    replaced = []
    with PositionBuffer(node_count, 2) as buffer:
        worker = LayoutWorker(layout, buffer, on_buffer_replaced=replaced.append)
        worker.start()
        try:
            assert wait_until(lambda: worker.state.iteration > 20)
            worker.add_nodes(1)
            worker.add_edges(np.array([[0, node_count]]))
            assert wait_until(lambda: len(replaced) == 1)
            new_buffer = worker.buffer
            assert new_buffer is replaced[0] and new_buffer.node_count == node_count + 1
            assert wait_until(lambda: layout.graph.edge_count == len(edges) + 1)
            assert wait_until(lambda: worker.state.settled)
            _, positions = new_buffer.read_latest()
            spread = np.ptp(positions, axis=0).max()
            # placed by its neighbour
            assert np.linalg.norm(positions[node_count] - positions[0]) < 0.5 * spread
            worker.remove_nodes([node_count])
            assert wait_until(lambda: len(replaced) == 2 and worker.buffer.node_count == node_count)
            assert wait_until(lambda: worker.state.settled)
        finally:
            worker.stop(timeout_s=TIMEOUT_S)
        with pytest.raises(FileNotFoundError):  # the worker closed the buffers it created
            PositionBuffer.attach(replaced[0].name)


def test_worker_does_not_settle_during_the_coarse_phase() -> None:
    graph = nx.convert_node_labels_to_integers(nx.grid_2d_graph(40, 40))
    edges = np.array(graph.edges(), dtype=np.int32)
    layout = ForceDirectedLayout(edges, 1600, seed=1, multilevel=True)
    levels = []
    with PositionBuffer(1600, 2) as buffer:
        worker = LayoutWorker(layout, buffer, settle_tolerance=1.0)  # everything counts as quiet...
        worker.edit(lambda layout: levels.append(layout.level))
        worker.start()
        try:
            assert wait_until(lambda: worker.state.settled)
            assert layout.level == 0 and layout.can_settle  # ...but only on the graph itself
            assert worker.state.iteration > 100
        finally:
            worker.stop(timeout_s=TIMEOUT_S)


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
        version, positions = buffer.read_latest()
        assert version == 4 and np.all(positions == 3.0)


def test_worker_rejects_mismatched_buffer() -> None:
    edges, node_count = karate()
    layout = ForceDirectedLayout(edges, node_count)
    with PositionBuffer(node_count, 3) as buffer, pytest.raises(ValueError):
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


def test_settle_detector_counts_consecutive_quiet_steps() -> None:
    detector = SettleDetector(tolerance=0.01, iterations=3)
    positions = np.array([[0.0, 0.0], [10.0, 0.0]])
    assert not detector.update(0.05, positions)  # 0.005 of the size: quiet 1
    assert not detector.update(0.05, positions)  # quiet 2
    assert not detector.update(1.0, positions)  # loud: back to 0
    assert not detector.update(0.05, positions, can_settle=False)  # the layout says not yet
    assert [detector.update(0.05, positions) for _ in range(3)] == [False, False, True]
    with pytest.raises(ValueError):
        SettleDetector(tolerance=-1.0)


def test_only_the_worker_thread_calls_into_the_layout_while_it_runs():
    """Instrument a real layout: every method and property touched while a view runs, pinned, edited,
    re-parametrised, paused and restarted from other threads, is called on the worker's thread."""
    import networkx

    import helios_app
    from layouts.force_directed import ForceDirectedLayout

    callers: dict[str, set[str]] = {}
    originals = {}

    def watch(name):
        original = getattr(ForceDirectedLayout, name)
        originals[name] = original
        if isinstance(original, property):
            def getter(self, _original=original, _name=name):
                callers.setdefault(_name, set()).add(threading.current_thread().name)
                return _original.fget(self)
            setattr(ForceDirectedLayout, name, property(getter))
        else:
            def method(self, *arguments, _original=original, _name=name, **keywords):
                callers.setdefault(_name, set()).add(threading.current_thread().name)
                return _original(self, *arguments, **keywords)
            setattr(ForceDirectedLayout, name, method)

    names = ["step", "reheat", "pin", "unpin", "set_pins", "set_parameters", "add_nodes", "add_edges",
             "remove_nodes", "remove_edges", "update_graph", "positions", "pinned", "parameters"]
    for name in names:
        watch(name)
    try:
        view = helios_app.show(networkx.les_miserables_graph())
        time.sleep(0.5)  # the layout is built (and read once) by this thread before the worker starts
        callers.clear()
        view.pin(["Valjean"], [[0.0, 0.0]])
        view.set_layout_parameters(gravity=2.0)
        view.add_edges([("Valjean", "newcomer")])
        view.remove_nodes(["Napoleon"])
        view.layout.pause()
        view.layout.resume()
        view.layout.restart(seed=3)
        time.sleep(1.0)
        assert view.pinned == ["Valjean"] and view.layout.parameters["gravity"] == 2.0
        view.session.status(), view.session.save_session(Path(tempfile.mkdtemp()) / "s.json")
        view.stop()
    finally:
        for name, original in originals.items():
            setattr(ForceDirectedLayout, name, original)
    assert "step" in callers and "pin" in callers and "update_graph" in callers  # live edits reach the layout
    assert {name: threads for name, threads in callers.items() if threads != {"helios-layout"}} == {}


IDLE_CPU_SCRIPT = """
import sys, time
import numpy as np
from layouts import ForceDirectedLayout, let_idle_kernel_threads_sleep
if sys.argv[1] == "sleep":
    let_idle_kernel_threads_sleep()
edges = np.random.default_rng(0).integers(0, 3000, size=(6000, 2)).astype(np.int32)
layout = ForceDirectedLayout(edges, node_count=3000)
layout.step()  # loads the OpenMP runtime, which reads its wait policy now
cpu, wall = time.process_time(), time.perf_counter()
for _ in range(100):  # a step, then a pause, as when the layout shares the cores with a picture
    layout.step()
    time.sleep(0.005)
print((time.process_time() - cpu) / (time.perf_counter() - wall))
"""


def _without_idle_policy() -> dict[str, str]:
    """This process's environment less OMP_WAIT_POLICY (a view in this process may have set it)."""
    return {name: value for name, value in os.environ.items() if name != "OMP_WAIT_POLICY"}


def _cores_busy_between_steps(mode: str) -> float:
    result = subprocess.run([sys.executable, "-c", IDLE_CPU_SCRIPT, mode], env=_without_idle_policy(),
                            capture_output=True, text=True, timeout=120, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def test_idle_kernel_threads_sleep_between_steps_only_where_asked() -> None:
    # Spinning (libgomp's default, kept for headless layouts) keeps a core busy through every pause;
    # a view's layout lets its threads sleep, so the pauses cost nothing.
    spinning, sleeping = _cores_busy_between_steps("spin"), _cores_busy_between_steps("sleep")
    assert sleeping < 0.5, sleeping
    assert spinning > 2 * sleeping, (spinning, sleeping)


def test_a_view_sets_the_idle_policy_before_the_openmp_runtime_loads() -> None:
    script = """
import os, time
from helios_app.io import read_graph
from helios_app.session import ViewConfig, ViewSession
def runtime_loaded():
    return any("libgomp" in line for line in open("/proc/self/maps"))
assert not runtime_loaded()
with ViewSession(read_graph("data/power.gml"), ViewConfig(port=0)).start() as session:
    deadline = time.monotonic() + 30
    while not runtime_loaded() and time.monotonic() < deadline:  # the worker's first parallel step
        time.sleep(0.05)
    print(os.environ.get("OMP_WAIT_POLICY"), runtime_loaded())
"""
    result = subprocess.run([sys.executable, "-c", script], env=_without_idle_policy(), cwd=Path(__file__).parent.parent,
                            capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.split() == ["PASSIVE", "True"], result.stdout + result.stderr
