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

import io

import networkx as nx
from lxml import etree

from ..graph import Attr
from . import ExportContext, Exporter
from ._gephi import (
    PREFERRED_EDGE_COLUMNS,
    PREFERRED_NODE_COLUMNS,
    XML_ILLEGAL,
    Columns,
    NodeRow,
    TextCleaner,
    as_column_value,
    bundle_values,
    edge_bundles,
    first_seen_dates,
    infer_columns,
    node_rows,
    plural_name,
    unique_ids,
    value_text,
)

__all__ = ["EXPORTER", "generate_gexf", "gexf_list", "GEXF_NS", "VIZ_NS", "NATIVE_EDGE_ATTRIBUTES"]

GEXF_NS = "http://gexf.net/1.3"
VIZ_NS = "http://gexf.net/1.3/viz"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{GEXF_NS} http://gexf.net/1.3/gexf.xsd"
GEXF_TYPES = {"bool": "boolean", "int": "integer", "long": "long", "float": "double", "str": "string",
              "list": "liststring"}
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
    rows = node_rows(G, ctx, cleaner)
    node_values = [{k: v for k, v in row.values.items() if k != Attr.LABEL} for row in rows]
    node_columns = infer_columns(node_values, PREFERRED_NODE_COLUMNS)

    bundles = edge_bundles(G, cleaner, lambda data: data.get(Attr.KIND))
    edges = []
    for bundle in bundles:
        names = list(dict.fromkeys(name for edge in bundle.edges for name in edge))
        scalars, lists = bundle_values(bundle, names)
        values = {k: v for k, v in scalars.items() if k not in NATIVE_EDGE_ATTRIBUTES}
        taken = set(names)
        for name, items in lists.items():
            values[plural_name(name, taken)] = ["" if v is None else value_text(v) for v in items]
        start = _edge_start(started.get(bundle.source), started.get(bundle.target))
        edges.append((bundle, scalars, values, start))
    edge_columns = infer_columns((values for _, _, values, _ in edges), PREFERRED_EDGE_COLUMNS)

    dynamic = bool(started)
    graph_attributes = {"defaultedgetype": "directed", "mode": "dynamic" if dynamic else "static"}
    if dynamic:
        graph_attributes.update({"timeformat": "date", "timerepresentation": "interval"})

    buffer = io.BytesIO()
    buffer.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    with etree.xmlfile(buffer, encoding="UTF-8") as xf:
        root = {"version": "1.3", f"{{{XSI_NS}}}schemaLocation": SCHEMA_LOCATION}
        with xf.element(f"{{{GEXF_NS}}}gexf", root, nsmap={None: GEXF_NS, "viz": VIZ_NS, "xsi": XSI_NS}):
            # Elements without a namespace written inside the root are in its
            # default namespace; only the viz: elements need their own prefix.
            xf.write("\n  ")
            meta = etree.Element("meta")
            if dynamic:
                meta.set("lastmodifieddate", max(started.values()))
            etree.SubElement(meta, "creator").text = "papergraph"
            etree.SubElement(meta, "description").text = ctx.title
            xf.write(meta)
            xf.write("\n  ")
            with xf.element(f"{{{GEXF_NS}}}graph", graph_attributes):
                for domain, columns in (("node", node_columns), ("edge", edge_columns)):
                    if columns:
                        xf.write("\n    ")
                        xf.write(_declarations(domain, columns))
                xf.write("\n    ")
                with xf.element(f"{{{GEXF_NS}}}nodes", count=str(len(rows))):
                    for row, values in zip(rows, node_values):
                        _write_node(xf, ids[row.id], row, values, node_columns, started.get(row.id))
                    xf.write("\n    ")
                xf.write("\n    ")
                with xf.element(f"{{{GEXF_NS}}}edges", count=str(len(edges))):
                    for index, (bundle, scalars, values, start) in enumerate(edges):
                        attributes = {
                            "id": f"e{index}", "source": ids[bundle.source], "target": ids[bundle.target],
                            "kind": str(scalars.get(Attr.KIND, "edge")),
                        }
                        if isinstance(scalars.get(Attr.LABEL), str):
                            attributes["label"] = scalars[Attr.LABEL]
                        attributes["weight"] = repr(float(len(bundle.edges)))
                        if start:
                            attributes["start"] = start
                        element = etree.Element("edge", attributes)
                        _add_attvalues(element, values, edge_columns, level=3)
                        xf.write("\n      ")
                        xf.write(element)
                    xf.write("\n    ")
                xf.write("\n  ")
            xf.write("\n")
    buffer.write(b"\n")
    return buffer.getvalue()


def _edge_start(source: str | None, target: str | None) -> str | None:
    """An edge exists from the day both its ends do."""
    dates = [d for d in (source, target) if d]
    return max(dates) if dates else None


def _declarations(domain: str, columns: Columns) -> etree._Element:
    element = etree.Element("attributes", {"class": domain, "mode": "static"})
    element.text = "\n      "
    for column in columns:
        child = etree.SubElement(element, "attribute", id=column.name, title=column.name, type=GEXF_TYPES[column.type])
        child.tail = "\n      "
    child.tail = "\n    "
    return element


def _write_node(xf: etree.xmlfile, node_id: str, row: NodeRow, values: dict[str, object], columns: Columns,
                start: str | None) -> None:
    attributes = {"id": node_id, "label": str(row.values[Attr.LABEL])}
    if start:
        attributes["start"] = start
    xf.write("\n      ")
    with xf.element(f"{{{GEXF_NS}}}node", attributes):
        attvalues = etree.Element("attvalues")
        _fill_attvalues(attvalues, values, columns, level=5)
        if len(attvalues):
            xf.write("\n        ")
            xf.write(attvalues)
        red, green, blue = (int(row.color[i:i + 2], 16) for i in (1, 3, 5))
        xf.write("\n        ")
        with xf.element(f"{{{VIZ_NS}}}color", r=str(red), g=str(green), b=str(blue)):
            pass
        xf.write("\n        ")
        with xf.element(f"{{{VIZ_NS}}}size", value=repr(float(row.size))):
            pass
        if row.position is not None:
            x, y = row.position
            xf.write("\n        ")
            with xf.element(f"{{{VIZ_NS}}}position", x=repr(x), y=repr(y), z="0.0"):
                pass
        xf.write("\n      ")


def _add_attvalues(element: etree._Element, values: dict[str, object], columns: Columns, level: int) -> None:
    attvalues = etree.Element("attvalues")
    _fill_attvalues(attvalues, values, columns, level + 2)
    if len(attvalues):
        element.text = "\n" + "  " * (level + 1)
        element.append(attvalues)
        attvalues.tail = "\n" + "  " * level


def _fill_attvalues(attvalues: etree._Element, values: dict[str, object], columns: Columns, level: int) -> None:
    indent = "\n" + "  " * level
    for column in columns.present(values):
        value = as_column_value(values[column.name], column)
        text = gexf_list(value) if isinstance(value, list) else value_text(value)
        child = etree.SubElement(attvalues, "attvalue", {"for": column.name, "value": text})
        child.tail = indent
    if len(attvalues):
        attvalues.text = indent
        attvalues[-1].tail = indent[:-2]


def _generate(G: nx.MultiDiGraph, ctx: ExportContext) -> dict[str, bytes]:
    return {"graph.gexf": generate_gexf(G, ctx)}


EXPORTER = Exporter(
    name="gexf",
    description="GEXF 1.3 for Gephi and Gephi Lite (colours, sizes, positions, edge kinds, lists, timeline)",
    files=("graph.gexf",),
    generate=_generate,
    uses_layout=True,
)
