"""`helios render`: a PNG of the settled layout and a video of it settling, headless."""

import subprocess
import sys
from pathlib import Path

import av
import numpy as np
from conftest import SHARED_DATA


def helios(*arguments):
    return subprocess.run([sys.executable, "-m", "helios_app", *arguments], check=False, capture_output=True, text=True,
                          timeout=300)


def test_render_png_at_4k_with_encodings(tmp_path):
    out = tmp_path / "polbooks.png"
    result = helios("render", str(SHARED_DATA / "polbooks.gml"), "-o", str(out), "--size", "3840x2160",
                    "--color-by", "value", "--theme", "light")
    assert result.returncode == 0, result.stderr
    assert "layout iterations" in result.stdout
    pixels = next(av.open(str(out)).decode(video=0)).to_ndarray(format="rgb24")
    assert pixels.shape == (2160, 3840, 3)
    background = pixels[5, 5].astype(int)
    assert background.min() > 230, "light theme"
    # The three political-leaning categories of polbooks get three distinct palette colours.
    palette = {(78, 121, 167), (242, 142, 43), (225, 87, 89)}
    for rgb in palette:
        assert (np.abs(pixels.astype(int) - rgb).sum(axis=2) < 30).sum() > 500, rgb


def test_render_video_of_the_layout_settling(tmp_path):
    out = tmp_path / "karate.mp4"
    result = helios("render", str(SHARED_DATA / "karate.gml"), "--video", str(out), "--seconds", "2",
                    "--size", "640x360", "--3d")
    assert result.returncode == 0, result.stderr
    container = av.open(str(out))
    frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    assert len(frames) == 60 and frames[0].shape == (360, 640, 3)
    assert np.abs(frames[0].astype(int) - frames[-1]).mean() > 1, "the layout moves during the video"


def test_render_video_of_a_dynamic_graph_shows_it_evolving(tmp_path):
    from helios_app.graph.timeline import active_nodes
    from helios_app.io import read_graph

    out = tmp_path / "dynamic.mp4"
    path = Path(__file__).resolve().parents[1] / "data" / "dynamic.gexf"
    result = helios("render", str(path), "--video", str(out), "--seconds", "2", "--size", "640x360", "--no-labels")
    assert result.returncode == 0, result.stderr
    frames = [frame.to_ndarray(format="rgb24") for frame in av.open(str(out)).decode(video=0)]
    assert len(frames) == 60
    graph = read_graph(path)
    first, last = graph.time_range
    assert active_nodes(graph, at=first).sum() < active_nodes(graph, at=first + 0.9 * (last - first)).sum()
    # Few nodes at the start, many near the end: the picture fills up as the group grows.
    drawn = [int((frame.sum(axis=2) > 200).sum()) for frame in frames]
    assert drawn[2] < 0.5 * max(drawn[40:]), drawn


def test_render_refuses_bad_requests(tmp_path):
    result = helios("render", str(SHARED_DATA / "karate.gml"))
    assert result.returncode == 1 and "needs -o" in result.stderr
    result = helios("render", str(SHARED_DATA / "karate.gml"), "-o", str(tmp_path / "x.png"), "--color-by", "nope")
    assert result.returncode == 1 and "--color-by nope: no such node attribute" in result.stderr
    result = helios("render", str(SHARED_DATA / "karate.gml"), "-o", str(tmp_path / "missing" / "x.png"))
    assert result.returncode == 1 and "cannot write" in result.stderr
