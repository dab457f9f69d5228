"""The digest reader against the hand-checked seed facts and named fixtures."""

from __future__ import annotations

import importlib.util

import pytest

from conftest import CORPUS, ROOT, SEEDS, fixture_path
from papergraph.model import AgentKind, Corpus, ItemKind
from papergraph.parsers.digest import label_before_link, parse_authors, parse_digest, split_lines
from papergraph.pipeline import load_corpus
from papergraph.stats import account_lines


def _entries_by_seed(corpus):
    return {
        (document.relpath, index): (document, entry)
        for document in corpus.documents
        for index, entry in enumerate(document.entries)
    }


# --------------------------------------------------------------------- seeds


def test_seeds_have_21_entries_in_3_digests(seeds_corpus):
    assert [(d.relpath, d.date, d.part, len(d.entries)) for d in seeds_corpus.documents] == [
        ("000_763e0155731fdf89.txt", "2024-02-08", None, 5),
        ("001_10537a06faff7c25.txt", "2024-05-22", None, 6),
        ("002_b3cc08e2168f9e2d.txt", "2024-11-04", 1, 10),
    ]
    assert seeds_corpus.diagnostics == ()


def test_every_seed_fact_is_reproduced(seeds_corpus, seeds_truth):
    found = _entries_by_seed(seeds_corpus)
    assert len(seeds_truth) == 21
    for truth in seeds_truth:
        document, entry = found[truth["seed"], truth["entry_index"]]
        where = f"{truth['seed']}#{truth['entry_index']}"
        assert document.date == truth["date"], where
        assert document.part == truth["digest_part"], where
        assert entry.title == truth["title"], where
        assert entry.source.line_start == truth["title_line"], where
        assert [a.name for a in entry.authors] == truth["authors"], where
        assert (entry.urls[0].text if entry.urls else None) == truth["own_url"], where
        assert (entry.abstract is not None) == truth["has_abstract"], where
        assert len(entry.commentary_ko) == truth["korean_lines"], where
        assert len(entry.commentary_en) == truth["english_commentary_lines"], where
        assert list(entry.tags) == truth["tags"], where
        assert [(r.arxiv_id, r.line) for r in entry.refs] == [(r["arxiv_id"], r["line"]) for r in truth["refs"]], where
        for ref, expected in zip(entry.refs, truth["refs"]):
            if expected["label_accepted"] is None:
                assert ref.label is None, where
            else:
                assert ref.label in expected["label_accepted"], where
        assert [(link.url, link.line) for link in entry.links] == [
            (o["url"], o["line"]) for o in truth["other_links"]
        ], where


def test_seed_source_spans_and_kinds(seeds_corpus):
    spans = [
        (f"seeds/{e.source.path.rsplit('/', 1)[1]}:{e.source.line_start}-{e.source.line_end}", e.kind.value)
        for e in seeds_corpus.documents[1].entries
    ]
    assert spans == [
        ("seeds/001_10537a06faff7c25.txt:2-7", "paper"),
        ("seeds/001_10537a06faff7c25.txt:8-10", "model"),
        ("seeds/001_10537a06faff7c25.txt:11-14", "blog"),
        ("seeds/001_10537a06faff7c25.txt:15-20", "paper"),
        ("seeds/001_10537a06faff7c25.txt:21-26", "paper"),
        ("seeds/001_10537a06faff7c25.txt:27-31", "paper"),
    ]


def test_seed_organisations_are_told_apart(seeds_corpus):
    fsdp = seeds_corpus.documents[1].entries[2]
    assert [(a.name, a.kind) for a in fsdp.authors] == [
        ("Team PyTorch at IBM", AgentKind.ORGANIZATION),
        ("Team PyTorch at Meta", AgentKind.ORGANIZATION),
    ]


def test_seed_english_commentary_is_kept_apart(seeds_corpus):
    tokenformer = seeds_corpus.documents[2].entries[2]
    assert tokenformer.commentary_ko[0].line == 17
    assert tokenformer.commentary_en[0].text.startswith("The linear layers of the transformer are replaced")
    assert tokenformer.abstract.text.startswith("Transformers have become the predominant architecture")


# ------------------------------------------------------------------ fixtures


def _parse_fixture(name: str):
    path = fixture_path(name)
    return parse_digest(path.read_text(encoding="utf-8"), path=name)


def test_arxiv_links_in_every_form():
    document, diagnostics = _parse_fixture("arxiv-link-forms.txt")
    (entry,) = document.entries
    assert [(r.arxiv_id, r.version, r.label, r.line, r.url) for r in entry.refs] == [
        ("2308.16137", 2, "LM-Infinite", 4, "https://arxiv.org/abs/2308.16137v2"),
        ("2309.17453", 4, None, 4, "https://arxiv.org/pdf/2309.17453v4.pdf"),
        ("2402.01234", 1, None, 4, "arxiv.org/html/2402.01234v1"),
        ("hep-th/9711200", 3, None, 5, "http://export.arxiv.org/abs/hep-th/9711200v3"),
        ("2305.01625", None, None, 5, "https://www.arxiv.org/abs/2305.01625"),
    ]
    # an arXiv link with an invalid id is a diagnostic, not a web link (issue 19, family 6)
    assert [(link.url, link.line) for link in entry.links] == [
        ("https://github.com/org/repo", 6),
        ("https://example.org/a_(b)", 6),
    ]
    assert [str(d) for d in diagnostics] == [
        "arxiv-link-forms.txt:5: arXiv link 'https://arxiv.org/abs/2313.00001' has no valid arXiv id; "
        "left out (check the id)"
    ]


def test_author_shapes_and_tag_spellings():
    document, diagnostics = _parse_fixture("authors-and-tags.txt")
    assert diagnostics == []
    assert (document.date, document.part) == ("2023-12-01", 2)
    authors = [[(a.name, a.kind.value) for a in e.authors] for e in document.entries]
    assert authors == [
        [("DeepSeek-AI", "organization"), ("Aixin Liu", "person"), ("Bei Feng", "person"), ("Bin Wang", "person")],
        [("Alice Smith", "person"), ("Bob Jones", "person")],
        [("Jane Doe (Google)", "person"), ("John Roe", "person"), ("Team Foo at Bar", "organization")],
        [("Ayushi Agarwal", "person"), ("Nisarg Patel", "person"), ("Neeraj Varshney", "person")],
    ]
    assert [list(e.tags) for e in document.entries] == [
        ["moe", "LLM", "강화학습", "3d_generation", "long-context"],
        ["Moe"],
        ["llm"],
        ["llm"],
    ]


def test_entry_boundaries_without_tag_lines():
    document, diagnostics = _parse_fixture("no-tag-lines.txt")
    assert diagnostics == []
    assert [(e.title, e.source.line_start, e.source.line_end, [u.text for u in e.urls]) for e in document.entries] == [
        ("Simple Token-Level Confidence Improves Caption Correctness", 2, 3, []),
        ("StarChat", 4, 6, ["https://huggingface.co/blog/starchat-alpha"]),
        ("FlexGen", 7, 9, ["https://github.com/Ying1123/FlexGen"]),
        ("On the Next Paper Without Tags", 10, 13, []),
    ]


def test_a_title_wrapped_over_two_lines_is_joined():
    document, _ = _parse_fixture("wrapped-title.txt")
    (entry,) = document.entries
    assert entry.title == "A Very Long Title That The Author Wrapped Over Two Lines In The Digest"
    assert entry.title_lines == (2, 3)
    assert [a.name for a in entry.authors] == ["Grace Hopper"]
    assert entry.abstract.line == 5
    assert [c.line for c in entry.commentary_ko] == [6]
    assert [c.line for c in entry.commentary_en] == [7]


def test_malformed_date_line_is_a_diagnostic_and_entries_still_load():
    document, diagnostics = _parse_fixture("bad-header.txt")
    assert [str(d) for d in diagnostics] == ["bad-header.txt:1: malformed date line '2024년 13월 8일': no such date"]
    assert [e.title for e in document.entries] == ["A Title"]
    assert document.date is None


def test_missing_date_line_reads_entries_from_line_1():
    document, diagnostics = _parse_fixture("missing-header.txt")
    assert [str(d) for d in diagnostics] == [
        "missing-header.txt:1: missing date line: a digest starts with 'YYYY년 M월 D일'; reading entries from line 1"
    ]
    assert [(e.title, e.source.line_start) for e in document.entries] == [("A Title Without A Date Line", 1)]


def test_date_falls_back_to_the_file_name():
    document, diagnostics = parse_digest("A Title\n(Ada Lovelace)\n내용\n", path="digests/2023-05-02-1.txt")
    assert document.date == "2023-05-02"
    assert str(diagnostics[0]).endswith("using 2023-05-02 from the file name; reading entries from line 1")


def test_orphan_tag_line_and_second_date_line_are_diagnostics():
    document, diagnostics = _parse_fixture("orphan-tags-and-extra-header.txt")
    assert [str(d) for d in diagnostics] == [
        "orphan-tags-and-extra-header.txt:2: hashtag line outside any entry: '#orphan #tags'",
        "orphan-tags-and-extra-header.txt:7: a second date line '2024년 2월 9일'; put each day in its own file",
    ]
    assert [(e.title, e.tags) for e in document.entries] == [("A Title", ("x",)), ("Second Day Title", ("y",))]


def test_bom_crlf_and_control_characters():
    document, diagnostics = parse_digest(
        fixture_path("bom-crlf-control.txt").read_bytes().decode("utf-8-sig"), path="bom.txt"
    )
    assert document.date == "2024-02-08"
    (entry,) = document.entries
    assert entry.commentary_ko[0].text == "내용이에요."
    assert [str(d) for d in diagnostics] == ["bom.txt:4: removed control character(s) U+0007; they cannot be exported"]


def test_split_lines_keeps_editor_line_numbers():
    assert split_lines("a\u2028b\r\nc\rd\n") == ["a\u2028b", "c", "d"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("LM-Infinite (https://arxiv.org/abs/2308.16137)", "LM-Infinite"),
        ("KV 압축 방법이 있고 DeepSeek V2의 MLA (https://arxiv.org/abs/2405.04434)", "MLA"),
        ("이 문제에 대해 Safe RLHF (https://arxiv.org/abs/2310.12773) 가", "Safe RLHF"),
        ("밀접 소개된 결과인데 (https://arxiv.org/abs/2305.01625)", None),
        ("could be replaced with learnable key/value matrices (https://arxiv.org/abs/1907.01470)", None),
        ("1. QK LayerNorm (https://arxiv.org/abs/2302.05442)", "QK LayerNorm"),
        ("2. z-loss (https://arxiv.org/abs/2202.08906)", None),
        ("Sparks of AGI (https://arxiv.org/abs/2303.12712)", "Sparks of AGI"),
        ("Squared ReLU (!) Primer (https://arxiv.org/abs/2109.08668)", "Primer"),
        ("CLIPA(https://arxiv.org/abs/2305.07017)", "CLIPA"),
        ("[Llama 2](https://arxiv.org/abs/2307.09288)", "Llama 2"),
        ("얼마 전 나온 https://arxiv.org/abs/2305.01625", None),
    ],
)
def test_label_written_before_a_link(line, expected):
    assert label_before_link(line, line.index("arxiv.org") - 8) == expected


def test_parse_authors_drops_a_leading_and():
    assert [a.name for a in parse_authors("(Ada Lovelace, and Alan Turing)", 3)] == ["Ada Lovelace", "Alan Turing"]


# ------------------------------------------------------------ line accounting


def test_every_seed_line_is_accounted_for(seeds_corpus):
    account = account_lines(seeds_corpus)
    assert (account.content_lines, account.in_fields, account.in_diagnostics) == (122, 122, 0)
    assert account.ok


def test_every_fixture_line_is_accounted_for():
    corpus = load_corpus([fixture_path("")])
    account = account_lines(corpus)
    assert account.unaccounted == () and account.claimed_twice == ()
    assert account.in_diagnostics == 3  # the orphan tags, the second date line, the bad date


def test_every_corpus_line_is_accounted_for(corpus_digests):
    account = account_lines(load_corpus([corpus_digests]))
    assert account.files == 265
    assert account.ok


# ------------------------------------------------------------- corpus score


def _load_scorer():
    spec = importlib.util.spec_from_file_location("score_reader", ROOT / "benchmarks" / "score_reader.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reader_scores_on_the_2023_sample_stay_above_the_floor():
    scorer = _load_scorer()
    metrics, _ = scorer.score(scorer.load_truth(CORPUS), scorer.parse_corpus(CORPUS))
    ratios = {name: good / total for name, (good, total) in metrics.items()}
    assert metrics["entries recall"] == (774, 774)
    assert metrics["entries precision"] == (774, 774)
    assert metrics["titles exact"] == (774, 774)
    assert metrics["authors exact"] == (774, 774)
    assert metrics["tags exact"] == (774, 774)
    assert metrics["arxiv refs recall"] == (151, 151)
    assert metrics["arxiv refs precision"] == (151, 151)
    assert metrics["other links recall"] == (84, 84)
    # Two project pages right after an author line are the paper's own page
    # in the truth; the digest text alone cannot tell them from commentary.
    assert metrics["other links precision"] == (84, 86)
    assert ratios["ref labels (lenient)"] == 1.0


def test_seeds_dir_is_a_byte_identical_copy():
    assert sorted(p.name for p in SEEDS.iterdir()) == [
        "000_763e0155731fdf89.txt",
        "001_10537a06faff7c25.txt",
        "002_b3cc08e2168f9e2d.txt",
    ]
    assert ItemKind.PAPER.value == "paper"


# ------------------------------------------- issue 19: shapes of older notes


def _summary(name: str):
    document, diagnostics = _parse_fixture(name)
    return document.entries, [str(d) for d in diagnostics]


def test_family1_a_name_over_a_column_of_links_stays_in_the_commentary():
    entries, diagnostics = _summary("segmentation-link-list.txt")
    assert diagnostics == []
    assert [(e.title, e.source.line_start, e.source.line_end, e.arxiv_id) for e in entries] == [
        ("Routers for Tiny Mixtures of Experts", 2, 22, None),
        ("Quokka 2", 23, 26, None),
        ("Weasel Reasoner Without Tags", 27, 29, "2112.04359"),
        # a title over its one arXiv page starts an entry even after an entry without tags
        ("Ferret Planner", 30, 33, "2112.05555"),
    ]
    routers, quokka, _, _ = entries
    assert [(r.arxiv_id, r.line) for r in routers.refs] == [
        ("2101.00011", 6),
        ("2101.00012", 7),
        ("2101.00013", 8),
        ("2102.00014", 11),
    ]
    # a column of five links under a name is a list, even without arXiv links
    assert [link.url for link in routers.links] == [
        "https://github.com/globex/router",
        "https://initech.example.com/router",
        "https://initech.example.com/router-v2",
        "https://github.com/hooli/router-a",
        "https://github.com/hooli/router-b",
        "https://github.com/hooli/router-c",
        "https://github.com/hooli/router-d",
        "https://github.com/hooli/router-e",
    ]
    # a model release over its own page still starts an entry
    assert [u.text for u in quokka.urls] == ["https://quokka.example.org/release"]
    assert quokka.kind is ItemKind.MODEL


def test_family2_a_url_line_followed_by_an_abstract_is_the_items_own_page():
    (lattice, hopping), diagnostics = _summary("own-url-lines.txt")
    assert diagnostics == []
    assert [u.text for u in lattice.urls] == ["https://lattice-fields.example.io/"]
    assert lattice.links == ()
    assert lattice.abstract is not None and lattice.abstract.line == 5
    # no abstract after it: a project page that opens the commentary
    assert hopping.urls == ()
    assert [(link.url, link.line) for link in hopping.links] == [("https://hopping.example.io/", 10)]


def test_family3_author_lines_with_lower_case_anonymous_and_second_group_prefix():
    entries, diagnostics = _summary("author-line-shapes.txt")
    assert diagnostics == []
    assert [[a.name for a in e.authors] for e in entries] == [
        ["Mina park", "Jo Lee"],
        ["Anonymous authors"],
        ["Acme", "Blue Team", "Ann Lee", "Bo Kim"],
        ["Ann Lee", "Bo Kim et al."],
    ]
    assert [a.kind for a in entries[1].authors] == [AgentKind.ORGANIZATION]
    # the URL and the abstract after them are not Korean commentary
    assert [(e.urls[0].line, e.abstract.line if e.abstract else None, len(e.commentary_ko)) for e in entries[:3]] == [
        (4, 5, 1),
        (10, 11, 1),
        (16, 17, 1),
    ]


def test_family4_labels_without_glued_particles_and_before_bare_links():
    (entry,), diagnostics = _summary("ref-label-particles.txt")
    assert diagnostics == []
    assert [(r.arxiv_id, r.version, r.label, r.line) for r in entry.refs] == [
        ("2208.11039", None, "Transfusion", 4),
        ("1907.10529", None, "SpanBERT", 4),
        ("2205.09818", 2, "Chameleon", 5),
        ("2201.00001", None, None, 5),
        ("2209.05555", None, None, 6),  # a word between the name and the link: no label
    ]


def test_family5_a_companion_title_line_is_not_the_abstract_and_a_bar_line_carries_the_id():
    (sheep, habits, convolutions), diagnostics = _summary("abstract-detection.txt")
    assert diagnostics == []
    assert sheep.abstract is not None
    assert (sheep.abstract.line, sheep.abstract.text[:21]) == (5, "We count sheep and go")
    assert [c.line for c in sheep.commentary_ko] == [4, 6]
    assert (habits.arxiv_id, habits.abstract, habits.other_lines) == ("1805.01234", None, (10,))
    assert [c.line for c in habits.commentary_ko] == [11]
    assert (convolutions.arxiv_id, convolutions.refs, convolutions.other_lines) == ("1806.04321", (), (15,))


def test_family6_ids_without_links_pdf_and_versions_and_invalid_ids():
    (entry,), diagnostics = _summary("arxiv-id-forms.txt")
    assert [(r.arxiv_id, r.version, r.line, r.url) for r in entry.refs] == [
        ("2002.06715", None, 4, "2002.06715"),
        ("2001.04996", None, 4, "arXiv:2001.04996"),
        ("2002.06715", None, 5, "2002.06715"),
        ("1911.02150", 3, 5, "https://arxiv.org/pdf/1911.02150v3.pdf"),
        ("1911.02150", 2, 5, "https://arxiv.org/abs/1911.02150v2"),
        ("2003.00001", None, 7, "2003.00001"),
        ("2004.00002", 3, 7, "2004.00002v3"),
    ]
    assert entry.links == ()
    assert diagnostics == [
        "arxiv-id-forms.txt:6: arXiv link 'https://arxiv.org/abs/2112.0886' has no valid arXiv id; "
        "left out (check the id)"
    ]


def test_family7_an_organisation_report_or_an_entry_with_an_arxiv_id_is_a_paper():
    entries, diagnostics = _summary("item-kinds.txt")
    assert diagnostics == []
    assert [(e.title, e.kind, e.arxiv_id) for e in entries] == [
        ("Gopher Scale Report", ItemKind.PAPER, "2112.11446"),
        ("Weasel: A Tiny Reasoner", ItemKind.PAPER, "2112.04359"),
        ("Acme Blog Update", ItemKind.BLOG, None),
    ]


def test_several_arxiv_url_lines_give_no_own_id():
    text = (
        "2020년 1월 2일\nTwo Papers at Once\nhttps://arxiv.org/abs/2001.00001\nhttps://arxiv.org/abs/2001.00002\n"
        "두 논문.\n#pair\n"
    )
    (entry,) = parse_digest(text, path="d.txt")[0].entries
    assert (entry.arxiv_id, len(entry.urls)) == (None, 2)


@pytest.mark.parametrize(
    "name",
    [
        "segmentation-link-list.txt",
        "own-url-lines.txt",
        "author-line-shapes.txt",
        "ref-label-particles.txt",
        "abstract-detection.txt",
        "arxiv-id-forms.txt",
        "item-kinds.txt",
    ],
)
def test_issue19_fixture_lines_are_all_accounted_for(name):
    path = fixture_path(name)
    document, diagnostics = parse_digest(path.read_text(encoding="utf-8"), path=name)
    account = account_lines(Corpus((document,), tuple(diagnostics)))
    assert (account.unaccounted, account.claimed_twice) == ((), ())
