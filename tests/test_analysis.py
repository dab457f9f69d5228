"""The analysis stage: projection, communities, labels, centrality, and what the exports carry of them."""

from __future__ import annotations

import io
import math

import igraph as ig
import networkx as nx
import numpy as np
import pytest
from lxml import etree

from conftest import CORPUS, SEEDS
from papergraph.analysis import (
    AUTHOR_WEIGHT,
    OTHER_LABEL,
    Projection,
    analyse,
    analyse_graph,
    cited_counts,
    pagerank_of,
    paper_projection,
    read_graph,
)
from papergraph.build import build, load_graph
from papergraph.exporters import ExportContext
from papergraph.exporters.gexf import generate_gexf
from papergraph.exporters.graphml import generate_graphml
from papergraph.exporters.projections import generate_coauthors, generate_papers
from papergraph.layout import compute_layout

ANALYSED = ("community", "community_label", "pagerank", "cited_by")

TOPIC_A = ["ddpm", "diffusion", "text2img"]
TOPIC_B = ["rlhf", "reward-model", "preference"]


def _entry(title: str, authors: list[str], tags: list[str], commentary: str = "메모입니다.") -> str:
    return f"{title}\n({', '.join(authors)})\n{commentary}\n" + " ".join(f"#{t}" for t in tags) + "\n"


def planted_topics(folder):
    """Two topics of eight papers each: each paper carries two of its topic's three tags and the
    hub tag #llm; authors stay within a topic; one paper of each topic cites another of it."""
    entries = []
    for topic, tags, people, letter in (
        ("Diffusion", TOPIC_A, ["Ada Park", "Bo Kim", "Cy Lee"], "A"),
        ("Reward", TOPIC_B, ["Dee Choi", "Eun Jung", "Fay Han"], "B"),
    ):
        for i in range(8):
            chosen = [tags[i % 3], tags[(i + 1) % 3], "llm"]
            authors = [people[i % 3], people[(i + 1) % 3]]
            commentary = f"{topic} 메모 {i}."
            if i == 1:
                commentary += f" (https://arxiv.org/abs/2401.0000{0 if letter == 'A' else 1})"
            entries.append(_entry(f"{topic} Study {letter}{i}", authors, chosen, commentary))
    folder.mkdir()
    (folder / "2024-03-01.txt").write_text("2024년 3월 1일\n" + "".join(entries[:8]), encoding="utf-8")
    (folder / "2024-03-02.txt").write_text("2024년 3월 2일\n" + "".join(entries[8:]), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = planted_topics(tmp_path_factory.mktemp("planted") / "digests")
    graph = load_graph([folder])[2]
    return graph, analyse(graph)


def test_two_planted_topics_come_out_as_two_communities_named_by_their_tags(planted):
    graph, analysis = planted
    communities = graph.graph["communities"]
    assert [(c["id"], c["label"], c["size"]) for c in communities] == [
        (0, "diffusion · ddpm · text2img", 9),  # #diffusion is on 6 of the 8 papers, the others on 5
        (1, "reward-model · preference · rlhf", 9),
    ]
    by_title = {data["label"]: data for _, data in graph.nodes(data=True) if data["kind"] in ("item", "arxiv")}
    assert {by_title[f"Diffusion Study A{i}"]["community"] for i in range(8)} == {0}
    assert {by_title[f"Reward Study B{i}"]["community"] for i in range(8)} == {1}
    # the cited arXiv papers join the topic of the paper whose note cites them
    assert by_title["arXiv:2401.00000"]["community"] == 0
    assert by_title["arXiv:2401.00001"]["community"] == 1
    assert by_title["arXiv:2401.00000"]["cited_by"] == 1
    assert by_title["arXiv:2401.00000"]["community_label"] == "diffusion · ddpm · text2img"
    # the hub tag on every paper binds nothing: idf = ln(16/16) = 0
    assert graph.nodes["tag:llm"].get("community") is None or analysis.modularity > 0.4
    assert analysis.modularity == pytest.approx(0.5, abs=0.05)
    for community in communities:
        tops = community["top"]
        ranks = [graph.nodes[node]["pagerank"] for node in tops]
        assert ranks == sorted(ranks, reverse=True) and len(tops) == 9


def test_analysis_is_deterministic_and_leaves_the_graph_alone(tmp_path):
    folder = planted_topics(tmp_path / "digests")
    graph = load_graph([folder])[2]
    before = {node: dict(data) for node, data in graph.nodes(data=True)}
    first, second = analyse_graph(graph), analyse_graph(graph)
    assert {node: dict(data) for node, data in graph.nodes(data=True)} == before
    assert first.membership == second.membership and first.pagerank == second.pagerank
    assert first.communities == second.communities


def test_projection_weights_are_the_documented_ones(planted):
    graph, analysis = planted
    projection = analysis.projection
    index = {node: i for i, node in enumerate(projection.nodes)}
    weights = {
        (projection.nodes[i], projection.nodes[j]): w
        for i, j, w in zip(projection.sources.tolist(), projection.targets.tolist(), projection.weights.tolist())
    }
    paper = next(n for n, d in graph.nodes(data=True) if d["kind"] == "item" and d["label"] == "Diffusion Study A1")
    cited = "work:arxiv-2401.00000"
    assert weights[tuple(sorted((paper, cited), key=index.get))] == 1.0  # one citing note
    # 16 tagged papers, #diffusion on 6 of them (A0, A1, A3, A4, A6, A7): idf = ln(16/6)
    assert weights[tuple(sorted((paper, "tag:diffusion"), key=index.get))] == pytest.approx(math.log(16 / 6))
    assert (paper, "tag:llm") not in weights and ("tag:llm", paper) not in weights  # idf 0
    # two authors per paper: each author edge weighs AUTHOR_WEIGHT / 2
    author_edges = [w for (a, b), w in weights.items() if paper in (a, b) and "agent:" in f"{a}{b}"]
    assert author_edges == [AUTHOR_WEIGHT / 2] * 2
    assert projection.papers == 18


def test_pagerank_and_citation_counts():
    star = Projection(("hub", "a", "b", "c"), 4, np.array([0, 0, 0]), np.array([1, 2, 3]), np.ones(3))
    ranks = pagerank_of(star)
    assert sum(ranks) == pytest.approx(1.0, abs=1e-5)
    assert ranks[0] > ranks[1] == ranks[2] == ranks[3]
    graph = load_graph([SEEDS])[2]
    projection = paper_projection(graph)
    # igraph's PRPACK solver, a second implementation
    second = ig.Graph(
        n=len(projection.nodes), edges=list(zip(projection.sources.tolist(), projection.targets.tolist()))
    )
    expected = second.pagerank(damping=0.85, weights=projection.weights.tolist())
    assert pagerank_of(projection) == pytest.approx(expected, rel=1e-5)
    reading = read_graph(graph)
    counts = dict(zip(reading.papers, cited_counts(reading, reading.papers)))
    assert counts["work:arxiv-2305.01625"] == 2 and counts["work:arxiv-2308.16137"] == 1


def test_leftovers_form_one_other_group_numbered_last():
    graph = load_graph([SEEDS])[2]
    analysis = analyse(graph)
    labels = [c.label for c in analysis.communities]
    assert labels[-1] == OTHER_LABEL and OTHER_LABEL not in labels[:-1]
    sizes = [c.size for c in analysis.communities[:-1]]
    assert sizes == sorted(sizes, reverse=True) and min(sizes) >= 4
    assert sum(c.size for c in analysis.communities) == analysis.projection.papers == 28
    assert {graph.nodes[n]["community"] for n in analysis.communities[-1].top} == {len(labels) - 1}


def test_the_new_attributes_round_trip_through_networkx_and_a_second_reader(tmp_path):
    graph = load_graph([SEEDS])[2]
    analyse(graph)
    context = ExportContext(graph)
    graphml = generate_graphml(graph, context)
    gexf = generate_gexf(graph, context)
    papers = {n: d for n, d in graph.nodes(data=True) if d["kind"] in ("item", "arxiv")}
    expected = {n: {a: d[a] for a in ANALYSED} for n, d in papers.items()}

    read = nx.read_graphml(io.BytesIO(graphml))
    assert {n: {a: read.nodes[n][a] for a in ANALYSED} for n in papers} == expected
    assert read.nodes["tag:long-context"]["community"] == graph.nodes["tag:long-context"]["community"]
    path = tmp_path / "graph.graphml"
    path.write_bytes(graphml)
    second = ig.Graph.Read_GraphML(str(path))
    by_id = {v["id"]: v for v in second.vs}
    assert {n: {a: by_id[n][a] for a in ANALYSED} for n in papers} == {
        n: {a: (float(v) if a in ("community", "cited_by") else v) for a, v in values.items()}
        for n, values in expected.items()
    }  # igraph reads every number as a float

    from_gexf = nx.read_gexf(io.BytesIO(gexf))
    assert {n: {a: from_gexf.nodes[n][a] for a in ANALYSED} for n in papers} == expected
    root = etree.fromstring(gexf)
    ns = {"g": "http://gexf.net/1.3"}
    columns = {a.get("id"): a.get("type") for a in root.iterfind(".//g:attributes[@class='node']/g:attribute", ns)}
    assert {name: columns[name] for name in ANALYSED} == {
        "community": "integer",
        "community_label": "string",
        "pagerank": "double",
        "cited_by": "integer",
    }


def test_papers_and_coauthors_gexf_read_back_with_their_weights():
    graph = load_graph([SEEDS])[2]
    analysis = analyse(graph)
    context = ExportContext(graph)
    papers = nx.read_gexf(io.BytesIO(generate_papers(graph, context)))
    assert papers.number_of_nodes() == 28 + 17 and not papers.is_directed()
    projection = paper_projection(graph)
    expected = {
        frozenset((projection.nodes[i], projection.nodes[j])): round(w, 6)
        for i, j, w in zip(projection.sources.tolist(), projection.targets.tolist(), projection.weights.tolist())
        if not any(projection.nodes[k].startswith("agent:") for k in (i, j))
    }
    assert {frozenset((u, v)): d["weight"] for u, v, d in papers.edges(data=True)} == expected
    node = analysis.communities[0].top[0]
    assert papers.nodes[node]["community"] == 0
    assert papers.nodes[node]["pagerank"] == graph.nodes[node]["pagerank"]
    assert papers.nodes[node]["viz"]["position"]["x"] == context.layout[node][0]

    coauthors = nx.read_gexf(io.BytesIO(generate_coauthors(graph, context)))
    assert coauthors.number_of_nodes() == 143
    assert coauthors.number_of_edges() == 711  # distinct pairs of authors of one seed paper
    assert {d["weight"] for _, _, d in coauthors.edges(data=True)} == {1.0}  # no two seed authors share two papers


def test_coauthor_weights_count_shared_papers_and_people_take_their_papers_community(planted):
    graph, _ = planted
    coauthors = nx.read_gexf(io.BytesIO(generate_coauthors(graph, ExportContext(graph))))
    name = {d["label"]: n for n, d in coauthors.nodes(data=True)}
    # Ada Park and Bo Kim write papers A0, A3 and A6 together; Ada also A2 and A5 with Cy Lee
    assert coauthors.edges[name["Ada Park"], name["Bo Kim"]]["weight"] == 3.0
    assert coauthors.edges[name["Ada Park"], name["Cy Lee"]]["weight"] == 2.0
    assert not coauthors.has_edge(name["Ada Park"], name["Dee Choi"])
    assert coauthors.nodes[name["Ada Park"]]["papers"] == 5
    assert coauthors.nodes[name["Ada Park"]]["community"] == 0
    assert coauthors.nodes[name["Dee Choi"]]["community_label"] == "reward-model · preference · rlhf"


def test_the_layout_makes_topics_regions_on_the_sample():
    """The benchmark's ratios, on the sample's digests: papers sharing a non-hub tag
    and papers of one community sit much closer than random pairs."""

    graph = load_graph([CORPUS / "digests"])[2]
    analysis = analyse(graph)
    positions = compute_layout(graph)
    papers = analysis.projection.nodes[: analysis.projection.papers]
    xy = np.array([positions[n] for n in papers])
    rng = np.random.default_rng(3)
    first, second = rng.integers(0, len(papers), 50_000), rng.integers(0, len(papers), 50_000)
    random_mean = np.linalg.norm(xy[first] - xy[second], axis=1).mean()
    membership = np.array(analysis.membership[: len(papers)])
    other = len(analysis.communities) - 1
    same = (membership[first] == membership[second]) & (membership[first] != other) & (first != second)
    ratio = np.linalg.norm(xy[first[same]] - xy[second[same]], axis=1).mean() / random_mean
    assert ratio <= 0.4
    # notes sit beside their paper
    note, paper = next((u, v) for u, v, k in graph.edges(data="kind") if k == "about")
    assert math.dist(positions[note], positions[paper]) < 0.05 * random_mean


def test_builds_write_the_projection_files(tmp_path):
    result = build([SEEDS], tmp_path / "out")
    names = {path.name for path, _ in result.written}
    assert {"papers.gexf", "coauthors.gexf"} <= names
    assert result.graph.graph["communities"][0]["label"] == "efficiency"
