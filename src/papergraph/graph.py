"""The linked graph: one networkx ``MultiDiGraph`` every exporter reads.

Node ids are typed strings (``digest:2024-02-08``, ``note:2024-02-08/w-…``,
``work:arxiv-2305.01625``, ``agent:…``, ``tag:long-context``, ``link:…``)
built from the keys of :mod:`papergraph.linking`, so they are pure functions
of the input. Node and edge kinds, and every attribute key, are defined here
and nowhere else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

import networkx as nx

from .identifiers import arxiv_work_id, h16, node_key, normalize_url, tag_id
from .linking import Agent, CitedPaper, Item, Link, LinkedCorpus, LinkedDigest, LinkedNote, Tag
from .model import AgentKind, SourceSpan

__all__ = ["ITEM_TYPES", "Attr", "EdgeKind", "NodeKind", "build_graph", "graph_summary", "undirected_pairs"]


class NodeKind(str, Enum):
    DIGEST = "digest"
    NOTE = "note"
    ITEM = "item"
    """A noted work: paper, model release, blog post or other (see ``item_type``)."""
    ARXIV = "arxiv"
    """An arXiv paper that notes cite but that no note is about."""
    PERSON = "person"
    ORGANIZATION = "organization"
    TAG = "tag"
    LINK = "link"
    """A web page or code repository linked from commentary."""


class EdgeKind(str, Enum):
    CONTAINS = "contains"  # digest -> note
    ABOUT = "about"  # note -> item
    AUTHORED_BY = "authored_by"  # item -> person/organisation
    TAGGED = "tagged"  # note -> tag
    CITES = "cites"  # note -> item/arxiv
    LINKS_TO = "links_to"  # note -> link
    WIKI_LINKS = "wiki_links"  # vault note -> item (issue 6)


ITEM_TYPES = ("paper", "model", "blog", "other")


class Attr:
    """Attribute keys on nodes and edges."""

    KIND = "kind"
    LABEL = "label"
    KEY = "key"
    # digest
    DATE = "date"
    PART = "part"
    PATH = "path"
    HEADER = "header"
    HEADER_LINE = "header_line"
    # note
    TITLE = "title"
    LINE_START = "line_start"
    LINE_END = "line_end"
    COMMENTARY_KO = "commentary_ko"
    COMMENTARY_EN = "commentary_en"
    TAGS = "tags"
    SOURCE_KIND = "source_kind"
    SOURCES = "sources"
    """Every place a note is written, as ``path:first-last`` (a digest entry and its vault note)."""
    DIGEST = "digest"
    # item
    ITEM_TYPE = "item_type"
    ARXIV_ID = "arxiv_id"
    ABSTRACT = "abstract"
    URL = "url"
    URLS = "urls"
    DATES = "dates"
    AUTHORS = "authors"
    # agent
    NAME = "name"
    # tag
    SPELLINGS = "spellings"
    # cited arXiv paper
    ANCHORS = "anchors"
    # paper, from arXiv metadata (papergraph.arxiv_metadata)
    CATEGORIES = "categories"
    PUBLISHED = "published"
    DOI = "doi"
    METADATA_SOURCE = "metadata_source"
    # link
    HOST = "host"
    IS_CODE = "is_code"
    NORMALIZED = "normalized"
    # items and cited papers, from the analysis stage (papergraph.analysis)
    COMMUNITY = "community"
    """Topic community id (0 = the largest; "other" the highest); also on tags."""
    COMMUNITY_LABEL = "community_label"
    PAGERANK = "pagerank"
    CITED_BY = "cited_by"
    PROJECTION_DEGREE = "projection_degree"
    # graph attributes (``G.graph``), from the analysis stage
    COMMUNITIES = "communities"
    """``[{"id", "label", "size", "top": [node ids, best first]}]``."""
    LAYOUT_EDGES = "layout_edges"
    """``(node count, [(i, j, weight)], [group per node])``: see :func:`undirected_pairs`."""
    # edges
    POSITION = "position"
    LINE = "line"
    VERSION = "version"
    SPELLING = "spelling"


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _digest_node(digest: LinkedDigest) -> dict[str, object]:
    d = digest.document
    return {
        Attr.KIND: NodeKind.DIGEST.value,
        Attr.LABEL: d.header or digest.key,
        Attr.KEY: digest.key,
        Attr.DATE: d.date,
        Attr.PART: d.part,
        Attr.PATH: d.relpath,
        Attr.HEADER: d.header,
        Attr.HEADER_LINE: d.header_line,
    }


def _note_node(note: LinkedNote) -> dict[str, object]:
    e = note.entry
    merged = len(note.sources) > 1
    sources = {Attr.SOURCES: [_source_text(s.document.relpath, s.span) for s in note.sources]} if merged else {}
    return {
        **sources,
        Attr.KIND: NodeKind.NOTE.value,
        Attr.LABEL: e.title,
        Attr.KEY: note.key,
        Attr.TITLE: e.title,
        Attr.DATE: note.document.date,
        Attr.PATH: note.document.relpath,
        Attr.LINE_START: e.source.line_start,
        Attr.LINE_END: e.source.line_end,
        Attr.COMMENTARY_KO: [c.text for c in e.commentary_ko],
        Attr.COMMENTARY_EN: [c.text for c in e.commentary_en],
        Attr.TAGS: list(e.tags),
        Attr.SOURCE_KIND: note.document.source_kind,
        Attr.DIGEST: note.digest_id,
    }


def _item_node(item: Item) -> dict[str, object]:
    return {
        Attr.KIND: NodeKind.ITEM.value,
        Attr.LABEL: item.title,
        Attr.KEY: item.key,
        Attr.ITEM_TYPE: item.kind.value,
        Attr.TITLE: item.title,
        Attr.ARXIV_ID: item.arxiv_id,
        Attr.ABSTRACT: item.abstract,
        Attr.URL: item.urls[0] if item.urls else None,
        Attr.URLS: list(item.urls),
        Attr.DATES: list(item.dates),
        Attr.DATE: item.dates[0] if item.dates else None,
        Attr.AUTHORS: [name for _, name in item.authors],
    }


def _cited_node(paper: CitedPaper) -> dict[str, object]:
    return {
        Attr.KIND: NodeKind.ARXIV.value,
        Attr.LABEL: f"arXiv:{paper.arxiv_id}",
        Attr.KEY: node_key(paper.id),
        Attr.ARXIV_ID: paper.arxiv_id,
        Attr.ANCHORS: list(paper.labels),
        Attr.URL: f"https://arxiv.org/abs/{paper.arxiv_id}",
    }


def _agent_node(agent: Agent) -> dict[str, object]:
    kind = NodeKind.ORGANIZATION if agent.kind is AgentKind.ORGANIZATION else NodeKind.PERSON
    return {Attr.KIND: kind.value, Attr.LABEL: agent.name, Attr.KEY: agent.key, Attr.NAME: agent.name}


def _tag_node(tag: Tag) -> dict[str, object]:
    return {Attr.KIND: NodeKind.TAG.value, Attr.LABEL: tag.key, Attr.KEY: tag.key, Attr.SPELLINGS: list(tag.spellings)}


def _link_node(link: Link) -> dict[str, object]:
    return {
        Attr.KIND: NodeKind.LINK.value,
        Attr.LABEL: link.url,
        Attr.KEY: node_key(link.id),
        Attr.URL: link.url,
        Attr.NORMALIZED: link.normalized,
        Attr.HOST: _host(link.normalized),
        Attr.IS_CODE: link.is_code,
    }


# One row per node kind, in the order nodes are added: where the linked corpus
# keeps its records, and the attributes of one record's node.
NODE_TABLE: tuple[tuple[Callable[[LinkedCorpus], Iterable[Any]], Callable[[Any], dict[str, object]]], ...] = (
    (lambda linked: linked.digests, _digest_node),
    (lambda linked: linked.notes, _note_node),
    (lambda linked: linked.items, _item_node),
    (lambda linked: linked.cited, _cited_node),
    (lambda linked: linked.agents, _agent_node),
    (lambda linked: linked.tags, _tag_node),
    (lambda linked: linked.links, _link_node),
)


def build_graph(linked: LinkedCorpus) -> nx.MultiDiGraph:
    """Build the graph of a linked corpus.

    Nodes are added in a fixed order (:data:`NODE_TABLE`: digests, notes,
    items, cited papers, agents, tags, links) and edges in note order, so two
    builds of the same input give identical graphs, attribute order included.
    """
    G: nx.MultiDiGraph = nx.MultiDiGraph()
    for records, attributes in NODE_TABLE:
        for record in records(linked):
            G.add_node(record.id, **attributes(record))
    items = {item.id: item for item in linked.items}
    link_ids = {link.normalized: link.id for link in linked.links}
    authored: set[str] = set()
    for note in linked.notes:
        if note.digest_id:
            G.add_edge(
                note.digest_id,
                note.id,
                key=EdgeKind.CONTAINS.value,
                **{Attr.KIND: EdgeKind.CONTAINS.value, Attr.POSITION: note.position + 1},
            )
        G.add_edge(note.id, note.item_id, key=EdgeKind.ABOUT.value, **{Attr.KIND: EdgeKind.ABOUT.value})
        item = items[note.item_id]
        if item.id not in authored and item.authors:
            authored.add(item.id)
            _add_authorship(G, item)
        _add_note_edges(G, note, link_ids)
    vault_paths = {n.id: n.vault_source.document.relpath for n in linked.notes if n.vault_source and len(n.sources) > 1}
    for index, wiki in enumerate(linked.wiki_links):
        where = {Attr.PATH: vault_paths[wiki.note_id]} if wiki.note_id in vault_paths else {}
        G.add_edge(
            wiki.note_id,
            wiki.item_id,
            key=f"{EdgeKind.WIKI_LINKS.value}:{wiki.line}:{index}",
            **{Attr.KIND: EdgeKind.WIKI_LINKS.value, Attr.LINE: wiki.line, Attr.LABEL: wiki.target},
            **where,
        )
    return G


def _add_authorship(G: nx.MultiDiGraph, item: Item) -> None:
    for position, (agent, name) in enumerate(item.authors, start=1):
        if G.has_edge(item.id, agent, key=EdgeKind.AUTHORED_BY.value):
            continue  # the same name twice in one author list
        G.add_edge(
            item.id,
            agent,
            key=EdgeKind.AUTHORED_BY.value,
            **{Attr.KIND: EdgeKind.AUTHORED_BY.value, Attr.POSITION: position, Attr.NAME: name},
        )


def _add_note_edges(G: nx.MultiDiGraph, note: LinkedNote, link_ids: dict[str, str]) -> None:
    """A note's tags, citations and web links."""
    for spelling in note.entry.tags:
        tagged = tag_id(spelling)
        if tagged in G and not G.has_edge(note.id, tagged, key=EdgeKind.TAGGED.value):
            G.add_edge(
                note.id,
                tagged,
                key=EdgeKind.TAGGED.value,
                **{Attr.KIND: EdgeKind.TAGGED.value, Attr.SPELLING: spelling},
            )
    # in a note written in two files, each line number says which file it is in
    merged = len(note.sources) > 1
    for index, ref in enumerate(note.entry.refs):
        where = {Attr.PATH: note.source_of_ref(index).document.relpath} if merged else {}
        G.add_edge(
            note.id,
            arxiv_work_id(ref.arxiv_id),
            key=f"{EdgeKind.CITES.value}:{ref.line}:{index}",
            **{
                Attr.KIND: EdgeKind.CITES.value,
                Attr.LINE: ref.line,
                Attr.LABEL: ref.label,
                Attr.URL: ref.url,
                Attr.VERSION: ref.version,
            },
            **where,
        )
    for index, web in enumerate(note.entry.links):
        where = {Attr.PATH: note.source_of_link(index).document.relpath} if merged else {}
        G.add_edge(
            note.id,
            link_ids[normalize_url(web.url)],
            key=f"{EdgeKind.LINKS_TO.value}:{web.line}:{h16(web.url)[:6]}",
            **{Attr.KIND: EdgeKind.LINKS_TO.value, Attr.LINE: web.line, Attr.URL: web.url},
            **where,
        )


def _source_text(path: str, span: SourceSpan) -> str:
    return f"{path}:{span.line_start}-{span.line_end}"


def graph_summary(G: nx.MultiDiGraph) -> dict[str, dict[str, int]]:
    """Counts of nodes per kind and edges per kind (zero kinds included)."""
    nodes = Counter(data[Attr.KIND] for _, data in G.nodes(data=True))
    edges = Counter(data[Attr.KIND] for _, _, data in G.edges(data=True))
    return {
        "nodes": {kind.value: nodes.get(kind.value, 0) for kind in NodeKind},
        "edges": {kind.value: edges.get(kind.value, 0) for kind in EdgeKind},
    }


def undirected_pairs(G: nx.Graph) -> tuple[list[tuple[int, int]], list[float], list[int]]:
    """The shape of ``G`` for the layout: node numbers ``(i, j)``, ``i < j``, in
    the order of ``list(G)``, for every pair of distinct neighbours, sorted;
    how strongly each pair attracts; and a group per node that the layout
    pulls together (empty: no groups).

    Without analysis the pairs are those of the graph's edges (direction
    ignored), each attracting as many times as edges join it, and there are no
    groups. Once the analysis stage has put its layout on the graph
    (``G.graph["layout_edges"]``, see :func:`papergraph.analysis.layout_edges`),
    they are its weighted edges and communities.
    """
    counts: dict[tuple[int, int], float] = {}
    shape = G.graph.get(Attr.LAYOUT_EDGES)
    groups: list[int] = []
    if shape is not None and shape[0] == len(G):
        _, edges, groups = shape
    else:
        index = {node: i for i, node in enumerate(G)}
        edges = [(index[u], index[v], 1) for u, v in G.edges()]
    for i, j, weight in edges:
        if i != j:
            pair = (i, j) if i < j else (j, i)
            counts[pair] = counts.get(pair, 0) + weight
    pairs = sorted(counts)
    return pairs, [counts[pair] for pair in pairs], list(groups)
