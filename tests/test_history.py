"""The shared history: every editing action undone and redone from Python (on a real view), the history's
own rules (linear, a drag is one entry, bounded), and live edits by id undone exactly."""

import time

import networkx
import numpy as np
import pytest

import helios_app
from helios_app.errors import HeliosError
from helios_app.graph.edits import GraphEdit, apply_edit, inverse_edit
from helios_app.history import MAX_ENTRIES, History
from helios_app.io import read_graph


def _wait(predicate, timeout_s=20.0, what="condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _edge_multiset(graph):
    ids = graph.node_ids
    weights = graph.weights if graph.weights is not None else np.ones(graph.edge_count)
    return sorted((*sorted((ids[u], ids[v])), float(weight)) for (u, v), weight in zip(graph.edges.tolist(), weights))


# ---- the history's own rules --------------------------------------------------------------------------

def test_undo_redo_jump_and_a_new_action_drops_the_redo_tail():
    shown = []
    history = History(lambda kind, state: shown.append(state))
    for value in range(1, 4):
        history.record("filter", "ann", f"set {value}", {"v": value - 1}, {"v": value})
    assert history.undo().summary == "set 3" and shown[-1] == {"v": 2}
    assert history.undo().summary == "set 2" and shown[-1] == {"v": 1}
    assert history.redo().summary == "set 2" and shown[-1] == {"v": 2}
    history.jump(0)
    assert history.position == 0 and shown[-1] == {"v": 0} and history.undo() is None
    history.jump(3)
    assert history.position == 3 and shown[-1] == {"v": 3} and history.redo() is None
    history.jump(1)
    history.record("filter", "bob", "other", {"v": 1}, {"v": 9})
    assert [entry.summary for entry in history.entries] == ["set 1", "other"] and history.redo() is None
    with pytest.raises(HeliosError, match=r"history\.entry: no entry 2"):
        history.jump(2)


def test_a_drag_is_one_entry_and_the_history_is_bounded():
    history = History(lambda kind, state: None)
    for step in range(20):  # one drag: a pin per pointer move, the same node, the same person
        history.record("pin", "ann", "moved 3", {"3": {"pinned": False, "position": [0, 0]}} if step == 0 else None,
                       {"3": {"pinned": True, "position": [step, 0]}}, mergeable=True)
    history.record("pin", "bob", "moved 3", {"3": {}}, {"3": {"pinned": True, "position": [9, 9]}}, mergeable=True)
    entries = history.entries
    assert len(entries) == 2 and entries[0].before == {"3": {"pinned": False, "position": [0, 0]}}
    assert entries[0].after["3"]["position"] == [19, 0] and entries[1].who == "bob"
    for number in range(MAX_ENTRIES + 10):
        history.record("filter", "ann", str(number), {}, {"n": number})
    assert len(history.entries) == MAX_ENTRIES and history.entries[-1].summary == str(MAX_ENTRIES + 9)


def test_a_history_survives_its_json_and_refuses_a_damaged_one():
    history = History(lambda kind, state: None)
    history.record("style", "ann", "colours", {"colors": {"1": None}}, {"colors": {"1": [1, 2, 3]}})
    history.record("parameters", "bob", "gravity", {"gravity": 1.0}, {"gravity": 2.0})
    history.undo()
    copy = History(lambda kind, state: None)
    copy.restore(history.as_dict())
    assert copy.as_dict() == history.as_dict() and copy.position == 1
    with pytest.raises(HeliosError, match=r"history\.entries\[0\]\.kind must be one of"):
        copy.restore({"entries": [{"kind": "delete-everything"}]})
    with pytest.raises(HeliosError, match=r"history\.position must be a whole number from 0 to 2"):
        copy.restore({**history.as_dict(), "position": 7})


# ---- live edits by id ---------------------------------------------------------------------------------

def test_an_edit_and_its_inverse_give_back_the_same_nodes_edges_weights_and_attributes(shared_data):
    graph = read_graph(shared_data / "lesmis.gml")  # weighted, labelled
    ids = graph.node_ids
    edit = GraphEdit(add_nodes=("newcomer",), remove_edges=((ids[0], ids[1]),),
                     add_edges=(("newcomer", ids[5]), (ids[3], ids[4]), (ids[0], ids[1])),
                     remove_nodes=(ids[10], ids[11]))
    positions = np.random.default_rng(0).random((graph.node_count, 2))
    edited, change = apply_edit(graph, edit)
    assert edited.node_count == graph.node_count - 1 and "newcomer" in edited.node_ids
    assert ids[10] not in edited.node_ids and change.removed_nodes.tolist() == [10, 11]
    back, change_back = apply_edit(edited, inverse_edit(graph, edit, positions))
    assert sorted(back.node_ids) == sorted(graph.node_ids)
    assert _edge_multiset(back) == _edge_multiset(graph)
    where = back.node_ids.index(ids[10])
    assert back.labels[where] == graph.labels[10]
    assert change_back.appended_positions.tolist() == positions[[10, 11]].tolist()
    with pytest.raises(HeliosError, match="no node 'nobody' in this view"):
        apply_edit(graph, GraphEdit(remove_nodes=("nobody",)))
    with pytest.raises(HeliosError, match=r"edit\.add_edges must list \[source, target\] pairs"):
        GraphEdit.from_dict({"add_edges": [["a"]]})


# ---- every action kind, undone and redone on a real view from Python -------------------------------

def test_every_action_kind_undone_and_redone_from_python():
    graph = networkx.karate_club_graph()
    for node in graph:
        graph.nodes[node]["club"] = graph.nodes[node]["club"]
    with helios_app.show(graph, color_by="club", autosave=False) as view:
        session = view.session
        _wait(lambda: session.render_loop.camera_state, 30, "a first frame")

        view.pin([0], [[0.25, -0.5]])
        _wait(lambda: view.pinned == [0], 10, "the pin")
        view.undo()
        _wait(lambda: view.pinned == [], 10, "the pin undone")
        view.redo()
        _wait(lambda: view.pinned == [0] and np.allclose(view.positions[0], [0.25, -0.5]), 10, "the pin redone")
        view.unpin()
        _wait(lambda: view.pinned == [], 10, "unpin all")
        view.undo()
        _wait(lambda: view.pinned == [0], 10, "unpin-all undone")

        view.filter(degree=(5, 100), mode="hide")
        assert view.filter_criteria["degree"] == [5, 100]
        view.undo()
        assert "degree" not in view.filter_criteria
        view.redo()
        assert view.filter_criteria["degree"] == [5, 100]

        view.highlight([1])
        assert session.highlighted == {1}
        view.undo()
        assert session.highlighted == frozenset()
        session.legend_action(0, "isolate")
        assert session.filter.hidden == (1,)
        view.undo()
        assert session.filter.hidden == ()

        before = view.layout.parameters["gravity"]  # None: the layout's own choice for this graph
        view.set_layout_parameters(gravity=2.5)
        _wait(lambda: view.layout.parameters["gravity"] == 2.5, 10, "the new gravity")
        view.undo()
        _wait(lambda: view.layout.parameters["gravity"] == before, 10, "gravity undone")
        view.redo()  # (a new action would drop the undone entry, as in every editor)
        _wait(lambda: view.layout.parameters["gravity"] == 2.5, 10, "gravity redone")

        view.set_colors({3: "#ff0000"})
        assert session._style.colors == {"3": (255, 0, 0)}
        view.undo()
        assert session._style.colors == {}
        view.redo()
        assert session._style.colors == {"3": (255, 0, 0)}

        view.add_edges([(0, "visitor"), ("visitor", 33)])
        view.remove_nodes([5])
        _wait(lambda: len(view.positions) == 34, 10, "the edited layout")
        assert "visitor" in view.node_ids and 5 not in view.node_ids
        view.undo()  # node 5 comes back, with its edges
        _wait(lambda: len(view.positions) == 35, 10, "node 5 back in the layout")
        assert 5 in view.node_ids and session.graph.edge_count == 78 + 2
        view.undo()  # the visitor goes
        _wait(lambda: len(view.positions) == 34, 10, "the visitor gone from the layout")
        assert "visitor" not in view.node_ids and session.graph.edge_count == 78
        assert sorted(map(str, view.node_ids)) == sorted(str(node) for node in graph)

        kinds = [entry["kind"] for entry in view.history]
        assert {"pin", "filter", "parameters", "style", "edit"} <= set(kinds)
        assert all(entry["who"] == "Python" for entry in view.history)
        assert [entry["done"] for entry in view.history][-2:] == [False, False]


def test_a_flood_of_undo_messages_is_bounded(shared_data):
    """A page may send 120 messages a second; undo steps wait for one worker, so their queue is bounded and
    the rest are refused with a message, never piled up."""
    import threading

    from helios_app.config import ViewConfig
    from helios_app.session import MAX_HISTORY_STEPS_WAITING, ViewSession

    graph = read_graph(shared_data / "karate.gml")
    with ViewSession(graph, ViewConfig(port=0, autosave=False)).start() as session:
        session.set_filter({"degree": [2, 10]})
        release = threading.Event()
        session._emphasis_thread.submit(release.wait, 10)  # the worker is busy
        answers = [session.control({"type": "history", "action": "undo", "entry": 0, "viewer_name": "Eve"})
                   for _ in range(MAX_HISTORY_STEPS_WAITING + 10)]
        release.set()
        assert answers[:MAX_HISTORY_STEPS_WAITING] == [None] * MAX_HISTORY_STEPS_WAITING
        assert all(answer and "too many undo and redo steps" in answer for answer in answers[MAX_HISTORY_STEPS_WAITING:])
        _wait(lambda: session._history_steps_waiting == 0, 10, "the steps to run")
        assert session.history.position == 0 and session.filter.degree is None


def test_a_jump_whose_entry_another_action_drops_stops_and_tells_the_pages_once():
    """The history is shared: an editor's long jump must not spin when another editor's action drops the
    entry it was going to, and the pages hear of the jump once, not once per step."""
    import threading

    applied, changes = [], []
    gate = threading.Event()

    def apply(kind, state):
        applied.append(state)
        if len(applied) == 3:
            gate.set()  # let the other editor act in the middle of the jump
            time.sleep(0.2)

    history = History(apply, on_change=lambda merged=False: changes.append(merged))
    for value in range(300):
        history.record("filter", "ann", str(value), {"v": value}, {"v": value + 1})
    history.jump(0)
    changes.clear()
    applied.clear()
    last = history.entries[-1].number
    other = threading.Thread(target=lambda: (gate.wait(5), history.record("filter", "bob", "new", {}, {"v": -1})))
    other.start()
    with pytest.raises(HeliosError, match=rf"history\.entry: no entry {last}"):
        history.jump(last)
    other.join(5)
    assert len(applied) < 10 and history.entries[-1].who == "bob"
    assert history.position == len(history.entries), "the new action is the newest done"
    history.jump(0)
    assert changes.count(False) <= 3, "one listing per jump (and one per recorded action), not one per step"


def test_a_fresh_view_does_not_replace_an_autosave_until_its_first_action(shared_data, tmp_path, monkeypatch):
    from helios_app.autosave import autosave_path
    from helios_app.config import ViewConfig
    from helios_app.graph import graph_fingerprint
    from helios_app.session import ViewSession

    monkeypatch.setenv("HELIOS_STATE_DIR", str(tmp_path / "state"))
    graph = read_graph(shared_data / "karate.gml")
    path = autosave_path(graph_fingerprint(graph))
    path.parent.mkdir(parents=True)
    path.write_text("the earlier view's work")
    with ViewSession(graph, ViewConfig(port=0)).start() as session:
        assert session.earlier_autosave == path
        time.sleep(3.0)  # more than an autosave interval, the layout settling meanwhile
        assert path.read_text() == "the earlier view's work"
        session.set_filter({"degree": [2, 10]})
        _wait(lambda: path.read_text() != "the earlier view's work", 10, "the first save after an action")


def test_unpin_right_after_pin_and_bad_undo_states_are_refused_whole(shared_data):
    from helios_app.config import ViewConfig
    from helios_app.session import ViewSession

    graph = read_graph(shared_data / "karate.gml")
    with ViewSession(graph, ViewConfig(port=0, autosave=False)).start() as session:
        for _ in range(10):
            session.pin([3], [[0.1, 0.2]])
            session.unpin([3])
            _wait(lambda: 3 not in session.worker.pinned.tolist(), 5, "the unpin")
        with pytest.raises(HeliosError, match=r"pin positions must be finite numbers of magnitude at most"):
            session.pin([3], [[1e40, 0.0]])
        session.set_filter({"degree": [3, 100]})
        before = session.filter
        bad = [("filter", {"filter": {"degree": [10, 100], "mode": "hide"}, "highlighted": [99999]}),
               ("style", {"colors": {"3": [10**30, 0, 0]}}), ("style", {"sizes": {"3": -1}}),
               ("filter", {"filter": {"degree": "x"}}), ("pin", {"3": {"pinned": True, "position": [10**400, 0]}})]
        for kind, state in bad:
            with pytest.raises(HeliosError, match=r"history"):
                session._apply_state(kind, state)
        assert session.filter == before and session._style.colors == {} and session._style.sizes == {}
