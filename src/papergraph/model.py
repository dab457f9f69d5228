"""The records papergraph reads into: frozen, hashable, with source positions.

Every record that comes from a file carries where it came from, so that any
fact in any export can be traced back to ``file:line``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum
from operator import attrgetter
from typing import TypeVar, dataclass_transform

__all__ = [
    "LINE_DROPPING_CODES",
    "AgentKind",
    "ArxivRef",
    "Author",
    "Corpus",
    "Diagnostic",
    "Document",
    "Entry",
    "ItemKind",
    "SourceSpan",
    "TextLine",
    "WebLink",
    "WikiLink",
]


_Record = TypeVar("_Record", bound=type)


@dataclass_transform(frozen_default=True)
def record(cls: _Record) -> _Record:
    """A frozen, slotted dataclass that pickles as ``cls(*values)``.

    The parse cache holds thousands of these. A slotted dataclass otherwise
    unpickles through ``dataclasses._dataclass_setstate``, which looks the
    fields up again for every object: loading the sample's cache took ~1.5x
    as long that way.
    """
    cls = dataclass(frozen=True, slots=True)(cls)  # type: ignore[assignment]
    names = tuple(f.name for f in fields(cls))
    values = attrgetter(*names) if len(names) > 1 else (lambda self: (getattr(self, names[0]),))

    def __reduce__(self):
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign,assignment]
    return cls


class AgentKind(str, Enum):
    PERSON = "person"
    ORGANIZATION = "organization"


class ItemKind(str, Enum):
    """What an entry is about. Only papers get ``schema:ScholarlyArticle``."""

    PAPER = "paper"
    MODEL = "model"
    BLOG = "blog"
    OTHER = "other"


@record
class SourceSpan:
    """A 1-based, inclusive range of lines in one file."""

    path: str
    line_start: int
    line_end: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line_start}-{self.line_end}"


@record
class TextLine:
    """One line of text as written, with its 1-based line number."""

    line: int
    text: str


@record
class Author:
    name: str
    kind: AgentKind
    line: int


@record
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


@record
class WebLink:
    """An inline link to anything that is not an arXiv paper."""

    url: str
    line: int


@record
class WikiLink:
    """An Obsidian ``[[target]]`` link, as written (without the brackets)."""

    target: str
    line: int


@record
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


@record
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


# Diagnostics with these codes stand for a line whose content was not kept in
# any record field; every other diagnostic is about a line that was kept.
LINE_DROPPING_CODES = frozenset({"orphan-tags", "extra-header", "bad-header", "orphan-line"})


@record
class Diagnostic:
    """A problem in the input that papergraph recovered from."""

    path: str
    line: int
    message: str
    code: str = "input"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@record
class Corpus:
    """Everything read from the inputs, in a deterministic order."""

    documents: tuple[Document, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(e for d in self.documents for e in d.entries)
