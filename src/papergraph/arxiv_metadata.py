"""arXiv metadata from JSON Lines files: read them, and put them on the graph.

The files have the format of the public arXiv metadata snapshot: one JSON
object per line with ``id``, ``title``, ``authors``, ``authors_parsed``,
``categories``, ``abstract``, ``doi``, ``versions`` and ``update_date``, plain
or gzip-compressed (``papergraph enrich`` writes the same format).

The snapshot is several GB, so :func:`read_arxiv_metadata` streams it and
keeps only the ids the graph needs. It looks at the id at the start of each
line with one regular expression and parses the JSON only of the lines whose
id is wanted; a line that does not start with its id (another tool's key
order) is parsed in full, so nothing is missed, only slower.

What the build does with the records (:func:`link_with_metadata`):

1. **Identity.** A digest entry with no arXiv id whose normalised title equals
   the title of exactly one record gets that record's id (step 4 of
   :class:`papergraph.linking._ItemResolver`), so citations of the id
   land on the noted item; a title shared by several ids is a diagnostic.
2. **Facts.** :func:`apply_arxiv_metadata` gives every paper node with a
   record its title (cited papers show it instead of ``arXiv:ID``), authors as
   person nodes with ``authored_by`` edges (so they join the co-author
   network), categories, first-version date, abstract and DOI, and the name
   of the file they came from. What the notes say (title, authors, abstract
   of a noted paper) is kept; the metadata only fills what is missing.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import IO, Any

import networkx as nx

from .errors import InputError
from .graph import Attr, EdgeKind, NodeKind, build_graph
from .identifiers import agent_key, node_id, normalize_title, parse_arxiv_id
from .linking import LinkedCorpus, link_corpus
from .model import Corpus, Diagnostic

__all__ = [
    "CATEGORY_NAMES",
    "ArxivMetadata",
    "ArxivRecord",
    "apply_arxiv_metadata",
    "category_name",
    "iter_metadata_lines",
    "link_with_metadata",
    "metadata_signature",
    "parse_metadata_line",
    "read_arxiv_metadata",
    "record_to_json",
    "title_index",
    "wanted_ids",
]

CODE = "arxiv-metadata"

# The id when it is the first key of the line, as in the snapshot and in what
# `papergraph enrich` writes; matched on bytes, before any decoding.
_ID_FIRST = re.compile(rb'\s*\{\s*"id"\s*:\s*"([^"\\]*)"')


# Names of the arXiv categories papergraph's readers meet most (the taxonomy
# at https://arxiv.org/category_taxonomy); any other category is labelled
# with its code.
CATEGORY_NAMES = {
    "cs.AI": "Artificial Intelligence",
    "cs.AR": "Hardware Architecture",
    "cs.CC": "Computational Complexity",
    "cs.CE": "Computational Engineering, Finance, and Science",
    "cs.CG": "Computational Geometry",
    "cs.CL": "Computation and Language",
    "cs.CR": "Cryptography and Security",
    "cs.CV": "Computer Vision and Pattern Recognition",
    "cs.CY": "Computers and Society",
    "cs.DB": "Databases",
    "cs.DC": "Distributed, Parallel, and Cluster Computing",
    "cs.DL": "Digital Libraries",
    "cs.DM": "Discrete Mathematics",
    "cs.DS": "Data Structures and Algorithms",
    "cs.ET": "Emerging Technologies",
    "cs.FL": "Formal Languages and Automata Theory",
    "cs.GL": "General Literature",
    "cs.GR": "Graphics",
    "cs.GT": "Computer Science and Game Theory",
    "cs.HC": "Human-Computer Interaction",
    "cs.IR": "Information Retrieval",
    "cs.IT": "Information Theory",
    "cs.LG": "Machine Learning",
    "cs.LO": "Logic in Computer Science",
    "cs.MA": "Multiagent Systems",
    "cs.MM": "Multimedia",
    "cs.MS": "Mathematical Software",
    "cs.NA": "Numerical Analysis",
    "cs.NE": "Neural and Evolutionary Computing",
    "cs.NI": "Networking and Internet Architecture",
    "cs.OH": "Other Computer Science",
    "cs.OS": "Operating Systems",
    "cs.PF": "Performance",
    "cs.PL": "Programming Languages",
    "cs.RO": "Robotics",
    "cs.SC": "Symbolic Computation",
    "cs.SD": "Sound",
    "cs.SE": "Software Engineering",
    "cs.SI": "Social and Information Networks",
    "cs.SY": "Systems and Control",
    "econ.EM": "Econometrics",
    "eess.AS": "Audio and Speech Processing",
    "eess.IV": "Image and Video Processing",
    "eess.SP": "Signal Processing",
    "eess.SY": "Systems and Control",
    "math.NA": "Numerical Analysis",
    "math.OC": "Optimization and Control",
    "math.PR": "Probability",
    "math.ST": "Statistics Theory",
    "q-bio.NC": "Neurons and Cognition",
    "q-bio.QM": "Quantitative Methods",
    "stat.AP": "Applications",
    "stat.CO": "Computation",
    "stat.ME": "Methodology",
    "stat.ML": "Machine Learning",
    "stat.OT": "Other Statistics",
    "stat.TH": "Statistics Theory",
}


def category_name(code: str) -> str:
    """The name of an arXiv category, or its code when papergraph does not know it.

    >>> category_name("cs.CL"), category_name("hep-th")
    ('Computation and Language', 'hep-th')
    """
    return CATEGORY_NAMES.get(code, code)


@dataclass(frozen=True, slots=True)
class ArxivRecord:
    """What papergraph keeps of one line of an arXiv metadata file."""

    arxiv_id: str
    title: str
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    abstract: str | None = None
    doi: str | None = None
    published: str | None = None
    """The date of the first version, ``YYYY-MM-DD``."""
    source: str = ""
    """The name of the file the record was read from (provenance)."""


@dataclass(frozen=True)
class ArxivMetadata:
    """The records read for a build, by arXiv id, and the problems found."""

    records: Mapping[str, ArxivRecord]
    diagnostics: tuple[Diagnostic, ...] = ()
    lines: int = 0
    """Lines read in all files (kept or not)."""


# ---------------------------------------------------------------- parsing


def _text(value: object) -> str:
    """A snapshot string with its line breaks and runs of spaces collapsed."""
    return " ".join(str(value).split()) if value else ""


def _authors(data: Mapping[str, Any]) -> tuple[str, ...]:
    """Names as written: from ``authors_parsed`` (``[last, first, suffix]``,
    LaTeX accents already resolved) when present, else ``authors`` split on
    commas and a last " and "."""
    parsed = data.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed:
            if isinstance(parts, list) and parts:
                last, first, suffix = ([*map(_text, parts), "", ""])[:3]
                name = " ".join(p for p in (first, last, suffix) if p)
                if name:
                    names.append(name)
        return tuple(names)
    written = _text(data.get("authors"))
    if not written:
        return ()
    pieces = re.split(r",\s*(?:and\s+)?|\s+and\s+", written)
    return tuple(p.strip() for p in pieces if p.strip())


def _first_version_date(data: Mapping[str, Any]) -> str | None:
    versions = data.get("versions")
    if not isinstance(versions, list):
        return None
    for version in versions:
        if isinstance(version, Mapping) and version.get("version") == "v1" and version.get("created"):
            try:
                return parsedate_to_datetime(str(version["created"])).date().isoformat()
            except (TypeError, ValueError):
                return None
    return None


def parse_metadata_line(line: bytes | str, source: str = "") -> ArxivRecord:
    """One line of a metadata file as a record.

    >>> parse_metadata_line('{"id": "2301.03728", "title": "Scaling\\\\n  Laws", "categories": "cs.CL cs.LG"}').categories
    ('cs.CL', 'cs.LG')

    Raises:
        ValueError: the line is not a JSON object with a valid ``id`` and a
            ``title``; the message says what is wrong.
    """
    try:
        data = json.loads(line)
    except ValueError as error:
        raise ValueError(f"not JSON ({error})") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    found = parse_arxiv_id(str(data.get("id") or ""))
    if found is None:
        raise ValueError(f"no valid arXiv id (id is {data.get('id')!r})")
    title = _text(data.get("title"))
    if not title:
        raise ValueError(f"{found.id}: no title")
    doi = _text(data.get("doi")).split(" ")[0] or None
    return ArxivRecord(
        arxiv_id=found.id,
        title=title,
        authors=_authors(data),
        categories=tuple(_text(data.get("categories")).split()),
        abstract=_text(data.get("abstract")) or None,
        doi=doi,
        published=_first_version_date(data),
        source=source,
    )


def record_to_json(
    record: ArxivRecord, *, authors_parsed: Sequence[Sequence[str]] | None = None, **extra: object
) -> str:
    """One line in the snapshot's format (``id`` first, so readers can filter it cheaply)."""
    created = None
    if record.published:
        day = datetime.fromisoformat(record.published).replace(tzinfo=timezone.utc)
        created = format_datetime(day, usegmt=True)
    names = list(record.authors)
    data = {
        "id": record.arxiv_id,
        "title": record.title,
        "authors": ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + (names[-1] if names else ""),
        "authors_parsed": [list(p) for p in authors_parsed]
        if authors_parsed is not None
        else [_split_name(name) for name in names],
        "categories": " ".join(record.categories),
        "abstract": record.abstract,
        "doi": record.doi,
        "versions": [{"version": "v1", "created": created}] if created else [],
        "update_date": record.published,
        **extra,
    }
    return json.dumps(data, ensure_ascii=False)


def _split_name(name: str) -> list[str]:
    """``[last, first, suffix]`` as in ``authors_parsed`` (the last word is the surname)."""
    first, _, last = name.rpartition(" ")
    return [last, first, ""]


# ---------------------------------------------------------------- reading


def _open(path: Path) -> IO[bytes]:
    """A binary stream of the file, decompressed if it starts like gzip (whatever its name)."""
    stream = path.open("rb")
    if stream.peek(2)[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[return-value]
    return stream


def iter_metadata_lines(path: str | os.PathLike[str]) -> Iterator[tuple[int, bytes]]:
    """``(line number, raw line)`` of a plain or gzip metadata file, streamed.

    Raises:
        InputError: the file cannot be opened.
        EOFError, OSError: the compressed stream is cut or corrupt.
    """
    file = Path(path)
    try:
        stream = _open(file)
    except FileNotFoundError:
        raise InputError(
            f"{file.as_posix()}: no such metadata file; check the path given to --arxiv-metadata"
        ) from None
    except OSError as error:
        raise InputError(f"{file.as_posix()}: cannot read ({error.strerror or error})") from None
    with stream:
        yield from enumerate(stream, start=1)


def read_arxiv_metadata(
    paths: Iterable[str | os.PathLike[str]], wanted: Collection[str] | None = None
) -> ArxivMetadata:
    """Stream metadata files and keep the records of ``wanted`` ids (all when None).

    Files are read in the order given; a later record of an id replaces an
    earlier one. A line that cannot be read becomes a diagnostic with
    ``file:line`` and the rest still loads; memory holds only the kept records.

    Raises:
        InputError: a file does not exist or cannot be opened.
    """
    keys = None if wanted is None else {i.encode() for i in wanted}
    records: dict[str, ArxivRecord] = {}
    diagnostics: list[Diagnostic] = []
    lines = 0
    for path in paths:
        file = Path(path)
        name, shown = file.name, file.as_posix()
        number = 0
        try:
            for number, line in iter_metadata_lines(file):
                match = _ID_FIRST.match(line)
                if match is not None and keys is not None and match.group(1) not in keys:
                    continue
                if not line.strip():
                    continue
                try:
                    found = parse_metadata_line(line, name)
                except ValueError as error:
                    diagnostics.append(
                        Diagnostic(shown, number, f"arXiv metadata line skipped: {error}; fix or remove the line", CODE)
                    )
                    continue
                if wanted is None or found.arxiv_id in wanted:
                    records[found.arxiv_id] = found
        except (EOFError, OSError, gzip.BadGzipFile) as error:
            diagnostics.append(
                Diagnostic(
                    shown,
                    number + 1,
                    f"the file ends early or is corrupt ({error}); the lines before were kept; "
                    "download or write the file again",
                    CODE,
                )
            )
        lines += number
    return ArxivMetadata(dict(sorted(records.items())), tuple(diagnostics), lines)


def metadata_signature(paths: Iterable[str | os.PathLike[str]]) -> list[list[object]]:
    """What identifies the files for the build's up-to-date check: path, size and
    modification time (hashing a several-GB snapshot on every build would cost more
    than the build)."""
    signature: list[list[object]] = []
    for path in paths:
        file = Path(path)
        try:
            stat = file.stat()
        except OSError:
            signature.append([str(file.resolve()), None, None])
            continue
        signature.append([str(file.resolve()), stat.st_size, stat.st_mtime_ns])
    return signature


# ---------------------------------------------------------------- applying


def wanted_ids(corpus: Corpus) -> set[str]:
    """The arXiv ids a build of ``corpus`` can use: noted and cited papers."""
    ids: set[str] = set()
    for entry in corpus.entries:
        if entry.arxiv_id:
            ids.add(entry.arxiv_id)
        ids.update(ref.arxiv_id for ref in entry.refs)
    return ids


def title_index(records: Iterable[ArxivRecord]) -> dict[str, set[str]]:
    """arXiv ids by normalised title (several ids when papers share a title)."""
    index: dict[str, set[str]] = {}
    for found in records:
        index.setdefault(normalize_title(found.title), set()).add(found.arxiv_id)
    return index


_PAPER_KINDS = frozenset({NodeKind.ITEM.value, NodeKind.ARXIV.value})
# Which node kinds show the metadata title as their label: a cited paper's
# label is only "arXiv:ID" until then; a noted item keeps the title its notes give.
_LABEL_FROM_TITLE = {NodeKind.ARXIV.value: True, NodeKind.ITEM.value: False}


def _facts(found: ArxivRecord) -> dict[str, object]:
    return {
        Attr.TITLE: found.title,
        Attr.ABSTRACT: found.abstract,
        Attr.CATEGORIES: list(found.categories),
        Attr.PUBLISHED: found.published,
        Attr.DOI: found.doi,
        Attr.METADATA_SOURCE: found.source,
    }


def _has_authors(G: nx.MultiDiGraph, node: str) -> bool:
    return any(key == EdgeKind.AUTHORED_BY.value for _, _, key in G.out_edges(node, keys=True))


def _add_authors(G: nx.MultiDiGraph, node: str, found: ArxivRecord) -> None:
    for position, name in enumerate(found.authors, start=1):
        key = agent_key(name)
        agent = node_id("agent", key)
        if agent not in G:
            G.add_node(
                agent,
                **{Attr.KIND: NodeKind.PERSON.value, Attr.LABEL: name, Attr.KEY: key, Attr.NAME: name},
            )
        if G.has_edge(node, agent, key=EdgeKind.AUTHORED_BY.value):
            continue  # the same name twice in one author list
        G.add_edge(
            node,
            agent,
            key=EdgeKind.AUTHORED_BY.value,
            **{
                Attr.KIND: EdgeKind.AUTHORED_BY.value,
                Attr.POSITION: position,
                Attr.NAME: name,
                Attr.METADATA_SOURCE: found.source,
            },
        )


def apply_arxiv_metadata(G: nx.MultiDiGraph, records: Mapping[str, ArxivRecord]) -> nx.MultiDiGraph:
    """Give the paper nodes of ``G`` what ``records`` know about them; return ``G``.

    ``G`` is changed in place (copying a big graph would double the build's
    memory). Deterministic: nodes are visited in graph order, and new person
    nodes are added after the existing nodes in that order.
    """
    papers = [
        (node, data, records[data[Attr.ARXIV_ID]])
        for node, data in G.nodes(data=True)
        if data.get(Attr.KIND) in _PAPER_KINDS and data.get(Attr.ARXIV_ID) in records
    ]
    for node, data, found in papers:
        for attr, value in _facts(found).items():
            if value and not data.get(attr):
                data[attr] = value
        if _LABEL_FROM_TITLE[data[Attr.KIND]]:
            data[Attr.LABEL] = found.title
        if found.authors and not _has_authors(G, node):
            data[Attr.AUTHORS] = list(found.authors)
            _add_authors(G, node, found)
    return G


def link_with_metadata(corpus: Corpus, paths: Sequence[str | os.PathLike[str]]) -> tuple[LinkedCorpus, nx.MultiDiGraph]:
    """Link ``corpus`` and build its graph with the arXiv metadata in ``paths``.

    Without paths this is ``link_corpus`` then ``build_graph``. The metadata
    files' diagnostics are added to the linked corpus's.

    Raises:
        InputError: a metadata file does not exist or cannot be opened.
    """
    if not paths:
        linked = link_corpus(corpus)
        return linked, build_graph(linked)
    metadata = read_arxiv_metadata(paths, wanted_ids(corpus))
    linked = link_corpus(corpus, known_titles=title_index(metadata.records.values()))
    linked = replace(linked, diagnostics=(*linked.diagnostics, *metadata.diagnostics))
    return linked, apply_arxiv_metadata(build_graph(linked), metadata.records)
