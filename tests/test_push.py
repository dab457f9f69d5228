"""`papergraph push` and `papergraph serve` against a real Oxigraph server on loopback."""

from __future__ import annotations

import base64
import hashlib
import http.server
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
    build([SEEDS], folder, formats=["rdf", "html", "trig"])
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


@needs_oxigraph
def test_push_of_trig_fills_each_of_its_named_graphs(export_dir, store_server):
    seeds = "https://w3id.org/papergraph/id/graph/seeds"
    for _ in range(2):  # twice: each graph replaced, one copy
        result = CliRunner().invoke(cli, ["push", str(export_dir / "graph.trig"), f"{store_server}/store"])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(
            f"replaced 2 graphs with 2,425 triples ({(export_dir / 'graph.nt').stat().st_size:,} bytes) "
            f"at {store_server}/store in 2 request(s), 0 retried, "
        )
        assert count(store_server, f"GRAPH <{seeds}> {{ ?s ?p ?o }}") == 2290
        assert count(store_server, f"GRAPH <{seeds[:-5]}derived> {{ ?s ?p ?o }}") == 135
        assert count(store_server) == 0  # the default graph is left alone
    request = urllib.request.Request(f"{store_server}/store", headers={"Accept": "application/n-quads"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        stored = {str(q) for q in ox.parse(answer.read(), format=ox.RdfFormat.N_QUADS)}
    assert stored == {str(q) for q in ox.parse(path=str(export_dir / "graph.trig"), format=ox.RdfFormat.TRIG)}


def test_a_trig_file_names_its_own_graphs(export_dir, tmp_path):
    with pytest.raises(PushError) as error:
        push(export_dir / "graph.trig", "http://127.0.0.1:9/store", graph="urn:kg")
    assert (
        str(error.value)
        == f"{(export_dir / 'graph.trig').as_posix()}: a TriG file names its own graphs; drop -g/--graph"
    )
    broken = tmp_path / "broken.trig"
    broken.write_text("<urn:g> { <urn:a> <urn:b> }\n", encoding="utf-8")
    with pytest.raises(PushError) as error:
        push(broken, "http://127.0.0.1:9/store")
    assert str(error.value).startswith(f"{broken.as_posix()}: not valid TriG: ")


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


# ----------------------------------------------- credentials the way the store asks (Basic, Digest)


class _AuthStore(http.server.BaseHTTPRequestHandler):
    """A Graph Store that wants credentials: Digest like Virtuoso (which answers
    a Basic header with a bare 401), or Basic. Checks every Digest answer with
    its own computation, and gives a new nonce (stale) every third request."""

    scheme = "Digest"
    user, password, realm = "dba", "s3cret", "SPARQL"

    def do_PUT(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def _handle(self):
        server = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        header = self.headers.get("Authorization")
        server.log.append((self.command, len(body), (header or "").split(" ")[0]))
        if self.scheme == "Basic":
            expected = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            if header != expected:
                return self._refuse('Basic realm="store"')
        else:
            if header is None or not header.startswith("Digest "):
                return self._refuse(self._challenge(stale=False))
            fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(header[7:]))
            if fields["nonce"] != server.nonce:
                return self._refuse(self._challenge(stale=True))
            if fields["response"] != self._expected(fields):
                return self._refuse(self._challenge(stale=False))
            server.answered += 1
            if server.answered % 3 == 0:
                server.nonce = os.urandom(8).hex()  # the next request meets an expired nonce
        server.bodies.append(body)
        self.send_response(201 if self.command == "PUT" else 204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _challenge(self, stale: bool) -> str:
        return (
            f'Digest realm="{self.realm}", nonce="{self.server.nonce}", opaque="0pq", '
            f'stale="{str(stale).lower()}", qop="auth", algorithm="MD5"'
        )

    def _expected(self, fields: dict) -> str:
        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()

        assert (fields["username"], fields["realm"], fields["uri"]) == (self.user, self.realm, self.path)
        assert (fields["qop"], fields["opaque"]) == ("auth", "0pq")
        secret, request = md5(f"{self.user}:{self.realm}:{self.password}"), md5(f"{self.command}:{self.path}")
        return md5(f"{secret}:{fields['nonce']}:{fields['nc']}:{fields['cnonce']}:auth:{request}")

    def _refuse(self, challenge: str) -> None:
        self.send_response(401)
        self.send_header("WWW-Authenticate", challenge)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def _auth_store(scheme: str):
    handler = type("Store", (_AuthStore,), {"scheme": scheme})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.log, server.bodies, server.nonce, server.answered = [], [], "n0nce", 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize("scheme", ["Digest", "Basic"])
def test_push_answers_the_scheme_the_store_asks_for(export_dir, scheme):
    server = _auth_store(scheme)
    url = f"http://127.0.0.1:{server.server_port}/sparql-graph-crud-auth"
    env = {"PAPERGRAPH_PUSH_USER": "dba", "PAPERGRAPH_PUSH_PASSWORD": "s3cret"}
    try:
        result = push(export_dir, url, graph="urn:kg", chunk_bytes=40_000, env=env)
    finally:
        server.shutdown()
    # An empty PUT learns the scheme, then the data goes in POSTs; nothing is lost or retried.
    assert (result.requests, result.retries, result.triples) == (11, 0, 2425)
    assert server.bodies[0] == b"" and b"".join(server.bodies) == (export_dir / "graph.nt").read_bytes()
    schemes = [header for _, _, header in server.log]
    assert server.log[:2] == [("PUT", 0, ""), ("PUT", 0, scheme)]
    if scheme == "Digest":  # every third answer meets a new nonce, answered without a retry
        assert schemes.count("Digest") == 11 + 3 and len(schemes) == 15
    else:
        assert schemes[1:] == ["Basic"] * 11


def test_wrong_credentials_are_one_clear_error_not_a_loop(export_dir):
    server = _auth_store("Digest")
    url = f"http://127.0.0.1:{server.server_port}/sparql-graph-crud-auth"
    env = {"PAPERGRAPH_PUSH_USER": "dba", "PAPERGRAPH_PUSH_PASSWORD": "wrong"}
    slept: list[float] = []
    try:
        with pytest.raises(PushError) as error:
            push(export_dir, url, env=env, sleep=slept.append)
    finally:
        server.shutdown()
    assert str(error.value) == (
        f"{url}?default: the store answered 401; set PAPERGRAPH_PUSH_TOKEN, "
        "or PAPERGRAPH_PUSH_USER and PAPERGRAPH_PUSH_PASSWORD"
    )
    assert [(method, header) for method, _, header in server.log] == [("PUT", ""), ("PUT", "Digest")]
    assert server.bodies == [] and slept == []
