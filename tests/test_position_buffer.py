"""Tests of layouts.buffer.PositionBuffer: real shared memory, real threads and processes."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]

from layouts import PositionBuffer

SHARED_MEMORY_DIRECTORY = Path("/dev/shm")
TIMEOUT_S = 60.0

def helios_segments() -> set[str]:
    return {path.name for path in SHARED_MEMORY_DIRECTORY.iterdir() if path.name.startswith("helios_")}


def wait_until(predicate, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())


def run_python(source: str, timeout_s: float = TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """Run ``source`` in a fresh interpreter that can import ``layouts``."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(REPOSITORY_ROOT)] + ([environment["PYTHONPATH"]] if environment.get("PYTHONPATH") else [])
    )
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        check=False, capture_output=True,
        text=True,
        timeout=timeout_s,
        env=environment,
        cwd=REPOSITORY_ROOT,
    )


def assert_clean_stderr(stderr: str) -> None:
    assert "leaked shared_memory" not in stderr, stderr
    assert "resource_tracker" not in stderr, stderr
    assert "Traceback" not in stderr, stderr


@pytest.fixture
def no_leftover_segments(monkeypatch):
    """Fail if a segment this test created (or attached to) is still in /dev/shm afterwards.

    /dev/shm is shared with whatever else runs on the machine (other Helios processes
    may own helios_* segments of their own), so the before/after listings are compared
    for the names this test's buffers used, which the fixture records.
    """
    from layouts import buffer as buffer_module

    used_names: set[str] = set()
    original_setup = buffer_module.PositionBuffer._setup

    def recording_setup(self, segment, *arguments, **keywords):
        used_names.add(segment.name)
        return original_setup(self, segment, *arguments, **keywords)

    monkeypatch.setattr(buffer_module.PositionBuffer, "_setup", recording_setup)
    before = helios_segments()
    yield used_names
    gc.collect()
    assert wait_until(lambda: not ((helios_segments() - before) & used_names)), used_names & helios_segments()


# ------------------------------------------------------------------------ basics
def test_version_increments_and_read_returns_published_data(no_leftover_segments) -> None:
    with PositionBuffer(5, 3) as buffer:
        assert buffer.name.startswith("helios_")
        assert (buffer.node_count, buffer.dimensions, buffer.version) == (5, 3, 0)
        version, positions = buffer.read_latest()
        assert version == 0
        assert positions.shape == (5, 3) and positions.dtype == np.float32
        assert np.all(positions == 0)
        for expected_version in range(1, 8):
            data = np.random.default_rng(expected_version).normal(size=(5, 3))
            assert buffer.publish(data) == expected_version
            assert buffer.version == expected_version
            version, positions = buffer.read_latest()
            assert version == expected_version
            np.testing.assert_array_equal(positions, data.astype(np.float32))


def test_read_into_out_array_float64_and_float32(no_leftover_segments) -> None:
    with PositionBuffer(4, 2) as buffer:
        data = np.arange(8, dtype=np.float64).reshape(4, 2)
        buffer.publish(data)
        out64 = np.empty((4, 2))
        version, result = buffer.read_latest(out64)
        assert version == 1 and result is out64
        np.testing.assert_array_equal(out64, data)
        out32 = np.empty((4, 2), dtype=np.float32)
        assert buffer.read_latest(out32)[1] is out32
        with pytest.raises(ValueError):
            buffer.read_latest(np.empty((3, 2)))
        with pytest.raises(ValueError):
            buffer.publish(np.zeros((4, 3)))


def test_read_returns_a_copy(no_leftover_segments) -> None:
    with PositionBuffer(3, 2) as buffer:
        buffer.publish(np.ones((3, 2)))
        _, positions = buffer.read_latest()
        positions[:] = 42.0
        np.testing.assert_array_equal(buffer.read_latest()[1], np.ones((3, 2)))


def test_zero_nodes(no_leftover_segments) -> None:
    with PositionBuffer(0, 2) as buffer:
        assert buffer.publish(np.empty((0, 2))) == 1
        version, positions = buffer.read_latest()
        assert version == 1 and positions.shape == (0, 2)


def test_reader_does_not_take_the_writer_lock(no_leftover_segments) -> None:
    with PositionBuffer(3, 2) as buffer:
        buffer.publish(np.full((3, 2), 7.0))
        with buffer._publish_lock:  # a writer holding its lock does not stop readers
            version, positions = buffer.read_latest()
        assert version == 1 and np.all(positions == 7.0)


def test_reader_falls_back_to_previous_copy_instead_of_spinning(no_leftover_segments) -> None:
    with PositionBuffer(4, 2) as buffer:
        buffer.publish(np.full((4, 2), 1.0))
        assert buffer.read_latest()[0] == 1
        buffer.publish(np.full((4, 2), 2.0))
        header = buffer._views.header
        sequences = header[8:11].copy()
        header[8:11] |= 1  # every slot looks "being written" forever
        started = time.monotonic()
        version, positions = buffer.read_latest()
        assert time.monotonic() - started < 5.0
        assert version == 1 and np.all(positions == 1.0)  # the last good copy, with its version
        assert buffer.fallback_count == 1
        header[8:11] = sequences
        version, positions = buffer.read_latest()
        assert version == 2 and np.all(positions == 2.0)


# ------------------------------------------------------------------ attaching
def test_attach_in_the_same_process(no_leftover_segments) -> None:
    data = np.random.default_rng(1).normal(size=(10, 2))
    with PositionBuffer(10, 2) as owner:
        owner.publish(data)
        with PositionBuffer.attach(owner.name) as attached:
            assert not attached.is_owner
            assert (attached.node_count, attached.dimensions, attached.version) == (10, 2, 1)
            version, positions = attached.read_latest()
            assert version == 1
            np.testing.assert_array_equal(positions, data.astype(np.float32))
        # closing the attached instance leaves the segment to its owner
        assert owner.name in helios_segments()
        assert owner.read_latest()[0] == 1
    assert owner.closed


def test_attach_missing_segment_raises() -> None:
    with pytest.raises(FileNotFoundError):
        PositionBuffer.attach("helios_does_not_exist")


def test_attach_from_a_subprocess_reads_the_same_positions(no_leftover_segments) -> None:
    data = np.random.default_rng(2).normal(size=(50, 3)).astype(np.float32)
    with PositionBuffer(50, 3) as owner:
        owner.publish(data)
        result = run_python(
            f"""
            import json
            from layouts import PositionBuffer
            buffer = PositionBuffer.attach({owner.name!r})
            version, positions = buffer.read_latest()
            print(json.dumps({{"version": version, "shape": list(positions.shape),
                              "positions": positions.tolist()}}))
            buffer.close()
            """
        )
        assert result.returncode == 0, result.stderr
        assert_clean_stderr(result.stderr)
        answer = json.loads(result.stdout)
        assert answer["version"] == 1 and answer["shape"] == [50, 3]
        np.testing.assert_array_equal(np.array(answer["positions"], dtype=np.float32), data)
        # the child's exit (and its resource tracker) must not have unlinked the owner's segment
        assert owner.name in helios_segments()
        assert owner.read_latest()[0] == 1
    assert owner.name not in helios_segments()


def test_subprocess_that_attaches_and_exits_without_close_leaves_no_warning(no_leftover_segments) -> None:
    with PositionBuffer(8, 2) as owner:
        owner.publish(np.ones((8, 2)))
        result = run_python(
            f"""
            from layouts import PositionBuffer
            buffer = PositionBuffer.attach({owner.name!r})  # never closed: finalizer at exit
            print(buffer.read_latest()[0])
            """
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "1"
        assert_clean_stderr(result.stderr)
        assert owner.name in helios_segments()
    assert owner.name not in helios_segments()


def test_subprocess_that_creates_and_exits_cleans_up() -> None:
    before = helios_segments()
    result = run_python(
        """
        import numpy as np
        from layouts import PositionBuffer
        kept = PositionBuffer(16, 2)  # never closed: unlinked by its finalizer at exit
        kept.publish(np.zeros((16, 2)))
        closed = PositionBuffer(16, 2)
        closed.close()
        closed.close()
        print(kept.name, closed.name)
        """
    )
    assert result.returncode == 0, result.stderr
    assert_clean_stderr(result.stderr)
    names = set(result.stdout.split())
    assert len(names) == 2 and all(name.startswith("helios_") for name in names)
    assert not (names & before)
    assert not (names & helios_segments())


SPAWNED_CHILD_SCRIPT = """
import multiprocessing
import sys

import numpy as np

from layouts import PositionBuffer


def child(name):
    buffer = PositionBuffer.attach(name)
    buffer.publish(np.full((4, 2), 5.0))
    buffer.close()


if __name__ == "__main__":
    with PositionBuffer(4, 2) as owner:
        process = multiprocessing.get_context(sys.argv[1]).Process(target=child, args=(owner.name,))
        process.start()
        process.join(60)
        version, positions = owner.read_latest()
        print(owner.name, process.exitcode, version, float(positions[0, 0]))
"""


@pytest.mark.parametrize("start_method", ["spawn", "fork"])
def test_multiprocessing_child_sharing_the_resource_tracker(start_method: str, tmp_path: Path) -> None:
    script = tmp_path / "spawned_child.py"
    script.write_text(SPAWNED_CHILD_SCRIPT)
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY_ROOT)}
    result = subprocess.run(
        [sys.executable, str(script), start_method],
        check=False, capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=environment,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    # a child shares its parent's tracker: its attach must not drop the owner's registration
    assert_clean_stderr(result.stderr)
    assert "KeyError" not in result.stderr
    name, exit_code, version, value = result.stdout.split()
    assert (exit_code, version, value) == ("0", "1", "5.0")
    assert name not in helios_segments()


# --------------------------------------------------------------------- clean-up
def test_close_twice_is_harmless_and_unlinks(no_leftover_segments) -> None:
    buffer = PositionBuffer(4, 2)
    name = buffer.name
    assert name in helios_segments()
    buffer.close()
    assert buffer.closed
    assert name not in helios_segments()
    buffer.close()
    with pytest.raises(ValueError):
        buffer.read_latest()
    with pytest.raises(ValueError):
        buffer.publish(np.zeros((4, 2)))


def test_garbage_collection_unlinks(no_leftover_segments) -> None:
    buffer = PositionBuffer(4, 2)
    name = buffer.name
    del buffer
    gc.collect()
    assert name not in helios_segments()


def test_attached_instance_garbage_collected_keeps_segment(no_leftover_segments) -> None:
    with PositionBuffer(4, 2) as owner:
        attached = PositionBuffer.attach(owner.name)
        del attached
        gc.collect()
        assert owner.name in helios_segments()


# ------------------------------------------------------------------------ races
NODE_COUNT_FOR_RACES = 20_000  # 160 kB per copy: long enough for reads and writes to overlap


def check_uniform(version: int, positions: np.ndarray, failures: list[str]) -> None:
    first = float(positions[0, 0])
    if not np.all(positions == first):
        failures.append(f"torn read: version {version}, values {np.unique(positions)[:5]}")
    elif version > 0 and first != float(version):
        failures.append(f"version {version} returned with data of version {first}")


def reader_loop(buffer: PositionBuffer, read_count: int, failures: list[str], versions: list[int]) -> None:
    out = np.empty((buffer.node_count, buffer.dimensions), dtype=np.float32)
    last_version = 0
    for _ in range(read_count):
        version, positions = buffer.read_latest(out)
        check_uniform(version, positions, failures)
        if version < last_version:
            failures.append(f"version went back from {last_version} to {version}")
        last_version = version
        versions.append(version)


def test_threads_never_see_torn_arrays(no_leftover_segments) -> None:
    with PositionBuffer(NODE_COUNT_FOR_RACES, 2) as buffer:
        stop_writing = threading.Event()
        writer_failures: list[str] = []

        def writer() -> None:
            while not stop_writing.is_set():
                expected_version = buffer.version + 1
                if buffer.publish(np.full((NODE_COUNT_FOR_RACES, 2), expected_version, dtype=np.float32)) != (
                    expected_version
                ):
                    writer_failures.append("publish returned an unexpected version")

        readers_failures: list[str] = []
        versions: list[list[int]] = [[] for _ in range(3)]
        writer_thread = threading.Thread(target=writer)
        writer_thread.start()
        try:
            assert wait_until(lambda: buffer.version >= 1)
            attached = PositionBuffer.attach(buffer.name)  # one reader goes through a second mapping
            reader_threads = [
                threading.Thread(
                    target=reader_loop, args=(source, 3000, readers_failures, versions[index])
                )
                for index, source in enumerate([buffer, buffer, attached])
            ]
            for thread in reader_threads:
                thread.start()
            for thread in reader_threads:
                thread.join(TIMEOUT_S)
                assert not thread.is_alive()
        finally:
            stop_writing.set()
            writer_thread.join(TIMEOUT_S)
        attached.close()
        assert not writer_failures
        assert not readers_failures, readers_failures[:5]
        assert sum(len(reader_versions) for reader_versions in versions) == 9000
        # the readers really raced the writer: they saw many different versions
        assert len(set(versions[0]) | set(versions[1]) | set(versions[2])) > 10


def test_writer_in_another_process_never_tears_reads(no_leftover_segments) -> None:
    with PositionBuffer(NODE_COUNT_FOR_RACES, 2) as buffer:
        writer = subprocess.Popen(
            [
                sys.executable,
                "-c",
                textwrap.dedent(
                    f"""
                    import sys, time
                    import numpy as np
                    from layouts import PositionBuffer
                    buffer = PositionBuffer.attach({buffer.name!r})
                    positions = np.empty(({NODE_COUNT_FOR_RACES}, 2), dtype=np.float32)
                    deadline = time.monotonic() + 30.0
                    while buffer.version < 2000 and time.monotonic() < deadline:
                        version = buffer.version + 1
                        positions.fill(version)
                        if buffer.publish(positions) != version:
                            sys.exit("unexpected version")
                    buffer.close()
                    print("done")
                    """
                ),
            ],
            env={**os.environ, "PYTHONPATH": str(REPOSITORY_ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        failures: list[str] = []
        versions: list[int] = []
        reads = 0
        try:
            out = np.empty((NODE_COUNT_FOR_RACES, 2), dtype=np.float32)
            deadline = time.monotonic() + TIMEOUT_S
            while writer.poll() is None and time.monotonic() < deadline:
                version, positions = buffer.read_latest(out)
                check_uniform(version, positions, failures)
                versions.append(version)
                reads += 1
            _stdout, stderr = writer.communicate(timeout=TIMEOUT_S)
        finally:
            if writer.poll() is None:
                writer.kill()
                writer.wait()
        assert writer.returncode == 0, stderr
        assert_clean_stderr(stderr)
        assert not failures, failures[:5]
        assert reads > 100
        assert len({version for version in versions if version > 0}) > 10
        assert buffer.version == 2000
        version, positions = buffer.read_latest()
        assert version == 2000 and np.all(positions == 2000.0)
