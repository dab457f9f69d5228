"""TriG export: the RDF of a build as a dataset, one named graph per input.

``graph.trig`` holds exactly the triples of ``graph.nt``, split by where they
come from (``docs/sparql.md``, "Named graphs"):

* ``{base}graph/{name}`` for each input folder or file given to the build
  (``seeds``, ``digests``, ``vault``): what that input's files say. A
  subject two inputs speak about (a paper noted in a digest and in the
  vault, a shared author or tag) is described in each of their graphs.
* ``{base}graph/derived``: what the build added: the dataset description,
  the topic communities and centralities of the analysis stage, and what
  arXiv metadata files contributed (categories, dates, authors of cited papers).

Every triple is in a named graph and the default graph is empty: stores
that make the default graph the union of the named ones (Virtuoso, Fuseki's
``unionDefaultGraph``, ``oxigraph serve --union-default-graph``) then see
``graph.nt``, and Virtuoso's Graph Store endpoint, which has no ``?default``,
takes every graph.

So a store can replace one input's graph when that folder changes, and a
query can ask ``GRAPH ?g { … }`` where a statement comes from.

The named graphs are found by mapping, for each input, the part of the
networkx graph its files reach (its digests and notes, and the nodes they
link to) with the same mapper as ``graph.nt``; only triples ``graph.nt`` has
are kept, so TriG never says more than the other RDF files.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import networkx as nx

from ..graph import Attr, EdgeKind, NodeKind
from ..model import InputSource
from ..rdfwriter import IRI, RdfGraph, Term, iter_trig
from . import ExportContext, Exporter
from .rdf import TURTLE_HEADER, build_rdf, instance_prefixes, key_segment, node_iris, normalize_base_iri, to_rdf

__all__ = ["generate_trig", "source_subgraphs"]

# Node attributes the build derives rather than reads from an input: they go
# to the build's own graph, with the communities they point to.
DERIVED_ATTRS = frozenset(
    {
        Attr.COMMUNITY,
        Attr.COMMUNITY_LABEL,
        Attr.PAGERANK,
        Attr.CITED_BY,
        Attr.PROJECTION_DEGREE,
        Attr.CATEGORIES,
        Attr.PUBLISHED,
        Attr.DOI,
        Attr.METADATA_SOURCE,
    }
)
# A cited paper's title and abstract can only come from arXiv metadata.
METADATA_ONLY = {NodeKind.ARXIV.value: frozenset({Attr.TITLE, Attr.ABSTRACT})}
# Nodes whose own attributes say which files they come from.
_FILE_KINDS = frozenset({NodeKind.DIGEST.value, NodeKind.NOTE.value})
_CONTAINS = EdgeKind.CONTAINS.value


def _node_files(data: dict) -> set[str]:
    """The relative paths of the files a digest or note node was read from."""
    spans = data.get(Attr.SOURCES)
    if spans:  # a note written in several places: "path:first-last" each
        return {str(span).rsplit(":", 1)[0] for span in spans}
    return {str(data[Attr.PATH])} if data.get(Attr.PATH) else set()


def _read_edges(G: nx.MultiDiGraph) -> list[tuple[str, str, str, dict]]:
    """The edges the inputs state: not those arXiv metadata added."""
    return [(u, v, k, d) for u, v, k, d in G.edges(keys=True, data=True) if not d.get(Attr.METADATA_SOURCE)]


def source_subgraphs(G: nx.MultiDiGraph, sources: Sequence[InputSource]) -> list[tuple[nx.MultiDiGraph, set[str]]]:
    """For each input, the graph of what its files say (analysis and metadata
    left out), and the nodes in it that are only context.

    A digest or note belongs to the inputs that hold its files; any other
    node belongs to the inputs whose digests and notes reach it through
    their own edges (a note's paper, the paper's authors, a note's tags,
    citations and links). A note written in two inputs (a digest entry and
    its vault note) is one subject, described whole in both graphs. Another
    input's digest that holds one of this input's notes comes along as
    context, so the note is mapped with its place in the digest, but what is
    said about that digest itself is left to its own input.
    """
    edges = _read_edges(G)
    adjacent: dict[str, list[str]] = {}
    for u, v, _, _ in edges:
        adjacent.setdefault(u, []).append(v)
        adjacent.setdefault(v, []).append(u)
    found = []
    for source in sources:
        files = set(source.paths)
        own = {n for n, d in G.nodes(data=True) if d.get(Attr.KIND) in _FILE_KINDS and _node_files(d) & files}
        reached = _reach(G, own, adjacent)
        context = {u for u, v, data in G.in_edges(own, data=True) if data.get(Attr.KIND) == _CONTAINS and u not in own}
        found.append((_stated_subgraph(G, reached | context, edges), context))
    return found


def _reach(G: nx.MultiDiGraph, own: set[str], adjacent: dict[str, list[str]]) -> set[str]:
    """``own`` and every node it reaches without entering a digest or note."""
    seen, frontier = set(own), list(own)
    while frontier:
        for neighbour in adjacent.get(frontier.pop(), ()):
            if neighbour not in seen and G.nodes[neighbour].get(Attr.KIND) not in _FILE_KINDS:
                seen.add(neighbour)
                frontier.append(neighbour)
    return seen


def _stated_subgraph(G: nx.MultiDiGraph, nodes: set[str], edges: list[tuple[str, str, str, dict]]) -> nx.MultiDiGraph:
    """``nodes`` and the ``edges`` among them, without what the build derived."""
    subgraph: nx.MultiDiGraph = nx.MultiDiGraph()
    for node, data in G.nodes(data=True):
        if node in nodes:
            dropped = DERIVED_ATTRS | METADATA_ONLY.get(str(data.get(Attr.KIND)), frozenset())
            subgraph.add_node(node, **{k: v for k, v in data.items() if k not in dropped})
    for u, v, key, data in edges:
        if u in nodes and v in nodes:
            subgraph.add_edge(u, v, key=key, **data)
    return subgraph


DERIVED_GRAPH = "graph/derived"
"""Where what the build added goes, under the base IRI; an input named
``derived`` gets ``graph/derived-2``."""


def graph_iris(sources: Sequence[InputSource], base: str) -> list[IRI]:
    """``{base}graph/{name}`` for each input; a name given twice (or ``derived``) gets ``-2``, ``-3``."""
    iris, used = [], {f"{base}{DERIVED_GRAPH}"}
    for source in sources:
        stem = f"{base}graph/{key_segment(source.name)}"
        iri, number = stem, 1
        while iri in used:
            number += 1
            iri = f"{stem}-{number}"
        used.add(iri)
        iris.append(IRI(iri))
    return iris


def generate_trig(G: nx.MultiDiGraph, ctx: ExportContext) -> dict[str, Iterator[bytes]]:
    """``graph.trig``: the build's RDF, one named graph per input, the rest in ``graph/derived``."""
    base = normalize_base_iri(ctx.base_iri)
    everything = build_rdf(G, ctx)
    kept = set(everything.triples())
    quiet = lambda path, line, message, code: None  # noqa: E731  (graph.nt's mapping already reported these)
    named = []
    stated: set[tuple[object, IRI, Term]] = set()
    for source, iri, (subgraph, context) in zip(
        ctx.sources, graph_iris(ctx.sources, base), source_subgraphs(G, ctx.sources)
    ):
        mapped = to_rdf(subgraph, base_iri=base, diagnose=quiet)
        foreign = {node_iri for node, node_iri in node_iris(subgraph, base).items() if node in context}
        own = RdfGraph.from_triples(t for t in mapped.triples() if t in kept and t[0] not in foreign)
        stated.update(own.triples())
        named.append((iri, f"---- what {source.name} says ({len(own)} triples)", own))
    derived = RdfGraph.from_triples(t for t in everything.triples() if t not in stated)
    comment = f"---- what the build added: the dataset description, topics, arXiv metadata ({len(derived)} triples)"
    named.append((IRI(f"{base}{DERIVED_GRAPH}"), comment, derived))
    header = (*TURTLE_HEADER, "One named graph per input, and graph/derived for what the build added.")
    return {"graph.trig": iter_trig(named, prefixes=instance_prefixes(base), base=base, header=header)}


EXPORTER = Exporter(
    name="trig",
    description="TriG: the RDF as a dataset, one named graph per input folder (optional: -f trig)",
    files=("graph.trig",),
    generate=generate_trig,
    group="rdf",
)
