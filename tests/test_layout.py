"""The shared layout: deterministic, finite, in pixels, and a readable picture."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from conftest import CORPUS
from papergraph.analysis import analyse
from papergraph.build import load_graph
from papergraph.graph import undirected_pairs
from papergraph.layout import PIXELS_PER_NODE, compute_layout, layout_positions


@pytest.fixture(scope="module")
def corpus_layout(corpus_graph):
    return compute_layout(corpus_graph)


def nearest_neighbour_distances(points: np.ndarray) -> np.ndarray:
    nearest = np.empty(len(points))
    for start in range(0, len(points), 512):
        block = points[start : start + 512]
        distances = np.sqrt(((block[:, None, :] - points[None, :, :]) ** 2).sum(axis=-1))
        distances[np.arange(len(block)), np.arange(start, start + len(block))] = np.inf
        nearest[start : start + len(block)] = distances.min(axis=1)
    return nearest


def test_layout_is_deterministic_across_builds(corpus_layout):
    again = compute_layout(load_graph([CORPUS / "digests"])[2])
    assert again == corpus_layout


def test_every_node_gets_finite_rounded_pixels(corpus_graph, corpus_layout):
    assert list(corpus_layout) == list(corpus_graph)
    points = np.array(list(corpus_layout.values()))
    assert np.isfinite(points).all()
    assert np.allclose(points * 10, np.round(points * 10))
    # Centred, and about PIXELS_PER_NODE pixels per node on a side: 60·√6554 ≈ 4857 px across.
    extent = 2 * np.abs(points).max()
    assert extent == pytest.approx(PIXELS_PER_NODE * math.sqrt(6554), abs=0.2)
    low, high = points.min(axis=0), points.max(axis=0)
    assert np.abs(low + high).max() <= 0.2 + 0.01 * extent


def test_no_two_nodes_share_a_place_and_hubs_keep_their_distance(corpus_graph, corpus_layout):
    points = np.array(list(corpus_layout.values()))
    assert len(set(corpus_layout.values())) == len(corpus_layout)
    nearest = nearest_neighbour_distances(points)
    assert np.median(nearest) > 15.0
    assert (nearest < 5.0).mean() < 0.02
    for hub in ("tag:llm", "tag:alignment", "tag:multimodal"):
        neighbours = set(corpus_graph.predecessors(hub)) | set(corpus_graph.successors(hub))
        assert len(neighbours) >= 50
        distances = [math.dist(corpus_layout[hub], corpus_layout[n]) for n in neighbours]
        assert min(distances) > 40.0, hub  # the hub pushes its notes out to a ring ...
        assert np.median(distances) > 300.0, hub  # ... instead of pulling them onto itself
        crowd = sum(1 for n in corpus_graph if n != hub and math.dist(corpus_layout[hub], corpus_layout[n]) < 20.0)
        assert crowd == 0, hub


def test_small_components_stay_at_the_rim_of_the_main_one(corpus_graph, corpus_layout):
    components = sorted(nx.connected_components(corpus_graph.to_undirected(as_view=True)), key=len, reverse=True)
    assert [len(c) for c in components[:3]] == [6497, 10, 10]
    main = np.array([corpus_layout[n] for n in components[0]])
    rest = np.array([corpus_layout[n] for c in components[1:] for n in c])
    everything = np.array(list(corpus_layout.values()))
    span = lambda points: (points.max(axis=0) - points.min(axis=0)).max()  # noqa: E731
    assert span(main) > 0.9 * span(everything)
    assert np.hypot(*rest.T).max() < 1.1 * np.hypot(*main.T).max()


def test_leaves_ring_their_parent_evenly():
    G = nx.MultiDiGraph()
    nx.add_path(G, ["a", "b", "c", "d"])
    G.add_edges_from(("hub", f"leaf{i}") for i in range(12))
    G.add_edge("hub", "a")
    positions = compute_layout(G)
    radii = [math.dist(positions["hub"], positions[f"leaf{i}"]) for i in range(12)]
    assert max(radii) - min(radii) < 0.5
    angles = sorted(
        math.atan2(positions[f"leaf{i}"][1] - positions["hub"][1], positions[f"leaf{i}"][0] - positions["hub"][0])
        for i in range(12)
    )
    gaps = np.diff([*angles, angles[0] + 2 * math.pi])
    assert gaps == pytest.approx([2 * math.pi / 12] * 12, abs=0.01)
    # The far end of the path is the node farthest from the hub's side of it.
    assert math.dist(positions["d"], positions["hub"]) > math.dist(positions["b"], positions["hub"])


@pytest.mark.parametrize(
    "edges, nodes",
    [
        ([], []),
        ([], ["only"]),
        ([], [1, 2, 3]),
        ([(1, 1)], [1]),
        ([(1, 2), (2, 1), (1, 2)], []),
    ],
    ids=["empty", "one node", "isolated nodes", "self loop", "parallel edges of two nodes"],
)
def test_tiny_graphs(edges, nodes):
    G = nx.MultiDiGraph()
    G.add_nodes_from(nodes)
    G.add_edges_from(edges)
    positions = compute_layout(G)
    assert list(positions) == list(G)
    assert all(math.isfinite(c) for point in positions.values() for c in point)
    if len(G) > 1:
        assert len(set(positions.values())) == len(G)
        assert 2 * max(abs(c) for point in positions.values() for c in point) == pytest.approx(
            PIXELS_PER_NODE * math.sqrt(len(G)), abs=0.2
        )
    assert positions == compute_layout(G)


def _intra_ratio(points: list[tuple[float, float]], groups: list[int]) -> float:
    xy = np.array(points)
    distance = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=-1)
    same = np.equal.outer(groups, groups) & ~np.eye(len(groups), dtype=bool)
    return float(distance[same].mean() / distance[~np.eye(len(groups), dtype=bool)].mean())


def test_groups_are_pulled_into_regions():

    # Two clusters of 30 nodes, nearly as many edges across them as inside: edges alone barely separate them.
    rng = np.random.default_rng(1)
    n = 60
    groups = [i // 30 for i in range(n)]
    pairs = [
        (i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < (0.12 if groups[i] == groups[j] else 0.08)
    ]
    plain = layout_positions(n, pairs, [1.0] * len(pairs))
    grouped = layout_positions(n, pairs, [1.0] * len(pairs), groups)
    assert _intra_ratio(plain, groups) > 0.95  # measured 0.996
    assert _intra_ratio(grouped, groups) < 0.9  # measured 0.828
    assert grouped == layout_positions(n, pairs, [1.0] * len(pairs), groups)  # deterministic


def test_the_analysed_graph_gives_the_layout_its_own_edges_and_groups(seeds_graph):

    graph = seeds_graph.copy()
    _, plain_counts, plain_groups = undirected_pairs(graph)
    assert plain_groups == [] and set(plain_counts) == {1, 2}  # edges per pair: a note may cite its paper
    analyse(graph)
    pairs, weights, groups = undirected_pairs(graph)
    index = {node: i for i, node in enumerate(graph)}
    # every note hangs on its paper only; people are not tied to the tags of their papers
    note = next(n for n, kind in graph.nodes(data="kind") if kind == "note")
    assert [p for p in pairs if index[note] in p] == [
        tuple(sorted((index[note], index[next(iter(graph.successors(note)))])))
    ]
    assert len(groups) == len(graph)
    assert {groups[index[n]] for n, kind in graph.nodes(data="kind") if kind in ("person", "note", "digest")} == {-1}
    assert all(w > 0 for w in weights)
