"""Odd input that once escaped as "an unexpected error", hung, or stopped a view: each is now one line naming
the file and the field, or a warning while the rest goes on. Real files, and real ``helios`` processes with
timeouts, so that a hang fails the test instead of blocking the run."""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from helios_app.autosave import (
    Autosaver,
    autosave_path,
    list_sessions,
    printable,
    sessions_of_source,
)
from helios_app.config import MAX_CREDENTIAL_TTL_S, ViewConfig, check_layout_parameters
from helios_app.errors import HeliosError
from helios_app.graph import graph_fingerprint
from helios_app.graph.edits import GraphEdit, apply_edit
from helios_app.io import read_graph
from helios_app.io.session_file import load_session, save_session
from helios_app.io.writers import write_atomically
from helios_app.session import ViewSession
from web import turn

HELIOS = Path(sys.executable).with_name("helios")
CAMERA = {"position": [0.0, 0.0, 5.0], "focal_point": [0.0, 0.0, 0.0], "view_up": [0.0, 1.0, 0.0],
          "parallel_scale": 1.1}
GUEST = GraphEdit(add_nodes=("guest",), add_edges=(("guest", "1"),),
                  node_rows=({"label": "Guest", "attributes": {"club": "visitors"}},),
                  edge_rows=({"weight": 2.0, "attributes": {}},))


def _edited_session(path: Path, graph, edit: GraphEdit = GUEST) -> Path:
    """A good session of ``graph`` with one live edit: a node and an edge added, their rows filled in."""
    edited, _ = apply_edit(graph, edit)
    positions = np.random.default_rng(1).random((edited.node_count, 2))
    return save_session(path, edited, positions, base_graph=graph, edits=[edit.as_dict()], camera=dict(CAMERA),
                        encodings={"color_by": "degree", "size_by": "degree", "filter": {"degree": [1, 100]}},
                        layout="fr", parameters={}, seed=3)


def _damaged(path: Path, damage) -> Path:
    document = json.loads(path.read_text())
    damage(document)
    path.write_text(json.dumps(document))  # NaN as NaN, 10**400 as its digits, as a hand-made file holds them
    return path


def _node_row(document):
    return document["edits"][0]["node_rows"][0]


def _edge_row(document):
    return document["edits"][0]["edge_rows"][0]


BAD_FIELDS = {
    "camera position beyond a float": (lambda d: d["camera"].update(position=[10**400, 0, 0]),
                                       r"camera\.position must be 3 finite numbers"),
    "camera scale beyond a float": (lambda d: d["camera"].update(parallel_scale=10**400),
                                    r"camera\.parallel_scale must be a finite number > 0"),
    "theta as text": (lambda d: d["layout"]["parameters"].update(theta="x"),
                      r"layout\.parameters: fr layout: theta must be a number, got 'x'"),
    "gravity as a list": (lambda d: d["layout"]["parameters"].update(gravity=[1]),
                          r"layout\.parameters: fr layout: gravity must be a number, got \[1\]"),
    "theta beyond a float": (lambda d: d["layout"]["parameters"].update(theta=10**400),
                             r"layout\.parameters: fr layout: theta is too large a number"),
    "theta NaN": (lambda d: d["layout"]["parameters"].update(theta=float("nan")),
                  r"layout\.parameters: fr layout: theta must be a finite number"),
    "pack_components as text": (lambda d: d["layout"]["parameters"].update(pack_components="no"),
                                r"layout\.parameters: fr layout: pack_components must be true or false"),
    "filter degree beyond a float": (lambda d: d["encodings"]["filter"].update(degree=[10**400, 5]),
                                     r"encodings\.filter\.degree must be \[low, high\] with finite low <= high"),
    "filter degree as text": (lambda d: d["encodings"]["filter"].update(degree=["1", 5]),
                              r"encodings\.filter\.degree must be \[low, high\]"),
    "edit weight as text": (lambda d: _edge_row(d).update(weight="x"),
                            r"edits\[0\]\.edge_rows\[0\]\.weight is 'x'; a weight is a finite number"),
    "edit weight as a list": (lambda d: _edge_row(d).update(weight=[1]),
                              r"edits\[0\]\.edge_rows\[0\]\.weight is \[1\]; a weight is a finite number"),
    "edit weight NaN": (lambda d: _edge_row(d).update(weight=float("nan")),
                        r"edits\[0\]\.edge_rows\[0\]\.weight is nan; a weight is a finite number"),
    "edit weight beyond a float": (lambda d: _edge_row(d).update(weight=10**400),
                                   r"edits\[0\]\.edge_rows\[0\]\.weight is 1000.*; a weight is a finite number"),
    "edit weight negative": (lambda d: _edge_row(d).update(weight=-5),
                             r"edits\[0\]\.edge_rows\[0\]\.weight is -5; weights must be > 0"),
    "edit direction as text": (lambda d: _edge_row(d).update(directed="yes"),
                               r"edits\[0\]\.edge_rows\[0\]\.directed must be true or false"),
    "edge attributes as a list": (lambda d: _edge_row(d).update(attributes=[1, 2]),
                                  r"edits\[0\]\.edge_rows\[0\]\.attributes must map names to values"),
    "node attributes as text": (lambda d: _node_row(d).update(attributes="abc"),
                                r"edits\[0\]\.node_rows\[0\]\.attributes must map names to values, got 'abc'"),
    "node attribute a list, coloured by": (
        lambda d: (_node_row(d).update(attributes={"club": [1, 2]}), d["encodings"].update(color_by="club")),
        r"edits\[0\]\.node_rows\[0\]\.attributes\['club'\] is \[1, 2\]; an attribute value is text"),
    "node attribute an object, coloured by": (
        lambda d: (_node_row(d).update(attributes={"club": {"a": 1}}), d["encodings"].update(color_by="club")),
        r"edits\[0\]\.node_rows\[0\]\.attributes\['club'\] is \{'a': 1\}"),
    "node label an object": (lambda d: _node_row(d).update(label={"a": 1}),
                             r"edits\[0\]\.node_rows\[0\]\.label must be text"),
    "node position NaN": (lambda d: _node_row(d).update(position=[float("nan"), 0]),
                          r"edits\[0\]\.node_rows\[0\]\.position must be 2 or 3 finite numbers"),
}


@pytest.mark.parametrize("case", list(BAD_FIELDS))
def test_a_bad_session_field_names_the_file_and_the_field(shared_data, tmp_path, case):
    damage, pattern = BAD_FIELDS[case]
    graph = read_graph(shared_data / "karate.gml")
    path = _damaged(_edited_session(tmp_path / "view.helios.json", graph), damage)
    with pytest.raises(HeliosError, match=rf"^{re.escape(str(path))}: {pattern}") as caught:
        ViewSession(graph, ViewConfig(session_file=str(path), port=0, autosave=False))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("case", ["camera position beyond a float", "gravity as a list",
                                  "node attribute a list, coloured by", "edit weight negative"])
def test_a_bad_session_field_is_one_line_from_the_command(shared_data, tmp_path, case):
    """Before: an OverflowError, a TypeError, "unhashable type" or the graph file blamed for the session's
    weight, as "an unexpected error"."""
    damage, pattern = BAD_FIELDS[case]
    karate = shared_data / "karate.gml"
    path = _damaged(_edited_session(tmp_path / "view.helios.json", read_graph(karate)), damage)
    result = subprocess.run([str(HELIOS), "view", str(karate), "--session", str(path), "--port", "0",
                             "--no-window", "--no-autosave"], capture_output=True, text=True, timeout=90,
                            check=False)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert re.match(rf"helios: error: {re.escape(str(path))}: {pattern}", lines[0]), lines[0]


def test_non_positive_edit_weights_load_when_the_graph_has_such_weights(tmp_path):
    """A signed graph (viewed with --weight none) brings its negative weights back in an undone removal: a
    session holding one is the graph's own, not a damaged file."""
    signed = tmp_path / "signed.txt"
    signed.write_text("a b -1.5\nb c 2\nc a 1\n")
    graph = read_graph(signed)
    edit = GraphEdit(add_nodes=("d",), add_edges=(("d", "a"),), edge_rows=({"weight": -2.0},))
    restored = load_session(_edited_session(tmp_path / "signed.helios.json", graph, edit), graph)
    assert restored["graph"].weights.tolist() == [-1.5, 2.0, 1.0, -2.0]


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def test_a_fifo_given_as_session_is_refused_at_once(shared_data, tmp_path):
    """Opening a FIFO for reading waits for a writer: the command hung for ever."""
    fifo = _fifo(tmp_path / "view.helios.json")
    started = time.monotonic()
    result = subprocess.run([str(HELIOS), "view", str(shared_data / "karate.gml"), "--session", str(fifo),
                             "--port", "0", "--no-window", "--no-autosave"], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 1 and time.monotonic() - started < 50
    assert result.stderr.strip().splitlines() == [
        f"helios: error: {fifo}: is not a regular file; a session file is a JSON file"]


# ---- helios sessions -------------------------------------------------------------------------------------


def test_sessions_lists_the_sane_files_and_warns_about_the_others(shared_data, tmp_path):
    """A saved_at of 1e20, NaN or -1e12, a node count of 1e400 (an OverflowError, a ValueError: nothing was
    listed), a FIFO (the listing hung) and a source holding terminal escapes (printed raw) in one folder."""
    karate = shared_data / "karate.gml"
    graph = read_graph(karate)
    folder = tmp_path / "state" / "sessions"
    folder.mkdir(parents=True)
    good = _edited_session(folder / "good.helios.json", graph)
    text = good.read_text()
    odd = {
        "future": text.replace('"saved_at": ', '"saved_at": 1e20, "x": ', 1),
        "nan": text.replace('"saved_at": ', '"saved_at": NaN, "x": ', 1),
        "past": text.replace('"saved_at": ', '"saved_at": -1e12, "x": ', 1),
        "huge": text.replace('"node_count": 34', '"node_count": 1e400', 1),
        "bool": text.replace('"edge_count": 78', '"edge_count": true', 1),
        "cut": text[:100],
    }
    for name, content in odd.items():
        (folder / f"{name}.helios.json").write_text(content)
    evil_source = "\x1b[2J\x1b[31mEVIL\nline2\u202e"
    document = json.loads(text)
    document["graph"]["source"] = evil_source
    (folder / "evil.helios.json").write_text(json.dumps(document, indent=1))
    _fifo(folder / "pipe.helios.json")

    result = subprocess.run([str(HELIOS), "sessions"], capture_output=True, text=True, timeout=60, check=False,
                            env={**os.environ, "HELIOS_STATE_DIR": str(folder.parent)})
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()
    assert "while GRAPH's content is the same as when saved" in rows[0]
    assert len(rows) == 3 and any(row.endswith(f"  {graph.source}") for row in rows)
    assert any(row.endswith(r"  \x1b[2J\x1b[31mEVIL\nline2\u202e") for row in rows), rows
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    for name in [*odd, "pipe"]:
        assert f"{name}.helios.json" in result.stderr, name
    assert "not a regular file" in result.stderr


def test_printable_escapes_control_and_format_characters_only():
    assert printable("a/b c.gml") == "a/b c.gml"
    assert printable("é\tx\x1b[0m\u200e\n") == r"é\tx\x1b[0m\u200e\n"


def test_sessions_of_source_finds_the_view_of_a_graph_file_that_changed(tmp_path, monkeypatch):
    """--resume looks for the graph's fingerprint; a file edited since has another, but its autosave is still
    listed under the same path: sessions_of_source finds it, so --resume can say why it does not resume."""
    monkeypatch.setenv("HELIOS_STATE_DIR", str(tmp_path / "state"))
    graph_file = tmp_path / "growing.txt"
    graph_file.write_text("a b\nb c\n")
    before = read_graph(graph_file)
    autosave_path(graph_fingerprint(before)).parent.mkdir(parents=True)
    save_session(autosave_path(graph_fingerprint(before)), before, np.zeros((3, 2)))
    graph_file.write_text("a b\nb c\nc d\n")
    after = read_graph(graph_file)
    assert not autosave_path(graph_fingerprint(after)).exists()
    found = sessions_of_source(after.source)
    assert [session.path for session in found] == [autosave_path(graph_fingerprint(before))]
    assert sessions_of_source(os.path.relpath(graph_file)) == found  # the same file by another path
    assert sessions_of_source(str(tmp_path / "other.txt")) == [] and sessions_of_source("") == []
    assert autosave_path(graph_fingerprint(before)) in [session.path for session in list_sessions()]


# ---- the autosaver -------------------------------------------------------------------------------------


def _view_process(arguments: list[str], env: dict[str, str], timeout_s: float = 90.0):
    """Start ``helios view``, wait for its links (a hang fails), stop it with Ctrl-C; its stdout, stderr and
    exit code."""
    process = subprocess.Popen([str(HELIOS), "view", *arguments, "--port", "0", "--no-window"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               start_new_session=True)
    output: list[str] = []
    errors: list[str] = []

    readers = [threading.Thread(target=list.extend, args=pair[::-1], daemon=True)  # line by line, as they come
               for pair in ((process.stdout, output), (process.stderr, errors))]
    for reader in readers:
        reader.start()
    try:
        deadline = time.monotonic() + timeout_s
        while not any(line.startswith("helios: open") for line in output):
            assert process.poll() is None, f"helios ended: {''.join(output + errors)!r}"
            assert time.monotonic() < deadline, f"no link after {timeout_s} s: {''.join(output)!r}"
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for reader in readers:
        reader.join(10)
    return "".join(output), "".join(errors), process.returncode


@pytest.mark.parametrize("where", ["a file", "under /proc"])
def test_a_view_runs_without_autosave_when_the_state_directory_is_unusable(shared_data, tmp_path, where):
    """Before: NotADirectoryError, or OSError read-only file system, and no view."""
    if where == "a file":
        state = tmp_path / "state"
        state.write_text("not a folder")
    else:
        state = Path("/proc/helios-no-such-state")  # mkdir there fails for root too
    output, errors, code = _view_process([str(shared_data / "karate.gml")],
                                         {**os.environ, "HELIOS_STATE_DIR": str(state)})
    assert code == 0 and "helios: stopped" in output, errors
    warnings = [line for line in errors.splitlines() if "cannot autosave" in line]
    assert len(warnings) == 1 and f"cannot autosave in {state / 'sessions'} (" in warnings[0], errors
    assert warnings[0].endswith("; the view runs without autosave")
    assert "Traceback" not in errors


def test_an_autosaver_that_cannot_write_stays_inactive(tmp_path):
    saves = []
    target = tmp_path / "a-file" / "sessions" / "x.helios.json"
    (tmp_path / "a-file").write_text("")
    autosaver = Autosaver(target, saves.append, lambda: (1, 1), interval_s=0.05).start()
    time.sleep(0.2)
    assert not autosaver.active and autosaver.last_error
    assert autosaver.save_now() is False
    autosaver.stop()
    assert saves == []


def test_the_autosaver_removes_stale_temporaries_of_killed_saves_only(tmp_path):
    folder = tmp_path / "sessions"
    folder.mkdir()
    stale = folder / ".0123abcd.helios.json.k2j4h5g6.tmp"
    fresh = folder / ".0123abcd.helios.json.zz99yy88.tmp"  # another view saving right now
    other = folder / ".notes.txt.aaaa1111.tmp"  # not a session's
    for path in (stale, fresh, other):
        path.write_text("{")
    an_hour_ago = time.time() - 3600
    for path in (stale, other):
        os.utime(path, (an_hour_ago, an_hour_ago))
    autosaver = Autosaver(folder / "0123abcd.helios.json", lambda path: None, lambda: (0, 0)).start()
    autosaver.stop()
    assert not stale.exists() and fresh.exists() and other.exists()


def test_an_interrupted_atomic_write_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "view.helios.json"
    target.write_text("old")

    def interrupted(descriptor):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, b"new")
    monkeypatch.undo()
    assert target.read_text() == "old" and sorted(path.name for path in tmp_path.iterdir()) == [target.name]


# ---- TURN credentials ------------------------------------------------------------------------------------


@pytest.mark.parametrize("ttl", [float("inf"), float("nan"), 10**400, MAX_CREDENTIAL_TTL_S * 2, 0, -60.0, "3600"])
def test_a_credential_ttl_that_is_not_a_sane_number_of_seconds_is_refused(ttl):
    with pytest.raises(HeliosError, match=r"^--ice-credential-ttl is a "):
        ViewConfig(ice_servers=("turn:127.0.0.1:3478",), ice_secret="s3cret", ice_credential_ttl_s=ttl)


def test_a_year_long_credential_is_allowed_and_the_bounds_agree():
    config = ViewConfig(ice_servers=("turn:127.0.0.1:3478",), ice_secret="s3cret",
                        ice_credential_ttl_s=MAX_CREDENTIAL_TTL_S)
    assert config.ice_credential_ttl_s == turn.MAX_CREDENTIAL_TTL_S == MAX_CREDENTIAL_TTL_S
    username, _ = turn.rest_credential("s3cret", "viewer", MAX_CREDENTIAL_TTL_S, now_s=1_000_000.0)
    assert username == f"{1_000_000 + int(MAX_CREDENTIAL_TTL_S)}:viewer"


@pytest.mark.parametrize("ttl", [float("inf"), float("nan"), 10**400, turn.MAX_CREDENTIAL_TTL_S + 1])
def test_turn_refuses_to_mint_with_a_ttl_beyond_a_year(ttl):
    """Before: int(now + inf) raised an OverflowError in every page's socket handler."""
    with pytest.raises(ValueError, match="at most"):
        turn.rest_credential("s3cret", "viewer", ttl)


def test_an_infinite_credential_ttl_is_one_line_from_the_command(shared_data):
    result = subprocess.run([str(HELIOS), "view", str(shared_data / "karate.gml"), "--port", "0", "--no-window",
                             "--no-autosave", "--ice-server", "turn:127.0.0.1:3478", "--ice-secret", "s3cret",
                             "--ice-credential-ttl", "inf"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "helios: error: --ice-credential-ttl is a positive number of seconds, at most a year (31,536,000), got inf"]


# ---- layout parameters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("layout", "parameters", "pattern"), [
    ("fr", {"theta": "x"}, r"fr layout: theta must be a number, got 'x'"),
    ("fr", {"gravity": [1]}, r"fr layout: gravity must be a number"),
    ("fr", {"repulsion_exponent": 1.5}, r"fr layout: repulsion_exponent must be a whole number"),
    ("fr", {"repulsion_exponent": 10**30}, r"fr layout: .*repulsion_exponent=10+ is out of range"),
    ("fr", {"multilevel": "auto"}, r"fr layout: multilevel must be true or false"),
    ("fa2", {"node_size": "big"}, r"fa2 layout: node_size cannot be 'big'"),
    ("fa2", {"scaling_ratio": 10**400}, r"fa2 layout: scaling_ratio is too large a number"),
])
def test_a_layout_parameter_of_the_wrong_type_is_named(layout, parameters, pattern):
    with pytest.raises(HeliosError, match=pattern):
        check_layout_parameters(layout, parameters)


def test_layout_parameters_of_the_right_types_pass():
    check_layout_parameters("fr", {"theta": 1, "gravity": None, "multilevel": True, "repulsion_exponent": 2})
    check_layout_parameters("fa2", {"lin_log": 1, "node_size": [1.0, 2.0], "gravity": np.float32(2.0)})


# ---- what the command prints -----------------------------------------------------------------------------


def test_the_command_counts_the_restored_view_with_its_live_edits(shared_data, tmp_path):
    """Before: "34 nodes, 78 edges" (the file as read) for a view holding 35 nodes and 79 edges."""
    karate = shared_data / "karate.gml"
    session = _edited_session(tmp_path / "view.helios.json", read_graph(karate))
    output, errors, code = _view_process([str(karate), "--session", str(session), "--no-autosave"],
                                         dict(os.environ))
    assert code == 0, errors
    assert output.splitlines()[0] == f"helios: 35 nodes, 79 edges from {karate}"
