"""Linking and the graph: identities, counts, determinism."""

from __future__ import annotations

import networkx as nx

from papergraph.graph import Attr, EdgeKind, NodeKind, build_graph, graph_summary
from papergraph.identifiers import h16
from papergraph.linking import link_corpus
from papergraph.model import Corpus
from papergraph.parsers.digest import parse_digest


def _graph_of(*texts: tuple[str, str]) -> nx.MultiDiGraph:
    documents, diagnostics = [], []
    for name, text in texts:
        document, problems = parse_digest(text, path=name)
        documents.append(document)
        diagnostics.extend(problems)
    return build_graph(link_corpus(Corpus(tuple(documents), tuple(diagnostics))))


def test_seed_graph_counts(seeds_graph):
    assert graph_summary(seeds_graph) == {
        "nodes": {
            "digest": 3,
            "note": 21,
            "item": 21,
            "arxiv": 7,
            "person": 141,
            "organization": 2,
            "tag": 17,
            "link": 7,
        },
        "edges": {
            "contains": 21,
            "about": 21,
            "authored_by": 143,
            "tagged": 27,
            "cites": 9,
            "links_to": 7,
            "wiki_links": 0,
        },
    }


def test_2305_01625_is_cited_from_the_infllm_and_hedgehog_notes(seeds_graph):
    citing = sorted(
        seeds_graph.nodes[u][Attr.TITLE].split(":")[0]
        for u, _, kind in seeds_graph.in_edges("work:arxiv-2305.01625", data=Attr.KIND)
        if kind == EdgeKind.CITES.value
    )
    assert citing == ["InfLLM", "The Hedgehog & the Porcupine"]
    assert seeds_graph.nodes["work:arxiv-2305.01625"][Attr.KIND] == NodeKind.ARXIV.value


def test_url_line_is_the_items_own_page(seeds_graph):
    (item,) = [
        n
        for n, d in seeds_graph.nodes(data=True)
        if d.get(Attr.TITLE) == "Mapping the Mind of a Large Language Model" and d[Attr.KIND] == "item"
    ]
    assert (
        seeds_graph.nodes[item][Attr.URL] == "https://transformer-circuits.pub/2024/scaling-monosemanticity/index.html"
    )
    assert not any(
        d[Attr.KIND] == "link" and "transformer-circuits" in d[Attr.URL] for _, d in seeds_graph.nodes(data=True)
    )


def test_citation_edges_keep_line_label_url_and_version(seeds_graph):
    edges = [
        (seeds_graph.nodes[u][Attr.KEY], v, d[Attr.LINE], d[Attr.LABEL], d[Attr.URL], d[Attr.VERSION])
        for u, v, d in seeds_graph.edges(data=True)
        if d[Attr.KIND] == EdgeKind.CITES.value and v == "work:arxiv-2308.16137"
    ]
    infllm_key = "2024-02-08/w-" + h16(
        "infllm unveiling the intrinsic capacity of llms for understanding extremely long sequences with training free memory"
    )
    assert edges == [(infllm_key, "work:arxiv-2308.16137", 5, "LM-Infinite", "https://arxiv.org/abs/2308.16137", None)]


def test_authorship_keeps_order_and_name_as_written(seeds_graph):
    hedgehog = next(
        n
        for n, d in seeds_graph.nodes(data=True)
        if d[Attr.KIND] == "item" and d[Attr.TITLE].startswith("The Hedgehog")
    )
    authors = sorted(
        (d[Attr.POSITION], d[Attr.NAME])
        for _, _, d in seeds_graph.out_edges(hedgehog, data=True)
        if d[Attr.KIND] == "authored_by"
    )
    assert authors == [(1, "Michael Zhang"), (2, "Kush Bhatia"), (3, "Hermann Kumbong"), (4, "Christopher Ré")]


def test_same_item_in_two_digests_is_one_item_with_two_notes():
    G = _graph_of(
        ("2024-01-01.txt", "2024년 1월 1일\nAttention Is All You Need\n(Ashish Vaswani)\n첫 메모.\n#transformer\n"),
        ("2024-01-02.txt", "2024년 1월 2일\nAttention is all you need!\n(Ashish Vaswani)\n다시 봄.\n#Transformer\n"),
    )
    items = [n for n, d in G.nodes(data=True) if d[Attr.KIND] == "item"]
    assert len(items) == 1
    assert sorted(u for u, _, k in G.in_edges(items[0], data=Attr.KIND) if k == "about") == [
        f"note:2024-01-01/{items[0][5:]}",
        f"note:2024-01-02/{items[0][5:]}",
    ]
    assert G.nodes[items[0]][Attr.DATES] == ["2024-01-01", "2024-01-02"]
    assert G.nodes["tag:transformer"][Attr.SPELLINGS] == ["transformer", "Transformer"]
    assert [n for n, d in G.nodes(data=True) if d[Attr.KIND] == "person"] == ["agent:" + h16("ashish vaswani")]


def test_people_are_one_node_across_spellings_of_whitespace_case_and_unicode():
    G = _graph_of(
        ("a.txt", "2024년 1월 1일\nPaper One\n(Christopher Re\u0301, Ada  Lovelace)\n메모.\n#x\n"),
        ("b.txt", "2024년 1월 2일\nPaper Two\n(christopher ré, ADA LOVELACE)\n메모.\n#x\n"),
    )
    people = sorted(d[Attr.NAME] for _, d in G.nodes(data=True) if d[Attr.KIND] == "person")
    assert people == ["Ada Lovelace", "Christopher Re\u0301"]


def test_split_days_get_file_stem_digest_keys():
    G = _graph_of(
        ("2023-05-02-1.txt", "2023년 5월 2일 (1)\nPaper One\n(Ada Lovelace)\n메모.\n#x\n"),
        ("2023-05-02-2.txt", "2023년 5월 2일 (2)\nPaper Two\n(Ada Lovelace)\n메모.\n#x\n"),
        ("2023-05-03.txt", "2023년 5월 3일\nPaper Three\n(Ada Lovelace)\n메모.\n#x\n"),
    )
    digests = sorted((n, d[Attr.PART]) for n, d in G.nodes(data=True) if d[Attr.KIND] == "digest")
    assert digests == [("digest:2023-05-02-1", 1), ("digest:2023-05-02-2", 2), ("digest:2023-05-03", None)]


def test_same_item_twice_in_one_digest_gets_a_second_note_key():
    G = _graph_of(("d.txt", "2024년 1월 1일\nPhi-3\nPhi-3 모델 공개.\n#llm\nPhi-3\nPhi-3 두 번째 메모.\n#llm\n"))
    notes = sorted(d[Attr.KEY] for _, d in G.nodes(data=True) if d[Attr.KIND] == "note")
    assert len(notes) == 2 and notes[1] == notes[0] + "-2"


def test_building_twice_gives_identical_graphs(seeds_corpus):
    first = build_graph(link_corpus(seeds_corpus))
    second = build_graph(link_corpus(seeds_corpus))
    assert list(first.nodes(data=True)) == list(second.nodes(data=True))
    assert list(first.edges(keys=True, data=True)) == list(second.edges(keys=True, data=True))


def test_corpus_graph_counts(corpus_digests):
    from papergraph.pipeline import load_corpus

    G = build_graph(link_corpus(load_corpus([corpus_digests])))
    summary = graph_summary(G)
    assert summary["nodes"]["digest"] == 265
    assert summary["nodes"]["note"] == 774
    assert summary["edges"]["cites"] == 151
    assert summary["nodes"]["organization"] == 0
