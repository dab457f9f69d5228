"""Read one note of the researcher's Obsidian vault: one Markdown file per paper.

A note usually looks like this (``docs/vault-format.md``)::

    https://arxiv.org/abs/2309.15028                 <- own URL(s), first; the arXiv id comes from here
                                                     <- blank lines separate paragraphs
    *Full Title* (Author One, Author Two)            <- header: title (maybe wrapped, in * or **) and authors
    > The abstract, as a blockquote.                 <- optional
    Korean commentary, one paragraph per line        <- may cite papers inline, may hold [[wiki-links]]
    #tag-one #태그 #3d_generation                    <- hashtag line(s)
    <english>                                        <- optional English translation block
    English commentary
    </english>
    # Links                                          <- optional section of [[YYMMDD Other note.md]] links
    [[230627 CLIPA-v2]]

Real notes vary: the title may sit on the URL line, wrap over lines or be
missing (then the file name, without its ``YYMMDD`` prefix, is the title);
there may be several URLs or none; ``#1`` in prose and ``# Links`` headings
are not tags. Every non-blank line ends up in exactly one record field
(markup such as ``# Links`` or ``<english>`` in ``Entry.other_lines``), so
``papergraph stats`` can account for it.

:func:`parse_vault_note` is pure; reading files happens in
:mod:`papergraph.pipeline`. Wiki-links are resolved to notes later, in
:mod:`papergraph.linking`, because that needs the whole vault.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from ..identifiers import ArxivId, find_urls, has_hangul, parse_arxiv_id, parse_arxiv_url
from ..model import Author, Diagnostic, Document, Entry, SourceSpan, TextLine, WikiLink
from .common import (
    LineReader,
    classify_item,
    find_references,
    is_author_line,
    is_url_line,
    parse_authors,
    split_korean_english,
)

__all__ = ["date_from_file_name", "parse_vault_note", "title_from_file_name", "wiki_link_note_name"]

# "230110 Scaling Laws....md" (YYMMDD) or "2023-01-10 ....md"
SHORT_DATE_PREFIX = re.compile(r"^(\d{2})(\d{2})(\d{2})(?!\d)")
ISO_DATE_PREFIX = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
# A hashtag line is made only of '#word' tokens, as in digests. A line of bare
# numbers ("#1 #2") is an enumeration, not tags: Obsidian wants a non-digit too.
TAG_TOKEN = re.compile(r"^#[^\s#]+$")
WORD_TAG = re.compile(r"^#[^\s#]*[^\s#\d]")
# Hashtags ending a line of prose, after a space: "…튜닝하기. #vae #gan".
TRAILING_TAGS = re.compile(r"(?<=\s)(?P<tags>#[^\s#]*[^\s#\d][^\s#]*(?:\s+#[^\s#]*[^\s#\d][^\s#]*)*)\s*$")
CALLOUT = re.compile(r"^\[![^\]]*\][+-]?\s*")
HEADING = re.compile(r"^#{1,6}(?:\s|$)")
FENCE = re.compile(r"^\s*(```|~~~)")
BLOCKQUOTE = re.compile(r"^\s*>")
RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
WIKI_LINK = re.compile(r"(!?)\[\[([^\[\]\n]*?)\]\]")
INLINE_CODE = re.compile(r"`[^`]*`")
ENGLISH_OPEN = re.compile(r"<english>", re.I)
ENGLISH_CLOSE = re.compile(r"</english>", re.I)
# What is left of a line of wiki-links once the links are taken out: list
# bullets, separators and whitespace ("- [[a]], [[b]]").
LINK_LIST_REST = re.compile(r"^[\s\-*+•·,;|]*$")
# A stray character or two glued before the own URL ("-https://", "·https://").
STRAY_BEFORE_URL = re.compile(r"^[^\s\w\[(<]{1,2}(?=https?://)|^\w(?=https?://)")
# "(https://…)", "[https://…]": a URL alone in brackets.
BRACKETED_URL = re.compile(r"^[(\[]\s*(?P<url>https?://[^\s()\[\]]+)\s*[)\]]$")
# "Title (https://…)", "Title https://…", "Title <https://…>" on a note's first line.
TITLE_THEN_URL = re.compile(r"^(?P<title>.*?\S)\s*[(<\[]?(?P<url>https?://\S+?)[)>\]]?\s*$")
TITLE_URL_AUTHORS = re.compile(
    r"^(?P<title>.*?\S)\s*[(<\[](?P<url>https?://[^\s()<>\[\]]+)[)>\]]\s*(?P<authors>\(.*\))\s*$"
)
MARKDOWN_LINK_LINE = re.compile(r"^\s*\[(?P<label>[^\[\]]+)\]\((?P<url>[^()\s]+)\)\s*(?P<rest>.*)$")
# Other spellings of an arXiv id accepted by ``docs/data-model.md`` (§3) for a note's own URL.
ARXIV_DOI = re.compile(r"(?:doi\.org/)?10\.48550/arxiv\.(?P<id>[^\s?#/]+(?:/\d{7})?)", re.I)
HF_PAPERS = re.compile(r"huggingface\.co/papers/(?P<id>\d{4}\.\d{4,5}(?:v\d+)?)", re.I)
ARXIV_LIKE_HOST = re.compile(r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/", re.I)
EMPHASIS_MARKERS = ("**", "__", "*", "_")
# Attachments embedded with ![[...]] are not notes.
ATTACHMENT = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|bmp|pdf|mp4|webm|mov|mp3|wav|canvas|excalidraw)$", re.I)
TITLE_MAX_WORDS = 40
TITLE_MAX_CHARS = 300
MAX_HEADER_LINES = 6


def date_from_file_name(name: str) -> str | None:
    """The ISO date in a note's file name prefix (``YYMMDD`` or ``YYYY-MM-DD``), if valid.

    >>> date_from_file_name("230110 Scaling Laws.md"), date_from_file_name("231399 X.md")
    ('2023-01-10', None)
    """
    match = ISO_DATE_PREFIX.match(name)
    year = None
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = SHORT_DATE_PREFIX.match(name)
        if match:
            year, month, day = (int(g) for g in match.groups())
            year += 2000
    if year is None:
        return None
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def title_from_file_name(name: str) -> str:
    """A note's file name without the date prefix and the ``.md`` extension.

    >>> title_from_file_name("230914 Phi-1.5 2.md")
    'Phi-1.5 2'
    """
    stem = name[:-3] if name.lower().endswith(".md") else name
    for prefix in (ISO_DATE_PREFIX, SHORT_DATE_PREFIX):
        match = prefix.match(stem)
        if match and date_from_file_name(stem) and stem[match.end() :].strip():
            return stem[match.end() :].strip()
    return stem.strip()


def wiki_link_note_name(target: str) -> str:
    """The note a ``[[target]]`` points to: without alias, heading, block id and ``.md``.

    >>> wiki_link_note_name("230627 CLIPA-v2.md|CLIPA v2")
    '230627 CLIPA-v2'
    >>> wiki_link_note_name("Some note#Results")
    'Some note'
    """
    name = target.split("|", 1)[0].rstrip("\\")
    name = name.split("#", 1)[0].strip()
    return name[:-3] if name.lower().endswith(".md") else name


def _own_arxiv_id(url: str) -> ArxivId | None:
    found = parse_arxiv_url(url)
    if found:
        return found
    for pattern in (ARXIV_DOI, HF_PAPERS):
        match = pattern.search(url)
        if match:
            return parse_arxiv_id(match.group("id"))
    return None


def _owns_line(url: str) -> bool:
    """Whether a URL opening a line is the note's own even when no header follows it on the line."""
    return _own_arxiv_id(url) is not None


def _stray_word_in_tag_line(text: str) -> str | None:
    """The one word in a line of hashtags that is not a tag (``#vae #gan 참고``), if that is all."""
    tokens = text.split()
    others = [t for t in tokens if not TAG_TOKEN.match(t)]
    tags = [t for t in tokens if WORD_TAG.match(t)]
    if len(others) != 1 or not tags or len(tags) + 1 != len(tokens):
        return None
    word = others[0]
    if find_urls(word) or re.search(r"[.!?,:;()\[\]]", word) or (len(tags) < 2 and len(word) > 3):
        return None
    return word


def _is_tag_line(text: str) -> bool:
    tokens = text.split()
    return bool(tokens) and all(TAG_TOKEN.match(t) for t in tokens) and any(WORD_TAG.match(t) for t in tokens)


def _strip_emphasis(text: str) -> str:
    """``*Title* (A, B)`` → ``Title (A, B)``: drop one pair of emphasis markers at the start.

    The closing marker is one that ends a word (followed by a space, a
    bracket or the end), so a literal ``*`` in the title stays.

    >>> _strip_emphasis("*From $r$ to $Q^*$: Your Model* (Ann Lee)")
    'From $r$ to $Q^*$: Your Model (Ann Lee)'
    >>> _strip_emphasis("*From r to Q^** (Ann Lee)")
    'From r to Q^* (Ann Lee)'
    """
    for marker in EMPHASIS_MARKERS:
        if not text.startswith(marker) or text.startswith(marker + " "):
            continue
        size = len(marker)
        for end in range(size + 1, len(text) - size + 1):
            after = text[end + size : end + size + 1]
            if (
                text.startswith(marker, end)
                and not text[end - 1].isspace()
                and (not after or after.isspace() or after in "([,.:;")
            ):
                return text[size:end] + text[end + size :]
        return text
    return text


def _is_bare_title(text: str) -> bool:
    """A line that can only be a title when it opens a note (``Mamba: Linear-Time ...``)."""
    stripped = text.strip()
    return (
        bool(stripped)
        and len(stripped) <= TITLE_MAX_CHARS
        and len(stripped.split()) <= TITLE_MAX_WORDS
        and not has_hangul(stripped)
        and not find_urls(stripped)
        and not re.search(r"[.!?。:;,]$", stripped)
        and not stripped.startswith(("(", "-", "+", ">", "[", "!", "|", "<"))
        and not re.match(r"^\d+[.)]\s", stripped)
    )


def _is_title_text(title: str) -> bool:
    """Text before an author list that can be a title (a Korean sentence is commentary)."""
    return (
        bool(title)
        and len(title) <= TITLE_MAX_CHARS
        and not (has_hangul(title) and (len(title.split()) > 12 or re.search(r"[.!?。]$", title)))
    )


def _author_group_start(text: str) -> int | None:
    """Offset of the top-level ``(`` that opens the author list ending ``text``."""
    depth = 0
    last_open = None
    closes_at_end = None
    for offset, char in enumerate(text):
        if char == "(":
            if depth == 0:
                last_open = offset
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0 and not text[offset + 1 :].strip():
                closes_at_end = last_open
    start = closes_at_end if closes_at_end is not None else (last_open if depth else None)
    if start is None or not is_author_line(text[start:]):
        return None
    return start


@dataclass
class _Header:
    title: str
    title_lines: list[int]
    authors: tuple[Author, ...] = ()
    author_lines: list[int] = field(default_factory=list)
    unclosed_at: int | None = None


@dataclass
class _Body:
    """The body lines of a note sorted into fields."""

    abstract: TextLine | None = None
    prose: list[TextLine] = field(default_factory=list)
    english: list[TextLine] = field(default_factory=list)
    code: set[int] = field(default_factory=set)
    tags: list[str] = field(default_factory=list)
    tag_lines: list[int] = field(default_factory=list)
    other: list[int] = field(default_factory=list)


class _BodyReader:
    """Sorts the lines after a note's header into a :class:`_Body`.

    The body is read line by line with a little state, because a line alone
    does not say what it is: inside a code fence it is code, inside an
    ``<english>`` block it is English, and consecutive ``>`` lines are one
    blockquote whose place (before any prose: the abstract) is only known
    once it ends.
    """

    def __init__(self, reader: LineReader):
        self.reader = reader
        self.body = _Body()
        self.in_fence: int | None = None  # the line that opened the open code fence
        self.in_english: int | None = None  # the line that opened the open <english> block
        self.quote: list[int] = []  # the blockquote being read
        self.seen_prose = False

    def read(self, numbers: list[int]) -> _Body:
        previous = -1
        for number in numbers:
            stripped = self.reader.text(number).strip()
            if self.quote and (number != previous + 1 or not BLOCKQUOTE.match(stripped)):
                self._end_quote()
            previous = number
            if not (self._code(number, stripped) or self._english_tag(number, stripped)):
                self._line(number, stripped)
        self._end_quote()
        self._report_unclosed()
        return self.body

    def _code(self, number: int, stripped: str) -> bool:
        """Take a fence line or a line inside a fence; False for any other line."""
        body = self.body
        if self.in_fence is None:
            if not FENCE.match(stripped):
                return False
            self.in_fence = number
            body.other.append(number)
        elif FENCE.match(stripped):
            self.in_fence = None
            body.other.append(number)
        else:
            # Code stays text of its block (every line is in one field), and
            # ``body.code`` keeps references from being searched in it.
            body.code.add(number)
            self._text(number, stripped)
        return True

    def _english_tag(self, number: int, stripped: str) -> bool:
        """Take a line with ``<english>`` or ``</english>``; False for any other line."""
        opening = ENGLISH_OPEN.search(stripped) if self.in_english is None else None
        if opening:
            self.in_english = number
            before = stripped[: opening.start()].strip()
            stripped = ENGLISH_OPEN.sub("", stripped, count=1).strip()
            if ENGLISH_CLOSE.search(stripped):  # "<english>…</english>" on one line
                self.in_english = None
                stripped = ENGLISH_CLOSE.sub("", stripped, count=1).strip()
            if before:
                # "코멘트 <english>..." : the line reads as commentary, the block opens
                self.body.prose.append(TextLine(number, stripped))
                self.seen_prose = True
            else:
                self._english_or_markup(number, stripped)
            return True
        if self.in_english is not None and ENGLISH_CLOSE.search(stripped):
            self.in_english = None
            self._english_or_markup(number, ENGLISH_CLOSE.sub("", stripped, count=1).strip())
            return True
        return False

    def _english_or_markup(self, number: int, rest: str) -> None:
        """What is left of a line once its ``<english>`` tag is cut: English text, or markup if nothing."""
        if rest:
            self.body.english.append(TextLine(number, rest))
        else:
            self.body.other.append(number)

    def _line(self, number: int, stripped: str) -> None:
        """A line outside code and English tags: hashtags, markup, blockquote or prose."""
        stray = _stray_word_in_tag_line(stripped)
        if _is_tag_line(stripped) or stray:
            self._tag_line(number, stripped, stray)
        elif HEADING.match(stripped) or RULE.match(stripped) or _is_link_list(stripped):
            self.body.other.append(number)
        elif BLOCKQUOTE.match(stripped) and self.in_english is None:
            self.quote.append(number)
        else:
            # "…튜닝하기. #vae": hashtags that end a prose line are tags
            trailing = TRAILING_TAGS.search(stripped)
            if trailing:
                self.body.tags.extend(token[1:] for token in trailing["tags"].split())
                stripped = stripped[: trailing.start()].rstrip()
            self._text(number, stripped)
            self.seen_prose = True

    def _tag_line(self, number: int, stripped: str, stray: str | None) -> None:
        self.body.tags.extend(token[1:] for token in stripped.split() if token != stray)
        self.body.tag_lines.append(number)
        if stray:
            self.reader.diagnose(
                number, f"tag line has a word that is not a tag: {stray!r}; write it as #{stray}", "tag-word"
            )

    def _text(self, number: int, text: str) -> None:
        """A line of text, in the English block or in the commentary."""
        (self.body.english if self.in_english is not None else self.body.prose).append(TextLine(number, text))

    def _end_quote(self) -> None:
        """File the blockquote just read: the abstract when no prose came before it, else commentary."""
        quote, body = self.quote, self.body
        if not quote:
            return
        texts = [re.sub(r"^\s*>\s?", "", self.reader.text(n)).strip() for n in quote]
        if body.abstract is None and not self.seen_prose:
            if CALLOUT.match(texts[0]) and len(quote) > 1:
                # "> [!abstract] Abstract": the callout's heading is markup
                body.other.append(quote[0])
                quote, texts = quote[1:], texts[1:]
            body.abstract = TextLine(quote[0], " ".join(t for t in texts if t))
            body.other.extend(quote[1:])
        else:
            body.prose.extend(TextLine(n, self.reader.text(n).strip()) for n in quote)
        self.quote = []

    def _report_unclosed(self) -> None:
        if self.in_fence is not None:
            self.reader.diagnose(
                self.in_fence,
                "code block opened with ``` never closes; read to the end of the note as code",
                "unclosed-code",
            )
        if self.in_english is not None:
            self.reader.diagnose(
                self.in_english,
                "<english> block never closes; read to the end of the note as English (add </english>)",
                "unclosed-english",
            )


class _VaultParser(LineReader):
    def __init__(self, text: str, path: str, relpath: str):
        super().__init__(text, path, relpath)
        self.name = relpath.rsplit("/", 1)[-1]
        self.content = [n for n, line in enumerate(self.lines, start=1) if line.strip()]
        self.leading_prose: list[TextLine] = []
        self.front_matter_date: str | None = None

    def parse(self) -> tuple[Document, list[Diagnostic]]:
        entries: tuple[Entry, ...] = ()
        if self.content:
            entries = (self._entry(),)
        else:
            self.diagnose(
                1, "empty note: nothing to read; delete it or write the paper's URL on the first line", "empty-file"
            )
        # the file name's date, else the front matter's ``date:``/``created:``
        date = date_from_file_name(self.name) or self.front_matter_date
        return self.finish(source_kind="vault", date=date, entries=entries)

    def _entry(self) -> Entry:
        other: list[int] = []
        tags: list[str] = []
        position = self._front_matter(other, tags)
        urls, header, position = self._own_urls(position)
        if header is None:
            header, position = self._header(position)
            if header is not None and not urls:
                # "Title (Authors)" first, then the paper's URL alone on a line
                urls, _, position = self._own_urls(position, after_header=True)
        body = _BodyReader(self).read(self.content[position:])
        body.prose[:0] = self.leading_prose
        other.extend(body.other)
        tags.extend(body.tags)

        if header is None:
            header = _Header(title_from_file_name(self.name), [])
        if header.unclosed_at is not None:
            self.diagnose(header.unclosed_at, "author list never closes: add the missing ')'", "unclosed-authors")

        korean, english = split_korean_english(body.prose)
        english = sorted(english + body.english, key=lambda t: t.line)
        prose = [
            t
            for t in sorted([*([body.abstract] if body.abstract else []), *korean, *english], key=lambda t: t.line)
            if t.line not in body.code
        ]
        refs, links = find_references(prose, self.diagnose)
        arxiv = next((found for found in (_own_arxiv_id(u.text) for u in urls) if found), None)
        if arxiv is None:
            for url in urls:
                if ARXIV_LIKE_HOST.search(url.text):
                    self.diagnose(url.line, f"own URL {url.text!r} has no valid arXiv id; check the id", "bad-arxiv-id")
        return Entry(
            source=SourceSpan(self.path, self.content[0], self.content[-1]),
            title=header.title,
            title_lines=tuple(header.title_lines),
            kind=classify_item(header.title, header.authors, tuple(urls), tuple(korean) + tuple(english)),
            authors=header.authors,
            author_lines=tuple(header.author_lines),
            urls=tuple(urls),
            abstract=body.abstract,
            commentary_ko=tuple(korean),
            commentary_en=tuple(english),
            tags=tuple(tags),
            tag_lines=tuple(body.tag_lines),
            refs=refs,
            links=links,
            wiki_links=self._wiki_links(body.code),
            arxiv_id=arxiv.id if arxiv else None,
            other_lines=tuple(sorted(other)),
        )

    def _front_matter(self, other: list[int], tags: list[str]) -> int:
        """Skip a YAML front matter block (``---`` on line 1), taking its ``tags``."""
        if self.content[0] != 1 or self.text(1).strip() != "---":
            return 0
        for index, number in enumerate(self.content[1:], start=1):
            if self.text(number).strip() in ("---", "..."):
                block = self.content[: index + 1]
                other.extend(block)
                tags.extend(_front_matter_tags([self.text(n) for n in block[1:-1]]))
                self.front_matter_date = _front_matter_date([self.text(n) for n in block[1:-1]])
                return index + 1
        self.diagnose(1, "front matter opened with '---' never closes; read as note text", "unclosed-front-matter")
        return 0

    def _own_urls(self, position: int, *, after_header: bool = False) -> tuple[list[TextLine], _Header | None, int]:
        """The URL lines that open the note, and a header written on the last of them.

        The note's own URL is usually alone on the first line, but also comes
        with a stray character before it (``-https://…``), after the title
        (``Title (https://…)``, ``Title https://…``), before other text
        (``https://… some text``) or as a Markdown link. It is the note's own
        URL in all of these; otherwise the note would cite itself.
        """
        urls: list[TextLine] = []
        while position < len(self.content):
            number = self.content[position]
            stripped = STRAY_BEFORE_URL.sub("", self.text(number).strip(), count=1)
            stripped = BRACKETED_URL.sub(r"\g<url>", stripped)
            if is_url_line(stripped) and not (after_header and _own_arxiv_id(stripped) is None):
                found = find_urls(stripped)  # without a stray closing mark ("https://…`")
                urls.append(TextLine(number, found[0][1] if found else stripped.strip("<>")))
                position += 1
                continue
            if (urls or position == 0) and not after_header:
                seeded = self._url_with_title(number, stripped, position)
                if seeded is not None:
                    url, header, position = seeded
                    urls.append(url)
                    return urls, header, position
            break
        return urls, None, position

    def _url_with_title(self, number: int, stripped: str, position: int) -> tuple[TextLine, _Header | None, int] | None:
        """A URL that shares its line with the title (or other text): the URL claims the line."""
        split = _url_and_rest(stripped, first_line=position == 0)
        if split is None:
            return None
        url, rest = split
        header = None
        used = 1
        if not has_hangul(rest):
            # a wrapped rest may follow directly (no blank line)
            following = self._paragraph(position + 1)
            continued = following if following and following[0] == number + 1 else []
            pieces = [(number, rest)] + [(n, self.text(n).strip()) for n in continued]
            header, used = self._split_header(pieces, first_is_shared=True)
        if header is not None and not header.authors and position + used < len(self.content):
            following = self._paragraph(position + used)
            if following and is_author_line(self.text(following[0])):
                # "https://… Title", a blank line, then "(Authors)"
                self._take_author_line(header, following[0])
                return TextLine(number, url), header, position + used + 1
            below, _ = self._split_header([(n, self.text(n).strip()) for n in following]) if following else (None, 0)
            if below is not None and below.authors and _owns_line(url):
                # "https://… a remark", then the real "Title (Authors)"
                header = None
        if header is None:
            if not _owns_line(url):
                return None
            # "https://arxiv.org/abs/ID 메모": the URL is still the note's own;
            # the rest of the line is commentary
            self.leading_prose.append(TextLine(number, rest))
            return TextLine(number, url), None, position + 1
        return TextLine(number, url), header, position + used

    def _paragraph(self, position: int) -> list[int]:
        """The lines of the paragraph starting at ``content[position]`` that can be header lines."""
        lines: list[int] = []
        for number in self.content[position:]:
            if lines and number != lines[-1] + 1:
                break
            stripped = self.text(number).strip()
            if (
                is_url_line(stripped)
                or _is_tag_line(stripped)
                or HEADING.match(stripped)
                or BLOCKQUOTE.match(stripped)
                or FENCE.match(stripped)
                or ENGLISH_OPEN.search(stripped)
                or _is_link_list(stripped)
            ):
                break
            lines.append(number)
        return lines

    def _header(self, position: int) -> tuple[_Header | None, int]:
        """The title and authors after the own URLs, and where the body starts."""
        paragraph = self._paragraph(position)
        if not paragraph:
            return None, position
        header, used = self._split_header([(n, self.text(n).strip()) for n in paragraph])
        if header is None:
            return None, position
        position += used
        if not header.authors and position < len(self.content):
            # a title line, a blank line, then "(authors)"
            following = self._paragraph(position)
            if following and is_author_line(self.text(following[0])):
                self._take_author_line(header, following[0])
                position += 1
        return header, position

    def _take_author_line(self, header: _Header, number: int) -> None:
        """Give a header without authors the author line ``number`` (written below it, after a blank line)."""
        header.authors = parse_authors(self.text(number).strip(), number)
        header.author_lines = [number]
        if not self.text(number).rstrip().endswith(")"):
            header.unclosed_at = number

    def _split_header(
        self, pieces: list[tuple[int, str]], *, first_is_shared: bool = False
    ) -> tuple[_Header | None, int]:
        """Find ``Title (Authors)`` in the first lines of a paragraph; return it and the lines used.

        Tries the first line, then the first two, ... so that a title or an
        author list wrapped over lines is read whole, and commentary written
        right under the header (no blank line) is left alone. With
        ``first_is_shared`` the first piece is the rest of a URL line, which
        the URL field already claims.
        """
        found = self._author_split(pieces)
        if found is not None:
            count, joined, plain, start = found
            # which lines hold title text and which only the author list
            starts_at = start + len(joined) - len(plain)
            offsets, at = [], 0
            for number, text in pieces[:count]:
                offsets.append((at, number))
                at += len(text) + 1
            shared = {pieces[0][0]} if first_is_shared else set()
            title_lines = [n for begin, n in offsets if begin < starts_at and n not in shared]
            author_lines = [n for begin, n in offsets if begin >= starts_at and n not in shared]
            author_line = max(n for begin, n in offsets if begin <= starts_at)
            title = " ".join(plain[:start].split())
            header = _Header(title, title_lines, parse_authors(plain[start:], author_line), author_lines)
            if not plain.rstrip().endswith(")"):
                header.unclosed_at = pieces[count - 1][0]
            return header, count
        first_line, first = pieces[0]
        plain = _strip_emphasis(first)
        if _is_bare_title(plain) and (len(pieces) == 1 or not _is_bare_title(pieces[1][1])):
            return _Header(" ".join(plain.split()), [] if first_is_shared else [first_line]), 1
        # a title wrapped over a short paragraph of its own, without authors
        whole = " ".join(_strip_emphasis(" ".join(text for _, text in pieces)).split())
        if (
            not first_is_shared
            and 2 <= len(pieces) <= 3
            and self._ends_paragraph(pieces[-1][0])
            and all(_is_bare_title(text) for _, text in pieces)
            and _is_bare_title(whole)
        ):
            return _Header(whole, [number for number, _ in pieces]), len(pieces)
        return None, 0

    @staticmethod
    def _author_split(pieces: list[tuple[int, str]]) -> tuple[int, str, str, int] | None:
        """``(lines used, joined text, text without emphasis, offset of the author list)``.

        A closed author list as early as possible, so that commentary right
        under the header is left alone; but "Title ... (MoE)" that wraps on
        to "Inference (Author, ...)" is a title, so a one-word group gives
        way to a later one. Failing that, the longest unclosed author list.
        """
        most = min(len(pieces), MAX_HEADER_LINES)
        closed: list[tuple[int, str, str, int]] = []
        unclosed: list[tuple[int, str, str, int]] = []
        for count in range(1, most + 1):
            if count < most and is_author_line(pieces[count][1]):
                continue  # "Title (Abbrev)" with the real "(Authors)" on the next line
            joined = " ".join(text for _, text in pieces[:count])
            plain = _strip_emphasis(joined)
            start = _author_group_start(plain)
            if start is None or not _is_title_text(" ".join(plain[:start].split())):
                continue
            (closed if plain.rstrip().endswith(")") else unclosed).append((count, joined, plain, start))
        for candidate in closed:
            count, _, plain, start = candidate
            if len(plain[start:].strip("() ").split()) > 1 or candidate is closed[-1]:
                return candidate
        return unclosed[-1] if unclosed else None

    def _ends_paragraph(self, number: int) -> bool:
        return number == len(self.lines) or not self.text(number + 1).strip()

    def _wiki_links(self, code: set[int]) -> tuple[WikiLink, ...]:
        links: list[WikiLink] = []
        for number in self.content:
            if number in code:
                continue
            text = INLINE_CODE.sub("", self.text(number))
            for match in WIKI_LINK.finditer(text):
                target = match.group(2).strip()
                if match.group(1) and ATTACHMENT.search(wiki_link_note_name(target)):
                    continue
                if wiki_link_note_name(target) or target.startswith("#"):
                    links.append(WikiLink(target, number))
            if "[[" in WIKI_LINK.sub("", text):
                self.diagnose(number, "'[[' without a matching ']]': not read as a wiki-link", "bad-wikilink")
        return tuple(links)


def _url_and_rest(stripped: str, *, first_line: bool) -> tuple[str, str] | None:
    """A line's URL and the text sharing the line with it, in the shapes a note's opening line takes.

    ``[label](url) rest``; on the first line also ``Title (https://arxiv…)``
    and ``Title (https://arxiv…) (Authors)``; and ``https://… rest``. None
    when the line has none of these shapes or nothing besides the URL.

    >>> _url_and_rest("https://arxiv.org/abs/2312.00752 - Mamba (Albert Gu)", first_line=False)
    ('https://arxiv.org/abs/2312.00752', 'Mamba (Albert Gu)')
    >>> _url_and_rest("Mamba (https://arxiv.org/abs/2312.00752)", first_line=True)
    ('https://arxiv.org/abs/2312.00752', 'Mamba')
    """
    markdown = MARKDOWN_LINK_LINE.match(stripped)
    title_first = TITLE_THEN_URL.match(stripped) if first_line else None
    if markdown and find_urls(markdown["url"]) and not find_urls(markdown["label"] + markdown["rest"]):
        url, rest = markdown["url"], " ".join((markdown["label"].strip(), markdown["rest"].strip())).strip()
    elif title_first and parse_arxiv_url(title_first["url"]) and not has_hangul(title_first["title"]):
        url, rest = title_first["url"], title_first["title"].strip(" \t-–—|:")
    else:
        found = find_urls(stripped)
        inside = TITLE_URL_AUTHORS.match(stripped) if first_line else None
        if inside and len(found) == 1 and parse_arxiv_url(inside["url"]) and not has_hangul(inside["title"]):
            # "Title (https://arxiv.org/abs/…) (Authors)"
            url, rest = inside["url"], f"{inside['title'].strip()} {inside['authors']}"
        elif not found or found[0][0] != 0:
            return None
        else:
            url = found[0][1]
            rest = stripped[len(url) :].strip(" \t-–—|:")
    return (url, rest) if rest else None


def _is_link_list(text: str) -> bool:
    """A line made only of wiki-links (``[[a]]``, ``- [[b]]``, ``[[c]], [[d]]``)."""
    return "[[" in text and bool(WIKI_LINK.search(text)) and bool(LINK_LIST_REST.match(WIKI_LINK.sub("", text)))


def _front_matter_date(lines: list[str]) -> str | None:
    """The ISO date of a front matter's ``date:`` or ``created:`` (a date or a date-time).

    >>> _front_matter_date(["title: x", "created: 2021-03-04T10:00", "date: '2021-03-05'"])
    '2021-03-04'
    """
    for line in lines:
        key = re.match(
            r"^(?:date|created|created_at|creation_date)\s*:\s*['\"]?(\d{4})-(\d{2})-(\d{2})", line.strip(), re.I
        )
        if key:
            try:
                return _dt.date(*(int(g) for g in key.groups())).isoformat()
            except ValueError:
                continue
    return None


def _front_matter_tags(lines: list[str]) -> list[str]:
    """The ``tags:`` of a YAML front matter: ``tags: [a, b]``, ``tags: a b`` or a ``- a`` list."""
    tags: list[str] = []
    in_tags = False
    for line in lines:
        key = re.match(r"^(tags|tag)\s*:\s*(.*)$", line.strip(), re.I)
        if key:
            value = key.group(2).strip().strip("[]")
            tags.extend(t.strip().strip("'\"").lstrip("#") for t in re.split(r"[,\s]+", value) if t.strip())
            in_tags = not value
            continue
        item = re.match(r"^\s*-\s+(.+)$", line)
        if in_tags and item:
            tags.append(item.group(1).strip().strip("'\"").lstrip("#"))
        elif line.strip():
            in_tags = False
    return [t for t in tags if t]


def parse_vault_note(text: str, *, path: str, relpath: str | None = None) -> tuple[Document, list[Diagnostic]]:
    """Parse the text of one vault note.

    Args:
        text: the decoded file content.
        path: the path shown in diagnostics and ``source.path``.
        relpath: the path relative to the vault root (its file name gives the
            date and, when the note has no title line, the title).

    Returns:
        A document with one entry (none for an empty note), and the
        diagnostics, sorted by line.

    >>> note = "https://arxiv.org/abs/2312.00752\\n\\nMamba: Linear-Time Sequence Modeling (Albert Gu, Tri Dao)\\n\\n좋네요.\\n\\n#ssm\\n"
    >>> doc, problems = parse_vault_note(note, path="231201 Mamba.md")
    >>> entry = doc.entries[0]
    >>> doc.date, entry.arxiv_id, entry.title, [a.name for a in entry.authors], entry.tags, problems
    ('2023-12-01', '2312.00752', 'Mamba: Linear-Time Sequence Modeling', ['Albert Gu', 'Tri Dao'], ('ssm',), [])
    """
    return _VaultParser(text, path, relpath or path).parse()
