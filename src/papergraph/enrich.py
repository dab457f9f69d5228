"""``papergraph enrich``: fetch arXiv metadata for a graph's papers from the arXiv API.

The ids come from a build's ``graph.nt``; the answers are written to a
metadata file in the JSON Lines format of the arXiv metadata snapshot (see
:mod:`papergraph.arxiv_metadata`), which the next ``papergraph build
--arxiv-metadata FILE`` reads. ``build`` itself never uses the network.

Being a good client of https://info.arxiv.org/help/api/ :

* ``id_list`` batches of at most 100 ids, ``max_results`` set to match;
* at least 3 s between the starts of two requests (retries included), timed
  with an injectable clock so tests need no real sleeps;
* a ``User-Agent`` that names papergraph;
* a timeout on every request; HTTP 429/5xx, refused connections and
  timeouts are retried with exponential backoff (``Retry-After`` honoured);
* proxies from the environment (``https_proxy``, ``no_proxy``, ...) through
  urllib's default ``ProxyHandler``.

The file is written batch by batch (appended, flushed and synced), so an
interrupted run keeps what it fetched: ids already in the file are not
fetched again, and a last line cut off mid-write is removed first. Each line
records where and when it was fetched (``papergraph_source``,
``papergraph_retrieved``); the build outputs name only the file, and stay
deterministic.
"""

from __future__ import annotations

import os
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlencode

from . import __version__
from .arxiv_metadata import ArxivRecord, read_arxiv_metadata, record_to_json
from .errors import InputError, PapergraphError
from .identifiers import parse_arxiv_id, parse_arxiv_url

if TYPE_CHECKING:
    import urllib.request

__all__ = [
    "API_URL",
    "BATCH_SIZE",
    "MIN_INTERVAL",
    "USER_AGENT",
    "Clock",
    "EnrichError",
    "EnrichResult",
    "enrich",
    "graph_arxiv_ids",
    "parse_atom_feed",
]

API_URL = "https://export.arxiv.org/api/query"
BATCH_SIZE = 100
"""The most ids arXiv answers in one ``id_list`` request here."""
MIN_INTERVAL = 3.0
"""Seconds between the starts of two requests, as arXiv asks."""
USER_AGENT = f"papergraph/{__version__} (arXiv metadata for a personal paper-notes knowledge graph)"
TIMEOUT = 30.0
RETRIES = 4
BACKOFF = 5.0
"""Seconds before the first retry, doubled for each further one."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SOURCE = "arXiv API"
METADATA_FILE = "arxiv-metadata.jsonl"

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_NT_ARXIV_ID = re.compile(r'^<[^>]*> <http://purl\.org/spar/fabio/hasArXivId> "([^"\\]+)" \.$')


class EnrichError(PapergraphError):
    """The arXiv API could not be asked, or answered something unusable."""


class Clock(Protocol):
    """Time for pacing: ``monotonic()`` seconds, and ``sleep(seconds)``."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class _SystemClock:
    monotonic = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)


@dataclass
class EnrichResult:
    """What one run did."""

    path: Path
    wanted: int
    already: int
    fetched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """Ids the API did not describe (not written: a later run asks again)."""
    requests: int = 0
    repaired: bool = False
    """A cut-off last line was removed from the file before appending."""


# ---------------------------------------------------------------- the feed


def _text(element: ET.Element | None) -> str:
    return " ".join((element.text or "").split()) if element is not None else ""


def _date(value: str) -> str | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return None


def parse_atom_feed(data: bytes) -> list[tuple[ArxivRecord, list[list[str]]]]:
    """The papers of an arXiv API answer: each record and its ``authors_parsed``.

    Entries that are not papers (the API's ``Error`` entries, or an entry
    without a title for an id it does not know) are left out.

    Raises:
        ValueError: ``data`` is not an Atom feed.
    """
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise ValueError(f"not XML: {error}") from None
    if root.tag != f"{_ATOM}feed":
        raise ValueError(f"the root element is {root.tag!r}, not an Atom feed")
    papers = []
    for entry in root.iter(f"{_ATOM}entry"):
        found = parse_arxiv_url(_text(entry.find(f"{_ATOM}id")))
        title = _text(entry.find(f"{_ATOM}title"))
        if found is None or not title or title == "Error":
            continue
        names = [_text(author.find(f"{_ATOM}name")) for author in entry.findall(f"{_ATOM}author")]
        names = [name for name in names if name]
        categories = [c.get("term", "") for c in entry.findall(f"{_ATOM}category")]
        primary = entry.find(f"{_ARXIV}primary_category")
        if primary is not None and primary.get("term") in categories:
            # the snapshot lists the primary category first
            categories.remove(primary.get("term", ""))
            categories.insert(0, primary.get("term", ""))
        paper = ArxivRecord(
            arxiv_id=found.id,
            title=title,
            authors=tuple(names),
            categories=tuple(c for c in categories if c),
            abstract=_text(entry.find(f"{_ATOM}summary")) or None,
            doi=_text(entry.find(f"{_ARXIV}doi")) or None,
            published=_date(_text(entry.find(f"{_ATOM}published"))),
        )
        parsed = [[*reversed(name.rsplit(" ", 1)), ""] if " " in name else [name, "", ""] for name in names]
        papers.append((paper, parsed))
    return papers


# ---------------------------------------------------------------- the graph's ids


def graph_arxiv_ids(folder: str | os.PathLike[str]) -> list[str]:
    """The arXiv ids of every paper in a build's ``graph.nt``, sorted.

    Raises:
        InputError: the folder has no ``graph.nt``.
    """
    path = Path(folder) / "graph.nt"
    try:
        with path.open(encoding="utf-8") as lines:
            ids = {m.group(1) for m in map(_NT_ARXIV_ID.match, lines) if m}
    except FileNotFoundError:
        raise InputError(
            f"{path.as_posix()}: not found; build first (papergraph build INPUT -o {Path(folder).as_posix()}, "
            "with the rdf export)"
        ) from None
    return sorted(i for i in ids if parse_arxiv_id(i) is not None)


# ---------------------------------------------------------------- the file


def _is_gzip(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(2) == b"\x1f\x8b"
    except OSError:
        return False


def _repair(path: Path) -> bool:
    """Cut a last line that an interrupted run left without its newline."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    if size == 0:
        return False
    with path.open("rb+") as stream:
        stream.seek(-1, os.SEEK_END)
        if stream.read(1) == b"\n":
            return False
        # find the end of the last complete line, reading backwards in blocks
        end = size
        while end > 0:
            start = max(0, end - 65536)
            stream.seek(start)
            block = stream.read(end - start)
            newline = block.rfind(b"\n")
            if newline >= 0:
                stream.truncate(start + newline + 1)
                return True
            end = start
        stream.truncate(0)
    return True


def _append(path: Path, lines: Iterable[str]) -> None:
    with path.open("a", encoding="utf-8") as stream:
        for line in lines:
            stream.write(line + "\n")
        stream.flush()
        os.fsync(stream.fileno())


# ---------------------------------------------------------------- the requests


class _Fetcher:
    """GET with pacing, a timeout and retries."""

    def __init__(
        self,
        clock: Clock,
        opener: urllib.request.OpenerDirector,
        timeout: float,
        retries: int,
        say: Callable[[str], None],
    ):
        self.clock = clock
        self.opener = opener
        self.timeout = timeout
        self.retries = retries
        self.say = say
        self.last: float | None = None
        self.requests = 0

    def _pace(self) -> None:
        if self.last is not None:
            wait = self.last + MIN_INTERVAL - self.clock.monotonic()
            if wait > 0:
                self.clock.sleep(wait)
        self.last = self.clock.monotonic()

    def get(self, url: str) -> bytes:
        import urllib.error
        import urllib.request

        problem = ""
        asked = 0.0  # what a Retry-After header asked for
        for attempt in range(self.retries + 1):
            if attempt:
                delay = max(BACKOFF * 2 ** (attempt - 1), asked)
                self.say(f"{problem}; retrying in {delay:g} s")
                self.clock.sleep(delay)
            self._pace()
            self.requests += 1
            request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
            try:
                with self.opener.open(request, timeout=self.timeout) as response:
                    return response.read()
            except urllib.error.HTTPError as error:
                if error.code not in RETRY_STATUSES:
                    raise EnrichError(f"{url}: the arXiv API answered HTTP {error.code} {error.reason}") from None
                problem = f"HTTP {error.code}"
                asked = _retry_after(error.headers.get("Retry-After"))
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                problem = f"no answer ({getattr(error, 'reason', error)})"
                asked = 0.0
        raise EnrichError(f"{url}: the arXiv API did not answer after {self.retries + 1} tries ({problem})")


def _retry_after(value: str | None) -> float:
    """Seconds a ``Retry-After`` header asks to wait (seconds or an HTTP date; 0 when none)."""
    if not value:
        return 0.0
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return 0.0
        return max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())


def _batches(ids: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def enrich(
    ids: Iterable[str],
    path: str | os.PathLike[str],
    *,
    api_url: str = API_URL,
    batch_size: int = BATCH_SIZE,
    clock: Clock | None = None,
    opener: urllib.request.OpenerDirector | None = None,
    timeout: float = TIMEOUT,
    retries: int = RETRIES,
    retrieved: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> EnrichResult:
    """Fetch the metadata of ``ids`` that ``path`` does not have yet, appending to it.

    Args:
        ids: arXiv ids (canonical, without version).
        path: the metadata file (JSON Lines; created if missing).
        api_url: the API endpoint (another one for a mirror, or a test server).
        batch_size: ids per request, 1 to 100.
        clock: pacing and backoff time (default: the real one).
        opener: the urllib opener (default: ``build_opener()``, which takes
            proxies from the environment).
        retrieved: the retrieval time written into each line (default: now, UTC).
        progress: called with a short message after each request.

    Raises:
        EnrichError: the API failed after the retries, or answered something
            that is not an Atom feed; what was fetched before is kept.
        InputError: the metadata file cannot be read or written.
    """
    # urllib.request only here: it would slow every other papergraph command's start-up by ~10 ms
    import urllib.request

    if not 1 <= batch_size <= BATCH_SIZE:
        raise EnrichError(f"batch size {batch_size}: must be 1 to {BATCH_SIZE}")
    file = Path(path)
    say = progress or (lambda message: None)
    wanted = sorted(set(ids))
    repaired, have = _open_metadata(file, wanted)
    todo = [i for i in wanted if i not in have]
    result = EnrichResult(file, len(wanted), len(wanted) - len(todo), repaired=repaired)
    fetcher = _Fetcher(clock or _SystemClock(), opener or urllib.request.build_opener(), timeout, retries, say)
    stamp = retrieved or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for batch in _batches(todo, batch_size):
        url = f"{api_url}?{urlencode({'id_list': ','.join(batch), 'max_results': len(batch)})}"
        found = _fetch_batch(fetcher, url, batch, file, len(result.fetched))
        _save_batch(file, batch, found, stamp)
        result.fetched.extend(i for i in batch if i in found)
        result.missing.extend(i for i in batch if i not in found)
        result.requests = fetcher.requests
        say(f"{len(result.fetched) + len(result.missing)}/{len(todo)} ids asked")
    result.requests = fetcher.requests
    return result


def _save_batch(file: Path, batch: list[str], found: dict, stamp: str) -> None:
    """Append the records fetched for ``batch`` to ``file``, in the batch's order.

    Each batch is saved as soon as it arrives, so a later failure keeps what was fetched.
    """
    try:
        _append(
            file,
            (
                record_to_json(
                    found[i][0], authors_parsed=found[i][1], papergraph_source=SOURCE, papergraph_retrieved=stamp
                )
                for i in batch
                if i in found
            ),
        )
    except OSError as error:
        raise InputError(f"{file.as_posix()}: cannot write ({error.strerror or error})") from None


def _open_metadata(file: Path, wanted: list[str]) -> tuple[bool, set[str]]:
    """Repair a last line cut off by an interrupted run; the wanted ids the file already has."""
    if _is_gzip(file):
        raise EnrichError(
            f"{file.as_posix()}: is gzip-compressed and enrich appends to plain JSON Lines; "
            "give another file with -m and pass both to --arxiv-metadata"
        )
    try:
        repaired = _repair(file)
        # only the wanted ids: the file may be a whole snapshot
        have = set(read_arxiv_metadata([file], wanted).records) if file.exists() else set()
    except OSError as error:
        raise InputError(f"{file.as_posix()}: cannot read ({error.strerror or error})") from None
    return repaired, have


def _fetch_batch(fetcher: _Fetcher, url: str, batch: list[str], file: Path, fetched: int) -> dict:
    """The papers of one API answer that were asked for, by id."""
    data = fetcher.get(url)
    try:
        papers = parse_atom_feed(data)
    except ValueError as error:
        raise EnrichError(
            f"{url}: the arXiv API answered with a malformed Atom feed ({error}); "
            f"the {fetched} ids fetched before are in {file.as_posix()}; run enrich again later"
        ) from None
    return {paper.arxiv_id: (paper, parsed) for paper, parsed in papers if paper.arxiv_id in batch}
