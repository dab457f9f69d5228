"""GraphML export (``graph.graphml``): the strict, portable file for Gephi, igraph, networkx, yEd.

Follows every rule R1–R16 of ``docs/gephi.md``, in the subset of GraphML
that all of those readers and the GraphML 1.0 XSD accept:

* UTF-8 without XML-illegal characters (removed, with a diagnostic);
* node ids are XML name tokens: a papergraph id with ``/`` becomes ``:``
  (``note:2024-02-08:w-…``), anything else unusual is hashed; the original id
  is the ``node_id`` column;
* one ``<key>`` per (node/edge, name), declared before the graph, typed with
  the six portable types only; no missing, NaN or list values (lists are
  joined with ``"; "``, commentary lines with newlines);
* every node has a non-blank ``label``, a display ``kind`` (an item's type:
  paper, model, blog, other), ``year`` from its ``date``, a degree-based
  ``size``, a ``color`` per kind (``#RRGGBB``) and ``x``/``y`` from the shared
  layout;
* one edge per (source, target) pair, with a unique id (``e0``, ``e1``, …):
  parallel edges are collapsed, ``kind`` joins their distinct kinds with ``;``
  and ``weight`` counts them; where their values differ, the first value is
  kept in the column and every edge's value in a plural column (``lines``,
  ``urls``, ``kinds``; see :func:`papergraph.exporters._gephi.bundle_values`).
"""

from __future__ import annotations

import re
from collections.abc import Hashable

import networkx as nx

from ..identifiers import h16
from . import ExportContext, Exporter
from ._gephi import (
    LINE_LISTS,
    PREFERRED_EDGE_COLUMNS,
    PREFERRED_NODE_COLUMNS,
    Column,
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
    plural_name,
    position_of,
    quoted_ids,
    unique_ids,
    value_kinds,
    value_text,
)
from .rdf import node_iris

__all__ = ["EXPORTER", "GRAPHML_NS", "LIST_SEPARATOR", "generate_graphml", "graphml_node_id"]

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{GRAPHML_NS} http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"
LIST_SEPARATOR = "; "
POSITION_COLUMNS = (Column("x", "float"), Column("y", "float"))
GRAPHML_TYPES = {"bool": "boolean", "int": "int", "long": "long", "float": "double", "str": "string", "list": "string"}

# ASCII name characters, and Latin-1, Hangul and CJK letters: name characters in every XML edition.
TOKEN = re.compile(r"[A-Za-z0-9._:\-\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u4e00-\u9fa5\uac00-\ud7a3]{1,100}")


def graphml_node_id(node_id: str) -> str:
    """A papergraph node id as an ``xs:NMTOKEN``: ``/`` becomes ``:``, anything else is hashed.

    >>> graphml_node_id("note:2024-02-08/w-0123")
    'note:2024-02-08:w-0123'
    >>> graphml_node_id("tag:long context?")
    'tag:h-a3291acf7b06bbe6'
    """
    candidate = node_id.replace("/", ":")
    if TOKEN.fullmatch(candidate):
        return candidate
    prefix = node_id.split(":", 1)[0] if ":" in node_id else ""
    return f"{prefix}:h-{h16(node_id)}" if TOKEN.fullmatch(prefix) else f"h-{h16(node_id)}"


def generate_graphml(G: nx.MultiDiGraph, ctx: ExportContext) -> bytes:
    """The GraphML document of ``G`` as UTF-8 bytes (deterministic); ``x`` and ``y`` are the last columns."""
    cleaner = TextCleaner(G, ctx)
    ids = unique_ids(G.nodes, graphml_node_id)
    rows = ctx.shared("gephi rows", lambda: SharedRows(G, cleaner, node_iris(G, ctx.base_iri)))
    nodes = _nodes(G, rows, cleaner)
    edges = _edges(G, ctx, cleaner)
    node_columns = columns_of((value_kinds(values) for _, values in nodes), PREFERRED_NODE_COLUMNS)
    node_columns = Columns((*node_columns, *POSITION_COLUMNS))
    edge_columns = columns_of((value_kinds(values) for _, _, values in edges), (*PREFERRED_EDGE_COLUMNS, "weight"))
    keys, declarations = _declare_keys({"node": node_columns, "edge": edge_columns})
    node_tags, edge_tags = keys["node"], keys["edge"]
    rendered = [_children(values, node_columns, node_tags) for _, values in nodes]
    quoted = quoted_ids(ids)
    edge_part = "".join(
        f'\n    <edge id="{edge_id}" source="{quoted[source]}" target="{quoted[target]}"'
        + _element_end(_children(values, edge_columns, edge_tags), "edge")
        for edge_id, (source, target, values) in zip(edge_ids((ids[s], ids[t]) for s, t, _ in edges), edges)
    )
    # Everything but the positions is ready: only now ask for the layout.
    placed = _placed_nodes([node for node, _ in nodes], rendered, quoted, ctx.layout, node_tags)
    return "".join(
        (
            '<?xml version="1.0" encoding="UTF-8"?>\n',
            f'<graphml xmlns="{GRAPHML_NS}" xmlns:xsi="{XSI_NS}" xsi:schemaLocation="{SCHEMA_LOCATION}">',
            declarations,
            '\n  <graph id="G" edgedefault="directed">',
            placed,
            edge_part,
            "\n  </graph>\n</graphml>\n",
        )
    ).encode("utf-8")


def _nodes(G: nx.MultiDiGraph, rows: SharedRows, cleaner: TextCleaner) -> list[tuple[Hashable, dict[str, object]]]:
    """Each node with its values as GraphML writes them.

    Rows first, then ids (in :func:`_node_values`), each in graph order, as
    diagnostics are reported.
    """
    node_rows = [rows.get(node) for node in G]
    return [(row.id, _node_values(row, cleaner)) for row in node_rows]


def _edges(G: nx.MultiDiGraph, ctx: ExportContext, cleaner: TextCleaner) -> list[tuple[Hashable, Hashable, dict]]:
    """``(source, target, values)`` per pair of nodes: GraphML gets one edge for all edges between them."""
    return [
        (bundle.source, bundle.target, _edge_values(bundle))
        for bundle in bundles(cleaned_edges(G, ctx, cleaner), lambda values: None)
    ]


def _declare_keys(columns: dict[str, Columns]) -> tuple[dict[str, dict[str, str]], str]:
    """Per domain, each column's ``<data>`` start tag (keys ``d0``, ``d1``, … in order), and the elements declaring them."""
    tags: dict[str, dict[str, str]] = {}
    declarations: list[str] = []
    for domain, domain_columns in columns.items():
        tags[domain] = {}
        for column in domain_columns:
            key = f"d{len(declarations)}"
            tags[domain][column.name] = f'\n      <data key="{key}">'
            declarations.append(
                f'\n  <key id="{key}" for="{domain}" '
                f'attr.name="{escape_attribute(column.name)}" attr.type="{GRAPHML_TYPES[column.type]}"/>'
            )
    return tags, "".join(declarations)


def _placed_nodes(
    nodes: list[Hashable], rendered: list[str], quoted: dict[Hashable, str], layout: dict, tags: dict[str, str]
) -> str:
    """The ``<node>`` elements (``quoted``: each node's id, escaped), each with its
    ``x``/``y`` from the layout (none for a node it does not place)."""
    out = []
    for node, children in zip(nodes, rendered):
        position = position_of(layout, node)
        if position is not None:
            children += f"{tags['x']}{value_text(position[0])}</data>{tags['y']}{value_text(position[1])}</data>"
        out.append(f'\n    <node id="{quoted[node]}"' + _element_end(children, "node"))
    return "".join(out)


def _node_values(row: NodeRow, cleaner: TextCleaner) -> dict[str, object]:
    """A row's values as GraphML writes them."""
    values = dict(row.values)
    values["node_id"] = cleaner.text(str(row.id), row.id, "id")
    values["size"] = row.size
    values["color"] = row.color
    values.pop("x", None), values.pop("y", None)  # the position columns
    return values


def _edge_values(bundle: EdgeBundle) -> dict[str, object]:
    names = list(dict.fromkeys(name for edge in bundle.edges for name in edge))
    scalars, lists = bundle_values(bundle, names)
    values: dict[str, object] = dict(scalars)
    values["weight"] = float(len(bundle.edges))
    taken = set(names) | {"weight"}
    for name, items in lists.items():
        values[plural_name(name, taken)] = LIST_SEPARATOR.join("" if v is None else value_text(v) for v in items)
    return values


def _children(values: dict[str, object], columns: Columns, tags: dict[str, str]) -> str:
    """The ``<data>`` children of a node or an edge (``tags``: each column's start tag)."""
    children = []
    for column in columns.present(values):
        text = values[column.name]
        if type(text) is not str or column.type != "str":  # most values are text already
            value = as_column_value(text, column)
            if isinstance(value, list):
                separator = "\n" if column.name in LINE_LISTS else LIST_SEPARATOR
                value = separator.join(value)
            text = value if isinstance(value, str) else value_text(value)
        children.append(f"{tags[column.name]}{escape_text(text)}</data>")
    return "".join(children)


def _element_end(children: str, domain: str) -> str:
    """The rest of a ``<node``/``<edge`` start tag: its children and the end tag."""
    return f">{children}\n    </{domain}>" if children else "/>"


def _generate(G: nx.MultiDiGraph, ctx: ExportContext) -> dict[str, bytes]:
    return {"graph.graphml": generate_graphml(G, ctx)}


EXPORTER = Exporter(
    name="graphml",
    description="GraphML for Gephi, igraph, networkx and yEd (strict, XSD-valid, laid out and coloured)",
    files=("graph.graphml",),
    generate=_generate,
    uses_layout=True,
    group="gephi",
)
