"""GEXF 1.3 export: native viz, edge kinds, list attributes, a timeline, nothing lost.

Read back with a small lxml reader written here (it follows the GEXF 1.3
primer and the list syntax Gephi and graphology parse) and with networkx.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

import networkx as nx
import pytest
from lxml import etree

from conftest import CORPUS, DIGEST_FIXTURES
from papergraph.build import load_graph
from papergraph.exporters import ExportContext
from papergraph.exporters._gephi import KIND_COLORS
from papergraph.exporters.gexf import GEXF_NS, VIZ_NS, generate_gexf, gexf_list
from papergraph.exporters.rdf import node_iris
from papergraph.graph import graph_summary

HOSTILE = DIGEST_FIXTURES / "gephi-hostile-titles.txt"
EDGE_ATTRIBUTES = ("position", "name", "spelling", "line", "url", "version")
INT_EDGE_ATTRIBUTES = {"position", "line", "version"}
GEPHI_GEXF_TYPES = {"integer", "long", "double", "float", "boolean", "string", "liststring"}


@dataclass
class GexfFile:
    graph: dict[str, str]
    columns: dict[str, dict[str, str]]
    nodes: dict[str, dict] = field(default_factory=dict)
    edges: list[dict] = field(default_factory=list)


def parse_gexf(data: bytes) -> GexfFile:
    """Read a GEXF 1.3 file with lxml: typed attvalues, viz values, native edge attributes."""
    root = etree.fromstring(data)
    assert root.tag == f"{{{GEXF_NS}}}gexf" and root.get("version") == "1.3"
    graph = root.find(f"{{{GEXF_NS}}}graph")
    columns = {
        attributes.get("class"): {a.get("id"): a.get("type") for a in attributes}
        for attributes in graph.findall(f"{{{GEXF_NS}}}attributes")
    }
    result = GexfFile(dict(graph.attrib), columns)

    def values_of(element, domain):
        values = {}
        for attvalue in element.iter(f"{{{GEXF_NS}}}attvalue"):
            name, text = attvalue.get("for"), attvalue.get("value")
            kind = columns[domain][name]
            if kind in ("integer", "long"):
                values[name] = int(text)
            elif kind == "double":
                values[name] = float(text)
            elif kind == "boolean":
                values[name] = {"true": True, "false": False}[text]
            elif kind == "liststring":
                values[name] = json.loads(text, strict=False)  # our quoting is a subset of JSON's
            else:
                values[name] = text
        return values

    for node in graph.iter(f"{{{GEXF_NS}}}node"):
        color = node.find(f"{{{VIZ_NS}}}color")
        position = node.find(f"{{{VIZ_NS}}}position")
        result.nodes[node.get("id")] = {
            "label": node.get("label"),
            "start": node.get("start"),
            "values": values_of(node, "node"),
            "color": tuple(int(color.get(c)) for c in "rgb"),
            "size": float(node.find(f"{{{VIZ_NS}}}size").get("value")),
            "position": (float(position.get("x")), float(position.get("y"))),
        }
    for edge in graph.iter(f"{{{GEXF_NS}}}edge"):
        result.edges.append({**dict(edge.attrib), "values": values_of(edge, "edge")})
    return result


def export(G: nx.MultiDiGraph) -> tuple[bytes, ExportContext]:
    ctx = ExportContext(G)
    return generate_gexf(G, ctx), ctx


@pytest.fixture(scope="module")
def corpus_export(corpus_graph):
    return export(corpus_graph)


@pytest.fixture(scope="module")
def hostile_graph():
    return load_graph([HOSTILE])[2]


def decode_edges(edge: dict) -> list[dict]:
    """The graph edges one file edge stands for: ``weight`` of them, of its ``kind``."""
    count = int(float(edge["weight"]))
    values = edge["values"]
    columns: dict[str, list] = {"kind": [edge["kind"]] * count}
    labels = values.get("labels") or [edge.get("label")] * count
    columns["label"] = [label or None for label in labels]
    for name in EDGE_ATTRIBUTES:
        items = values[f"{name}s"] if f"{name}s" in values else [values.get(name)] * count
        items = [None if item in ("", None) else item for item in items]
        if name in INT_EDGE_ATTRIBUTES:
            items = [None if item is None else int(item) for item in items]
        columns[name] = items
    return [{name: items[i] for name, items in columns.items() if items[i] is not None} for i in range(count)]


def edges_by_pair(G: nx.MultiDiGraph) -> dict[tuple[str, str], list[str]]:
    pairs: dict[tuple[str, str], list[str]] = {}
    for u, v, data in G.edges(data=True):
        pairs.setdefault((u, v), []).append(repr(sorted((k, x) for k, x in data.items() if x is not None)))
    return {pair: sorted(edges) for pair, edges in pairs.items()}


@pytest.mark.parametrize("which", ["seeds", "corpus", "hostile"])
def test_every_node_edge_and_attribute_survives(which, seeds_graph, corpus_graph, corpus_export, hostile_graph):
    G = {"seeds": seeds_graph, "corpus": corpus_graph, "hostile": hostile_graph}[which]
    data, ctx = corpus_export if which == "corpus" else export(G)
    parsed = parse_gexf(data)
    assert set(parsed.nodes) == set(G.nodes)
    iris = node_iris(G)
    for node, original in G.nodes(data=True):
        found = parsed.nodes[node]
        values = {
            ("key" if k == "node_key" else k): v
            for k, v in found["values"].items()
            if k not in ("kind", "year", "rdf_iri")
        }
        assert found["values"].get("rdf_iri") == iris.get(node)
        expected = {k: v for k, v in original.items() if v not in (None, "", []) and k not in ("kind", "label")}
        assert values == expected, node
        assert found["label"] == original["label"]
        assert found["values"]["kind"] == (original["item_type"] if original["kind"] == "item" else original["kind"])
        assert found["position"] == ctx.layout[node]

    decoded: dict[tuple[str, str], list[str]] = {}
    for edge in parsed.edges:
        for one in decode_edges(edge):
            decoded.setdefault((edge["source"], edge["target"]), []).append(repr(sorted(one.items())))
    assert {pair: sorted(edges) for pair, edges in decoded.items()} == edges_by_pair(G)
    kinds = Counter(edge["kind"] for edge in parsed.edges for _ in range(int(float(edge["weight"]))))
    assert dict(kinds) == {k: v for k, v in graph_summary(G)["edges"].items() if v}


def test_edges_of_different_kinds_between_two_nodes_stay_apart(hostile_graph):
    parsed = parse_gexf(export(hostile_graph)[0])
    self_cited = [
        (e["kind"], e["weight"])
        for e in parsed.edges
        if e["source"] == "note:2024-03-05/arxiv-2401.00001" and e["target"] == "work:arxiv-2401.00001"
    ]
    assert self_cited == [("about", "1.0"), ("cites", "1.0")]
    (twice,) = [e for e in parsed.edges if e["target"] == "work:arxiv-2308.16137"]
    assert (twice["kind"], twice["weight"], twice["label"]) == ("cites", "2.0", "LM-Infinite")
    assert twice["values"] == {
        "line": 6,
        "url": "https://arxiv.org/abs/2308.16137",
        "version": 2,
        "labels": ["LM-Infinite", "Again LM-Infinite"],
        "lines": ["6", "7"],
        "urls": ["https://arxiv.org/abs/2308.16137", "https://arxiv.org/abs/2308.16137v2"],
        "versions": ["", "2"],
    }
    ids = [e["id"] for e in parsed.edges]
    assert len(ids) == len(set(ids))
    assert len({(e["source"], e["target"], e["kind"]) for e in parsed.edges}) == len(parsed.edges)


def test_viz_colour_size_and_position_are_native(corpus_graph, corpus_export):
    parsed = parse_gexf(corpus_export[0])
    for found in parsed.nodes.values():
        hex_colour = KIND_COLORS[found["values"]["kind"]]
        assert found["color"] == tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    assert parsed.nodes["tag:llm"]["size"] == pytest.approx(4 + 4 * 110**0.5, abs=0.01)
    assert parsed.nodes["tag:llm"]["color"] == (148, 103, 189)
    assert {found["size"] for found in parsed.nodes.values()} >= {8.0}
    assert parsed.columns["node"]["tags"] == "liststring"
    assert set(parsed.columns["node"].values()) | set(parsed.columns["edge"].values()) <= GEPHI_GEXF_TYPES


def test_timeline_replays_the_reading_history(corpus_graph, corpus_export):
    parsed = parse_gexf(corpus_export[0])
    assert {k: parsed.graph[k] for k in ("defaultedgetype", "mode", "timeformat")} == {
        "defaultedgetype": "directed",
        "mode": "dynamic",
        "timeformat": "date",
    }
    for node, data in corpus_graph.nodes(data=True):
        start = parsed.nodes[node]["start"]
        if data["kind"] in ("digest", "note"):
            assert start == data["date"]
        elif data["kind"] == "item":
            assert start == min(data["dates"])
        else:  # authors, tags, cited papers, links: the first dated neighbour
            neighbours = [*corpus_graph.predecessors(node), *corpus_graph.successors(node)]
            assert start == min(
                parsed.nodes[n]["start"]
                for n in neighbours
                if corpus_graph.nodes[n]["kind"] in ("note", "item", "digest")
            )
    assert parsed.nodes["tag:llm"]["start"] == "2023-01-24"
    for edge in parsed.edges:
        assert edge["start"] == max(parsed.nodes[edge["source"]]["start"], parsed.nodes[edge["target"]]["start"])


def test_networkx_reads_the_same_graph(corpus_graph, corpus_export, tmp_path):
    path = tmp_path / "graph.gexf"
    path.write_bytes(corpus_export[0])
    read = nx.read_gexf(path)
    assert read.number_of_nodes() == 6554
    assert read.number_of_edges() == 8843
    assert sum(d["weight"] for _, _, d in read.edges(data=True)) == corpus_graph.number_of_edges()
    item = read.nodes["work:w-bcc24f95c43d839f"]
    original = corpus_graph.nodes["work:w-bcc24f95c43d839f"]
    assert item["label"] == original["label"]
    assert item["start"] == original["date"]
    assert json.loads(item["authors"]) == original["authors"]
    position = item["viz"]["position"]
    assert (position["x"], position["y"]) == corpus_export[1].layout["work:w-bcc24f95c43d839f"]


def test_hostile_titles_are_escaped_once(hostile_graph):
    data, ctx = export(hostile_graph)
    assert b'label="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Quotes&quot;' in data
    parsed = parse_gexf(data)
    assert parsed.nodes["work:arxiv-2401.00001"]["label"] == (
        '<script>alert("x")</script> & "Quotes" \'single\' <b>bold</b> Attention'
    )
    assert parsed.nodes["work:arxiv-2401.00001"]["values"]["authors"] == ["Ada Lovelace", "김철수", "O'Brien & Sons"]
    assert parsed.nodes["tag:c&d"]["label"] == "c&d"
    assert parsed.nodes["work:w-76198fade0b72a7a"]["values"]["abstract"] == (
        "Commentary with a vertical tab and a unit separator inside."
    )
    assert ctx.diagnostics == []


def test_list_values_quote_what_would_split_them():
    assert gexf_list(["a, b", 'say "hi"', "back\\slash", "[x]"]) == '["a, b", "say \\"hi\\"", "back\\\\slash", "[x]"]'
    assert json.loads(gexf_list(["a, b", 'say "hi"', "back\\slash"])) == ["a, b", 'say "hi"', "back\\slash"]


def test_a_graph_without_dates_is_static():
    G = nx.MultiDiGraph()
    G.add_node("tag:x", kind="tag", label="x", key="x", spellings=["X"])
    G.add_node("tag:y", kind="tag", label="   ", key="y", spellings=[])
    parsed = parse_gexf(export(G)[0])
    assert parsed.graph["mode"] == "static" and "timeformat" not in parsed.graph
    assert parsed.nodes["tag:y"]["label"] == "y"  # a blank label falls back to the key
    assert parsed.edges == []


def test_export_is_byte_identical_across_builds():
    first = export(load_graph([CORPUS / "digests"])[2])[0]
    second = export(load_graph([CORPUS / "digests"])[2])[0]
    assert first == second
