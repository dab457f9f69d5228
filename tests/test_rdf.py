"""The RDF export: read back by pyoxigraph and rdflib, pinned against what the seed digests say."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from conftest import DATA, SEEDS
from papergraph import __version__
from papergraph.analysis import analyse
from papergraph.build import build, load_graph, source_hashes
from papergraph.errors import ExportError
from papergraph.exporters import DEFAULT_BASE_IRI, ExportContext
from papergraph.exporters.rdf import EXPORTER, generate_rdf, to_rdf, web_iri
from papergraph.graph import build_graph
from papergraph.linking import link_corpus
from papergraph.model import Corpus
from papergraph.parsers.digest import parse_digest
from papergraph.pipeline import find_inputs, load_corpus, read_inputs
from papergraph.query import named_queries
from papergraph.rdfwriter import generate_ntriples

BASE = DEFAULT_BASE_IRI
HOSTILE = DATA / "rdf" / "hostile-iris.txt"
XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIXES = """
PREFIX cito: <http://purl.org/spar/cito/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX fabio: <http://purl.org/spar/fabio/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX pg: <https://w3id.org/papergraph/ns#>
PREFIX pro: <http://purl.org/spar/pro/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


def export(G: nx.MultiDiGraph, base: str = BASE, sources: tuple = ()) -> tuple[dict[str, bytes], ExportContext]:
    ctx = ExportContext(G, base_iri=base, sources=sources)
    return generate_rdf(G, ctx), ctx


@pytest.fixture(scope="module")
def seeds_files(seeds_graph) -> dict[str, bytes]:
    return export(seeds_graph)[0]


@pytest.fixture(scope="module")
def store(seeds_files) -> ox.Store:
    store = ox.Store()
    store.load(seeds_files["graph.ttl"], format=ox.RdfFormat.TURTLE)
    return store


def select(store: ox.Store, query: str) -> list[tuple]:
    solutions = store.query(PREFIXES + query)
    return [tuple(None if t is None else t.value for t in row) for row in solutions]


def parse_oxigraph(data: bytes, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return set(ox.parse(data, format=fmt))


# ---------------------------------------------------------------- formats


def test_exporter_declares_its_files(seeds_files):
    assert EXPORTER.name == "rdf"
    assert EXPORTER.files == ("graph.ttl", "graph.nt", "graph.jsonld", "papergraph.ttl")
    # N-Triples are written first (they key the Turtle and JSON-LD pieces reused by the next build).
    assert list(seeds_files) == ["graph.nt", "graph.ttl", "graph.jsonld", "papergraph.ttl"]


def test_three_formats_hold_the_same_triples_for_pyoxigraph(seeds_files):
    turtle = parse_oxigraph(seeds_files["graph.ttl"], ox.RdfFormat.TURTLE)
    ntriples = parse_oxigraph(seeds_files["graph.nt"], ox.RdfFormat.N_TRIPLES)
    jsonld = parse_oxigraph(seeds_files["graph.jsonld"], ox.RdfFormat.JSON_LD)
    assert len(turtle) == 2308
    assert turtle == ntriples == jsonld
    # N-Triples has one line per triple, no duplicates
    assert seeds_files["graph.nt"].count(b"\n") == 2308


def test_three_formats_are_isomorphic_for_rdflib(seeds_files):
    graphs = [
        rdflib.Graph().parse(data=seeds_files["graph.ttl"], format="turtle"),
        rdflib.Graph().parse(data=seeds_files["graph.nt"], format="nt"),
        rdflib.Graph().parse(data=seeds_files["graph.jsonld"], format="json-ld"),
    ]
    assert [len(g) for g in graphs] == [2308, 2308, 2308]
    assert isomorphic(graphs[0], graphs[1])
    assert isomorphic(graphs[0], graphs[2])


def test_vocabulary_file_defines_the_pg_terms(seeds_files):
    vocab = rdflib.Graph().parse(data=seeds_files["papergraph.ttl"], format="turtle")
    pg = rdflib.Namespace("https://w3id.org/papergraph/ns#")
    rdfs = rdflib.RDFS
    assert set(vocab.subjects(rdfs.subClassOf, None)) == {pg.Digest, pg.VaultNote}
    defined = {s for s in vocab.subjects(rdflib.RDF.type, None) if str(s).startswith(str(pg))}
    assert defined == {
        pg.Digest,
        pg.VaultNote,
        pg.sourcePath,
        pg.lineStart,
        pg.lineEnd,
        pg.line,
        pg.sourceUrl,
        pg.arxivVersion,
        pg.linksInNoteTo,
        pg.contentHash,
        pg.papergraphVersion,
        pg.community,
        pg.communityRank,
        pg.citedBy,
        pg.members,
    }
    for term in defined:
        comment = vocab.value(term, rdfs.comment)
        assert comment is not None and comment.language == "en"
    # every pg: term used in the data is defined in the vocabulary
    used = set(parse_oxigraph(seeds_files["graph.ttl"], ox.RdfFormat.TURTLE))
    used_pg = {
        x.value
        for t in used
        for x in (t.predicate, t.object)
        if isinstance(x, ox.NamedNode) and x.value.startswith(str(pg))
    }
    assert used_pg <= {str(t) for t in defined}


def test_turtle_is_pretty_with_prefixes_and_relative_iris(seeds_files):
    text = seeds_files["graph.ttl"].decode("utf-8")
    assert text.startswith("# papergraph RDF export")
    assert f"@base <{BASE}> .\n" in text
    assert "@prefix arxiv: <https://arxiv.org/abs/> .\n" in text
    assert "@prefix person: <https://w3id.org/papergraph/id/person/> .\n" in text
    assert (
        "<digest/2024-02-08/w-bfdf43b96e6e7738/cites/arxiv-2308.16137> a cito:Citation ;\n"
        "    cito:hasCitingEntity <digest/2024-02-08/w-bfdf43b96e6e7738> ;\n"
        "    cito:hasCitedEntity arxiv:2308.16137 ;\n"
        "    cito:hasCitationCharacterization cito:linksTo ;\n"
        '    rdfs:label "LM-Infinite" ;\n'
        '    pg:sourceUrl "https://arxiv.org/abs/2308.16137" ;\n'
        "    pg:line 5 .\n"
    ) in text
    assert 'person:curator a foaf:Person ; foaf:name "curator" ;' in text
    assert "\t" not in text


def test_rebuilds_are_byte_identical(tmp_path):
    # As the build does: analyse the graph, and state the inputs' content hashes.
    sources = source_hashes([SEEDS], read_inputs(find_inputs([SEEDS])[0]))
    graphs = [build_graph(link_corpus(load_corpus([SEEDS]))) for _ in range(2)]
    for graph in graphs:
        analyse(graph)
    first, second = (export(graph, sources=sources)[0] for graph in graphs)
    assert first == second
    build([SEEDS], tmp_path / "a", formats=["rdf"])
    build([SEEDS], tmp_path / "b", formats=["rdf"])
    for name in EXPORTER.files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes() == first[name]


# ---------------------------------------------------------------- model rules


def test_no_blank_nodes_anywhere(seeds_files):
    for name, fmt in (("graph.ttl", ox.RdfFormat.TURTLE), ("graph.jsonld", ox.RdfFormat.JSON_LD)):
        for triple in parse_oxigraph(seeds_files[name], fmt):
            assert not isinstance(triple.subject, ox.BlankNode), name
            assert not isinstance(triple.object, ox.BlankNode), name
    assert b"_:" not in seeds_files["graph.nt"]


def test_literals_follow_the_data_model_rules(seeds_files):
    languages, datatypes = set(), set()
    for triple in parse_oxigraph(seeds_files["graph.nt"], ox.RdfFormat.N_TRIPLES):
        obj = triple.object
        if not isinstance(obj, ox.Literal):
            continue
        if obj.language:
            languages.add(obj.language)
        else:
            datatypes.add(obj.datatype.value)
        if obj.datatype.value == XSD + "integer":
            assert str(int(obj.value)) == obj.value
        if obj.datatype.value == XSD + "date":
            assert len(obj.value) == 10 and obj.value[4] == obj.value[7] == "-"
    assert languages == {"ko", "en"}
    assert datatypes == {XSD + "string", XSD + "integer", XSD + "date"}
    assert b"XMLSchema#string" not in seeds_files["graph.nt"]
    assert b"dateTime" not in seeds_files["graph.nt"]


def test_one_commentary_literal_per_language_per_note(store):
    rows = select(
        store,
        """
        SELECT ?note (COUNT(?ko) AS ?k) WHERE {
          ?note a fabio:Comment ; schema:text ?ko . FILTER (LANGMATCHES(LANG(?ko), "ko"))
        } GROUP BY ?note HAVING (COUNT(?ko) > 1)""",
    )
    assert rows == []
    texts = select(
        store,
        """
        SELECT ?ko ?en WHERE {
          <https://w3id.org/papergraph/id/digest/2024-02-08/w-bfdf43b96e6e7738> schema:text ?ko .
          FILTER (LANG(?ko) = "ko")
          OPTIONAL { <https://w3id.org/papergraph/id/digest/2024-02-08/w-bfdf43b96e6e7738> schema:text ?en .
                     FILTER (LANG(?en) = "en") }
        }""",
    )
    assert len(texts) == 1
    ko, en = texts[0]
    assert ko.count("\n") == 2 and ko.startswith("LM-Infinite (https://arxiv.org/abs/2308.16137) 에서")
    assert ko.endswith("(https://arxiv.org/abs/2305.01625) 재미있네요.")
    assert en is None


def test_note_provenance_and_shape(store):
    note = f"{BASE}digest/2024-02-08/w-bfdf43b96e6e7738"
    rows = select(
        store,
        f"""
        SELECT ?digest ?file ?start ?end ?created ?creator ?topic WHERE {{
          <{note}> a fabio:Comment, prov:Entity ; dcterms:isPartOf ?digest ; prov:wasDerivedFrom ?digest ;
             pg:lineStart ?start ; pg:lineEnd ?end ; dcterms:created ?created ; dcterms:creator ?creator ;
             foaf:primaryTopic ?topic .
          ?digest pg:sourcePath ?file ; dcterms:hasPart <{note}> .
        }}""",
    )
    assert rows == [
        (
            f"{BASE}digest/2024-02-08",
            "000_763e0155731fdf89.txt",
            "2",
            "8",
            "2024-02-08",
            f"{BASE}person/curator",
            f"{BASE}work/bfdf43b96e6e7738",
        )
    ]


def test_digest_header_date_and_parts(store):
    rows = select(
        store,
        """
        SELECT ?d ?title ?issued (COUNT(?note) AS ?notes) WHERE {
          ?d a pg:Digest, prov:Entity ; dcterms:title ?title ; dcterms:issued ?issued ; dcterms:hasPart ?note .
          FILTER (LANGMATCHES(LANG(?title), "ko"))
        } GROUP BY ?d ?title ?issued ORDER BY ?issued""",
    )
    assert rows == [
        (f"{BASE}digest/2024-02-08", "2024년 2월 8일", "2024-02-08", "5"),
        (f"{BASE}digest/2024-05-22", "2024년 5월 22일", "2024-05-22", "6"),
        (f"{BASE}digest/2024-11-04", "2024년 11월 4일 (1)", "2024-11-04", "10"),
    ]


def test_items_are_typed_by_kind(store):
    rows = select(
        store,
        """
        SELECT ?title (GROUP_CONCAT(STR(?type); separator=" ") AS ?types) WHERE {
          ?note foaf:primaryTopic ?item . ?item a ?type ; dcterms:title ?title .
          FILTER NOT EXISTS { ?item a schema:ScholarlyArticle }
        } GROUP BY ?title ORDER BY ?title""",
    )
    types = {title: sorted(t.split()) for title, t in rows}
    assert types == {
        "Maximizing Training Throughput Using PyTorch FSDP and Torch.compile": [
            "http://purl.org/spar/fabio/BlogPost",
            "http://schema.org/BlogPosting",
            "http://schema.org/CreativeWork",
        ],
        "Phi-3": ["http://schema.org/CreativeWork", "https://w3id.org/fair4ml#MLModel"],
    }
    papers = select(
        store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?x foaf:primaryTopic ?p . ?p a schema:ScholarlyArticle }"
    )
    assert papers == [("19",)]


def test_cited_arxiv_papers_carry_their_id(store):
    rows = select(
        store,
        """
        SELECT ?p ?id ?ident WHERE {
          ?p a fabio:Preprint, schema:ScholarlyArticle ; fabio:hasArXivId ?id ; dcterms:identifier ?ident
          FILTER (STRSTARTS(?ident, "arXiv:"))
        } ORDER BY ?id""",
    )
    assert [r[1] for r in rows] == [
        "1907.01470",
        "2305.01625",
        "2308.16137",
        "2309.17453",
        "2310.12773",
        "2405.04434",
        "2405.05254",
    ]
    assert all(p == f"https://arxiv.org/abs/{i}" and ident == f"arXiv:{i}" for p, i, ident in rows)


def test_authorship_roles_keep_order_and_name_as_written(store):
    rows = select(
        store,
        f"""
        SELECT ?pos ?name ?person ?from WHERE {{
          ?role a pro:RoleInTime ; pro:withRole pro:author ;
                pro:relatesToDocument <{BASE}work/442add66ec0559cb> ;
                pro:isHeldBy ?person ; schema:position ?pos ; foaf:name ?name ; prov:wasDerivedFrom ?from .
          <{BASE}work/442add66ec0559cb> dcterms:creator ?person .
        }} ORDER BY ?pos""",
    )
    assert [(r[0], r[1]) for r in rows] == [
        ("1", "Michael Zhang"),
        ("2", "Kush Bhatia"),
        ("3", "Hermann Kumbong"),
        ("4", "Christopher Ré"),
    ]
    assert {r[3] for r in rows} == {f"{BASE}digest/2024-02-08/w-442add66ec0559cb"}
    roles = select(store, f"SELECT ?r WHERE {{ ?r pro:relatesToDocument <{BASE}work/442add66ec0559cb> }} ORDER BY ?r")
    assert [r[0] for r in roles] == [f"{BASE}authorship/w-442add66ec0559cb/{n}" for n in range(1, 5)]


def test_tags_are_skos_concepts_in_one_scheme_and_copied_onto_items(store):
    rows = select(
        store,
        """
        SELECT ?label ?notation ?scheme WHERE {
          ?t a skos:Concept ; skos:prefLabel ?label ; skos:notation ?notation ; skos:inScheme ?scheme
        } ORDER BY ?label""",
    )
    assert len(rows) == 17
    assert ("long-context", "#long-context", f"{BASE}tags") in rows
    assert {r[2] for r in rows} == {f"{BASE}tags"}
    copied = select(store, f"SELECT ?t WHERE {{ <{BASE}work/bfdf43b96e6e7738> dcterms:subject ?t }}")
    assert copied == [(f"{BASE}tag/long-context",)]


def test_web_links_are_citations_and_code_hosts_are_typed(store):
    rows = select(
        store,
        f"""
        SELECT ?c ?url ?line ?code WHERE {{
          ?c cito:hasCitingEntity <{BASE}digest/2024-05-22/w-20c17326dd33bf8e> ;
             cito:hasCitedEntity <https://github.com/Zoeyyao27/SirLLM> ; pg:sourceUrl ?url ; pg:line ?line .
          <{BASE}digest/2024-05-22/w-20c17326dd33bf8e> cito:cites <https://github.com/Zoeyyao27/SirLLM> .
          OPTIONAL {{ <https://github.com/Zoeyyao27/SirLLM> a ?code }}
        }}""",
    )
    assert rows == [
        (
            f"{BASE}digest/2024-05-22/w-20c17326dd33bf8e/cites/u-0361d3100908de77",
            "https://github.com/Zoeyyao27/SirLLM",
            "29",
            "http://schema.org/SoftwareSourceCode",
        )
    ]


def test_the_same_paper_cited_twice_in_a_note_gets_two_citations(store):
    rows = select(
        store,
        """
        SELECT ?c ?line WHERE { ?c cito:hasCitedEntity <https://arxiv.org/abs/1907.01470> ; pg:line ?line } ORDER BY ?line""",
    )
    note = f"{BASE}digest/2024-11-04/w-1264a3eaed202b52"
    assert rows == [(f"{note}/cites/arxiv-1907.01470", "17"), (f"{note}/cites/arxiv-1907.01470-2", "18")]


# ---------------------------------------------------------------- pinned seed answers


def test_most_cited_arxiv_paper_is_2305_01625_from_infllm_and_hedgehog(store):
    rows = select(
        store,
        """
        SELECT ?id (COUNT(DISTINCT ?note) AS ?n) WHERE {
          ?note cito:cites ?p . ?p fabio:hasArXivId ?id . FILTER NOT EXISTS { ?note foaf:primaryTopic ?p }
        } GROUP BY ?id ORDER BY DESC(?n) ?id LIMIT 2""",
    )
    assert rows == [("2305.01625", "2"), ("1907.01470", "1")]
    titles = select(
        store,
        """
        SELECT ?title WHERE { ?note cito:cites <https://arxiv.org/abs/2305.01625> ; foaf:primaryTopic ?w .
                              ?w dcterms:title ?title } ORDER BY ?title""",
    )
    assert [t[0] for t in titles] == [
        "InfLLM: Unveiling the Intrinsic Capacity of LLMs for Understanding Extremely Long Sequences with "
        "Training-Free Memory",
        "The Hedgehog & the Porcupine: Expressive Linear Attentions with Softmax Mimicry",
    ]


def test_long_context_is_on_four_notes(store):
    rows = select(
        store,
        """
        SELECT (COUNT(DISTINCT ?note) AS ?n) WHERE {
          ?note a fabio:Comment ; dcterms:subject ?t . ?t skos:prefLabel "long-context" }""",
    )
    assert rows == [("4",)]


def test_143_agents_of_which_2_organisations(store):
    rows = select(
        store,
        """
        SELECT ?kind (COUNT(DISTINCT ?a) AS ?n) WHERE {
          ?w a schema:CreativeWork ; dcterms:creator ?a . ?a a ?kind } GROUP BY ?kind ORDER BY ?kind""",
    )
    assert rows == [("http://xmlns.com/foaf/0.1/Organization", "2"), ("http://xmlns.com/foaf/0.1/Person", "141")]
    names = select(store, "SELECT ?name WHERE { ?o a foaf:Organization ; foaf:name ?name } ORDER BY ?name")
    assert names == [("Team PyTorch at IBM",), ("Team PyTorch at Meta",)]


# ---------------------------------------------------------------- base IRI


def test_base_iri_is_configurable(seeds_graph):
    files, _ = export(seeds_graph, "https://example.org/kg")
    triples = parse_oxigraph(files["graph.nt"], ox.RdfFormat.N_TRIPLES)
    subjects = {t.subject.value for t in triples}
    assert "https://example.org/kg/digest/2024-02-08" in subjects
    assert "https://example.org/kg/person/curator" in subjects
    assert not any(s.startswith(BASE) for s in subjects)
    assert b"@base <https://example.org/kg/> .\n" in files["graph.ttl"]
    assert parse_oxigraph(files["graph.ttl"], ox.RdfFormat.TURTLE) == triples


def test_a_base_that_is_not_an_iri_is_an_export_error(seeds_graph):
    with pytest.raises(ExportError) as error:
        to_rdf(seeds_graph, base_iri="not a base")
    assert str(error.value) == (
        "--base-iri 'not a base': not an absolute IRI; give one such as https://w3id.org/papergraph/id/"
    )


# ---------------------------------------------------------------- hostile input


def test_hostile_urls_tags_and_names_make_iris_every_parser_accepts():
    _, _, G = load_graph([HOSTILE])
    files, ctx = export(G)
    assert ctx.diagnostics == []
    turtle = parse_oxigraph(files["graph.ttl"], ox.RdfFormat.TURTLE)
    assert turtle == parse_oxigraph(files["graph.nt"], ox.RdfFormat.N_TRIPLES)
    assert turtle == parse_oxigraph(files["graph.jsonld"], ox.RdfFormat.JSON_LD)
    assert isomorphic(
        rdflib.Graph().parse(data=files["graph.ttl"], format="turtle"),
        rdflib.Graph().parse(data=files["graph.jsonld"], format="json-ld"),
    )
    iris = {x.value for t in turtle for x in (t.subject, t.object) if isinstance(x, ox.NamedNode)}
    assert {
        "https://de.wikipedia.org/wiki/Stra%C3%9Fe_(Berlin)",
        "https://github.com/a/b%7Cc%5Ed",
        # URLs as written, only percent-encoded (issue 19: no trailing slash or case stripped)
        "https://example.com/100%25/x%25zz/",
        "https://example.com/%2E/a/%2E%2E/b",
        "http://Example.COM/Path/",
        "https://example.org/papers/%C3%BCn%C3%AF%22code%22%7Bx%7D%7Cy.pdf",
        f"{BASE}tag/%ED%95%9C%EA%B5%AD%EC%96%B4-%ED%83%9C%EA%B7%B8",
        f"{BASE}tag/c%2B%2B",
        f"{BASE}tag/a%2Fb",
        f"{BASE}tag/%2E",
    } <= iris
    assert all(iri.isascii() for iri in iris)
    # the URL as written stays a literal; the version moves to the citation
    rows = {
        (t.predicate.value.rsplit("#", 1)[-1], t.object.value)
        for t in turtle
        if t.subject.value.endswith("/cites/arxiv-2309.17453")
    }
    assert ("sourceUrl", "https://arxiv.org/pdf/2309.17453v4.pdf") in rows
    assert ("arxivVersion", "4") in rows


def test_web_iri_percent_encodes_what_strict_parsers_reject():
    assert web_iri('https://example.org/a b/"q"/<x>{y}') == "https://example.org/a%20b/%22q%22/%3Cx%3E%7By%7D"
    assert web_iri("https://example.org/%e2%80%93x%") == "https://example.org/%E2%80%93x%25"
    assert web_iri("https://Ünï.example/ü?q=a b") == "https://%C3%9Cn%C3%AF.example/%C3%BC?q=a%20b"  # as written
    assert web_iri("https://") is None


def _hand_built_graph() -> nx.MultiDiGraph:
    """A graph with what the readers never produce today: control characters,
    a lone surrogate, spaces in URLs, a Hangul anchor text, a vault note and a wiki link."""
    G = nx.MultiDiGraph()
    G.add_node(
        "digest:d",
        kind="digest",
        label="d",
        key="2024-01-02",
        date="2024-01-02",
        part=None,
        path="digests/d.txt",
        header="2024년 1월 2일",
        header_line=1,
    )
    G.add_node(
        "note:2024-01-02/arxiv-2401.00001",
        kind="note",
        label="T",
        key="2024-01-02/arxiv-2401.00001",
        title="T",
        date="2024-01-02",
        path="digests/d.txt",
        line_start=2,
        line_end=5,
        commentary_ko=["첫 줄\x07 벨", "둘째 \ud800줄"],
        commentary_en=["plain\x0b text"],
        tags=["#x"],
        source_kind="digest",
        digest="digest:d",
    )
    G.add_node(
        "work:arxiv-2401.00001",
        kind="item",
        label="T",
        key="arxiv-2401.00001",
        item_type="paper",
        title="T\x00itle",
        arxiv_id="2401.00001",
        abstract="초록 요약",
        url=None,
        urls=["https://arxiv.org/abs/2401.00001v2", "https://example.org/a page"],
        dates=["2024-01-02"],
        date="2024-01-02",
        authors=[],
    )
    G.add_node(
        "work:arxiv-2402.00002",
        kind="arxiv",
        label="arXiv:2402.00002",
        key="arxiv-2402.00002",
        arxiv_id="2402.00002",
        anchors=["딥시크 V2의 MLA"],
        url="https://arxiv.org/abs/2402.00002",
    )
    G.add_node(
        "link:h",
        kind="link",
        label="u",
        key="0123456789abcdef",
        url='https://example.org/a "b" c',
        normalized='https://example.org/a "b" c',
        host="example.org",
        is_code=False,
    )
    G.add_node("tag:x", kind="tag", label="x", key="x", spellings=["#x", "#X"])
    G.add_node(
        "note:vault/0f0f0f0f0f0f0f0f",
        kind="note",
        label="V",
        key="vault/0f0f0f0f0f0f0f0f",
        title="V",
        date=None,
        path="arXiv/2024/V.md",
        line_start=1,
        line_end=3,
        commentary_ko=[],
        commentary_en=[],
        tags=[],
        source_kind="vault",
        digest=None,
    )
    n = "note:2024-01-02/arxiv-2401.00001"
    G.add_edge("digest:d", n, key="contains", kind="contains", position=1)
    G.add_edge(n, "work:arxiv-2401.00001", key="about", kind="about")
    G.add_edge(n, "tag:x", key="tagged", kind="tagged", spelling="#x")
    G.add_edge(
        n,
        "work:arxiv-2402.00002",
        key="cites:4:0",
        kind="cites",
        line=4,
        label="딥시크 V2의 MLA",
        url="https://arxiv.org/pdf/2402.00002v3",
        version=3,
    )
    G.add_edge(n, "link:h", key="links_to:5:x", kind="links_to", line=5, url='https://example.org/a "b" c')
    G.add_edge("note:vault/0f0f0f0f0f0f0f0f", "work:arxiv-2401.00001", key="about", kind="about")
    G.add_edge(
        "note:vault/0f0f0f0f0f0f0f0f",
        "work:arxiv-2402.00002",
        key="wiki_links:2:0",
        kind="wiki_links",
        line=2,
        target="DeepSeek V2",
    )
    return G


def test_characters_rdf_cannot_carry_are_stripped_with_a_diagnostic():
    files, ctx = export(_hand_built_graph())
    assert [str(d) for d in ctx.diagnostics] == [
        "digests/d.txt:2: ko commentary: removed characters RDF cannot carry (U+0007, U+D800)",
        "digests/d.txt:2: en commentary: removed characters RDF cannot carry (U+000B)",
        "digests/d.txt:2: title: removed characters RDF cannot carry (U+0000)",
    ]
    assert {d.code for d in ctx.diagnostics} == {"rdf-character"}
    triples = parse_oxigraph(files["graph.ttl"], ox.RdfFormat.TURTLE)
    texts = {t.object.value for t in triples if t.predicate.value == "http://schema.org/text"}
    assert texts == {"첫 줄 벨\n둘째 줄", "plain text"}
    assert parse_oxigraph(files["graph.jsonld"], ox.RdfFormat.JSON_LD) == triples
    assert rdflib.Graph().parse(data=files["graph.jsonld"], format="json-ld").__len__() == len(triples)


def test_hangul_anchor_text_is_ko_and_spaces_in_links_are_encoded():
    rdf = to_rdf(_hand_built_graph())
    nt = generate_ntriples(rdf).decode("utf-8")
    note = f"{BASE}digest/2024-01-02/arxiv-2401.00001"
    assert f'<{note}/cites/arxiv-2402.00002> <http://www.w3.org/2000/01/rdf-schema#label> "딥시크 V2의 MLA"@ko .' in nt
    assert f"<{note}> <http://purl.org/spar/cito/cites> <https://example.org/a%20%22b%22%20c> ." in nt
    assert (
        f'<{note}/cites/u-0123456789abcdef> <https://w3id.org/papergraph/ns#sourceUrl> "https://example.org/a \\"b\\" c" .'
        in nt
    )
    # the item's own arXiv URL line is its IRI, not a foaf:page; the other URL line is
    assert "<https://arxiv.org/abs/2401.00001> <http://xmlns.com/foaf/0.1/page> <https://example.org/a%20page> ." in nt
    assert nt.count("<http://xmlns.com/foaf/0.1/page>") == 1
    assert '<https://arxiv.org/abs/2401.00001> <http://purl.org/dc/terms/abstract> "초록 요약"@ko .' in nt
    assert f'<{BASE}tag/x> <http://www.w3.org/2004/02/skos/core#altLabel> "X" .' in nt


def test_vault_notes_and_wiki_links():
    nt = generate_ntriples(to_rdf(_hand_built_graph())).decode("utf-8")
    vault = f"{BASE}vault/0f0f0f0f0f0f0f0f"
    lines = sorted(line for line in nt.splitlines() if line.startswith(f"<{vault}"))
    assert lines == sorted(
        [
            f"<{vault}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/papergraph/ns#VaultNote> .",
            f"<{vault}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://purl.org/spar/fabio/Comment> .",
            f"<{vault}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/prov#Entity> .",
            f'<{vault}> <https://w3id.org/papergraph/ns#sourcePath> "arXiv/2024/V.md" .',
            f'<{vault}> <https://w3id.org/papergraph/ns#lineStart> "1"^^<{XSD}integer> .',
            f'<{vault}> <https://w3id.org/papergraph/ns#lineEnd> "3"^^<{XSD}integer> .',
            f"<{vault}> <http://purl.org/dc/terms/creator> <{BASE}person/curator> .",
            f"<{vault}> <http://xmlns.com/foaf/0.1/primaryTopic> <https://arxiv.org/abs/2401.00001> .",
            f'<{vault}> <http://www.w3.org/2000/01/rdf-schema#label> "note: Title" .',
            f"<{vault}> <http://purl.org/spar/cito/cites> <https://arxiv.org/abs/2402.00002> .",
            f"<{vault}/cites/arxiv-2402.00002> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://purl.org/spar/cito/Citation> .",
            f"<{vault}/cites/arxiv-2402.00002> <http://purl.org/spar/cito/hasCitingEntity> <{vault}> .",
            f"<{vault}/cites/arxiv-2402.00002> <http://purl.org/spar/cito/hasCitedEntity> <https://arxiv.org/abs/2402.00002> .",
            f"<{vault}/cites/arxiv-2402.00002> <http://purl.org/spar/cito/hasCitationCharacterization> <http://purl.org/spar/cito/linksTo> .",
            f'<{vault}/cites/arxiv-2402.00002> <http://www.w3.org/2000/01/rdf-schema#label> "DeepSeek V2" .',
            f'<{vault}/cites/arxiv-2402.00002> <https://w3id.org/papergraph/ns#line> "2"^^<{XSD}integer> .',
        ]
    )


def test_jsonld_uses_the_prefixes_as_context(seeds_files):
    document = json.loads(seeds_files["graph.jsonld"])
    assert document["@context"]["arxiv"] == "https://arxiv.org/abs/"
    assert document["@context"]["pgid"] == BASE
    first = document["@graph"][0]
    assert first == {
        "@id": "person:curator",
        "@type": "foaf:Person",
        "foaf:name": "curator",
        "rdfs:label": "curator",
        "rdfs:comment": {"@value": "The researcher who wrote the digests and notes.", "@language": "en"},
    }


def test_the_whole_sample_corpus_parses_in_pyoxigraph(corpus_digests, tmp_path):
    _, _, G = load_graph([corpus_digests])
    files, ctx = export(G)
    assert ctx.diagnostics == []
    turtle = parse_oxigraph(files["graph.ttl"], ox.RdfFormat.TURTLE)
    # issue 19: two non-repository links are no longer code, and items with
    # their own report PDF, a data set and a video are no longer ML models
    assert len(turtle) == 81216
    assert turtle == parse_oxigraph(files["graph.nt"], ox.RdfFormat.N_TRIPLES)
    assert turtle == parse_oxigraph(files["graph.jsonld"], ox.RdfFormat.JSON_LD)


def test_vocabulary_is_shipped_in_the_package():
    from importlib import resources

    shipped = resources.files("papergraph").joinpath("papergraph.ttl").read_bytes()
    assert shipped.startswith(b"# The papergraph vocabulary (pg:)")
    assert Path(__file__).parent.parent.joinpath("src/papergraph/papergraph.ttl").read_bytes() == shipped


def test_the_sample_vault_exports_vault_notes_and_wiki_links():
    _, _, G = load_graph([DATA / "corpus" / "vault"])
    files, ctx = export(G)
    assert ctx.diagnostics == []
    store = ox.Store()
    store.load(files["graph.ttl"], format=ox.RdfFormat.TURTLE)
    assert parse_oxigraph(files["graph.jsonld"], ox.RdfFormat.JSON_LD) == set(
        parse_oxigraph(files["graph.ttl"], ox.RdfFormat.TURTLE)
    )
    counts = select(
        store,
        """
        SELECT (COUNT(DISTINCT ?v) AS ?vault) (COUNT(DISTINCT ?d) AS ?digests) (COUNT(DISTINCT ?f) AS ?files) WHERE {
          { ?v a pg:VaultNote, fabio:Comment, prov:Entity ; pg:sourcePath ?f ; foaf:primaryTopic ?w }
          UNION { ?d a pg:Digest }
        }""",
    )
    assert counts == [("774", "0", "774")]
    wiki = select(
        store,
        """
        SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {
          ?c a cito:Citation ; cito:hasCitingEntity ?v ; cito:hasCitedEntity ?w ; rdfs:label ?label .
          ?v a pg:VaultNote . ?w a schema:CreativeWork . ?anyNote foaf:primaryTopic ?w .
          FILTER NOT EXISTS { ?c pg:sourceUrl ?url }
        }""",
    )
    assert wiki == [("126",)]
    iris = select(store, "SELECT ?v WHERE { ?v a pg:VaultNote } ORDER BY ?v LIMIT 1")
    assert iris[0][0].startswith(f"{BASE}vault/") and len(iris[0][0]) == len(BASE) + len("vault/") + 16


# ---------------------------------------------------------------- labels, DOIs, dataset description


def test_every_node_has_an_rdfs_label(store, tmp_path):
    built = ox.Store()  # a build also has the analysis stage's topic communities
    build([SEEDS], tmp_path, formats=["rdf"])
    built.bulk_load(path=str(tmp_path / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    for data in (store, built):
        assert _unlabelled(data) == []
    labels = dict(
        select(
            store,
            """SELECT ?node ?label WHERE {
              VALUES ?node { <https://arxiv.org/abs/2305.01625> <https://w3id.org/papergraph/id/tag/long-context>
                             <https://w3id.org/papergraph/id/digest/2024-02-08> }
              ?node rdfs:label ?label }""",
        )
    )
    assert labels == {
        "https://arxiv.org/abs/2305.01625": "arXiv:2305.01625",
        "https://w3id.org/papergraph/id/tag/long-context": "long-context",
        "https://w3id.org/papergraph/id/digest/2024-02-08": "2024년 2월 8일",
    }


def _unlabelled(store: ox.Store) -> list[tuple]:
    return select(
        store,
        """
        SELECT ?node WHERE {
          { ?node a ?cls } UNION { ?x cito:cites ?node }
          FILTER NOT EXISTS { ?node a pro:RoleInTime }
          FILTER NOT EXISTS { ?node a cito:Citation }
          FILTER NOT EXISTS { ?node rdfs:label ?label }
        }""",
    )


def test_arxiv_papers_carry_their_datacite_doi(store):
    rows = select(
        store,
        """SELECT ?doi ?same WHERE {
          <https://arxiv.org/abs/2305.01625> dcterms:identifier ?doi ; schema:sameAs ?same
          FILTER (STRSTARTS(?doi, "doi:")) }""",
    )
    assert rows == [("doi:10.48550/arXiv.2305.01625", "https://doi.org/10.48550/arXiv.2305.01625")]


def test_a_build_describes_itself_without_clock_time(tmp_path):
    licence = "https://creativecommons.org/licenses/by/4.0/"
    build([SEEDS], tmp_path / "a", formats=["rdf"], license=licence)
    store = ox.Store()
    store.bulk_load(path=str(tmp_path / "a" / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    void = "http://rdfs.org/ns/void#"
    rows = [
        tuple(term.value for term in row)
        for row in store.query(
            f"""SELECT ?title ?triples ?license ?version ?name ?hash WHERE {{
              <{BASE}dataset> a <{void}Dataset>, <http://www.w3.org/ns/dcat#Dataset> ;
                <http://purl.org/dc/terms/title> ?title ; <{void}triples> ?triples ;
                <http://purl.org/dc/terms/license> ?license ;
                <https://w3id.org/papergraph/ns#papergraphVersion> ?version ;
                <http://www.w3.org/ns/prov#wasDerivedFrom> ?source .
              ?source <http://www.w3.org/2000/01/rdf-schema#label> ?name ;
                <https://w3id.org/papergraph/ns#contentHash> ?hash }}"""
        )
    ]
    (sources,) = [source_hashes([SEEDS], read_inputs(find_inputs([SEEDS])[0]))]
    assert rows == [
        ("papergraph knowledge graph", "2402", licence, __version__, "seeds", f"sha256:{sources[0].sha256}")
    ]
    total = len(store)
    described = len(list(store.quads_for_pattern(ox.NamedNode(f"{BASE}dataset"), None, None)))
    assert total == 2402 + described + 4  # the data, the description, and the source's 4 triples
    vocabularies = {row[0].value for row in store.query(f"SELECT ?v WHERE {{ <{BASE}dataset> <{void}vocabulary> ?v }}")}
    assert {"http://purl.org/dc/terms/", "http://purl.org/spar/cito/", "https://w3id.org/papergraph/ns"} <= vocabularies


# ----------------------------------------------- issue 19: one note per note


def test_digests_and_vault_together_export_one_note_per_note_with_both_sources():
    _, _, G = load_graph([DATA / "corpus" / "digests", DATA / "corpus" / "vault"])
    files, ctx = export(G)
    assert ctx.diagnostics == []
    store = ox.Store()
    store.load(files["graph.ttl"], format=ox.RdfFormat.TURTLE)
    # 774 digest entries written from 774 vault notes: 774 notes, every one derived from both files
    counts = select(
        store,
        """
        SELECT (COUNT(DISTINCT ?n) AS ?notes) (COUNT(DISTINCT ?r) AS ?records) WHERE {
          ?n a fabio:Comment .
          OPTIONAL { ?n prov:wasDerivedFrom ?r . ?r pg:sourcePath ?p ; pg:lineStart ?s ; pg:lineEnd ?e .
                     FILTER STRSTARTS(?p, "arXiv/") }
        }""",
    )
    assert counts == [("774", "774")]
    per_tag = select(
        store,
        """
        SELECT (COUNT(DISTINCT ?n) AS ?notes) WHERE { ?n a fabio:Comment ; dcterms:subject ?t . ?t skos:prefLabel "llm" }""",
    )
    digests_only = select(
        _store(export(load_graph([DATA / "corpus" / "digests"])[2])[0]),
        """
        SELECT (COUNT(DISTINCT ?n) AS ?notes) WHERE { ?n a fabio:Comment ; dcterms:subject ?t . ?t skos:prefLabel "llm" }""",
    )
    assert per_tag == digests_only  # a vault note adds no second note to the count
    # the LoRA-FA note: its wiki-link's line is in the vault note, which the citation derives from
    rows = select(
        store,
        """
        SELECT ?path ?start ?end ?line WHERE {
          ?n prov:wasDerivedFrom ?r . ?r pg:sourcePath ?path ; pg:lineStart ?start ; pg:lineEnd ?end .
          FILTER (?path = "arXiv/2023/230807 LoRA-FA.md")
          ?c cito:hasCitingEntity ?n ; prov:wasDerivedFrom ?r ; pg:line ?line .
        }""",
    )
    assert rows == [("arXiv/2023/230807 LoRA-FA.md", "1", "9", "7")]
    # CQ09 names the one file a citation's line is in, not every file of its note
    query = named_queries()["cq09_provenance_of_a_link"].bind({"arxiv": "2310.00426"})  # PixArt-α
    cq09 = [(row["file"].value, row["line"].value) for row in store.query(query)]
    assert cq09 == [("2023/2023-10-06.txt", "31")]


def _store(files: dict[str, bytes]) -> ox.Store:
    store = ox.Store()
    store.load(files["graph.ttl"], format=ox.RdfFormat.TURTLE)
    return store


def test_code_is_a_repository_root_pages_are_not_other_papers_and_urls_stay_as_written():
    digest = (
        "2024년 3월 8일\nRoot Repositories\n(Ada Lovelace)\n"
        "코드 https://github.com/org/repo/ 와 이슈 https://github.com/org/repo/issues/3 그리고 "
        "https://github.com/org/repo/blob/main/paper.pdf 참고.\n#code\n"
        "Two Links Entry\nhttps://arxiv.org/abs/2401.00001\nhttps://acme.example.com/post/\n메모.\n#x\n"
    )

    document, diagnostics = parse_digest(digest, path="2024-03-08.txt")
    G = build_graph(link_corpus(Corpus((document,), tuple(diagnostics))))
    store = _store(export(G)[0])
    code = select(store, "SELECT ?c WHERE { ?c a schema:SoftwareSourceCode }")
    assert code == [("https://github.com/org/repo/",)]
    pages = select(store, "SELECT ?p WHERE { ?w foaf:page ?p } ORDER BY ?p")
    assert pages == [("https://acme.example.com/post/",)]
