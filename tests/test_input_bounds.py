"""Bounded input (issue 20): a size cap, special files refused, many-member gzip in linear time, edge lists
read block by block in bounded memory, networkx's edge lists with attribute dicts.

Memory is measured in a child process: its peak resident memory (``VmHWM``) less that of the same
interpreter with the same imports, under an address-space limit (``RLIMIT_AS``) that makes a regression
fail with a MemoryError instead of filling a shared machine.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import resource
import socket
import subprocess
import sys
import time
import zlib
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from helios_app.errors import HeliosError
from helios_app.io import read_graph
from helios_app.io.formats import GraphFileError, edgelist
from helios_app.io.read import DEFAULT_MAX_INPUT_SIZE, format_byte_size

ROOT = Path(__file__).resolve().parents[1]
MB = 1 << 20
CHILD_ENVIRONMENT = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
# A child that reads a graph (or only imports, without a path) and prints its peak memory in bytes:
# resident (VmHWM) and virtual (VmPeak). A refused file prints the one-line error on stderr.
READER_CHILD = """
import sys
from helios_app.errors import HeliosError
from helios_app.io import read_graph

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024

code = 0
if len(sys.argv) > 1:
    try:
        graph = read_graph(sys.argv[1])
        print(graph.node_count, graph.edge_count, file=sys.stderr)
    except HeliosError as error:
        print(error, file=sys.stderr)
        code = 3
print(status("VmHWM:"), status("VmPeak:"))
sys.exit(code)
"""


def run_reader(arguments: list[str], address_space: int | None = None) -> tuple[int, str, int]:
    """Run :data:`READER_CHILD`; return its exit code, stderr and peak resident bytes."""

    def limit() -> None:
        if address_space is not None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    done = subprocess.run(
        [sys.executable, "-c", READER_CHILD, *arguments],
        capture_output=True, text=True, env=CHILD_ENVIRONMENT, preexec_fn=limit, timeout=600, check=False,
    )  # fmt: skip
    resident = int(done.stdout.split()[0]) if done.stdout.strip() else -1
    return done.returncode, done.stderr, resident


@pytest.fixture(scope="module")
def baseline() -> tuple[int, int]:
    """Peak resident and virtual bytes of the child with its imports, before any reading."""
    done = subprocess.run(
        [sys.executable, "-c", READER_CHILD], capture_output=True, text=True, env=CHILD_ENVIRONMENT, check=True
    )
    resident, virtual = (int(value) for value in done.stdout.split())
    return resident, virtual


def write_gzip_bomb(path: Path, unit: bytes, repeats: int) -> None:
    """One gzip member whose text is ``unit`` repeated, built cheaply: a full flush resets the compressor,
    so every later copy of ``unit`` compresses to the same bytes. It has no end: it is refused first."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = compressor.compress(unit) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(unit) + compressor.flush(zlib.Z_FULL_FLUSH)
    with path.open("wb") as stream:
        stream.write(first)
        for _ in range(repeats - 1):
            stream.write(block)


def write_url_edge_list(path: Path, size: int, seed: int = 7) -> None:
    """About ``size`` bytes of ``URL URL`` lines, each node on about ten lines."""
    rng = np.random.default_rng(seed)
    node_count = max(size // 80 // 5, 10)
    written = 0
    with path.open("w") as stream:
        while written < size:
            ends = rng.integers(0, node_count, (50_000, 2)).tolist()
            text = "".join(f"https://example.org/people/{u}/profile https://example.org/people/{v}/profile\n"
                           for u, v in ends)  # fmt: skip
            stream.write(text)
            written += len(text)


# ----------------------------------------------------------------------------------------------------------
# The size cap


def test_the_bomb_builder_makes_a_valid_stream():
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"helios-bomb-check-{os.getpid()}.gz"
    try:
        write_gzip_bomb(path, b"1 2\n" * 1000, 5)
        text = zlib.decompressobj(31).decompress(path.read_bytes())
        assert text == b"1 2\n" * 5000
    finally:
        path.unlink(missing_ok=True)


@pytest.mark.parametrize("compression", ["gzip one member", "gzip members", "bzip2", "xz"])
def test_a_decompression_bomb_is_refused_at_the_cap_quickly(tmp_path, compression):
    unit = b"# nothing but comments\n" * (MB // 23)  # about 1 MiB of text; 2 GiB in all
    path = tmp_path / "bomb.txt.gz"
    if compression == "gzip one member":
        write_gzip_bomb(path, unit * 16, 128)
    else:
        module = {"gzip members": gzip, "bzip2": bz2, "xz": lzma}[compression]
        path.write_bytes(module.compress(unit) * 2048)
    started = time.perf_counter()
    with pytest.raises(GraphFileError) as caught:
        read_graph(path, max_input_size=64 * MB)
    assert time.perf_counter() - started < 2.0
    name = compression.split()[0]
    assert str(caught.value) == (
        f"{path}: more than 64 MiB after {name} decompression; raise --max-input-size if the file is genuine"
    )


def test_an_uncompressed_file_over_the_cap_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_bytes(b"1 2\n" * 1000)
    with pytest.raises(GraphFileError, match=r"edges\.txt: more than 1000 bytes; raise --max-input-size"):
        read_graph(path, max_input_size=1000)
    assert read_graph(path, max_input_size=4000).edge_count == 1000


@pytest.mark.parametrize("compression", ["gzip", "bzip2"])
def test_a_bomb_of_zeros_is_refused_with_the_default_cap_in_little_memory(tmp_path, baseline, compression):
    # The bomb: a few KB of .bz2 holding 5 GB of zeros drove memory to 3.5 GB, then a MemoryError.
    path = tmp_path / "zeros.txt.bz2"
    zeros = bytes(16 * MB)
    if compression == "gzip":
        write_gzip_bomb(path, zeros, 320)  # 5 GiB
    else:
        path.write_bytes(bz2.compress(zeros) * 320)
    assert DEFAULT_MAX_INPUT_SIZE == 4 << 30
    started = time.perf_counter()
    code, stderr, resident = run_reader([str(path)], address_space=baseline[1] + 1024 * MB)
    assert time.perf_counter() - started < 20
    assert code == 3, stderr
    assert stderr.strip() == (
        f"{path}:1: binary data (byte 0x00 at column 1); expected a text graph file (GML, Pajek or an edge list)"
    )
    assert resident - baseline[0] < 200 * MB


def test_the_cli_option_refuses_a_big_file_in_one_line(tmp_path):
    path = tmp_path / "edges.txt.gz"
    write_gzip_bomb(path, b"1 2\n" * MB, 8)  # 32 MiB
    output = tmp_path / "positions.csv"
    command = [sys.executable, "-m", "helios_app", "layout", str(path), "-o", str(output), "--max-input-size", "8M"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0 and not output.exists()
    message = f"{path}: more than 8 MiB after gzip decompression; raise --max-input-size if the file is genuine"
    assert done.stderr.splitlines() == [f"helios: error: {message}"]
    done = subprocess.run([*command[:-1], "8X"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2 and "expected a size such as 500M, 8G or a byte count, got '8X'" in done.stderr


def test_sizes_are_written_as_people_write_them():
    assert format_byte_size(4 << 30) == "4 GiB"
    assert format_byte_size(500 * MB) == "500 MiB"
    assert format_byte_size(1536) == "1.5 KiB"
    assert format_byte_size(1000) == "1000 bytes"


def test_running_out_of_memory_is_one_line_naming_the_file(tmp_path, monkeypatch):
    path = tmp_path / "edges.txt"
    path.write_bytes(b"1 2\n2 3\n")

    def exhausted(*arguments):
        raise MemoryError

    monkeypatch.setattr(edgelist, "split_whitespace", exhausted)
    with pytest.raises(GraphFileError) as caught:
        read_graph(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: ran out of memory while reading it")
    assert "--max-input-size (now 4 GiB)" in message


# ----------------------------------------------------------------------------------------------------------
# Special files


def make_fifo(directory: Path) -> Path:
    os.mkfifo(directory / "pipe")
    return directory / "pipe"


@pytest.mark.parametrize(
    ("make", "what"),
    [(lambda directory: Path("/dev/zero"), "a character device"), (make_fifo, "a named pipe (FIFO)")],
    ids=["dev-zero", "fifo"],
)
def test_devices_and_pipes_are_refused_by_the_cli_without_reading(tmp_path, make, what):
    path = make(tmp_path)
    command = [sys.executable, "-m", "helios_app", "layout", str(path), "-o", str(tmp_path / "out.csv")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)  # a FIFO never hangs
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"helios: error: {path}: is {what}, not a graph file; Helios reads regular files only"
    ]


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "socket"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        with pytest.raises(GraphFileError, match=r"socket: is a socket, not a graph file"):
            read_graph(path)


# ----------------------------------------------------------------------------------------------------------
# Many gzip members


def best_read_time(path: Path, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        read_graph(path)
        best = min(best, time.perf_counter() - started)
    return best


def test_many_gzip_members_are_read_in_linear_time(tmp_path):
    # `echo "$u $v" | gzip >> edges.gz` line by line: 100,000 members took 19 s (the rest of the buffer was
    # copied for every member), against 0.04 s for one member.
    lines = [f"{index} {index + 1}\n".encode() for index in range(100_000)]
    single, members = tmp_path / "single.txt.gz", tmp_path / "members.txt.gz"
    single.write_bytes(gzip.compress(b"".join(lines), mtime=0))
    members.write_bytes(b"".join(gzip.compress(line, mtime=0) for line in lines))
    assert np.array_equal(read_graph(members).edges, read_graph(single).edges)
    single_s, members_s = best_read_time(single), best_read_time(members)
    assert members_s < 10 and members_s < 20 * single_s + 0.05, (single_s, members_s)

    empty = tmp_path / "empty.txt.gz"
    empty.write_bytes(gzip.compress(b"", mtime=0) * 200_000)
    started = time.perf_counter()
    with pytest.raises(GraphFileError, match=r"the file is empty \(after gzip decompression\)"):
        read_graph(empty)
    assert time.perf_counter() - started < 10


def test_zero_padding_after_the_last_member_is_ignored_and_a_cut_member_refused(tmp_path):
    path = tmp_path / "padded.txt.gz"
    path.write_bytes(gzip.compress(b"1 2\n") + gzip.compress(b"2 3\n") + bytes(5000))
    assert read_graph(path).edges.tolist() == [[0, 1], [1, 2]]
    path.write_bytes(gzip.compress(b"1 2\n") + gzip.compress(b"2 3\n" * 1000)[:-12])
    with pytest.raises(GraphFileError, match="the gzip data is truncated or corrupt"):
        read_graph(path)


# ----------------------------------------------------------------------------------------------------------
# Edge lists read block by block


@pytest.mark.slow
def test_a_200_mb_edge_list_is_read_within_three_times_its_size(tmp_path, baseline):
    path = tmp_path / "urls.txt"
    write_url_edge_list(path, 200 * MB)
    size = path.stat().st_size
    allowance = 3 * size + 300 * MB
    code, stderr, resident = run_reader([str(path)], address_space=baseline[1] + allowance)
    assert code == 0, stderr[-2000:]
    assert resident - baseline[0] <= allowance, (resident - baseline[0]) / size


SMALL_BLOCK_CASES = {
    "integers": b"# SNAP\n# FromNodeId\tToNodeId\n" + b"".join(b"%d %d\n" % (i % 97, i % 89) for i in range(400)),
    "integers then text": b"".join(b"%d %d\n" % (i, i + 1) for i in range(300)) + b"x 7\n7 y\n",
    "sparse integers": b"".join(b"%d %d\n" % (i, i * 10**12) for i in range(300)),
    "dense then sparse": b"".join(b"%d %d\n" % (i % 50, i) for i in range(300))
    + b"".join(b"%d %d\n" % (i * 10**12, i) for i in range(100)),
    "sparse then text": b"".join(b"%d %d\n" % (i * 10**12, i % 7) for i in range(300)) + b"x 0\n",
    "weights": b"source target weight\n" + b"".join(b"a%d %d %d.5\n" % (i % 13, i, i) for i in range(300)),
    "comments and crlf": b"".join(b"%d %d\r\n%% note\r\n\r\n" % (i % 31, i % 7) for i in range(200)),
    "csv with a quoted line end": b"from,to\n" + b"".join(b'"a\nb%d",c%d\n' % (i, i % 5) for i in range(200)),
    "tabs with spaces": b"".join(b"New York %d\tBoston %d\t%d\n" % (i % 9, i % 4, i) for i in range(300)),
    "networkx dicts": b"".join(b"%d %d {'weight': %d, 'c': 'x%d'}\n" % (i, i + 1, i, i % 3) for i in range(300)),
}


def read_fields(path: Path, **options) -> tuple:
    graph = read_graph(path, **options)
    weights = None if graph.weights is None else graph.weights.tolist()
    times = None if graph.edge_times is None else graph.edge_times.start.tolist()
    return graph.node_ids, graph.edges.tolist(), weights, graph.edge_attributes, times


@pytest.mark.parametrize("name", SMALL_BLOCK_CASES)
def test_blocks_of_a_few_lines_give_the_graph_of_the_whole_text(tmp_path, monkeypatch, name):
    path = tmp_path / ("edges.csv" if "csv" in name else "edges.txt")
    path.write_bytes(SMALL_BLOCK_CASES[name])
    whole = read_fields(path)
    for block_bytes in (7, 100, 1000):
        monkeypatch.setattr(edgelist, "BLOCK_BYTES", block_bytes)
        monkeypatch.setattr(edgelist, "_PIECE_BYTES", 13)
        assert read_fields(path) == whole, block_bytes
        monkeypatch.undo()
    assert len(whole[0]) > 2


def test_a_time_column_read_in_blocks(tmp_path, monkeypatch):
    path = tmp_path / "timed.txt"
    path.write_bytes(b"".join(b"%d %d 2009-03-%02d\n" % (i % 7, i % 5, 1 + i % 28) for i in range(300)))
    whole = read_fields(path, time_column=3)
    monkeypatch.setattr(edgelist, "BLOCK_BYTES", 64)
    assert read_fields(path, time_column=3) == whole
    path.write_bytes(path.read_bytes() + b"1 2 17\n")
    with pytest.raises(GraphFileError, match=r"timed\.txt:301: time '17' \(column 3\) is a number, but line 1 "):
        read_graph(path, time_column=3)


@pytest.mark.parametrize(
    ("tail", "pattern"),
    [
        (b"5 6 x\n", r"edges\.txt:402: weight 'x' \(column 3\) is not a number"),
        (b"5\n", r"edges\.txt:402: expected 2 or 3 columns \(source target \[weight\]\), found 1"),
        (b"5 6\n", r"edges\.txt:402: found 2 columns, but line 2 has 3; every line needs the same columns"),
        (b"5 \x01 1\n", r"edges\.txt:402: binary data \(byte 0x01 at column 3\)"),
        (b"5 \xff 1\n", r"edges\.txt:402: byte 0xff at column 3 is not UTF-8 text"),
    ],
)
def test_errors_in_a_late_block_name_their_line(tmp_path, monkeypatch, tail, pattern):
    path = tmp_path / "edges.txt"
    path.write_bytes(b"# weighted\n" + b"".join(b"%d %d 1.5\n" % (i, i + 1) for i in range(400)) + tail)
    monkeypatch.setattr(edgelist, "BLOCK_BYTES", 256)
    with pytest.raises(GraphFileError, match=pattern):
        read_graph(path)


# ----------------------------------------------------------------------------------------------------------
# networkx's write_edgelist with attribute dicts


def test_networkx_attribute_dicts_are_read_as_networkx_reads_them(tmp_path):
    graph = nx.Graph()
    graph.add_edge(1, 2, weight=2.0, color="green")
    graph.add_edge(2, 3, weight=0.5)
    graph.add_edge(3, 4, color="red", label="a b", rank=-3)
    graph.add_edge(4, 1)
    path = tmp_path / "edges.txt"
    nx.write_edgelist(graph, path)
    assert path.read_text().splitlines()[0] == "1 2 {'weight': 2.0, 'color': 'green'}"
    ours = read_graph(path)
    theirs = nx.read_edgelist(path)
    assert ours.node_ids == list(theirs.nodes)
    ends = [(ours.node_ids[u], ours.node_ids[v]) for u, v in ours.edges.tolist()]
    assert sorted(map(sorted, ends)) == sorted(map(sorted, theirs.edges))
    edge_data = [theirs.edges[end] for end in ends]  # networkx's data, in our edge order
    assert ours.weights.tolist() == [data.get("weight", 1.0) for data in edge_data]
    assert set(ours.edge_attributes) == {"color", "label", "rank"}
    for name, values in ours.edge_attributes.items():
        assert values == [data.get(name) for data in edge_data]

    nx.write_edgelist(graph, path, data=["color"])  # a column that is not a weight: not this form
    with pytest.raises(GraphFileError, match="found 2 columns, but line 1 has 3"):
        read_graph(path)
    nx.set_edge_attributes(graph, 1.0, "weight")
    nx.write_edgelist(graph, path, data=["weight"])
    assert read_graph(path).weights.tolist() == [1.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    ("line", "pattern"),
    [
        (b"1 2 {'a': [1, 2]}", r"edges\.txt:2: the attributes \"{'a': \[1, 2\]}\" are not a dict of simple values"),
        (b"1 2 {__import__('os').system('true')}", r"edges\.txt:2: the attributes .* are not a dict"),
        (b"1 2 {'a': 1, **x}", r"edges\.txt:2: the attributes .* are not a dict of simple values"),
        (b"1 2 {1: 'a'}", r"edges\.txt:2: the attributes .* are not a dict of simple values"),
        (b"1 2 3.0", r"edges\.txt:2: the attributes '3\.0' are not a dict of simple values"),
        (b"1 2 {'weight': 'heavy'}", r"edges\.txt:2: weight 'heavy' \(in the attribute dict\) is not a finite"),
        (b"7", r"edges\.txt:2: expected source target {attributes}"),
        (b"1 2 {'a': '" + b"x" * 70_000 + b"'}", r"edges\.txt:2: .* longer than 65536 bytes"),
    ],
)
def test_attribute_dicts_that_are_not_simple_are_refused_naming_the_line(tmp_path, line, pattern):
    path = tmp_path / "edges.txt"
    path.write_bytes(b"0 1 {'weight': 1}\n" + line + b"\n")
    with pytest.raises(GraphFileError, match=pattern):
        read_graph(path)


def test_a_dict_with_a_comma_is_never_read_as_csv(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_bytes(b"a b {'weight': 3, 'c': 'x, y'}\nb c {}\n")
    graph = read_graph(path)
    assert graph.node_ids == ["a", "b", "c"]
    assert graph.weights.tolist() == [3.0, 1.0] and graph.edge_attributes == {"c": ["x, y", None]}
    path.write_bytes(b"a,b,{'weight': 3, 'c': 'x'}\n")  # networkx's write_edgelist(delimiter=",")
    assert read_graph(path).edge_attributes == {"c": ["x"]}
    with pytest.raises(HeliosError, match="a time column is read from plain columns"):
        read_graph(path, time_column=3)
