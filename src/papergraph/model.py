"""The records papergraph reads into: frozen, hashable, with source positions.

Every record that comes from a file carries where it came from, so that any
fact in any export can be traced back to ``file:line``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "LINE_DROPPING_CODES",
    "AgentKind",
    "ArxivRef",
    "Author",
    "Corpus",
    "Diagnostic",
    "Document",
    "Entry",
    "InputSource",
    "ItemKind",
    "SourceSpan",
    "TextLine",
    "WebLink",
    "WikiLink",
]


class AgentKind(str, Enum):
    PERSON = "person"
    ORGANIZATION = "organization"


class ItemKind(str, Enum):
    """What an entry is about. Only papers get ``schema:ScholarlyArticle``."""

    PAPER = "paper"
    MODEL = "model"
    BLOG = "blog"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class SourceSpan:
    """A 1-based, inclusive range of lines in one file."""

    path: str
    line_start: int
    line_end: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line_start}-{self.line_end}"


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line of text as written, with its 1-based line number."""

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    kind: AgentKind
    line: int


@dataclass(frozen=True, slots=True)
class ArxivRef:
    """An inline link to an arXiv paper.

    ``arxiv_id`` is canonical (no version, lower-case old-style archive);
    ``version`` is the ``vN`` written in the URL, if any; ``label`` is the
    name written just before the link (``LM-Infinite (https://...)``).
    """

    arxiv_id: str
    version: int | None
    label: str | None
    line: int
    url: str


@dataclass(frozen=True, slots=True)
class WebLink:
    """An inline link to anything that is not an arXiv paper."""

    url: str
    line: int


@dataclass(frozen=True, slots=True)
class WikiLink:
    """An Obsidian ``[[target]]`` link, as written (without the brackets)."""

    target: str
    line: int


@dataclass(frozen=True, slots=True)
class Entry:
    """One note about one item: a digest entry or a vault note."""

    source: SourceSpan
    title: str
    title_lines: tuple[int, ...]
    kind: ItemKind = ItemKind.PAPER
    authors: tuple[Author, ...] = ()
    author_lines: tuple[int, ...] = ()
    urls: tuple[TextLine, ...] = ()
    abstract: TextLine | None = None
    commentary_ko: tuple[TextLine, ...] = ()
    commentary_en: tuple[TextLine, ...] = ()
    tags: tuple[str, ...] = ()
    tag_lines: tuple[int, ...] = ()
    refs: tuple[ArxivRef, ...] = ()
    links: tuple[WebLink, ...] = ()
    wiki_links: tuple[WikiLink, ...] = ()
    arxiv_id: str | None = None
    other_lines: tuple[int, ...] = ()
    """Lines that belong to the entry but to no field above (vault markup such
    as ``# Links`` headings or ``<english>`` tags), kept for line accounting."""

    def accounted_lines(self) -> tuple[int, ...]:
        """Every line number this entry claims, in order (for line accounting)."""
        texts = {c.line for c in self.commentary_ko} | {c.line for c in self.commentary_en}
        numbers = [
            *self.title_lines,
            *self.author_lines,
            # a vault note's own URL may share its line with commentary ("https://… 메모")
            *(u.line for u in self.urls if u.line not in texts),
            *((self.abstract.line,) if self.abstract else ()),
            *(c.line for c in self.commentary_ko),
            *(c.line for c in self.commentary_en),
            *self.tag_lines,
            *self.other_lines,
        ]
        return tuple(sorted(numbers))


@dataclass(frozen=True, slots=True)
class Document:
    """One input file: a digest (dated, many entries) or a vault note (one entry)."""

    path: str
    """The path as reached from the input argument (used in messages)."""
    relpath: str
    """The path relative to the input root, with ``/`` (used in exports)."""
    source_kind: str
    """``"digest"`` or ``"vault"``."""
    date: str | None = None
    part: int | None = None
    header: str | None = None
    header_line: int | None = None
    entries: tuple[Entry, ...] = ()
    line_count: int = 0
    content_lines: tuple[int, ...] = ()
    """Numbers of the non-blank lines (for line accounting)."""


@dataclass(frozen=True, slots=True)
class InputSource:
    """One input as given to a build (a folder or a file), for provenance in the RDF."""

    name: str
    """The folder's or file's own name (never its absolute path, so exports do not depend on the machine)."""
    sha256: str
    """A hash over its files' relative paths and contents."""
    paths: tuple[str, ...] = ()
    """The relative paths of its files (``Document.relpath``), in reading order."""


# Diagnostics with these codes stand for a line whose content was not kept in
# any record field; every other diagnostic is about a line that was kept.
LINE_DROPPING_CODES = frozenset({"orphan-tags", "extra-header", "bad-header", "orphan-line"})


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem in the input that papergraph recovered from."""

    path: str
    line: int
    message: str
    code: str = "input"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Corpus:
    """Everything read from the inputs, in a deterministic order."""

    documents: tuple[Document, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(e for d in self.documents for e in d.entries)
