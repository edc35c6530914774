"""The `helios` command: one-line errors with a non-zero exit, clean stops on SIGINT and SIGTERM."""

import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from browser import HeliosProcess, remaining, shared_memory_segments
from conftest import SHARED_DATA


def helios(*arguments, timeout_s=60):
    return subprocess.run([sys.executable, "-m", "helios_app", *arguments], check=False, capture_output=True, text=True,
                          timeout=timeout_s)


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("empty.gml", "", r"empty\.gml: the file is empty"),
        ("broken.gml", 'graph [\n  node [ id 0 ]\n  node [ id 1 label "unterminated ]\n]\n', r"broken\.gml:3"),
        ("bad.txt", "0 1\n1 2\n2 3 4 5\n", r"bad\.txt:3: "),
        ("unknown.gml", "graph [\n node [ id 0 ]\n edge [ source 0 target 7 ]\n]\n", r"unknown\.gml:3"),
    ],
)
def test_bad_files_give_one_line_and_a_non_zero_exit(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content)
    result = helios("view", str(path), "--port", "0")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("helios: error: ")
    assert __import__("re").search(expected, lines[0]), lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_file_and_legara_are_refused_with_where(tmp_path):
    result = helios("view", str(tmp_path / "nope.gml"))
    assert result.returncode != 0 and "nope.gml" in result.stderr and "Traceback" not in result.stderr
    result = helios("view", str(SHARED_DATA / "legara.gml"))
    assert result.returncode != 0 and "legara.gml:7:13:" in result.stderr


def test_verbose_shows_the_traceback(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("")
    result = helios("-v", "view", str(path))
    assert result.returncode != 0 and "Traceback" in result.stderr and "helios: error:" in result.stderr


def test_bad_options_are_refused():
    result = helios("view", str(SHARED_DATA / "karate.gml"), "--layout", "magic")
    assert result.returncode == 2 and "invalid choice: 'magic'" in result.stderr
    result = helios("view", str(SHARED_DATA / "karate.gml"), "--size", "huge")
    assert result.returncode == 2 and "WIDTHxHEIGHT" in result.stderr


def test_port_in_use_is_a_one_line_error():
    with HeliosProcess("view", str(SHARED_DATA / "karate.gml"), "--port", "0") as first:
        result = helios("view", str(SHARED_DATA / "karate.gml"), "--port", str(first.port))
        assert result.returncode != 0
        assert f"cannot listen on 127.0.0.1:{first.port}" in result.stderr and "Traceback" not in result.stderr
        first.interrupt(timeout_s=10)


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("graph, extra", [("karate.gml", []), ("power.gml", ["--3d"])])
def test_signals_stop_everything_within_two_seconds(signal_number, graph, extra):
    process = HeliosProcess("view", str(SHARED_DATA / graph), "--port", "0", *extra)
    try:
        segments = shared_memory_segments(process.process.pid)
        assert segments, "the layout's shared memory segment exists while running"
        time.sleep(1.0)
        started = time.monotonic()
        process.process.send_signal(signal_number)
        code = process.wait(10)
        elapsed = time.monotonic() - started
    finally:
        process.kill()
    assert code == 0, "".join(process.output)
    assert elapsed < 2.0, f"stopped after {elapsed:.2f} s"
    assert not remaining(segments)
    assert "Traceback" not in "".join(process.output)


@pytest.mark.parametrize("algorithm, suffix, extra", [("fr", "csv", []), ("fa2", "gexf", ["--3d"])])
def test_layout_command_writes_positions_and_reports_quality(tmp_path, algorithm, suffix, extra):
    out = tmp_path / f"positions.{suffix}"
    result = helios("layout", str(SHARED_DATA / "lesmis.gml"), "-o", str(out), "--layout", algorithm, *extra)
    assert result.returncode == 0, result.stderr
    assert "iterations in" in result.stdout and "normalised stress" in result.stdout
    assert "neighbourhood preservation" in result.stdout
    from helios_app.io import read_graph, read_positions

    positions = read_positions(out, read_graph(SHARED_DATA / "lesmis.gml"))
    assert positions.shape == (77, 3 if extra else 2) and np.isfinite(positions).all()
    again = tmp_path / f"again.{suffix}"
    helios("layout", str(SHARED_DATA / "lesmis.gml"), "-o", str(again), "--layout", algorithm, *extra)
    assert np.array_equal(read_positions(again, read_graph(SHARED_DATA / "lesmis.gml")), positions), "same seed"


def test_layout_parameters_from_the_command_line(tmp_path):
    graph = str(SHARED_DATA / "lesmis.gml")
    runs = {}
    for name, options in {"default": [], "weak": ["--set", "gravity=0.1"], "auto": ["--set", "gravity=auto"]}.items():
        out = tmp_path / f"{name}.csv"
        result = helios("layout", graph, "-o", str(out), *options)
        assert result.returncode == 0, result.stderr
        runs[name] = out.read_text()
    assert runs["default"] == runs["auto"] and runs["default"] != runs["weak"]


@pytest.mark.parametrize(
    "options, message",
    [
        (["--set", "gravty=1"], "--set gravty=1: expected NAME=VALUE, NAME one of the fr layout's parameters: theta"),
        (["--set", "gravity"], "--set gravity: expected NAME=VALUE"),
        (["--set", "gravity=strong"], "--set gravity=strong: 'strong' is not a number"),
        (["--set", "gravity=-1"], "fr layout: FruchtermanReingoldParameters: gravity=-1.0 is out of range"),
        (["--layout", "fa2", "--set", "lin_log=maybe"], "--set lin_log=maybe: expected true or false"),
        (["--set", "repulsion_exponent=2.5"], "--set repulsion_exponent=2.5: '2.5' is not an integer"),
    ],
)
def test_bad_layout_parameters_are_one_line_errors(tmp_path, options, message):
    for command in (["layout", "-o", str(tmp_path / "out.csv")], ["view", "--port", "0"]):
        result = helios(command[0], str(SHARED_DATA / "karate.gml"), *command[1:], *options)
        assert result.returncode == 1
        assert result.stderr.startswith(f"helios: error: {message}"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_time_column_reads_an_edge_list_as_a_dynamic_graph(tmp_path):
    path = tmp_path / "contacts.txt"
    path.write_text("a b 3 2001\nb c 1 2002\nc d 2 2005\n")
    result = helios("render", str(path), "--time-column", "4", "--video", str(tmp_path / "x.mp4"), "--seconds", "1",
                    "--size", "320x240")
    assert result.returncode == 0, result.stderr
    result = helios("layout", str(path), "--time-column", "7", "-o", str(tmp_path / "x.csv"))
    assert result.returncode == 1 and "the time column is column 7" in result.stderr
