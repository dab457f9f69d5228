"""GraphML export: XSD-valid, Gephi's rules R1–R16, and nothing lost on the way.

The files are read back with three independent readers (networkx, igraph and
plain lxml), and every node, edge and attribute of the networkx graph is
recovered from them.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import igraph
import networkx as nx
import pytest
from lxml import etree

from conftest import CORPUS, DATA, DIGEST_FIXTURES
from papergraph.build import load_graph
from papergraph.exporters import ExportContext, get_exporter
from papergraph.exporters.graphml import GRAPHML_NS, generate_graphml, graphml_node_id
from papergraph.graph import graph_summary
from papergraph.identifiers import h16
from papergraph.model import Diagnostic

NS = {"g": GRAPHML_NS}
HOSTILE = DIGEST_FIXTURES / "gephi-hostile-titles.txt"
LIST_SEPARATORS = {"commentary_ko": "\n", "commentary_en": "\n"}
DERIVED_NODE_COLUMNS = {"node_id", "year", "size", "color", "x", "y"}
EDGE_ATTRIBUTES = ("kind", "position", "name", "spelling", "line", "label", "url", "version")
INT_EDGE_ATTRIBUTES = {"position", "line", "version"}


def export(G: nx.MultiDiGraph) -> tuple[bytes, ExportContext]:
    ctx = ExportContext(G)
    return generate_graphml(G, ctx), ctx


@pytest.fixture(scope="module")
def seeds_export(seeds_graph):
    return export(seeds_graph)


@pytest.fixture(scope="module")
def corpus_export(corpus_graph):
    return export(corpus_graph)


@pytest.fixture(scope="module")
def hostile_graph():
    return load_graph([HOSTILE])[2]


def read_networkx(data: bytes, tmp_path: Path) -> nx.MultiDiGraph:
    path = tmp_path / "graph.graphml"
    path.write_bytes(data)
    return nx.read_graphml(path, force_multigraph=True)


def decode_node(values: dict, original: dict) -> dict:
    """A node's graph attributes, rebuilt from what a reader found in the file."""
    decoded = {}
    for name, value in values.items():
        if name in DERIVED_NODE_COLUMNS or name == "kind":
            continue
        name = "key" if name == "node_key" else name
        if isinstance(original.get(name), list):
            value = value.split(LIST_SEPARATORS.get(name, "; "))
        decoded[name] = value
    return decoded


def expected_node(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not None and v != "" and v != [] and k != "kind"}


def decode_edges(values: dict) -> list[dict]:
    """The graph edges a collapsed file edge stands for (see ``bundle_values``)."""
    count = int(values["weight"])
    columns = {}
    for name in EDGE_ATTRIBUTES:
        if f"{name}s" in values:
            items = [None if item == "" else item for item in values[f"{name}s"].split("; ")]
        else:
            items = [values.get(name)] * count
        if name in INT_EDGE_ATTRIBUTES:
            items = [None if item is None else int(item) for item in items]
        assert len(items) == count, (name, values)
        columns[name] = items
    return [{name: items[i] for name, items in columns.items() if items[i] is not None} for i in range(count)]


def edges_by_pair(G: nx.MultiDiGraph) -> dict[tuple[str, str], list[dict]]:
    pairs: dict[tuple[str, str], list[dict]] = {}
    for u, v, data in G.edges(data=True):
        pairs.setdefault((u, v), []).append({k: value for k, value in data.items() if value is not None})
    return pairs


def canonical(edges: list[dict]) -> list[str]:
    return sorted(repr(sorted(edge.items())) for edge in edges)


@pytest.mark.parametrize("which", ["seeds", "corpus", "hostile"])
def test_graphml_is_valid_against_the_graphml_1_0_xsd(which, seeds_export, corpus_export, hostile_graph):
    data = {"seeds": seeds_export[0], "corpus": corpus_export[0], "hostile": export(hostile_graph)[0]}[which]
    schema = etree.XMLSchema(etree.parse(str(DATA / "xsd" / "graphml.xsd")))
    document = etree.fromstring(data)
    schema.assertValid(document)
    assert data.startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns"'
    )


@pytest.mark.parametrize("which", ["seeds", "corpus"])
def test_every_node_and_attribute_survives_networkx(
    which, seeds_graph, seeds_export, corpus_graph, corpus_export, tmp_path
):
    G, (data, ctx) = (seeds_graph, seeds_export) if which == "seeds" else (corpus_graph, corpus_export)
    read = read_networkx(data, tmp_path)
    assert read.number_of_nodes() == G.number_of_nodes()
    by_original = {values["node_id"]: values for _, values in read.nodes(data=True)}
    assert set(by_original) == set(G.nodes)
    for node, original in G.nodes(data=True):
        values = by_original[node]
        assert decode_node(values, original) == expected_node(original), node
        shown = original["item_type"] if original["kind"] == "item" else original["kind"]
        assert values["kind"] == shown
        assert (values["x"], values["y"]) == ctx.layout[node]
        assert re.fullmatch(r"#[0-9A-F]{6}", values["color"])
        assert values["size"] >= 8.0
        if isinstance(original.get("date"), str):
            assert values["year"] == int(original["date"][:4])


@pytest.mark.parametrize("which", ["seeds", "corpus", "hostile"])
def test_every_edge_and_attribute_survives_networkx(
    which, seeds_graph, seeds_export, corpus_graph, corpus_export, hostile_graph, tmp_path
):
    G, data = {
        "seeds": (seeds_graph, seeds_export[0]),
        "corpus": (corpus_graph, corpus_export[0]),
        "hostile": (hostile_graph, export(hostile_graph)[0]),
    }[which]
    read = read_networkx(data, tmp_path)
    original_id = {n: values["node_id"] for n, values in read.nodes(data=True)}
    decoded: dict[tuple[str, str], list[dict]] = {}
    for u, v, values in read.edges(data=True):
        pair = (original_id[u], original_id[v])
        assert pair not in decoded, "parallel edges must be collapsed"
        decoded[pair] = decode_edges(values)
    expected = edges_by_pair(G)
    assert decoded.keys() == expected.keys()
    for pair, edges in expected.items():
        assert canonical(decoded[pair]) == canonical(edges), pair
    kinds = Counter(edge["kind"] for edges in decoded.values() for edge in edges)
    assert {k: v for k, v in graph_summary(G)["edges"].items() if v} == dict(kinds)


def test_seed_counts_and_collapsed_citations(seeds_export, tmp_path):
    read = read_networkx(seeds_export[0], tmp_path)
    assert (read.number_of_nodes(), read.number_of_edges()) == (219, 227)
    doubled = sorted(
        (read.nodes[v]["node_id"], values["kind"], values["weight"], values["lines"])
        for _, v, values in read.edges(data=True)
        if values["weight"] > 1
    )
    assert doubled == [("work:arxiv-1907.01470", "cites", 2.0, "17; 18")]  # 228 graph edges, one paper cited twice


def test_igraph_reads_the_same_graph(corpus_graph, corpus_export, tmp_path):
    path = tmp_path / "graph.graphml"
    path.write_bytes(corpus_export[0])
    graph = igraph.Graph.Read_GraphML(str(path))
    assert graph.is_directed()
    assert graph.vcount() == corpus_graph.number_of_nodes() == 6554
    assert graph.ecount() == 8843  # 8845 graph edges, two pairs cited twice from one note
    assert set(graph.vs["node_id"]) == set(corpus_graph.nodes)
    layout = corpus_export[1].layout
    for vertex in graph.vs.select(node_id_in={"tag:llm", "work:w-bcc24f95c43d839f"}):
        assert (vertex["x"], vertex["y"]) == layout[vertex["node_id"]]
        assert vertex["label"] == corpus_graph.nodes[vertex["node_id"]]["label"]
    assert sum(graph.es["weight"]) == corpus_graph.number_of_edges()
    assert Counter(graph.es["kind"]) == Counter(
        {"contains": 774, "about": 774, "authored_by": 6033, "tagged": 1027, "cites": 149, "links_to": 86}
    )


def test_file_follows_gephis_rules(corpus_export):
    document = etree.fromstring(corpus_export[0])
    keys = document.findall("g:key", NS)
    graph = document.find("g:graph", NS)
    assert list(document).index(graph) == len(keys), "keys come before the graph"
    assert graph.get("edgedefault") == "directed"
    declared = [(key.get("for"), key.get("attr.name")) for key in keys]
    assert len(declared) == len(set(declared))
    assert {key.get("attr.type") for key in keys} <= {"boolean", "int", "long", "float", "double", "string"}
    assert {key.get("for") for key in keys} == {"node", "edge"}
    key_of = {(key.get("for"), key.get("attr.name")): key.get("id") for key in keys}
    assert all(re.fullmatch(r"d\d+", key_id) for key_id in key_of.values())
    nodes = graph.findall("g:node", NS)
    node_ids = [node.get("id") for node in nodes]
    assert len(node_ids) == len(set(node_ids))
    for node in nodes:
        data = {d.get("key"): d.text for d in node.findall("g:data", NS)}
        assert data[key_of[("node", "label")]].strip()
        assert re.fullmatch(r"#[0-9A-F]{6}", data[key_of[("node", "color")]])
        assert key_of[("node", "x")] in data and key_of[("node", "y")] in data
    edges = graph.findall("g:edge", NS)
    assert len({edge.get("id") for edge in edges}) == len(edges)
    assert len({(edge.get("source"), edge.get("target")) for edge in edges}) == len(edges)
    assert {edge.get("source") for edge in edges} | {edge.get("target") for edge in edges} <= set(node_ids)
    texts = [d.text for d in document.iter(f"{{{GRAPHML_NS}}}data")]
    assert not [t for t in texts if t in {"None", "nan", "inf", "null", "", None} or t.startswith("['")]


def test_node_ids_are_name_tokens_and_hash_what_is_not():
    assert graphml_node_id("note:2024-03-05/arxiv-2401.00001") == "note:2024-03-05:arxiv-2401.00001"
    assert graphml_node_id("tag:한국어") == "tag:한국어"
    assert graphml_node_id("tag:c&d") == "tag:h-" + h16("tag:c&d")
    assert graphml_node_id("link:" + "x" * 200).startswith("link:h-")


def test_hostile_titles_survive_escaped_and_unchanged(hostile_graph, tmp_path):
    data, ctx = export(hostile_graph)
    # '>' is left unescaped in text (XML allows it), so Gephi's JDK parser keeps the spaces between escapes
    assert b'&lt;script>alert("x")&lt;/script> &amp; "Quotes" \'single\' &lt;b>bold&lt;/b> Attention' in data
    read = read_networkx(data, tmp_path)
    titles = sorted(values["title"] for _, values in read.nodes(data=True) if values["kind"] == "paper")
    assert titles == [
        '<script>alert("x")</script> & "Quotes" \'single\' <b>bold</b> Attention',
        "벨 문자가 있는 제목: 한국어 논문",
    ]
    names = sorted(values["label"] for _, values in read.nodes(data=True) if values["kind"] == "person")
    assert names == ["Ada Lovelace", "O'Brien & Sons", "김철수", "홍길동"]
    tag = next(values for n, values in read.nodes(data=True) if values["node_id"] == "tag:c&d")
    assert tag["label"] == "c&d"
    assert ctx.diagnostics == []  # the reader already removed the control characters


def test_control_characters_in_a_digest_never_reach_the_files():
    corpus, _, G = load_graph([HOSTILE])
    assert [(Path(d.path).name, d.line, d.message, d.code) for d in corpus.diagnostics] == [
        (
            "gephi-hostile-titles.txt",
            9,
            "removed control character(s) U+0007; they cannot be exported",
            "control-character",
        ),
        (
            "gephi-hostile-titles.txt",
            11,
            "removed control character(s) U+000B, U+001F; they cannot be exported",
            "control-character",
        ),
    ]
    data = export(G)[0].decode("utf-8")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", data)
    assert ">벨 문자가 있는 제목: 한국어 논문<" in data


def test_control_characters_are_removed_with_one_diagnostic_per_place():
    G = nx.MultiDiGraph()
    G.add_node(
        "digest:2024-01-01",
        kind="digest",
        label="2024년 1월 1일",
        key="2024-01-01",
        date="2024-01-01",
        path="2024/2024-01-01.txt",
        header_line=1,
    )
    G.add_node(
        "note:2024-01-01/w-1",
        kind="note",
        label="Bell\x07 title",
        title="Bell\x07 title",
        date="2024-01-01",
        path="2024/2024-01-01.txt",
        line_start=2,
        line_end=5,
        tags=["ok", "bad\x1b"],
    )
    G.add_node(
        "work:w-1",
        kind="item",
        item_type="paper",
        label="Bell\x07 title",
        title="Bell\x07 title",
        abstract="Tab\x0bbed \ufffe text",
        dates=["2024-01-01"],
        date="2024-01-01",
    )
    G.add_node("link:1", kind="link", label="https://x.org/", url="https://x.org/")
    G.add_edge("digest:2024-01-01", "note:2024-01-01/w-1", key="contains", kind="contains", position=1)
    G.add_edge("note:2024-01-01/w-1", "work:w-1", key="about", kind="about")
    G.add_edge("note:2024-01-01/w-1", "link:1", key="links_to:4", kind="links_to", line=4, url="https://x.org/\x1f")
    data, ctx = export(G)
    where = "2024/2024-01-01.txt"
    assert ctx.diagnostics == [
        Diagnostic(
            where,
            2,
            "note:2024-01-01/w-1 label: removed control character(s) U+0007; XML cannot carry them",
            "control-character",
        ),
        Diagnostic(
            where,
            2,
            "note:2024-01-01/w-1 title: removed control character(s) U+0007; XML cannot carry them",
            "control-character",
        ),
        Diagnostic(
            where,
            2,
            "note:2024-01-01/w-1 tags: removed control character(s) U+001B; XML cannot carry them",
            "control-character",
        ),
        Diagnostic(
            where, 2, "work:w-1 label: removed control character(s) U+0007; XML cannot carry them", "control-character"
        ),
        Diagnostic(
            where, 2, "work:w-1 title: removed control character(s) U+0007; XML cannot carry them", "control-character"
        ),
        Diagnostic(
            where,
            2,
            "work:w-1 abstract: removed control character(s) U+000B, U+FFFE; XML cannot carry them",
            "control-character",
        ),
        Diagnostic(
            where,
            4,
            "note:2024-01-01/w-1 edge url: removed control character(s) U+001F; XML cannot carry them",
            "control-character",
        ),
    ]
    read = nx.read_graphml(io.BytesIO(data))
    assert read.nodes["work:w-1"]["title"] == "Bell title"
    assert read.nodes["work:w-1"]["abstract"] == "Tabbed  text"
    assert read.nodes["note:2024-01-01:w-1"]["tags"] == "ok; bad"
    # The GEXF export of the same build reports nothing twice.
    get_exporter("gexf").generate(G, ctx)
    assert len(ctx.diagnostics) == 7


def test_vault_notes_and_wiki_links_collapse_with_citations(tmp_path):
    G = nx.MultiDiGraph()
    G.add_node(
        "note:vault/abc",
        kind="note",
        label="A vault note",
        title="A vault note",
        date=None,
        path="vault/a.md",
        line_start=1,
        line_end=9,
        tags=[],
        source_kind="vault",
        digest=None,
        commentary_ko=["첫 줄; 세미콜론", "둘째 줄"],
        commentary_en=[],
    )
    G.add_node(
        "work:arxiv-2302.04542",
        kind="arxiv",
        label="arXiv:2302.04542",
        key="arxiv-2302.04542",
        arxiv_id="2302.04542",
        anchors=["EVA"],
        url="https://arxiv.org/abs/2302.04542",
    )
    G.add_edge(
        "note:vault/abc",
        "work:arxiv-2302.04542",
        key="cites:5:0",
        kind="cites",
        line=5,
        label="EVA",
        url="https://arxiv.org/abs/2302.04542",
        version=None,
    )
    G.add_edge(
        "note:vault/abc",
        "work:arxiv-2302.04542",
        key="wiki_links:15:0",
        kind="wiki_links",
        line=15,
        label="230209 Efficient Attention.md",
    )
    data, _ctx = export(G)
    read = read_networkx(data, tmp_path)
    ((_u, _v, values),) = read.edges(data=True)
    assert {k: values[k] for k in ("kind", "kinds", "weight", "line", "lines", "label", "labels", "url", "urls")} == {
        "kind": "cites;wiki_links",
        "kinds": "cites; wiki_links",
        "weight": 2.0,
        "line": 5,
        "lines": "5; 15",
        "label": "EVA",
        "labels": "EVA; 230209 Efficient Attention.md",
        "url": "https://arxiv.org/abs/2302.04542",
        "urls": "https://arxiv.org/abs/2302.04542; ",
    }
    note = read.nodes["note:vault:abc"]
    assert note["commentary_ko"] == "첫 줄; 세미콜론\n둘째 줄"
    assert "digest" not in note and "date" not in note and "year" not in note and "tags" not in note
    assert note["source_kind"] == "vault"


def test_export_is_byte_identical_across_builds():
    first = export(load_graph([CORPUS / "digests"])[2])[0]
    second = export(load_graph([CORPUS / "digests"])[2])[0]
    assert first == second
    assert len(first) > 1_000_000
