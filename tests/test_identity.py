"""One identity per paper across digests and the vault, and wiki-links between notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from papergraph.graph import Attr, EdgeKind, NodeKind, build_graph, graph_summary
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
    note = next(
        n
        for n in linked.notes
        if relpath in {s.document.relpath for s in n.sources} and (title is None or n.entry.title == title)
    )
    return next(i for i in linked.items if i.id == note.item_id)


@pytest.fixture(scope="module")
def merged():
    corpus = load_corpus([CORPUS / "digests", CORPUS / "vault"])
    linked = link_corpus(corpus)
    return corpus, linked, build_graph(linked)


@pytest.fixture(scope="module")
def truth() -> list[dict]:
    return [json.loads(line) for line in (CORPUS / "truth" / "2023.jsonl").read_text(encoding="utf-8").splitlines()]


def test_seeds_only_build_links_without_diagnostics(seeds_corpus):
    # The seed graph's counts are pinned in test_graph.test_seed_graph_counts.
    assert link_corpus(seeds_corpus).diagnostics == ()


def test_corpus_digests_and_vault_merge_into_one_item_per_paper(merged):
    _corpus, linked, G = merged
    # one note per note (issue 19): 774 digest entries, each written from one of
    # the 774 vault notes, are 774 notes; the vault's own URLs make two URL
    # lines the items' pages instead of commentary links (85 -> 83 links)
    assert graph_summary(G) == {
        "nodes": {
            "digest": 265,
            "note": 774,
            "item": 768,
            "arxiv": 63,
            "person": 4395,
            "organization": 0,
            "tag": 141,
            "link": 83,
        },
        "edges": {
            "contains": 774,
            "about": 774,
            "authored_by": 6027,
            "tagged": 1027,
            "cites": 151,
            "links_to": 84,
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
    vault_notes = {n.vault_source.document.relpath: n for n in linked.notes if n.vault_source}
    items = {i.id: i for i in linked.items}
    together = given = wrong = extra = 0
    for t in truth:
        note = digest_notes[t["digest_file"], t["line_start"]]
        together += note is vault_notes[t["source_note"]]
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
    # three notes, each a digest entry and the vault note it was written from
    assert sorted(len(G.nodes[u][Attr.SOURCES]) for u in citing) == [2, 2, 2]


def test_the_same_paper_noted_twice_is_one_item(merged):
    _, linked, G = merged
    item = next(i for i in linked.items if i.arxiv_id == "2310.04373")
    sources = sorted(source for n in item.note_ids for source in G.nodes[n][Attr.SOURCES])
    assert sources == [
        "2023/2023-10-06.txt:2-31",
        "2023/2023-10-06.txt:32-33",
        "arXiv/2023/231006 Confronting Reward Model Overoptimization with Constrained RLHF 1.md:1-59",
        "arXiv/2023/231006 Confronting Reward Model Overoptimization with Constrained RLHF.md:1-3",
    ]
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
    # one note: the digest entry and the vault note it was written from
    assert [(n.id, n.item_id) for n in linked.notes] == [("note:2024-01-02/arxiv-2401.04088", "work:arxiv-2401.04088")]
    assert [(s.document.relpath, str(s.span)) for s in linked.notes[0].sources] == [
        ("2024-01-02.txt", "2024-01-02.txt:2-5"),
        ("240102 Mixtral.md", "240102 Mixtral.md:1-5"),
    ]
    assert linked.cited == () and linked.diagnostics == ()


def test_digest_title_may_be_the_notes_file_name():
    note = "https://arxiv.org/abs/2307.08621\n\nRetentive Network: A Successor to Transformer (Yutao Sun, Li Dong)\n\n메모\n"
    digest = "2023년 7월 25일\nRetNet\n딱 세 포인트로 그린 것이긴 하지만 흥미롭다.\n"
    linked = link_corpus(corpus_of(("2023-07-25.txt", digest), ("230725 RetNet.md", note)))
    (note_,) = linked.notes
    assert [s.document.relpath for s in note_.sources] == ["2023-07-25.txt", "230725 RetNet.md"]
    assert note_.item_id == "work:arxiv-2307.08621"
    assert [a.name for a in note_.entry.authors] == ["Yutao Sun", "Li Dong"]  # the digest has none
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
    source = next(n for n, d in G.nodes(data=True) if "arXiv/2023/230807 LoRA-FA.md:1-9" in d.get(Attr.SOURCES, ()))
    node = G.nodes[source]
    assert (node[Attr.SOURCE_KIND], node[Attr.DIGEST], node[Attr.DATE], node[Attr.PATH]) == (
        "digest",
        "digest:2023-08-07",
        "2023-08-07",
        "2023/2023-08-07.txt",
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
    # the line is in the vault note, which the edge names
    assert (data[Attr.LINE], data[Attr.LABEL], data[Attr.PATH]) == (
        7,
        "230711 Stack More Layers Differently",
        "arXiv/2023/230807 LoRA-FA.md",
    )


def test_merged_graph_is_deterministic(merged):
    _, _, G = merged
    again = build_graph(link_corpus(load_corpus([CORPUS / "digests", CORPUS / "vault"])))
    assert list(again.nodes(data=True)) == list(G.nodes(data=True))
    assert list(again.edges(keys=True, data=True)) == list(G.edges(keys=True, data=True))


# ---------------------------------------------- issue 19: one note per note


def test_a_digest_entry_and_its_vault_note_are_one_note_with_both_sources():
    digest = (
        "2019년 3월 3일\nDense Hopping Transformers\n(Cy Park, Di Choi)\n"
        "https://hopping.example.io/\n점프하는 어텐션.\n#transformer\n"
    )
    note = (
        "https://arxiv.org/abs/1903.00303\n\n*Dense Hopping Transformers* (Cy Park, Di Choi)\n\n"
        "> We hop over tokens.\n\n점프하는 어텐션. 프로젝트 페이지: https://hopping.example.io/\n"
        "LoRA (https://arxiv.org/abs/2106.09685) 와 비교하면 더 길게 설명할 수 있겠네요.\n\n#transformer #attention\n"
    )
    linked = link_corpus(corpus_of(("2019-03-03.txt", digest), ("190303 Dense Hopping.md", note)))
    (merged,) = linked.notes
    entry = merged.entry
    assert (merged.id, merged.item_id, entry.arxiv_id) == (
        "note:2019-03-03/arxiv-1903.00303",
        "work:arxiv-1903.00303",
        "1903.00303",
    )
    assert [str(s.span) for s in merged.sources] == ["2019-03-03.txt:2-6", "190303 Dense Hopping.md:1-10"]
    # the digest reads the URL line as the project page (no abstract after it), the vault agrees
    assert [w.url for w in entry.links] == ["https://hopping.example.io/"]
    assert [u.text for u in entry.urls] == ["https://arxiv.org/abs/1903.00303"]
    # the fuller commentary (the vault's), the tags of both, the refs only the vault has
    assert [c.line for c in entry.commentary_ko] == [7, 8]
    assert entry.tags == ("transformer", "attention")
    assert [(r.arxiv_id, r.label, merged.source_of_ref(i).document.relpath) for i, r in enumerate(entry.refs)] == [
        ("2106.09685", "LoRA", "190303 Dense Hopping.md")
    ]
    assert entry.abstract is not None and entry.abstract.text == "We hop over tokens."
    G = build_graph(linked)
    assert graph_summary(G)["nodes"]["note"] == 1
    assert G.nodes[merged.id][Attr.SOURCES] == ["2019-03-03.txt:2-6", "190303 Dense Hopping.md:1-10"]


def test_the_vault_notes_own_url_makes_a_digest_url_line_the_items_page():
    digest = (
        "2019년 3월 2일\nSparse Lattice Fields\n(Ann Lee, Bo Kim)\nhttps://lattice.example.io/\n격자 표현.\n#nerf\n"
    )
    note = "https://lattice.example.io/\n\nSparse Lattice Fields (Ann Lee, Bo Kim)\n\n격자 표현.\n"
    (merged,) = link_corpus(corpus_of(("2019-03-02.txt", digest), ("190302 Sparse Lattice.md", note))).notes
    assert [(u.line, u.text) for u in merged.entry.urls] == [(4, "https://lattice.example.io/")]
    assert merged.entry.links == ()


def test_several_arxiv_url_lines_in_a_digest_entry_do_not_override_the_notes_id():
    digest = (
        "2024년 1월 2일\nMixtral of Experts\nhttps://arxiv.org/abs/2312.00001\nhttps://arxiv.org/abs/2401.04088\n"
        "라우터 구조.\n#moe\n"
    )
    linked = link_corpus(corpus_of(("2024-01-02.txt", digest), ("240102 Mixtral.md", NOTE.format(id="2401.04088"))))
    assert [(n.item_id, len(n.sources)) for n in linked.notes] == [("work:arxiv-2401.04088", 2)]


def test_a_vault_note_without_own_url_is_the_paper_its_commentary_names_with_its_title():
    note = "Quiet Gradients (Mina Park, Jo Lee)\n\nQuiet Gradients (https://arxiv.org/abs/1903.00101) 를 다시 읽음.\n"
    other = "https://arxiv.org/abs/1903.00909\n\nOther Paper (Ann Lee)\n\nQuiet Gradients (https://arxiv.org/abs/1903.00101) 참고\n"
    linked = link_corpus(corpus_of(("190301 Quiet Gradients.md", note), ("190309 Other.md", other)))
    assert [n.item_id for n in linked.notes] == ["work:arxiv-1903.00101", "work:arxiv-1903.00909"]
    assert linked.cited == ()  # the cited paper is the noted one: one node
    G = build_graph(linked)
    assert G.nodes["work:arxiv-1903.00101"][Attr.KIND] == NodeKind.ITEM.value


def test_two_papers_with_one_title_on_one_day_stay_apart():
    digest = (
        "2020년 5월 1일\nScaling Laws\n(Ann Lee, Bo Kim)\n첫 번째 논문.\n#scaling\n"
        "Scaling Laws\n(Cy Park)\n두 번째, 다른 논문.\n#scaling\n"
    )
    linked = link_corpus(corpus_of(("2020-05-01.txt", digest)))
    first, second = linked.notes
    assert first.item_id != second.item_id
    assert [i.title for i in linked.items] == ["Scaling Laws", "Scaling Laws"]


def test_a_vault_note_without_a_date_is_still_the_source_of_its_digest_entry():
    linked = link_corpus(corpus_of(("2024-01-02.txt", DIGEST), ("Mixtral of Experts.md", NOTE.format(id="2401.04088"))))
    assert [(n.item_id, [s.document.relpath for s in n.sources]) for n in linked.notes] == [
        ("work:arxiv-2401.04088", ["2024-01-02.txt", "Mixtral of Experts.md"])
    ]
