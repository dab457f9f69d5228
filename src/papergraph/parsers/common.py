"""Line-level reading shared by the digest and vault readers.

Both formats write the same things the same way: ``(authors)`` lists, bare
URL lines, English prose next to Korean commentary, and inline links with a
name written before them. The rules for recognising those live here, once,
so that a digest entry and the vault note it was written from read alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from ..identifiers import find_urls, has_hangul, parse_arxiv_id, parse_arxiv_url
from ..model import AgentKind, ArxivRef, Author, Diagnostic, Document, ItemKind, TextLine, WebLink

__all__ = [
    "DOCUMENT_URL",
    "LineReader",
    "author_line_body",
    "classify_item",
    "find_references",
    "is_author_line",
    "is_prose",
    "is_url_line",
    "label_before_link",
    "looks_like_name",
    "parse_authors",
    "remove_control_characters",
    "split_korean_english",
    "split_lines",
    "split_top_level",
]

URL_LINE = re.compile(r"^\s*<?(?:https?://|(?:www\.|export\.)?arxiv\.org/)\S+>?\s*$", re.I)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
SENTENCE_END = re.compile(r"[.!?。]\s*$")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
ET_AL = re.compile(r"\s+(?:et\s+al\.?|and\s+others)$", re.IGNORECASE)
ANONYMOUS = re.compile(r"^anonymous(?:\s+authors?)?$", re.IGNORECASE)
NAME_WORD = re.compile(r"[^\W\d_][^\W\d_'’.-]*(?:['’.-][^\W\d_]*)*\.?")
# A Latin or digit name with a Korean particle glued on: "Transfusion과",
# "GPT-4를", "LLaMA에서" (the label is the name without the particle).
GLUED_PARTICLE = re.compile(r"^(?P<name>.*[A-Za-z\d)\]])(?P<particle>[\uac00-\ud7a3]{1,3})$")
# arXiv ids written without a link: "(2002.06715)", "(2002.06715, 2003.00001)",
# "arXiv:2411.04996v2".
BARE_ARXIV_ID = re.compile(
    r"(?<=[(,;])\s*(?P<paren>\d{4}\.\d{4,5}(?:v\d+)?)(?=\s*[),;])"
    r"|(?<![\w/])arxiv:\s?(?P<tagged>\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7}(?:v\d+)?)(?![\w/])",
    re.IGNORECASE,
)

# Words that may sit inside a name written before a link ("Sparks of AGI",
# "Binary Discrimination vs Ranked Preference Modeling"), but never end one.
LABEL_CONNECTORS = frozenset(
    [
        "of",
        "vs",
        "vs.",
        "and",
        "the",
        "for",
        "a",
        "an",
        "in",
        "on",
        "to",
        "with",
        "&",
        "is",
        "are",
        "from",
        "via",
        "by",
        "at",
        "as",
        "or",
    ]
)
# Lower-case particles allowed inside personal names.
NAME_PARTICLES = frozenset(
    [
        "van",
        "von",
        "de",
        "der",
        "den",
        "da",
        "di",
        "del",
        "della",
        "dos",
        "du",
        "le",
        "la",
        "al",
        "el",
        "bin",
        "ibn",
        "ter",
        "ten",
        "zu",
        "y",
        "e",
        "and",
        "at",
        "of",
    ]
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
# A model release is named like one ("Phi-3", "Qwen-72B", "DeepSeek LLM") and
# its commentary says it is a model; a data set or a video is not one.
MODEL_NAME = re.compile(r"\d|[A-Z].*[A-Z]")
MODEL_WORDS = re.compile(r"(모델|model|checkpoint|weights|가중치|릴리즈|release|공개)", re.I)
NOT_A_MODEL_URL = re.compile(r"(huggingface\.co/datasets/|youtube\.com/|youtu\.be/)", re.I)
DATASET_RELEASE = re.compile(r"(데이터셋|data ?set)\S{0,2}\s*(공개|릴리즈|release)", re.I)


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


def remove_control_characters(line: str) -> tuple[str, str | None]:
    """The line without control characters, and a message naming them (or None).

    >>> remove_control_characters("a\\x07b")
    ('ab', 'removed control character(s) U+0007; they cannot be exported')
    """
    found = CONTROL_CHARACTERS.findall(line)
    if not found:
        return line, None
    names = ", ".join(sorted({f"U+{ord(c):04X}" for c in found}))
    return CONTROL_CHARACTERS.sub("", line), f"removed control character(s) {names}; they cannot be exported"


class LineReader:
    """The lines of one file, cleaned and 1-based, and the diagnostics found in them."""

    def __init__(self, text: str, path: str, relpath: str):
        self.path = path
        self.relpath = relpath
        self.diagnostics: list[Diagnostic] = []
        self.lines = [self._clean(i, line) for i, line in enumerate(split_lines(text), start=1)]

    def text(self, number: int) -> str:
        return self.lines[number - 1]

    def diagnose(self, line: int, message: str, code: str) -> None:
        self.diagnostics.append(Diagnostic(self.path, line, message, code))

    def finish(self, **fields) -> tuple[Document, list[Diagnostic]]:
        """The document read (``fields`` are its format-specific fields) and the diagnostics, by line."""
        document = Document(
            path=self.path,
            relpath=self.relpath,
            line_count=len(self.lines),
            content_lines=tuple(n for n, text in enumerate(self.lines, start=1) if text.strip()),
            **fields,
        )
        return document, sorted(self.diagnostics, key=lambda d: (d.line, d.code, d.message))

    def _clean(self, number: int, line: str) -> str:
        if number == 1:
            line = line.lstrip("\ufeff")
        line, problem = remove_control_characters(line)
        if problem:
            self.diagnose(number, problem, "control-character")
        return line


# --------------------------------------------------------------------------
# line predicates


def is_url_line(text: str) -> bool:
    return bool(URL_LINE.match(text))


def _is_capitalized(token: str) -> bool:
    first = token.lstrip("\"'“‘([")[:1]
    return bool(first) and (first.isupper() or first.isdigit() or (not first.isascii() and first.isalpha()))


def looks_like_name(part: str) -> bool:
    """Whether a piece of an author list reads as a person's or group's name."""
    return _name_strength(part) > 0


def _name_strength(part: str) -> int:
    """2: reads as a name on its own; 1: only among other names (``Mina park``); 0: not a name."""
    part = part.strip()
    if part.lower().startswith("and "):
        part = part[4:]
    if ": " in part:
        return min(_name_strength(p) for p in part.split(": ", 1))
    if ANONYMOUS.match(part):
        return 2
    part = ET_AL.sub("", part)  # "Ann Lee et al."
    tokens = part.split()
    if not 1 <= len(tokens) <= 8 or len(part) > 80:
        return 0
    if SENTENCE_END.search(part) and not re.search(r"\b\w\.$", part) and not part.endswith(("Jr.", "Sr.")):
        return 0
    if has_hangul(part):
        # Korean names are short: "김철수", "Kim 철수"
        return 2 if len(tokens) <= 3 and all(len(t) <= 5 for t in tokens) else 0
    content = [t for t in tokens if t.lower() not in NAME_PARTICLES]
    if not content or not _is_capitalized(tokens[0]):
        return 0
    capitalized = sum(_is_capitalized(t) for t in content)
    if capitalized / len(content) >= 0.6:
        return 2
    # "Mina park": a short run of plain words led by a capital is a name when
    # the rest of the list is names too (a bracketed remark is not a list).
    return 1 if len(tokens) <= 3 and all(NAME_WORD.fullmatch(t) for t in tokens) else 0


def split_top_level(text: str, separator: str = ",") -> list[str]:
    """Split on ``separator`` outside brackets, stripping each part."""
    if not any(opening in text for opening in "([{"):  # most author lines: nothing to keep together
        return [p.strip() for p in text.split(separator)]
    parts: list[str] = []
    current: list[str] = []
    depth = 0
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


def author_line_body(text: str) -> tuple[str, bool] | None:
    """The inside of an ``(authors)`` line and whether it was closed."""
    stripped = text.strip()
    if not stripped.startswith("("):
        return None
    inner = stripped[1:]
    closed = False
    if inner.endswith(")") and inner.count(")") > inner.count("("):
        inner, closed = inner[:-1], True
    return inner.strip(), closed


def is_author_line(text: str) -> bool:
    """Whether a line is ``(Name, Name, ...)``: mostly names, in parentheses."""
    body = author_line_body(text)
    if body is None or not body[0]:
        return False
    parts = [p for p in split_top_level(body[0]) if p]
    if not parts:
        return False
    if len(parts) == 1 and " and " in parts[0]:
        parts = parts[0].split(" and ")
    strengths = [_name_strength(p) for p in parts]
    good = sum(1 for s in strengths if s)
    return 2 in strengths and good / len(parts) >= (1.0 if len(parts) <= 2 else 0.7)


def is_prose(text: str) -> bool:
    """A line of English prose, not a bare URL or a list of symbols."""
    # Cut the URLs out in one pass (replacing them one by one is quadratic on a long line).
    kept, end = [], 0
    for offset, url in find_urls(text):
        kept.append(text[end:offset])
        end = offset + len(url)
    kept.append(text[end:])
    return len(LATIN_WORD.findall(" ".join(kept))) >= 3


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
    body = author_line_body(text)
    inner = body[0] if body else text.strip().strip("()")
    parts = [p for p in split_top_level(inner) if p]
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


LABEL_WINDOW = 300


def label_before_link(text: str, offset: int) -> str | None:
    """The name written just before a link at ``offset``, if there is one.

    The link may be in brackets or bare, and a Korean particle glued to the
    name is not part of it.

    >>> line = "LM-Infinite (https://arxiv.org/abs/2308.16137) 에서"
    >>> label_before_link(line, line.index("https"))
    'LM-Infinite'
    >>> line = "Transfusion과 (https://arxiv.org/abs/2408.11039) 비교"
    >>> label_before_link(line, line.index("https"))
    'Transfusion'
    >>> line = "그리고 SpanBERT https://arxiv.org/abs/1907.10529"
    >>> label_before_link(line, line.index("https"))
    'SpanBERT'
    >>> line = "블로그에서 소개된 결과인데 (https://arxiv.org/abs/2305.01625)"
    >>> label_before_link(line, line.index("https")) is None
    True
    """
    # A label is at most a few words: looking at a bounded window keeps a line
    # with thousands of links linear (slicing the whole prefix per link is quadratic).
    before = text[max(0, offset - LABEL_WINDOW) : offset]
    markdown = re.search(r"\[([^\[\]]+)\]\($", before)
    if markdown:
        label = markdown.group(1).strip()
        return None if find_urls(label) else label or None
    opening = re.search(r"\(\s*$", before)
    if opening:
        before = before[: opening.start()]
    elif before and not before[-1].isspace():
        return None  # "…/abs/": a link glued to other text has no name before it
    tokens = before.rstrip().split(" ")
    taken: list[str] = []
    for token in reversed(tokens):
        glued = GLUED_PARTICLE.match(token) if not taken else None
        if glued and not has_hangul(glued["name"]):
            token = glued["name"]
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


def split_korean_english(body: list[TextLine]) -> tuple[list[TextLine], list[TextLine]]:
    """Split commentary lines into the Korean part and the English translation.

    The Korean commentary runs up to its last line with Hangul; English prose
    after that is the translation (a stray URL or symbol line stays Korean).

    >>> ko, en = split_korean_english([TextLine(1, "좋은 논문"), TextLine(2, "A good paper indeed.")])
    >>> [t.line for t in ko], [t.line for t in en]
    ([1], [2])
    """
    korean_at = [i for i, t in enumerate(body) if has_hangul(t.text)]
    if not korean_at:
        return [], list(body)
    last_korean = korean_at[-1]
    korean = list(body[: last_korean + 1])
    english: list[TextLine] = []
    for line in body[last_korean + 1 :]:
        if english or is_prose(line.text):
            english.append(line)
        else:
            korean.append(line)
    return korean, english


def find_references(
    prose: Iterable[TextLine], diagnose: Callable[[int, str, str], None]
) -> tuple[tuple[ArxivRef, ...], tuple[WebLink, ...]]:
    """Every arXiv reference (in order) and every other link (first time seen) in prose lines.

    An arXiv reference is a link to arxiv.org or an id written without one
    (``(2002.06715)``, ``arXiv:2411.04996``). ``diagnose(line, message, code)``
    is told about arXiv links without a valid id; they are not web links.
    """
    refs: list[ArxivRef] = []
    links: list[WebLink] = []
    seen_links: set[str] = set()
    for line in prose:
        found: list[tuple[int, ArxivRef]] = []
        for offset, url in find_urls(line.text):
            arxiv = parse_arxiv_url(url)
            if arxiv:
                found.append(
                    (offset, ArxivRef(arxiv.id, arxiv.version, label_before_link(line.text, offset), line.line, url))
                )
            elif ARXIV_LIKE.search(url):
                diagnose(
                    line.line,
                    f"arXiv link {url!r} has no valid arXiv id; left out (check the id)",
                    "bad-arxiv-id",
                )
            elif url not in seen_links:
                seen_links.add(url)
                links.append(WebLink(url, line.line))
        for match in BARE_ARXIV_ID.finditer(line.text):
            written = match["paren"] or match["tagged"]
            arxiv = parse_arxiv_id(written)
            offset = match.start("paren") if match["paren"] else match.start()
            if arxiv is None:
                if match["tagged"]:
                    diagnose(
                        line.line, f"arXiv id {match.group(0)!r} is not valid; left out (check the id)", "bad-arxiv-id"
                    )
                continue
            label = label_before_link(line.text, offset)
            found.append(
                (offset, ArxivRef(arxiv.id, arxiv.version, label, line.line, match["paren"] or match.group(0)))
            )
        refs.extend(ref for _, ref in sorted(found, key=lambda pair: pair[0]))
    return tuple(refs), tuple(links)


def classify_item(
    title: str,
    authors: tuple[Author, ...],
    urls: tuple[TextLine, ...],
    commentary: tuple[TextLine, ...],
    *,
    arxiv_id: str | None = None,
    has_abstract: bool = False,
) -> ItemKind:
    """Paper, model release, blog post or other, from the id, authors, own URLs and wording.

    An item with an arXiv id is a paper whoever wrote it; so is a report by
    an organisation that has an abstract or a document as its own page.
    """
    own = " ".join(u.text for u in urls)
    if arxiv_id or any(a.kind is AgentKind.PERSON for a in authors):
        return ItemKind.PAPER
    if authors and (has_abstract or DOCUMENT_URL.search(own)) and not BLOG_URL.search(own):
        return ItemKind.PAPER
    if authors or BLOG_URL.search(own):
        return ItemKind.BLOG
    if has_abstract or (urls and DOCUMENT_URL.search(own)):
        return ItemKind.PAPER  # a report with its own document (DALL-E 3's PDF)
    first_comment = commentary[0].text if commentary else ""
    if NOT_A_MODEL_URL.search(own) or DATASET_RELEASE.search(first_comment):
        return ItemKind.OTHER  # a data set or a video
    if MODEL_URL.search(own) or (
        len(title.split()) <= 4 and MODEL_NAME.search(title) and MODEL_WORDS.search(first_comment)
    ):
        return ItemKind.MODEL
    return ItemKind.OTHER
