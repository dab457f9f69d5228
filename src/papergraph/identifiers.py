"""Normalisers and identifiers: arXiv ids, URLs in prose, names, titles, tags.

Everything here is a pure function of its input, so that node ids and IRIs
built from them are stable across runs (``docs/data-model.md`` §3).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = [
    "ArxivId",
    "agent_id",
    "agent_key",
    "arxiv_key",
    "arxiv_work_id",
    "find_urls",
    "h16",
    "has_hangul",
    "node_id",
    "node_key",
    "normalize_name",
    "normalize_tag",
    "normalize_title",
    "normalize_url",
    "parse_arxiv_id",
    "parse_arxiv_url",
    "tag_id",
    "work_id",
]

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")

# A URL starts with a scheme or with a scheme-less arxiv.org host. It ends at
# whitespace, a bracket, a quote, or Hangul (Korean particles are often glued
# on: ".../2007.05869와"); round brackets are kept here and trimmed later when
# unbalanced, so Wikipedia-style "Foo_(bar)" URLs survive.
URL = re.compile(
    r"(?:https?://|(?<![\w./-])(?:www\.|export\.)?arxiv\.org/)"
    r"[^\s\[\]{}<>\"'`\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]+",
    re.IGNORECASE,
)
TRAILING_PUNCTUATION = ".,;:!?'\"*~"

NEW_STYLE_ID = re.compile(r"^(\d{2})(\d{2})\.(\d{4,5})$")
OLD_STYLE_ID = re.compile(r"^([a-z][a-z-]*)(?:\.[a-z]{2})?/(\d{7})$", re.IGNORECASE)
ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})
ARXIV_PATH = re.compile(
    r"^/(?:abs|pdf|html|format)/"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7})"
    r"(?:v(?P<version>\d+))?(?:\.pdf)?/?$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ArxivId:
    """A canonical arXiv identifier and the version written next to it."""

    id: str
    version: int | None = None

    @property
    def key(self) -> str:
        """The id as a path segment: ``hep-th/9711200`` → ``arxiv-hep-th-9711200``."""
        return arxiv_key(self.id)

    @property
    def iri(self) -> str:
        return f"https://arxiv.org/abs/{self.id}"


def parse_arxiv_id(text: str) -> ArxivId | None:
    """Validate and canonicalise a bare arXiv id such as ``2308.16137v2``.

    New-style ids need a real month, 4 digits only up to 1412 and 5 digits
    only from 1501; old-style ids lose their subject class
    (``math.CA/0611800`` → ``math/0611800``).

    >>> parse_arxiv_id("2309.17453v4")
    ArxivId(id='2309.17453', version=4)
    >>> parse_arxiv_id("math.CA/0611800").id
    'math/0611800'
    >>> parse_arxiv_id("2313.00001") is None
    True
    """
    text = text.strip()
    if text.lower().startswith("arxiv:"):
        text = text[6:]
    version = None
    match = re.match(r"^(.*?)v(\d+)$", text)
    if match:
        text, version = match.group(1), int(match.group(2))
    new = NEW_STYLE_ID.match(text)
    if new:
        yymm = int(new.group(1) + new.group(2))
        month = int(new.group(2))
        digits = len(new.group(3))
        if not 1 <= month <= 12:
            return None
        if (digits == 4 and yymm > 1412) or (digits == 5 and yymm < 1501):
            return None
        return ArxivId(text, version)
    old = OLD_STYLE_ID.match(text)
    if old:
        return ArxivId(f"{old.group(1).lower()}/{old.group(2)}", version)
    return None


def parse_arxiv_url(url: str) -> ArxivId | None:
    """The arXiv id of a URL on arxiv.org (abs/pdf/html, any version), else None.

    >>> parse_arxiv_url("arxiv.org/pdf/2309.17453v4.pdf")
    ArxivId(id='2309.17453', version=4)
    >>> parse_arxiv_url("https://github.com/x/y") is None
    True
    """
    candidate = url if "://" in url else "https://" + url
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if (parts.hostname or "").lower() not in ARXIV_HOSTS:
        return None
    match = ARXIV_PATH.match(parts.path)
    if not match:
        return None
    found = parse_arxiv_id(match.group("id"))
    if found is None:
        return None
    version = int(match.group("version")) if match.group("version") else None
    return ArxivId(found.id, version)


def _trim_url(url: str) -> str:
    while url:
        if url[-1] in TRAILING_PUNCTUATION or (url[-1] == ")" and url.count(")") > url.count("(")):
            url = url[:-1]
        else:
            break
    return url


def find_urls(text: str) -> list[tuple[int, str]]:
    """Every URL in a line of prose, as ``(offset, url)`` pairs, in order.

    >>> find_urls("LM-Infinite (https://arxiv.org/abs/2308.16137) 에서")
    [(13, 'https://arxiv.org/abs/2308.16137')]
    >>> find_urls("see arxiv.org/abs/2007.05869와, then https://x.io/a.")
    [(4, 'arxiv.org/abs/2007.05869'), (36, 'https://x.io/a')]
    """
    found = []
    for match in URL.finditer(text):
        url = _trim_url(match.group(0))
        if url.count("/") >= 2 or "." in url.split("//", 1)[-1]:
            found.append((match.start(), url))
    return found


def has_hangul(text: str) -> bool:
    return HANGUL.search(text) is not None


def h16(text: str) -> str:
    """First 16 hex characters of the SHA-256 of ``text`` (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def normalize_name(name: str) -> str:
    """Identity key of a person or organisation: NFKC, single spaces, casefold.

    >>> normalize_name("  Christopher  R\u0065\u0301 ") == normalize_name("christopher ré")
    True
    """
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def normalize_title(title: str) -> str:
    """Identity key of an item without an arXiv id (``docs/data-model.md`` §3).

    >>> normalize_title("The Hedgehog & the Porcupine:  Expressive")
    'the hedgehog the porcupine expressive'
    """
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


def normalize_tag(tag: str) -> str:
    """Identity key of a hashtag: without ``#``, NFKC, lower case.

    ``_`` and ``-`` stay distinct on purpose (``docs/data-model.md`` §3).

    >>> normalize_tag("#GAN")
    'gan'
    """
    return unicodedata.normalize("NFKC", tag.lstrip("#")).lower()


def normalize_url(url: str) -> str:
    """Identity key of a web link: scheme added, host lower-cased, no fragment.

    >>> normalize_url("HTTPS://GitHub.com/QwenLM/Self-Lengthen/")
    'https://github.com/QwenLM/Self-Lengthen'
    """
    candidate = url if re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I) else "https://" + url
    try:
        parts = urlsplit(candidate)
        host = (parts.hostname or "").lower()
        if parts.port:
            host = f"{host}:{parts.port}"
    except ValueError:
        return candidate
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{host}{path}{query}"


# ---------------------------------------------------------------- node ids
# Every node id is "<prefix>:<key>" and is minted by these functions only, so
# the linker, the graph and the arXiv metadata always agree on them.


def node_id(prefix: str, key: str) -> str:
    """``node_id("tag", "llm")`` → ``"tag:llm"``."""
    return f"{prefix}:{key}"


def node_key(node: str) -> str:
    """The key part of a node id: ``"work:arxiv-2305.01625"`` → ``"arxiv-2305.01625"``."""
    return node.split(":", 1)[1]


def arxiv_key(arxiv_id: str) -> str:
    """An item key for an arXiv id: ``hep-th/9711200`` → ``arxiv-hep-th-9711200``."""
    return "arxiv-" + arxiv_id.replace("/", "-")


def work_id(key: str) -> str:
    return node_id("work", key)


def arxiv_work_id(arxiv_id: str) -> str:
    """The node of an arXiv paper, noted or only cited.

    >>> arxiv_work_id("2305.01625")
    'work:arxiv-2305.01625'
    """
    return work_id(arxiv_key(arxiv_id))


def agent_key(name: str) -> str:
    return h16(normalize_name(name))


def agent_id(name: str) -> str:
    return node_id("agent", agent_key(name))


def tag_id(spelling: str) -> str:
    """The node of a tag, however it was spelled.

    >>> tag_id("#Long-Context")
    'tag:long-context'
    """
    return node_id("tag", normalize_tag(spelling))
