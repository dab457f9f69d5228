"""The two small graphs Gephi users ask for (``papers.gexf``, ``coauthors.gexf``).

* ``papers.gexf``: the paper projection of :mod:`papergraph.analysis`, the
  graph the communities are computed on: items and cited arXiv papers, and
  the tags that join them (a tag is the hub through which its papers share
  it; see the analysis module for why it is not one edge per pair of
  papers). Edges are undirected and weighted: ``citation`` (a note about one
  paper cites or wiki-links the other; 1 per citing note) and ``tag``
  (``idf`` of the tag). Nodes carry ``community``, ``community_label``,
  ``pagerank``, ``cited_by`` and ``degree``, are coloured by community, sized
  by PageRank and placed as in every other view (the shared layout).
* ``coauthors.gexf``: people and organisations, an undirected edge for each
  pair who wrote a paper together, ``weight`` = how many papers they share;
  each carries the ``community`` (and ``community_label``) most of their
  papers are in, and ``papers``, how many papers of the corpus they wrote.

Both are GEXF 1.3 with ``defaultedgetype="undirected"``, typed columns and
the same escaping, cleaning and colour rules as ``graph.gexf``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Mapping

import networkx as nx

from ..analysis import (
    CITED_BY,
    COMMUNITY,
    COMMUNITY_LABEL,
    PAGERANK,
    Projection,
    coauthor_projection,
    paper_projection,
)
from ..graph import Attr, EdgeKind, NodeKind
from . import ExportContext, Exporter
from ._gephi import (
    XML_ILLEGAL,
    Column,
    Columns,
    TextCleaner,
    display_kind,
    escape_attribute,
    quoted_ids,
    unique_ids,
    year_of,
)
from .gexf import GEXF_NS, SCHEMA_LOCATION, VIZ_NS, XSI_NS, _attvalues, _declarations, _position

__all__ = ["COMMUNITY_COLORS", "EXPORTER", "OTHER_COLOR", "community_color", "generate_coauthors", "generate_papers"]

# Tableau 20 without its greys: distinct on white and black, and in Gephi's default theme.
COMMUNITY_COLORS = (
    "#1F77B4",
    "#FF7F0E",
    "#2CA02C",
    "#D62728",
    "#9467BD",
    "#8C564B",
    "#E377C2",
    "#BCBD22",
    "#17BECF",
    "#AEC7E8",
    "#FFBB78",
    "#98DF8A",
    "#FF9896",
    "#C5B0D5",
    "#C49C94",
    "#F7B6D2",
    "#DBDB8D",
    "#9EDAE5",
)
OTHER_COLOR = "#AAAAAA"

PAPER_NODE_COLUMNS = Columns(
    (
        Column("kind", "str"),
        Column(COMMUNITY, "int"),
        Column(COMMUNITY_LABEL, "str"),
        Column(PAGERANK, "float"),
        Column(CITED_BY, "int"),
        Column("degree", "int"),
        Column(Attr.ARXIV_ID, "str"),
        Column(Attr.URL, "str"),
        Column("year", "int"),
    )
)
COAUTHOR_NODE_COLUMNS = Columns(
    (Column("kind", "str"), Column(COMMUNITY, "int"), Column(COMMUNITY_LABEL, "str"), Column("papers", "int"))
)
PAPER_EDGE_COLUMNS = Columns((Column("relation", "str"),))


def community_color(community: object, communities: list[dict]) -> str:
    """The colour of a community: one of ``COMMUNITY_COLORS`` in id order, grey for "other" and for none.

    >>> community_color(1, [{"id": 0, "label": "a"}, {"id": 1, "label": "b"}])
    '#FF7F0E'
    >>> community_color(1, [{"id": 0, "label": "a"}, {"id": 1, "label": "other"}])
    '#AAAAAA'
    """
    if not isinstance(community, int) or community < 0:
        return OTHER_COLOR
    if communities and community == communities[-1]["id"] and communities[-1]["label"] == "other":
        return OTHER_COLOR
    return COMMUNITY_COLORS[community % len(COMMUNITY_COLORS)]


def _document(
    ctx: ExportContext,
    description: str,
    node_columns: Columns,
    edge_columns: Columns,
    nodes: list[tuple[Hashable, str, dict[str, object], str, float]],
    edges: list[tuple[Hashable, Hashable, float, dict[str, object]]],
) -> bytes:
    """A static, undirected GEXF 1.3 document.

    ``nodes``: ``(node, label, values, colour, size)``; ``edges``: ``(source,
    target, weight, values)``. Positions come from the shared layout, asked
    for last.
    """
    ids = quoted_ids(unique_ids((node for node, *_ in nodes), lambda text: XML_ILLEGAL.sub("", text) or "node"))
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<gexf xmlns="{GEXF_NS}" xmlns:viz="{VIZ_NS}" xmlns:xsi="{XSI_NS}" version="1.3" '
        f'xsi:schemaLocation="{SCHEMA_LOCATION}">',
        f"\n  <meta>\n    <creator>papergraph</creator>\n    <description>{escape_attribute(description)}</description>"
        "\n  </meta>",
        '\n  <graph defaultedgetype="undirected" mode="static">',
        _declarations("node", node_columns),
        _declarations("edge", edge_columns) if len(edge_columns) else "",
        f'\n    <nodes count="{len(nodes)}">',
    ]
    layout: Mapping[Hashable, tuple[float, float]] = ctx.layout
    for node, label, values, color, size in nodes:
        red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
        position = layout.get(node)
        out.append(
            f'\n      <node id="{ids[node]}" label="{escape_attribute(label)}">'
            + _attvalues(values, node_columns, "        ")
            + f'\n        <viz:color r="{red}" g="{green}" b="{blue}"/>'
            + f'\n        <viz:size value="{size!r}"/>'
            + _position(None if position is None else (float(position[0]), float(position[1])))
            + "\n      </node>"
        )
    out.append(f'\n    </nodes>\n    <edges count="{len(edges)}">')
    for index, (source, target, weight, values) in enumerate(edges):
        attvalues = _attvalues(values, edge_columns, "        ") if values else ""
        out.append(
            f'\n      <edge id="e{index}" source="{ids[source]}" '
            f'target="{ids[target]}" weight="{weight!r}"' + (f">{attvalues}\n      </edge>" if attvalues else "/>")
        )
    out.append("\n    </edges>\n  </graph>\n</gexf>\n")
    return "".join(out).encode("utf-8")


def _label(G: nx.MultiDiGraph, cleaner: TextCleaner, node: Hashable) -> str:
    data = G.nodes[node]
    for name in (Attr.LABEL, Attr.TITLE, Attr.NAME, Attr.KEY):
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            return cleaner.text(value, node, name)
    return cleaner.text(str(node), node, "id")


def _edges(projection: Projection, keep: set[Hashable]) -> list[tuple[Hashable, Hashable, float]]:
    nodes = projection.nodes
    return [
        (nodes[i], nodes[j], round(w, 6))
        for i, j, w in zip(projection.sources.tolist(), projection.targets.tolist(), projection.weights.tolist())
        if nodes[i] in keep and nodes[j] in keep
    ]


def generate_papers(G: nx.MultiDiGraph, ctx: ExportContext) -> bytes:
    """``papers.gexf`` (see the module docstring)."""
    cleaner = TextCleaner(G, ctx)
    communities = G.graph.get("communities") or []
    projection = paper_projection(G)
    tag_kind = NodeKind.TAG.value
    agents = (NodeKind.PERSON.value, NodeKind.ORGANIZATION.value)
    kept = [node for node in projection.nodes if G.nodes[node].get(Attr.KIND) not in agents]
    edges = _edges(projection, set(kept))
    degree = Counter(node for source, target, _ in edges for node in (source, target))
    rows = []
    for node in kept:
        data = G.nodes[node]
        values: dict[str, object] = {"kind": display_kind(data), "degree": degree[node]}
        for name in (COMMUNITY, COMMUNITY_LABEL, PAGERANK, CITED_BY, Attr.ARXIV_ID, Attr.URL):
            value = data.get(name)
            if value is not None and value != "":
                values[name] = cleaner.text(value, node, name) if isinstance(value, str) else value
        year = year_of(data.get(Attr.DATE))
        if year is not None:
            values["year"] = year
        if data.get(Attr.KIND) == tag_kind:
            size = round(4.0 + 2.0 * math.sqrt(degree[node]), 2)
        else:  # PageRank: about 1/N on average; the area grows with it
            size = round(4.0 + 12.0 * math.sqrt(float(data.get(PAGERANK) or 0.0) * len(kept)), 2)
        rows.append((node, _label(G, cleaner, node), values, community_color(data.get(COMMUNITY), communities), size))
    tagged = {node for node in kept if G.nodes[node].get(Attr.KIND) == tag_kind}
    edge_rows: list[tuple[Hashable, Hashable, float, dict[str, object]]] = [
        (source, target, weight, {"relation": "tag" if source in tagged or target in tagged else "citation"})
        for source, target, weight in edges
    ]
    return _document(
        ctx, "papergraph: papers, their tags and citations", PAPER_NODE_COLUMNS, PAPER_EDGE_COLUMNS, rows, edge_rows
    )


def generate_coauthors(G: nx.MultiDiGraph, ctx: ExportContext) -> bytes:
    """``coauthors.gexf`` (see the module docstring)."""
    cleaner = TextCleaner(G, ctx)
    communities = G.graph.get("communities") or []
    labels = {c["id"]: c["label"] for c in communities}
    projection = coauthor_projection(G)
    written: dict[Hashable, Counter[int]] = {node: Counter() for node in projection.nodes}
    kind: object
    for paper, agent, kind in G.edges(data=Attr.KIND):
        if kind == EdgeKind.AUTHORED_BY.value and agent in written:
            community = G.nodes[paper].get(COMMUNITY)
            written[agent][community if isinstance(community, int) else -1] += 1
    rows = []
    for node in projection.nodes:
        counts = written[node]
        values: dict[str, object] = {"kind": display_kind(G.nodes[node]), "papers": sum(counts.values())}
        known = [c for c in counts if c >= 0]
        community = min(known, key=lambda c: (-counts[c], c)) if known else None
        if community is not None:
            values[COMMUNITY] = community
            if labels.get(community):
                values[COMMUNITY_LABEL] = labels[community]
        size = round(4.0 + 4.0 * math.sqrt(sum(counts.values())), 2)
        rows.append((node, _label(G, cleaner, node), values, community_color(community, communities), size))
    edges: list[tuple[Hashable, Hashable, float, dict[str, object]]] = [
        (s, t, float(w), {}) for s, t, w in _edges(projection, set(projection.nodes))
    ]
    return _document(ctx, "papergraph: who wrote papers with whom", COAUTHOR_NODE_COLUMNS, Columns(()), rows, edges)


def _generate(G: nx.MultiDiGraph, ctx: ExportContext) -> dict[str, bytes]:
    return {"papers.gexf": generate_papers(G, ctx), "coauthors.gexf": generate_coauthors(G, ctx)}


EXPORTER = Exporter(
    name="projections",
    description="papers.gexf and coauthors.gexf: the paper projection with communities, and the co-author network",
    files=("papers.gexf", "coauthors.gexf"),
    generate=_generate,
    uses_layout=True,
)
