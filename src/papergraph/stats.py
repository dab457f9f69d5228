"""``papergraph stats``: what was read, what it became, and what was lost (nothing).

The line accounting checks that every non-blank input line is claimed by
exactly one record field (title, authors, URL, abstract, commentary, tags,
the date line) or by one diagnostic that says why its content was dropped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import networkx as nx

from .graph import Attr, EdgeKind, NodeKind, graph_summary
from .model import LINE_DROPPING_CODES, Corpus, Diagnostic

__all__ = ["LineAccount", "Stats", "account_lines", "compute_stats", "format_stats"]


@dataclass(frozen=True)
class LineAccount:
    files: int
    content_lines: int
    in_fields: int
    in_diagnostics: int
    unaccounted: tuple[tuple[str, int], ...] = ()
    claimed_twice: tuple[tuple[str, int], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.unaccounted and not self.claimed_twice


@dataclass(frozen=True)
class Stats:
    files: int
    entries: int
    summary: dict[str, dict[str, int]]
    top_tags: list[tuple[str, int]]
    top_cited: list[tuple[str, str, int]]
    date_range: tuple[str, str] | None
    diagnostics: tuple[Diagnostic, ...]
    lines: LineAccount
    skipped_files: int = 0
    extra: dict[str, int] = field(default_factory=dict)
    communities: tuple[tuple[int, str, int, tuple[str, ...]], ...] = ()
    """``(id, label, papers, titles of its three most central papers)`` per topic community."""


def account_lines(corpus: Corpus) -> LineAccount:
    """Check that every non-blank line of every read file is claimed once."""
    claims: Counter[tuple[str, int]] = Counter()
    in_fields = in_diagnostics = 0
    for document in corpus.documents:
        if document.header_line:
            claims[document.path, document.header_line] += 1
            in_fields += 1
        for entry in document.entries:
            for number in entry.accounted_lines():
                claims[document.path, number] += 1
                in_fields += 1
    read_paths = {d.path for d in corpus.documents}
    for diagnostic in corpus.diagnostics:
        if diagnostic.code in LINE_DROPPING_CODES and diagnostic.path in read_paths:
            claims[diagnostic.path, diagnostic.line] += 1
            in_diagnostics += 1
    content = [(d.path, n) for d in corpus.documents for n in d.content_lines]
    unaccounted = tuple(key for key in content if claims[key] == 0)
    content_set = set(content)
    twice = tuple(sorted(key for key, count in claims.items() if count > 1 or key not in content_set))
    return LineAccount(len(corpus.documents), len(content), in_fields, in_diagnostics, unaccounted, twice)


def compute_stats(
    corpus: Corpus, G: nx.MultiDiGraph, diagnostics: tuple[Diagnostic, ...] | None = None, top: int = 10
) -> Stats:
    """Counts of every node and edge kind, top tags and cited papers, diagnostics."""
    tag_notes: Counter[str] = Counter()
    cited: Counter[str] = Counter()
    for node, data in G.nodes(data=True):
        kind = data[Attr.KIND]
        if kind == NodeKind.TAG.value:
            tag_notes[data[Attr.LABEL]] = G.in_degree(node)
        elif kind in (NodeKind.ITEM.value, NodeKind.ARXIV.value) and data.get(Attr.ARXIV_ID):
            citing = {u for u, _, data in G.in_edges(node, data=True) if data.get(Attr.KIND) == EdgeKind.CITES.value}
            if citing:
                cited[node] = len(citing)
    top_cited = [
        (G.nodes[node][Attr.ARXIV_ID], G.nodes[node][Attr.LABEL], count)
        for node, count in sorted(cited.items(), key=lambda kv: (-kv[1], G.nodes[kv[0]][Attr.ARXIV_ID]))[:top]
    ]
    dates = sorted(d.date for d in corpus.documents if d.date)
    read = {d.path for d in corpus.documents}
    communities = G.graph.get(Attr.COMMUNITIES)
    if communities is None:  # a graph the analysis stage has not seen: analyse it, leaving it as it is
        from .analysis import analyse_graph

        communities = [c.as_dict() for c in analyse_graph(G).communities]
    skipped = len({d.path for d in corpus.diagnostics if d.path not in read})
    return Stats(
        files=len(corpus.documents),
        entries=len(corpus.entries),
        summary=graph_summary(G),
        top_tags=sorted(tag_notes.items(), key=lambda kv: (-kv[1], kv[0]))[:top],
        top_cited=top_cited,
        date_range=(dates[0], dates[-1]) if dates else None,
        diagnostics=tuple(diagnostics if diagnostics is not None else corpus.diagnostics),
        lines=account_lines(corpus),
        skipped_files=skipped,
        communities=tuple(
            (c["id"], c["label"], c["size"], tuple(str(G.nodes[n].get(Attr.LABEL) or n) for n in c["top"][:3]))
            for c in communities
        ),
    )


def format_stats(stats: Stats) -> str:
    """A one-screen, aligned text report."""
    out = []
    span = f", {stats.date_range[0]} to {stats.date_range[1]}" if stats.date_range else ""
    out.append(f"{stats.files} files, {stats.entries} entries{span}")
    if stats.skipped_files:
        out.append(f"{stats.skipped_files} file(s) skipped (see diagnostics)")
    out.append("")
    out.append("nodes")
    for kind, count in stats.summary["nodes"].items():
        out.append(f"  {kind:<14}{count:>8}")
    out.append("edges")
    for kind, count in stats.summary["edges"].items():
        out.append(f"  {kind:<14}{count:>8}")
    if stats.top_tags:
        out.append("")
        out.append("top tags (notes)")
        for tag, count in stats.top_tags:
            out.append(f"  {count:>5}  #{tag}")
    if stats.top_cited:
        out.append("")
        out.append("most cited arXiv papers (citing notes)")
        for arxiv_id, label, count in stats.top_cited:
            shown = "" if label == f"arXiv:{arxiv_id}" else f"  {label[:60]}"
            out.append(f"  {count:>5}  {arxiv_id}{shown}")
    if stats.communities:
        out.append("")
        out.append("communities (papers, label; then the three most central papers)")
        for number, label, size, titles in stats.communities:
            out.append(f"  {number:>3} {size:>5}  {label}")
            out.extend(f"             {title[:70]}" for title in titles)
    lines = stats.lines
    out.append("")
    out.append(
        f"lines: {lines.content_lines} non-blank, {lines.in_fields} in record fields, "
        f"{lines.in_diagnostics} in diagnostics, {len(lines.unaccounted)} unaccounted"
    )
    out.append(f"diagnostics: {len(stats.diagnostics)}")
    for diagnostic in stats.diagnostics:
        out.append(f"  {diagnostic}")
    return "\n".join(out)
