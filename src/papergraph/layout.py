"""Node positions shared by the Gephi exports and the HTML page.

:func:`compute_layout` runs ForceAtlas2 (Jacomy et al., PLOS ONE 2014) with
numpy, once per build, so GraphML, GEXF and the HTML page show one picture:

* **Degree-weighted repulsion** ``kr·(deg_i+1)(deg_j+1)/d``: a hub such as
  the tag ``llm`` pushes its neighbours out to a ring instead of pulling
  every note it touches into one blob, and hubs keep apart from each other.
* **Linear attraction** along edges and FA2's **strong gravity**
  ``kg·(deg+1)·distance`` towards the centre, so small components and
  isolated nodes stay at the rim of the main component instead of flying away
  (with FA2's default constant-strength gravity they settle ~``kr·Σmass/kg``
  away, which shrinks the main component to a dot once scaled to pixels).
* **Adaptive speed** (FA2's global swing/traction rule and per-node speed),
  so the layout settles in a fixed, small number of iterations.

Two approximations keep it roughly linear in the size of the graph:

* **Leaves are placed, not simulated.** A node with one neighbour (most
  authors, most links and cited papers) is put where ForceAtlas2 would put it:
  on a ring around its neighbour at the radius where attraction and repulsion
  balance, fanned out away from the rest of the graph. This removes more than
  half of the nodes of a typical corpus from the simulation.
* **Repulsion on a grid** (particle–mesh with an exact near field): nodes
  are binned into a grid of about two nodes per cell; pairs in the same or
  adjacent cells repel exactly, and every farther pair through the mass of
  its cells, computed for all cells at once by an FFT convolution. One
  iteration costs O(nodes + edges + cells·log cells) instead of O(nodes²).

The result is deterministic (a fixed seed, stable orders, rounded output)
and scaled to pixels: about ``PIXELS_PER_NODE`` pixels per node on a side, so
the whole picture spans ``PIXELS_PER_NODE·√N`` pixels.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import networkx as nx
import numpy as np

from .graph import undirected_pairs

__all__ = ["PIXELS_PER_NODE", "SEED", "compute_layout", "force_atlas2", "layout_positions"]

SEED = 7
PIXELS_PER_NODE = 60.0
SCALING_RATIO = 2.0
"""ForceAtlas2's ``kr`` (Gephi's default for graphs of more than 100 nodes)."""
GRAVITY = 0.1
"""``kg`` of the strong gravity: 1 packs the graph into a uniform disc, 0.02 lets components drift off."""
GROUP_GRAVITY = 0.3
"""``kc`` of :func:`_group_gravity`: how strongly a community holds its members together."""
NODES_PER_CELL = 0.5
MAX_GRID = 512
SPEED_TOLERANCE = 1.0
MAX_SPEED_RISE = 0.5


def compute_layout(G: nx.Graph) -> dict[Hashable, tuple[float, float]]:
    """Deterministic x/y per node, in pixels, centred on (0, 0).

    Edge direction and parallel edges are ignored for the shape (an edge
    repeated *k* times attracts *k* times as strongly). Coordinates are
    rounded to 0.1 px so that two builds give identical numbers.

    >>> positions = compute_layout(nx.path_graph(3))
    >>> sorted(positions) == [0, 1, 2] and positions == compute_layout(nx.path_graph(3))
    True
    >>> compute_layout(nx.Graph())
    {}
    """
    nodes = list(G)
    return dict(zip(nodes, layout_positions(len(nodes), *undirected_pairs(G))))


def layout_positions(
    n: int, pairs: Sequence[tuple[int, int]], counts: Sequence[float], groups: Sequence[int] = ()
) -> list[tuple[float, float]]:
    """The positions of nodes ``0..n-1`` joined by ``pairs`` (attracting with
    weight ``counts``), the nodes of each group in ``groups`` (a number per
    node, -1 for none; empty for no groups) pulled together, as
    :func:`papergraph.graph.undirected_pairs` gives them.

    Only numbers in and out, so a build can compute it in another process.
    """
    if n == 0:
        return []
    if n == 1:
        return [(0.0, 0.0)]
    if pairs:
        array = np.array(pairs, dtype=np.int64)
        sources, targets, weights = array[:, 0], array[:, 1], np.array(counts, dtype=float)
    else:
        sources = targets = np.zeros(0, dtype=np.int64)
        weights = np.zeros(0)
    degree = np.bincount(np.concatenate([sources, targets]), minlength=n)
    mass = degree + 1.0

    parent = _leaf_parents(n, sources, targets, degree)
    core = np.flatnonzero(parent < 0)
    position = np.zeros((n, 2))
    if len(core) == 1:
        position[core] = 0.0
    else:
        renumber = np.full(n, -1)
        renumber[core] = np.arange(len(core))
        keep = (parent[sources] < 0) & (parent[targets] < 0)
        group = np.array(groups, dtype=np.int64)[core] if len(groups) == n else None
        position[core] = force_atlas2(
            renumber[sources[keep]], renumber[targets[keep]], weights[keep], mass[core], seed=SEED, groups=group
        )
    _place_leaves(position, parent, mass, sources, targets)

    position -= (position.min(axis=0) + position.max(axis=0)) / 2
    extent = float(np.abs(position).max()) * 2
    scale = PIXELS_PER_NODE * math.sqrt(n) / extent if extent > 0 else 1.0
    position = np.round(position * scale, 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    return _separate(position.tolist())


def _separate(points: list[list[float]]) -> list[tuple[float, float]]:
    """The points as tuples, each one that rounding put on an earlier one moved right by 0.1 px steps.

    Two unrelated nodes land within 0.05 px of each other now and then; in
    Gephi one would hide the other.
    """
    taken: set[tuple[float, float]] = set()
    result = []
    for x, y in points:
        point = (x, y)
        while point in taken:
            x = round(x + 0.1, 1)
            point = (x, y)
        taken.add(point)
        result.append(point)
    return result


def _leaf_parents(n: int, sources: np.ndarray, targets: np.ndarray, degree: np.ndarray) -> np.ndarray:
    """For each node with exactly one neighbour, that neighbour; -1 for every other node.

    A node whose only neighbour is itself a leaf (a two-node component) stays
    in the simulation, so that every placed leaf has a simulated parent.
    """
    neighbour = np.full(n, -1)
    leaf_source = degree[sources] == 1
    neighbour[sources[leaf_source]] = targets[leaf_source]
    leaf_target = degree[targets] == 1
    neighbour[targets[leaf_target]] = sources[leaf_target]
    is_leaf = neighbour >= 0
    parent_is_leaf = np.zeros(n, dtype=bool)
    parent_is_leaf[is_leaf] = is_leaf[neighbour[is_leaf]]
    neighbour[parent_is_leaf] = -1
    return neighbour


def force_atlas2(
    sources: np.ndarray,
    targets: np.ndarray,
    weights: np.ndarray,
    mass: np.ndarray,
    *,
    seed: int = SEED,
    iterations: int | None = None,
    groups: np.ndarray | None = None,
) -> np.ndarray:
    """ForceAtlas2 positions (an ``(n, 2)`` array, layout units) of an undirected graph.

    Args:
        sources, targets: the edges, as node numbers ``0..n-1``.
        weights: how strongly each edge attracts.
        mass: each node's repulsion weight, ForceAtlas2's ``degree + 1``
            (degree in the whole graph, leaves included).
        seed: seeds the random start positions.
        iterations: how many steps to run (default: fewer for bigger graphs).
        groups: a group number per node (-1: none); each node is pulled
            towards the centre of its group (see :func:`_group_gravity`).
    """
    n = len(mass)
    rng = np.random.default_rng(seed)
    radius = math.sqrt(SCALING_RATIO * mass.sum())
    angle = rng.uniform(0, 2 * math.pi, n)
    distance = radius * np.sqrt(rng.uniform(0, 1, n))
    position = np.column_stack([distance * np.cos(angle), distance * np.sin(angle)])
    if iterations is None:
        iterations = _default_iterations(n)

    kernels: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    previous = np.zeros_like(position)
    speed, speed_efficiency = 1.0, 1.0
    for _ in range(iterations):
        force = _repulsion(position, mass, kernels)
        force += _attraction(position, sources, targets, weights)
        force += _gravity(position, mass)
        if groups is not None:
            force += _group_gravity(position, mass, groups)

        swinging = mass * np.linalg.norm(force - previous, axis=1)
        traction = mass * np.linalg.norm(force + previous, axis=1) / 2
        speed, speed_efficiency = _global_speed(swinging.sum(), traction.sum(), speed, speed_efficiency, n)
        node_speed = speed / (1 + np.sqrt(speed * swinging))
        # FA2 also caps each node's step at 10 units so that no node jumps far.
        strength = np.linalg.norm(force, axis=1)
        node_speed = np.minimum(node_speed, 10.0 / np.maximum(strength, 1e-12))
        position += force * node_speed[:, None]
        previous = force
    return position


def _default_iterations(n: int) -> int:
    """Enough steps to settle a corpus; fewer for very large graphs, to stay about linear."""
    if n <= 10_000:
        return 150
    return max(60, int(150 * math.sqrt(10_000 / n)))


def _global_speed(swinging: float, traction: float, speed: float, efficiency: float, n: int) -> tuple[float, float]:
    """FA2's adaptive global speed (Gephi's ForceAtlas2.java, ``adjustSpeedAndApplyForces``)."""
    estimated_optimal_jitter = 0.05 * math.sqrt(n)
    min_jitter = math.sqrt(estimated_optimal_jitter)
    max_jitter = 10.0
    jitter = SPEED_TOLERANCE * max(min_jitter, min(max_jitter, estimated_optimal_jitter * traction / (n * n)))
    min_speed_efficiency = 0.05
    if traction > 0 and swinging / traction > 2.0:
        if efficiency > min_speed_efficiency:
            efficiency *= 0.5
        jitter = max(jitter, SPEED_TOLERANCE)
    target = jitter * efficiency * traction / swinging if swinging > 0 else speed
    if swinging > jitter * traction:
        if efficiency > min_speed_efficiency:
            efficiency *= 0.7
    elif speed < 1000:
        efficiency *= 1.3
    return speed + min(target - speed, MAX_SPEED_RISE * speed), efficiency


def _attraction(position: np.ndarray, sources: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Linear spring forces along the edges."""
    n = len(position)
    delta = (position[sources] - position[targets]) * weights[:, None]
    force = np.zeros_like(position)
    for axis in (0, 1):
        force[:, axis] = np.bincount(targets, delta[:, axis], n) - np.bincount(sources, delta[:, axis], n)
    return force


def _gravity(position: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """ForceAtlas2's *strong* gravity: a pull ``kg·mass·distance`` towards the origin."""
    return position * (-GRAVITY * mass)[:, None]


def _group_gravity(position: np.ndarray, mass: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """A pull ``kc·mass·distance`` towards the mass centre of the node's group (none without one).

    The same law as the strong gravity, towards a community's centre
    instead of the picture's: the communities of the analysis become regions
    instead of overlapping in one disc, while their members' edges still
    decide where in the region each sits.
    """
    member = groups >= 0
    force = np.zeros_like(position)
    if not member.any():
        return force
    group = groups[member]
    count = int(group.max()) + 1
    total = np.bincount(group, mass[member], count)
    centre = (
        np.column_stack([np.bincount(group, mass[member] * position[member, axis], count) for axis in (0, 1)])
        / np.maximum(total, 1e-12)[:, None]
    )
    force[member] = (centre[group] - position[member]) * (GROUP_GRAVITY * mass[member])[:, None]
    return force


def _repulsion(position: np.ndarray, mass: np.ndarray, kernels: dict[int, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """ForceAtlas2 repulsion ``kr·m_i·m_j/d`` between all pairs, approximated on a grid.

    Pairs within a 3×3 block of cells are exact; farther pairs see each other
    through their cells' total mass placed at the cell centres (a kernel
    that is zero on the 3×3 block, convolved with the mass grid by FFT).
    """
    n = len(position)
    low = position.min(axis=0)
    extent = float((position.max(axis=0) - low).max()) * (1 + 1e-9) + 1e-9
    size = int(min(MAX_GRID, max(1, math.sqrt(n / NODES_PER_CELL))))
    cell_width = extent / size
    cells = np.minimum(((position - low) / cell_width).astype(np.int64), size - 1)
    cell = cells[:, 0] * size + cells[:, 1]

    force = _near_repulsion(position, mass, cells, cell, size)
    if size > 2:
        grid_mass = np.bincount(cell, mass, size * size).reshape(size, size)
        kernel_x, kernel_y = kernels.get(size) or kernels.setdefault(size, _far_kernel(size))
        shape = (_fft_size(size),) * 2
        spectrum = np.fft.rfft2(grid_mass, s=shape)
        field_x = np.fft.irfft2(spectrum * kernel_x, s=shape)[:size, :size]
        field_y = np.fft.irfft2(spectrum * kernel_y, s=shape)[:size, :size]
        factor = SCALING_RATIO * mass / cell_width
        force[:, 0] += factor * field_x[cells[:, 0], cells[:, 1]]
        force[:, 1] += factor * field_y[cells[:, 0], cells[:, 1]]
    return force


def _fft_size(size: int) -> int:
    """The smallest length ≥ 2·size−1 with no prime factor above 5.

    A circular convolution of that length equals the linear one for every
    offset between two cells of the grid, and pocketfft is several times
    faster on such lengths than on, say, 2·37.
    """
    length = 2 * size - 1
    while True:
        rest = length
        for factor in (2, 3, 5):
            while rest % factor == 0:
                rest //= factor
        if rest == 1:
            return length
        length += 1


def _far_kernel(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Spectra of the far-field kernel ``offset/|offset|²`` (in cells), zero for |offset| ≤ 1 cell."""
    length = _fft_size(size)
    offsets = np.arange(length)
    # circular: index k is offset k, or k − length for the negative offsets
    offsets = np.where(offsets < size, offsets, offsets - length)
    dx, dy = np.meshgrid(offsets, offsets, indexing="ij")
    squared = (dx * dx + dy * dy).astype(float)
    far = (np.abs(dx) > 1) | (np.abs(dy) > 1)
    kernel_x = np.where(far, dx / np.where(far, squared, 1.0), 0.0)
    kernel_y = np.where(far, dy / np.where(far, squared, 1.0), 0.0)
    return np.fft.rfft2(kernel_x), np.fft.rfft2(kernel_y)


def _near_repulsion(
    position: np.ndarray, mass: np.ndarray, cells: np.ndarray, cell: np.ndarray, size: int
) -> np.ndarray:
    """Exact repulsion between nodes in the same or adjacent cells (each pair once)."""
    n = len(position)
    order = np.argsort(cell, kind="stable")
    count = np.bincount(cell, minlength=size * size)
    start = np.cumsum(count) - count
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - start[cell[order]]

    firsts, seconds = [], []
    # The same cell: each node with the nodes after it in that cell.
    after = count[cell] - rank - 1
    first, within = _expand(np.arange(n), after)
    firsts.append(first)
    seconds.append(order[start[cell[first]] + rank[first] + 1 + within])
    # Four of the eight neighbour cells, so that each pair of cells is visited once.
    for ox, oy in ((1, -1), (1, 0), (1, 1), (0, 1)):
        x, y = cells[:, 0] + ox, cells[:, 1] + oy
        inside = np.flatnonzero((x < size) & (y >= 0) & (y < size))
        other = x[inside] * size + y[inside]
        first, within = _expand(inside, count[other])
        firsts.append(first)
        seconds.append(order[np.repeat(start[other], count[other]) + within])
    first, second = np.concatenate(firsts), np.concatenate(seconds)

    # In place, on one axis at a time: this loop runs over millions of pairs.
    x, y = position[:, 0].copy(), position[:, 1].copy()
    dx = x[first]
    dx -= x[second]
    dy = y[first]
    dy -= y[second]
    factor = dx * dx
    factor += dy * dy
    np.maximum(factor, 1e-6, out=factor)
    np.divide(mass[first], factor, out=factor)
    factor *= mass[second]
    factor *= SCALING_RATIO
    dx *= factor
    dy *= factor
    force = np.empty_like(position)
    force[:, 0] = np.bincount(first, dx, n) - np.bincount(second, dx, n)
    force[:, 1] = np.bincount(first, dy, n) - np.bincount(second, dy, n)
    return force


def _expand(items: np.ndarray, repeats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each item repeated ``repeats`` times, with its 0-based repetition number."""
    total = int(repeats.sum())
    expanded = np.repeat(items, repeats)
    within = np.arange(total) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    return expanded, within


def _place_leaves(
    position: np.ndarray, parent: np.ndarray, mass: np.ndarray, sources: np.ndarray, targets: np.ndarray
) -> None:
    """Put each leaf on a ring around its parent, fanned out away from the parent's other neighbours.

    The ring radius ``√(2·kr·(m_parent + k))`` is where ForceAtlas2's linear
    attraction balances the repulsion of the parent and of the other *k*
    leaves on the ring.
    """
    leaves = np.flatnonzero(parent >= 0)
    if len(leaves) == 0:
        return
    n = len(position)
    # Direction away from the parent's simulated neighbours (or from the centre).
    simulated = (parent[sources] < 0) & (parent[targets] < 0)
    s, t = sources[simulated], targets[simulated]
    neighbour_sum = np.zeros((n, 2))
    neighbour_count = np.bincount(s, minlength=n) + np.bincount(t, minlength=n)
    for axis in (0, 1):
        neighbour_sum[:, axis] = np.bincount(s, position[t, axis], n) + np.bincount(t, position[s, axis], n)
    centre = position[parent < 0].mean(axis=0)
    away = np.where(
        neighbour_count[:, None] > 0,
        position - neighbour_sum / np.maximum(neighbour_count, 1)[:, None],
        position - centre,
    )
    heading = np.arctan2(away[:, 1], away[:, 0])

    parents = parent[leaves]
    order = np.argsort(parents, kind="stable")
    leaves, parents = leaves[order], parents[order]
    group_size = np.bincount(parents, minlength=n)
    first_of_group = np.cumsum(group_size) - group_size
    k = group_size[parents]
    j = np.arange(len(leaves)) - first_of_group[parents]
    step = 2 * math.pi / np.maximum(k, 6)  # a fan for a few leaves, a full ring for six or more
    angle = heading[parents] + (j - (k - 1) / 2) * step
    radius = np.sqrt(2 * SCALING_RATIO * (mass[parents] + k))
    position[leaves, 0] = position[parents, 0] + radius * np.cos(angle)
    position[leaves, 1] = position[parents, 1] + radius * np.sin(angle)
