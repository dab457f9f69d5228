"""What the GraphML and GEXF exporters share: clean values, columns, colours, edge bundles.

Both files are read by Gephi, Gephi Lite, igraph and networkx, which agree
on very little (``docs/gephi.md``). This module turns the networkx graph into
rows that every one of them reads the same way:

* text without XML-illegal characters (removed, with a diagnostic);
* no ``None``, NaN or infinite values (dropped: a missing value stays missing);
* one type per column, decided from all values of that column;
* a non-blank label, a display kind, a year, a size and a colour per node;
* edges bundled so that no two edges of the file share source, target and
  kind (Gephi merges those): :func:`bundle_values` says how the values of the
  bundled edges are kept.

The exporters only decide the syntax: how lists are written, what the ids are.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import networkx as nx

from ..graph import ITEM_TYPES, Attr, NodeKind
from ..identifiers import h16
from ..kinds import DEFAULT_COLOR, GEPHI_COLORS
from ..model import Diagnostic
from . import ExportContext

__all__ = [
    "DEFAULT_COLOR",
    "KIND_COLORS",
    "RENAMED_NODE_ATTRIBUTES",
    "XML_ILLEGAL",
    "Column",
    "Columns",
    "EdgeBundle",
    "NodeRow",
    "SharedRows",
    "TextCleaner",
    "ValueKinds",
    "bundle_values",
    "bundles",
    "cleaned_edges",
    "columns_of",
    "escape_attribute",
    "escape_text",
    "first_seen_dates",
    "node_row",
    "plural_name",
    "position_of",
    "quoted_ids",
    "unique_ids",
    "value_kinds",
    "value_text",
]

XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
"""Characters XML 1.0 cannot carry, not even escaped (one of them aborts a whole Gephi import)."""

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_TEXT_SPECIAL = re.compile("[&<>\r]")
_ATTRIBUTE_SPECIAL = re.compile('[&<>"\n\r\t]')


def escape_text(value: str) -> str:
    r"""XML character data: ``&`` and ``<`` escaped, ``>`` only where it would close
    ``]]>``, and ``\r`` kept as ``&#13;`` (a raw one would be normalised away).

    Escaping as little as XML requires keeps Gephi's default (JDK StAX)
    parser from splitting text at entity references and dropping the
    whitespace-only pieces between them (``&gt; &amp;`` would lose its space).

    >>> escape_text('<b> & "q" ]]>')
    '&lt;b> &amp; "q" ]]&gt;'
    """
    if _TEXT_SPECIAL.search(value) is None:
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;").replace("]]>", "]]&gt;").replace("\r", "&#13;")


def escape_attribute(value: str) -> str:
    r"""An XML attribute value in double quotes; newlines and tabs as character
    references, so parsers do not normalise them to spaces.

    >>> escape_attribute('a "b"\nc')
    'a &quot;b&quot;&#10;c'
    """
    if _ATTRIBUTE_SPECIAL.search(value) is None:
        return value
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


KIND_COLORS = GEPHI_COLORS  # the name the exporters and tests use

# Graph attributes written under another name. networkx's GEXF writer takes a
# node attribute called "key" for its own multigraph key and renames it.
RENAMED_NODE_ATTRIBUTES = {Attr.KEY: "node_key"}
# The column with each node's IRI in the RDF export.
RDF_IRI = "rdf_iri"

# Attributes whose values are lines of prose: joined with newlines, not "; ".
LINE_LISTS = frozenset({Attr.COMMENTARY_KO, Attr.COMMENTARY_EN})

# Column order in both files: what Gephi users look at first, then the rest by name.
PREFERRED_NODE_COLUMNS = (
    Attr.LABEL,
    Attr.KIND,
    Attr.TITLE,
    Attr.NAME,
    Attr.DATE,
    "year",
    Attr.TAGS,
    Attr.ARXIV_ID,
    Attr.URL,
    Attr.ITEM_TYPE,
    Attr.AUTHORS,
)
PREFERRED_EDGE_COLUMNS = (Attr.KIND, Attr.LABEL, Attr.POSITION, Attr.NAME, Attr.LINE, Attr.URL, Attr.VERSION)


@dataclass(frozen=True, slots=True)
class Column:
    """One attribute column: its name and the Python type of its values.

    ``type`` is one of ``bool``, ``int`` (fits in 32 bits), ``long``,
    ``float``, ``str`` or ``list`` (of strings; other items are turned into
    strings).
    """

    name: str
    type: str


@dataclass(frozen=True)
class Columns:
    """The columns of one table (nodes or edges), in file order."""

    columns: tuple[Column, ...]

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    @cached_property
    def _rank(self) -> dict[str, tuple[int, Column]]:
        return {column.name: (i, column) for i, column in enumerate(self.columns)}

    @cached_property
    def escaped_names(self) -> dict[str, str]:
        """Each column's name escaped for an XML attribute value."""
        return {column.name: escape_attribute(column.name) for column in self.columns}

    @cached_property
    def _present(self) -> dict[tuple[str, ...], list[Column]]:
        return {}

    def present(self, values: dict[str, object]) -> list[Column]:
        """The columns a row has a value for, in file order (worked out once per shape of row)."""
        names = tuple(name for name, value in values.items() if value is not None)
        found = self._present.get(names)
        if found is None:
            rank = self._rank
            found = self._present[names] = [
                column for _, column in sorted(rank[name] for name in names if name in rank)
            ]
        return found


@dataclass
class NodeRow:
    """A node as both files write it: cleaned values, lists still lists.

    Positions are not part of it: the exporters ask the context for the
    layout only once everything else is rendered.
    """

    id: Hashable
    values: dict[str, object]
    color: str
    size: float


@dataclass
class EdgeBundle:
    """Edges of the graph that become one edge of the file (same source, target and bundle key)."""

    source: Hashable
    target: Hashable
    edges: list[dict[str, object]] = field(default_factory=list)


class TextCleaner:
    """Removes XML-illegal characters, reporting each (element, attribute) once per build.

    Both Gephi exporters use the same context, so a title with a control
    character gives one diagnostic, not one per file.
    """

    def __init__(self, G: nx.MultiDiGraph, ctx: ExportContext):
        self.G = G
        self.ctx = ctx

    def text(self, value: str, element: Hashable, attribute: str, *, edge_line: int | None = None) -> str:
        found = XML_ILLEGAL.findall(value)
        if not found:
            return value
        names = ", ".join(sorted({f"U+{ord(c):04X}" for c in found}))
        path, line = source_of(self.G, element)
        diagnostic = Diagnostic(
            path,
            edge_line if edge_line is not None else line,
            f"{element} {attribute}: removed control character(s) {names}; XML cannot carry them",
            "control-character",
        )
        if diagnostic not in self.ctx.diagnostics:
            self.ctx.diagnose(diagnostic.path, diagnostic.line, diagnostic.message, diagnostic.code)
        return XML_ILLEGAL.sub("", value)

    def value(self, value: object, element: Hashable, attribute: str, *, edge_line: int | None = None) -> object:
        """The value made exportable: cleaned text, finite numbers, lists of those; None when missing."""
        kind = type(value)
        if isinstance(value, str) and kind is str:
            return self.text(value, element, attribute, edge_line=edge_line) if XML_ILLEGAL.search(value) else value
        if value is None or kind is bool or kind is int:
            return value
        if isinstance(value, numbers.Integral):
            return int(value)
        if isinstance(value, numbers.Real):
            return float(value) if math.isfinite(value) else None
        if isinstance(value, str):
            return self.text(value, element, attribute, edge_line=edge_line)
        if isinstance(value, (list, tuple, set, frozenset)):
            items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
            cleaned = [self.value(item, element, attribute, edge_line=edge_line) for item in items]
            return [item if isinstance(item, str) else value_text(item) for item in cleaned if item is not None]
        return self.text(value_text(value), element, attribute, edge_line=edge_line)


def value_text(value: object) -> str:
    """A scalar as XML text: ``true``/``false``, the shortest float that reads back the same, or ``str``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def plural_name(name: str, taken: set[str]) -> str:
    """The column that holds every bundled edge's value of ``name`` (``line`` → ``lines``)."""
    plural = f"{name}s"
    return plural if plural not in taken else f"{name}_list"


def source_of(G: nx.MultiDiGraph, node: Hashable) -> tuple[str, int]:
    """The file and line a node comes from: its own, or that of the nearest node that has one.

    Items, authors and tags have no file of their own; the note that
    mentions them (one or two edges upstream) has.
    """
    seen = {node}
    frontier = [node]
    for _ in range(3):
        for candidate in frontier:
            data = G.nodes[candidate]
            path = data.get(Attr.PATH)
            if isinstance(path, str):
                line = data.get(Attr.LINE_START) or data.get(Attr.HEADER_LINE) or 0
                return path, int(line)
        upstream = []
        for candidate in frontier:
            for predecessor in G.predecessors(candidate):
                if predecessor not in seen:
                    seen.add(predecessor)
                    upstream.append(predecessor)
        frontier = upstream
    return "<graph>", 0


def display_kind(data: dict) -> str:
    """The kind shown to users: an item's type (paper, model, blog, other) instead of "item"."""
    kind = str(data.get(Attr.KIND) or "node")
    if kind == NodeKind.ITEM.value and data.get(Attr.ITEM_TYPE) in ITEM_TYPES:
        return str(data[Attr.ITEM_TYPE])
    return kind


def position_of(layout: dict, node: Hashable) -> tuple[float, float] | None:
    position = layout.get(node)
    return None if position is None else (float(position[0]), float(position[1]))


def node_size(degree: int) -> float:
    """A node's size for Gephi: grows with the square root of its degree (8 for a leaf)."""
    return round(4.0 + 4.0 * math.sqrt(degree), 2)


def year_of(value: object) -> int | None:
    if isinstance(value, str) and ISO_DATE.match(value):
        return int(value[:4])
    return None


def node_row(G: nx.MultiDiGraph, cleaner: TextCleaner, node: Hashable, data: dict) -> NodeRow:
    """A node with its exportable values and the derived columns: a function
    of the node, its data and its degree only.

    Derived: ``label`` (never blank: label, title, name, key or id), ``kind``
    (:func:`display_kind`), ``year`` (from ``date``); graph attributes keep
    their names (but ``key`` becomes ``node_key``) and lose their missing values.
    """
    values: dict[str, object] = {}
    for name, raw in data.items():
        value = cleaner.value(raw, node, name)
        if value is None or value == "" or value == []:
            continue
        values[RENAMED_NODE_ATTRIBUTES.get(name, name)] = value
    values[Attr.KIND] = display_kind(data)
    values[Attr.LABEL] = _label(values, node, cleaner)
    year = year_of(values.get(Attr.DATE))
    if year is not None:
        values["year"] = year
    return NodeRow(
        id=node,
        values=values,
        color=KIND_COLORS.get(str(values[Attr.KIND]), DEFAULT_COLOR),
        size=node_size(G.degree(node)),
    )


class SharedRows:
    """Node rows made on first use and shared by the Gephi exporters of one build."""

    def __init__(self, G: nx.MultiDiGraph, cleaner: TextCleaner, iris: dict[str, str] | None = None):
        self.G = G
        self.cleaner = cleaner
        self.iris = iris or {}
        self._rows: dict[Hashable, NodeRow] = {}

    def get(self, node: Hashable) -> NodeRow:
        found = self._rows.get(node)
        if found is None:
            found = self._rows[node] = node_row(self.G, self.cleaner, node, self.G.nodes[node])
            iri = self.iris.get(node)  # type: ignore[call-overload]
            if iri is not None:
                found.values[RDF_IRI] = iri
        return found


def _label(values: dict[str, object], node: Hashable, cleaner: TextCleaner) -> str:
    for name in (Attr.LABEL, Attr.TITLE, Attr.NAME, RENAMED_NODE_ATTRIBUTES[Attr.KEY]):
        value = values.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return cleaner.text(str(node), node, "id")


def bundles(
    edges: Iterable[tuple[Hashable, Hashable, dict]], bundle_key: Callable[[dict], Hashable]
) -> list[EdgeBundle]:
    """One bundle per (source, target, ``bundle_key(values)``) of ``edges``, in first-seen order."""
    found: dict[tuple[Hashable, Hashable, Hashable], EdgeBundle] = {}
    for source, target, values in edges:
        key = (source, target, bundle_key(values))
        bundle = found.get(key)
        if bundle is None:
            bundle = found[key] = EdgeBundle(source, target)
        bundle.edges.append(values)
    return list(found.values())


def cleaned_edges(
    G: nx.MultiDiGraph, ctx: ExportContext, cleaner: TextCleaner
) -> list[tuple[Hashable, Hashable, dict]]:
    """Every edge of ``G`` as ``(source, target, values)``, its values cleaned like node values
    (missing ones left out); made once per export group, in graph order."""

    def clean() -> list[tuple[Hashable, Hashable, dict]]:
        return [(source, target, _clean_edge(cleaner, source, data)) for source, target, data in G.edges(data=True)]

    return ctx.shared("gephi edges", clean)


def _clean_edge(cleaner: TextCleaner, source: Hashable, data: dict) -> dict[str, object]:
    line = data.get(Attr.LINE) if isinstance(data.get(Attr.LINE), int) else None
    values = {}
    for name, raw in data.items():
        value = cleaner.value(raw, source, f"edge {name}", edge_line=line)
        if value is None or value == "" or value == []:
            continue
        values[name] = value
    return values


def bundle_values(bundle: EdgeBundle, names: Iterable[str]) -> tuple[dict[str, object], dict[str, list[object]]]:
    """The scalar values and the per-edge lists that stand for a bundle of edges.

    For each attribute: when every edge of the bundle has the same value (or
    none has one), that value is the scalar; otherwise the scalar is the first
    value found and the list holds every edge's value in order (``None`` where
    an edge has none). ``kind`` is the exception: its scalar is the distinct
    kinds joined with ``;`` (``about;cites``), as Gephi users filter on it.
    So a reader recovers every edge: from the list when there is one, else
    the scalar repeated ``len(bundle.edges)`` times.
    """
    if len(bundle.edges) == 1:  # nearly every bundle: nothing to merge
        (edge,) = bundle.edges
        return {name: edge[name] for name in names if name in edge}, {}
    scalars: dict[str, object] = {}
    lists: dict[str, list[object]] = {}
    for name in names:
        values = [edge.get(name) for edge in bundle.edges]
        present = [v for v in values if v is not None]
        if not present:
            continue
        if all(v == values[0] for v in values[1:]):
            scalars[name] = values[0]
            continue
        if name == Attr.KIND:
            scalars[name] = ";".join(dict.fromkeys(str(v) for v in present))
        else:
            scalars[name] = present[0]
        lists[name] = values
    return scalars, lists


ValueKinds = tuple[tuple[str, str, bool], ...]
"""``(name, kind, beyond 32 bits)`` per value of a row: all :func:`columns_of` needs of it."""


def value_kinds(values: dict[str, object]) -> ValueKinds:
    """The kinds of a row's values; rows of the same shape share one tuple
    (so :func:`columns_of` can skip repeats)."""
    kinds = []
    for name, value in values.items():
        kind = PYTHON_KINDS.get(type(value), "str")
        kinds.append((name, kind, kind == "int" and not -(2**31) <= value < 2**31))  # type: ignore[operator]
    shape = tuple(kinds)
    return _SHAPES.setdefault(shape, shape)


_SHAPES: dict[ValueKinds, ValueKinds] = {}


def columns_of(rows: Iterable[ValueKinds], preferred: Iterable[str] = ()) -> Columns:
    """One column per attribute name, typed from the :func:`value_kinds` of
    every row; preferred names first, then by name.

    bool stays bool; ints are ``int`` when they all fit in 32 bits, else
    ``long``; ints mixed with floats are ``float``; any list makes the column a
    list; any other mix becomes ``str``.
    """
    kinds: dict[str, set[str]] = {}
    big: set[str] = set()
    for row in {id(row): row for row in rows}.values():  # most rows share their shape
        for name, kind, beyond in row:
            found = kinds.get(name)
            if found is None:
                found = kinds[name] = set()
            found.add(kind)
            if beyond:
                big.add(name)
    columns = []
    for name, found in kinds.items():
        if found == {"bool"}:
            type_ = "bool"
        elif found == {"int"}:
            type_ = "long" if name in big else "int"
        elif found <= {"int", "float"}:
            type_ = "float"
        elif "list" in found:
            type_ = "list"
        else:
            type_ = "str"
        columns.append(Column(name, type_))
    order = {name: i for i, name in enumerate(preferred)}
    return Columns(tuple(sorted(columns, key=lambda c: (order.get(c.name, len(order)), c.name))))


PYTHON_KINDS = {bool: "bool", int: "int", float: "float", list: "list", str: "str"}


def as_column_value(value: object, column: Column) -> object:
    """A value converted to its column's type (an int in a float column, a number in a text column)."""
    if column.type == "list":
        return value if isinstance(value, list) else [value_text(value)]
    if column.type == "float":
        return float(value)  # type: ignore[arg-type]
    if column.type == "str" and not isinstance(value, str):
        return value_text(value) if not isinstance(value, list) else "; ".join(map(str, value))
    return value


def edge_ids(keys: Iterable[tuple[str, ...]]) -> list[str]:
    """An id per edge from what it connects (``e-`` and 16 hex digits of a hash of ``key``).

    Unlike positions (``e0``, ``e1``, …), the id of an edge does not change
    when an unrelated digest adds or removes edges elsewhere.

    >>> edge_ids([("a", "b"), ("a", "c"), ("a", "b")])
    ['e-59b271ae1bbcb1d3', 'e-b179f49283f586ae', 'e-59b271ae1bbcb1d3-2']
    """
    used: set[str] = set()
    found = []
    for key in keys:
        candidate = base = f"e-{h16(chr(0).join(key))}"
        suffix = 2
        while candidate in used:
            candidate = f"{base}-{suffix}"
            suffix += 1
        used.add(candidate)
        found.append(candidate)
    return found


def quoted_ids(ids: dict[Hashable, str]) -> dict[Hashable, str]:
    """Each node's file id escaped for an XML attribute value, once per node
    (a node's id recurs in every edge it has)."""
    return {node: escape_attribute(file_id) for node, file_id in ids.items()}


def unique_ids(nodes: Iterable[Hashable], make: Callable[[str], str]) -> dict[Hashable, str]:
    """A unique file id per node: ``make(str(node))``, or a hashed form when that is taken."""
    result: dict[Hashable, str] = {}
    used: set[str] = set()
    for node in nodes:
        text = str(node)
        candidate = make(text)
        if candidate in used:
            prefix = candidate.split(":", 1)[0] if ":" in candidate else "n"
            candidate = f"{prefix}:h-{h16(text)}"
            suffix = 2
            while candidate in used:
                candidate = f"{prefix}:h-{h16(text)}-{suffix}"
                suffix += 1
        used.add(candidate)
        result[node] = candidate
    return result


def first_seen_dates(G: nx.MultiDiGraph) -> dict[Hashable, str]:
    """When each node entered the reading history, for Gephi's timeline.

    Digests, notes and items have their own date (an item's earliest); any
    other node (author, tag, cited paper, link) takes the earliest date of
    its dated neighbours. Nodes with neither have no date.
    """
    own: dict[Hashable, str] = {}
    for node, data in G.nodes(data=True):
        dates = [d for d in (data.get(Attr.DATES) or []) if _is_date(d)]
        if _is_date(data.get(Attr.DATE)):
            dates.append(data[Attr.DATE])
        if dates:
            own[node] = min(dates)
    seen = dict(own)
    for node in G.nodes:
        if node in own:
            continue
        neighbour_dates = [own[n] for n in _neighbours(G, node) if n in own]
        if neighbour_dates:
            seen[node] = min(neighbour_dates)
    return seen


def _neighbours(G: nx.MultiDiGraph, node: Hashable) -> Iterator[Hashable]:
    yield from G.predecessors(node)
    yield from G.successors(node)


def _is_date(value: object) -> bool:
    if not isinstance(value, str) or not ISO_DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
