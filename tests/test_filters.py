"""Filters and legend highlights on real graphs: the node sets checked against networkx, the picture changed."""

import time

import networkx as nx
import numpy as np
import pytest
from conftest import SHARED_DATA

from helios_app.errors import HeliosError
from helios_app.graph.encodings import encode_nodes
from helios_app.graph.filters import GraphFacts, ViewFilter, k_core, neighbourhood, shown_nodes
from helios_app.io import read_graph
from helios_app.render.labels import LABEL_SPACING_PX, label_order, place_labels


def facts_of(graph, color_by="degree"):
    encoding = encode_nodes(graph, color_by)
    return GraphFacts(graph.layout_edges(), graph.node_count, dict(graph.node_attributes), encoding.categories), encoding


def networkx_of(graph):
    """The same graph in networkx, nodes by index (built from the file again, not from helios's edges)."""
    nx_graph = nx.read_gml(graph.source, label="id")
    index = {str(node): position for position, node in enumerate(graph.node_ids)}
    relabelled = nx.Graph()
    relabelled.add_nodes_from(range(graph.node_count))
    relabelled.add_edges_from((index[str(u)], index[str(v)]) for u, v in nx_graph.edges() if u != v)
    return relabelled, nx_graph


@pytest.fixture(scope="module")
def power():
    return read_graph(SHARED_DATA / "power.gml")


@pytest.fixture(scope="module")
def football():
    return read_graph(SHARED_DATA / "football.gml")


def selected(mask):
    return set(np.flatnonzero(mask).tolist())


def test_degree_range_matches_networkx(power):
    facts, _ = facts_of(power)
    nx_graph, _ = networkx_of(power)
    shown = shown_nodes(facts, ViewFilter(degree=(3, 6)))
    assert selected(shown) == {node for node, degree in nx_graph.degree() if 3 <= degree <= 6}
    assert 0 < shown.sum() < power.node_count


def test_attribute_values_and_range_match_networkx(football):
    facts, _ = facts_of(football)
    _, original = networkx_of(football)
    conference = {index: original.nodes[int(node_id)]["value"] for index, node_id in enumerate(football.node_ids)}
    shown = shown_nodes(facts, ViewFilter(attribute="value", values=("3", "7")))
    assert selected(shown) == {node for node, value in conference.items() if value in (3, 7)}
    shown = shown_nodes(facts, ViewFilter(attribute="value", value_range=(2, 4)))
    assert selected(shown) == {node for node, value in conference.items() if 2 <= value <= 4}


def test_hidden_legend_entries_leave_their_community_out(football):
    facts, encoding = facts_of(football, "community")
    shown = shown_nodes(facts, ViewFilter(hidden=(0, 2)))
    assert selected(shown) == set(np.flatnonzero(~np.isin(encoding.categories, [0, 2])).tolist())
    assert encoding.category_entries[0][0] == "community 1"


@pytest.mark.parametrize("name, k", [("netscience.gml", 5), ("polblogs.gml", 12), ("power.gml", 3)])
def test_k_core_matches_networkx(name, k):
    graph = read_graph(SHARED_DATA / name)
    nx_graph, _ = networkx_of(graph)
    nx_graph.remove_edges_from(nx.selfloop_edges(nx_graph))
    expected = set(nx.k_core(nx_graph, k).nodes())
    assert expected, "the test needs a non-empty core"
    assert selected(k_core(graph.layout_edges(), graph.node_count, k)) == expected


@pytest.mark.parametrize("hops", [1, 2, 3])
def test_neighbourhood_matches_networkx(power, hops):
    nx_graph, _ = networkx_of(power)
    hub = max(nx_graph.degree(), key=lambda pair: pair[1])[0]
    expected = set(nx.single_source_shortest_path_length(nx_graph, hub, cutoff=hops))
    assert selected(neighbourhood(power.layout_edges(), power.node_count, hub, hops)) == expected
    facts, _ = facts_of(power)
    assert selected(shown_nodes(facts, ViewFilter(hops=hops), selection=hub)) == expected
    assert not shown_nodes(facts, ViewFilter(hops=hops), selection=None).any()  # nothing selected: nothing near


def test_criteria_combine_and_round_trip_as_json(power):
    facts, _ = facts_of(power)
    criteria = ViewFilter(degree=(2, 100), k_core=2, mode="hide")
    both = shown_nodes(facts, criteria)
    assert selected(both) == selected(shown_nodes(facts, ViewFilter(degree=(2, 100)))) & selected(
        k_core(power.layout_edges(), power.node_count, 2))
    assert ViewFilter.from_dict(criteria.as_dict()) == criteria
    assert criteria.as_dict() == {"degree": [2.0, 100.0], "k_core": 2, "mode": "hide"}


@pytest.mark.parametrize("data, field", [
    ({"degree": [5, 1]}, "filter.degree"),
    ({"degree": "many"}, "filter.degree"),
    ({"k_core": -1}, "filter.k_core"),
    ({"hops": 9}, "filter.hops"),
    ({"mode": "explode"}, "filter.mode"),
    ({"colour": 1}, "unknown criteria colour"),
    ({"values": ["a"]}, "need an attribute"),
    ({"hidden": [1, "x"]}, "filter.hidden"),
])
def test_bad_criteria_name_the_field(data, field):
    with pytest.raises(HeliosError, match=field):
        ViewFilter.from_dict(data)


def test_placed_labels_never_overlap_nor_touch_side_by_side(power):
    rng = np.random.default_rng(1)
    pixels = rng.uniform(0, [800, 500], size=(power.node_count, 2))
    texts = [str(node_id) for node_id in power.node_ids]
    placed = place_labels(pixels, np.full(power.node_count, 2.0), texts,
                          label_order(np.bincount(power.layout_edges().ravel(), minlength=power.node_count)), 800, 500)
    assert len(placed) > 100
    for index, first in enumerate(placed):
        assert 0 <= first.x and first.x + first.width <= 800 and 0 <= first.y and first.y + first.height <= 500
        for second in placed[index + 1:]:  # beside each other, at least LABEL_SPACING_PX apart
            assert not (first.x < second.x + second.width + LABEL_SPACING_PX
                        and second.x < first.x + first.width + LABEL_SPACING_PX
                        and first.y < second.y + second.height and second.y < first.y + first.height)


def wait_for_message(session, kind, predicate, timeout_s=20.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        message = session.messages._latest.get(kind)
        if message is not None and predicate(message):
            return message
        time.sleep(0.05)
    raise AssertionError(f"no {kind} message as expected; the latest: {session.messages._latest.get(kind)}")


def wait_for_new_picture(session, before, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = session.screenshot()
        if now.shape != before.shape or np.abs(now.astype(int) - before).sum() > 1000:
            return now
        time.sleep(0.1)
    raise AssertionError("the picture did not change")


def test_session_filter_and_highlight_change_the_picture_and_the_state(football, tmp_path):
    from helios_app.config import ViewConfig
    from helios_app.session import ViewSession

    config = ViewConfig(port=0, color_by="value", width=480, height=320, seed=2)
    with ViewSession(football, config).start() as session:
        legend = wait_for_message(session, "legend", lambda message: len(message["entries"]) > 3)
        values = [str(value) for value in football.node_attributes["value"]]
        by_name = {entry["name"]: entry for entry in legend["entries"]}
        assert {name: entry["count"] for name, entry in by_name.items()} == {
            name: values.count(name) for name in set(values)}
        deadline = time.monotonic() + 60
        while session.status()["layout"]["state"] != "settled" and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)
        before = session.screenshot()
        session.set_highlighted([by_name["5"]["category"]])
        wait_for_message(session, "legend", lambda message: message["highlighted"] == [by_name["5"]["category"]])
        highlighted = wait_for_new_picture(session, before)

        session.set_filter({"attribute": "value", "values": ["5", "6"], "mode": "hide"})
        message = wait_for_message(session, "filter", lambda message: message["filter"].get("values") == ["5", "6"])
        assert message["shown"] == values.count("5") + values.count("6")
        hidden = wait_for_new_picture(session, highlighted)
        # Hiding leaves far more background than highlighting did.
        background = lambda picture: int((picture.sum(axis=2) < 60).sum())
        assert background(hidden) > background(highlighted)

        with pytest.raises(HeliosError, match="no node attribute 'colour'"):
            session.set_filter({"attribute": "colour", "values": ["x"]})
        saved = session.save_session(tmp_path / "view.helios.json")
    # The filter and the highlight are part of the saved session.
    restored_config = ViewConfig(port=0, color_by="value", width=480, height=320, session_file=str(saved))
    with ViewSession(football, restored_config).start() as session:
        message = wait_for_message(session, "filter", lambda message: True)
        assert message["filter"] == {"attribute": "value", "values": ["5", "6"], "mode": "hide"}
        assert message["shown"] == values.count("5") + values.count("6")
        assert wait_for_message(session, "legend", lambda message: True)["highlighted"] == [by_name["5"]["category"]]


def test_the_legend_of_whole_numbers_lists_only_bins_that_hold_nodes():
    """Degrees 1 and 2 in six colour bins: the bins between whole numbers hold none and are not listed."""
    from helios_app.config import ViewConfig
    from helios_app.graph import graph_from_networkx
    from helios_app.session import ViewSession

    graph = graph_from_networkx(nx.path_graph(10))
    with ViewSession(graph, ViewConfig(port=0, width=320, height=240)).start() as session:
        legend = wait_for_message(session, "legend", lambda message: bool(message["entries"]))
        names = [entry["name"] for entry in legend["entries"]]
        assert len(names) == len(set(names)) == 2, names
        assert sorted(entry["count"] for entry in legend["entries"]) == [2, 8]
