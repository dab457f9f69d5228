"""A local, read-only SPARQL endpoint over a build: the Oxigraph server on ``graph.nt``.

The ``oxigraph`` command comes from the optional extra
(``pip install 'papergraph-kg[serve]'``). The build's ``graph.nt`` is bulk
loaded into a fresh store in a temporary folder with ``oxigraph load``
(the server's own loader, so the store format always matches the server),
then ``oxigraph serve-read-only`` answers on loopback by default: SPARQL at
``/query``, a query page at ``/``. The folder goes when the server stops.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import PushError
from .push import resolve_graph_file

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "Server", "find_oxigraph", "running_server"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878


@dataclass(frozen=True)
class Server:
    """A running endpoint."""

    process: subprocess.Popen
    url: str
    graph_file: Path
    triples: int

    @property
    def endpoint(self) -> str:
        return f"{self.url}/query"


def find_oxigraph() -> str:
    """The ``oxigraph`` server command: on PATH, or next to this Python.

    Raises:
        PushError: it is not installed (the message says how to install it).
    """
    found = shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))
    if not found:
        raise PushError("the oxigraph server is not installed; pip install 'papergraph-kg[serve]' (or oxigraph)")
    return found


def _load(command: str, graph_file: Path, location: Path) -> None:
    done = subprocess.run(
        [command, "load", "--location", str(location), "--file", str(graph_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        detail = " ".join(done.stderr.split())[:300]
        raise PushError(f"{graph_file.as_posix()}: oxigraph could not load it ({detail})")


def _count(url: str) -> int | None:
    query = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    request = urllib.request.Request(f"{url}/query?query={query}", headers={"Accept": "text/csv"})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return int(answer.read().decode("utf-8").split()[-1])
    except (OSError, ValueError, urllib.error.URLError):
        return None


@contextmanager
def running_server(
    source: str | os.PathLike[str] = "output",
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    timeout: float = 60.0,
    startup: float = 120.0,
) -> Iterator[Server]:
    """Load ``graph.nt`` and run a read-only endpoint until the block ends.

    ``timeout`` bounds each query (seconds); ``startup`` bounds loading and
    start-up together.

    Raises:
        PushError: no graph, no oxigraph, a load failure, or a server that
            did not start (e.g. the port is taken).
    """
    graph_file = resolve_graph_file(source)
    command = find_oxigraph()
    with tempfile.TemporaryDirectory(prefix="papergraph-serve-") as folder:
        location = Path(folder) / "store"
        _load(command, graph_file, location)
        url = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
        process = subprocess.Popen(
            [
                command,
                "serve-read-only",
                "--location",
                str(location),
                "--bind",
                f"{host}:{port}",
                "--timeout-s",
                str(max(1, round(timeout))),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            triples = _wait_until_serving(process, url, port, startup)
            yield Server(process, url, graph_file, triples)
        finally:
            _stop(process)


def _wait_until_serving(process: subprocess.Popen, url: str, port: int, startup: float) -> int:
    """The number of triples, once the server answers (its first answer also says it is up).

    Raises:
        PushError: the server stopped, or did not answer within ``startup`` seconds.
    """
    deadline = time.monotonic() + startup
    triples = _count(url)
    while triples is None:
        if process.poll() is not None:
            detail = " ".join((process.stderr.read() if process.stderr else "").split())[:300]
            raise PushError(f"the oxigraph server stopped at start ({detail}); is port {port} taken? try --port")
        if time.monotonic() > deadline:
            raise PushError(f"the oxigraph server did not answer on {url} within {startup:g} s")
        time.sleep(0.05)
        triples = _count(url)
    return triples


def _stop(process: subprocess.Popen) -> None:
    """Stop the server, politely first; a server that ignores SIGTERM for 10 s is killed."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stderr:
        process.stderr.close()
