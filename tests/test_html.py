"""The HTML explorer page, read as text: offline, escaped, deterministic, complete.

The page is also driven in a real browser in ``test_html_browser.py``.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest

from papergraph.build import build, load_graph
from papergraph.exporters import ExportContext, get_exporter
from papergraph.exporters.html import (
    BIG_GRAPH,
    COMMUNITY_COLORS,
    KIND_STYLES,
    OTHER_COLOR,
    build_page_data,
    generate_html,
    generate_html_files,
    safe_url,
    script_json,
)
from papergraph.graph import Attr, build_graph, graph_summary
from papergraph.linking import link_corpus
from papergraph.model import Corpus
from papergraph.parsers.digest import parse_digest
from papergraph.parsers.vault import parse_vault_note

DATA = Path(__file__).resolve().parent / "data"
XSS = DATA / "xss"
PAYLOADS = ('<img src=x onerror="window.__xss=1">', "</script><script>window.__xss=1</script>")


class _Page(HTMLParser):
    """Collect the elements of a page that could load or run anything."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict[str, str | None]] = []
        self.script_text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.metas: list[dict[str, str | None]] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            self.scripts.append(attributes)
            self.script_text.append("")
            self._in_script = True
        if tag == "meta":
            self.metas.append(attributes)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text[-1] += data


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _blocks(html: str) -> dict[str, object]:
    """The JSON data blocks of a page, parsed the way the browser will."""
    page = _parse(html)
    return {
        attrs["id"]: json.loads(text)
        for attrs, text in zip(page.scripts, page.script_text)
        if attrs.get("type") == "application/json"
    }


@pytest.fixture(scope="module")
def seeds_page(seeds_graph) -> str:
    return generate_html(seeds_graph, ExportContext(seeds_graph).layout)


@pytest.fixture(scope="module")
def xss_graph() -> nx.MultiDiGraph:
    return load_graph([XSS])[2]


@pytest.fixture(scope="module")
def xss_page(xss_graph) -> str:
    return generate_html(xss_graph, ExportContext(xss_graph).layout)


def _node_index(G: nx.MultiDiGraph) -> dict[str, int]:
    return {node: i for i, node in enumerate(G.nodes)}


# ---------------------------------------------------------------- offline


def test_page_loads_nothing_from_the_network(seeds_page):
    page = _parse(seeds_page)
    assert [attrs for attrs in page.scripts if attrs.get("src")] == []
    assert [(tag, attrs) for tag, attrs in page.tags if tag == "link"] == []
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "poster", "data"):
            assert not (attrs.get(name) or "").startswith(("http:", "https:", "//")), (tag, attrs)
    style = seeds_page[seeds_page.index("<style>") : seeds_page.index("</style>")]
    assert "url(" not in style and "@import" not in style
    assert "cdn.jsdelivr.net" not in seeds_page and "cdnjs.cloudflare.com" not in seeds_page
    # vis-network itself is inlined, byte for byte, from the installed pyvis package
    import pyvis

    vis = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2" / "vis-network.min.js"
    assert "@version 9.1.2" in seeds_page
    assert vis.read_text(encoding="utf-8") in seeds_page


def test_every_script_carries_the_csp_nonce(seeds_page):
    page = _parse(seeds_page)
    csp = [m["content"] for m in page.metas if (m.get("http-equiv") or "").lower() == "content-security-policy"]
    assert len(csp) == 1
    policy = dict(part.strip().split(" ", 1) for part in csp[0].split(";"))
    assert policy["default-src"] == "'none'"
    nonce = re.fullmatch(r"'nonce-([A-Za-z0-9+/]+=*)'", policy["script-src"]).group(1)
    assert len(nonce) == 24
    executable = [attrs for attrs in page.scripts if attrs.get("type") != "application/json"]
    assert len(executable) == 2  # vis-network + the page's own script
    assert all(attrs.get("nonce") == nonce for attrs in executable)
    # the CSP meta comes before any script
    assert seeds_page.index("Content-Security-Policy") < seeds_page.index("<script")


def test_page_is_utf8_bytes_with_hangul_kept(seeds_graph):
    files = generate_html_files(seeds_graph, ExportContext(seeds_graph))
    assert list(files) == ["graph.html"]
    text = files["graph.html"].decode("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in text
    # commentary is written as UTF-8, not as \\u escapes (half the size)
    assert "초기 토큰과 Local Window" in text


# ---------------------------------------------------------------- completeness


def _expected_map_edges(G: nx.MultiDiGraph) -> list[tuple[int, int]]:
    """A paper to the cited papers, linked papers and tags of its notes (independent of the exporter)."""
    index = _node_index(G)
    pairs: dict[tuple[int, int], None] = {}
    tags: dict[tuple[int, int], None] = {}
    for note in G:
        if G.nodes[note][Attr.KIND] != "note":
            continue
        out = [(v, k) for _, v, k in G.out_edges(note, data=Attr.KIND)]
        items = [v for v, k in out if k == "about"]
        for item in items:
            for v, k in out:
                if k in ("cites", "wiki_links") and v != item:
                    pairs[(index[item], index[v])] = None
                elif k == "tagged":
                    tags[(index[item], index[v])] = None
    return list(pairs) + [t for t in tags if t not in pairs]


def test_nodes_and_edges_are_the_whole_graph_then_the_map_edges(seeds_graph, seeds_page):
    blocks = _blocks(seeds_page)
    nodes, edges = blocks["pg-nodes"], blocks["pg-edges"]
    assert len(nodes) == seeds_graph.number_of_nodes() == 219
    graph_edges, map_edges = edges[:228], edges[228:]
    assert len(graph_edges) == seeds_graph.number_of_edges() == 228
    assert [n["id"] for n in nodes] == list(range(len(nodes)))
    index = _node_index(seeds_graph)
    assert sorted((e["from"], e["to"]) for e in graph_edges) == sorted(
        (index[u], index[v]) for u, v in seeds_graph.edges()
    )
    assert all(e.get("m") is None for e in graph_edges) and all(e["m"] == 1 for e in map_edges)
    assert sorted((e["from"], e["to"]) for e in map_edges) == sorted(_expected_map_edges(seeds_graph))
    assert len(map_edges) == 35
    kinds = {k["kind"]: k["count"] for k in blocks["pg-config"]["kinds"]}
    assert dict(kinds.items()) == graph_summary(seeds_graph)["nodes"]
    note_dates = sorted({d[Attr.DATE] for _, d in seeds_graph.nodes(data=True) if d[Attr.KIND] == "note"})
    assert blocks["pg-config"]["dates"] == note_dates
    assert note_dates[0] == "2024-02-08" and note_dates[-1] == "2024-11-04"
    keys = blocks["pg-keys"]
    assert keys == list(seeds_graph.nodes)
    assert [KIND_STYLES_NAMES[k] for k in blocks["pg-config"]["k"]] == [
        d[Attr.KIND] for _, d in seeds_graph.nodes(data=True)
    ]


KIND_STYLES_NAMES = list(KIND_STYLES)


def test_positions_are_the_shared_layout(seeds_graph):
    layout = ExportContext(seeds_graph).layout
    page = build_page_data(seeds_graph, layout)
    for node, entry in zip(seeds_graph.nodes, page.nodes):
        x, y = layout[node]
        assert (entry["x"], entry["y"]) == (round(x), -round(y))  # y flipped: Gephi's points up


def test_detail_of_an_item(seeds_graph, seeds_page):
    blocks = _blocks(seeds_page)
    nodes, details = blocks["pg-nodes"], blocks["pg-detail"]
    index = _node_index(seeds_graph)
    item = next(i for i, d in enumerate(details) if d.get("t", "").startswith("The Hedgehog & the Porcupine"))
    d = details[item]
    assert nodes[item]["group"] == "item"
    assert d["y"] == "paper"
    assert d["ab"].startswith("Linear attentions have shown potential for improving Transformer efficiency")
    assert [name for name, _ in d["a"]] == ["Michael Zhang", "Kush Bhatia", "Hermann Kumbong", "Christopher Ré"]
    assert all(nodes[agent]["group"] == "person" for _, agent in d["a"])
    (note,) = d["n"]
    n = details[note]
    assert n["d"] == "2024-02-08" and n["i"] == item and nodes[n["g"]]["label"] == "2024-02-08"
    assert [nodes[t]["label"] for t in n["tg"]] == ["#linear-attention"]
    assert n["ko"][0].startswith("Softmax Attention과 Linear Attention 사이의")
    assert n["c"] == [[index["work:arxiv-2305.01625"], None]]
    assert n["s"].startswith("000_763e0155731fdf89.txt:")
    # the cited paper knows who cites it, and with which label
    cited = details[index["work:arxiv-2305.01625"]]
    assert cited["ax"] == "2305.01625"
    assert {details[note_id]["i"] for note_id, _ in cited["cb"]} == {
        item,
        next(i for i, x in enumerate(details) if x.get("t", "").startswith("InfLLM")),
    }


def test_detail_of_a_cited_paper_keeps_the_label_used(seeds_graph, seeds_page):
    details = _blocks(seeds_page)["pg-detail"]
    index = _node_index(seeds_graph)
    lm_infinite = details[index["work:arxiv-2308.16137"]]
    assert [label for _, label in lm_infinite["cb"]] == ["LM-Infinite"]
    assert _blocks(seeds_page)["pg-nodes"][index["work:arxiv-2308.16137"]]["label"] == "LM-Infinite"


def test_the_page_opens_on_the_map_above_a_hundred_nodes(seeds_graph, seeds_page, corpus_digests):
    # papers, cited papers and tags; every other kind is one tick away
    assert _blocks(seeds_page)["pg-config"]["hidden"] == ["note", "digest", "person", "organization", "link"]
    small = seeds_graph.subgraph(list(seeds_graph)[:90]).copy()
    assert build_page_data(small, {}).config["hidden"] == []
    G = load_graph([corpus_digests])[2]
    assert G.number_of_nodes() > BIG_GRAPH
    config = build_page_data(G, {}).config
    assert config["big"] is True
    counts = graph_summary(G)["nodes"]
    assert config["hidden"] == [k for k in ("note", "digest", "person", "organization", "link") if counts[k]]


def test_sizes_follow_degree_without_authorship_and_digest_growth(seeds_graph):
    page = build_page_data(seeds_graph, {})
    index = _node_index(seeds_graph)
    values = page.config["v"]
    assert values[index["tag:long-context"]] == seeds_graph.in_degree("tag:long-context") == 4
    hedgehog = next(
        n
        for n, d in seeds_graph.nodes(data=True)
        if d[Attr.KIND] == "item" and d[Attr.TITLE].startswith("The Hedgehog")
    )
    # 4 authors do not make a paper bigger: only its one note counts
    assert values[index[hedgehog]] == 1
    assert {values[index[n]] for n in seeds_graph if n.startswith("digest:")} == {1}
    # drawn sizes grow with the value, from 5 to 40 px
    sizes = [n["size"] for n in page.nodes]
    assert min(sizes) >= 5 and max(sizes) == 40
    pairs = sorted(zip(values, sizes))
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(pairs))
    assert "value" not in page.nodes[0]


def _with_communities(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The seeds with the analysis stage's attributes set by hand: two topics and "other"."""
    G = G.copy()
    items = [n for n, d in G.nodes(data=True) if d[Attr.KIND] in ("item", "arxiv")]
    for i, node in enumerate(items):
        community = 0 if i % 3 else (1 if i % 2 else 2)
        G.nodes[node].update(community=community, community_label=["alpha · beta", "gamma", "other"][community])
        G.nodes[node].update(pagerank=(i + 1) / 1000, cited_by=i % 4)
    G.nodes["tag:long-context"]["community"] = 1
    top = {c: [n for n in items if G.nodes[n]["community"] == c][::-1][:5] for c in range(3)}
    G.graph["communities"] = [
        {"id": 0, "label": "alpha · beta", "size": sum(G.nodes[n]["community"] == 0 for n in items), "top": top[0]},
        {"id": 1, "label": "gamma", "size": sum(G.nodes[n]["community"] == 1 for n in items), "top": top[1]},
        {"id": 2, "label": "other", "size": sum(G.nodes[n]["community"] == 2 for n in items), "top": top[2]},
    ]
    return G


def test_communities_colour_the_map_and_pagerank_sizes_it(seeds_graph):
    G = _with_communities(seeds_graph)
    html = generate_html(G, ExportContext(G).layout)
    blocks = _blocks(html)
    nodes, config, options = blocks["pg-nodes"], blocks["pg-config"], blocks["pg-options"]
    index = _node_index(G)
    communities = config["communities"]
    assert [(c["id"], c["label"], c["other"]) for c in communities] == [
        (0, "alpha · beta", False),
        (1, "gamma", False),
        (2, "other", True),
    ]
    assert [c["color"] for c in communities] == [COMMUNITY_COLORS[0], COMMUNITY_COLORS[1], OTHER_COLOR]
    assert communities[1]["top"] == [index[n] for n in G.graph["communities"][1]["top"]]
    # each community's name sits at the mean position of its best papers
    top = communities[0]["top"][:15]
    assert communities[0]["x"] == round(sum(nodes[i]["x"] for i in top) / len(top))
    # group = community (colour), shape = kind
    arxiv = index["work:arxiv-2308.16137"]
    assert nodes[arxiv]["group"] == f"c{G.nodes['work:arxiv-2308.16137']['community']}"
    assert nodes[arxiv]["shape"] == "square"
    assert nodes[index["tag:long-context"]]["group"] == "c1" and nodes[index["tag:long-context"]]["shape"] == "triangle"
    assert options["groups"]["c2"]["color"]["background"] == OTHER_COLOR
    # notes take their paper's community (for the legend filter); people have none
    note = next(n for n in G if G.nodes[n][Attr.KIND] == "note")
    item = next(v for _, v, k in G.out_edges(note, data=Attr.KIND) if k == "about")
    assert config["cm"][index[note]] == G.nodes[item]["community"]
    assert {config["cm"][index[n]] for n in G if G.nodes[n][Attr.KIND] == "person"} == {-1}
    # PageRank sizes the map: the best-ranked paper is the biggest
    best = max((n for n in G if "pagerank" in G.nodes[n]), key=lambda n: G.nodes[n]["pagerank"])
    assert nodes[index[best]]["size"] == 40 and config["v"][index[best]] == 100
    assert blocks["pg-detail"][index[best]]["cbn"] == G.nodes[best]["cited_by"]
    assert "3 topics" in html.replace("<b>3</b> topics", "3 topics")


def test_malformed_analysis_output_is_ignored(seeds_graph):
    G = seeds_graph.copy()
    G.graph["communities"] = [{"id": "x"}, "junk", {"id": 0, "label": None, "size": None, "top": ["missing"]}]
    item = next(n for n in G if G.nodes[n][Attr.KIND] == "item")
    G.nodes[item].update(community=7, pagerank=float("nan"))
    config = build_page_data(G, {}).config
    assert [(c["id"], c["label"], c["size"], c["top"]) for c in config["communities"]] == [(0, "", 0, [])]
    assert config["cm"][_node_index(G)[item]] == -1


def _contrast(color: str, background: str = "#ffffff") -> float:
    def luminance(hex_color: str) -> float:
        channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(color), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_fill_has_three_to_one_contrast_with_the_page():
    fills = [s.color for s in KIND_STYLES.values()] + list(COMMUNITY_COLORS) + [OTHER_COLOR]
    assert {color: round(_contrast(color), 2) for color in fills if _contrast(color) < 3.0} == {}
    assert {color: round(_contrast(color, "#fcfdff"), 2) for color in fills if _contrast(color, "#fcfdff") < 3.0} == {}
    assert len(set(fills)) == len(fills)


# ---------------------------------------------------------------- safety


def test_payloads_never_appear_as_markup(xss_graph, xss_page):
    for payload in PAYLOADS:
        assert payload not in xss_page
    assert "<img" not in xss_page and "<svg" not in xss_page
    page = _parse(xss_page)
    # exactly the page's own script elements: 6 JSON blocks + vis + ours
    assert len(page.scripts) == 8
    assert xss_page.count("</script>") == 8
    assert [tag for tag, _ in page.tags if tag in {"img", "svg", "iframe", "object", "embed", "a", "form"}] == []


def test_payloads_round_trip_as_text(xss_graph, xss_page):
    blocks = _blocks(xss_page)
    details, nodes = blocks["pg-detail"], blocks["pg-nodes"]
    index = _node_index(xss_graph)
    titles = {d["t"] for d in details if "t" in d}
    assert titles == {
        'Attack <img src=x onerror="window.__xss=1"> Title: Payloads in Papers',
        "</script><script>window.__xss=1</script> Second Entry",
    }
    names = {details[index[n]].get("f", nodes[index[n]]["label"]) for n in xss_graph if n.startswith("agent:")}
    assert 'Eve <img src=x onerror="window.__xss=1"> Doe' in names
    assert "Trudy </script><script>window.__xss=1</script> Roe" in names
    tags = {nodes[index[n]]["label"] for n in xss_graph if n.startswith("tag:")}
    assert "#</script><script>window.__xss=1</script>" in tags
    abstracts = [d["ab"] for d in details if "ab" in d]
    assert any('<img src=x onerror="window.__xss=1">' in a for a in abstracts)
    commentary = [t for d in details for t in d.get("ko", []) + d.get("en", [])]
    assert any("</script><script>window.__xss=1</script>" in t for t in commentary)


def test_titles_are_plain_text_and_the_page_has_no_html_popup(xss_page):
    titles = [n["title"] for n in _blocks(xss_page)["pg-nodes"] if "title" in n]
    assert any(t.startswith('Attack <img src=x onerror="window.__xss=1"> Title: Payloads in Papers\n') for t in titles)
    # pyvis' innerHTML popup lives in its template and utils.js, which the page does not use
    assert "innerHTML" not in xss_page.split('id="pg-nodes"')[0] and "popup.innerHTML" not in xss_page


def test_options_carry_no_input_text(xss_page):
    options = _blocks(xss_page)["pg-options"]
    text = json.dumps(options)
    assert "xss" not in text and "<" not in text
    assert set(options["groups"]) == {"item", "note", "digest", "tag", "arxiv", "person", "organization", "link"}
    assert options["interaction"]["hideEdgesOnDrag"] is False  # a small graph draws edges while moving
    assert options["physics"] == {"enabled": False}
    assert options["edges"]["smooth"] is False


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://arxiv.org/abs/2308.16137", "https://arxiv.org/abs/2308.16137"),
        ("http://example.org/a?b=1", "http://example.org/a?b=1"),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//evil.example/x", None),
        ('https://github.com/evil/repo"><img src=x>', None),
        ("ftp://example.org/", None),
        (None, None),
    ],
)
def test_safe_url_allows_only_http(url, expected):
    assert safe_url(url) == expected


def test_only_http_urls_reach_the_page(xss_graph, xss_page):
    details = _blocks(xss_page)["pg-detail"]
    urls = [u for d in details for u in d.get("u", [])]
    assert urls == ["https://github.com/evil/repo"]


def test_script_json_escapes_everything_that_could_close_a_script():
    text = script_json({"a": "</script><!-- & ' \u2028"})
    assert text == '{"a":"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u0027 \\u2028"}'
    assert json.loads(text) == {"a": "</script><!-- & ' \u2028"}
    assert script_json('{"x": 1}') == '{"x":1}'


# ---------------------------------------------------------------- determinism


def test_same_input_gives_identical_bytes(seeds_graph):
    first = generate_html_files(seeds_graph, ExportContext(seeds_graph))["graph.html"]
    again = load_graph([Path(__file__).resolve().parent.parent / "seeds"])[2]
    second = generate_html_files(again, ExportContext(again))["graph.html"]
    assert first == second


def test_nonce_follows_the_content(seeds_graph, xss_page, seeds_page):
    def nonce(html):
        return re.search(r"'nonce-([^']+)'", html).group(1)

    assert nonce(seeds_page) != nonce(xss_page)
    assert nonce(seeds_page) == nonce(generate_html(seeds_graph, ExportContext(seeds_graph).layout))
    assert nonce(seeds_page) != nonce(generate_html(seeds_graph, ExportContext(seeds_graph).layout, title="other"))


# ---------------------------------------------------------------- robustness


def test_vault_notes_and_wiki_links_are_handled(seeds_graph):
    G = seeds_graph.copy()
    item = next(n for n in G if G.nodes[n].get(Attr.KIND) == "item")
    G.add_node(
        "note:vault/abc",
        kind="note",
        label="Vault note",
        key="vault/abc",
        title="Vault note",
        date=None,
        path="notes/x.md",
        line_start=1,
        line_end=9,
        commentary_ko=None,
        commentary_en=["An English line."],
        tags=[],
        source_kind="vault",
        digest=None,
    )
    G.add_node(
        "work:w-vault",
        kind="item",
        label="Vault item",
        key="w-vault",
        item_type="blog",
        title="Vault item",
        arxiv_id=None,
        abstract=None,
        url=None,
        urls=None,
        dates=[],
        date=None,
        authors=None,
    )
    G.add_edge("note:vault/abc", "work:w-vault", key="about", kind="about")
    G.add_edge("note:vault/abc", item, key="wiki_links:3", kind="wiki_links")
    page = build_page_data(G, {})
    index = _node_index(G)
    note = page.details[index["note:vault/abc"]]
    assert note == {
        "i": index["work:w-vault"],
        "w": [index[item]],
        "en": ["An English line."],
        "s": "notes/x.md:1-9",
        "v": 1,
    }
    assert page.details[index[item]]["wb"] == [index["note:vault/abc"]]
    assert page.details[index["work:w-vault"]] == {"n": [index["note:vault/abc"]], "t": "Vault item", "y": "blog"}
    assert {"from": index["note:vault/abc"], "to": index[item], "dashes": True} in page.edges
    assert {"from": index["work:w-vault"], "to": index[item], "m": 1} in page.edges
    assert len([e for e in page.edges if "m" not in e]) == G.number_of_edges()


def test_empty_graph_gives_a_working_page():
    html = generate_html(nx.MultiDiGraph(), {})
    blocks = _blocks(html)
    assert blocks["pg-nodes"] == [] and blocks["pg-edges"] == []
    assert blocks["pg-config"]["dates"] == [] and blocks["pg-config"]["communities"] == []


def test_exporter_is_registered_and_writes_graph_html(tmp_path, seeds_dir):
    exporter = get_exporter("html")
    assert exporter.files == ("graph.html",) and exporter.uses_layout is True
    result = build([seeds_dir], tmp_path / "out", formats=["html"])
    written = {path.name: size for path, size in result.written}
    assert list(written) == ["graph.html"]
    data = (tmp_path / "out" / "graph.html").read_bytes()
    assert written["graph.html"] == len(data)
    assert len(_blocks(data.decode("utf-8"))["pg-nodes"]) == result.graph.number_of_nodes()


def test_rendering_puts_no_stand_in_module_into_sys_modules(seeds_graph):
    before = dict(sys.modules)
    generate_html(seeds_graph, {})
    added = {name: module for name, module in sys.modules.items() if name not in before}
    assert all(getattr(module, "__file__", None) or getattr(module, "__path__", None) for module in added.values())
    if "IPython" in sys.modules:  # pyvis imports the real one, never a stand-in
        assert sys.modules["IPython"].__file__.endswith("__init__.py")


def test_a_missing_static_file_is_an_export_error_naming_it(tmp_path):
    from papergraph.errors import ExportError
    from papergraph.exporters.html import _static_file

    (tmp_path / "graph.js").write_text("let a = 1;\r\nlet b = 2;\r", encoding="utf-8")
    assert _static_file("graph.js", (tmp_path / "none", tmp_path)) == "let a = 1;\nlet b = 2;\n"
    with pytest.raises(ExportError) as raised:
        _static_file("graph.css", (tmp_path,))
    assert str(raised.value) == (
        f"graph.css: missing from the page templates ({tmp_path.as_posix()}); reinstall papergraph"
    )


def test_a_note_written_in_a_digest_and_a_vault_note_shows_both_sources():
    digest, _ = parse_digest("2024년 1월 2일\nMixtral\n(Ann Lee)\n메모.\n#moe\n", path="2024-01-02.txt")
    note, _ = parse_vault_note(
        "https://arxiv.org/abs/2401.04088\n\nMixtral (Ann Lee)\n\n메모.\n", path="240102 Mixtral.md"
    )
    G = build_graph(link_corpus(Corpus((digest, note))))
    page = build_page_data(G, {})
    detail = page.details[_node_index(G)["note:2024-01-02/arxiv-2401.04088"]]
    assert detail["s"] == "2024-01-02.txt:2-5; 240102 Mixtral.md:1-5"
