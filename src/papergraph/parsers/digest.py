"""Read one digest: a Korean date line, then one entry per item.

The format and its real-world variations are described in
``docs/digest-format.md`` of the shared project documents. Entries have no
blank lines between them and often no closing tag line, so entry boundaries
come from three signals, in order of strength:

1. a hashtag line ends an entry;
2. a title-like line followed by an ``(authors)`` line starts one;
3. a short, title-like line followed by a bare URL line starts one (model
   releases and blog posts have no author line).

:func:`parse_digest` is pure: it takes the text and returns records and
diagnostics; reading files happens in :mod:`papergraph.pipeline`.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from ..identifiers import find_urls, has_hangul, parse_arxiv_id, parse_arxiv_url
from ..model import AgentKind, Author, Diagnostic, Document, Entry, SourceSpan, TextLine
from .common import (
    DOCUMENT_URL,
    LineReader,
    author_line_body,
    classify_item,
    find_references,
    is_author_line,
    is_prose,
    is_url_line,
    label_before_link,
    looks_like_name,
    parse_authors,
    split_korean_english,
    split_lines,
    split_top_level,
)

__all__ = ["is_digest_text", "label_before_link", "parse_authors", "parse_digest", "split_lines"]

DATE_HEADER = re.compile(
    r"^\s*(?P<y>\d{4})\s*년\s*(?P<m>\d{1,2})\s*월\s*(?P<d>\d{1,2})\s*일\s*"
    r"(?:\(\s*(?P<part>\d+)\s*\))?\s*$"
)
HEADER_LIKE = re.compile(r"^\s*\d{2,4}\s*년(?:\s|\d|$)")
DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
TAG_TOKEN = re.compile(r"^#[^\s#]+$")
# "| Some Title - 2005.01234": an older way of writing the item's own arXiv id
# (also with an arXiv link instead of the bare id).
OWN_ID_LINE = re.compile(
    r"^\s*\|\s*\S.*?\s[-–—]\s*(?:arxiv:\s*|(?:https?://)?(?:www\.)?arxiv\.org/(?:abs|pdf)/)?"
    r"(?P<id>\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+/\d{7}(?:v\d+)?)(?:\.pdf)?/?\s*$",
    re.I,
)
# An item without authors has a few own pages (at most 2 in any three
# quarters of 2023, 3 once); a longer column of links under a name is a list
# inside the commentary. The margin keeps the rule off one quarter's habits.
MAX_OWN_URL_LINES = 4


def is_digest_text(text: str) -> bool:
    """Whether a text looks like a digest (its first line is a Korean date)."""
    for line in split_lines(text[:400]):
        if line.strip():
            return bool(DATE_HEADER.match(line.lstrip("\ufeff")) or HEADER_LIKE.match(line))
    return False


# --------------------------------------------------------------------------
# line predicates


def _is_tag_line(text: str) -> bool:
    tokens = text.split()
    return bool(tokens) and all(TAG_TOKEN.match(t) for t in tokens)


def _is_title_like(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not is_url_line(stripped) and not _is_tag_line(stripped) and len(stripped) <= 400


def _is_title_with_authors(text: str) -> bool:
    """``Other Title (Author, Author)``: a title followed by an author list on one line."""
    stripped = text.strip()
    if not stripped.endswith(")") or has_hangul(stripped):
        return False
    depth = 0
    for offset in range(len(stripped) - 1, -1, -1):
        char = stripped[offset]
        depth += char == ")"
        depth -= char == "("
        if depth == 0:
            title = stripped[:offset].strip()
            return bool(title) and not find_urls(title) and is_author_line(stripped[offset:])
    return False


def _is_bare_title(text: str) -> bool:
    """A short line that can only be a title (used before URL lines)."""
    stripped = text.strip()
    return (
        _is_title_like(stripped)
        and len(stripped) <= 100
        and not has_hangul(stripped)
        and not re.search(r"[.:,;!]$", stripped)
        and not stripped.startswith(("(", "-", "*", ">", "[", "1.", "2.", "3."))
        and len(stripped.split()) <= 12
    )


# --------------------------------------------------------------------------
# the parser


@dataclass
class _Block:
    title: list[int]
    lines: list[int] = field(default_factory=list)
    tags: list[int] = field(default_factory=list)

    @property
    def last(self) -> int:
        return (self.tags or self.lines or self.title)[-1]


class _DigestParser(LineReader):
    def parse(self) -> tuple[Document, list[Diagnostic]]:
        date, part, header, header_line, first = self._header()
        blocks = self._segment(first)
        entries = tuple(self._entry(block) for block in blocks)
        return self.finish(
            source_kind="digest", date=date, part=part, header=header, header_line=header_line, entries=entries
        )

    def _header(self) -> tuple[str | None, int | None, str | None, int | None, int]:
        number = next((n for n, text in enumerate(self.lines, start=1) if text.strip()), None)
        if number is None:
            self.diagnose(1, "empty digest: no date line and no entries", "empty-file")
            return None, None, None, None, len(self.lines) + 1
        line = self.lines[number - 1]
        match = DATE_HEADER.match(line)
        fallback = self._date_from_name()
        hint = f"; using {fallback} from the file name" if fallback else ""
        if match:
            try:
                date = _dt.date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
            except ValueError:
                self.diagnose(number, f"malformed date line {line.strip()!r}: no such date{hint}", "bad-header")
                return fallback, None, None, None, number + 1
            part = int(match["part"]) if match["part"] else None
            return date, part, line.strip(), number, number + 1
        if HEADER_LIKE.match(line):
            self.diagnose(
                number,
                f"malformed date line {line.strip()!r}: expected 'YYYY년 M월 D일'{hint}",
                "bad-header",
            )
            return fallback, None, None, None, number + 1
        self.diagnose(
            number,
            f"missing date line: a digest starts with 'YYYY년 M월 D일'{hint}; reading entries from line {number}",
            "missing-header",
        )
        return fallback, None, None, None, number

    def _date_from_name(self) -> str | None:
        match = DATE_IN_NAME.search(self.path.rsplit("/", 1)[-1])
        if not match:
            return None
        try:
            return _dt.date(*map(int, match.groups())).isoformat()
        except ValueError:
            return None

    def _next_content(self, number: int) -> int | None:
        for candidate in range(number + 1, len(self.lines) + 1):
            if self.text(candidate).strip():
                return candidate
        return None

    def _segment(self, first: int) -> list[_Block]:
        blocks: list[_Block] = []
        current: _Block | None = None
        at_boundary = True
        for number in range(first, len(self.lines) + 1):
            line = self.text(number)
            if not line.strip():
                continue
            following = self._next_content(number)
            next_text = self.text(following) if following else ""
            if DATE_HEADER.match(line):
                self.diagnose(
                    number,
                    f"a second date line {line.strip()!r}; put each day in its own file",
                    "extra-header",
                )
                current, at_boundary = None, True
                continue
            if _is_tag_line(line) and not (at_boundary and is_author_line(next_text)):
                if current is not None and (not at_boundary or current.tags):
                    current.tags.append(number)
                else:
                    self.diagnose(number, f"hashtag line outside any entry: {line.strip()!r}", "orphan-tags")
                at_boundary = True
                continue
            if at_boundary:
                current = _Block(title=[number])
                blocks.append(current)
                at_boundary = False
                continue
            assert current is not None
            header_only = not current.lines
            if _is_title_like(line) and is_author_line(next_text) and not is_author_line(line):
                if header_only and len(current.title) == 1 and not is_author_line(self.text(current.title[0])):
                    current.title.append(number)  # a wrapped title
                    continue
                current = _Block(title=[number])
                blocks.append(current)
                continue
            if (
                _is_bare_title(line)
                and is_url_line(next_text)
                and current.lines
                and not is_url_line(self.text(current.last))
                and self._starts_item_without_authors(number)
            ):
                current = _Block(title=[number])
                blocks.append(current)
                continue
            current.lines.append(number)
        return blocks

    def _url_run(self, number: int) -> list[int]:
        """The URL lines right after line ``number``."""
        run: list[int] = []
        following = self._next_content(number)
        while following and is_url_line(self.text(following)):
            run.append(following)
            following = self._next_content(following)
        return run

    def _starts_item_without_authors(self, number: int) -> bool:
        """Whether a short line followed by URL lines opens an entry (a model
        release or a post with its own page), not a list inside commentary
        ("Acme" then a column of links).

        An item has one own arXiv page at most, and a few other pages; a
        digest prints the arXiv page rarely, so a name over several arXiv
        links, over one arXiv link when the name is a single word, or over a
        long column of links is a list; so is a run followed by another name
        over URL lines.
        """
        run = self._url_run(number)
        arxiv = sum(1 for n in run if parse_arxiv_url(self.text(n).strip().strip("<>")))
        single_word = len(self.text(number).split()) == 1
        if len(run) > MAX_OWN_URL_LINES or arxiv > 1 or (arxiv and single_word):
            return False
        after = self._next_content(run[-1])
        if after is None:
            return True
        return not (_is_bare_title(self.text(after)) and self._url_run(after))

    def _entry(self, block: _Block) -> Entry:
        title_text = " ".join(self.text(n).strip() for n in block.title)
        if is_url_line(title_text):
            self.diagnose(
                block.title[0],
                "entry starts with a URL instead of a title; the URL is used as the title",
                "title-is-url",
            )
        rest = list(block.lines)
        authors, author_lines = self._authors(rest)
        urls = self._own_urls(rest, has_person=any(a.kind is AgentKind.PERSON for a in authors))
        other_lines: list[int] = []
        own_id = self._own_id_line(rest, other_lines)
        abstract, korean, english = self._body(rest, has_authors=bool(authors))
        tags = [token[1:] for number in block.tags for token in self.text(number).split()]
        prose = ([abstract] if abstract else []) + list(korean) + list(english)
        refs, links = find_references(sorted(prose, key=lambda t: t.line), self.diagnose)
        own_ids = {found.id for found in (parse_arxiv_url(u.text) for u in urls) if found}
        if own_id is None and len(own_ids) == 1:
            own_id = own_ids.pop()  # several arXiv URL lines name no one paper
        return Entry(
            source=SourceSpan(self.path, block.title[0], block.last),
            title=title_text,
            title_lines=tuple(block.title),
            kind=classify_item(
                title_text,
                authors,
                tuple(urls),
                tuple(korean) + tuple(english),
                arxiv_id=own_id,
                has_abstract=abstract is not None,
            ),
            authors=authors,
            author_lines=tuple(author_lines),
            urls=tuple(urls),
            abstract=abstract,
            commentary_ko=tuple(korean),
            commentary_en=tuple(english),
            tags=tuple(tags),
            tag_lines=tuple(block.tags),
            refs=refs,
            links=links,
            arxiv_id=own_id,
            other_lines=tuple(other_lines),
        )

    def _authors(self, rest: list[int]) -> tuple[tuple[Author, ...], list[int]]:
        """Take the author line (one or two lines) from the front of ``rest``: the authors and their lines."""
        if not rest or not is_author_line(self.text(rest[0])):
            return (), []
        author_lines = [rest.pop(0)]
        body = author_line_body(self.text(author_lines[0]))
        # An author line that never closes may continue on the next line.
        if body and not body[1] and rest:
            nxt = self.text(rest[0]).strip()
            if nxt.endswith(")") and "(" not in nxt and all(looks_like_name(p) for p in split_top_level(nxt[:-1]) if p):
                author_lines.append(rest.pop(0))
        joined = " ".join(self.text(n).strip() for n in author_lines)
        return parse_authors(joined, author_lines[0]), author_lines

    def _own_urls(self, rest: list[int], *, has_person: bool) -> list[TextLine]:
        """Take the URL lines after the author line that are the item's own pages.

        For a paper, a URL line is its own page when an English abstract
        follows the URL lines (commentary never comes before the abstract) or
        when it points at a document; otherwise it is the first line of the
        commentary (a project page of an arXiv paper, ``body_starts_with_bare_url``).
        """
        run = 0
        while run < len(rest) and is_url_line(self.text(rest[run])):
            run += 1
        after = self.text(rest[run]).strip() if run < len(rest) else ""
        abstract_follows = is_prose(after) and not has_hangul(after) and not _is_title_with_authors(after)
        urls: list[TextLine] = []
        while rest and is_url_line(self.text(rest[0])):
            url_text = self.text(rest[0]).strip().strip("<>")
            if has_person and not urls and not abstract_follows and not DOCUMENT_URL.search(url_text):
                break
            urls.append(TextLine(rest.pop(0), url_text))
        return urls

    def _own_id_line(self, rest: list[int], other_lines: list[int]) -> str | None:
        """Take a ``| Title - 2005.01234`` line (the item's own arXiv id) out of the body."""
        for number in rest:
            match = OWN_ID_LINE.match(self.text(number))
            found = parse_arxiv_id(match["id"]) if match else None
            if found:
                rest.remove(number)
                other_lines.append(number)
                return found.id
        return None

    def _body(self, numbers: list[int], *, has_authors: bool) -> tuple[TextLine | None, list[TextLine], list[TextLine]]:
        body = [TextLine(n, self.text(n).strip()) for n in numbers]
        if not body:
            return None, [], []
        abstract = None
        # "Other Title (Author, Author)" right under the header is a second
        # header (a companion paper), not the abstract; the abstract may follow it.
        first = 0
        while first < len(body) - 1 and _is_title_with_authors(body[first].text):
            first += 1
        candidate = body[first].text
        if (
            has_authors
            and is_prose(candidate)
            and not has_hangul(candidate)
            and not _is_title_with_authors(candidate)
            and not is_url_line(candidate)
        ):
            abstract, body = body[first], body[:first] + body[first + 1 :]
        korean, english = split_korean_english(body)
        return abstract, korean, english


def parse_digest(text: str, *, path: str, relpath: str | None = None) -> tuple[Document, list[Diagnostic]]:
    """Parse the text of one digest file.

    Args:
        text: the decoded file content.
        path: the path shown in diagnostics and ``source.path``.
        relpath: the path relative to the input root, used in exports
            (defaults to ``path``).

    Returns:
        The document with its entries, and the diagnostics, sorted by line.

    >>> doc, problems = parse_digest("2024년 5월 22일\\nPhi-3\\nPhi-3 모델 공개\\n#llm\\n", path="d.txt")
    >>> doc.date, [e.title for e in doc.entries], doc.entries[0].tags, problems
    ('2024-05-22', ['Phi-3'], ('llm',), [])
    """
    return _DigestParser(text, path, relpath or path).parse()
