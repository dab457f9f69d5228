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

from collections.abc import Hashable
from dataclasses import dataclass

import networkx as nx

from ..graph import Attr
from . import ExportContext, Exporter
from ._gephi import (
    PREFERRED_EDGE_COLUMNS,
    PREFERRED_NODE_COLUMNS,
    XML_ILLEGAL,
    Columns,
    EdgeBundle,
    NodeRow,
    SharedRows,
    TextCleaner,
    as_column_value,
    bundle_values,
    bundles,
    cleaned_edges,
    columns_of,
    edge_ids,
    escape_attribute,
    escape_text,
    first_seen_dates,
    plural_name,
    position_of,
    quoted_ids,
    unique_ids,
    value_kinds,
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
    quoted = quoted_ids(ids)
    started = first_seen_dates(G)
    rows = ctx.shared("gephi rows", lambda: SharedRows(G, cleaner, node_iris(G, ctx.base_iri)))
    # Nodes first, then edges, each in graph order, as diagnostics are reported.
    nodes = [rows.get(node) for node in G]
    node_values = [{k: v for k, v in row.values.items() if k != Attr.LABEL} for row in nodes]
    edges = _edges(G, ctx, cleaner, started)
    node_columns = columns_of(map(value_kinds, node_values), PREFERRED_NODE_COLUMNS)
    edge_columns = columns_of((value_kinds(edge.values) for edge in edges), PREFERRED_EDGE_COLUMNS)

    out = _head(ctx.title, started)
    for domain, columns in (("node", node_columns), ("edge", edge_columns)):
        if columns:
            out.append(_declarations(domain, columns))
    out.append(f'\n    <nodes count="{len(nodes)}">')
    nodes_at = len(out)
    out.append(f'\n    </nodes>\n    <edges count="{len(edges)}">')
    out.extend(_edge_elements(edges, ids, quoted, edge_columns))
    out.append("\n    </edges>\n  </graph>\n</gexf>\n")
    rendered = [
        _node(quoted[row.id], row, values, node_columns, started.get(row.id)) for row, values in zip(nodes, node_values)
    ]
    # Everything but the positions is ready: only now ask for the layout.
    layout = ctx.layout
    out[nodes_at:nodes_at] = [
        text + _position(position_of(layout, row.id)) + "\n      </node>" for row, text in zip(nodes, rendered)
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


@dataclass(frozen=True)
class _Edge:
    """A bundle of same-kind edges between two nodes, as one ``<edge>``."""

    bundle: EdgeBundle
    scalars: dict[str, object]
    """What stands for the bundled edges' values (:func:`bundle_values`)."""
    values: dict[str, object]
    """The ``<attvalues>``: the scalars but kind and label, and a plural list column per value that differs."""
    start: str | None
    """The day both ends exist."""


def _edges(G: nx.MultiDiGraph, ctx: ExportContext, cleaner: TextCleaner, started: dict[Hashable, str]) -> list[_Edge]:
    """One edge per bundle of same-kind edges between two nodes, from the day both ends exist."""
    edges = []
    for bundle in bundles(cleaned_edges(G, ctx, cleaner), lambda values: values.get(Attr.KIND)):
        names = list(dict.fromkeys(name for edge in bundle.edges for name in edge))
        scalars, lists = bundle_values(bundle, names)
        # kind and label are the <edge>'s own attributes; values that differ
        # between the bundled edges go in a plural list column
        values = {k: v for k, v in scalars.items() if k not in NATIVE_EDGE_ATTRIBUTES}
        taken = set(names)
        for name, items in lists.items():
            values[plural_name(name, taken)] = ["" if v is None else value_text(v) for v in items]
        start = _edge_start(started.get(bundle.source), started.get(bundle.target))
        edges.append(_Edge(bundle, scalars, values, start))
    return edges


def _edge_elements(
    edges: list[_Edge], ids: dict[Hashable, str], quoted: dict[Hashable, str], columns: Columns
) -> list[str]:
    """The ``<edge>`` elements, with ids made from their ends and kind (see :func:`edge_ids`;
    ``quoted``: the node ids as attribute values)."""

    def edge_rest(edge: _Edge) -> str:
        """The edge element after its id (which depends on the edge's place in the file)."""
        scalars = edge.scalars
        attributes = (
            f'source="{quoted[edge.bundle.source]}" target="{quoted[edge.bundle.target]}" '
            f'kind="{escape_attribute(str(scalars.get(Attr.KIND, "edge")))}"'
        )
        label = scalars.get(Attr.LABEL)
        if isinstance(label, str):
            attributes += f' label="{escape_attribute(label)}"'
        attributes += f' weight="{float(len(edge.bundle.edges))!r}"'
        if edge.start:
            attributes += f' start="{edge.start}"'
        attvalues = _attvalues(edge.values, columns, "        ")
        return attributes + (f">{attvalues}\n      </edge>" if attvalues else "/>")

    keys = ((ids[e.bundle.source], ids[e.bundle.target], str(e.bundle.edges[0].get(Attr.KIND))) for e in edges)
    return [f'\n      <edge id="{edge_id}" ' + edge_rest(edge) for edge_id, edge in zip(edge_ids(keys), edges)]


def _edge_start(source: str | None, target: str | None) -> str | None:
    """An edge exists from the day both its ends do."""
    dates = [d for d in (source, target) if d]
    return max(dates) if dates else None


def _declarations(domain: str, columns: Columns) -> str:
    names = columns.escaped_names
    declared = "".join(
        f'\n      <attribute id="{names[c.name]}" title="{names[c.name]}" type="{GEXF_TYPES[c.type]}"/>'
        for c in columns
    )
    return f'\n    <attributes class="{domain}" mode="static">{declared}\n    </attributes>'


def _node(quoted_id: str, row: NodeRow, values: dict[str, object], columns: Columns, start: str | None) -> str:
    """A ``<node>`` up to its position (see :func:`_position`), without its end tag."""
    attributes = f'id="{quoted_id}" label="{escape_attribute(str(row.values[Attr.LABEL]))}"'
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
    names = columns.escaped_names
    for column in columns.present(values):
        text = values[column.name]
        if type(text) is not str or column.type != "str":  # most values are text already
            value = as_column_value(text, column)
            text = gexf_list(value) if isinstance(value, list) else value_text(value)
        items.append(f'\n{indent}  <attvalue for="{names[column.name]}" value="{escape_attribute(text)}"/>')
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
