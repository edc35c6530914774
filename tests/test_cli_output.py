"""Command-line mistakes are reported at once, before any work, and an unexpected error reads message first."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from helios_app import cli

HELIOS = Path(sys.executable).with_name("helios")


@pytest.mark.parametrize(("command", "output", "pattern"), [
    ("layout", "missing-folder/positions.csv", "the directory missing-folder does not exist"),
    ("layout", "positions.png", "cannot tell the output format from the suffix '.png'"),
    ("render", "missing-folder/picture.png", "the directory missing-folder does not exist"),
    ("render", "picture.bmp", "cannot write a picture as .bmp"),
])
def test_a_bad_output_is_refused_before_the_graph_is_read_or_laid_out(shared_data, tmp_path, command, output,
                                                                       pattern):
    started = time.monotonic()
    result = subprocess.run([str(HELIOS), command, str(shared_data / "power.gml"), "-o", output],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and pattern in lines[0], result.stderr
    assert time.monotonic() - started < 20  # power.gml's layout alone takes longer on this machine
    assert not any(tmp_path.iterdir()), "nothing written"


def test_an_unexpected_error_says_its_message_first(monkeypatch, capfd, shared_data, tmp_path):
    def broken(arguments):
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(cli, "run_layout_command", broken)
    assert cli.main(["layout", str(shared_data / "karate.gml"), "-o", str(tmp_path / "x.csv")]) == 1
    lines = capfd.readouterr().err.strip().splitlines()
    assert lines[0] == "helios: error: RuntimeError: the disk caught fire"
    assert "-v" in lines[1] and len(lines) == 2
