"""Node encodings: categories get a palette and legend, numbers a colormap, communities from Louvain."""

import numpy as np
import pytest
from conftest import SHARED_DATA

from helios_app import HeliosError
from helios_app.graph.encodings import CATEGORY_PALETTE, encode_nodes
from helios_app.io import read_graph


@pytest.fixture(scope="module")
def polbooks():
    return read_graph(SHARED_DATA / "polbooks.gml")


def test_categorical_attribute_gets_a_palette_and_a_legend(polbooks):
    encoding = encode_nodes(polbooks, color_by="value")
    assert sorted(name for name, _ in encoding.legend) == ["c", "l", "n"]
    values = polbooks.node_attributes["value"]
    colour_of = {name: rgb for name, rgb in encoding.legend}
    for node in range(polbooks.node_count):
        assert tuple(encoding.colors[node]) == colour_of[values[node]]
    assert encoding.colorbar is None


def test_numeric_attribute_gets_a_colour_bar_and_sizes(polbooks):
    encoding = encode_nodes(polbooks, color_by="degree", size_by="degree")
    assert encoding.colorbar[0] == "degree" and encoding.colorbar[1] < encoding.colorbar[2]
    degree = np.bincount(polbooks.layout_edges().ravel(), minlength=polbooks.node_count)
    assert np.corrcoef(degree, encoding.size_factors)[0, 1] > 0.9
    assert encoding.size_factors.mean() == pytest.approx(1.0, abs=1e-5)


def test_communities_follow_the_graph():
    karate = read_graph(SHARED_DATA / "karate.gml")
    encoding = encode_nodes(karate, color_by="community", seed=1)
    assert 2 <= len(encoding.legend) <= 6
    assert all(name.startswith("community ") for name, _ in encoding.legend)
    assert set(map(tuple, encoding.colors)) <= {tuple(c) for c in CATEGORY_PALETTE}


def test_unknown_attribute_lists_the_choices(polbooks):
    with pytest.raises(HeliosError, match=r"--color-by colour: no such node attribute .* choose from degree, community.*value"):
        encode_nodes(polbooks, color_by="colour")
    with pytest.raises(HeliosError, match="--size-by value: the attribute is not numeric"):
        encode_nodes(polbooks, size_by="value")
