"""Send a build's ``graph.nt`` (or ``graph.trig``) to a SPARQL store through the Graph Store HTTP Protocol.

Any SPARQL 1.1 Graph Store endpoint works (Oxigraph ``/store``, Fuseki
``/DATASET/data``, GraphDB ``/repositories/REPO/rdf-graphs/service``,
Virtuoso ``/sparql-graph-crud``): the first request ``PUT``s the first chunk
(replacing the target graph), every further chunk is ``POST``ed (added).
``append=True`` ``POST``s every chunk. Chunks are cut at line ends from the
file as it is read, so memory stays flat whatever the graph's size, and a
chunk that fails on a network error, ``429`` or ``5xx`` is sent again after a
growing pause: adding the same triples twice leaves one copy, since a graph
is a set.

Credentials come from the environment, never from the command line:
``PAPERGRAPH_PUSH_TOKEN`` (sent as ``Authorization: Bearer``), or
``PAPERGRAPH_PUSH_USER`` and ``PAPERGRAPH_PUSH_PASSWORD``: HTTP Basic, or
Digest (RFC 7616), whichever the store's 401 asks for (Virtuoso's
``/sparql-graph-crud-auth`` wants Digest). With a user, the first request has
an empty body, so the store's answer to it (a 2xx, or a 401 naming the
scheme) comes before any data: a store that refuses a 4 MB body half-way
through resets the connection instead of saying why.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import re
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlsplit, urlunsplit

from .errors import PushError

__all__ = [
    "CHUNK_BYTES",
    "PushResult",
    "auth_header",
    "graph_store_url",
    "iter_chunks",
    "push",
    "resolve_graph_file",
]

CHUNK_BYTES = 4 * 1024 * 1024  # 2 MB and 4 MB chunks keep memory flat; 8 MB ones let the allocator grow (bench_push.py)
NTRIPLES = "application/n-triples"
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class PushResult:
    """What one push sent."""

    url: str
    triples: int
    bytes: int
    requests: int
    retries: int
    seconds: float
    graphs: int = 1


def resolve_graph_file(source: str | os.PathLike[str]) -> Path:
    """``OUTDIR/graph.nt`` for a build folder, or the ``.nt`` or ``.trig`` file given.

    Raises:
        PushError: no such folder or file, or a file that is not N-Triples.
    """
    path = Path(source)
    if path.is_dir():
        path = path / "graph.nt"
        if not path.is_file():
            raise PushError(f"{path.as_posix()}: no such file; run papergraph build (with the rdf format) first")
        return path
    if path.suffix.lower() not in (".nt", ".trig"):
        raise PushError(
            f"{path.as_posix()}: push sends N-Triples or TriG; give a build folder, its graph.nt or graph.trig"
        )
    if not path.is_file():
        raise PushError(f"{path.as_posix()}: no such file; run papergraph build first")
    return path


def graph_store_url(endpoint: str, graph: str | None = None) -> str:
    """The Graph Store URL of the target graph: ``?graph=<iri>`` or ``?default``.

    >>> graph_store_url("http://127.0.0.1:7878/store", "https://example.org/g?x=1")
    'http://127.0.0.1:7878/store?graph=https%3A%2F%2Fexample.org%2Fg%3Fx%3D1'
    >>> graph_store_url("http://127.0.0.1:7878/store")
    'http://127.0.0.1:7878/store?default'

    Raises:
        PushError: the endpoint is not an http(s) URL.
    """
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PushError(f"{endpoint}: not an http(s) URL of a Graph Store endpoint (e.g. http://127.0.0.1:7878/store)")
    target = "default" if graph is None else "graph=" + quote(graph, safe="")
    query = f"{parts.query}&{target}" if parts.query else target
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def auth_header(env: Mapping[str, str]) -> str | None:
    """The ``Authorization`` header the environment asks for, if any.

    >>> auth_header({"PAPERGRAPH_PUSH_TOKEN": "t0k"})
    'Bearer t0k'
    >>> auth_header({"PAPERGRAPH_PUSH_USER": "ada", "PAPERGRAPH_PUSH_PASSWORD": "pw"})
    'Basic YWRhOnB3'
    """
    token = env.get("PAPERGRAPH_PUSH_TOKEN")
    if token:
        return f"Bearer {token}"
    user = env.get("PAPERGRAPH_PUSH_USER")
    if user:
        secret = f"{user}:{env.get('PAPERGRAPH_PUSH_PASSWORD', '')}".encode()
        return "Basic " + base64.b64encode(secret).decode("ascii")
    return None


_DIGEST_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


class _Authenticator:
    """The ``Authorization`` header of each request.

    A token is sent with every request (Bearer). A user and password are
    sent the way the store asks: the first request goes without them, and a
    401 names the scheme (``Basic``, or a ``Digest`` challenge to answer);
    Virtuoso, for one, refuses a Basic header without saying it wants Digest.
    """

    def __init__(self, env: Mapping[str, str]):
        token = env.get("PAPERGRAPH_PUSH_TOKEN")
        self.bearer = f"Bearer {token}" if token else None
        self.user = None if token else env.get("PAPERGRAPH_PUSH_USER") or None
        self.basic = auth_header(env) if self.user else None
        self.password = env.get("PAPERGRAPH_PUSH_PASSWORD", "")
        self.scheme: str | None = None  # None until a 401 asks: "basic" or "digest"
        self.challenge: dict[str, str] = {}
        self.count = 0

    def header(self, method: str, uri: str) -> str | None:
        if self.scheme == "digest":
            return self._digest(method, uri)
        return self.basic if self.scheme == "basic" else self.bearer

    def accept_challenge(self, header: str | None) -> bool:
        """Take the scheme a 401's ``WWW-Authenticate`` asks for; False if there
        is nothing new to try (no user, or this scheme was already refused)."""
        scheme, _, params = (header or "").partition(" ")
        if self.user is None:
            return False
        if scheme.lower() != "digest":  # Basic, or a store that does not say
            if self.scheme == "basic":
                return False
            self.scheme = "basic"
            return True
        challenge = urllib.request.parse_keqv_list(urllib.request.parse_http_list(params))
        algorithm = challenge.get("algorithm", "MD5").upper().removesuffix("-SESS")
        if algorithm not in _DIGEST_HASHES or "nonce" not in challenge:
            return False
        if self.scheme == "digest" and challenge["nonce"] == self.challenge.get("nonce"):
            return False  # the answer to this very nonce was refused: the password is wrong
        self.scheme, self.challenge, self.count = "digest", challenge, 0
        return True

    def _digest(self, method: str, uri: str) -> str:
        """RFC 7616's answer to the challenge, ``qop=auth`` when offered."""
        challenge = self.challenge
        assert self.user is not None
        algorithm = challenge.get("algorithm", "MD5")
        digest = _DIGEST_HASHES[algorithm.upper().removesuffix("-SESS")]

        def h(text: str) -> str:
            return digest(text.encode("utf-8")).hexdigest()

        self.count += 1
        nc, cnonce = f"{self.count:08x}", os.urandom(8).hex()
        realm, nonce = challenge.get("realm", ""), challenge["nonce"]
        secret = h(f"{self.user}:{realm}:{self.password}")
        if algorithm.upper().endswith("-SESS"):
            secret = h(f"{secret}:{nonce}:{cnonce}")
        offered = [q.strip() for q in challenge.get("qop", "").split(",")]
        request = h(f"{method}:{uri}")
        fields = {"username": self.user, "realm": realm, "nonce": nonce, "uri": uri, "algorithm": algorithm}
        if "auth" in offered:
            fields["response"] = h(f"{secret}:{nonce}:{nc}:{cnonce}:auth:{request}")
            fields.update(qop="auth", nc=nc, cnonce=cnonce)
        else:
            fields["response"] = h(f"{secret}:{nonce}:{request}")
        if "opaque" in challenge:
            fields["opaque"] = challenge["opaque"]
        bare = {"qop", "nc", "algorithm"}  # tokens; the rest are quoted strings
        return "Digest " + ", ".join(
            f"{key}={value}" if key in bare else f'{key}="{_quoted(value)}"' for key, value in fields.items()
        )


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


_TRIPLE_LINE = re.compile(rb"^[ \t]*[^#\s]", re.M)


def iter_chunks(stream: BinaryIO, size: int = CHUNK_BYTES) -> Iterator[tuple[bytearray, int]]:
    """Chunks of whole lines of about ``size`` bytes, each with its number of triples.

    One chunk is in memory at a time, read in one piece (plus the rest of its
    last line), never as a list of lines.

    >>> import io
    >>> data = b"<a:a> <a:b> <a:c> .\\n# comment\\n<a:d> <a:b> <a:c> .\\n"
    >>> [(bytes(chunk), n) for chunk, n in iter_chunks(io.BytesIO(data), 25)]
    [(b'<a:a> <a:b> <a:c> .\\n# comment\\n', 1), (b'<a:d> <a:b> <a:c> .\\n', 1)]
    """
    while True:
        chunk = bytearray(stream.read(size))
        if not chunk:
            return
        if not chunk.endswith(b"\n"):
            chunk += stream.readline()
        yield chunk, sum(1 for _ in _TRIPLE_LINE.finditer(chunk))


class _Connection:
    """One keep-alive HTTP connection, reopened after a network error."""

    def __init__(self, url: str, timeout: float):
        self.url = url
        self.parts = urlsplit(url)
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    @property
    def target(self) -> str:
        """The request target (path and query), as Digest authentication signs it."""
        return urlunsplit(("", "", self.parts.path or "/", self.parts.query, ""))

    def send(self, method: str, body: bytearray, headers: Mapping[str, str]) -> tuple[int, bytes, str | None]:
        if self.conn is None:
            kind = http.client.HTTPSConnection if self.parts.scheme == "https" else http.client.HTTPConnection
            self.conn = kind(self.parts.hostname or "", self.parts.port, timeout=self.timeout)
        try:
            # A memoryview: http.client would copy bytes into one buffer with the headers.
            headers = {**headers, "Content-Length": str(len(body))}
            self.conn.request(method, self.target, body=memoryview(body), headers=headers)
            response = self.conn.getresponse()
            return response.status, response.read(), response.getheader("WWW-Authenticate")
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _explain(status: int, body: bytes, url: str) -> str:
    detail = " ".join(body.decode("utf-8", "replace").split())[:200]
    hint = ""
    if status in (401, 403):
        hint = "; set PAPERGRAPH_PUSH_TOKEN, or PAPERGRAPH_PUSH_USER and PAPERGRAPH_PUSH_PASSWORD"
    elif status in (404, 405):
        hint = "; give the store's Graph Store endpoint (Oxigraph: /store, Fuseki: /DATASET/data)"
    return f"{url}: the store answered {status}{f' ({detail})' if detail else ''}{hint}"


def push(
    source: str | os.PathLike[str],
    endpoint: str,
    *,
    graph: str | None = None,
    append: bool = False,
    chunk_bytes: int = CHUNK_BYTES,
    retries: int = 4,
    backoff: float = 0.5,
    timeout: float = 300.0,
    env: Mapping[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PushResult:
    """Send ``graph.nt`` (of a build folder, or the file given) to a Graph Store endpoint.

    A ``.trig`` file (``build -f trig``) fills each of its named graphs
    (``?graph=IRI``; its default graph, if it has one, ``?default``), each replaced
    unless ``append``. ``progress(sent_bytes, total_bytes)`` is called after
    every chunk (``total_bytes`` is 0 for TriG, whose N-Triples size is not
    known ahead).

    Raises:
        PushError: the file is missing or not valid TriG, the URL is not
            http(s), ``graph`` was given with a TriG file, or the store
            refused a chunk or stayed unreachable after ``retries`` retries
            (the message says how much was sent).
    """
    path = resolve_graph_file(source)
    is_trig = path.suffix.lower() == ".trig"
    if is_trig and graph is not None:
        raise PushError(f"{path.as_posix()}: a TriG file names its own graphs; drop -g/--graph")
    graph_store_url(endpoint)  # refuse a URL that is not http(s) before reading anything
    auth = _Authenticator(os.environ if env is None else env)
    sender = _Sender(endpoint, auth, append, retries, backoff, timeout, sleep)
    total = 0 if is_trig else path.stat().st_size
    started = time.perf_counter()
    try:
        with path.open("rb") as stream:
            batches = _trig_batches(path, chunk_bytes) if is_trig else _nt_batches(stream, graph, chunk_bytes)
            first = next(batches, (graph, bytearray(), 0))
            if auth.user is not None:  # learn the store's scheme before sending data
                first, batches = (first[0], bytearray(), 0), _chain(first, batches)
            for batch in _chain(first, batches):
                sender.send(*batch)
                if progress:
                    progress(sender.bytes, total)
    except PushError as error:
        if sender.requests:
            done = f"after {sender.triples:,} triples in {sender.requests} request(s); push again"
            raise PushError(f"{error} ({done})") from None
        raise
    finally:
        sender.close()
    shown = endpoint if is_trig else graph_store_url(endpoint, graph)
    elapsed = time.perf_counter() - started
    return PushResult(shown, sender.triples, sender.bytes, sender.requests, sender.retried, elapsed, len(sender.begun))


class _Sender:
    """Sends chunks to their graphs: a connection per graph URL, the first
    chunk of a graph ``PUT`` (unless appending), the others ``POST``ed."""

    def __init__(
        self,
        endpoint: str,
        auth: _Authenticator,
        append: bool,
        retries: int,
        backoff: float,
        timeout: float,
        sleep: Callable[[float], None],
    ):
        self.endpoint, self.auth, self.append, self.timeout = endpoint, auth, append, timeout
        self.retry = (retries, backoff, sleep)
        self.connection: _Connection | None = None
        self.begun: set[str | None] = set()  # graphs replaced (or appended to) so far
        self.triples = self.bytes = self.requests = self.retried = 0

    def send(self, graph: str | None, body: bytearray, count: int) -> None:
        url = graph_store_url(self.endpoint, graph)
        if self.connection is None or self.connection.url != url:
            self.close()
            self.connection = _Connection(url, self.timeout)
        method = "POST" if self.append or graph in self.begun else "PUT"
        self.begun.add(graph)
        headers = {"Content-Type": NTRIPLES}
        self.retried += _send_with_retries(self.connection, method, body, headers, self.auth, url, *self.retry)
        self.requests += 1
        self.bytes += len(body)
        self.triples += count

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


Batch = tuple[str | None, bytearray, int]
"""``(graph IRI or None for the default graph, N-Triples, triples in it)``."""


def _nt_batches(stream: BinaryIO, graph: str | None, size: int) -> Iterator[Batch]:
    for chunk, count in iter_chunks(stream, size):
        yield graph, chunk, count


def _trig_batches(path: Path, size: int) -> Iterator[Batch]:
    """A TriG file as N-Triples chunks of one graph each, parsed as it is read."""
    import pyoxigraph as ox

    current: str | None = None
    chunk, count = bytearray(), 0
    try:
        for quad in ox.parse(path=path, format=ox.RdfFormat.TRIG):
            name = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
            if count and (name != current or len(chunk) >= size):
                yield current, chunk, count
                chunk, count = bytearray(), 0
            current = name
            chunk += f"{quad.subject} {quad.predicate} {quad.object} .\n".encode()
            count += 1
    except SyntaxError as error:
        raise PushError(f"{path.as_posix()}: not valid TriG: {str(error).splitlines()[0]}") from None
    if count:
        yield current, chunk, count


def _chain(first: Batch, rest: Iterator[Batch]) -> Iterator[Batch]:
    yield first
    yield from rest


def _send_with_retries(
    connection: _Connection,
    method: str,
    body: bytearray,
    headers: Mapping[str, str],
    auth: _Authenticator,
    url: str,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
) -> int:
    """Send one chunk; return how many retries it took.

    A Digest challenge (the first, or a new nonce when the last one expired)
    is answered once per chunk and not counted as a retry; a second 401 in a
    row means the credentials are wrong.
    """
    attempt = answered = 0
    while True:
        authorization = auth.header(method, connection.target)
        signed = {**headers, "Authorization": authorization} if authorization else headers
        try:
            status, answer, challenge = connection.send(method, body, signed)
        except (OSError, http.client.HTTPException) as error:
            problem = f"{url}: cannot reach the store ({error})"
        else:
            if 200 <= status < 300:
                return attempt
            if status == 401 and not answered and auth.accept_challenge(challenge):
                answered = 1
                continue
            problem = _explain(status, answer, url)
            if status not in _RETRY_STATUSES:
                raise PushError(problem)
        if attempt == retries:
            raise PushError(f"{problem}; gave up after {retries} retries")
        sleep(backoff * 2**attempt)
        attempt += 1
