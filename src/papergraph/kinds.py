"""How each node kind looks, in one table per view: the explorer and Gephi.

Adding a node kind means a row here (without one, a kind is drawn like an
item in the explorer and grey in Gephi), its name in
:class:`papergraph.graph.NodeKind`, the code in ``linking.py``/``graph.py``
that creates its nodes, and its RDF class in ``exporters/rdf.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .graph import NodeKind

__all__ = ["DEFAULT_COLOR", "GEPHI_COLORS", "PAGE_STYLES", "KindStyle"]


@dataclass(frozen=True)
class KindStyle:
    """How one node kind looks in the explorer: legend name, colours, vis shape."""

    legend: str
    color: str
    border: str
    shape: str = "dot"


# Fixed strings only: these become vis `groups` and legend rows, so no input
# text can ever reach the page's options object. Every fill has at least 3:1
# contrast against the page's white background (WCAG 1.4.11; tested), and
# the shape tells kinds apart without colour.
PAGE_STYLES: Mapping[str, KindStyle] = {
    NodeKind.ITEM.value: KindStyle("Papers & items", "#2563eb", "#1e3a8a"),
    NodeKind.NOTE.value: KindStyle("Notes", "#64748b", "#334155"),
    NodeKind.DIGEST.value: KindStyle("Digests (days)", "#b45309", "#78350f", "diamond"),
    NodeKind.TAG.value: KindStyle("Tags", "#047857", "#064e3b", "triangle"),
    NodeKind.ARXIV.value: KindStyle("Cited arXiv papers", "#6d28d9", "#4c1d95", "square"),
    NodeKind.PERSON.value: KindStyle("People", "#be185d", "#831843"),
    NodeKind.ORGANIZATION.value: KindStyle("Organisations", "#9f1239", "#4c0519", "square"),
    NodeKind.LINK.value: KindStyle("Web & code links", "#0e7490", "#164e63", "triangleDown"),
}

# One colour per kind shown in Gephi, where items show their type (paper,
# model, blog, other). Tableau 10, which stays readable on white and black.
GEPHI_COLORS: Mapping[str, str] = {
    NodeKind.DIGEST.value: "#7F7F7F",
    NodeKind.NOTE.value: "#1F77B4",
    "paper": "#D62728",
    "model": "#E377C2",
    "blog": "#BCBD22",
    "other": "#AD494A",
    NodeKind.ARXIV.value: "#FF7F0E",
    NodeKind.PERSON.value: "#2CA02C",
    NodeKind.ORGANIZATION.value: "#17BECF",
    NodeKind.TAG.value: "#9467BD",
    NodeKind.LINK.value: "#8C564B",
}
DEFAULT_COLOR = "#AAAAAA"
