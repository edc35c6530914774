"""Property-based test: damaged real files give a graph or one precise HeliosError, never anything else.

Hypothesis picks a real file from ``../shared/data``, a kind of damage and where to put it: truncation, byte
flips, deleted brackets and quotes, huge numbers, wrong text encodings, binary junk, repeated or dropped
lines, and damage to the compressed bytes of the ``.gz`` files. For each damaged file the reader must return
a valid Graph or raise HeliosError whose message starts with the path (and is not the reader's last-resort
"could not be read" message, which would mean a problem no reader check caught); no other exception, no
run over 10 s (a per-example alarm), no memory blow-up (an address-space limit while the test runs, and a
check of the peak resident size).

About a minute on one core with the default example count; set ``HELIOS_FUZZ_EXAMPLES`` for a longer run.
"""

from __future__ import annotations

import gzip
import os
import resource
import signal
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helios_app.errors import HeliosError
from helios_app.graph import Graph
from helios_app.io import read_graph

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL_FILES = sorted(path.name for path in SHARED_DATA.glob("*") if path.name != "README.md")
EXAMPLES = int(os.environ.get("HELIOS_FUZZ_EXAMPLES", "1000"))
WINDOW_BYTES = 400_000  # big files are damaged within their first 400 kB (the rest adds time, not cases)
HANG_S = 10.0
EXTRA_ADDRESS_SPACE = 3 << 30
PEAK_GROWTH_LIMIT = 1536 << 20

HUGE_NUMBERS = [
    b"99999999999999999999999999", b"1e999", b"-1", b"2147483648", b"9" * 5000, b"0", b"-0.0", b"nan",
]  # fmt: skip
JUNK = [
    b"\x00", b"\xff\xfe", b"\x1f\x8b", b"PK\x03\x04", b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    b"*Vertices 99999999", b"]]]]", b"[[[[",
]  # fmt: skip
MUTATIONS = [
    "truncate", "flip", "delete_bracket", "huge_number", "utf16", "latin1", "junk", "random_bytes",
    "duplicate_line", "drop_line", "compressed",
]  # fmt: skip


class Hang(Exception):
    """Raised by the alarm when one read takes more than HANG_S."""


def _content(name: str) -> bytes:
    raw = (SHARED_DATA / name).read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return raw[:WINDOW_BYTES]


_CACHE: dict[str, bytes] = {}


def _original(name: str) -> bytes:
    if name not in _CACHE:
        _CACHE[name] = _content(name)
    return _CACHE[name]


def _mutate(name: str, kind: str, where: float, pick: int, draw_bytes: bytes) -> tuple[bytes, bool]:
    """Return damaged content and whether it is to be gzip-compressed (the ``.gz`` files stay compressed)."""
    data = bytearray(_original(name))
    position = min(int(where * len(data)), max(len(data) - 1, 0))
    compress = name.endswith(".gz")
    if kind == "truncate":
        del data[position:]
    elif kind == "flip":
        for offset in range(1 + pick % 4):
            if data:
                index = (position + offset * 7919) % len(data)
                data[index] ^= (pick % 255) + 1
    elif kind == "delete_bracket":
        marks = [index for index in range(len(data)) if data[index] in b'[]<>{}"'][: 200_000]
        if marks:
            del data[marks[(pick + position) % len(marks)]]
    elif kind == "huge_number":
        number = HUGE_NUMBERS[pick % len(HUGE_NUMBERS)]
        window = range(position, min(position + 4000, len(data)))
        digits = [index for index in window if 48 <= data[index] <= 57]
        if digits:
            start = end = digits[0]
            while end < len(data) and 48 <= data[end] <= 57:
                end += 1
            data[start:end] = number
        else:
            data[position:position] = number
    elif kind == "utf16":
        text = bytes(data).decode("utf-8", errors="replace")
        data = bytearray(text.encode("utf-16" if pick % 2 else "utf-16-le"))
    elif kind == "latin1":
        data[position:position] = "é ü ß".encode("latin-1") if pick % 2 else b"\xe9\x80\xff"
    elif kind == "junk":
        data[position:position] = JUNK[pick % len(JUNK)]
    elif kind == "random_bytes":
        data[position:position] = draw_bytes
    elif kind in ("duplicate_line", "drop_line"):
        start = data.rfind(b"\n", 0, position) + 1
        end = data.find(b"\n", position)
        end = len(data) if end < 0 else end + 1
        if kind == "duplicate_line":
            data[end:end] = data[start:end]
        else:
            del data[start:end]
    elif kind == "compressed":
        packed = bytearray(gzip.compress(bytes(data), compresslevel=1))
        index = min(int(where * len(packed)), len(packed) - 1)
        if pick % 2:
            del packed[index:]
        else:
            packed[index] ^= (pick % 255) + 1
        return bytes(packed), False
    return bytes(data), compress


@pytest.fixture(scope="module")
def guarded_memory():
    """Cap the address space while the fuzz test runs: a blow-up becomes a MemoryError, a test failure."""
    if not REAL_FILES:
        pytest.fail(f"the shared data directory {SHARED_DATA} is missing; the fuzz test needs it")
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/status") as status:
        virtual = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    limit = virtual + EXTRA_ADDRESS_SPACE
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory(prefix="helios-fuzz-") as directory:
        yield Path(directory)


def _alarm(*_):
    raise Hang(f"a read took more than {HANG_S} s")


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("HELIOS_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture
    ],
)
@given(
    name=st.sampled_from(REAL_FILES or ["karate.gml"]),
    kind=st.sampled_from(MUTATIONS),
    where=st.floats(min_value=0.0, max_value=1.0),
    pick=st.integers(min_value=0, max_value=10_000),
    draw_bytes=st.binary(min_size=1, max_size=64),
)
def test_damaged_real_files_give_a_graph_or_a_precise_error(
    guarded_memory, scratch, name, kind, where, pick, draw_bytes
):
    content, compress = _mutate(name, kind, where, pick, draw_bytes)
    if compress:
        content = gzip.compress(content, compresslevel=1)
    path = scratch / name
    path.write_bytes(content)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    previous = signal.signal(signal.SIGALRM, _alarm)
    outer_delay, _ = signal.setitimer(signal.ITIMER_REAL, HANG_S)  # pytest-timeout's alarm, if any
    started = time.monotonic()
    try:
        graph = read_graph(path)
    except HeliosError as error:
        message = str(error)
        assert message.startswith(str(path)), message
        assert "could not be read (" not in message, f"a problem no reader check caught: {message}"
        assert "\n" not in message, "the CLI prints the message on one line"
    else:
        assert isinstance(graph, Graph)
        assert graph.edges.dtype == np.int32 and graph.edges.shape == (graph.edge_count, 2)
        if graph.edge_count:
            assert 0 <= graph.edges.min() and graph.edges.max() < graph.node_count
        assert len(set(graph.node_ids)) == graph.node_count
        graph.layout_edges()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay:
            signal.setitimer(signal.ITIMER_REAL, max(outer_delay - (time.monotonic() - started), 0.001))
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - peak_before
    assert growth < PEAK_GROWTH_LIMIT, f"reading used {growth / 2**20:.0f} MiB more than before"
