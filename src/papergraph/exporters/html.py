"""The interactive HTML explorer: one offline, self-contained ``graph.html``.

The page is our own template (``templates/graph.html.j2``) around
vis-network 9.1.2, whose script is read from the installed pyvis package
(``pyvis/templates/lib/vis-9.1.2/``) and pasted into the page, so it works
from disk with no network at all. pyvis' own ``Network`` and templates are
not used: its stock templates load Bootstrap (and, in ``local``/``remote``
mode, vis-network itself) from CDNs, and everything else it does (physics,
menus, ``add_node``) is what a 30,000-node page must avoid.

What goes into the page, and why it is safe:

* node and edge lists, the vis options, and a compact per-node detail table
  are emitted as ``<script type="application/json">`` blocks through
  :func:`script_json`, which escapes ``<``, ``>``, ``&`` and ``'``: no input
  text can close the block. The page's script reads them with
  ``JSON.parse`` and only ever writes text with ``textContent``;
* the template's Jinja environment autoescapes everything else (title,
  summary, legend);
* node tooltips (``title``) are plain text, shown by vis-network with
  ``innerText`` (pyvis' ``innerHTML`` popup lives in its template, which the
  page does not use);
* only ``http``/``https`` URLs become links (:func:`safe_url`);
* a Content-Security-Policy with a per-page nonce allows only the page's own
  scripts. The nonce is a hash of the page's data, so builds stay
  byte-identical.

Big graphs: positions come from :attr:`ExportContext.layout` (the same
layout as the Gephi exports), physics is off and edges are straight. Above
:data:`SMALL_GRAPH` nodes the page opens on the *map*: papers, cited papers
and tags (coloured by community when the analysis stage has found them),
joined by "map edges" (a paper to the tags and cited papers of its notes);
notes, digests, people and links are one tick away (a ``DataView`` filter:
the page's ``nodes``/``edges`` DataSets always hold the whole graph). How
the page stays fast at 30,000 nodes is in ``docs/html-explorer.md``.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import math
from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import networkx as nx

from ..errors import ExportError
from ..graph import Attr, EdgeKind, NodeKind
from ..kinds import PAGE_STYLES
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
"""Up to this many nodes the page opens with every kind shown; above, on the map."""

BIG_GRAPH = 1500
"""Above this many nodes edges are not drawn while the view moves."""

DIGEST_SIZE = 1
"""The drawn size (``value``) of every digest node."""

MIN_SIZE, MAX_SIZE = 5, 40
"""Drawn radius range. Sizes are computed here, not by vis-network's
``value`` scaling: that rescales every node on every data change (~150 ms
per change at 8,000 drawn nodes, measured)."""

BIG_LABEL_SIZE = 16
"""Nodes at least this big get a label font that grows with them."""

LABEL_CHARS = 34
"""Longer node labels are cut (the full text is in the tooltip and panel)."""


KIND_STYLES = PAGE_STYLES  # the name the page code and tests use

COMMUNITY_COLORS = (
    "#0072b2",  # blue          (Okabe-Ito; the light ones darkened to reach 3:1)
    "#d55e00",  # vermillion
    "#009e73",  # bluish green
    "#aa3377",  # wine
    "#332288",  # indigo
    "#8c6d1f",  # olive
    "#0f7c8c",  # teal
    "#7b3294",  # purple
    "#b8860b",  # goldenrod
    "#117733",  # green
)
"""Community fills, in order of community size; they repeat after ten (the
legend and the panel name every community, so colour is never the only cue)."""

OTHER_COLOR = "#6b7280"
"""The fill of the "other" community (the leftovers: always the last id)."""

MAP_KINDS = (_ITEM, _ARXIV, _TAG)
"""What the page opens on above :data:`SMALL_GRAPH` nodes: the map of papers
and topics. Map edges join each paper to its notes' tags and cited papers."""

COMMUNITY_ATTR = "community"
COMMUNITY_LABEL_ATTR = "community_label"
PAGERANK_ATTR = "pagerank"
CITED_BY_ATTR = "cited_by"
COMMUNITIES_KEY = "communities"
"""Written by the analysis stage (``papergraph.analysis``); all optional."""

FONT_STACK = (
    "system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans CJK KR', 'Noto Sans KR', "
    "'Apple SD Gothic Neo', 'Malgun Gothic', 'NanumGothic', sans-serif"
)
"""Canvas labels: the system's UI font, then fonts that have Hangul (no web fonts: offline)."""

LABELLED_COMMUNITIES = 12
"""How many community names the page writes on the overview."""


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

    ``nodes``/``edges`` are vis-network's lists (integer ids = position in
    the graph's node order; map edges, ``"m": 1``, come after the graph's
    edges); ``details[i]`` holds what the detail panel and the search need
    about node ``i`` (compact keys, see ``graph.js``); ``keys[i]`` is node
    ``i``'s graph id, which deep links (``#node=``) use.
    """

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    details: list[dict[str, Any]]
    keys: list[str]
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
        return text
    if kind == _NOTE:
        when = data.get(Attr.DATE) or "vault note"
        return f"note ({when}): {_shorten(str(data.get(Attr.TITLE) or ''), 80)}"
    full = str(data.get(Attr.LABEL) or "")
    if kind == _ARXIV or (label.endswith("…") and full):
        return full if kind != _ARXIV else f"{full} (cited)"
    return None


def build_page_data(G: nx.MultiDiGraph, layout: Mapping[Hashable, tuple[float, float]] | None) -> PageData:
    """Turn the graph into the page's node, edge and detail tables.

    Pure and deterministic: the order follows the graph's node and edge order.
    With ``layout`` None every node is at (0, 0) until :func:`place_nodes`.
    """
    order = list(G.nodes)
    index = {node: i for i, node in enumerate(order)}
    kinds = [str(G.nodes[n].get(Attr.KIND)) for n in order]
    kinds = [kind if kind in KIND_STYLES else _ITEM for kind in kinds]
    values = _values(G, order, kinds)
    communities = _communities(G, index)
    community = [_community_of(G.nodes[n], len(communities)) for n in order]
    nodes = _vis_nodes(G, order, kinds, _node_sizes(values), community)
    edges, details = _vis_edges(G, index)
    _fill_details(G, order, kinds, nodes, details)
    _notes_join_their_items(kinds, details, community)
    edges.extend(_map_edges(details, kinds))
    # Note dates: a digest's notes carry its date, and dated vault notes count too.
    dates = sorted({details[i]["d"] for i, kind in enumerate(kinds) if kind == _NOTE and details[i].get("d")})
    date_range = (dates[0], dates[-1]) if dates else None
    counts = Counter(kinds)
    config = _page_config(kinds, counts, values, community, details, communities, dates)
    summary = _summary(counts, len(G.edges), date_range, len(communities))
    page = PageData(nodes, edges, details, [str(n) for n in order], config, summary, date_range)
    if layout is not None:
        place_nodes(page, order, layout)
    return page


def _node_sizes(values: list[int]) -> list[int]:
    """Node sizes from their values: the area, not the radius, grows with the value."""
    top_value = max(values, default=1) or 1
    return [round(MIN_SIZE + (MAX_SIZE - MIN_SIZE) * math.sqrt(v / top_value)) for v in values]


def _vis_nodes(
    G: nx.MultiDiGraph, order: list, kinds: list[str], sizes: list[int], community: list[int]
) -> list[dict[str, Any]]:
    """vis-network's node list: group, label, size, tooltip; positions come later (:func:`place_nodes`)."""
    nodes: list[dict[str, Any]] = []
    for i, node in enumerate(order):
        data = G.nodes[node]
        kind = kinds[i]
        label = _label(kind, data)
        entry: dict[str, Any] = {"id": i, "group": kind, "label": label, "x": 0, "y": 0, "size": sizes[i]}
        if sizes[i] >= BIG_LABEL_SIZE:
            # Bigger nodes get bigger labels, which vis draws from further out.
            entry["font"] = {"size": round(sizes[i] * 0.6)}
        if community[i] >= 0 and kind in MAP_KINDS:
            # Colour by community, shape by kind (the group carries the colour).
            entry["group"] = f"c{community[i]}"
            if KIND_STYLES[kind].shape != "dot":
                entry["shape"] = KIND_STYLES[kind].shape
        title = _tooltip(kind, data, label)
        if title:
            entry["title"] = title
        nodes.append(entry)
    return nodes


def _vis_edges(G: nx.MultiDiGraph, index: Mapping[Hashable, int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """vis-network's edge list, and the details each edge gives its nodes (one pass over the edges)."""
    edges: list[dict[str, Any]] = []
    details: list[dict[str, Any]] = [{} for _ in index]
    for u, v, data in G.edges(data=True):
        i, j = index[u], index[v]
        edge_kind = data.get(Attr.KIND)
        edge: dict[str, Any] = {"from": i, "to": j}
        if edge_kind in (_CITES, _WIKI_LINKS):
            edge["dashes"] = True
        edges.append(edge)
        _collect_detail(details, i, j, edge_kind, data)
    return edges, details


def _fill_details(
    G: nx.MultiDiGraph, order: list, kinds: list[str], nodes: list[dict[str, Any]], details: list[dict[str, Any]]
) -> None:
    """Add each node's own values to its details: the kind's fields, a shortened label's full name, citations."""
    for i, node in enumerate(order):
        _node_detail(details[i], kinds[i], G.nodes[node])
        if nodes[i]["label"].endswith("…") and kinds[i] in (_PERSON, _ORGANIZATION, _TAG):
            details[i]["f"] = _full_name(kinds[i], G.nodes[node])
        cited_by = G.nodes[node].get(CITED_BY_ATTR)
        if isinstance(cited_by, int) and cited_by > 0:
            details[i]["cbn"] = cited_by


def _notes_join_their_items(kinds: list[str], details: list[dict[str, Any]], community: list[int]) -> None:
    """A note belongs to its paper's community (the community filter keeps both)."""
    for i, kind in enumerate(kinds):
        if kind == _NOTE and "i" in details[i] and community[details[i]["i"]] >= 0:
            community[i] = community[details[i]["i"]]


def _page_config(
    kinds: list[str],
    counts: Counter,
    values: list[int],
    community: list[int],
    details: list[dict[str, Any]],
    communities: list[dict[str, Any]],
    dates: list[str],
) -> dict[str, Any]:
    """The page's settings and per-node columns (``graph.js`` reads them by these short keys)."""
    kind_names = list(KIND_STYLES)
    return {
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
        "k": [kind_names.index(kind) for kind in kinds],
        "v": values,
        "cm": community,
        "hidden": _hidden_kinds(len(kinds), counts),
        "big": len(kinds) > BIG_GRAPH,
        "dates": dates,
        "top_tags": _top(kinds, values, _TAG, 12),
        "top_cited": _top_cited(details, kinds, 10),
        "communities": communities,
        "labelled": LABELLED_COMMUNITIES,
    }


def place_nodes(page: PageData, order: list, layout: Mapping[Hashable, tuple[float, float]]) -> None:
    """Put each node of ``page`` (``order``: the graph's nodes) where the layout has it,
    and each community's name at the middle of its best papers."""
    for entry, node in zip(page.nodes, order):
        x, y = layout.get(node, (0.0, 0.0))
        # The layout's y points up, as in Gephi; the canvas's points down.
        entry["x"] = _int_coordinate(x)
        entry["y"] = -_int_coordinate(y)
    for community in page.config["communities"]:
        anchors = community["top"][:COMMUNITY_ANCHORS] or [0]
        community["x"] = round(sum(page.nodes[i]["x"] for i in anchors) / len(anchors))
        community["y"] = round(sum(page.nodes[i]["y"] for i in anchors) / len(anchors))


COMMUNITY_ANCHORS = 15
"""A community's name is written at the mean position of this many of its best papers."""


def _communities(G: nx.MultiDiGraph, index: Mapping[str, int]) -> list[dict[str, Any]]:
    """The analysis stage's communities as page data (``[]`` when it did not run).

    Malformed entries are skipped: the page must open whatever the graph holds.
    """
    found = G.graph.get(COMMUNITIES_KEY)
    if not isinstance(found, list):
        return []
    out: list[dict[str, Any]] = []
    for entry in found:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), int):
            continue
        top = [index[n] for n in _as_list(entry.get("top")) if n in index]
        out.append(
            {"id": entry["id"], "label": str(entry.get("label") or ""), "size": int(entry.get("size") or 0), "top": top}
        )
    out.sort(key=lambda c: c["id"])
    last = len(out) - 1
    for position, community in enumerate(out):
        other = position == last and len(out) > 1 and community["label"].lower() in ("other", "")
        community["color"] = OTHER_COLOR if other else COMMUNITY_COLORS[position % len(COMMUNITY_COLORS)]
        community["other"] = other
    return out


def _community_of(data: Mapping[str, Any], count: int) -> int:
    value = data.get(COMMUNITY_ATTR)
    return value if isinstance(value, int) and 0 <= value < count else -1


def _values(G: nx.MultiDiGraph, order: list[str], kinds: list[str]) -> list[int]:
    """The drawn size of each node, 1-100 (vis scales ``value`` linearly).

    With the analysis stage's PageRank, map nodes are sized by it; the square
    root keeps a few giants from turning everything else into specks. Other
    nodes, and every node without PageRank, by degree (see :func:`_sizes`).
    """
    degree = _sizes(G)
    ranks = [G.nodes[n].get(PAGERANK_ATTR) for n in order]
    ranked = [r for r in ranks if isinstance(r, (int, float)) and math.isfinite(r) and r > 0]
    top_rank = max(ranked, default=0.0)
    top_degree = max(degree.values(), default=1) or 1
    values = []
    for node, kind, rank in zip(order, kinds, ranks):
        if top_rank and kind in MAP_KINDS and isinstance(rank, (int, float)) and math.isfinite(rank) and rank > 0:
            values.append(1 + round(99 * math.sqrt(rank / top_rank)))
        elif top_rank:
            values.append(1 + round(60 * math.sqrt(degree[node] / top_degree)))
        else:
            values.append(degree[node])
    return values


def _map_edges(details: list[dict[str, Any]], kinds: list[str]) -> list[dict[str, Any]]:
    """A paper to the cited papers, linked papers and tags of its notes, once
    each: the edges of the map view, where notes are hidden.

    Paper-to-tag edges are left out when there are more than
    :data:`MAP_TAG_EDGE_LIMIT` of them: on a big map they are a grey haze
    that costs a redraw ~60 ms (10× sample), and the layout already puts
    papers near their tags; hovering a tag still draws its papers' lines.
    """
    pairs: dict[tuple[int, int], None] = {}
    tag_pairs: dict[tuple[int, int], None] = {}
    for note, kind in enumerate(kinds):
        detail = details[note]
        if kind != _NOTE or "i" not in detail:
            continue
        item = detail["i"]
        for target in (*(c[0] for c in detail.get("c", ())), *detail.get("w", ())):
            if target != item:
                pairs[(item, target)] = None
        for tag in detail.get("tg", ()):
            tag_pairs[(item, tag)] = None
    if len(tag_pairs) <= MAP_TAG_EDGE_LIMIT:
        pairs.update(tag_pairs)
    return [{"from": i, "to": j, "m": 1} for i, j in pairs]


MAP_TAG_EDGE_LIMIT = 5000


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
    add = _DETAIL_OF_KIND.get(kind)
    if add is not None:
        add(detail, data)


def _item_detail(detail: dict[str, Any], data: Mapping[str, Any]) -> None:
    detail["t"] = str(data.get(Attr.TITLE) or data.get(Attr.LABEL) or "")
    detail["y"] = str(data.get(Attr.ITEM_TYPE) or "other")
    if data.get(Attr.ABSTRACT):
        detail["ab"] = str(data[Attr.ABSTRACT])
    urls = [u for u in (safe_url(u) for u in _as_list(data.get(Attr.URLS))) if u]
    if urls:
        detail["u"] = urls
    if data.get(Attr.ARXIV_ID):
        detail["ax"] = str(data[Attr.ARXIV_ID])


def _note_detail(detail: dict[str, Any], data: Mapping[str, Any]) -> None:
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


def _digest_detail(detail: dict[str, Any], data: Mapping[str, Any]) -> None:
    if data.get(Attr.DATE):
        detail["d"] = str(data[Attr.DATE])
    if data.get(Attr.HEADER):
        detail["h"] = str(data[Attr.HEADER])
    if data.get(Attr.PATH):
        detail["s"] = str(data[Attr.PATH])


def _tag_detail(detail: dict[str, Any], data: Mapping[str, Any]) -> None:
    spellings = [str(s) for s in _as_list(data.get(Attr.SPELLINGS))]
    if len(spellings) > 1:
        detail["sp"] = spellings


def _arxiv_detail(detail: dict[str, Any], data: Mapping[str, Any]) -> None:
    detail["ax"] = str(data.get(Attr.ARXIV_ID) or "")
    if data.get(Attr.TITLE):  # from arXiv metadata
        detail["t"] = str(data[Attr.TITLE])
    if data.get(Attr.ABSTRACT):
        detail["ab"] = str(data[Attr.ABSTRACT])


def _link_detail(detail: dict[str, Any], data: Mapping[str, Any]) -> None:
    url = safe_url(data.get(Attr.URL))
    if url:
        detail["u"] = [url]
    if data.get(Attr.IS_CODE):
        detail["code"] = 1


# What the detail panel shows of each kind's own attributes (people and
# organisations have none beyond their name: their papers come from edges).
_DETAIL_OF_KIND: dict[str, Callable[[dict[str, Any], Mapping[str, Any]], None]] = {
    _ITEM: _item_detail,
    _NOTE: _note_detail,
    _DIGEST: _digest_detail,
    _TAG: _tag_detail,
    _ARXIV: _arxiv_detail,
    _LINK: _link_detail,
}


def _hidden_kinds(size: int, counts: Counter) -> list[str]:
    """The kinds the page starts with unticked (a DataView filter, not omitted):
    above :data:`SMALL_GRAPH` nodes, everything but the map."""
    if size <= SMALL_GRAPH:
        return []
    return [kind for kind in KIND_STYLES if kind not in MAP_KINDS and counts.get(kind)]


def _top(kinds: list[str], values: list[int], kind: str, limit: int) -> list[int]:
    ranked = sorted((i for i, k in enumerate(kinds) if k == kind), key=lambda i: (-values[i], i))
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


def _summary(
    counts: Counter, edge_count: int, date_range: tuple[str, str] | None, communities: int
) -> list[tuple[str, str]]:
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
    if communities:
        parts.insert(5, (f"{communities:,}", "topics"))
    if date_range:
        parts.append((f"{date_range[0]} – {date_range[1]}", ""))
    return parts


# The vis-network options that do not depend on the graph.
VIS_NODE_OPTIONS: dict[str, Any] = {
    "shape": "dot",
    "borderWidth": 1,
    # Level of detail: vis skips a label drawn smaller than this many pixels.
    "scaling": {"label": {"drawThreshold": 8}},
    "font": {"size": 11, "face": FONT_STACK, "color": "#1f2937", "strokeWidth": 3, "strokeColor": "#ffffff"},
}
VIS_EDGE_OPTIONS: dict[str, Any] = {
    "smooth": False,
    "width": 0.6,
    "selectionWidth": 1.6,
    "color": {"color": "#cbd2dc", "highlight": "#334155", "hover": "#64748b", "inherit": False, "opacity": 0.9},
}
VIS_INTERACTION: dict[str, Any] = {
    "hover": True,
    "tooltipDelay": 250,
    # One wheel notch zooms 18% instead of 10%: readable labels in ~12 notches.
    "zoomSpeed": 1.8,
    "hideEdgesOnDrag": False,  # on big graphs: see vis_options
    "hideEdgesOnZoom": False,
    "keyboard": False,
    "multiselect": False,
    "navigationButtons": False,
}
SELECTED_BORDER = "#111827"
"""The border of a selected or hovered node, whatever its group's colour."""


def _vis_group(shape: str, background: str, border: str) -> dict[str, Any]:
    """A vis-network group: a shape and its colours, plain and when selected or hovered."""
    selected = {"background": background, "border": SELECTED_BORDER}
    return {
        "shape": shape,
        "color": {"background": background, "border": border, "highlight": selected, "hover": dict(selected)},
    }


def vis_options(big: bool, communities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The vis-network options: fixed strings and numbers only (no input text).

    Communities become groups ``c0``, ``c1``, ... (their colour; the shape
    stays per node). On big graphs edges are not drawn while the view moves
    (vis draws every edge, visible or not, on every frame).
    """
    groups = {kind: _vis_group(style.shape, style.color, style.border) for kind, style in KIND_STYLES.items()}
    for community in communities or ():
        groups[f"c{community['id']}"] = _vis_group("dot", community["color"], "#ffffff")
    groups[_NOTE]["size"] = 5
    return {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "groups": groups,
        "nodes": VIS_NODE_OPTIONS,
        "edges": VIS_EDGE_OPTIONS,
        "interaction": {**VIS_INTERACTION, "hideEdgesOnDrag": big, "hideEdgesOnZoom": big},
    }


def page_nonce(*parts: str) -> str:
    """A CSP nonce derived from the page's content (deterministic builds)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return base64.b64encode(digest.digest()[:18]).decode("ascii")


def _environment(encoded: Mapping[int, str]):
    """Our autoescaping Jinja environment.

    ``encoded`` maps ``id(obj)`` to ``script_json(obj)`` already computed for
    the nonce, so the big data blocks are encoded once.
    """
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        keep_trailing_newline=True,
    )
    env.filters["script_json"] = lambda value: Markup(encoded.get(id(value)) or script_json(value))
    env.globals["verbatim"] = lambda name: Markup(_static_file(name, (TEMPLATES, _pyvis_assets())))
    return env


def _pyvis_assets() -> Path:
    """The folder of the installed pyvis package that holds vis-network's files.

    Found with ``importlib.util.find_spec``, which locates a package without
    running it: only its files are used (the page needs the exact
    vis-network build pyvis ships), and importing pyvis would import its
    notebook support too (about 35 ms).
    """
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise ExportError("pyvis is not installed; it ships the vis-network script the page needs: pip install pyvis")
    return Path(next(iter(spec.submodule_search_locations))).resolve() / "templates"


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


def generate_html(
    G: nx.MultiDiGraph,
    layout: Mapping[Hashable, tuple[float, float]] | Callable[[], Mapping[Hashable, tuple[float, float]]],
    *,
    title: str = "papergraph",
) -> str:
    """The explorer page for ``G`` as one HTML string.

    ``layout`` may be a function: it is called once everything but the
    positions is ready (a build computes the layout meanwhile).
    """
    page = build_page_data(G, None)
    encoded = {id(block): script_json(block) for block in (page.edges, page.details, page.keys)}
    place_nodes(page, list(G.nodes), layout() if callable(layout) else layout)
    options = vis_options(page.config["big"], page.config["communities"])
    for block in (page.nodes, page.config, options):
        encoded[id(block)] = script_json(block)
    blocks = (page.nodes, page.edges, page.details, page.config, page.keys, options)
    env = _environment(encoded)
    return env.get_template(TEMPLATE_NAME).render(
        page_title=title,
        summary=page.summary,
        kinds=page.config["kinds"],
        nonce=page_nonce(title, *(encoded[id(block)] for block in blocks)),
        nodes=page.nodes,
        edges=page.edges,
        details=page.details,
        keys=page.keys,
        config=page.config,
        options=options,
    )


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
