"""`papergraph query` and the named queries, on both engines, with exact output."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import SEEDS
from papergraph.build import build
from papergraph.cli import cli
from papergraph.errors import InputError, QueryError
from papergraph.query import (
    ENGINES,
    Dataset,
    Parameter,
    QueryResult,
    Term,
    execute,
    find_named_query,
    format_result,
    named_queries,
    open_dataset,
    parse_parameters,
    show_query,
)

BASE = "https://w3id.org/papergraph/id/"
COMPETENCY = [f"cq{n:02d}" for n in range(1, 16)]


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    build([SEEDS], folder, formats=["rdf"])
    return folder


@pytest.fixture(scope="module")
def datasets(export_dir):
    return {engine: open_dataset(export_dir / "graph.ttl", engine) for engine in ENGINES}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def values(result: QueryResult) -> list[tuple[str | None, ...]]:
    return [tuple(None if t is None else t.value for t in row) for row in result.rows]


# ---------------------------------------------------------------- named queries


def test_the_fifteen_competency_queries_and_the_extras_are_shipped():
    queries = named_queries()
    assert [q.short_name for q in queries.values() if q.name.startswith("cq")] == COMPETENCY
    assert [name for name in queries if not name.startswith("cq")] == [
        "authors_by_kind",
        "notes_index",
        "overview",
        "prolific_authors",
        "tags_by_notes",
        "topics",
        "web_links",
    ]
    for query in queries.values():
        assert query.description and "\n" not in query.description
    assert find_named_query("cq03").name == "cq03_most_cross_referenced_arxiv"
    assert find_named_query("cq03").description == (
        "Which arXiv papers do my notes link to most often (excluding a note's own subject)?"
    )


@pytest.mark.parametrize("name", list(named_queries()))
def test_every_named_query_runs_on_the_seeds_and_both_engines_agree(datasets, name):
    text = named_queries()[name].bind()
    oxigraph, rdflib_result = (datasets[engine].query(text) for engine in ENGINES)
    assert oxigraph.form == rdflib_result.form
    assert oxigraph.variables == rdflib_result.variables
    assert oxigraph.boolean == rdflib_result.boolean
    assert sorted(map(str, oxigraph.rows)) == sorted(map(str, rdflib_result.rows))
    assert sorted(map(str, oxigraph.triples)) == sorted(map(str, rdflib_result.triples))


# Rows (or triples) each named query returns on the seeds.
SEED_SIZES = {
    "cq01": 3,
    "cq02": 8,
    "cq03": 7,
    "cq04": 6,
    "cq05": 2,
    "cq06": 143,
    "cq07": 143,
    "cq08": 1,
    "cq09": 1,
    "cq10": 3,
    "cq11": 7,
    "cq12": 19,
    "cq13": 21,
    "cq15": 15,
    "authors_by_kind": 2,
    "notes_index": 21,
    "overview": 1,
    "prolific_authors": 20,
    "tags_by_notes": 17,
    "topics": 15,
    "web_links": 7,
}


@pytest.mark.parametrize("name", sorted(SEED_SIZES))
def test_named_query_sizes_on_the_seeds(datasets, name):
    result = datasets["oxigraph"].query(find_named_query(name).bind())
    assert len(result.rows) + len(result.triples) == SEED_SIZES[name]


def test_cq03_most_cited_is_2305_01625(datasets):
    result = datasets["oxigraph"].query(find_named_query("cq03").bind())
    assert result.variables == ("paper", "arxivId", "citingNotes")
    assert values(result)[0] == ("https://arxiv.org/abs/2305.01625", "2305.01625", "2")
    assert all(row[2] == "1" for row in values(result)[1:])


def test_cq11_lists_each_of_the_seven_cited_but_never_noted_papers(datasets):
    rows = values(datasets["oxigraph"].query(find_named_query("cq11").bind()))
    assert rows == [
        ("https://arxiv.org/abs/1907.01470", "1907.01470", "", "", "2"),
        ("https://arxiv.org/abs/2305.01625", "2305.01625", "", "", "2"),
        ("https://arxiv.org/abs/2308.16137", "2308.16137", "", "LM-Infinite", "1"),
        ("https://arxiv.org/abs/2309.17453", "2309.17453", "", "Streaming LLM", "1"),
        ("https://arxiv.org/abs/2310.12773", "2310.12773", "", "Safe RLHF", "1"),
        ("https://arxiv.org/abs/2405.04434", "2405.04434", "", "MLA", "1"),
        ("https://arxiv.org/abs/2405.05254", "2405.05254", "", "", "1"),
    ]


def test_cq14_has_no_versioned_ids(datasets):
    assert datasets["oxigraph"].query(find_named_query("cq14").bind()) == QueryResult("ask", boolean=False)


def test_extras_answer_the_seed_facts(datasets):
    data = datasets["oxigraph"]
    assert values(data.query(find_named_query("authors_by_kind").bind())) == [
        ("http://xmlns.com/foaf/0.1/Organization", "2"),
        ("http://xmlns.com/foaf/0.1/Person", "141"),
    ]
    assert values(data.query(find_named_query("tags_by_notes").bind()))[0] == ("long-context", "4")
    assert values(data.query(find_named_query("overview").bind())) == [("3", "21", "21", "7", "143", "17", "16")]


def test_digests_give_the_same_answers_as_the_export(datasets):
    direct = open_dataset(SEEDS)
    for name in ("cq03", "cq11", "overview", "notes_index"):
        text = find_named_query(name).bind()
        assert direct.query(text) == datasets["oxigraph"].query(text)


@pytest.mark.parametrize("suffix", ["nt", "jsonld"])
def test_ntriples_and_jsonld_exports_can_be_queried(export_dir, datasets, suffix):
    data = open_dataset(export_dir / f"graph.{suffix}")
    text = find_named_query("cq11").bind()
    assert data.query(text) == datasets["oxigraph"].query(text)


# ---------------------------------------------------------------- errors


def test_syntax_error_has_line_and_column(datasets):
    with pytest.raises(QueryError) as error:
        datasets["oxigraph"].query("SELECT ?x WHERE {\n  ?x dcterms:title ?t\n  FILTER (?t = ) }")
    # pyoxigraph reports where its parser gave up: here the end of the query, after the bad ")"
    assert error.value.line == 3 and 16 <= error.value.column <= 19
    assert str(error.value).startswith(f"3:{error.value.column}: expected one of ")


def test_unknown_prefix_points_at_it_on_both_engines(datasets):
    for engine in ENGINES:
        with pytest.raises(QueryError) as error:
            datasets[engine].query("SELECT ?x WHERE {\n  ?x foo:bar ?y }")
        assert str(error.value) == "2:6: unknown prefix 'foo:'; declare it with PREFIX foo: <...>", engine


def test_missing_or_unknown_sources_are_input_errors(tmp_path):
    with pytest.raises(InputError) as error:
        open_dataset(tmp_path / "graph.ttl")
    assert str(error.value) == f"{(tmp_path / 'graph.ttl').as_posix()}: no such file; run papergraph build first"
    (tmp_path / "data.csv").write_text("a,b\n")
    with pytest.raises(InputError) as error:
        open_dataset(tmp_path / "data.csv")
    assert "not an RDF export (.ttl, .nt, .jsonld, .trig) nor digests" in str(error.value)
    (tmp_path / "broken.ttl").write_text("<a> <b> .\n")
    with pytest.raises(InputError) as error:
        open_dataset(tmp_path / "broken.ttl")
    assert str(error.value).startswith(f"{(tmp_path / 'broken.ttl').as_posix()}: not valid RDF: ")


def test_a_file_query_error_names_the_file(tmp_path, export_dir):
    query = tmp_path / "bad.rq"
    query.write_text("SELECT ?x WHERE {\n  ?x nope:p ?y }\n", encoding="utf-8")
    with pytest.raises(QueryError) as error:
        execute(export_dir / "graph.ttl", file=query)
    assert str(error.value) == f"{query.as_posix()}:2:6: unknown prefix 'nope:'; declare it with PREFIX nope: <...>"


# ---------------------------------------------------------------- formats


def test_formats_of_a_select_result():
    result = QueryResult(
        "select",
        ("paper", "label", "n"),
        (
            (
                Term("uri", "https://arxiv.org/abs/2305.01625"),
                Term("literal", "MLA 구조", "ko"),
                Term("literal", "2", None, "http://www.w3.org/2001/XMLSchema#integer"),
            ),
            (Term("uri", "https://arxiv.org/abs/hep-th/9711200"), None, Term("literal", 'a "b"\tc')),
        ),
    )
    assert format_result(result) == (
        "paper                                 label     n\n"
        "------------------------------------  --------  -------\n"
        "arxiv:2305.01625                      MLA 구조  2\n"
        'https://arxiv.org/abs/hep-th/9711200            a "b" c\n'
        "(2 rows)\n"
    )
    assert format_result(result, "csv") == (
        "paper,label,n\r\n"
        "https://arxiv.org/abs/2305.01625,MLA 구조,2\r\n"
        'https://arxiv.org/abs/hep-th/9711200,,"a ""b""\tc"\r\n'
    )
    assert format_result(result, "tsv") == (
        "?paper\t?label\t?n\n"
        '<https://arxiv.org/abs/2305.01625>\t"MLA 구조"@ko\t2\n'
        '<https://arxiv.org/abs/hep-th/9711200>\t\t"a \\"b\\"\\tc"\n'
    )
    assert json.loads(format_result(result, "json")) == {
        "head": {"vars": ["paper", "label", "n"]},
        "results": {
            "bindings": [
                {
                    "paper": {"type": "uri", "value": "https://arxiv.org/abs/2305.01625"},
                    "label": {"type": "literal", "value": "MLA 구조", "xml:lang": "ko"},
                    "n": {"type": "literal", "value": "2", "datatype": "http://www.w3.org/2001/XMLSchema#integer"},
                },
                {
                    "paper": {"type": "uri", "value": "https://arxiv.org/abs/hep-th/9711200"},
                    "n": {"type": "literal", "value": 'a "b"\tc'},
                },
            ]
        },
    }


def test_wide_characters_are_aligned_and_long_text_is_clipped():
    result = QueryResult(
        "select",
        ("t", "x"),
        ((Term("literal", "가" * 50), Term("literal", "1")), (Term("literal", "ab"), Term("literal", "2"))),
    )
    lines = format_result(result).splitlines()
    assert lines[2] == "가" * 39 + "…  1"
    assert lines[3] == "ab" + " " * 77 + "  2"


# ---------------------------------------------------------------- CLI


def test_cli_named_query_prints_an_aligned_table(runner, export_dir):
    result = runner.invoke(cli, ["query", str(export_dir / "graph.ttl"), "--name", "cq03"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "paper             arxivId     citingNotes\n"
        "----------------  ----------  -----------\n"
        "arxiv:2305.01625  2305.01625  2\n"
        "arxiv:1907.01470  1907.01470  1\n"
        "arxiv:2308.16137  2308.16137  1\n"
        "arxiv:2309.17453  2309.17453  1\n"
        "arxiv:2310.12773  2310.12773  1\n"
        "arxiv:2405.04434  2405.04434  1\n"
        "arxiv:2405.05254  2405.05254  1\n"
        "(7 rows)\n"
    )


def test_cli_default_graph_is_output_graph_ttl(runner, export_dir):
    with runner.isolated_filesystem():
        Path("output").mkdir()
        Path("output/graph.ttl").write_bytes((export_dir / "graph.ttl").read_bytes())
        result = runner.invoke(cli, ["query", "SELECT (COUNT(*) AS ?n) WHERE { ?d a pg:Digest }", "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout_bytes == b"n\r\n3\r\n"


def test_cli_sparql_on_digests_with_the_rdflib_engine(runner):
    query = "SELECT ?name WHERE { ?o a foaf:Organization ; foaf:name ?name } ORDER BY ?name"
    result = runner.invoke(cli, ["query", str(SEEDS), query, "--engine", "rdflib", "--format", "tsv"])
    assert result.exit_code == 0
    assert result.output == '?name\n"Team PyTorch at IBM"\n"Team PyTorch at Meta"\n'


def test_cli_ask_prints_true_or_false_and_json_boolean(runner, export_dir):
    graph = str(export_dir / "graph.ttl")
    assert runner.invoke(cli, ["query", graph, "-n", "cq14"]).output == "false\n"
    assert runner.invoke(cli, ["query", graph, 'ASK { ?p fabio:hasArXivId "2305.01625" }']).output == "true\n"
    result = runner.invoke(cli, ["query", graph, "-n", "cq14", "-f", "json"])
    assert json.loads(result.output) == {"head": {}, "boolean": False}


def test_cli_construct_prints_turtle(runner, export_dir):
    result = runner.invoke(cli, ["query", str(export_dir / "graph.ttl"), "-n", "cq15"])
    assert result.exit_code == 0
    triples = list(ox.parse(result.output.encode("utf-8"), format=ox.RdfFormat.TURTLE))
    assert len(triples) == 15
    assert {t.predicate.value for t in triples} == {"https://w3id.org/papergraph/ns#linksInNoteTo"}
    assert (
        f"<{BASE}work/bfdf43b96e6e7738> pg:linksInNoteTo arxiv:2308.16137, arxiv:2305.01625 .\n" in result.output
    ) or (f"<{BASE}work/bfdf43b96e6e7738> pg:linksInNoteTo arxiv:2305.01625, arxiv:2308.16137 .\n" in result.output)


def test_cli_query_file(runner, export_dir, tmp_path):
    query = tmp_path / "digests.rq"
    query.write_text("SELECT ?d WHERE { ?x a pg:Digest ; dcterms:issued ?d } ORDER BY ?d\n", encoding="utf-8")
    result = runner.invoke(cli, ["query", str(export_dir / "graph.ttl"), "--file", str(query)])
    assert result.output == "d\n----------\n2024-02-08\n2024-05-22\n2024-11-04\n(3 rows)\n"


def test_cli_list_shows_every_named_query_with_its_description(runner):
    result = runner.invoke(cli, ["query", "--list"])
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if not line.lstrip().startswith("--param")]
    assert len(lines) == len(named_queries()) == 22
    assert lines[1] == (
        "cq01_papers_by_tag_in_date_range     "
        "Which papers tagged #alignment (or any tag) did I note, and when (optionally between two dates)?"
    )


def test_cli_bad_query_prints_line_col_and_exits_1(runner, export_dir):
    result = runner.invoke(cli, ["query", str(export_dir / "graph.ttl"), "SELECT ?x WHERE {\n ?x foo:bar ?y }"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: 2:5: unknown prefix 'foo:'; declare it with PREFIX foo: <...>\n"
    result = runner.invoke(cli, ["query", str(export_dir / "graph.ttl"), "SELECT ?x WHERE { ?x ?y }"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 1:26: ")
    assert "Traceback" not in result.output


def test_cli_missing_graph_file(runner):
    with runner.isolated_filesystem():
        result = runner.invoke(cli, ["query", "--name", "cq03"])
    assert result.exit_code == 1
    assert result.stderr == "Error: output/graph.ttl: no such file; run papergraph build first\n"


def test_cli_usage_errors_exit_2(runner):
    result = runner.invoke(cli, ["query"])
    assert result.exit_code == 2
    assert "Error: no query: give SPARQL text, --file FILE.rq or --name NAME (see --list)" in result.stderr
    result = runner.invoke(cli, ["query", "a.ttl", "SELECT * {}", "--name", "cq03"])
    assert result.exit_code == 2
    result = runner.invoke(cli, ["query", "--name", "cq99"])
    assert result.exit_code == 1
    assert result.stderr == "Error: no named query 'cq99'; `papergraph query --list` shows them\n"


# The shared competency question cq08 as written in the data model's query folder.
SHARED_CQ08 = """\
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf:    <http://xmlns.com/foaf/0.1/>
PREFIX schema:  <http://schema.org/>
PREFIX skos:    <http://www.w3.org/2004/02/skos/core#>
SELECT ?title ?ko ?en WHERE {
  ?tag skos:prefLabel "llm" .
  ?note dcterms:subject ?tag ; foaf:primaryTopic ?item ;
        schema:text ?ko .
  FILTER (LANGMATCHES(LANG(?ko), "ko"))
  OPTIONAL { ?note schema:text ?en . FILTER (LANGMATCHES(LANG(?en), "en")) }
  ?item dcterms:title ?title .
}
ORDER BY ?title
"""


def test_shipped_cq08_answers_like_the_shared_one(corpus_digests):
    data = open_dataset(corpus_digests)
    shipped = data.query(find_named_query("cq08").bind())
    assert len(shipped.rows) == 110
    assert shipped == data.query(SHARED_CQ08)


# ---------------------------------------------------------------- parameters


def test_parameters_are_declared_in_the_header_with_kinds_and_defaults():
    assert find_named_query("cq01").parameters == (
        Parameter("tag", "string", "alignment", "the tag, as written after '#'"),
        Parameter("start", "date", "", "first day noted (YYYY-MM-DD); empty: no lower bound"),
        Parameter("end", "date", "", "last day noted (YYYY-MM-DD); empty: no upper bound"),
    )
    assert find_named_query("cq09").parameters[0].kind == "arxiv"
    assert find_named_query("cq03").parameters == ()
    with pytest.raises(QueryError) as error:
        parse_parameters('# CQ\n# param tag colour "red"\nSELECT * {}', "my.rq")
    assert str(error.value) == "my.rq:2: unknown parameter kind 'colour'; use one of: string, date, integer, iri, arxiv"
    with pytest.raises(QueryError) as error:
        parse_parameters('# param day date "2024-02-30"\nSELECT * {}', "my.rq")
    assert str(error.value) == "my.rq:1: default of day: '2024-02-30' is not a date (YYYY-MM-DD)"
    with pytest.raises(QueryError) as error:
        parse_parameters("# param day date 2024-02-01\nSELECT * {}", "my.rq")
    assert str(error.value) == 'my.rq:1: expected # param NAME KIND "DEFAULT" description'


# Seeds' answers, defaulted and with parameters given (first rows, then the count).
SEED_ANSWERS = [
    (
        "cq01",
        {},
        [
            ("2024-02-08", f"{BASE}work/beca7be5dbbffd9c", "Direct Language Model Alignment from Online AI Feedback"),
            (
                "2024-05-22",
                f"{BASE}work/e2796c08e963624b",
                "SPO: Multi-Dimensional Preference Sequential Alignment With Implicit Reward Modeling",
            ),
            ("2024-11-04", f"{BASE}work/683da23d31a5fba3", "Language Models can Self-Lengthen to Generate Long Texts"),
        ],
        3,
    ),
    (
        "cq01",
        {"tag": "long-context", "start": "2024-05-01", "end": "2024-11-30"},
        [
            ("2024-11-04", f"{BASE}work/683da23d31a5fba3", "Language Models can Self-Lengthen to Generate Long Texts"),
            (
                "2024-11-04",
                f"{BASE}work/8c025aecf4f3bd15",
                "What is Wrong with Perplexity for Long-context Language Modeling?",
            ),
        ],
        2,
    ),
    ("cq02", {}, [("Chaojun Xiao", "1"), ("Guangxuan Xiao", "1")], 8),
    ("cq02", {"author": "Ada Langford"}, [("Alex Lamb", "1"), ("Dinesh Jayaraman", "1")], 8),
    ("cq02", {"author": "Nobody Here"}, [], 0),
    ("cq06", {}, [("Ada Langford", "1", "1")], 143),
    ("cq06", {"min_digests": "2"}, [], 0),
    (
        "cq07",
        {"paper": "tokenformer"},
        [
            ("TokenFormer: Rethinking Transformer Scaling with Tokenized Model Parameters", "1", "Haiyang Wang"),
            ("TokenFormer: Rethinking Transformer Scaling with Tokenized Model Parameters", "2", "Yue Fan"),
        ],
        8,
    ),
    ("cq08", {"tag": "long-context"}, [], 4),
    (
        "cq09",
        {},
        [("000_763e0155731fdf89.txt", "5", "LM-Infinite", "https://arxiv.org/abs/2308.16137", "2024-02-08")],
        1,
    ),
    (
        "cq09",
        {"arxiv": "2309.17453v2"},
        [("001_10537a06faff7c25.txt", "30", "Streaming LLM", "https://arxiv.org/abs/2309.17453", "2024-05-22")],
        1,
    ),
]


@pytest.mark.parametrize(("name", "params", "first", "count"), SEED_ANSWERS)
def test_seed_answers_with_parameters_defaulted_and_given(datasets, name, params, first, count):
    for engine in ENGINES:
        rows = values(datasets[engine].query(find_named_query(name).bind(params)))
        assert len(rows) == count, engine
        assert [row[: len(first[0])] for row in rows[: len(first)]] == first, engine


def test_cq05_finds_a_paper_linked_from_two_seed_notes(datasets):
    rows = values(datasets["oxigraph"].query(find_named_query("cq05").bind()))
    assert [(row[0][:20], row[1], row[3]) for row in rows] == [
        ("InfLLM: Unveiling th", "https://arxiv.org/abs/2305.01625", "also linked"),
        ("The Hedgehog & the P", "https://arxiv.org/abs/2305.01625", "also linked"),
    ]


def test_a_hostile_value_is_one_rdf_term_not_query_text(datasets):
    hostile = 'alignment" } } SELECT * WHERE { ?s ?p ?o } #'
    text = find_named_query("cq01").bind({"tag": hostile})
    assert 'VALUES (?tag ?start ?end) { ("alignment\\" } } SELECT * WHERE { ?s ?p ?o } #" UNDEF UNDEF) }' in text
    for engine in ENGINES:
        assert datasets[engine].query(text).rows == ()


def test_bad_parameters_are_named(datasets):
    with pytest.raises(QueryError) as error:
        find_named_query("cq01").bind({"colour": "red"})
    assert str(error.value) == (
        "cq01_papers_by_tag_in_date_range.rq: unknown parameter 'colour'; it takes: end, start, tag"
    )
    with pytest.raises(QueryError) as error:
        find_named_query("cq09").bind({"arxiv": "2313.00001"})
    assert str(error.value) == "--param arxiv=2313.00001: not an arXiv id (e.g. 2310.00426 or hep-th/9711200)"
    with pytest.raises(QueryError) as error:
        find_named_query("cq06").bind({"min_digests": "two"})
    assert str(error.value) == "--param min_digests=two: not an integer"


def test_show_prints_a_query_any_endpoint_runs_as_is(datasets, export_dir):
    shown = show_query("cq01", {"tag": "long-context"})
    assert shown.startswith("# CQ01  ")
    assert 'VALUES (?tag ?start ?end) { ("long-context" UNDEF UNDEF) }' in shown
    # No papergraph prefixes: a bare pyoxigraph store (like any endpoint) must run it.
    store = ox.Store()
    store.bulk_load(path=str(export_dir / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    assert len(list(store.query(shown))) == 4
    assert bool(store.query(show_query("cq14"))) is False


def test_cli_param_and_show(runner, export_dir):
    graph = str(export_dir / "graph.ttl")
    result = runner.invoke(cli, ["query", graph, "-n", "cq02", "-p", "author=Ada Langford", "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:3] == ["coauthorName,papers", "Alex Lamb,1", "Dinesh Jayaraman,1"]
    result = runner.invoke(cli, ["query", "--show", "cq09", "-p", "arxiv=2309.17453"])
    assert result.exit_code == 0
    assert "VALUES (?arxiv) { (<https://arxiv.org/abs/2309.17453>) }" in result.output
    result = runner.invoke(cli, ["query", graph, "-n", "cq02", "-p", "author"])
    assert result.exit_code == 2
    assert "'author': write NAME=VALUE" in result.stderr


def test_cli_list_shows_parameters(runner):
    lines = runner.invoke(cli, ["query", "--list"]).output.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("cq02_"))
    assert lines[index + 1].split() == [
        "--param",
        "author=<string>",
        "default",
        '"Maosong',
        'Sun":',
        "the",
        "author's",
        "name",
        "as",
        "written",
        "in",
        "the",
        "digests",
    ]


@pytest.fixture(scope="module")
def corpus_datasets(corpus_digests):
    return {
        "digests": open_dataset(corpus_digests),
        "digests+vault": open_dataset_many([corpus_digests, corpus_digests.parent / "vault"]),
    }


def open_dataset_many(sources):
    """A dataset of several inputs, the way build reads them (through an N-Triples export)."""
    from papergraph.analysis import analyse
    from papergraph.build import load_graph
    from papergraph.exporters.rdf import to_rdf
    from papergraph.rdfwriter import generate_ntriples

    graph = load_graph([str(s) for s in sources])[2]
    analyse(graph)  # as the build does: the topics query reads its communities
    data = generate_ntriples(to_rdf(graph, base_iri=BASE))
    store = ox.Store()
    store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    return Dataset("oxigraph", store, "corpus")


# The sample's answers need other values where a seed default is not in the sample.
SAMPLE_PARAMS = {"cq07": {"paper": "LLaMA"}}


@pytest.mark.parametrize("corpus", ["digests", "digests+vault"])
@pytest.mark.parametrize("name", list(named_queries()))
def test_every_named_query_answers_on_the_sample(corpus_datasets, datasets, corpus, name):
    query = named_queries()[name]
    for data in (corpus_datasets[corpus], datasets["oxigraph"]):
        result = data.query(query.bind())
        assert result.rows or result.triples or result.boolean is not None, (corpus, name)
    if name in SAMPLE_PARAMS:
        assert corpus_datasets[corpus].query(query.bind(SAMPLE_PARAMS[name])).rows


# ---------------------------------------------------------------- read-only, offline, bounded


def test_not_a_query_and_updates_have_clear_errors(datasets):
    data = datasets["oxigraph"]
    for text, message in [
        ("SELEC ?x WHERE { ?x ?y ?z }", "expected SELECT, ASK, CONSTRUCT or DESCRIBE at 1:1, found 'SELEC'"),
        (
            "PREFIX a: <http://a/>\n  output/graph.nt",
            "expected SELECT, ASK, CONSTRUCT or DESCRIBE at 2:3, found 'output/graph.nt'",
        ),
        ("INSERT DATA { <a:a> <a:b> <a:c> }", "SPARQL Update is not supported: papergraph query is read-only"),
        ("# hi\nDELETE WHERE { ?s ?p ?o }", "SPARQL Update is not supported: papergraph query is read-only"),
        ("LOAD <http://127.0.0.1:9/x.ttl>", "SPARQL Update is not supported: papergraph query is read-only"),
    ]:
        with pytest.raises(QueryError) as error:
            data.query(text)
        assert str(error.value) == message


def test_cli_graph_without_query_is_a_usage_error(runner, export_dir):
    graph = str(export_dir / "graph.nt")
    result = runner.invoke(cli, ["query", graph])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: {graph} is a graph, not a query: give SPARQL text, --file FILE.rq or --name NAME after it (see --list)\n"
    )


def test_cli_construct_with_a_table_format_is_an_error(runner, export_dir):
    result = runner.invoke(cli, ["query", str(export_dir / "graph.ttl"), "-n", "cq15", "-f", "csv"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: CONSTRUCT and DESCRIBE give triples, not a table: --format csv does not apply; "
        "use table (Turtle) or json (JSON-LD)\n"
    )


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request with one SPARQL JSON result (or a JSON-LD context) and records it."""

    seen: ClassVar[list[str]] = []

    def _answer(self) -> None:
        type(self).seen.append(f"{self.command} {self.path}")
        if self.path.endswith(".jsonld"):
            body, kind = b'{"@context": {"name": "http://schema.org/name"}}', "application/ld+json"
        else:
            body = json.dumps(
                {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "remote"}}]}}
            ).encode()
            kind = "application/sparql-results+json"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def recorder():
    _Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.seen
    server.shutdown()
    server.server_close()


def test_service_is_refused_by_default_and_no_request_is_made(datasets, recorder, runner, export_dir):
    url, seen = recorder
    text = f"SELECT ?x WHERE {{\n  SERVICE <{url}/sparql> {{ ?x ?p ?o }}\n}}"
    for engine in ENGINES:
        with pytest.raises(QueryError) as error:
            datasets[engine].query(text)
        assert str(error.value) == (
            f"2:3: SERVICE <{url}/sparql> refused: papergraph query stays offline; "
            "pass --allow-service to let this query call other endpoints"
        )
    result = runner.invoke(cli, ["query", str(export_dir / "graph.ttl"), text.replace("SERVICE", "service SILENT")])
    assert result.exit_code == 1
    assert "refused: papergraph query stays offline" in result.stderr
    assert seen == []
    # The same server does answer when the user allows it: the refusal, not the server, kept it quiet.
    result = runner.invoke(cli, ["query", str(export_dir / "graph.ttl"), text, "--allow-service", "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"x\r\nremote\r\n"
    assert len(seen) == 1


def test_jsonld_with_a_remote_context_is_not_fetched(tmp_path, recorder):
    url, seen = recorder
    document = tmp_path / "remote.jsonld"
    document.write_text(json.dumps({"@context": f"{url}/ctx.jsonld", "@id": "http://a/b", "name": "x"}))
    for engine in ENGINES:
        with pytest.raises(InputError) as error:
            open_dataset(document, engine)
        assert str(error.value).startswith(f"{document.as_posix()}: not valid RDF: ")
    assert seen == []


def test_a_query_past_its_timeout_is_stopped(datasets, runner, export_dir):
    cartesian = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    for engine in ENGINES:
        started = time.monotonic()
        with pytest.raises(QueryError) as error:
            datasets[engine].query(cartesian, timeout=0.5)
        assert time.monotonic() - started < 5
        assert str(error.value) == (
            "the query ran longer than 0.5 s and was stopped; "
            "narrow it (LIMIT, more specific patterns) or give a longer --timeout"
        )
    # Within the limit, the answer comes back from the child process unchanged.
    text = find_named_query("cq03").bind()
    assert datasets["oxigraph"].query(text, timeout=30) == datasets["oxigraph"].query(text)
    with pytest.raises(QueryError) as error:
        datasets["oxigraph"].query("SELECT ?x WHERE {\n  ?x foo:bar ?y }", timeout=30)
    assert (error.value.line, error.value.column) == (2, 6)
    result = runner.invoke(cli, ["query", str(export_dir / "graph.ttl"), cartesian, "--timeout", "0.5"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the query ran longer than 0.5 s and was stopped")


def _resident_megabytes() -> int:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20


def test_a_query_past_its_memory_limit_is_stopped(datasets, export_dir):
    # Sorting a cartesian product holds every row: memory grows until the limit stops it.
    cartesian = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g ?c ?f ?i"
    limit = _resident_megabytes() + 200  # the child starts as a copy of this process
    for engine in ENGINES:
        with pytest.raises(QueryError) as error:
            datasets[engine].query(cartesian, timeout=300, memory_limit=limit)
        assert str(error.value) == (
            f"the query used more than {limit} MB of memory and was stopped; "
            "narrow it (LIMIT, more specific patterns) or give a larger --memory-limit"
        )
    text = find_named_query("cq03").bind()
    assert datasets["oxigraph"].query(text, memory_limit=limit) == datasets["oxigraph"].query(text)
    # The command line, in a process of its own (about 65 MB with the seeds loaded).
    command = [sys.executable, "-m", "papergraph", "query", str(export_dir / "graph.nt"), cartesian]
    stopped = subprocess.run([*command, "--memory-limit", "300"], capture_output=True, text=True, timeout=300)
    assert (stopped.returncode, stopped.stdout) == (1, "")
    assert stopped.stderr == (
        "Error: the query used more than 300 MB of memory and was stopped; "
        "narrow it (LIMIT, more specific patterns) or give a larger --memory-limit\n"
    )
