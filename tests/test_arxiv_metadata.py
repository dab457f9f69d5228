"""arXiv metadata files (``--arxiv-metadata``): reading, identity by title, and
the titles, authors and categories every export then shows."""

from __future__ import annotations

import gzip
import json
import re
import socket
from pathlib import Path

import networkx as nx
import pyoxigraph
import pytest
from click.testing import CliRunner

from papergraph.arxiv_metadata import (
    ArxivRecord,
    apply_arxiv_metadata,
    parse_metadata_line,
    read_arxiv_metadata,
    record_to_json,
    title_index,
)
from papergraph.build import build
from papergraph.cli import cli
from papergraph.errors import InputError
from papergraph.graph import build_graph
from papergraph.linking import link_corpus
from papergraph.pipeline import load_corpus
from papergraph.query import execute

DATA = Path(__file__).resolve().parent / "data"
SNAPSHOT = DATA / "arxiv" / "snapshot.jsonl"
CORPUS = DATA / "corpus"
TRUTH = CORPUS / "truth" / "2023.jsonl"
DCTERMS_TITLE = pyoxigraph.NamedNode("http://purl.org/dc/terms/title")


# ---------------------------------------------------------------- reading


def test_a_snapshot_line_becomes_a_record():
    line = SNAPSHOT.read_text(encoding="utf-8").splitlines()[1]
    assert parse_metadata_line(line, "snapshot.jsonl") == ArxivRecord(
        arxiv_id="0704.0001",
        title="Calculation of prompt diphoton production cross sections at Tevatron and LHC energies",
        authors=("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"),  # authors_parsed: accents resolved
        categories=("hep-ph",),
        abstract="A fully differential calculation in perturbative quantum chromodynamics is presented for the "
        "production of massive photon pairs at hadron colliders.",
        doi="10.1103/PhysRevD.76.013009",
        published="2007-04-02",
        source="snapshot.jsonl",
    )


def test_authors_without_authors_parsed_are_split_on_commas_and_and():
    record = parse_metadata_line('{"id": "2401.00001", "title": "T", "authors": "A. One, B. Two and C. Three"}')
    assert record.authors == ("A. One", "B. Two", "C. Three")


def test_record_round_trips_through_the_snapshot_format():
    record = read_arxiv_metadata([SNAPSHOT]).records["2308.16137"]
    assert parse_metadata_line(record_to_json(record), record.source) == record


def test_only_wanted_ids_are_kept_and_old_style_ids_work():
    metadata = read_arxiv_metadata([SNAPSHOT], {"2308.16137", "hep-th/9711200", "9999.99999"})
    assert list(metadata.records) == ["2308.16137", "hep-th/9711200"]
    assert metadata.records["2308.16137"].title == (
        "LM-Infinite: Zero-Shot Extreme Length Generalization for Large Language Models"
    )
    assert (metadata.lines, metadata.diagnostics) == (4, ())


def test_gzip_gives_the_same_records(tmp_path):
    packed = tmp_path / "snapshot.json"  # gzip is recognised by content, not by name
    packed.write_bytes(gzip.compress(SNAPSHOT.read_bytes()))
    plain = read_arxiv_metadata([SNAPSHOT]).records
    assert {k: (v.title, v.authors) for k, v in read_arxiv_metadata([packed]).records.items()} == {
        k: (v.title, v.authors) for k, v in plain.items()
    }


def test_unwanted_lines_are_not_parsed_and_bad_wanted_lines_are_reported(tmp_path):
    path = tmp_path / "meta.jsonl"
    path.write_text(
        '{"id": "2301.00002", "title": broken\n'  # unwanted: skipped on its id, never parsed
        '{"id": "2301.00001", "title": broken\n'
        "\n"
        '{"title": "no id"}\n'
        '{"id": "2301.00001", "title": ""}\n'
        '{"id": "2301.00001", "title": "Good"}\n',
        encoding="utf-8",
    )
    metadata = read_arxiv_metadata([path], {"2301.00001"})
    assert [str(d) for d in metadata.diagnostics] == [
        f"{path.as_posix()}:2: arXiv metadata line skipped: not JSON (Expecting value: line 1 column 31 (char 30)); "
        "fix or remove the line",
        f"{path.as_posix()}:4: arXiv metadata line skipped: no valid arXiv id (id is None); fix or remove the line",
        f"{path.as_posix()}:5: arXiv metadata line skipped: 2301.00001: no title; fix or remove the line",
    ]
    assert metadata.records["2301.00001"].title == "Good"


def test_a_cut_gzip_file_keeps_the_lines_before(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress(SNAPSHOT.read_bytes() * 50)[:-40])
    metadata = read_arxiv_metadata([path])
    assert len(metadata.records) == 4
    (diagnostic,) = metadata.diagnostics
    assert diagnostic.message.startswith("the file ends early or is corrupt (Compressed file ended before")
    assert diagnostic.line == metadata.lines + 1


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as error:
        read_arxiv_metadata([tmp_path / "nope.jsonl"])
    assert str(error.value) == (
        f"{(tmp_path / 'nope.jsonl').as_posix()}: no such metadata file; check the path given to --arxiv-metadata"
    )


# ---------------------------------------------------------------- identity and facts


def test_a_shared_title_is_reported_never_guessed(tmp_path):
    digest = tmp_path / "2024-01-02.txt"
    digest.write_text(
        "2024년 1월 2일\nAttention Is All You Need\n(Ashish Vaswani)\n트랜스포머.\n#transformer\n", encoding="utf-8"
    )
    corpus = load_corpus([digest])
    records = [
        ArxivRecord("1706.03762", "Attention Is All You Need"),
        ArxivRecord("2401.99999", "Attention is all you need"),
    ]
    linked = link_corpus(corpus, known_titles=title_index(records))
    assert [i.id for i in linked.items] == ["work:w-" + linked.items[0].key.removeprefix("w-")]
    assert [str(d) for d in linked.diagnostics] == [
        f"{digest.as_posix()}:2: title 'Attention Is All You Need' matches several arXiv ids (1706.03762, 2401.99999); "
        "kept as a separate item; add the arXiv URL to the entry to choose one"
    ]
    (one,) = link_corpus(corpus, known_titles=title_index(records[:1])).items
    assert (one.id, one.arxiv_id) == ("work:arxiv-1706.03762", "1706.03762")


def test_facts_fill_what_the_notes_leave_out(seeds_corpus):
    graph = build_graph(link_corpus(seeds_corpus))
    noted = next(n for n, d in graph.nodes(data=True) if d["kind"] == "item" and d["authors"])
    before = dict(graph.nodes[noted])
    records = {
        "2308.16137": read_arxiv_metadata([SNAPSHOT]).records["2308.16137"],
    }
    graph.nodes[noted]["arxiv_id"] = "2308.16137x"  # not in the records: untouched
    apply_arxiv_metadata(graph, records)
    cited = graph.nodes["work:arxiv-2308.16137"]
    assert cited["label"] == cited["title"] == records["2308.16137"].title
    assert cited["categories"] == ["cs.CL", "cs.AI"]
    assert (cited["published"], cited.get("doi"), cited["metadata_source"]) == ("2023-08-31", None, "snapshot.jsonl")
    authors = [
        (d["position"], graph.nodes[v]["name"], graph.nodes[v]["kind"])
        for _, v, d in graph.out_edges("work:arxiv-2308.16137", data=True)
        if d["kind"] == "authored_by"
    ]
    assert authors[:2] == [(1, "Chi Han", "person"), (2, "Qifan Wang", "person")] and len(authors) == 7
    assert {k: v for k, v in graph.nodes[noted].items() if k != "arxiv_id"} == {
        k: v for k, v in before.items() if k != "arxiv_id"
    }


# ---------------------------------------------------------------- the sample, end to end


def sample_metadata(path: Path) -> dict[str, str]:
    """A metadata file made from the sample's truth: every noted paper (title and
    authors as noted) and every cited one (a title made from its id).
    Returns the title written for each id."""
    rows = [json.loads(line) for line in TRUTH.read_text(encoding="utf-8").splitlines()]
    records: dict[str, ArxivRecord] = {}
    for row in rows:
        if row["own_arxiv_id"]:
            records[row["own_arxiv_id"]] = ArxivRecord(
                row["own_arxiv_id"], row["title"], tuple(row["authors"]), ("cs.CL", "cs.LG"), None, None, "2023-01-02"
            )
    for row in rows:
        for ref in row["refs"]:
            records.setdefault(
                ref["arxiv_id"],
                ArxivRecord(
                    ref["arxiv_id"], f"Cited Work {ref['arxiv_id']}", ("Grace Hopper", "Edsger Dijkstra"), ("cs.AI",)
                ),
            )
    path.write_text("".join(record_to_json(r) + "\n" for r in records.values()), encoding="utf-8")
    return {i: r.title for i, r in records.items()}


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory):
    """A digests-only build of the sample with the metadata file, and the network switched off."""
    folder = tmp_path_factory.mktemp("sample")
    titles = sample_metadata(folder / "arxiv-sample.jsonl")
    patch = pytest.MonkeyPatch()

    def no_network(*args, **kwargs):
        raise AssertionError("build used the network")

    patch.setattr(socket.socket, "connect", no_network)
    patch.setattr(socket, "create_connection", no_network)
    try:
        result = build([CORPUS / "digests"], folder / "out", arxiv_metadata=[folder / "arxiv-sample.jsonl"], jobs=1)
    finally:
        patch.undo()
    return result, folder / "out", titles


def cited_ids() -> set[str]:
    rows = [json.loads(line) for line in TRUTH.read_text(encoding="utf-8").splitlines()]
    return {ref["arxiv_id"] for row in rows for ref in row["refs"]}


def test_citations_of_noted_papers_land_on_the_noted_item(sample_build):
    """Must hold 2: a digests-only build links the citations whose truth says
    ``target_in_corpus`` to the item the sample notes (14 of the 97 point to
    papers noted in other years, outside the sample: they stay cited papers)."""
    result, _, _ = sample_build
    graph = result.graph
    rows = [json.loads(line) for line in TRUTH.read_text(encoding="utf-8").splitlines()]
    noted_here = {row["own_arxiv_id"] for row in rows}
    landed = outside = 0
    targets = [ref for row in rows for ref in row["refs"] if ref["target_in_corpus"]]
    for ref in targets:
        target = "work:arxiv-" + ref["arxiv_id"].replace("/", "-")
        if ref["arxiv_id"] not in noted_here:
            outside += 1
            assert graph.nodes[target]["kind"] == "arxiv"
        elif graph.nodes[target]["kind"] == "item" and any(
            data["kind"] == "about" for _, _, data in graph.in_edges(target, data=True)
        ):
            landed += 1
    assert (len(targets), outside, landed) == (97, 14, 83)  # 83/83 = 100 % of those with a noted item
    # without the metadata, only the entries whose own URL line is on arXiv landed
    plain = build_graph(link_corpus(load_corpus([CORPUS / "digests"])))
    before = sum(
        plain.nodes["work:arxiv-" + ref["arxiv_id"]]["kind"] == "item"
        for ref in targets
        if ref["arxiv_id"] in noted_here
    )
    assert before == 0


def test_every_cited_paper_shows_its_title_in_graphml_and_gexf(sample_build):
    _, out, titles = sample_build
    for name in ("graph.graphml", "graph.gexf"):
        graph = nx.read_graphml(out / name) if name.endswith("graphml") else nx.read_gexf(out / name)
        labels = {
            data["arxiv_id"]: data["label"]
            for _, data in graph.nodes(data=True)
            if data.get("arxiv_id") in titles and data.get("kind") in ("arxiv", "paper")
        }
        assert labels == {i: titles[i] for i in cited_ids()} | {
            i: t for i, t in labels.items() if i not in cited_ids()
        }, name
        assert set(cited_ids()) <= set(labels)


def test_every_cited_paper_shows_its_title_in_the_rdf(sample_build):
    _, out, titles = sample_build
    store = pyoxigraph.Store()
    store.load(path=str(out / "graph.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    for arxiv_id in cited_ids():
        (title,) = [
            q.object.value
            for q in store.quads_for_pattern(
                pyoxigraph.NamedNode(f"https://arxiv.org/abs/{arxiv_id}"), DCTERMS_TITLE, None
            )
        ]
        assert title == titles[arxiv_id]


def test_every_cited_paper_shows_its_title_in_the_html(sample_build):
    graph, out, titles = sample_build[0].graph, sample_build[1], sample_build[2]
    page = (out / "graph.html").read_text(encoding="utf-8")
    blocks = {
        name: json.loads(text)
        for name, text in re.findall(r'<script type="application/json" id="([^"]+)"[^>]*>(.*?)</script>', page, re.S)
    }
    details, nodes = blocks["pg-detail"], blocks["pg-nodes"]
    index = {node: i for i, node in enumerate(graph.nodes)}
    for arxiv_id in cited_ids():
        i = index["work:arxiv-" + arxiv_id]
        assert details[i]["t"] == titles[arxiv_id]
        assert nodes[i]["label"] == titles[arxiv_id] or nodes[i]["label"].endswith("…")


def test_cq11_lists_titles(sample_build):
    _, out, titles = sample_build
    rows = list(csv_rows(execute(str(out / "graph.ttl"), name="cq11", fmt="csv")))
    assert rows[0] == ["paper", "arxivId", "title", "someAnchor", "links"]
    assert len(rows) == 1 + 63
    assert all(row[2] == titles[row[1]] == f"Cited Work {row[1]}" for row in rows[1:])


def csv_rows(text: str):
    import csv
    import io

    return csv.reader(io.StringIO(text))


def test_authors_and_categories_in_the_rdf(sample_build):
    _, out, _ = sample_build
    answer = execute(
        str(out / "graph.ttl"),
        sparql="SELECT ?name ?code ?label ?file WHERE { <https://arxiv.org/abs/1506.03099> dcterms:creator/foaf:name ?name ;"
        " fabio:hasSubjectTerm ?c ; prov:wasDerivedFrom/pg:sourcePath ?file . ?c skos:notation ?code ; skos:prefLabel ?label }"
        " ORDER BY ?name",
        fmt="csv",
    )
    assert list(csv_rows(answer))[1:] == [
        ["Edsger Dijkstra", "cs.AI", "Artificial Intelligence", "arxiv-sample.jsonl"],
        ["Grace Hopper", "cs.AI", "Artificial Intelligence", "arxiv-sample.jsonl"],
    ]
    roles = execute(
        str(out / "graph.ttl"),
        sparql="SELECT ?position ?name ?file WHERE { ?role pro:relatesToDocument <https://arxiv.org/abs/1506.03099> ;"
        " schema:position ?position ; foaf:name ?name ; prov:wasDerivedFrom/pg:sourcePath ?file } ORDER BY ?position",
        fmt="csv",
    )
    assert list(csv_rows(roles))[1:] == [
        ["1", "Grace Hopper", "arxiv-sample.jsonl"],
        ["2", "Edsger Dijkstra", "arxiv-sample.jsonl"],
    ]


def test_a_changed_metadata_file_rebuilds(tmp_path):
    meta = tmp_path / "m.jsonl"
    meta.write_text(record_to_json(ArxivRecord("2308.16137", "First Title")) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    build([seeds], out, formats=["graphml"], arxiv_metadata=[meta], jobs=1)
    assert build([seeds], out, formats=["graphml"], arxiv_metadata=[meta], jobs=1).up_to_date
    meta.write_text(record_to_json(ArxivRecord("2308.16137", "Second Title, Longer")) + "\n", encoding="utf-8")
    again = build([seeds], out, formats=["graphml"], arxiv_metadata=[meta], jobs=1)
    assert not again.up_to_date
    assert nx.read_graphml(out / "graph.graphml").nodes["work:arxiv-2308.16137"]["label"] == "Second Title, Longer"


def test_build_command_reads_metadata_and_reports_a_missing_file(tmp_path):
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    result = CliRunner().invoke(
        cli, ["build", str(seeds), "-o", str(tmp_path / "out"), "-q", "--arxiv-metadata", str(tmp_path / "none.jsonl")]
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {(tmp_path / 'none.jsonl').as_posix()}: no such metadata file; check the path given to --arxiv-metadata\n"
    )
    result = CliRunner().invoke(
        cli,
        ["build", str(seeds), "-o", str(tmp_path / "out"), "-q", "-f", "graphml", "--arxiv-metadata", str(SNAPSHOT)],
    )
    assert (result.exit_code, result.output) == (0, "")
    graph = nx.read_graphml(tmp_path / "out" / "graph.graphml")
    assert graph.nodes["work:arxiv-2308.16137"]["categories"] == "cs.CL; cs.AI"


def test_outputs_with_metadata_are_deterministic(tmp_path):
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    first, second = tmp_path / "one", tmp_path / "two"
    build([seeds], first, arxiv_metadata=[SNAPSHOT], jobs=1, cache=False)
    build([seeds], second, arxiv_metadata=[SNAPSHOT], jobs=2, cache=False)
    names = sorted(p.name for p in first.iterdir() if p.is_file())
    assert names == sorted(p.name for p in second.iterdir() if p.is_file())
    assert {n: (first / n).read_bytes() for n in names} == {n: (second / n).read_bytes() for n in names}
    assert "LM-Infinite: Zero-Shot Extreme Length Generalization" in (first / "graph.ttl").read_text(encoding="utf-8")
