"""GEXF 1.3 export (``graph.gexf``): the rich file for Gephi and Gephi Lite.

What GraphML cannot carry, GEXF has natively (``docs/gephi.md`` X1–X5):

* ``viz:color`` (integer r, g, b per kind), ``viz:size`` (from the degree)
  and ``viz:position`` (the shared layout, as in the HTML page);
* one ``<edge kind="…">`` per papergraph edge kind, so a note that is about
  a paper and also cites it keeps both edges; edges of the same kind between
  the same nodes (a paper cited twice in one note) become one edge whose
  ``weight`` counts them, with every edge's differing values in a plural list
  column (``lines``, ``urls``; see :func:`papergraph.exporters._gephi.bundle_values`);
* lists as ``liststring`` (``["a", "b"]``, quoted and escaped), which Gephi
  and Gephi Lite both split;
* a timeline: ``mode="dynamic" timeformat="date"``; every node and edge
  ``start``\\ s on the day it entered the reading history (digests, notes
  and items on their digest date, authors, tags, cited papers and links on
  the first note that mentions them), so Gephi's timeline replays the reading.

Node ids are papergraph's own ids; edge ids are ``e0``, ``e1``, …
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import cast

import networkx as nx

from ..graph import Attr
from . import ExportContext, Exporter
from ._gephi import (
    PREFERRED_EDGE_COLUMNS,
    PREFERRED_NODE_COLUMNS,
    XML_ILLEGAL,
    Columns,
    NodeRow,
    Piece,
    SharedRows,
    TextCleaner,
    as_column_value,
    bundle_values,
    clean_bundle,
    columns_of,
    edge_ids,
    escape_attribute,
    escape_text,
    first_seen_dates,
    plural_name,
    position_of,
    raw_bundles,
    unique_ids,
    value_text,
)
from .rdf import node_iris

__all__ = ["EXPORTER", "GEXF_NS", "NATIVE_EDGE_ATTRIBUTES", "VIZ_NS", "generate_gexf", "gexf_list"]

GEXF_NS = "http://gexf.net/1.3"
VIZ_NS = "http://gexf.net/1.3/viz"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{GEXF_NS} http://gexf.net/1.3/gexf.xsd"
GEXF_TYPES = {
    "bool": "boolean",
    "int": "integer",
    "long": "long",
    "float": "double",
    "str": "string",
    "list": "liststring",
}
NATIVE_EDGE_ATTRIBUTES = frozenset({Attr.KIND, Attr.LABEL})
"""Edge values written as ``<edge>`` attributes, not as attribute columns."""


def gexf_list(items: list[str]) -> str:
    """A ``liststring`` value: each item double-quoted, with ``\\`` and ``"`` escaped.

    Gephi (graphstore's ArraysParser) and Gephi Lite (graphology-gexf) both
    read quoted items, so commas and brackets inside an item are safe.

    >>> print(gexf_list(['a, b', 'say "hi"']))
    ["a, b", "say \\"hi\\""]
    """
    quoted = ('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items)
    return "[" + ", ".join(quoted) + "]"


def generate_gexf(G: nx.MultiDiGraph, ctx: ExportContext) -> bytes:
    """The GEXF 1.3 document of ``G`` as UTF-8 bytes (deterministic)."""
    cleaner = TextCleaner(G, ctx)
    ids = unique_ids(G.nodes, lambda text: XML_ILLEGAL.sub("", text) or "node")
    started = first_seen_dates(G)
    rows = ctx.shared("gephi rows", lambda: SharedRows(G, cleaner, node_iris(G, ctx.base_iri)))
    # Nodes first, then edges, each in graph order, as diagnostics are reported.
    nodes = _node_pieces(G, rows)
    edges = _edge_pieces(G, ctx, cleaner, started)
    node_columns = columns_of((piece.kinds for piece in nodes), PREFERRED_NODE_COLUMNS)
    edge_columns = columns_of((piece.kinds for piece in edges), PREFERRED_EDGE_COLUMNS)

    out = _head(ctx.title, started)
    for domain, columns in (("node", node_columns), ("edge", edge_columns)):
        if columns:
            out.append(_declarations(domain, columns))
    out.append(f'\n    <nodes count="{len(nodes)}">')
    nodes_at = len(out)
    out.append(f'\n    </nodes>\n    <edges count="{len(edges)}">')
    out.extend(_edge_elements(edges, ids, edge_columns))
    out.append("\n    </edges>\n  </graph>\n</gexf>\n")
    rendered = _node_elements(nodes, rows, ids, node_columns, started)
    # Everything but the positions is ready: only now wait for the layout.
    layout = ctx.layout
    out[nodes_at:nodes_at] = [
        text + _position(position_of(layout, node)) + "\n      </node>" for node, text in rendered
    ]
    return "".join(out).encode("utf-8")


def _head(title: str, started: dict[Hashable, str]) -> list[str]:
    """Everything before the attribute declarations: a timeline graph when anything has a date."""
    dynamic = bool(started)
    graph_attributes = {"defaultedgetype": "directed", "mode": "dynamic" if dynamic else "static"}
    if dynamic:
        graph_attributes.update({"timeformat": "date", "timerepresentation": "interval"})
    return [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<gexf xmlns="{GEXF_NS}" xmlns:viz="{VIZ_NS}" xmlns:xsi="{XSI_NS}" version="1.3" '
        f'xsi:schemaLocation="{SCHEMA_LOCATION}">',
        "\n  <meta" + (f' lastmodifieddate="{max(started.values())}"' if dynamic else "") + ">",
        f"\n    <creator>papergraph</creator>\n    <description>{escape_text(title)}</description>\n  </meta>",
        "\n  <graph" + "".join(f' {name}="{value}"' for name, value in graph_attributes.items()) + ">",
    ]


def _node_pieces(G: nx.MultiDiGraph, rows: SharedRows) -> list[Piece]:
    """One filled piece per node; the label is left out of the columns (it is the ``<node>``'s own attribute)."""

    def node_values(piece: Piece) -> None:
        row = rows.get(piece.subject)
        piece.values = {k: v for k, v in row.values.items() if k != Attr.LABEL}

    nodes = []
    for node in G:
        piece = Piece(node, node_values)
        piece.fill()
        nodes.append(piece)
    return nodes


def _edge_pieces(
    G: nx.MultiDiGraph, ctx: ExportContext, cleaner: TextCleaner, started: dict[Hashable, str]
) -> list[_EdgePiece]:
    """One filled piece per bundle of same-kind edges between two nodes, from the day both ends exist."""

    def edge_values(piece: _EdgePiece) -> None:
        bundle = clean_bundle(cleaner, *piece.subject)  # type: ignore[misc]
        names = list(dict.fromkeys(name for edge in bundle.edges for name in edge))
        scalars, lists = bundle_values(bundle, names)
        # kind and label are the <edge>'s own attributes; values that differ
        # between the bundled edges go in a plural list column
        values = {k: v for k, v in scalars.items() if k not in NATIVE_EDGE_ATTRIBUTES}
        taken = set(names)
        for name, items in lists.items():
            values[plural_name(name, taken)] = ["" if v is None else value_text(v) for v in items]
        piece.values = values
        piece.scalars = scalars

    edges = []
    raw_edges = ctx.shared("gephi edges", lambda: list(G.edges(data=True)))
    for source, target, raw in raw_bundles(raw_edges, lambda data: data.get(Attr.KIND)):
        start = _edge_start(started.get(source), started.get(target))
        piece = _EdgePiece((source, target, raw), edge_values, start)  # type: ignore[arg-type]
        piece.fill()
        edges.append(piece)
    return edges


def _edge_elements(edges: list[_EdgePiece], ids: dict[Hashable, str], columns: Columns) -> list[str]:
    """The ``<edge>`` elements, with ids made from their ends and kind (see :func:`edge_ids`)."""

    def edge_rest(piece: _EdgePiece) -> str:
        """The edge element after its id (which depends on the edge's place in the file)."""
        source, target, raw = cast(tuple[Hashable, Hashable, list], piece.subject)
        scalars = piece.scalars
        attributes = (
            f'source="{escape_attribute(ids[source])}" target="{escape_attribute(ids[target])}" '
            f'kind="{escape_attribute(str(scalars.get(Attr.KIND, "edge")))}"'
        )
        label = scalars.get(Attr.LABEL)
        if isinstance(label, str):
            attributes += f' label="{escape_attribute(label)}"'
        attributes += f' weight="{float(len(raw))!r}"'
        if piece.start:
            attributes += f' start="{piece.start}"'
        attvalues = _attvalues(piece.values, columns, "        ")  # type: ignore[arg-type]
        return attributes + (f">{attvalues}\n      </edge>" if attvalues else "/>")

    keys = ((ids[s], ids[t], str(kind)) for s, t, kind in (_edge_key(piece) for piece in edges))
    return [
        f'\n      <edge id="{edge_id}" ' + piece.text(edge_rest)  # type: ignore[arg-type]
        for edge_id, piece in zip(edge_ids(keys), edges)
    ]


def _node_elements(
    nodes: list[Piece], rows: SharedRows, ids: dict[Hashable, str], columns: Columns, started: dict[Hashable, str]
) -> list[tuple[Hashable, str]]:
    """Each node and its ``<node>`` element up to its position, which waits for the layout."""

    def node_text(piece: Piece) -> str:
        row = rows.get(piece.subject)
        return _node(ids[row.id], row, piece.values, columns, started.get(row.id))  # type: ignore[arg-type]

    return [(piece.subject, piece.text(node_text)) for piece in nodes]


def _edge_key(piece: Piece) -> tuple[Hashable, Hashable, object]:
    """What a GEXF edge bundles: its source, target and kind."""
    source, target, raw = cast(tuple[Hashable, Hashable, list], piece.subject)
    return source, target, raw[0].get(Attr.KIND) if raw else None


class _EdgePiece(Piece):
    """An edge bundle's piece, with its start date and, once cleaned, the bundle's scalar values."""

    __slots__ = ("scalars", "start")

    def __init__(
        self,
        subject: tuple,
        fill: Callable[[Piece], None],
        start: str | None,
    ):
        super().__init__(subject, fill)
        self.start = start
        self.scalars: dict[str, object] = {}


def _edge_start(source: str | None, target: str | None) -> str | None:
    """An edge exists from the day both its ends do."""
    dates = [d for d in (source, target) if d]
    return max(dates) if dates else None


def _declarations(domain: str, columns: Columns) -> str:
    declared = "".join(
        f'\n      <attribute id="{escape_attribute(c.name)}" title="{escape_attribute(c.name)}" type="{GEXF_TYPES[c.type]}"/>'
        for c in columns
    )
    return f'\n    <attributes class="{domain}" mode="static">{declared}\n    </attributes>'


def _node(node_id: str, row: NodeRow, values: dict[str, object], columns: Columns, start: str | None) -> str:
    """A ``<node>`` up to its position (see :func:`_position`), without its end tag."""
    attributes = f'id="{escape_attribute(node_id)}" label="{escape_attribute(str(row.values[Attr.LABEL]))}"'
    if start:
        attributes += f' start="{start}"'
    red, green, blue = (int(row.color[i : i + 2], 16) for i in (1, 3, 5))
    return "".join(
        (
            f"\n      <node {attributes}>",
            _attvalues(values, columns, "        "),
            f'\n        <viz:color r="{red}" g="{green}" b="{blue}"/>',
            f'\n        <viz:size value="{float(row.size)!r}"/>',
        )
    )


def _position(position: tuple[float, float] | None) -> str:
    if position is None:
        return ""
    x, y = position
    return f'\n        <viz:position x="{x!r}" y="{y!r}" z="0.0"/>'


def _attvalues(values: dict[str, object], columns: Columns, indent: str) -> str:
    """An ``<attvalues>`` block at ``indent`` (empty string when there is no value)."""
    items = []
    for column in columns.present(values):
        value = as_column_value(values[column.name], column)
        text = gexf_list(value) if isinstance(value, list) else value_text(value)
        items.append(f'\n{indent}  <attvalue for="{escape_attribute(column.name)}" value="{escape_attribute(text)}"/>')
    if not items:
        return ""
    return f"\n{indent}<attvalues>" + "".join(items) + f"\n{indent}</attvalues>"


def _generate(G: nx.MultiDiGraph, ctx: ExportContext) -> dict[str, bytes]:
    return {"graph.gexf": generate_gexf(G, ctx)}


EXPORTER = Exporter(
    name="gexf",
    description="GEXF 1.3 for Gephi and Gephi Lite (colours, sizes, positions, edge kinds, lists, timeline)",
    files=("graph.gexf",),
    generate=_generate,
    uses_layout=True,
    group="gephi",
)
