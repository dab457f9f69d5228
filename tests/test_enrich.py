"""``papergraph enrich`` against a local arXiv API: a server on 127.0.0.1 started
here, serving Atom feeds written in the API's format (``tests/data/arxiv``).

No test touches the internet, and none sleeps: pacing and backoff run on a
fake clock whose ``sleep`` only moves its time forward.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import networkx as nx
import pytest
from click.testing import CliRunner

from papergraph.arxiv_metadata import ArxivRecord, read_arxiv_metadata
from papergraph.build import build
from papergraph.cli import cli
from papergraph.enrich import (
    BATCH_SIZE,
    MIN_INTERVAL,
    USER_AGENT,
    EnrichError,
    enrich,
    graph_arxiv_ids,
    parse_atom_feed,
)

DATA = Path(__file__).resolve().parent / "data" / "arxiv"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")

Response = tuple[int, bytes, dict[str, str]]


def entry_xml(arxiv_id: str) -> str:
    """One ``<entry>`` as the API writes it, for an id the recorded feeds do not have."""
    return f"""  <entry>
    <id>http://arxiv.org/abs/{arxiv_id}v2</id>
    <updated>2024-01-05T10:00:00Z</updated>
    <published>2023-11-02T17:30:12Z</published>
    <title>Paper {arxiv_id}: A Study of
  Things</title>
    <summary>  We study things.
</summary>
    <author>
      <name>Ada Lovelace</name>
    </author>
    <author>
      <name>Alan Turing</name>
    </author>
    <link href="http://arxiv.org/abs/{arxiv_id}v2" rel="alternate" type="text/html"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
"""


def feed_xml(ids: list[str]) -> bytes:
    head = (DATA / "feed-3-papers.xml").read_text(encoding="utf-8").split("  <entry>", 1)[0]
    return (head + "".join(entry_xml(i) for i in ids) + "</feed>\n").encode()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class ApiServer:
    """Answers queued responses in order, then feeds made for the ids asked."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.queue: deque[Response | Callable[[list[str]], Response]] = deque()
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                ids = query.get("id_list", [""])[0].split(",")
                server.requests.append(
                    {
                        "path": self.path,
                        "ids": ids,
                        "max_results": query.get("max_results"),
                        "user_agent": self.headers.get("User-Agent"),
                        "at": server.clock.now,
                    }
                )
                answer = server.queue.popleft() if server.queue else (200, feed_xml(ids), {})
                status, body, headers = answer(ids) if callable(answer) else answer
                self.send_response(status)
                self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/query"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api(clock, monkeypatch):
    for name in PROXY_VARIABLES:  # a proxy set on the machine must not see the loopback requests
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    server = ApiServer(clock)
    yield server
    server.close()


def ids_of(count: int) -> list[str]:
    return [f"2311.{n:05d}" for n in range(1, count + 1)]


# ---------------------------------------------------------------- the feed


def test_recorded_feed_gives_every_field():
    papers = {
        paper.arxiv_id: (paper, parsed)
        for paper, parsed in parse_atom_feed(DATA.joinpath("feed-3-papers.xml").read_bytes())
    }
    assert sorted(papers) == ["2301.03728", "2308.16137", "hep-th/9711200"]
    lm, parsed = papers["2308.16137"]
    assert lm == ArxivRecord(
        arxiv_id="2308.16137",
        title="LM-Infinite: Zero-Shot Extreme Length Generalization for Large Language Models",
        authors=("Chi Han", "Qifan Wang", "Hao Peng", "Wenhan Xiong", "Yu Chen", "Heng Ji", "Sinong Wang"),
        categories=("cs.CL", "cs.AI"),  # the primary category first, as in the snapshot
        abstract="Today's large language models (LLMs) typically train on short text segments (e.g., <4K tokens) "
        "due to the quadratic complexity of their Transformer architectures.",
        doi=None,
        published="2023-08-30",
    )
    assert parsed[0] == ["Han", "Chi", ""]
    maldacena = papers["hep-th/9711200"][0]
    assert (maldacena.doi, maldacena.published, maldacena.authors) == (
        "10.1023/A:1026654312961",
        "1997-11-27",
        ("Juan M. Maldacena",),
    )


def test_error_entries_are_not_papers():
    assert parse_atom_feed(DATA.joinpath("feed-error.xml").read_bytes()) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (DATA.joinpath("feed-malformed.xml").read_bytes(), "not XML: no element found: line 31, column 23"),
        (b"<html><body>Rate exceeded.</body></html>", "the root element is 'html', not an Atom feed"),
    ],
)
def test_malformed_feeds_are_errors(data, message):
    with pytest.raises(ValueError) as error:
        parse_atom_feed(data)
    assert str(error.value) == message


# ---------------------------------------------------------------- batching and pacing


def test_batches_of_at_most_100_paced_3_seconds_apart(api, clock, tmp_path):
    out = tmp_path / "meta.jsonl"
    wanted = ids_of(250)
    result = enrich(reversed(wanted), out, api_url=api.url, clock=clock, retrieved="2026-12-02T10:00:00Z")
    assert [len(r["ids"]) for r in api.requests] == [100, 100, 50]
    assert [r["ids"] for r in api.requests] == [wanted[:100], wanted[100:200], wanted[200:]]
    assert [r["max_results"] for r in api.requests] == [["100"], ["100"], ["50"]]
    assert [r["at"] for r in api.requests] == [1000.0, 1000.0 + MIN_INTERVAL, 1000.0 + 2 * MIN_INTERVAL]
    assert clock.sleeps == [MIN_INTERVAL, MIN_INTERVAL]
    assert {r["user_agent"] for r in api.requests} == {USER_AGENT}
    assert USER_AGENT.startswith("papergraph/")
    assert (result.wanted, result.already, len(result.fetched), result.missing, result.requests) == (250, 0, 250, [], 3)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 250
    first = json.loads(lines[0])
    assert list(first)[:2] == ["id", "title"]  # the id first: the reader's cheap filter relies on it
    assert first["title"] == "Paper 2311.00001: A Study of Things"
    assert first["authors_parsed"] == [["Lovelace", "Ada", ""], ["Turing", "Alan", ""]]
    assert first["versions"] == [{"version": "v1", "created": "Thu, 02 Nov 2023 00:00:00 GMT"}]
    assert (first["papergraph_source"], first["papergraph_retrieved"]) == ("arXiv API", "2026-12-02T10:00:00Z")
    records = read_arxiv_metadata([out]).records
    assert sorted(records) == wanted
    assert records["2311.00250"].authors == ("Ada Lovelace", "Alan Turing")


def test_slow_answers_need_no_extra_wait(api, clock, tmp_path):
    def slow(ids):
        clock.now += 5.0  # the answer took 5 s: the next request may start at once
        return 200, feed_xml(ids), {}

    api.queue.append(slow)
    enrich(ids_of(3), tmp_path / "m.jsonl", api_url=api.url, clock=clock, batch_size=2)
    assert [r["at"] for r in api.requests] == [1000.0, 1005.0]
    assert clock.sleeps == []


def test_batch_size_above_100_is_refused(tmp_path):
    with pytest.raises(EnrichError, match=f"batch size 101: must be 1 to {BATCH_SIZE}"):
        enrich(["2311.00001"], tmp_path / "m.jsonl", batch_size=101)


# ---------------------------------------------------------------- retries and errors


def test_retries_after_503_with_backoff_and_retry_after(api, clock, tmp_path):
    api.queue.append((503, b"Service Unavailable", {"Retry-After": "12"}))
    api.queue.append((503, b"Service Unavailable", {}))
    result = enrich(ids_of(2), tmp_path / "m.jsonl", api_url=api.url, clock=clock)
    assert len(api.requests) == 3
    assert clock.sleeps == [12.0, 10.0]  # Retry-After, then the doubled backoff (5 s, 10 s)
    assert [r["at"] for r in api.requests] == [1000.0, 1012.0, 1022.0]
    assert result.fetched == ids_of(2) and result.requests == 3


def test_gives_up_after_the_retries_keeping_earlier_batches(api, clock, tmp_path):
    out = tmp_path / "m.jsonl"
    api.queue.append((200, feed_xml(ids_of(2)), {}))
    api.queue.extend([(503, b"busy", {})] * 5)
    with pytest.raises(EnrichError) as error:
        enrich(ids_of(4), out, api_url=api.url, clock=clock, batch_size=2)
    url = f"{api.url}?id_list=2311.00003%2C2311.00004&max_results=2"
    assert str(error.value) == f"{url}: the arXiv API did not answer after 5 tries (HTTP 503)"
    assert sorted(read_arxiv_metadata([out]).records) == ids_of(2)


def test_a_client_error_is_not_retried(api, clock, tmp_path):
    api.queue.append((400, b"bad request", {}))
    with pytest.raises(EnrichError, match=r"answered HTTP 400 Bad Request$"):
        enrich(ids_of(1), tmp_path / "m.jsonl", api_url=api.url, clock=clock)
    assert len(api.requests) == 1


def test_no_answer_is_retried(clock, tmp_path, monkeypatch):
    """A port nobody listens on: connection refused, retried, then a clear error."""
    import socket

    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(
        EnrichError, match=r"did not answer after 2 tries \(no answer \(\[Errno 111\] Connection refused\)\)"
    ):
        enrich(ids_of(1), tmp_path / "m.jsonl", api_url=f"http://127.0.0.1:{port}/api/query", clock=clock, retries=1)
    assert clock.sleeps == [5.0]


def test_a_silent_server_times_out_and_is_retried(clock, tmp_path, monkeypatch):
    """A server that accepts the connection and never answers: each try ends at the timeout."""
    import socket

    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)  # the kernel completes the connections; nobody reads or answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/api/query"
        with pytest.raises(EnrichError) as error:
            enrich(ids_of(1), tmp_path / "m.jsonl", api_url=url, clock=clock, retries=1, timeout=0.2)
    assert str(error.value).endswith("did not answer after 2 tries (no answer (timed out))")
    assert clock.sleeps == [5.0]


def test_ids_the_api_does_not_know_are_reported_not_written(api, clock, tmp_path):
    out = tmp_path / "m.jsonl"
    api.queue.append((200, feed_xml(["2311.00001"]), {}))
    result = enrich(ids_of(2), out, api_url=api.url, clock=clock)
    assert (result.fetched, result.missing) == (["2311.00001"], ["2311.00002"])
    assert len(out.read_text().splitlines()) == 1


# ---------------------------------------------------------------- resuming


def test_resumes_from_a_partly_written_file(api, clock, tmp_path):
    out = tmp_path / "m.jsonl"
    enrich(ids_of(3), out, api_url=api.url, clock=clock)
    complete = out.read_bytes()
    out.write_bytes(complete[: complete.rindex(b'{"id"') + 40])  # killed while writing the third line
    result = enrich(ids_of(5), out, api_url=api.url, clock=clock)
    assert result.repaired
    assert (result.already, result.fetched) == (2, ["2311.00003", "2311.00004", "2311.00005"])
    assert api.requests[-1]["ids"] == ["2311.00003", "2311.00004", "2311.00005"]
    metadata = read_arxiv_metadata([out])
    assert sorted(metadata.records) == ids_of(5) and metadata.diagnostics == ()
    again = enrich(ids_of(5), out, api_url=api.url, clock=clock)
    assert (again.already, again.fetched, again.requests) == (5, [], 0)


def test_a_gzip_file_is_never_appended_to(api, clock, tmp_path):
    import gzip

    out = tmp_path / "snapshot.jsonl.gz"
    out.write_bytes(gzip.compress((DATA / "snapshot.jsonl").read_bytes()))
    before = out.read_bytes()
    with pytest.raises(EnrichError) as error:
        enrich(ids_of(1), out, api_url=api.url, clock=clock)
    assert str(error.value) == (
        f"{out.as_posix()}: is gzip-compressed and enrich appends to plain JSON Lines; "
        "give another file with -m and pass both to --arxiv-metadata"
    )
    assert (out.read_bytes(), api.requests) == (before, [])


# ---------------------------------------------------------------- proxies


def test_proxies_come_from_the_environment(api, clock, tmp_path, monkeypatch):
    """With http_proxy set, the request goes to the proxy (here the loopback
    server) with the full URL of the real API; nothing leaves the machine."""
    proxy = api.url.removesuffix("/api/query")
    monkeypatch.setenv("http_proxy", proxy)
    enrich(["2311.00001"], tmp_path / "m.jsonl", api_url="http://export.arxiv.org/api/query", clock=clock)
    assert api.requests[0]["path"] == "http://export.arxiv.org/api/query?id_list=2311.00001&max_results=1"


# ---------------------------------------------------------------- the command


@pytest.fixture(scope="module")
def seeds_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("enrich") / "out"
    build([SEEDS], out, formats=["rdf", "graphml"], jobs=1)
    return out


def test_graph_ids_come_from_graph_nt(seeds_build):
    ids = graph_arxiv_ids(seeds_build)
    assert len(ids) == 7 and "2308.16137" in ids and ids == sorted(ids)


def test_command_fetches_and_the_next_build_shows_titles(api, seeds_build, tmp_path):
    out = tmp_path / "out"
    build([SEEDS], out, formats=["rdf", "graphml"], jobs=1)
    runner = CliRunner()
    result = runner.invoke(cli, ["enrich", str(out), "--api-url", api.url])
    assert result.exit_code == 0, result.output
    meta = out / "arxiv-metadata.jsonl"
    assert result.stdout.splitlines() == [
        f"7 arXiv ids in the graph: 0 already in {meta}, 7 fetched in 1 request(s), 0 not found",
        f"next: papergraph build ... -o {out} --arxiv-metadata {meta}",
    ]
    again = runner.invoke(cli, ["enrich", str(out), "--api-url", api.url, "-q"])
    assert (again.exit_code, again.output, len(api.requests)) == (0, "", 1)
    built = runner.invoke(
        cli, ["build", str(SEEDS), "-o", str(out), "-f", "graphml", "--arxiv-metadata", str(meta), "-q"]
    )
    assert built.exit_code == 0, built.output
    graph = nx.read_graphml(out / "graph.graphml")
    cited = graph.nodes["work:arxiv-2308.16137"]
    assert (cited["kind"], cited["label"]) == ("arxiv", "Paper 2308.16137: A Study of Things")
    assert cited["metadata_source"] == "arxiv-metadata.jsonl"


def test_command_says_error_on_a_malformed_feed(api, seeds_build):
    api.queue.append((200, DATA.joinpath("feed-malformed.xml").read_bytes(), {}))
    result = CliRunner().invoke(
        cli, ["enrich", str(seeds_build), "-m", str(seeds_build / "m.jsonl"), "--api-url", api.url, "-q"]
    )
    assert result.exit_code == 1
    (url,) = [r["path"] for r in api.requests]
    assert result.output == (
        f"Error: http://127.0.0.1:{api.httpd.server_address[1]}{url}: the arXiv API answered with a malformed "
        f"Atom feed (not XML: no element found: line 31, column 23); the 0 ids fetched before are in "
        f"{(seeds_build / 'm.jsonl').as_posix()}; run enrich again later\n"
    )


def test_command_without_a_build_says_what_to_do(tmp_path):
    result = CliRunner().invoke(cli, ["enrich", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {tmp_path.as_posix()}/graph.nt: not found; build first "
        f"(papergraph build INPUT -o {tmp_path.as_posix()}, with the rdf export)\n"
    )
