"""Sessions that are checked before anything starts, and views that outlive a crash: a view killed with
SIGKILL is resumed with its pins, positions, camera, filter, highlight, style, live edits and history."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from helios_app.autosave import autosave_path, list_sessions
from helios_app.config import ViewConfig
from helios_app.errors import HeliosError
from helios_app.graph import graph_fingerprint
from helios_app.io import read_graph
from helios_app.io.session_file import save_session
from helios_app.session import ViewSession

HELIOS = Path(sys.executable).with_name("helios")


def _good_session(path: Path, graph, **fields):
    return save_session(
        path, graph, np.random.default_rng(1).random((graph.node_count, 2)), pins=[1, 2],
        camera={"position": [0.0, 0.0, 5.0], "focal_point": [0.0, 0.0, 0.0], "view_up": [0.0, 1.0, 0.0],
                "parallel_scale": 1.1},
        encodings={"color_by": "degree", "size_by": "degree", "theme": "dark", "labels": True,
                   "filter": {"degree": [2, 10]}, "highlighted": []},
        layout="fr", parameters={}, seed=3, **fields)


BAD_FIELDS = [
    (lambda d: d["camera"].update(parallel_scale=float("nan")), r"camera\.parallel_scale must be a finite number > 0"),
    (lambda d: d["camera"].update(parallel_scale=0), r"camera\.parallel_scale must be a finite number > 0"),
    (lambda d: d["camera"].update(parallel_scale=float("inf")), r"camera\.parallel_scale must be a finite number > 0"),
    (lambda d: d["camera"].update(position=[0, 0, "x"]), r"camera\.position must be 3 numbers"),
    (lambda d: d["camera"].update(position=[0, 0, 0]), r"camera\.position is the focal point"),
    (lambda d: d["camera"].update(view_up=[0, 0, 1]), r"camera\.view_up must be a direction across the line"),
    (lambda d: d["camera"].update(junk=list(range(10))), r"camera\.junk is not a camera field"),
    (lambda d: d["layout"].update(parameters={"gravity": -1.0}), r"layout\.parameters: .*gravity"),
    (lambda d: d["layout"].update(parameters={"warp_speed": 9}), r"layout\.parameters: .*no parameter warp_speed"),
    (lambda d: d["layout"].update(name="spiral"), r"layout\.name 'spiral' is not a layout"),
    (lambda d: d["layout"].update(seed=-4), r"layout\.seed -4 is not a whole number"),
    (lambda d: d["encodings"].update(highlighted=[7]), r"encodings\.highlighted names legend entries \[7\]"),
    (lambda d: d["encodings"].update(highlighted="all"), r"encodings\.highlighted must be a list"),
    (lambda d: d["encodings"].update(filter={"degree": "many"}), r"encodings\.filter\.degree"),
    (lambda d: d["encodings"].update(theme="neon"), r"encodings\.theme must be one of dark, light"),
    (lambda d: d["encodings"].update(color_by="shoe_size"), r"encodings: .*shoe_size"),
    (lambda d: d.update(style={"colors": {"1": [300, 0, 0]}}), r"style\.colors\['1'\] is \[300, 0, 0\]"),
    (lambda d: d.update(history={"entries": [{"kind": "format-disk"}]}), r"history\.entries\[0\]\.kind must be"),
    (lambda d: d.update(edits=[{"remove_nodes": ["no-such-node"]}]), r"edits\[0\] does not apply .*no-such-node"),
    (lambda d: d.update(pins=[1, 99]), r"pins must be a list of node indices in 0 \.\. 33"),
]


@pytest.mark.parametrize(("damage", "pattern"), BAD_FIELDS)
def test_each_bad_session_field_is_refused_before_anything_starts(shared_data, tmp_path, damage, pattern):
    graph = read_graph(shared_data / "karate.gml")
    path = _good_session(tmp_path / "view.helios.json", graph)
    document = json.loads(path.read_text())
    damage(document)
    path.write_text(json.dumps(document))
    threads = set(threading.enumerate())
    with pytest.raises(HeliosError, match=rf"view\.helios\.json: .*{pattern}"):
        ViewSession(graph, ViewConfig(session_file=str(path), port=0)).start()
    assert set(threading.enumerate()) <= threads, "nothing was started"


def test_a_bad_session_field_is_one_line_from_the_command(shared_data, tmp_path):
    graph = read_graph(shared_data / "karate.gml")
    path = _good_session(tmp_path / "view.helios.json", graph)
    document = json.loads(path.read_text())
    document["camera"]["parallel_scale"] = 0
    path.write_text(json.dumps(document))
    started = time.monotonic()
    result = subprocess.run([str(HELIOS), "view", str(shared_data / "karate.gml"), "--session", str(path),
                             "--port", "0", "--no-window"], capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 1 and time.monotonic() - started < 30
    assert result.stderr.strip().splitlines() == [
        f"helios: error: {path}: camera.parallel_scale must be a finite number > 0, got 0"]


def test_a_huge_session_is_refused_without_holding_it(shared_data, tmp_path):
    """A junk array in the camera (here 40 MB of numbers) is refused from the file's size, before parsing."""
    graph = read_graph(shared_data / "karate.gml")
    path = _good_session(tmp_path / "view.helios.json", graph)
    document = json.loads(path.read_text())
    document["camera"]["junk"] = [0.5] * 8_000_000
    path.write_text(json.dumps(document))
    with pytest.raises(HeliosError, match=r"view\.helios\.json: is larger than a session of this graph can be"):
        ViewSession(graph, ViewConfig(session_file=str(path), port=0))


def test_a_session_keeps_edits_style_and_history(shared_data, tmp_path):
    """Save and restore in-process: the edited graph, the style and the history come back."""
    graph = read_graph(shared_data / "karate.gml")
    with ViewSession(graph, ViewConfig(port=0, autosave=False)).start() as session:
        session.set_node_style(colors={"1": (10, 20, 30)})
        from helios_app.graph.edits import GraphEdit

        session.edit(GraphEdit(add_nodes=("guest",), add_edges=(("guest", "1"),)))
        deadline = time.monotonic() + 10
        while len(session.positions()) != 35 and time.monotonic() < deadline:
            time.sleep(0.05)
        path = session.save_session(tmp_path / "edited.helios.json")
    with ViewSession(graph, ViewConfig(port=0, autosave=False, session_file=str(path))).start() as restored:
        assert restored.graph.node_count == 35 and "guest" in restored.graph.node_ids
        assert restored._style.colors == {"1": (10, 20, 30)}
        assert [entry.kind for entry in restored.history.entries] == ["style", "edit"]
        restored.undo()  # the edit, undone after the restart
        assert restored.graph.node_count == 34


KILLED_VIEW = textwrap.dedent("""
    import sys, time
    import helios_app
    view = helios_app.show(sys.argv[1], port=0)
    while not view.session.render_loop.camera_state:
        time.sleep(0.05)
    view.pin(["1"], [[0.3, -0.2]])
    view.filter(degree=(3, 100))
    view.set_colors({"2": "#00ff00"})
    view.add_edges([("1", "newcomer")])
    view.camera = {"position": [0.1, 0.2, 5.0], "focal_point": [0.1, 0.2, 0.0], "view_up": [0.0, 1.0, 0.0],
                   "parallel_scale": 0.7}
    view.set_layout_parameters(gravity=3.0)
    view.undo()   # the gravity: undone, still in the history to redo
    time.sleep(0.5)
    saves = view.session._autosaver.saves
    while view.session._autosaver.saves == saves:   # wait for a save after the last action
        time.sleep(0.1)
    print("saved", flush=True)
    time.sleep(600)
""")


def test_a_view_killed_with_sigkill_is_resumed_with_its_pins_filter_camera_edits_and_history(
        shared_data, tmp_path):
    karate = shared_data / "karate.gml"
    script = tmp_path / "killed_view.py"
    script.write_text(KILLED_VIEW)
    process = subprocess.Popen([sys.executable, str(script), str(karate)], stdout=subprocess.PIPE, text=True,
                               env={**os.environ})
    try:
        assert process.stdout.readline().strip() == "saved"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    graph = read_graph(karate)
    path = autosave_path(graph_fingerprint(graph))
    assert path.exists() and not list(path.parent.glob(".*.tmp")), "one whole file, no temporary left behind"
    listed = [session for session in list_sessions() if session.path == path]
    assert listed and listed[0].node_count == 34 and listed[0].source.endswith("karate.gml")
    result = subprocess.run([str(HELIOS), "sessions"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0 and "karate.gml" in result.stdout

    with ViewSession(graph, ViewConfig(port=0, resume=True, autosave=False)).start() as session:
        assert session.graph.node_count == 35 and "newcomer" in session.graph.node_ids
        one = session.graph.node_ids.index("1")
        assert session.worker.pinned.tolist() == [one]
        assert np.allclose(session.positions()[one], [0.3, -0.2])
        assert session.filter.degree == (3.0, 100.0)
        assert session._style.colors == {"2": (0, 255, 0)}
        deadline = time.monotonic() + 20
        while session.render_loop.camera_state is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert session.render_loop.camera_state["parallel_scale"] == pytest.approx(0.7)
        kinds = [entry.kind for entry in session.history.entries]
        assert kinds == ["pin", "filter", "style", "edit", "parameters"] and session.history.position == 4
        assert session.worker.parameters.gravity != 3.0
        session.redo()  # the gravity undone before the crash can still be redone
        assert session.worker.parameters.gravity == 3.0 or _eventually(lambda: session.worker.parameters.gravity == 3.0)


def _eventually(predicate, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_resume_without_an_autosave_says_what_to_do(shared_data, tmp_path):
    graph = read_graph(shared_data / "lesmis.gml")
    os.environ["HELIOS_STATE_DIR"], previous = str(tmp_path / "empty"), os.environ["HELIOS_STATE_DIR"]
    try:
        with pytest.raises(HeliosError, match=r"no autosaved view of .*lesmis\.gml to resume .*helios sessions"):
            ViewSession(graph, ViewConfig(port=0, resume=True))
    finally:
        os.environ["HELIOS_STATE_DIR"] = previous
