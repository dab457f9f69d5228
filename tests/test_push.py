"""`papergraph push` and `papergraph serve` against a real Oxigraph server on loopback."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import SEEDS
from papergraph.build import build
from papergraph.cli import cli
from papergraph.errors import PushError
from papergraph.push import auth_header, graph_store_url, push
from papergraph.query import find_named_query, open_dataset
from papergraph.serve import find_oxigraph

try:
    OXIGRAPH = find_oxigraph()
except PushError:  # pragma: no cover - the test extras install it
    OXIGRAPH = None

needs_oxigraph = pytest.mark.skipif(OXIGRAPH is None, reason="the oxigraph server (test extra) is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def sparql(url: str, query: str) -> dict:
    request = urllib.request.Request(
        f"{url}/query?query={urllib.parse.quote(query)}", headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def answers(url: str) -> bool:
    try:
        sparql(url, "ASK {}")
        return True
    except OSError:
        return False


def count(url: str, where: str = "?s ?p ?o") -> int:
    result = sparql(url, f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
    return int(result["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    build([SEEDS], folder, formats=["rdf", "html"])
    return folder


@pytest.fixture
def store_server(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [OXIGRAPH, "serve", "--location", str(tmp_path / "store"), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(url))
        yield url
    finally:
        process.terminate()
        process.wait(10)


def nt_triples(path: Path) -> set[str]:
    return {str(t) for t in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)}


def test_urls_and_credentials():
    assert graph_store_url("http://h:1/store?x=1", "urn:g") == "http://h:1/store?x=1&graph=urn%3Ag"
    with pytest.raises(PushError) as error:
        graph_store_url("ftp://h/store")
    assert str(error.value) == (
        "ftp://h/store: not an http(s) URL of a Graph Store endpoint (e.g. http://127.0.0.1:7878/store)"
    )
    assert auth_header({}) is None
    assert auth_header({"PAPERGRAPH_PUSH_USER": "ada"}) == "Basic YWRhOg=="


def test_missing_graph_is_an_error(tmp_path, runner=None):
    result = CliRunner().invoke(cli, ["push", str(tmp_path), "http://127.0.0.1:9/store"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {(tmp_path / 'graph.nt').as_posix()}: no such file; run papergraph build (with the rdf format) first\n"
    )


@needs_oxigraph
def test_push_holds_exactly_the_triples_of_graph_nt_and_twice_is_one_copy(export_dir, store_server):
    expected = nt_triples(export_dir / "graph.nt")
    # Small chunks: the graph goes in many requests (a PUT, then POSTs).
    first = push(export_dir, f"{store_server}/store", chunk_bytes=40_000)
    assert first.requests == 10 and first.triples == len(expected) == 2425
    assert count(store_server) == len(expected)
    again = push(export_dir / "graph.nt", f"{store_server}/store", chunk_bytes=40_000)
    assert again.triples == first.triples
    assert count(store_server) == len(expected)
    # Same triples, not only the same number: read the graph back through the Graph Store protocol.
    request = urllib.request.Request(f"{store_server}/store?default", headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        dumped = {str(t) for t in ox.parse(answer.read(), format=ox.RdfFormat.N_TRIPLES)}
    assert dumped == expected
    local = open_dataset(export_dir / "graph.nt").query(find_named_query("cq03").bind())
    remote = sparql(store_server, find_named_query("cq03").bind().replace("SELECT", _prefixes() + "SELECT", 1))
    assert [row["arxivId"]["value"] for row in remote["results"]["bindings"]] == [row[1].value for row in local.rows]


def _prefixes() -> str:
    from papergraph.query import QUERY_PREFIXES

    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in QUERY_PREFIXES)


@needs_oxigraph
def test_push_replaces_by_default_and_appends_on_request_into_a_named_graph(export_dir, store_server, tmp_path):
    small = tmp_path / "small.nt"
    small.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["push", str(small), f"{store_server}/store", "-g", "urn:kg"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"replaced the graph with 1 triples (26 bytes) at {store_server}/store?graph=urn%3Akg in 1 request(s), 0 retried, "
        + result.output.rsplit(", ", 1)[1]
    )
    result = runner.invoke(cli, ["push", str(export_dir), f"{store_server}/store", "-g", "urn:kg", "--append", "-q"])
    assert result.exit_code == 0 and result.output == ""
    assert count(store_server, "GRAPH <urn:kg> { ?s ?p ?o }") == 2426
    result = runner.invoke(cli, ["push", str(small), f"{store_server}/store", "--graph", "urn:kg", "-q"])
    assert count(store_server, "GRAPH <urn:kg> { ?s ?p ?o }") == 1
    assert count(store_server) == 0  # the default graph was never touched


@needs_oxigraph
def test_a_refused_request_is_reported_without_retrying(export_dir, store_server):
    slept: list[float] = []
    with pytest.raises(PushError) as error:
        push(export_dir, f"{store_server}/nope", sleep=slept.append)
    assert str(error.value).startswith(f"{store_server}/nope?default: the store answered 404")
    assert str(error.value).endswith(
        "; give the store's Graph Store endpoint (Oxigraph: /store, Fuseki: /DATASET/data)"
    )
    assert slept == []


def test_an_unreachable_store_is_retried_with_backoff(export_dir):
    slept: list[float] = []
    port = free_port()
    with pytest.raises(PushError) as error:
        push(export_dir, f"http://127.0.0.1:{port}/store", retries=3, backoff=0.5, sleep=slept.append)
    assert slept == [0.5, 1.0, 2.0]
    assert str(error.value).startswith(f"http://127.0.0.1:{port}/store?default: cannot reach the store (")
    assert str(error.value).endswith("; gave up after 3 retries")


@needs_oxigraph
def test_serve_answers_a_named_query_over_http(export_dir):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "papergraph", "serve", str(export_dir), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    triples = len(nt_triples(export_dir / "graph.nt"))
    try:
        # Waits for the lines, never forever: a server that does not start fails the test.
        assert lines.get(timeout=120) == (
            f"SPARQL endpoint: http://127.0.0.1:{port}/query  ({triples:,} triples, read-only)\n"
        )
        assert lines.get(timeout=10) == f"query page:      http://127.0.0.1:{port}/\n"
        assert lines.get(timeout=10) == f"graph page:      {(export_dir / 'graph.html').resolve()}\n"
        shown = CliRunner().invoke(cli, ["query", "--show", "cq02", "-p", "author=Ada Langford"]).output
        remote = sparql(f"http://127.0.0.1:{port}", shown)["results"]["bindings"]
        assert [(row["coauthorName"]["value"], row["papers"]["value"]) for row in remote][:2] == [
            ("Alex Lamb", "1"),
            ("Dinesh Jayaraman", "1"),
        ]
        assert len(remote) == 8
        # Read-only: an update is refused by the server.
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/update",
            data=b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
            headers={"Content-Type": "application/sparql-update"},
        )
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=10)
        assert count(f"http://127.0.0.1:{port}") == triples
        process.terminate()
        assert process.wait(20) == 0  # stopped cleanly: the server and its store went with it
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(20)
        process.stdout.close()
