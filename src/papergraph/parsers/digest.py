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

from ..identifiers import find_urls, has_hangul, parse_arxiv_url
from ..model import (
    AgentKind,
    ArxivRef,
    Author,
    Diagnostic,
    Document,
    Entry,
    ItemKind,
    SourceSpan,
    TextLine,
    WebLink,
)

__all__ = ["parse_digest", "split_lines", "parse_authors", "label_before_link", "is_digest_text"]

DATE_HEADER = re.compile(
    r"^\s*(?P<y>\d{4})\s*년\s*(?P<m>\d{1,2})\s*월\s*(?P<d>\d{1,2})\s*일\s*"
    r"(?:\(\s*(?P<part>\d+)\s*\))?\s*$"
)
HEADER_LIKE = re.compile(r"^\s*\d{2,4}\s*년(?:\s|\d|$)")
DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
TAG_TOKEN = re.compile(r"^#[^\s#]+$")
URL_LINE = re.compile(r"^\s*<?(?:https?://|(?:www\.|export\.)?arxiv\.org/)\S+>?\s*$", re.I)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
SENTENCE_END = re.compile(r"[.!?。]\s*$")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

# Words that may sit inside a name written before a link ("Sparks of AGI",
# "Binary Discrimination vs Ranked Preference Modeling"), but never end one.
LABEL_CONNECTORS = frozenset(
    "of vs vs. and the for a an in on to with & is are from via by at as or".split()
)
# Lower-case particles allowed inside personal names.
NAME_PARTICLES = frozenset(
    "van von de der den da di del della dos du le la al el bin ibn ter ten zu y e and at of".split()
)
ORGANIZATION_WORDS = re.compile(
    r"(?:\b(?:team|teams|lab|labs|laboratory|inc|corp|corporation|ltd|llc|research|institute|"
    r"university|foundation|group|project|collaboration|consortium|committee|community|"
    r"contributors|authors|organization|organisation|academy|council|department|center|centre)\b"
    r"|-ai\b|\bai$|^openai$|^deepmind$|^anthropic$|^google\b|^meta\b|^microsoft\b|^nvidia\b"
    r"|^apple\b|^amazon\b|^alibaba\b|^tencent\b|^baidu\b|^huawei\b|^mistral\b|^qwen\b"
    r"|^bigscience\b|^eleutherai\b|^huggingface\b|^hugging face\b|^stability\b|^cohere\b)",
    re.IGNORECASE,
)
# URL lines right after a paper's author line are the paper's own page only
# when they point at a document; a project page, repository or post there is
# the first line of the commentary (``body_starts_with_bare_url``).
DOCUMENT_URL = re.compile(
    r"(\.pdf(?:[?#].*)?$|//(?:www\.)?(?:nature\.com|science\.org|openreview\.net|"
    r"aclanthology\.org|proceedings\.|papers\.nips\.cc|dl\.acm\.org|ieeexplore\.|"
    r"transformer-circuits\.pub|distill\.pub|cdn\.openai\.com|storage\.googleapis\.com|"
    r"arxiv\.org|(?:www\.)?biorxiv\.org|jmlr\.org|ojs\.aaai\.org|link\.springer\.com))",
    re.IGNORECASE,
)
ARXIV_LIKE = re.compile(r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/", re.I)
BLOG_URL = re.compile(r"(blog|/news/|/post/|/posts/|medium\.com|substack\.com|/research/)", re.I)
MODEL_URL = re.compile(r"(huggingface\.co/(?!papers/|datasets/|blog/|spaces/)|ollama\.com)", re.I)
MODEL_WORDS = re.compile(r"(모델|model|checkpoint|weights|릴리즈|release|공개)", re.I)


def split_lines(text: str) -> list[str]:
    """Split on ``\\n``, ``\\r\\n`` and ``\\r`` only (not on U+2028 and friends),
    so line numbers match what editors show.

    >>> split_lines("a\\r\\nb\\rc\\n")
    ['a', 'b', 'c']
    """
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


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


def _is_url_line(text: str) -> bool:
    return bool(URL_LINE.match(text))


def _is_capitalized(token: str) -> bool:
    first = token.lstrip("\"'“‘([")[:1]
    return bool(first) and (first.isupper() or first.isdigit() or not first.isascii() and first.isalpha())


def _looks_like_name(part: str) -> bool:
    part = part.strip()
    if part.lower().startswith("and "):
        part = part[4:]
    if ": " in part:
        return all(_looks_like_name(p) for p in part.split(": ", 1))
    tokens = part.split()
    if not 1 <= len(tokens) <= 8 or len(part) > 80:
        return False
    if SENTENCE_END.search(part) and not re.search(r"\b\w\.$", part) and not part.endswith(("Jr.", "Sr.")):
        return False
    if has_hangul(part):
        # Korean names are short: "김철수", "Kim 철수"
        return len(tokens) <= 3 and all(len(t) <= 5 for t in tokens)
    content = [t for t in tokens if t.lower() not in NAME_PARTICLES]
    if not content:
        return False
    capitalized = sum(_is_capitalized(t) for t in content)
    return capitalized / len(content) >= 0.6 and _is_capitalized(tokens[0])


def _split_top_level(text: str, separator: str = ",") -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}" and depth:
            depth -= 1
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def _author_line_body(text: str) -> tuple[str, bool] | None:
    """The inside of an ``(authors)`` line and whether it was closed."""
    stripped = text.strip()
    if not stripped.startswith("("):
        return None
    inner = stripped[1:]
    closed = False
    if inner.endswith(")") and inner.count(")") > inner.count("("):
        inner, closed = inner[:-1], True
    return inner.strip(), closed


def _is_author_line(text: str) -> bool:
    body = _author_line_body(text)
    if body is None or not body[0]:
        return False
    parts = [p for p in _split_top_level(body[0]) if p]
    if not parts:
        return False
    if len(parts) == 1 and " and " in parts[0]:
        parts = parts[0].split(" and ")
    good = sum(_looks_like_name(p) for p in parts)
    return good / len(parts) >= (1.0 if len(parts) <= 2 else 0.7)


def _is_title_like(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not _is_url_line(stripped) and not _is_tag_line(stripped) and len(stripped) <= 400


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
# fields


def parse_authors(text: str, line: int) -> tuple[Author, ...]:
    """Split an author line into names, people told apart from organisations.

    Commas inside parentheses do not split; a list joined only by " and " is
    split on it; a leading "and " is dropped; ``Group: Name`` gives two names.

    >>> [a.name for a in parse_authors("(DeepSeek-AI: Xiao Bi, Deli Chen, and Bo Liu)", 3)]
    ['DeepSeek-AI', 'Xiao Bi', 'Deli Chen', 'Bo Liu']
    >>> [a.kind.value for a in parse_authors("(Team PyTorch at IBM, Ada Lovelace)", 3)]
    ['organization', 'person']
    """
    body = _author_line_body(text)
    inner = body[0] if body else text.strip().strip("()")
    parts = [p for p in _split_top_level(inner) if p]
    if len(parts) == 1 and " and " in parts[0]:
        parts = [p.strip() for p in parts[0].split(" and ") if p.strip()]
    names: list[str] = []
    for part in parts:
        if part.lower().startswith("and "):
            part = part[4:].strip()
        if ": " in part:
            group, _, rest = part.partition(": ")
            names.extend(n for n in (group.strip(), rest.strip()) if n)
        elif part:
            names.append(part)
    return tuple(Author(name, _agent_kind(name), line) for name in names)


def _agent_kind(name: str) -> AgentKind:
    tokens = name.split()
    if ORGANIZATION_WORDS.search(name):
        return AgentKind.ORGANIZATION
    if len(tokens) == 1 and "." not in name and re.search(r"[A-Z].*[A-Z]|\d|-", name) and not has_hangul(name):
        return AgentKind.ORGANIZATION
    return AgentKind.PERSON


def label_before_link(text: str, offset: int) -> str | None:
    """The name written just before a link at ``offset``, if there is one.

    >>> line = "LM-Infinite (https://arxiv.org/abs/2308.16137) 에서"
    >>> label_before_link(line, line.index("https"))
    'LM-Infinite'
    >>> line = "블로그에서 소개된 결과인데 (https://arxiv.org/abs/2305.01625)"
    >>> label_before_link(line, line.index("https")) is None
    True
    """
    before = text[:offset]
    markdown = re.search(r"\[([^\[\]]+)\]\($", before)
    if markdown:
        label = markdown.group(1).strip()
        return None if find_urls(label) else label or None
    opening = re.search(r"\(\s*$", before)
    if not opening:
        return None
    tokens = before[: opening.start()].rstrip().split(" ")
    taken: list[str] = []
    for token in reversed(tokens):
        if not token or has_hangul(token) or "(" in token or ")" in token or find_urls(token):
            break
        if re.search(r"[,;:!?]$", token) or (token.endswith(".") and token != "vs."):
            break
        if token.lower() in LABEL_CONNECTORS:
            if not taken:
                break
            taken.append(token)
            continue
        if not (re.search(r"[A-Z\d]", token) or any(c.isupper() for c in token)):
            break
        taken.append(token)
        if len(taken) >= 8:
            break
    while taken and taken[-1].lower() in LABEL_CONNECTORS:
        taken.pop()
    return " ".join(reversed(taken)) or None


def _classify_item(title: str, authors: tuple[Author, ...], urls: tuple[TextLine, ...],
                   commentary: tuple[TextLine, ...]) -> ItemKind:
    if any(a.kind is AgentKind.PERSON for a in authors):
        return ItemKind.PAPER
    own = " ".join(u.text for u in urls)
    if authors or BLOG_URL.search(own):
        return ItemKind.BLOG
    first_comment = commentary[0].text if commentary else ""
    if MODEL_URL.search(own) or (
        len(title.split()) <= 4 and re.search(r"\d|[A-Z].*[A-Z]", title) and MODEL_WORDS.search(first_comment)
    ):
        return ItemKind.MODEL
    if urls and DOCUMENT_URL.search(own):
        return ItemKind.PAPER
    return ItemKind.OTHER


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


class _DigestParser:
    def __init__(self, text: str, path: str, relpath: str):
        self.path = path
        self.relpath = relpath
        self.diagnostics: list[Diagnostic] = []
        self.lines = [self._clean(i, line) for i, line in enumerate(split_lines(text), start=1)]

    # 1-based access
    def text(self, number: int) -> str:
        return self.lines[number - 1]

    def diagnose(self, line: int, message: str, code: str) -> None:
        self.diagnostics.append(Diagnostic(self.path, line, message, code))

    def _clean(self, number: int, line: str) -> str:
        if number == 1:
            line = line.lstrip("\ufeff")
        found = CONTROL_CHARACTERS.findall(line)
        if found:
            names = ", ".join(sorted({f"U+{ord(c):04X}" for c in found}))
            self.diagnose(number, f"removed control character(s) {names}; they cannot be exported", "control-character")
            line = CONTROL_CHARACTERS.sub("", line)
        return line

    def parse(self) -> tuple[Document, list[Diagnostic]]:
        date, part, header, header_line, first = self._header()
        blocks = self._segment(first)
        entries = tuple(self._entry(block) for block in blocks)
        document = Document(
            path=self.path,
            relpath=self.relpath,
            source_kind="digest",
            date=date,
            part=part,
            header=header,
            header_line=header_line,
            entries=entries,
            line_count=len(self.lines),
            content_lines=tuple(n for n, text in enumerate(self.lines, start=1) if text.strip()),
        )
        return document, sorted(self.diagnostics, key=lambda d: (d.line, d.code, d.message))

    def _header(self) -> tuple[str | None, int | None, str | None, int | None, int]:
        for number, line in enumerate(self.lines, start=1):
            if line.strip():
                break
        else:
            self.diagnose(1, "empty digest: no date line and no entries", "empty-file")
            return None, None, None, None, len(self.lines) + 1
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
            if _is_tag_line(line) and not (at_boundary and _is_author_line(next_text)):
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
            if _is_title_like(line) and _is_author_line(next_text) and not _is_author_line(line):
                if header_only and len(current.title) == 1 and not _is_author_line(self.text(current.title[0])):
                    current.title.append(number)  # a wrapped title
                    continue
                current = _Block(title=[number])
                blocks.append(current)
                continue
            if (
                _is_bare_title(line)
                and _is_url_line(next_text)
                and current.lines
                and not _is_url_line(self.text(current.last))
            ):
                current = _Block(title=[number])
                blocks.append(current)
                continue
            current.lines.append(number)
        return blocks

    def _entry(self, block: _Block) -> Entry:
        title_text = " ".join(self.text(n).strip() for n in block.title)
        if _is_url_line(title_text):
            self.diagnose(block.title[0], "entry starts with a URL instead of a title; the URL is used as the title", "title-is-url")
        rest = list(block.lines)
        authors: tuple[Author, ...] = ()
        author_lines: list[int] = []
        if rest and _is_author_line(self.text(rest[0])):
            author_lines.append(rest.pop(0))
            body = _author_line_body(self.text(author_lines[0]))
            # An author line that never closes may continue on the next line.
            if body and not body[1] and rest:
                nxt = self.text(rest[0]).strip()
                if nxt.endswith(")") and "(" not in nxt and all(_looks_like_name(p) for p in _split_top_level(nxt[:-1]) if p):
                    author_lines.append(rest.pop(0))
            joined = " ".join(self.text(n).strip() for n in author_lines)
            authors = parse_authors(joined, author_lines[0])
        has_person = any(a.kind is AgentKind.PERSON for a in authors)
        urls: list[TextLine] = []
        while rest and _is_url_line(self.text(rest[0])):
            url_text = self.text(rest[0]).strip().strip("<>")
            if has_person and not urls and not DOCUMENT_URL.search(url_text):
                break
            urls.append(TextLine(rest.pop(0), url_text))
        abstract, korean, english = self._body(rest, has_authors=bool(authors))
        tags: list[str] = []
        for number in block.tags:
            for token in self.text(number).split():
                tags.append(token[1:])
        prose = ([abstract] if abstract else []) + list(korean) + list(english)
        refs, links = self._references(sorted(prose, key=lambda t: t.line))
        own_arxiv = next((a for a in (parse_arxiv_url(u.text) for u in urls) if a), None)
        span_end = max([block.last])
        return Entry(
            source=SourceSpan(self.path, block.title[0], span_end),
            title=title_text,
            title_lines=tuple(block.title),
            kind=_classify_item(title_text, authors, tuple(urls), tuple(korean) + tuple(english)),
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
            arxiv_id=own_arxiv.id if own_arxiv else None,
        )

    def _body(self, numbers: list[int], *, has_authors: bool) -> tuple[TextLine | None, list[TextLine], list[TextLine]]:
        body = [TextLine(n, self.text(n).strip()) for n in numbers]
        if not body:
            return None, [], []
        korean_at = [i for i, t in enumerate(body) if has_hangul(t.text)]
        abstract = None
        if has_authors and _is_prose(body[0].text) and not has_hangul(body[0].text):
            abstract, body = body[0], body[1:]
            korean_at = [i - 1 for i in korean_at]
        if not korean_at:
            return abstract, [], [t for t in body]
        last_korean = korean_at[-1]
        korean = list(body[: last_korean + 1])
        english: list[TextLine] = []
        for line in body[last_korean + 1 :]:
            if english or _is_prose(line.text):
                english.append(line)
            else:
                korean.append(line)
        return abstract, korean, english

    def _references(self, prose: list[TextLine]) -> tuple[tuple[ArxivRef, ...], tuple[WebLink, ...]]:
        refs: list[ArxivRef] = []
        links: list[WebLink] = []
        seen_links: set[str] = set()
        for line in prose:
            for offset, url in find_urls(line.text):
                arxiv = parse_arxiv_url(url)
                if arxiv:
                    refs.append(ArxivRef(arxiv.id, arxiv.version, label_before_link(line.text, offset), line.line, url))
                    continue
                if ARXIV_LIKE.search(url):
                    self.diagnose(
                        line.line,
                        f"arXiv link {url!r} has no valid arXiv id; kept as a web link (check the id)",
                        "bad-arxiv-id",
                    )
                if url not in seen_links:
                    seen_links.add(url)
                    links.append(WebLink(url, line.line))
        return tuple(refs), tuple(links)


def _is_prose(text: str) -> bool:
    """A line of English prose, not a bare URL or a list of symbols."""
    without_urls = text
    for _, url in find_urls(text):
        without_urls = without_urls.replace(url, " ")
    return len(LATIN_WORD.findall(without_urls)) >= 3


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
