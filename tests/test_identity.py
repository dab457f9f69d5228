"""One identity per paper across digests and the vault, and wiki-links between notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from papergraph.graph import Attr, EdgeKind, NodeKind, build_graph, graph_summary
from papergraph.identifiers import h16
from papergraph.linking import item_key_for_title, link_corpus
from papergraph.model import Corpus
from papergraph.parsers.digest import parse_digest
from papergraph.parsers.vault import parse_vault_note
from papergraph.pipeline import load_corpus

DATA = Path(__file__).resolve().parent / "data"
CORPUS = DATA / "corpus"
VAULT = DATA / "vault"


def corpus_of(*files: tuple[str, str]) -> Corpus:
    """An in-memory corpus: ``(relpath, text)`` pairs, ``.txt`` digests and ``.md`` notes."""
    documents, diagnostics = [], []
    for relpath, text in files:
        parse = parse_digest if relpath.endswith(".txt") else parse_vault_note
        document, problems = parse(text, path=relpath, relpath=relpath)
        documents.append(document)
        diagnostics.extend(problems)
    return Corpus(tuple(documents), tuple(diagnostics))


def item_of(linked, relpath: str, title: str | None = None):
    note = next(n for n in linked.notes if n.document.relpath == relpath and (title is None or n.entry.title == title))
    return next(i for i in linked.items if i.id == note.item_id)


@pytest.fixture(scope="module")
def merged():
    corpus = load_corpus([CORPUS / "digests", CORPUS / "vault"])
    linked = link_corpus(corpus)
    return corpus, linked, build_graph(linked)


@pytest.fixture(scope="module")
def truth() -> list[dict]:
    return [json.loads(line) for line in (CORPUS / "truth" / "2023.jsonl").read_text(encoding="utf-8").splitlines()]


def test_seeds_only_build_is_unchanged(seeds_corpus, seeds_graph):
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
    assert link_corpus(seeds_corpus).diagnostics == ()


def test_corpus_digests_and_vault_merge_into_one_item_per_paper(merged):
    _corpus, linked, G = merged
    assert graph_summary(G) == {
        "nodes": {
            "digest": 265,
            "note": 1548,
            "item": 768,
            "arxiv": 63,
            "person": 4395,
            "organization": 0,
            "tag": 141,
            "link": 85,
        },
        "edges": {
            "contains": 774,
            "about": 1548,
            "authored_by": 6027,
            "tagged": 2054,
            "cites": 302,
            "links_to": 170,
            "wiki_links": 126,
        },
    }
    # the only linking diagnostics: links to notes of other years, and to notes that do not exist
    assert {d.code for d in linked.diagnostics} == {"dangling-wikilink"}
    assert len(linked.diagnostics) == 23


def test_every_digest_entry_shares_the_item_of_its_source_note(merged, truth):
    _, linked, _ = merged
    digest_notes = {
        ("digests/" + n.document.relpath, n.entry.source.line_start): n
        for n in linked.notes
        if n.document.source_kind == "digest"
    }
    vault_notes = {n.document.relpath: n for n in linked.notes if n.document.source_kind == "vault"}
    items = {i.id: i for i in linked.items}
    together = given = wrong = extra = 0
    for t in truth:
        note = digest_notes[t["digest_file"], t["line_start"]]
        together += note.item_id == vault_notes[t["source_note"]].item_id
        got = items[note.item_id].arxiv_id
        if t["own_arxiv_id"]:
            given += got == t["own_arxiv_id"]
            wrong += got is not None and got != t["own_arxiv_id"]
        else:
            extra += got is not None
    assert (together, given, wrong, extra) == (774, 713, 0, 0)


def test_a_cited_paper_that_is_noted_shows_its_title(merged):
    digests_only = build_graph(link_corpus(load_corpus([CORPUS / "digests"])))
    node = "work:arxiv-2305.10425"
    assert digests_only.nodes[node][Attr.KIND] == NodeKind.ARXIV.value
    assert digests_only.nodes[node][Attr.LABEL] == "arXiv:2305.10425"
    _, _, G = merged
    assert G.nodes[node][Attr.KIND] == NodeKind.ITEM.value
    assert G.nodes[node][Attr.LABEL] == "SLiC-HF: Sequence Likelihood Calibration with Human Feedback"
    citing = {u for u, _, kind in G.in_edges(node, data=Attr.KIND) if kind == EdgeKind.CITES.value}
    assert sorted(G.nodes[u][Attr.SOURCE_KIND] for u in citing) == ["digest"] * 3 + ["vault"] * 3


def test_the_same_paper_noted_twice_is_one_item(merged):
    _, linked, G = merged
    item = next(i for i in linked.items if i.arxiv_id == "2310.04373")
    kinds = sorted(G.nodes[n][Attr.SOURCE_KIND] for n in item.note_ids)
    assert kinds == ["digest", "digest", "vault", "vault"]
    retnet = next(i for i in linked.items if i.arxiv_id == "2307.08621")
    # 230725's note has no title line (its digest title is the file name); the curated full title wins
    assert retnet.title == "Retentive Network: A Successor to Transformer for Large Language Models"
    assert retnet.dates == ("2023-07-17", "2023-07-25")
    assert G.nodes[retnet.id][Attr.URL] == "https://arxiv.org/abs/2307.08621"


def test_a_blog_post_is_not_the_paper_of_the_same_title(merged):
    _, linked, _ = merged
    blog = item_of(linked, "arXiv/2023/231005 Mistral 7B.md")
    paper = item_of(linked, "arXiv/2023/231010 Mistral 7B.md")
    assert (blog.key, blog.arxiv_id, blog.title) == (item_key_for_title("Mistral 7B"), None, "Mistral 7B")
    assert (paper.key, paper.arxiv_id) == ("arxiv-2310.06825", "2310.06825")
    assert item_of(linked, "2023/2023-10-05.txt", "Mistral 7B").id == blog.id
    assert item_of(linked, "2023/2023-10-10.txt", "Mistral 7B").id == paper.id


DIGEST = "2024년 1월 2일\nMixtral of Experts\n(Albert Q. Jiang, Alexandre Sablayrolles)\n라우터 구조.\n#moe\n"
NOTE = "https://arxiv.org/abs/{id}\n\nMixtral of Experts (Albert Q. Jiang, Alexandre Sablayrolles)\n\n메모\n"


def test_digest_entry_takes_the_arxiv_id_of_its_source_note():
    linked = link_corpus(corpus_of(("2024-01-02.txt", DIGEST), ("240102 Mixtral.md", NOTE.format(id="2401.04088"))))
    assert [n.item_id for n in linked.notes] == ["work:arxiv-2401.04088"] * 2
    assert [n.id for n in linked.notes] == [
        "note:2024-01-02/arxiv-2401.04088",
        f"note:vault/{h16('240102 Mixtral.md')}",
    ]
    assert linked.cited == () and linked.diagnostics == ()


def test_digest_title_may_be_the_notes_file_name():
    note = "https://arxiv.org/abs/2307.08621\n\nRetentive Network: A Successor to Transformer (Yutao Sun, Li Dong)\n\n메모\n"
    digest = "2023년 7월 25일\nRetNet\n딱 세 포인트로 그린 것이긴 하지만 흥미롭다.\n"
    linked = link_corpus(corpus_of(("2023-07-25.txt", digest), ("230725 RetNet.md", note)))
    assert linked.notes[1].entry.title == "Retentive Network: A Successor to Transformer"
    assert [n.item_id for n in linked.notes] == ["work:arxiv-2307.08621"] * 2
    assert linked.items[0].title == "RetNet"  # the digest's title is the curated one


def test_two_source_notes_about_different_papers_are_reported_not_guessed():
    linked = link_corpus(
        corpus_of(
            ("2024-01-02.txt", DIGEST),
            ("240102 Mixtral.md", NOTE.format(id="2401.04088")),
            ("240102 Mixtral 1.md", NOTE.format(id="2401.09999")),
        )
    )
    key = item_key_for_title("Mixtral of Experts")
    assert [n.item_id for n in linked.notes] == [f"work:{key}", "work:arxiv-2401.04088", "work:arxiv-2401.09999"]
    assert [str(d) for d in linked.diagnostics] == [
        "2024-01-02.txt:2: title 'Mixtral of Experts' matches 2 vault notes of 2024-01-02 about different items "
        "(arxiv-2401.04088, arxiv-2401.09999); kept as a separate item; add the arXiv URL to the entry to choose one"
    ]


def test_title_only_match_needs_exactly_one_arxiv_id():
    other_day = DIGEST.replace("2일", "9일")
    linked = link_corpus(corpus_of(("2024-01-09.txt", other_day), ("240102 Mixtral.md", NOTE.format(id="2401.04088"))))
    assert linked.notes[0].item_id == "work:arxiv-2401.04088"  # no note that day: the title decides
    linked = link_corpus(
        corpus_of(
            ("2024-01-09.txt", other_day),
            ("240102 Mixtral.md", NOTE.format(id="2401.04088")),
            ("240103 Mixtral.md", NOTE.format(id="2401.09999")),
        )
    )
    assert linked.notes[0].item_id == "work:" + item_key_for_title("Mixtral of Experts")
    assert [d.code for d in linked.diagnostics] == ["ambiguous-item"]
    assert "matches several arXiv ids (2401.04088, 2401.09999)" in linked.diagnostics[0].message


LINKING = "https://arxiv.org/abs/2401.00005\n\nLinker (A. Person)\n\n{body}\n"


@pytest.mark.parametrize(
    "link",
    [
        "[[240102 Mixtral]]",
        "[[240102 Mixtral.md]]",
        "[[240102 Mixtral|Mixtral]]",
        "[[240102 mixtral#Results]]",
        "[[papers/240102 Mixtral]]",
        "![[240102 Mixtral]]",
    ],
)
def test_wiki_link_spellings_resolve_by_note_name(link):
    linked = link_corpus(
        corpus_of(
            ("papers/240102 Mixtral.md", NOTE.format(id="2401.04088")),
            ("240105 Linker.md", LINKING.format(body=f"참고 {link}")),
        )
    )
    assert [(w.item_id, w.line, w.target) for w in linked.wiki_links] == [
        ("work:arxiv-2401.04088", 5, link.lstrip("!")[2:-2])
    ]
    assert linked.diagnostics == ()


def test_self_dangling_and_ambiguous_wiki_links():
    linked = link_corpus(
        corpus_of(
            ("a/240102 Mixtral.md", NOTE.format(id="2401.04088")),
            ("b/240102 Mixtral.md", NOTE.format(id="2401.04089")),
            ("240105 Linker.md", LINKING.format(body="[[240105 Linker]] [[#Intro]]\n[[Nowhere]]\n[[240102 Mixtral]]")),
        )
    )
    assert linked.wiki_links == ()
    assert [str(d) for d in linked.diagnostics] == [
        "240105 Linker.md:6: wiki-link [[Nowhere]] names no note in the input; no edge made (add that note or fix the name)",
        "240105 Linker.md:7: wiki-link [[240102 Mixtral]] names several notes (a/240102 Mixtral.md, "
        "b/240102 Mixtral.md); no edge made; write the folder too",
    ]
    assert [d.code for d in linked.diagnostics] == ["dangling-wikilink", "ambiguous-wikilink"]


def test_wiki_links_become_edges_from_the_vault_note_to_the_item(merged):
    _, _, G = merged
    source = f"note:vault/{h16('arXiv/2023/230807 LoRA-FA.md')}"
    node = G.nodes[source]
    assert (node[Attr.SOURCE_KIND], node[Attr.DIGEST], node[Attr.DATE], node[Attr.PATH]) == (
        "vault",
        None,
        "2023-08-07",
        "arXiv/2023/230807 LoRA-FA.md",
    )
    edges = [
        (v, k, d)
        for _, v, k, d in G.out_edges(source, keys=True, data=True)
        if d[Attr.KIND] == EdgeKind.WIKI_LINKS.value
    ]
    assert len(edges) == 1
    target, key, data = edges[0]
    assert target == "work:arxiv-2307.05695"
    assert G.nodes[target][Attr.TITLE] == "Stack More Layers Differently: High-Rank Training Through Low-Rank Updates"
    assert key.startswith("wiki_links:7:")
    assert (data[Attr.LINE], data[Attr.LABEL]) == (7, "230711 Stack More Layers Differently")


def test_merged_graph_is_deterministic(merged):
    _, _, G = merged
    again = build_graph(link_corpus(load_corpus([CORPUS / "digests", CORPUS / "vault"])))
    assert list(again.nodes(data=True)) == list(G.nodes(data=True))
    assert list(again.edges(keys=True, data=True)) == list(G.edges(keys=True, data=True))
