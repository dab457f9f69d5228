"""Hostile text survives every export unchanged, as data, for independent readers.

The fixture corpus (``tests/data/hostile``) puts ``<script>``, quotes, ``]]>``,
``-->``, NUL and other control characters, bidi overrides, a 3,000-character
word, Turtle/N-Triples escapes and URLs with spaces and Unicode into titles,
authors, abstracts, commentary and tags.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pyoxigraph
import pytest
import rdflib
from lxml import etree
from rdflib.compare import isomorphic

from conftest import DATA
from papergraph.build import build

HOSTILE = DATA / "hostile"
TITLE = '<script>alert("title")</script> & "Quotes" \'n\' ]]> --> Title'
ABSTRACT_START = 'An abstract with ]]> and --> and <!-- comment --> and \\u0000 and \\" and """triple"""'
AUTHORS = ["Ada <b>Lovelace</b>", '"Bobby" Tables\'; DROP', "Zoë \u202eevil\u202c Name", "Ünïcødé Ñame"]


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    result = build([HOSTILE], folder, cache=False)
    assert [str(d).split(": ", 1)[1] for d in result.diagnostics] == [
        "removed control character(s) U+0000, U+0007; they cannot be exported"
    ]
    return folder


def test_rdf_parses_in_oxigraph_and_keeps_the_text(out):
    store = pyoxigraph.Store()
    store.load(path=str(out / "graph.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    titles = {
        str(q.object.value)
        for q in store.quads_for_pattern(None, pyoxigraph.NamedNode("http://purl.org/dc/terms/title"), None)
    }
    assert TITLE in titles
    abstracts = [
        q.object.value
        for q in store.quads_for_pattern(None, pyoxigraph.NamedNode("http://purl.org/dc/terms/abstract"), None)
    ]
    assert any(a.startswith(ABSTRACT_START) and "x" * 3000 in a for a in abstracts)
    names = {
        q.object.value
        for q in store.quads_for_pattern(None, pyoxigraph.NamedNode("http://xmlns.com/foaf/0.1/name"), None)
    }
    assert set(AUTHORS) <= names


def test_the_three_rdf_files_are_the_same_graph(out):
    graphs = {}
    for name, fmt in (("graph.ttl", "turtle"), ("graph.nt", "nt"), ("graph.jsonld", "json-ld")):
        graphs[name] = rdflib.Graph().parse(out / name, format=fmt)
    assert len(graphs["graph.ttl"]) == len(graphs["graph.nt"]) > 150
    assert isomorphic(graphs["graph.ttl"], graphs["graph.nt"])
    assert isomorphic(graphs["graph.ttl"], graphs["graph.jsonld"])
    iris = {str(t) for triple in graphs["graph.nt"] for t in triple if isinstance(t, rdflib.URIRef)}
    assert "https://example.org/a" in iris  # the URL "https://example.org/a b" ends at the space
    assert not [iri for iri in iris if re.search(r'[\s<>"{}|\\^`]', iri)]


def test_graphml_is_schema_valid_and_networkx_reads_the_text_back(out):
    schema = etree.XMLSchema(etree.parse(str(DATA / "xsd" / "graphml.xsd")))
    document = etree.parse(str(out / "graph.graphml"))
    assert schema.validate(document), schema.error_log
    G = nx.read_graphml(out / "graph.graphml")
    titles = {data.get("title") for _, data in G.nodes(data=True)}
    assert TITLE in titles
    assert "Bidi \u202eOverride\u202c and Null-ish \u2028 Separator Title" in titles
    commentary = [data["commentary_ko"] for _, data in G.nodes(data=True) if "commentary_ko" in data]
    assert any(c == "코멘트 없음  제어문자 포함." for c in commentary)  # NUL and BEL removed


def test_gexf_labels_keep_the_text(out):
    labels = {node.get("label") for node in etree.parse(str(out / "graph.gexf")).iter("{http://gexf.net/1.3}node")}
    assert TITLE in labels
    assert set(AUTHORS) <= labels


def test_html_data_cannot_close_the_script_element(out):
    page = (out / "graph.html").read_text(encoding="utf-8")
    blocks = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S)
    assert blocks and all("<" not in block and "</script" not in block.lower() for block in blocks)
    strings: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    for block in blocks:
        collect(json.loads(block))
    assert TITLE in strings  # the payload is there, unchanged, as data
