"""The vault reader: one fixture per note shape, line accounting, detection, determinism."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from papergraph.cli import cli
from papergraph.identifiers import normalize_title
from papergraph.model import AgentKind, Corpus, ItemKind
from papergraph.parsers import READERS, detect_reader
from papergraph.parsers.vault import parse_vault_note, title_from_file_name, wiki_link_note_name
from papergraph.pipeline import load_corpus
from papergraph.stats import account_lines

DATA = Path(__file__).resolve().parent / "data"
VAULT = DATA / "vault"
NOTES = VAULT / "arXiv" / "2024"
CORPUS = DATA / "corpus"


def read_note(path: Path):
    relpath = path.relative_to(VAULT).as_posix()
    document, diagnostics = parse_vault_note(path.read_text(encoding="utf-8"), path=relpath, relpath=relpath)
    assert len(document.entries) == 1
    return document, document.entries[0], diagnostics


def test_standard_note_fields():
    document, entry, diagnostics = read_note(NOTES / "240102 Standard note.md")
    assert document.source_kind == "vault"
    assert document.date == "2024-01-02"
    assert entry.title == "Mixtral of Experts"  # the *emphasis* is markup
    assert entry.title_lines == (3,)
    assert [(a.name, a.kind, a.line) for a in entry.authors] == [
        ("Albert Q. Jiang", AgentKind.PERSON, 3),
        ("Alexandre Sablayrolles", AgentKind.PERSON, 3),
        ("Antoine Roux", AgentKind.PERSON, 3),
    ]
    assert entry.author_lines == ()  # the title line holds them
    assert [(u.line, u.text) for u in entry.urls] == [(1, "https://arxiv.org/abs/2401.04088v2")]
    assert entry.arxiv_id == "2401.04088"
    assert entry.kind is ItemKind.PAPER
    assert entry.abstract.line == 5
    assert entry.abstract.text == (
        "We introduce Mixtral 8x7B, a Sparse Mixture of Experts language model. "
        "It outperforms Llama 2 70B on most benchmarks."
    )
    assert [c.line for c in entry.commentary_ko] == [8, 10]
    assert [(c.line, c.text) for c in entry.commentary_en] == [(15, "A router picks two experts per token.")]
    # kebab-case, snake_case, Hangul and a leading digit are all tags
    assert entry.tags == ("moe", "mixture-of-experts", "sparse_model", "언어모델", "3d-parallel")
    assert entry.tag_lines == (12,)
    assert [(r.arxiv_id, r.label, r.line) for r in entry.refs] == [("2101.03961", "Switch Transformer", 8)]
    assert [(link.url, link.line) for link in entry.links] == [("https://github.com/mistralai/mistral-src", 10)]
    assert [(w.target, w.line) for w in entry.wiki_links] == [
        ("240103 Wrapped title|Wrapped", 8),
        ("240105 Several URLs.md", 20),
        ("240107 Blog post", 21),
        ("Missing note", 21),
    ]
    # second abstract line, <english>, </english>, "# Links" and the two link lines
    assert entry.other_lines == (6, 14, 16, 18, 20, 21)
    assert (entry.source.line_start, entry.source.line_end) == (1, 21)
    assert diagnostics == []


def test_wrapped_title_and_authors_with_commentary_right_under():
    _, entry, diagnostics = read_note(NOTES / "240103 Wrapped title.md")
    assert entry.title == "Scaling Laws for a Very Long Title That the Researcher Wrapped Over Two Lines"
    assert entry.title_lines == (3, 4)
    assert [a.name for a in entry.authors] == ["Ada Lovelace", "Charles Babbage", "Grace Hopper"]
    assert entry.author_lines == (5,)
    # "#1" and "#2" in prose are not tags
    assert [(c.line, c.text) for c in entry.commentary_ko] == [
        (6, "바로 아래에 쓴 코멘트. #1 이슈는 라우팅이고 #2 는 데이터.")
    ]
    assert entry.tags == ("scaling-law",)
    assert diagnostics == []


def test_title_on_the_url_line():
    _, entry, diagnostics = read_note(NOTES / "240104 Title on URL line.md")
    assert entry.title == "Direct Preference Optimization: Your Language Model is Secretly a Reward Model"
    assert entry.arxiv_id == "2305.18290"
    assert [(u.line, u.text) for u in entry.urls] == [(1, "https://arxiv.org/abs/2305.18290")]
    # the URL field claims line 1, so the title and the authors claim no line
    assert entry.title_lines == () and entry.author_lines == ()
    assert [(a.name, a.line) for a in entry.authors][:1] == [("Rafael Rafailov", 1)]
    assert [(w.target, w.line) for w in entry.wiki_links] == [("240102 Standard note", 3)]
    assert diagnostics == []


def test_several_urls_bold_title_and_authors_in_their_own_paragraph():
    _, entry, diagnostics = read_note(NOTES / "240105 Several URLs.md")
    assert [u.text for u in entry.urls] == [
        "https://github.com/example/zero-bubble",
        "https://arxiv.org/pdf/2401.10241v1.pdf",
    ]
    assert entry.arxiv_id == "2401.10241"  # the first arXiv URL, not the first URL
    assert entry.title == "Zero Bubble Pipeline Parallelism"
    assert entry.title_lines == (4,)
    assert [a.name for a in entry.authors] == ["Penghui Qi", "Xinyi Wan", "Guangxing Huang", "Min Lin"]
    assert entry.author_lines == (6,)
    assert diagnostics == []


def test_note_without_url_or_header_takes_its_title_from_the_file_name():
    _document, entry, diagnostics = read_note(NOTES / "240106 No header.md")
    assert entry.title == "No header"
    assert entry.title_lines == ()
    assert entry.arxiv_id is None and entry.urls == ()
    assert entry.kind is ItemKind.OTHER
    # arXiv links in the text are references, not the note's own id
    assert [(r.arxiv_id, r.line) for r in entry.refs] == [("2305.10429", 1), ("2305.10425", 3), ("2305.10425", 3)]
    assert [c.line for c in entry.commentary_ko] == [1, 3]
    assert diagnostics == []


def test_blog_note_with_a_bare_title_line():
    document = load_corpus([VAULT / "blog"]).documents[0]
    entry = document.entries[0]
    assert document.relpath == "240107 Blog post.md"
    assert entry.title == "Introducing Mistral 7B"
    assert entry.title_lines == (3,)
    assert entry.kind is ItemKind.BLOG
    assert entry.arxiv_id is None
    assert [c.line for c in entry.commentary_ko] == [5]


def test_unclosed_blocks_are_read_and_reported_with_file_and_line():
    _, entry, diagnostics = read_note(NOTES / "240108 Unclosed blocks.md")
    assert entry.title == "I$^2$SB: Image-to-Image Schrödinger Bridge"
    assert [a.name for a in entry.authors] == ["Guan-Horng Liu", "Arash Vahdat", "De-An Huang"]
    assert entry.author_lines == (4,)
    assert [(c.line, c.text) for c in entry.commentary_en] == [(9, "The English block never closes.")]
    assert entry.wiki_links == ()
    path = "arXiv/2024/240108 Unclosed blocks.md"
    assert [str(d) for d in diagnostics] == [
        f"{path}:4: author list never closes: add the missing ')'",
        f"{path}:6: '[[' without a matching ']]': not read as a wiki-link",
        f"{path}:8: <english> block never closes; read to the end of the note as English (add </english>)",
    ]
    assert [d.code for d in diagnostics] == ["unclosed-authors", "bad-wikilink", "unclosed-english"]


def test_front_matter_tags_code_blocks_and_self_links():
    _, entry, diagnostics = read_note(NOTES / "240109 Front matter and code.md")
    assert entry.title == "Front Matter Note"
    assert entry.arxiv_id == "2402.00001"
    # front matter tags first; "#include" inside ``` is code, not a tag
    assert entry.tags == ("llm", "agents", "code")
    assert [(w.target, w.line) for w in entry.wiki_links] == [("240109 Front matter and code", 17), ("#Results", 17)]
    assert entry.other_lines == (1, 2, 3, 4, 5, 12, 15)
    assert diagnostics == []


@pytest.mark.parametrize(
    ("text", "title", "authors", "arxiv_id"),
    [
        pytest.param(
            "[Attention Is All You Need](https://arxiv.org/abs/1706.03762)\n\n메모\n",
            "Attention Is All You Need",
            [],
            "1706.03762",
            id="markdown-link-first-line",
        ),
        pytest.param(
            "https://doi.org/10.48550/arXiv.2309.17453\n\nEfficient Streaming (Guangxuan Xiao, Song Han)\n",
            "Efficient Streaming",
            ["Guangxuan Xiao", "Song Han"],
            "2309.17453",
            id="arxiv-doi-url",
        ),
        pytest.param(
            "https://huggingface.co/papers/2401.04088\n\nMixtral (Albert Q. Jiang)\n",
            "Mixtral",
            ["Albert Q. Jiang"],
            "2401.04088",
            id="huggingface-papers-url",
        ),
        pytest.param(
            "arxiv.org/abs/hep-th/9711200v3\n\nThe Large N Limit (Juan Maldacena)\n",
            "The Large N Limit",
            ["Juan Maldacena"],
            "hep-th/9711200",
            id="old-style-id-no-scheme",
        ),
        pytest.param(
            "https://arxiv.org/abs/2401.00002\n\nRWKV (Receptance Weighted Key Value): Reinventing RNNs\n"
            "(Bo Peng, Eric Alcaide)\n",
            "RWKV (Receptance Weighted Key Value): Reinventing RNNs",
            ["Bo Peng", "Eric Alcaide"],
            "2401.00002",
            id="parentheses-in-title",
        ),
        pytest.param(
            "https://arxiv.org/abs/2401.00003\n\n이 논문은 좋네요 (Alice Smith, Bob Lee).\n",
            "Note",
            [],
            "2401.00003",
            id="korean-sentence-is-not-a-header",
        ),
        pytest.param(
            "https://arxiv.org/abs/1706.03762\n\nAttention Is All\nYou Need\n\n메모\n",
            "Attention Is All You Need",
            [],
            "1706.03762",
            id="wrapped-title-without-authors",
        ),
        pytest.param(
            "https://arxiv.org/abs/2303.06182\n\nTowards MoE Deployment: Mitigating Inefficiencies in (MoE)\n"
            "Inference (Haiyang Huang, Newsha Ardalani)\n",
            "Towards MoE Deployment: Mitigating Inefficiencies in (MoE) Inference",
            ["Haiyang Huang", "Newsha Ardalani"],
            "2303.06182",
            id="acronym-ends-a-wrapped-line",
        ),
    ],
)
def test_header_shapes(text, title, authors, arxiv_id):
    document, diagnostics = parse_vault_note(text, path="240110 Note.md", relpath="240110 Note.md")
    entry = document.entries[0]
    assert (entry.title, [a.name for a in entry.authors], entry.arxiv_id) == (title, authors, arxiv_id)
    assert diagnostics == []
    assert account_lines(Corpus((document,), tuple(diagnostics))).ok


def test_callout_abstract_and_numbers_in_a_tag_line():
    text = "https://arxiv.org/abs/1706.03762\n\n> [!abstract] Abstract\n> The dominant models.\n\n메모 #1\n\n#llm #1\n\n#1 #2\n"
    document, diagnostics = parse_vault_note(text, path="n.md", relpath="n.md")
    entry = document.entries[0]
    assert (entry.abstract.line, entry.abstract.text) == (4, "The dominant models.")
    assert entry.tags == ("llm", "1")  # a hashtag line keeps "#1", as in digests
    assert entry.tag_lines == (8,)
    assert [c.text for c in entry.commentary_ko] == ["메모 #1", "#1 #2"]  # enumerations, not tags
    assert entry.other_lines == (3,)
    assert diagnostics == []


def test_invalid_arxiv_id_in_own_url_is_reported():
    document, diagnostics = parse_vault_note(
        "https://arxiv.org/abs/2313.00001\n\nBad Month (A. Person)\n", path="n.md", relpath="n.md"
    )
    assert document.entries[0].arxiv_id is None
    assert [str(d) for d in diagnostics] == [
        "n.md:1: own URL 'https://arxiv.org/abs/2313.00001' has no valid arXiv id; check the id"
    ]


def test_empty_note_and_control_characters():
    document, diagnostics = parse_vault_note("\n  \n", path="e.md", relpath="e.md")
    assert document.entries == ()
    assert [str(d) for d in diagnostics] == [
        "e.md:1: empty note: nothing to read; delete it or write the paper's URL on the first line"
    ]
    document, diagnostics = parse_vault_note(
        "\ufeffhttps://arxiv.org/abs/2401.04088\n\nMix\x07tral (A. B)\n", path="c.md", relpath="c.md"
    )
    assert document.entries[0].title == "Mixtral"
    assert [(d.line, d.code) for d in diagnostics] == [(3, "control-character")]


def test_file_name_helpers():
    assert title_from_file_name("230914 Phi-1.5 2.md") == "Phi-1.5 2"
    assert title_from_file_name("230914.md") == "230914"
    assert title_from_file_name("2023-09-14 Phi.md") == "Phi"
    assert wiki_link_note_name("230627 CLIPA-v2.md|CLIPA") == "230627 CLIPA-v2"
    assert wiki_link_note_name("#Heading") == ""


def test_every_fixture_line_is_accounted_for():
    corpus = load_corpus([VAULT])
    assert len(corpus.documents) == 8
    account = account_lines(corpus)
    assert account.unaccounted == () and account.claimed_twice == ()
    assert account.content_lines == account.in_fields == 53


def test_corpus_vault_lines_are_all_accounted_for():
    corpus = load_corpus([CORPUS / "vault"])
    assert len(corpus.documents) == 774
    assert corpus.diagnostics == ()
    account = account_lines(corpus)
    assert (account.content_lines, account.in_fields, account.in_diagnostics) == (3698, 3698, 0)
    assert account.unaccounted == () and account.claimed_twice == ()


def test_corpus_vault_alone_matches_the_truth():
    truth = [json.loads(line) for line in (CORPUS / "truth" / "2023.jsonl").read_text(encoding="utf-8").splitlines()]
    notes = {d.relpath: d.entries[0] for d in load_corpus([CORPUS / "vault"]).documents}
    ids = sum(notes[t["source_note"]].arxiv_id == t["own_arxiv_id"] for t in truth)
    titles = sum(normalize_title(notes[t["source_note"]].title) == normalize_title(t["title"]) for t in truth)
    exact = sum(notes[t["source_note"]].title == t["title"] for t in truth)
    tags = sum(list(notes[t["source_note"]].tags) == t["tags"] for t in truth)
    authors = sum([a.name for a in notes[t["source_note"]].authors] == t["authors"] for t in truth)
    # the one inexact title is "**simple diffusion: ...**", whose digest keeps the bold markers
    assert (len(truth), ids, titles, exact, tags, authors) == (774, 774, 774, 773, 774, 774)


def test_reader_detection_and_override(tmp_path):
    assert "vault" in READERS
    assert detect_reader("a/230110 X.md", "https://arxiv.org/abs/2301.03728\n") == "vault"
    assert detect_reader("2024-01-02.md", "2024년 1월 2일\nPhi-3\n") == "digest"
    assert detect_reader("notes.txt", "https://arxiv.org/abs/2301.03728\n") == "digest"
    note = tmp_path / "240102 note.txt"
    note.write_text("https://arxiv.org/abs/2401.04088\n\nMixtral (Albert Q. Jiang)\n", encoding="utf-8")
    forced = load_corpus([note], reader="vault").documents[0]
    assert (forced.source_kind, forced.entries[0].arxiv_id, forced.date) == ("vault", "2401.04088", "2024-01-02")
    assert load_corpus([note]).documents[0].source_kind == "digest"


def test_mixed_inputs_digest_folder_vault_folder_and_single_file():
    single = NOTES / "240104 Title on URL line.md"
    corpus = load_corpus([CORPUS / "digests", VAULT / "blog", single])
    kinds = [d.source_kind for d in corpus.documents]
    assert kinds.count("digest") == 265 and kinds.count("vault") == 2
    assert [d.relpath for d in corpus.documents[-2:]] == ["240107 Blog post.md", "240104 Title on URL line.md"]


def test_parse_command_reads_a_vault_folder():
    result = CliRunner().invoke(cli, ["parse", "--jsonl", str(VAULT / "blog")])
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert (row["title"], row["kind"], row["source_kind"], row["urls"]) == (
        "Introducing Mistral 7B",
        "blog",
        "vault",
        ["https://mistral.ai/news/announcing-mistral-7b/"],
    )


def test_stats_command_accounts_for_every_vault_line():
    result = CliRunner().invoke(cli, ["stats", str(VAULT)])
    assert result.exit_code == 0, result.output
    assert "lines: 53 non-blank, 53 in record fields, 0 in diagnostics, 0 unaccounted" in result.output
    assert "  wiki_links           4" in result.output


def test_reading_is_deterministic():
    first = load_corpus([CORPUS / "vault", VAULT])
    second = load_corpus([CORPUS / "vault", VAULT])
    assert first == second


HEADER = re.compile(r" \((?=[^()]*\)\s*$)")


def reshape(text: str, shape: str) -> str:
    """The same note written another way (the variations of older, messier notes)."""
    lines = text.split("\n")
    at = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("http")), None)
    found = HEADER.search(lines[at]) if at is not None else None
    if shape in ("no blank lines", "crlf", "english block"):
        if shape == "no blank lines":
            return "\n".join(line for line in lines if line.strip())
        if shape == "crlf":
            return "\r\n".join(lines)
        return "\n".join([*lines, "", "<english>", "An English translation of the commentary.", "</english>"])
    if found is None:
        return text
    title, authors = lines[at][: found.start()], lines[at][found.start() + 1 :]
    if shape == "title on URL line" and at >= 1 and lines[0].startswith("http"):
        lines[0] = f"{lines[0]} {lines[at]}"
        del lines[at]
    elif shape == "wrapped title" and len(title.split()) > 3:
        words = title.split(" ")
        middle = len(words) // 2
        lines[at] = " ".join(words[:middle]) + "\n" + " ".join(words[middle:]) + " " + authors
    elif shape == "wrapped authors" and authors.count(", ") >= 2:
        names = authors.split(", ")
        middle = len(names) // 2
        lines[at] = f"{title} " + ", ".join(names[:middle]) + ",\n" + ", ".join(names[middle:])
    elif shape == "authors on their own line":
        lines[at] = f"{title}\n{authors}"
    elif shape == "italic title":
        lines[at] = f"*{title}* {authors}"
    return "\n".join(lines)


@pytest.mark.parametrize(
    "shape",
    [
        "title on URL line",
        "wrapped title",
        "wrapped authors",
        "authors on their own line",
        "italic title",
        "no blank lines",
        "crlf",
        "english block",
    ],
)
def test_reshaped_corpus_notes_read_the_same(shape):
    truth = [json.loads(line) for line in (CORPUS / "truth" / "2023.jsonl").read_text(encoding="utf-8").splitlines()]
    changed = misread = 0
    for t in truth:
        text = (CORPUS / "vault" / t["source_note"]).read_text(encoding="utf-8")
        new = reshape(text, shape)
        if new == text:
            continue
        changed += 1
        document, _ = parse_vault_note(new, path=t["source_note"], relpath=t["source_note"])
        entry = document.entries[0]
        same = (
            entry.arxiv_id == t["own_arxiv_id"]
            and normalize_title(entry.title) == normalize_title(t["title"])
            and list(entry.tags) == t["tags"]
            and [a.name for a in entry.authors] == t["authors"]
        )
        misread += not same
        assert account_lines(Corpus((document,), ())).ok
    assert changed > 650
    assert misread == 0


def test_build_reads_a_vault_folder_and_a_digest_file_together(tmp_path):
    digest = CORPUS / "digests" / "2023" / "2023-01-10.txt"
    result = CliRunner().invoke(cli, ["build", str(VAULT), str(digest), "-o", str(tmp_path / "out"), "-f", "graphml"])
    assert result.exit_code == 0, result.output
    assert "read 9 files, 9 entries (2023-01-10 to 2024-01-09)" in result.output
    assert "graph: 63 nodes (1 digest, 9 note, 9 item, 3 arxiv, 27 person, 13 tag, 1 link)" in result.output
    assert (
        "60 edges (1 contains, 9 about, 27 authored_by, 14 tagged, 4 cites, 1 links_to, 4 wiki_links)" in result.output
    )
    assert "diagnostics: 4" in result.output
    forced = CliRunner().invoke(cli, ["parse", "--reader", "vault", "--jsonl", str(digest)])
    assert forced.exit_code == 0, forced.output
    # read as a note, a whole digest is one entry: the date line and the first title make its header
    rows = [json.loads(line) for line in forced.stdout.splitlines()]
    assert [(r["source_kind"], r["title"]) for r in rows] == [
        ("vault", "2023년 1월 10일 Scaling Laws for Generative Mixed-Modal Language Models")
    ]


# ------------------------------------- issue 19: first lines and tags of older notes

SHAPES = DATA / "vault-shapes"


@pytest.mark.parametrize(
    ("name", "date", "arxiv_id", "title", "authors", "tags"),
    [
        pytest.param(
            "190301 Quiet Gradients.md",
            "2019-03-01",
            "1903.00101",
            "Quiet Gradients in Small Batches",
            ["Mina Park", "Jo Lee"],
            ["optimization"],
            id="title-then-url-in-brackets",
        ),
        pytest.param(
            "190302 Sparse Lattice Fields.md",
            "2019-03-02",
            "1903.00202",
            "Sparse Lattice Fields",
            [],
            ["nerf", "rendering"],
            id="title-then-bare-url-and-hashtags-ending-prose",
        ),
        pytest.param(
            "190303 Dense Hopping Transformers.md",
            "2019-03-03",
            "1903.00303",
            "Dense Hopping Transformers",
            ["Cy Park", "Di Choi"],
            ["transformer", "attention"],
            id="url-then-text-and-a-stray-word-in-the-tag-line",
        ),
        pytest.param(
            "190304 Counting Sheep.md",
            "2019-03-04",
            "1903.00404",
            "Counting Sheep with Transformers",
            ["Ann Lee", "Bo Kim"],
            ["counting"],
            id="markdown-link-then-authors",
        ),
        pytest.param(
            "190305 Old Habits.md",
            "2019-03-05",
            "1903.00505",
            "Old Habits of Recurrent Nets",
            ["Eve Han"],
            ["rnn"],
            id="stray-character-before-https",
        ),
        pytest.param(
            "190306 From r to Q.md",
            "2019-03-06",
            "1903.00606",
            "From $r$ to $Q^*$: Your Model Is a Q-Function",
            ["Ann Lee", "Bo Kim"],
            ["rlhf"],
            id="literal-star-in-an-emphasised-title",
        ),
        pytest.param(
            "Variational Pebbles.md",
            "2019-03-07",
            "1903.00707",
            "Variational Pebbles",
            ["Ann Lee"],
            ["vae"],
            id="date-from-front-matter",
        ),
    ],
)
def test_older_note_shapes_keep_their_id_and_do_not_cite_themselves(name, date, arxiv_id, title, authors, tags):
    relpath = f"arXiv/2019/{name}"
    document, diagnostics = parse_vault_note(
        (SHAPES / relpath).read_text(encoding="utf-8"), path=relpath, relpath=relpath
    )
    (entry,) = document.entries
    assert (document.date, entry.arxiv_id, entry.title) == (date, arxiv_id, title)
    assert ([a.name for a in entry.authors], list(entry.tags)) == (authors, tags)
    assert arxiv_id not in {ref.arxiv_id for ref in entry.refs}
    assert account_lines(Corpus((document,), tuple(diagnostics))).ok


def test_rest_of_an_own_url_line_is_commentary_and_a_stray_tag_word_is_reported():
    relpath = "arXiv/2019/190303 Dense Hopping Transformers.md"
    document, diagnostics = parse_vault_note(
        (SHAPES / relpath).read_text(encoding="utf-8"), path=relpath, relpath=relpath
    )
    (entry,) = document.entries
    assert [(u.line, u.text) for u in entry.urls] == [(1, "https://arxiv.org/abs/1903.00303")]
    assert [(c.line, c.text) for c in entry.commentary_ko][:1] == [(1, "재미있는 논문")]
    assert [(r.arxiv_id, r.label, r.line) for r in entry.refs] == [("2106.09685", "LoRA", 5)]
    assert [str(d) for d in diagnostics] == [
        f"{relpath}:7: tag line has a word that is not a tag: '참고'; write it as #참고"
    ]


def test_hashtags_ending_a_prose_line_leave_the_prose():
    relpath = "arXiv/2019/190305 Old Habits.md"
    document, _ = parse_vault_note((SHAPES / relpath).read_text(encoding="utf-8"), path=relpath, relpath=relpath)
    assert [(c.line, c.text) for c in document.entries[0].commentary_ko] == [(5, "재귀 신경망 튜닝하기.")]


@pytest.mark.parametrize(
    "first_line",
    [
        "(https://arxiv.org/abs/2312.00752)",
        "[https://arxiv.org/abs/2312.00752]",
        "`https://arxiv.org/abs/2312.00752`",
        "·https://arxiv.org/abs/2312.00752",
        "Mamba https://arxiv.org/abs/2312.00752",
        "Mamba (https://arxiv.org/abs/2312.00752) (Albert Gu, Tri Dao)",
    ],
)
def test_an_own_url_in_brackets_or_with_stray_marks_keeps_the_notes_id(first_line):
    text = f"{first_line}\n\nMamba (Albert Gu, Tri Dao)\n\n좋네요.\n"
    document, diagnostics = parse_vault_note(text, path="231201 M.md", relpath="231201 M.md")
    (entry,) = document.entries
    assert ([u.text for u in entry.urls], entry.arxiv_id, entry.title, entry.refs, diagnostics) == (
        ["https://arxiv.org/abs/2312.00752"],
        "2312.00752",
        "Mamba",
        (),
        [],
    )


def test_an_arxiv_url_alone_on_the_line_after_the_header_is_the_notes_own():
    text = "Mamba: Linear-Time (Albert Gu, Tri Dao)\n\nhttps://arxiv.org/abs/2312.00752\n\n좋네요. https://github.com/x/y\n"
    (entry,) = parse_vault_note(text, path="231201 M.md", relpath="231201 M.md")[0].entries
    assert (entry.arxiv_id, [u.line for u in entry.urls], entry.refs) == ("2312.00752", [3], ())
    # a project page there is commentary, not the note's own URL
    text = "Mamba: Linear-Time (Albert Gu, Tri Dao)\n\nhttps://github.com/x/y\n\n좋네요.\n"
    (entry,) = parse_vault_note(text, path="231201 M.md", relpath="231201 M.md")[0].entries
    assert (entry.arxiv_id, entry.urls, [w.line for w in entry.links]) == (None, (), [3])


def test_a_remark_on_the_url_line_gives_way_to_the_header_below_and_authors_below_a_title_join_it():
    remark = "https://arxiv.org/abs/2312.00752 great read\n\nMamba: Linear-Time (Albert Gu, Tri Dao)\n\n좋네요.\n"
    document, diagnostics = parse_vault_note(remark, path="231201 M.md", relpath="231201 M.md")
    (entry,) = document.entries
    assert (entry.title, [a.name for a in entry.authors], [c.text for c in entry.commentary_ko]) == (
        "Mamba: Linear-Time",
        ["Albert Gu", "Tri Dao"],
        ["great read", "좋네요."],
    )
    assert diagnostics == [] and account_lines(Corpus((document,), ())).ok
    below = "https://arxiv.org/abs/2312.00752 Mamba: Linear-Time\n\n(Albert Gu, Tri Dao)\n\n좋네요.\n"
    document, diagnostics = parse_vault_note(below, path="231201 M.md", relpath="231201 M.md")
    (entry,) = document.entries
    assert (entry.title, [a.name for a in entry.authors], entry.author_lines) == (
        "Mamba: Linear-Time",
        ["Albert Gu", "Tri Dao"],
        (3,),
    )
    assert diagnostics == [] and account_lines(Corpus((document,), ())).ok
