"""TriG export (``build -f trig``): graph.nt's triples, one named graph per input.

Read back with two independent parsers (pyoxigraph and rdflib).
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner

from conftest import CORPUS, SEEDS
from papergraph.build import build
from papergraph.cli import cli
from papergraph.exporters.trig import graph_iris
from papergraph.model import InputSource
from papergraph.query import run_query

BASE = "https://w3id.org/papergraph/id/"
DEFAULT = "default"


def _quads(path: Path) -> list[ox.Quad]:
    return list(ox.parse(path=path, format=ox.RdfFormat.TRIG))


def _graph_name(quad: ox.Quad) -> str:
    return DEFAULT if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value


def _nt_triples(path: Path) -> set[ox.Triple]:
    return {quad.triple for quad in ox.parse(path=path, format=ox.RdfFormat.N_TRIPLES)}


def _subjects_of_type(quads: list[ox.Quad], rdf_class: str) -> dict[str, set[str]]:
    """Graph name -> the subjects typed ``rdf_class`` in it."""
    found: dict[str, set[str]] = {}
    for quad in quads:
        if quad.predicate.value.endswith("#type") and quad.object == ox.NamedNode(rdf_class):
            found.setdefault(_graph_name(quad), set()).add(quad.subject.value)
    return found


@pytest.fixture(scope="module")
def seeds_trig(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("trig-seeds")
    build([SEEDS], out, formats=["rdf", "trig"], cache=False)
    return out


def test_seeds_trig_is_graph_nt_split_into_the_input_and_what_the_build_derived(seeds_trig):
    quads = _quads(seeds_trig / "graph.trig")
    assert Counter(_graph_name(q) for q in quads) == {f"{BASE}graph/seeds": 2290, DEFAULT: 135}
    assert {q.triple for q in quads} == _nt_triples(seeds_trig / "graph.nt")
    # the default graph: the dataset description, the topic communities and the ranks the analysis gave
    default_predicates = {q.predicate.value.rsplit("/", 1)[-1] for q in quads if _graph_name(q) == DEFAULT}
    assert {"ns#community", "ns#communityRank", "void#triples", "ns#contentHash"} <= default_predicates
    assert not {"title", "ns#sourcePath"} & {
        q.predicate.value.rsplit("/", 1)[-1]
        for q in quads
        if _graph_name(q) == DEFAULT and q.subject.value.startswith(f"{BASE}digest/")
    }


def test_rdflib_reads_the_same_dataset(seeds_trig):
    dataset = rdflib.Dataset()
    dataset.parse(seeds_trig / "graph.trig", format="trig")
    sizes = {str(g.identifier): len(g) for g in dataset.graphs()}
    assert sizes[f"{BASE}graph/seeds"] == 2290
    assert sizes["urn:x-rdflib:default"] == 135


def test_trig_is_optional_and_byte_identical_from_build_to_build(tmp_path):
    runner = CliRunner()
    default = runner.invoke(cli, ["build", str(SEEDS), "-o", str(tmp_path / "a"), "--no-cache", "-q"])
    assert default.exit_code == 0, default.output
    assert not (tmp_path / "a" / "graph.trig").exists()
    for name in ("b", "c"):
        every = runner.invoke(cli, ["build", str(SEEDS), "-o", str(tmp_path / name), "-f", "all", "--no-cache", "-q"])
        assert every.exit_code == 0, every.output
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == sorted(
        [*(p.name for p in (tmp_path / "a").iterdir()), "graph.trig"]
    )
    assert (tmp_path / "b" / "graph.trig").read_bytes() == (tmp_path / "c" / "graph.trig").read_bytes()


@pytest.fixture(scope="module")
def two_inputs(tmp_path_factory) -> Path:
    """Two digests of one entry each, and a vault with the note of one of them and a note of another day."""
    root = tmp_path_factory.mktemp("trig-two-inputs")
    (root / "digests").mkdir()
    (root / "vault").mkdir()
    for day in ("2023-01-10", "2023-01-13"):
        shutil.copy(CORPUS / "digests" / "2023" / f"{day}.txt", root / "digests")
    for note in (
        "230110 Scaling Laws for Generative Mixed-Modal Language Models",
        "230118 Learning-Rate-Free Learning by D-Adaptation",
    ):
        shutil.copy(CORPUS / "vault" / "arXiv" / "2023" / f"{note}.md", root / "vault")
    build([root / "digests", root / "vault"], root / "out", formats=["rdf", "trig"], cache=False)
    return root / "out"


def test_each_statement_lands_in_the_graph_of_the_input_that_made_it(two_inputs):
    quads = _quads(two_inputs / "graph.trig")
    digests, vault = f"{BASE}graph/digests", f"{BASE}graph/vault"
    assert {q.triple for q in quads} == _nt_triples(two_inputs / "graph.nt")
    # digests are described only in the digests' graph
    assert {g: len(s) for g, s in _subjects_of_type(quads, "https://w3id.org/papergraph/ns#Digest").items()} == {
        digests: 2
    }
    # the note of 2023-01-10's first entry is written in both inputs: one subject, in both graphs
    comments = _subjects_of_type(quads, "http://purl.org/spar/fabio/Comment")
    merged = comments[digests] & comments[vault]
    assert [iri.removeprefix(BASE) for iri in sorted(merged)] == ["digest/2023-01-10/arxiv-2301.03728"]
    # the vault note of a day whose digest is not given is only in the vault's graph
    vault_notes = _subjects_of_type(quads, "https://w3id.org/papergraph/ns#VaultNote")
    assert list(vault_notes) == [vault] and len(vault_notes[vault]) == 1
    assert comments[vault] == merged | vault_notes[vault]
    # the dataset description is the build's, in the default graph
    assert _subjects_of_type(quads, "http://rdfs.org/ns/void#Dataset") == {DEFAULT: {f"{BASE}dataset"}}


def test_queries_on_trig_see_every_triple_once_and_can_ask_where_it_came_from(two_inputs):
    lines = len((two_inputs / "graph.nt").read_bytes().splitlines())
    for engine in ("oxigraph", "rdflib"):
        total = run_query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", two_inputs / "graph.trig", engine=engine)
        assert int(total.rows[0][0].value) == lines
        per_graph = run_query(
            "SELECT ?g (COUNT(DISTINCT ?n) AS ?notes) WHERE { GRAPH ?g { ?n a fabio:Comment } } GROUP BY ?g ORDER BY ?g",
            two_inputs / "graph.trig",
            engine=engine,
        )
        assert [(g.value, int(n.value)) for g, n in per_graph.rows] == [
            (f"{BASE}graph/digests", 2),
            (f"{BASE}graph/vault", 2),
        ]


def test_graph_iris_are_stable_names_and_two_inputs_of_one_name_get_numbers():
    sources = [InputSource("notes", "a" * 64), InputSource("notes", "b" * 64), InputSource("2023 digests", "c" * 64)]
    assert graph_iris(sources, BASE) == [f"{BASE}graph/notes", f"{BASE}graph/notes-2", f"{BASE}graph/2023%20digests"]
