"""The interactive HTML explorer: one offline, self-contained ``graph.html``.

The page is rendered by pyvis 0.3.2 through our own template
(``templates/graph.html.j2``) so that it works from disk with no network at
all: pyvis' stock templates load Bootstrap (and, in ``local``/``remote``
mode, vis-network itself) from CDNs. vis-network 9.1.2 is inlined from the
pyvis wheel through a Jinja ``ChoiceLoader`` that keeps pyvis'
``{% include 'lib/vis-9.1.2/...' %}`` paths working.

What goes into the page, and why it is safe:

* node and edge lists, the vis options, and a compact per-node detail table
  are emitted as ``<script type="application/json">`` blocks through
  :func:`script_json`, which escapes ``<``, ``>``, ``&`` and ``'``: no input
  text can close the block. The page's script reads them with
  ``JSON.parse`` and only ever writes text with ``textContent``;
* the template's Jinja environment autoescapes everything else (title,
  summary, legend);
* node tooltips (``title``) are plain text, never contain the substring
  ``href`` (which would switch pyvis to its ``innerHTML`` popup), and are
  shown by vis-network with ``innerText``;
* only ``http``/``https`` URLs become links (:func:`safe_url`);
* a Content-Security-Policy with a per-page nonce allows only the page's own
  scripts. The nonce is a hash of the page's data, so builds stay
  byte-identical.

Big graphs: positions come from :attr:`ExportContext.layout` (the same
layout as the Gephi exports), physics is off and edges are straight. Above
:data:`SMALL_GRAPH` nodes people and organisations start hidden, above
:data:`BIG_GRAPH` links too (a ``DataView`` filter: the page's
``nodes``/``edges`` DataSets always hold the whole graph).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import sys
from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import networkx as nx

from ..errors import ExportError
from ..graph import Attr, EdgeKind, NodeKind
from . import ExportContext, Exporter

__all__ = [
    "BIG_GRAPH",
    "EXPORTER",
    "KIND_STYLES",
    "SMALL_GRAPH",
    "PageData",
    "build_page_data",
    "generate_html",
    "generate_html_files",
    "plain_title",
    "safe_url",
    "script_json",
]

# Kind names as plain strings: Enum.value lookups dominate the loops otherwise.
_ITEM = NodeKind.ITEM.value
_NOTE = NodeKind.NOTE.value
_DIGEST = NodeKind.DIGEST.value
_TAG = NodeKind.TAG.value
_ARXIV = NodeKind.ARXIV.value
_PERSON = NodeKind.PERSON.value
_ORGANIZATION = NodeKind.ORGANIZATION.value
_LINK = NodeKind.LINK.value
_CONTAINS = EdgeKind.CONTAINS.value
_ABOUT = EdgeKind.ABOUT.value
_AUTHORED_BY = EdgeKind.AUTHORED_BY.value
_TAGGED = EdgeKind.TAGGED.value
_CITES = EdgeKind.CITES.value
_LINKS_TO = EdgeKind.LINKS_TO.value
_WIKI_LINKS = EdgeKind.WIKI_LINKS.value

FILE_NAME = "graph.html"
TEMPLATE_NAME = "graph.html.j2"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

SMALL_GRAPH = 100
"""Up to this many nodes the page opens with every kind shown."""

BIG_GRAPH = 1500
"""Above this many nodes web and code links start hidden as well, and the
page names the biggest hubs itself when zoomed out."""

DIGEST_SIZE = 1
"""The drawn size (``value``) of every digest node."""

LABEL_CHARS = 34
"""Longer node labels are cut (the full text is in the tooltip and panel)."""


@dataclass(frozen=True)
class KindStyle:
    """How one node kind looks: legend name, colours, vis shape."""

    legend: str
    color: str
    border: str
    shape: str = "dot"


# Fixed strings only: these become vis `groups` and legend rows, so no input
# text can ever reach the options object.
KIND_STYLES: Mapping[str, KindStyle] = {
    _ITEM: KindStyle("Papers & items", "#3b82f6", "#1d4ed8"),
    _NOTE: KindStyle("Notes", "#cbd5e1", "#94a3b8"),
    _DIGEST: KindStyle("Digests (days)", "#f59e0b", "#b45309", "diamond"),
    _TAG: KindStyle("Tags", "#10b981", "#047857", "triangle"),
    _ARXIV: KindStyle("Cited arXiv papers", "#8b5cf6", "#6d28d9", "square"),
    _PERSON: KindStyle("People", "#f472b6", "#db2777"),
    _ORGANIZATION: KindStyle("Organisations", "#e11d48", "#9f1239", "square"),
    _LINK: KindStyle("Web & code links", "#06b6d4", "#0e7490", "triangleDown"),
}

# People outnumber everything else (~6 per paper): above SMALL_GRAPH they
# start hidden (their papers' detail panels list them); links too on big graphs.
HIDDEN_ABOVE_SMALL = (_PERSON, _ORGANIZATION)
HIDDEN_ON_BIG_GRAPHS = (_LINK,)

# JSON inside <script>: these characters must never appear raw, or input text
# could close the element (`</script>`) or start markup. (str.replace, not
# str.translate: it is ~20x faster on a 15 MB page.)
_SCRIPT_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("'", "\\u0027"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def script_json(value: Any) -> str:
    """JSON text that is safe inside an HTML ``<script>`` element.

    A string argument is taken to be JSON already (pyvis hands its options
    over as ``json.dumps`` text) and is re-encoded.

    >>> script_json({"t": "</script><b>"})
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    if isinstance(value, str):
        value = json.loads(value)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in _SCRIPT_ESCAPES:
        text = text.replace(raw, escaped)
    return text


def safe_url(url: object) -> str | None:
    """``url`` when it is an absolute http(s) URL with a host, else ``None``.

    >>> safe_url("https://arxiv.org/abs/2308.16137")
    'https://arxiv.org/abs/2308.16137'
    >>> safe_url("javascript:alert(1)") is None, safe_url("//evil.example") is None
    (True, True)
    """
    if not isinstance(url, str):
        return None
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    if any(ch in text for ch in "\"'<> \t\r\n\\"):
        return None
    return text


def plain_title(text: str) -> str:
    """A tooltip string pyvis will not treat as HTML.

    pyvis switches every tooltip to an ``innerHTML`` popup as soon as one
    node title contains ``href``; a zero-width space keeps the text readable
    without the substring.

    >>> "href" in plain_title('<a href="x">')
    False
    """
    return text.replace("href", "hr\u200bef").replace("HREF", "HR\u200bEF").replace("Href", "Hr\u200bef")


def _shorten(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.:;-") + "…"


def _int_coordinate(value: object) -> int:
    number = float(value)  # type: ignore[arg-type]
    return round(number) if math.isfinite(number) else 0


def _as_list(value: object) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [v for v in value if v is not None]
    return [value]


@dataclass(frozen=True)
class PageData:
    """Everything the page template needs, all of it plain JSON-able data.

    ``nodes``/``edges`` are pyvis' lists (integer ids = position in the
    graph's node order); ``details[i]`` holds what the detail panel and the
    search need about node ``i`` (compact keys, see ``graph.js``).
    """

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    details: list[dict[str, Any]]
    config: dict[str, Any]
    summary: list[tuple[str, str]]
    date_range: tuple[str, str] | None


def _label(kind: str, data: Mapping[str, Any]) -> str:
    if kind == _NOTE:
        return ""  # a note sits next to its item, which carries the title
    if kind == _TAG:
        return "#" + str(data.get(Attr.LABEL) or data.get(Attr.KEY) or "")
    if kind == _DIGEST:
        return str(data.get(Attr.DATE) or data.get(Attr.KEY) or "")
    if kind == _ARXIV and data.get(Attr.TITLE):  # known from arXiv metadata
        return _shorten(str(data[Attr.TITLE]))
    if kind == _ARXIV:
        anchors = _as_list(data.get(Attr.ANCHORS))
        return _shorten(str(anchors[0])) if anchors else str(data.get(Attr.LABEL) or "")
    if kind == _LINK:
        url = str(data.get(Attr.URL) or data.get(Attr.LABEL) or "")
        return _shorten(url.split("://", 1)[-1].removeprefix("www."), 32)
    return _shorten(str(data.get(Attr.LABEL) or data.get(Attr.TITLE) or data.get(Attr.NAME) or ""))


def _full_name(kind: str, data: Mapping[str, Any]) -> str:
    prefix = "#" if kind == _TAG else ""
    return prefix + str(data.get(Attr.LABEL) or "")


def _tooltip(kind: str, data: Mapping[str, Any], label: str) -> str | None:
    if kind == _ITEM:
        text = str(data.get(Attr.TITLE) or data.get(Attr.LABEL) or "")
        authors = [str(a) for a in _as_list(data.get(Attr.AUTHORS))]
        if authors:
            text += "\n" + ", ".join(authors[:3]) + (f" and {len(authors) - 3} more" if len(authors) > 3 else "")
        dates = [str(d) for d in _as_list(data.get(Attr.DATES))]
        if dates:
            text += "\nnoted " + ", ".join(dates[:3])
        return plain_title(text)
    if kind == _NOTE:
        when = data.get(Attr.DATE) or "vault note"
        return plain_title(f"note ({when}): {_shorten(str(data.get(Attr.TITLE) or ''), 80)}")
    full = str(data.get(Attr.LABEL) or "")
    if kind == _ARXIV or (label.endswith("…") and full):
        return plain_title(full if kind != _ARXIV else f"{full} (cited)")
    return None


def build_page_data(G: nx.MultiDiGraph, layout: Mapping[Hashable, tuple[float, float]] | None) -> PageData:
    """Turn the graph into the page's node, edge and detail tables.

    Pure and deterministic: the order follows the graph's node and edge order.
    With ``layout`` None every node is at (0, 0) until :func:`place_nodes`.
    """
    order = list(G.nodes)
    index = {node: i for i, node in enumerate(order)}
    kinds = [str(G.nodes[n].get(Attr.KIND)) for n in order]
    degree = _sizes(G)

    nodes: list[dict[str, Any]] = []
    for i, node in enumerate(order):
        data = G.nodes[node]
        kind = kinds[i] if kinds[i] in KIND_STYLES else _ITEM
        label = _label(kind, data)
        entry: dict[str, Any] = {"id": i, "group": kind, "label": label, "x": 0, "y": 0, "value": degree[node]}
        title = _tooltip(kind, data, label)
        if title:
            entry["title"] = title
        nodes.append(entry)

    edges: list[dict[str, Any]] = []
    details: list[dict[str, Any]] = [{} for _ in order]
    for u, v, data in G.edges(data=True):
        i, j = index[u], index[v]
        edge_kind = data.get(Attr.KIND)
        edge: dict[str, Any] = {"from": i, "to": j}
        if edge_kind in (_CITES, _WIKI_LINKS):
            edge["dashes"] = True
        edges.append(edge)
        _collect_detail(details, i, j, edge_kind, data)

    for i, node in enumerate(order):
        _node_detail(details[i], kinds[i], G.nodes[node])
        if nodes[i]["label"].endswith("…") and kinds[i] in (_PERSON, _ORGANIZATION, _TAG):
            details[i]["f"] = _full_name(kinds[i], G.nodes[node])

    # Note dates: a digest's notes carry its date, and dated vault notes count too.
    dates = sorted(
        {str(G.nodes[n][Attr.DATE]) for n in order if kinds[index[n]] == _NOTE and G.nodes[n].get(Attr.DATE)}
    )
    date_range = (dates[0], dates[-1]) if dates else None
    counts = Counter(kinds)
    big = len(order) > BIG_GRAPH
    config = {
        "kinds": [
            {
                "kind": kind,
                "legend": style.legend,
                "color": style.color,
                "border": style.border,
                "shape": style.shape,
                "count": counts.get(kind, 0),
            }
            for kind, style in KIND_STYLES.items()
        ],
        "hidden": _hidden_kinds(len(order), counts),
        "big": big,
        "dates": list(date_range) if date_range else None,
        "top_tags": _top(order, kinds, degree, _TAG, 12),
        "top_cited": _top_cited(details, kinds, 10),
    }
    page = PageData(nodes, edges, details, config, _summary(counts, len(edges), date_range), date_range)
    if layout is not None:
        place_nodes(page, order, layout)
    return page


def place_nodes(page: PageData, order: list, layout: Mapping[Hashable, tuple[float, float]]) -> None:
    """Put each node of ``page`` (``order``: the graph's nodes) where the layout has it."""
    for entry, node in zip(page.nodes, order):
        x, y = layout.get(node, (0.0, 0.0))
        # The layout's y points up, as in Gephi; the canvas's points down.
        entry["x"] = _int_coordinate(x)
        entry["y"] = -_int_coordinate(y)


def _sizes(G: nx.MultiDiGraph) -> Counter:
    """Degree per node, as drawn size, counting each edge for its target only
    where the source's count would mislead.

    A paper with thirty authors is not thirty times as central as a paper
    with one, but a person with thirty papers is; a busy day is not a
    central topic, so a digest does not grow with its notes.
    """
    size: Counter = Counter()
    for u, v, data in G.edges(data=True):
        if data.get(Attr.KIND) not in (_AUTHORED_BY, _CONTAINS):
            size[u] += 1
        size[v] += 1
    for node, kind in G.nodes(data=Attr.KIND):
        if kind == _DIGEST:
            size[node] = DIGEST_SIZE
    return size


def _collect_detail(details: list[dict[str, Any]], i: int, j: int, kind: object, data: Mapping[str, Any]) -> None:
    """Record one edge in the detail tables of both of its ends."""
    source, target = details[i], details[j]
    if kind == _CONTAINS:
        target["g"] = i
        source.setdefault("n", []).append(j)
    elif kind == _ABOUT:
        source["i"] = j
        target.setdefault("n", []).append(i)
    elif kind == _AUTHORED_BY:
        source.setdefault("a", []).append([str(data.get(Attr.NAME) or ""), j])
        target.setdefault("i", []).append(i)
    elif kind == _TAGGED:
        source.setdefault("tg", []).append(j)
        target.setdefault("n", []).append(i)
    elif kind == _CITES:
        label = data.get(Attr.LABEL)
        label = str(label) if label else None
        source.setdefault("c", []).append([j, label])
        target.setdefault("cb", []).append([i, label])
    elif kind == _LINKS_TO:
        source.setdefault("l", []).append(j)
        target.setdefault("n", []).append(i)
    elif kind == _WIKI_LINKS:
        source.setdefault("w", []).append(j)
        target.setdefault("wb", []).append(i)


def _node_detail(detail: dict[str, Any], kind: str, data: Mapping[str, Any]) -> None:
    """Add a node's own attributes to its detail record (None and empty values dropped)."""
    if kind == _ITEM:
        detail["t"] = str(data.get(Attr.TITLE) or data.get(Attr.LABEL) or "")
        detail["y"] = str(data.get(Attr.ITEM_TYPE) or "other")
        if data.get(Attr.ABSTRACT):
            detail["ab"] = str(data[Attr.ABSTRACT])
        urls = [u for u in (safe_url(u) for u in _as_list(data.get(Attr.URLS))) if u]
        if urls:
            detail["u"] = urls
        if data.get(Attr.ARXIV_ID):
            detail["ax"] = str(data[Attr.ARXIV_ID])
    elif kind == _NOTE:
        if data.get(Attr.DATE):
            detail["d"] = str(data[Attr.DATE])
        ko = [str(t) for t in _as_list(data.get(Attr.COMMENTARY_KO))]
        en = [str(t) for t in _as_list(data.get(Attr.COMMENTARY_EN))]
        if ko:
            detail["ko"] = ko
        if en:
            detail["en"] = en
        path = data.get(Attr.PATH)
        sources = [str(s) for s in _as_list(data.get(Attr.SOURCES))]
        if sources:
            detail["s"] = "; ".join(sources)  # a digest entry and the vault note it was written from
        elif path:
            start, end = data.get(Attr.LINE_START), data.get(Attr.LINE_END)
            detail["s"] = f"{path}:{start}-{end}" if start else str(path)
        if data.get(Attr.SOURCE_KIND) == "vault":
            detail["v"] = 1
    elif kind == _DIGEST:
        if data.get(Attr.DATE):
            detail["d"] = str(data[Attr.DATE])
        if data.get(Attr.HEADER):
            detail["h"] = str(data[Attr.HEADER])
        if data.get(Attr.PATH):
            detail["s"] = str(data[Attr.PATH])
    elif kind == _TAG:
        spellings = [str(s) for s in _as_list(data.get(Attr.SPELLINGS))]
        if len(spellings) > 1:
            detail["sp"] = spellings
    elif kind == _ARXIV:
        detail["ax"] = str(data.get(Attr.ARXIV_ID) or "")
        if data.get(Attr.TITLE):  # from arXiv metadata
            detail["t"] = str(data[Attr.TITLE])
        if data.get(Attr.ABSTRACT):
            detail["ab"] = str(data[Attr.ABSTRACT])
    elif kind == _LINK:
        url = safe_url(data.get(Attr.URL))
        if url:
            detail["u"] = [url]
        if data.get(Attr.IS_CODE):
            detail["code"] = 1


def _hidden_kinds(size: int, counts: Counter) -> list[str]:
    """The kinds the page starts with unticked (a DataView filter, not omitted)."""
    hidden = (*(HIDDEN_ABOVE_SMALL if size > SMALL_GRAPH else ()), *(HIDDEN_ON_BIG_GRAPHS if size > BIG_GRAPH else ()))
    return [kind for kind in hidden if counts.get(kind)]


def _top(order: list[str], kinds: list[str], degree: Counter, kind: str, limit: int) -> list[int]:
    ranked = sorted((i for i, k in enumerate(kinds) if k == kind), key=lambda i: (-degree[order[i]], i))
    return ranked[:limit]


def _top_cited(details: list[dict[str, Any]], kinds: list[str], limit: int) -> list[list[int]]:
    """``[[node, number of citing notes], ...]`` for the most cited papers."""
    counts = [
        (len({note for note, _ in d["cb"]}), i)
        for i, d in enumerate(details)
        if kinds[i] in (_ITEM, _ARXIV) and d.get("cb")
    ]
    counts.sort(key=lambda pair: (-pair[0], pair[1]))
    return [[i, n] for n, i in counts[:limit]]


def _summary(counts: Counter, edge_count: int, date_range: tuple[str, str] | None) -> list[tuple[str, str]]:
    def n(kind: NodeKind) -> int:
        return counts.get(kind.value, 0)

    parts = [
        (f"{n(NodeKind.NOTE):,}", "notes"),
        (f"{n(NodeKind.ITEM):,}", "papers & items"),
        (f"{n(NodeKind.PERSON) + n(NodeKind.ORGANIZATION):,}", "authors"),
        (f"{n(NodeKind.TAG):,}", "tags"),
        (f"{n(NodeKind.ARXIV):,}", "cited arXiv papers"),
        (f"{sum(counts.values()):,}", "nodes"),
        (f"{edge_count:,}", "edges"),
    ]
    if date_range:
        parts.append((f"{date_range[0]} – {date_range[1]}", ""))
    return parts


def vis_options(big: bool) -> dict[str, Any]:
    """The vis-network options: fixed strings and numbers only (no input text)."""
    groups = {
        kind: {
            "shape": style.shape,
            "color": {
                "background": style.color,
                "border": style.border,
                "highlight": {"background": style.color, "border": "#111827"},
                "hover": {"background": style.color, "border": "#111827"},
            },
        }
        for kind, style in KIND_STYLES.items()
    }
    groups[_NOTE]["size"] = 5  # type: ignore[assignment]
    return {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "groups": groups,
        "nodes": {
            "shape": "dot",
            "borderWidth": 1,
            # vis-network 9.1.2 does not cap label sizes with maxVisible (it
            # only fades them), so labels stay small; when zoomed out, the
            # page's script names the biggest hubs itself.
            "scaling": {
                "min": 5,
                "max": 44,
                "label": {"enabled": True, "min": 12, "max": 26, "maxVisible": 26, "drawThreshold": 7},
            },
            "font": {
                "face": "system-ui, -apple-system, 'Segoe UI', 'Noto Sans KR', sans-serif",
                "color": "#1f2937",
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
            },
        },
        "edges": {
            "smooth": False,
            "width": 0.6,
            "selectionWidth": 1.6,
            "color": {"color": "#cbd2dc", "highlight": "#334155", "hover": "#64748b", "inherit": False, "opacity": 0.9},
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 250,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "keyboard": False,
            "multiselect": False,
            "navigationButtons": False,
        },
    }


def page_nonce(*parts: str) -> str:
    """A CSP nonce derived from the page's content (deterministic builds)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return base64.b64encode(digest.digest()[:18]).decode("ascii")


def _environment(encoded: Mapping[int, str]):
    """Our autoescaping Jinja environment; pyvis' own templates stay reachable.

    ``encoded`` maps ``id(obj)`` to ``script_json(obj)`` already computed for
    the nonce, so the big data blocks are encoded once.
    """
    import jinja2
    import pyvis
    from markupsafe import Markup

    pyvis_templates = Path(pyvis.__file__).resolve().parent / "templates"
    folders = (TEMPLATES, pyvis_templates)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(folder)) for folder in folders]),
        autoescape=True,
        keep_trailing_newline=True,
    )
    env.filters["script_json"] = lambda value: Markup(encoded.get(id(value)) or script_json(value))
    env.globals["verbatim"] = lambda name: Markup(_static_file(name, folders))
    return env


@cache
def _static_file(name: str, folders: tuple[Path, ...]) -> str:
    """A script or style sheet pasted into the page as it is.

    Not a Jinja ``include``: that would lex vis-network's 470 KB of minified
    JavaScript as a template on every build (~0.1 s), to find no tags in it.
    Newlines are normalised as Jinja would.
    """
    for folder in folders:
        path = folder / name
        if path.is_file():
            return path.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
    raise ExportError(
        f"{name}: missing from the page templates ({', '.join(f.as_posix() for f in folders)}); reinstall papergraph"
    )


def _pyvis_network() -> ModuleType:
    """``pyvis.network``, imported without importing IPython for it.

    pyvis imports IPython (~0.1-0.15 s, more than rendering the sample's page)
    only for ``IFrame``, which only ``Network.show()`` in a notebook uses; we
    never call it. When IPython is not loaded yet, pyvis sees a stand-in
    ``IPython.display`` whose ``IFrame`` imports the real one if it is ever
    called; the stand-in is removed as soon as pyvis is imported.
    """
    if "pyvis.network" in sys.modules or "IPython" in sys.modules:
        import pyvis.network

        return pyvis.network

    def IFrame(*args: Any, **kwargs: Any) -> Any:
        from IPython.display import IFrame as real

        return real(*args, **kwargs)

    package, display = ModuleType("IPython"), ModuleType("IPython.display")
    display.IFrame = IFrame  # type: ignore[attr-defined]
    package.display = display  # type: ignore[attr-defined]
    stand_ins = {"IPython": package, "IPython.display": display}
    sys.modules.update(stand_ins)
    try:
        import pyvis.network
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
    return pyvis.network


def generate_html(
    G: nx.MultiDiGraph,
    layout: Mapping[Hashable, tuple[float, float]] | Callable[[], Mapping[Hashable, tuple[float, float]]],
    *,
    title: str = "papergraph",
) -> str:
    """The explorer page for ``G`` as one HTML string.

    ``layout`` may be a function: it is called once everything but the
    positions is ready (a build computes the layout meanwhile).

    pyvis is imported here, not at module level (see :func:`_pyvis_network`).
    """
    Network = _pyvis_network().Network

    page = build_page_data(G, None)
    encoded = {id(block): script_json(block) for block in (page.edges, page.details, page.config)}
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line")
    place_nodes(page, list(G.nodes), layout() if callable(layout) else layout)
    encoded[id(page.nodes)] = script_json(page.nodes)
    blocks = (page.nodes, page.edges, page.details, page.config)
    # Direct assignment: pyvis' add_node/add_edge are O(N) per call.
    net.nodes = page.nodes
    net.edges = page.edges
    net.node_ids = [n["id"] for n in page.nodes]
    net.options = vis_options(page.config["big"])
    net.templateEnv = _environment(encoded)
    net.path = TEMPLATE_NAME
    net.templateEnv.globals.update(
        page_title=title,
        summary=page.summary,
        kinds=page.config["kinds"],
        nonce=page_nonce(title, *(encoded[id(block)] for block in blocks)),
        details=page.details,
        config=page.config,
    )
    return net.generate_html(name=FILE_NAME)


def generate_html_files(G: nx.MultiDiGraph, ctx: ExportContext) -> dict[str, bytes]:
    """``{"graph.html": page}`` for the build (UTF-8, whatever the locale)."""
    return {FILE_NAME: generate_html(G, lambda: ctx.layout, title=ctx.title).encode("utf-8")}


EXPORTER = Exporter(
    name="html",
    description="interactive offline explorer (graph.html, vis-network via pyvis)",
    files=(FILE_NAME,),
    generate=generate_html_files,
    uses_layout=True,
)
