"""The analysis stage: what the researcher reads, as a map of topics.

Between linking and export, pure functions over the linked graph compute

* the **paper projection**: items and cited arXiv papers as nodes, joined by
  weighted, undirected edges (the weights are below);
* **communities** on it (Leiden, seeded, so deterministic), each named by its
  most distinctive tags;
* **centrality**: PageRank on the projection, in-corpus citation counts and
  the degree in the projection;
* the **shape of the layout** (:func:`layout_edges`): which nodes pull on
  which, so that topics become regions of the shared picture.

:func:`analyse` writes the results onto the graph, where the layout and every
exporter read them:

* item and cited-arXiv nodes get ``community`` (int, 0 = the largest; the
  "other" group of tiny leftovers has the highest number), ``community_label``
  (``"diffusion · ddpm · text2img"``), ``pagerank`` (float), ``cited_by``
  (int) and ``projection_degree`` (int); tag nodes get the ``community`` most
  of their papers are in;
* ``G.graph["communities"]`` lists ``{"id", "label", "size", "top"}`` per
  community (``top``: node ids, best PageRank first);
* ``G.graph["layout_edges"]``: the layout's edges, which
  :func:`papergraph.graph.undirected_pairs` hands to the layout.

Projection weights (edges are undirected; equal pairs add up):

==================  ===========================================================
citation            paper A – paper B, ``CITATION_WEIGHT`` (1.0) per note about
                    A that cites B (``cites``), however many lines cite it
wiki-link           paper A – paper B, ``WIKI_LINK_WEIGHT`` (1.0) per vault
                    note about A that links ``[[B]]``
shared tag *t*      paper – tag *t*, ``idf(t) = ln(N / n_t)`` (*N* papers with
                    tags, *n_t* of them tagged *t*): a rare tag binds its
                    papers strongly, a hub tag (``#llm``, on 15 % of the
                    papers) barely
shared author *a*   paper – author *a* (authors of at least two papers only),
                    ``AUTHOR_WEIGHT / k`` (0.5 / *k*) for a paper with *k*
                    authors: a long author list weighs less per author
==================  ===========================================================

Papers that share a tag or an author are joined through that tag's or
author's node (a star) instead of one edge per pair (a clique): each paper
keeps the same strength towards the tag (``idf(t)``, which the clique would
spread as ``idf(t) / (n_t − 1)`` over the other papers), and the projection
stays linear in the size of the corpus (the cliques of the 10× benchmark
corpus are 2.1 million pairs; Leiden alone took 65 s on them).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from .gcpause import paused_gc
from .graph import Attr, EdgeKind, NodeKind

__all__ = [
    "AUTHOR_WEIGHT",
    "CITATION_WEIGHT",
    "COMMUNITIES",
    "LAYOUT_EDGES",
    "OTHER_LABEL",
    "WIKI_LINK_WEIGHT",
    "Analysis",
    "Community",
    "Projection",
    "analyse",
    "analyse_graph",
    "annotate",
    "cited_counts",
    "coauthor_projection",
    "communities_of",
    "label_communities",
    "layout_edges",
    "paper_projection",
]

SEED = 7
CITATION_WEIGHT = 1.0
WIKI_LINK_WEIGHT = 1.0
AUTHOR_WEIGHT = 0.5
MIN_COMMUNITY_SHARE = 0.005
"""A community smaller than this share of the papers (and than ``MIN_COMMUNITY_SIZE``) joins "other"."""
MIN_COMMUNITY_SIZE = 4
LABEL_TAGS = 3
TOP_NODES = 10
OTHER_LABEL = "other"
COMMUNITIES = Attr.COMMUNITIES
LAYOUT_EDGES = Attr.LAYOUT_EDGES
COMMUNITY = Attr.COMMUNITY
COMMUNITY_LABEL = Attr.COMMUNITY_LABEL
PAGERANK = Attr.PAGERANK
CITED_BY = Attr.CITED_BY
PROJECTION_DEGREE = Attr.PROJECTION_DEGREE

PAPER_KINDS = frozenset({NodeKind.ITEM.value, NodeKind.ARXIV.value})
_AGENT_KINDS = frozenset({NodeKind.PERSON.value, NodeKind.ORGANIZATION.value})
_CITING_EDGES = frozenset({EdgeKind.CITES.value, EdgeKind.WIKI_LINKS.value})


@dataclass(frozen=True)
class Projection:
    """A weighted undirected graph on numbered nodes: ``nodes[i]`` is node ``i``.

    The first ``papers`` nodes are the papers (items and cited arXiv papers,
    in graph order); tags and authors follow. Edges are ``(sources[k],
    targets[k])`` with ``sources < targets``, sorted, each pair once, of
    weight ``weights[k]``.
    """

    nodes: tuple[Hashable, ...]
    papers: int
    sources: np.ndarray
    targets: np.ndarray
    weights: np.ndarray

    def to_networkx(self) -> nx.Graph:
        """The projection as a networkx graph with a ``weight`` per edge."""
        graph: nx.Graph = nx.Graph()
        graph.add_nodes_from(self.nodes)
        graph.add_weighted_edges_from(
            (self.nodes[i], self.nodes[j], float(w))
            for i, j, w in zip(self.sources.tolist(), self.targets.tolist(), self.weights.tolist())
        )
        return graph


@dataclass(frozen=True)
class Community:
    id: int
    label: str
    size: int
    top: tuple[Hashable, ...]
    """Members, best PageRank first (at most ``TOP_NODES``)."""
    tags: tuple[str, ...]
    """The distinctive tags the label is made of."""

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "label": self.label, "size": self.size, "top": list(self.top)}


@dataclass(frozen=True)
class Analysis:
    projection: Projection
    membership: tuple[int, ...]
    """Community id per projection node."""
    communities: tuple[Community, ...]
    pagerank: tuple[float, ...]
    cited_by: tuple[int, ...]
    degree: tuple[int, ...]
    modularity: float
    """Modularity of the partition on the weighted projection (leftovers as their own groups)."""
    reading: Reading


# ---------------------------------------------------------------- projection


def _groups_to_pairs(
    groups: Iterable[tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of members of each group, with weight ``scale[i] + scale[j]`` (``(members, scale)`` per group)."""
    sources, targets, weights = [], [], []
    for members, scale in groups:
        if len(members) < 2:
            continue
        first, second = np.triu_indices(len(members), 1)
        sources.append(members[first])
        targets.append(members[second])
        weights.append(scale[first] + scale[second])
    if not sources:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    return np.concatenate(sources), np.concatenate(targets), np.concatenate(weights)


def _merge(n: int, parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, ...]:
    """Sum the weights of equal undirected pairs; drop self-pairs; sorted by (source, target)."""
    s = np.concatenate([p[0] for p in parts]).astype(np.int64)
    t = np.concatenate([p[1] for p in parts]).astype(np.int64)
    w = np.concatenate([p[2] for p in parts]).astype(float)
    keep = s != t
    s, t, w = s[keep], t[keep], w[keep]
    low, high = np.minimum(s, t), np.maximum(s, t)
    keys, inverse = np.unique(low * n + high, return_inverse=True)
    summed = np.bincount(inverse, w, len(keys))
    return keys // n, keys % n, summed


@dataclass(frozen=True)
class Reading:
    """What the analysis needs of the graph, gathered in one pass over its edges."""

    papers: tuple[Hashable, ...]
    """Items and cited arXiv papers, in graph order."""
    tags: dict[Hashable, tuple[Hashable, ...]]
    """Per item, the tag nodes of its notes (sorted)."""
    authors: dict[Hashable, tuple[Hashable, ...]]
    """Per item, its author nodes in author order."""
    citations: tuple[tuple[Hashable, Hashable, str], ...]
    """``(item of the citing note, cited paper, edge kind)``, once per citing note."""
    about: dict[Hashable, Hashable]
    """Per note, its item."""
    first_note: dict[Hashable, Hashable]
    """Per digest, its first note."""
    first_linker: dict[Hashable, Hashable]
    """Per link node, the first note linking it."""


_ABOUT = EdgeKind.ABOUT.value
_TAGGED = EdgeKind.TAGGED.value
_AUTHORED_BY = EdgeKind.AUTHORED_BY.value
_CONTAINS = EdgeKind.CONTAINS.value
_LINKS_TO = EdgeKind.LINKS_TO.value
_CITES = EdgeKind.CITES.value


def read_graph(G: nx.MultiDiGraph) -> Reading:
    """The :class:`Reading` of a linked graph."""
    kind_key = Attr.KIND
    papers = tuple(node for node, data in G.nodes(data=True) if data.get(kind_key) in PAPER_KINDS)
    about: dict[Hashable, Hashable] = {}
    tagged: list[tuple[Hashable, Hashable]] = []
    authors: dict[Hashable, list[Hashable]] = {}
    citing: dict[tuple[Hashable, Hashable, str], None] = {}
    first_note: dict[Hashable, Hashable] = {}
    first_linker: dict[Hashable, Hashable] = {}
    kind: object
    for source, target, kind in G.edges(data=kind_key):
        if kind == _ABOUT:
            about[source] = target
        elif kind == _TAGGED:
            tagged.append((source, target))
        elif kind == _AUTHORED_BY:
            authors.setdefault(source, []).append(target)
        elif kind in _CITING_EDGES:
            citing[(source, target, kind)] = None  # one note, one citation, however many lines cite
        elif kind == _CONTAINS:
            first_note.setdefault(source, target)
        elif kind == _LINKS_TO:
            first_linker.setdefault(target, source)
    tags: dict[Hashable, set[Hashable]] = defaultdict(set)
    for note, tag in tagged:
        if note in about:
            tags[about[note]].add(tag)
    return Reading(
        papers=papers,
        tags={item: tuple(sorted(names, key=str)) for item, names in tags.items()},
        authors={item: tuple(names) for item, names in authors.items()},
        citations=tuple((about[note], target, kind) for note, target, kind in citing if note in about),
        about=about,
        first_note=first_note,
        first_linker=first_linker,
    )


def paper_projection(G: nx.MultiDiGraph, reading: Reading | None = None) -> Projection:
    """The projection of the module docstring: papers, then tags, then authors of several papers."""
    reading = reading or read_graph(G)
    papers, tags, authors, citations = reading.papers, reading.tags, reading.authors, reading.citations
    tag_count = Counter(tag for names in tags.values() for tag in names)
    author_count = Counter(a for names in authors.values() for a in dict.fromkeys(names))
    shared_authors = [node for node in G if author_count.get(node, 0) > 1]
    tag_nodes = [node for node in G if node in tag_count]
    nodes = (*papers, *tag_nodes, *shared_authors)
    index = {node: i for i, node in enumerate(nodes)}
    rows: list[tuple[int, int, float]] = []
    for a, b, kind in citations:
        if a in index and b in index:
            rows.append((index[a], index[b], CITATION_WEIGHT if kind == EdgeKind.CITES.value else WIKI_LINK_WEIGHT))
    tagged = len(tags)
    for paper, names in tags.items():
        for name in names:
            rows.append((index[paper], index[name], math.log(tagged / tag_count[name]) if tagged > 1 else 1.0))
    for paper, names in authors.items():
        if paper in index:
            unique = list(dict.fromkeys(names))
            for name in unique:
                if name in index:
                    rows.append((index[paper], index[name], AUTHOR_WEIGHT / len(unique)))
    array = np.array(rows, dtype=float).reshape(-1, 3)
    sources, targets, weights = _merge(max(len(nodes), 1), [(array[:, 0], array[:, 1], array[:, 2])])
    keep = weights > 0
    return Projection(nodes, len(papers), sources[keep], targets[keep], weights[keep])


def coauthor_projection(G: nx.MultiDiGraph) -> Projection:
    """People and organisations, joined by how many papers they share (the ``weight``)."""
    agents = [
        node
        for node, data in G.nodes(data=True)
        if data.get(Attr.KIND) in (NodeKind.PERSON.value, NodeKind.ORGANIZATION.value)
    ]
    index = {node: i for i, node in enumerate(agents)}
    lists: dict[Hashable, list[int]] = {}
    for source, target, data in G.edges(data=True):
        if data.get(Attr.KIND) == EdgeKind.AUTHORED_BY.value and target in index:
            lists.setdefault(source, []).append(index[target])
    groups = [
        (np.array(sorted(set(members)), dtype=np.int64), np.full(len(set(members)), 0.5)) for members in lists.values()
    ]
    sources, targets, weights = _merge(max(len(agents), 1), [_groups_to_pairs(groups)])
    return Projection(tuple(agents), 0, sources, targets, np.round(weights))


# ---------------------------------------------------------------- communities


def communities_of(projection: Projection, *, seed: int = SEED) -> list[int]:
    """Leiden (modularity, weighted) on the projection: a raw group number per node.

    igraph numbers vertices in projection order and leidenalg is seeded, so
    the same projection always gives the same partition.
    """
    import igraph as ig
    import leidenalg as la

    n = len(projection.nodes)
    if n == 0:
        return []
    graph = ig.Graph(n=n, edges=np.column_stack([projection.sources, projection.targets]).tolist())
    graph.es["weight"] = projection.weights.tolist()
    partition = la.find_partition(graph, la.ModularityVertexPartition, weights="weight", n_iterations=2, seed=seed)
    return list(partition.membership)


def _numbered(raw: Sequence[int], papers: int, min_size: int) -> tuple[list[int], int | None]:
    """Community ids from Leiden's groups, by how many papers (the first ``papers``
    nodes) each holds: 0 for the most (ties: the group met first); groups of
    fewer than ``min_size`` papers all take one last id, "other" (returned;
    None when there is none).

    >>> _numbered([5, 5, 9, 9, 9, 3, 5], papers=6, min_size=2)
    ([1, 1, 0, 0, 0, 2, 1], 2)
    """
    sizes = Counter(raw[:papers])
    first: dict[int, int] = {}
    for i, group in enumerate(raw):
        first.setdefault(group, i)
    kept = sorted((g for g in sizes if sizes[g] >= min_size), key=lambda g: (-sizes[g], first[g]))
    number = {group: i for i, group in enumerate(kept)}
    other = len(kept)
    membership = [number.get(group, other) for group in raw]
    return membership, other if other in membership[:papers] else None


def pagerank_of(projection: Projection, *, damping: float = 0.85, tolerance: float = 1e-12) -> list[float]:
    """Weighted PageRank of the undirected projection, by power iteration.

    A walker follows an edge with probability proportional to its weight, or
    jumps to any node (``1 − damping``, and always from a node without
    edges). Six significant digits: enough to rank, the same on every machine.

    >>> pagerank_of(Projection(("a", "b", "c"), 3, np.array([0, 1]), np.array([1, 2]), np.array([1.0, 1.0])))
    [0.256757, 0.486486, 0.256757]
    """
    n = len(projection.nodes)
    if n == 0:
        return []
    sources = np.concatenate([projection.sources, projection.targets]).astype(np.int64)
    targets = np.concatenate([projection.targets, projection.sources]).astype(np.int64)
    weights = np.concatenate([projection.weights, projection.weights])
    strength = np.bincount(sources, weights, n)
    share = weights / np.where(strength > 0, strength, 1.0)[sources]
    dangling = strength == 0
    rank = np.full(n, 1.0 / n)
    for _ in range(1000):
        spread = np.bincount(targets, rank[sources] * share, n)
        new = damping * spread + (damping * rank[dangling].sum() + 1 - damping) / n
        done = np.abs(new - rank).sum() < tolerance
        rank = new
        if done:
            break
    return [float(f"{value:.6g}") for value in rank / rank.sum()]


def cited_counts(reading: Reading, nodes: Iterable[Hashable]) -> list[int]:
    """Per node, how many notes cite it (``cites`` or ``wiki_links``), a note about it not counted."""
    citing: dict[Hashable, int] = Counter(target for item, target, _ in reading.citations if item != target)
    return [citing.get(node, 0) for node in nodes]


def label_communities(
    membership: Sequence[int],
    nodes: Sequence[Hashable],
    tags: Mapping[Hashable, Sequence[Hashable]],
    tag_names: Mapping[Hashable, str],
) -> dict[int, tuple[str, ...]]:
    """The ``LABEL_TAGS`` most distinctive tags of each community: tf-idf, with
    tf the share of the community's papers that carry the tag and idf
    ``ln(N / n_t)`` over the N tagged papers; ties by name. Only tags on at
    least two of its papers (or one, in a community of fewer than five)."""
    tagged = sum(1 for node in nodes if tags.get(node))
    corpus: Counter[Hashable] = Counter()
    inside: dict[int, Counter[Hashable]] = defaultdict(Counter)
    sizes = Counter(membership)
    for node, community in zip(nodes, membership):
        for tag in tags.get(node, ()):
            corpus[tag] += 1
            inside[community][tag] += 1
    labels = {}
    for community, counts in inside.items():
        least = 2 if sizes[community] >= 5 else 1
        scored = sorted(
            (-(count / sizes[community]) * math.log(tagged / corpus[tag]), tag_names[tag])
            for tag, count in counts.items()
            if count >= least and corpus[tag] < tagged
        )
        labels[community] = tuple(name for _, name in scored[:LABEL_TAGS])
    return labels


def analyse_graph(G: nx.MultiDiGraph, *, seed: int = SEED) -> Analysis:
    """Projection, communities, labels and centrality of a linked graph (the graph is not changed)."""
    reading = read_graph(G)
    projection = paper_projection(G, reading)
    tags = reading.tags
    nodes, papers = projection.nodes, projection.papers
    min_size = max(MIN_COMMUNITY_SIZE, math.ceil(MIN_COMMUNITY_SHARE * papers))
    raw = communities_of(projection, seed=seed)
    membership, other = _numbered(raw, papers, min_size)
    pagerank = pagerank_of(projection)
    degree = np.bincount(
        np.concatenate([projection.sources, projection.targets]).astype(np.int64), minlength=len(nodes)
    ).tolist()
    tag_names = {node: str(G.nodes[node].get(Attr.KEY) or node) for names in tags.values() for node in names}
    labels = label_communities(membership[:papers], nodes[:papers], tags, tag_names)

    members: dict[int, list[int]] = defaultdict(list)
    for i in range(papers):
        members[membership[i]].append(i)
    communities = []
    for community in sorted(members):
        best = sorted(members[community], key=lambda i: (-pagerank[i], i))[:TOP_NODES]
        label_tags = () if community == other else labels.get(community, ())
        if community == other:
            label = OTHER_LABEL
        elif label_tags:
            label = " · ".join(label_tags)
        else:  # no tags (only cited papers): named after its best paper
            label = str(G.nodes[nodes[best[0]]].get(Attr.LABEL) or nodes[best[0]])
        communities.append(
            Community(community, label, len(members[community]), tuple(nodes[i] for i in best), label_tags)
        )
    return Analysis(
        projection=projection,
        membership=tuple(membership),
        communities=tuple(communities),
        pagerank=tuple(pagerank),
        cited_by=tuple(cited_counts(reading, nodes[:papers])),
        reading=reading,
        degree=tuple(degree),
        modularity=_modularity(projection, raw),
    )


def _modularity(projection: Projection, membership: Sequence[int]) -> float:
    import igraph as ig

    if not len(projection.weights):
        return 0.0
    graph = ig.Graph(n=len(projection.nodes), edges=np.column_stack([projection.sources, projection.targets]).tolist())
    return float(graph.modularity(list(membership), weights=projection.weights.tolist()))


# ---------------------------------------------------------------- layout shape


def layout_edges(G: nx.MultiDiGraph, analysis: Analysis) -> list[tuple[Hashable, Hashable, float]]:
    """The edges the layout simulates, as ``(u, v, weight)``.

    Papers and tags pull on each other along the projection's citation,
    wiki-link and tag edges (and the layout pulls each community together,
    see :func:`annotate`).
    Every other node hangs on one paper as a leaf, which the layout places on
    a ring around it and which pulls on nothing: a note beside its paper, a
    person beside their most central paper, a link beside the paper of the
    first note linking it, a digest beside the paper of its first note.
    """
    projection = analysis.projection
    nodes = projection.nodes
    kinds = {node: G.nodes[node].get(Attr.KIND) for node in nodes}
    edges: list[tuple[Hashable, Hashable, float]] = []
    for i, j, weight in zip(projection.sources.tolist(), projection.targets.tolist(), projection.weights.tolist()):
        if kinds[nodes[j]] in _AGENT_KINDS:
            continue  # authors hang on one paper: they shaped the old layout more than topics did
        edges.append((nodes[i], nodes[j], weight))

    rank = dict(zip(nodes, analysis.pagerank))
    reading = analysis.reading
    about = reading.about
    hang: dict[Hashable, Hashable] = {}
    for digest, note in reading.first_note.items():
        if note in about:
            hang[digest] = about[note]
    for link, note in reading.first_linker.items():
        if note in about:
            hang[link] = about[note]
    for paper, names in reading.authors.items():
        for name in names:
            known = hang.get(name)
            if known is None or rank.get(paper, 0.0) > rank.get(known, 0.0):
                hang[name] = paper
    edges.extend((note, paper, 1.0) for note, paper in about.items())
    edges.extend((node, paper, 1.0) for node, paper in hang.items())
    return edges


# ---------------------------------------------------------------- the stage


def annotate(G: nx.MultiDiGraph, analysis: Analysis) -> None:
    """Write an analysis onto its graph (see the module docstring)."""
    labels = {c.id: c.label for c in analysis.communities}
    nodes = analysis.projection.nodes
    for i in range(analysis.projection.papers):
        data = G.nodes[nodes[i]]
        data[COMMUNITY] = analysis.membership[i]
        data[COMMUNITY_LABEL] = labels[analysis.membership[i]]
        data[PAGERANK] = analysis.pagerank[i]
        data[CITED_BY] = analysis.cited_by[i]
        data[PROJECTION_DEGREE] = analysis.degree[i]
    for i in range(analysis.projection.papers, len(nodes)):
        if G.nodes[nodes[i]].get(Attr.KIND) == NodeKind.TAG.value and analysis.membership[i] in labels:
            G.nodes[nodes[i]][COMMUNITY] = analysis.membership[i]
    G.graph[COMMUNITIES] = [c.as_dict() for c in analysis.communities]
    index = {node: i for i, node in enumerate(G)}
    other = (
        analysis.communities[-1].id if analysis.communities and analysis.communities[-1].label == OTHER_LABEL else -1
    )
    groups = [-1] * len(index)
    for node, community in zip(nodes, analysis.membership):
        if community != other and G.nodes[node].get(Attr.KIND) not in _AGENT_KINDS:
            groups[index[node]] = community
    edges = [(index[u], index[v], w) for u, v, w in layout_edges(G, analysis)]
    G.graph[LAYOUT_EDGES] = (len(index), edges, groups)


def analyse(G: nx.MultiDiGraph) -> Analysis:
    """The analysis stage of a build: analyse ``G`` and write the results onto it."""
    with paused_gc():
        analysis = analyse_graph(G)
        annotate(G, analysis)
    return analysis
