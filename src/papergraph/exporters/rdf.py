"""RDF export in papergraph's data model: Turtle, N-Triples, JSON-LD and the ``pg:`` vocabulary.

:func:`to_rdf` maps the networkx graph onto the shared data model
(``docs/data-model.md`` §2–§3): papers, notes, digests, authorship roles,
tags, citations and web links, all with deterministic IRIs and no blank nodes.
:func:`generate_rdf` writes the result with :mod:`papergraph.rdfwriter`.

Choices the data model leaves open, made here:

* **Curator.** Digests and notes have ``dcterms:creator`` the fixed
  ``{base}person/curator`` (a ``foaf:Person`` named ``curator``): papergraph
  does not know the researcher's name, and ``curator`` can never collide with
  an author's ``person/{h16}`` key.
* **A note citing the same target twice** (two lines) gets one ``cito:cites``
  edge and one ``cito:Citation`` per occurrence: ``{note}/cites/{targetkey}``,
  then ``…-2``, ``…-3`` (the note rule's ``-2`` convention).
* **Wiki links** (``[[…]]`` in vault notes, edge kind ``wiki_links``) are links
  from the note like any other: ``cito:cites`` the item plus a
  ``cito:Citation`` whose ``rdfs:label`` is the link text; the target key is
  the item key (``arxiv-…`` or ``w-…``).
* **Vault notes** (no digest) are ``pg:VaultNote, fabio:Comment, prov:Entity``
  at ``{base}vault/{h16(path)}`` and carry ``pg:sourcePath`` themselves.
* **Authorship provenance**: ``prov:wasDerivedFrom`` the first digest note
  about the item (digest entries are where author lists come from).
* **Item pages**: ``foaf:page`` for each URL line, normalised like link
  targets so the two join, except a URL that is the item's own arXiv page.
* **Labels and DOIs**: every node has an ``rdfs:label`` (a title, a name, a
  tag, ``arXiv:ID``, a URL, a digest's header); arXiv papers carry their
  DataCite DOI as ``dcterms:identifier "doi:10.48550/arXiv.ID"`` and
  ``schema:sameAs <https://doi.org/10.48550/arXiv.ID>``, derived offline.
* **Dataset description** (:func:`describe_dataset`, in a build's files):
  ``{base}dataset`` is a ``void:Dataset`` and ``dcat:Dataset`` with its title,
  ``void:triples`` (the triples besides the description), ``void:vocabulary``
  for each vocabulary used, the licence, the papergraph version, and
  ``prov:wasDerivedFrom`` each input with a SHA-256 of its files; no clock
  time, so a build stays byte-identical.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property, lru_cache
from importlib import resources
from urllib.parse import quote, urlsplit

import networkx as nx
import pyoxigraph

from ..arxiv_metadata import category_name
from ..errors import ExportError
from ..graph import Attr, EdgeKind, NodeKind
from ..identifiers import has_hangul, node_key, normalize_url, parse_arxiv_url
from ..model import InputSource
from ..rdfwriter import (
    IRI,
    NS,
    PREFIXES,
    RDF_TYPE,
    XSD_DATE,
    Literal,
    RdfGraph,
    integer,
    is_valid_iri,
    iter_jsonld,
    iter_ntriples,
    iter_turtle,
    paused_gc,
)
from . import DEFAULT_BASE_IRI, ExportContext, Exporter

__all__ = [
    "EXPORTER",
    "arxiv_doi",
    "describe_dataset",
    "generate_rdf",
    "instance_prefixes",
    "node_iris",
    "normalize_base_iri",
    "stream_rdf",
    "to_rdf",
    "vocabulary",
    "web_iri",
]

Diagnose = Callable[[str, int, str, str], None]
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"


class V:
    """The classes and properties the export uses."""

    # classes
    DIGEST = IRI(NS.PG + "Digest")
    VAULT_NOTE = IRI(NS.PG + "VaultNote")
    ENTITY = IRI(NS.PROV + "Entity")
    COMMENT = IRI(NS.FABIO + "Comment")
    PREPRINT = IRI(NS.FABIO + "Preprint")
    BLOG_POST = IRI(NS.FABIO + "BlogPost")
    SCHOLARLY_ARTICLE = IRI(NS.SCHEMA + "ScholarlyArticle")
    CREATIVE_WORK = IRI(NS.SCHEMA + "CreativeWork")
    BLOG_POSTING = IRI(NS.SCHEMA + "BlogPosting")
    SOURCE_CODE = IRI(NS.SCHEMA + "SoftwareSourceCode")
    ML_MODEL = IRI(NS.FAIR4ML + "MLModel")
    PERSON = IRI(NS.FOAF + "Person")
    ORGANIZATION = IRI(NS.FOAF + "Organization")
    ROLE_IN_TIME = IRI(NS.PRO + "RoleInTime")
    CITATION = IRI(NS.CITO + "Citation")
    CONCEPT = IRI(NS.SKOS + "Concept")
    CONCEPT_SCHEME = IRI(NS.SKOS + "ConceptScheme")
    # properties
    TITLE = IRI(NS.DCTERMS + "title")
    ISSUED = IRI(NS.DCTERMS + "issued")
    CREATED = IRI(NS.DCTERMS + "created")
    CREATOR = IRI(NS.DCTERMS + "creator")
    HAS_PART = IRI(NS.DCTERMS + "hasPart")
    IS_PART_OF = IRI(NS.DCTERMS + "isPartOf")
    SUBJECT = IRI(NS.DCTERMS + "subject")
    ABSTRACT = IRI(NS.DCTERMS + "abstract")
    IDENTIFIER = IRI(NS.DCTERMS + "identifier")
    HAS_ARXIV_ID = IRI(NS.FABIO + "hasArXivId")
    PRIMARY_TOPIC = IRI(NS.FOAF + "primaryTopic")
    PAGE = IRI(NS.FOAF + "page")
    NAME = IRI(NS.FOAF + "name")
    TEXT = IRI(NS.SCHEMA + "text")
    POSITION = IRI(NS.SCHEMA + "position")
    DERIVED_FROM = IRI(NS.PROV + "wasDerivedFrom")
    CITES = IRI(NS.CITO + "cites")
    CITING = IRI(NS.CITO + "hasCitingEntity")
    CITED = IRI(NS.CITO + "hasCitedEntity")
    CHARACTERIZATION = IRI(NS.CITO + "hasCitationCharacterization")
    LINKS_TO = IRI(NS.CITO + "linksTo")
    WITH_ROLE = IRI(NS.PRO + "withRole")
    AUTHOR = IRI(NS.PRO + "author")
    RELATES_TO_DOCUMENT = IRI(NS.PRO + "relatesToDocument")
    IS_HELD_BY = IRI(NS.PRO + "isHeldBy")
    PREF_LABEL = IRI(NS.SKOS + "prefLabel")
    ALT_LABEL = IRI(NS.SKOS + "altLabel")
    NOTATION = IRI(NS.SKOS + "notation")
    IN_SCHEME = IRI(NS.SKOS + "inScheme")
    LABEL = IRI(NS.RDFS + "label")
    COMMENT_PROP = IRI(NS.RDFS + "comment")
    SOURCE_PATH = IRI(NS.PG + "sourcePath")
    LINE_START = IRI(NS.PG + "lineStart")
    LINE_END = IRI(NS.PG + "lineEnd")
    LINE = IRI(NS.PG + "line")
    SOURCE_URL = IRI(NS.PG + "sourceUrl")
    ARXIV_VERSION = IRI(NS.PG + "arxivVersion")
    # the dataset description
    VOID_DATASET = IRI(VOID + "Dataset")
    DCAT_DATASET = IRI(DCAT + "Dataset")
    VOID_TRIPLES = IRI(VOID + "triples")
    VOID_VOCABULARY = IRI(VOID + "vocabulary")
    VOID_URI_SPACE = IRI(VOID + "uriSpace")
    LICENSE = IRI(NS.DCTERMS + "license")
    CONTENT_HASH = IRI(NS.PG + "contentHash")
    PAPERGRAPH_VERSION = IRI(NS.PG + "papergraphVersion")
    # topic communities (the analysis stage)
    COMMUNITY = IRI(NS.PG + "community")
    COMMUNITY_RANK = IRI(NS.PG + "communityRank")
    CITED_BY = IRI(NS.PG + "citedBy")
    MEMBERS = IRI(NS.PG + "members")
    RELATED = IRI(NS.SKOS + "related")
    # from arXiv metadata
    SUBJECT_TERM = IRI(NS.FABIO + "hasSubjectTerm")
    SAME_AS = IRI(NS.SCHEMA + "sameAs")
    SEE_ALSO = IRI(NS.RDFS + "seeAlso")


ITEM_CLASSES = {
    "paper": (V.SCHOLARLY_ARTICLE, V.CREATIVE_WORK),
    "model": (V.ML_MODEL, V.CREATIVE_WORK),
    "blog": (V.BLOG_POST, V.BLOG_POSTING, V.CREATIVE_WORK),
    "other": (V.CREATIVE_WORK,),
}
# Kind names as plain strings: Enum attribute access is slow in the per-triple loops.
_N_ARXIV = NodeKind.ARXIV.value
_N_DIGEST = NodeKind.DIGEST.value
_N_ITEM = NodeKind.ITEM.value
_N_LINK = NodeKind.LINK.value
_N_NOTE = NodeKind.NOTE.value
_N_ORGANIZATION = NodeKind.ORGANIZATION.value
_N_PERSON = NodeKind.PERSON.value
_N_TAG = NodeKind.TAG.value
_E_ABOUT = EdgeKind.ABOUT.value
_E_AUTHORED_BY = EdgeKind.AUTHORED_BY.value
_E_CITES = EdgeKind.CITES.value
_E_CONTAINS = EdgeKind.CONTAINS.value
_E_LINKS_TO = EdgeKind.LINKS_TO.value
_E_TAGGED = EdgeKind.TAGGED.value
_E_WIKI_LINKS = EdgeKind.WIKI_LINKS.value
ARXIV_PAPER_CLASSES = (V.PREPRINT, V.SCHOLARLY_ARTICLE, V.CREATIVE_WORK)
CURATOR_KEY = "curator"

# Characters no RDF syntax can carry portably: C0 controls other than tab,
# line feed and carriage return (XML 1.0 forbids them), lone surrogates
# (not encodable in UTF-8) and the non-characters U+FFFE/U+FFFF.
_UNCARRIABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?"
_HOST_SAFE = "-.:[]%"
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*(?<!\.)$")


def _accepted_by_parsers(iri: str) -> bool:
    if not is_valid_iri(iri):
        return False
    try:
        pyoxigraph.NamedNode(iri)
    except ValueError:
        return False
    return True


def _pct(text: str, safe: str) -> str:
    """Percent-encode ``text`` keeping ``safe``, valid escapes (upper-cased), and nothing else."""
    text = _BAD_ESCAPE.sub("%25", text)
    text = _ESCAPE.sub(lambda m: m.group(0).upper(), text)
    return quote(text, safe=safe)


def _segments(path: str, safe: str) -> str:
    """Encode a path; ``.``/``..`` segments are escaped so no parser resolves them away."""
    if _PLAIN_KEY.match(path):
        return path  # the common case: dates, hashes, arxiv-… keys
    encoded = _pct(path, safe)
    parts = encoded.split("/")
    return "/".join(p.replace(".", "%2E") if p in {".", ".."} else p for p in parts)


def key_path(key: str) -> str:
    """A node key as an IRI path: each ``/``-separated segment percent-encoded.

    >>> key_path("2024-02-08/w-bfdf43b96e6e7738"), key_path("2024년/x y")
    ('2024-02-08/w-bfdf43b96e6e7738', '2024%EB%85%84/x%20y')
    """
    return _segments(key, "/-._~")


def key_segment(key: str) -> str:
    """A node key as one IRI path segment (``pct`` of ``docs/data-model.md`` §3).

    >>> key_segment("long-context"), key_segment("강화학습"), key_segment("a/b"), key_segment(".")
    ('long-context', '%EA%B0%95%ED%99%94%ED%95%99%EC%8A%B5', 'a%2Fb', '%2E')
    """
    return _segments(key, "-._~")


@lru_cache(maxsize=65536)
def web_iri(url: str) -> str | None:
    """The IRI of a web link: the URL as written, percent-encoded so that
    Jena, Raptor, Oxigraph and rdflib all accept it; ``None`` if impossible.

    URLs are kept as written (data model §8): normalising them (case, a
    trailing slash) is for identity keys only. A scheme-less URL gets
    ``https://``, without which it is no IRI.

    >>> web_iri('https://GitHub.com/a b/"q"/')
    'https://GitHub.com/a%20b/%22q%22/'
    >>> web_iri("https://example.org/위키/100%/[x]?q=a b#frag")
    'https://example.org/%EC%9C%84%ED%82%A4/100%25/%5Bx%5D?q=a%20b#frag'
    """
    candidate = url if re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I) else "https://" + url
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    host = _pct(parts.netloc, _HOST_SAFE)
    path = _segments(parts.path, _PATH_SAFE)
    query = f"?{_pct(parts.query, _QUERY_SAFE)}" if parts.query else ""
    fragment = f"#{_pct(parts.fragment, _QUERY_SAFE)}" if parts.fragment else ""
    iri = f"{parts.scheme}://{host}{path}{query}{fragment}"
    return iri if _accepted_by_parsers(iri) else None


def normalize_base_iri(base: str) -> str:
    """The base IRI to mint under, ending in ``/`` or ``#``.

    >>> normalize_base_iri("https://example.org/kg")
    'https://example.org/kg/'

    Raises:
        ExportError: ``base`` is not an absolute IRI.
    """
    given, base = base, base.strip()
    if not base.endswith(("/", "#")):
        base += "/"
    if not _accepted_by_parsers(base) or (not urlsplit(base).netloc and not base.startswith("urn:")):
        raise ExportError(f"--base-iri {given!r}: not an absolute IRI; give one such as {DEFAULT_BASE_IRI}")
    return base


def arxiv_doi(arxiv_id: str) -> str:
    """The DataCite DOI arXiv registers for every paper.

    >>> arxiv_doi("2305.01625"), arxiv_doi("hep-th/9711200")
    ('10.48550/arXiv.2305.01625', '10.48550/arXiv.hep-th/9711200')
    """
    return f"10.48550/arXiv.{arxiv_id}"


def instance_prefixes(base: str) -> tuple[tuple[str, str], ...]:
    """The prefixes of an export: the data model's, plus ``person:`` and ``tag:`` under the base."""
    return (*PREFIXES, ("person", base + "person/"), ("tag", base + "tag/"))


class _Mapper:
    """One pass over the graph, adding triples in reading order."""

    def __init__(self, G: nx.MultiDiGraph, base: str, diagnose: Diagnose):
        self.G = G
        self.base = base
        self.diagnose = diagnose
        self.out = RdfGraph()
        self.curator = IRI(f"{base}person/{CURATOR_KEY}")
        self.scheme = IRI(f"{base}tags")
        self.topic_scheme = IRI(f"{base}communities")
        self.iris: dict[str, IRI | None] = {}
        self.items_done: set[str] = set()
        self.metadata_files: set[IRI] = set()
        self.categories: set[IRI] = set()
        self.category_scheme = IRI(f"{base}arxiv-categories")
        self.categories_scheme_done = False
        self.links: dict[str, str] | None = None

    # Worked out on first use: node_iris needs a mapper only for its IRIs.

    @cached_property
    def community_rank(self) -> dict[str, int]:
        return _community_ranks(self.G)

    @cached_property
    def notes_about(self) -> dict[str, list[str]]:
        """The notes about each item, in graph order."""
        notes: dict[str, list[str]] = defaultdict(list)
        for note, item, data in self.G.edges(data=True):
            if data.get(Attr.KIND) == _E_ABOUT:
                notes[item].append(note)
        return notes

    def link_of(self, url: str) -> str | None:
        """The link node of a URL (by its identity key), so an item's page and a link to it are one IRI."""
        if self.links is None:
            self.links = {
                str(d.get(Attr.NORMALIZED)): n for n, d in self.G.nodes(data=True) if d.get(Attr.KIND) == _N_LINK
            }
        return self.links.get(normalize_url(url))

    # ------------------------------------------------------------- helpers

    def text(self, value: str, path: str, line: int, what: str) -> str:
        if _UNCARRIABLE.search(value):
            found = sorted({f"U+{ord(c):04X}" for c in _UNCARRIABLE.findall(value)})
            self.diagnose(
                path, line, f"{what}: removed characters RDF cannot carry ({', '.join(found)})", "rdf-character"
            )
            value = _UNCARRIABLE.sub("", value)
        return value

    def date(self, value: object, path: str, line: int, what: str) -> Literal | None:
        if not value:
            return None
        text = str(value)
        try:
            if _DATE.match(text):
                dt.date.fromisoformat(text)
                return Literal(text, None, XSD_DATE)
        except ValueError:
            pass
        self.diagnose(path, line, f"{what}: {text!r} is not a date (YYYY-MM-DD); left out of the RDF", "rdf-date")
        return None

    @staticmethod
    def number(value: object) -> Literal | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return integer(value)
        return None

    def iri_of(self, node: str) -> IRI | None:
        """The IRI of any node, or None (for a node this model has no IRI for)."""
        if node in self.iris:
            return self.iris[node]
        data = self.G.nodes[node]
        kind = data.get(Attr.KIND)
        key = str(data.get(Attr.KEY) or "")
        iri: str | None = None
        if kind == _N_DIGEST:
            iri = f"{self.base}digest/{key_segment(key)}"
        elif kind == _N_NOTE:
            iri = f"{self.base}digest/{key_path(key)}" if data.get(Attr.DIGEST) else f"{self.base}{key_path(key)}"
        elif kind in (_N_ITEM, _N_ARXIV):
            arxiv_id = data.get(Attr.ARXIV_ID)
            iri = f"{NS.ARXIV}{arxiv_id}" if arxiv_id else f"{self.base}work/{key_segment(key.removeprefix('w-'))}"
        elif kind in (_N_PERSON, _N_ORGANIZATION):
            iri = f"{self.base}person/{key_segment(key)}"
        elif kind == _N_TAG:
            iri = f"{self.base}tag/{key_segment(key)}"
        elif kind == _N_LINK:
            iri = web_iri(str(data.get(Attr.URL) or data.get(Attr.NORMALIZED) or ""))
        result = IRI(iri) if iri and _accepted_by_parsers(iri) else None
        self.iris[node] = result
        return result

    def label(self, subject: IRI, value: object) -> None:
        """``rdfs:label``: text the node already carries elsewhere, so already diagnosed."""
        text = _UNCARRIABLE.sub("", str(value or ""))
        if text:
            self.out.add(subject, V.LABEL, Literal(text, "ko" if has_hangul(text) else None))

    def add_text(
        self, subject: IRI, predicate: IRI, value: object, path: str, line: int, what: str, language: str | None = None
    ) -> None:
        if value is None or value == "":
            return
        text = self.text(str(value), path, line, what)
        if text:
            self.out.add(subject, predicate, Literal(text, language))

    # ------------------------------------------------------------- parts

    def header(self) -> None:
        add = self.out.add
        self.out.section("the curator and the tag scheme")
        add(self.curator, RDF_TYPE, V.PERSON)
        add(self.curator, V.NAME, Literal(CURATOR_KEY))
        add(self.curator, V.LABEL, Literal(CURATOR_KEY))
        add(self.curator, V.COMMENT_PROP, Literal("The researcher who wrote the digests and notes.", "en"))
        add(self.scheme, RDF_TYPE, V.CONCEPT_SCHEME)
        add(self.scheme, V.PREF_LABEL, Literal("papergraph hashtags"))
        add(self.scheme, V.LABEL, Literal("papergraph hashtags"))
        self.out.section("tags")
        for node, data in self.G.nodes(data=True):
            if data.get(Attr.KIND) == _N_TAG:
                self.tag(node, data)

    def tag(self, node: str, data: dict) -> None:
        iri = self.iri_of(node)
        if iri is None:
            return
        key = self.text(str(data.get(Attr.KEY) or ""), "", 0, f"tag {node}")
        language = "ko" if has_hangul(key) else None
        self.out.add(iri, RDF_TYPE, V.CONCEPT)
        self.out.add(iri, V.IN_SCHEME, self.scheme)
        self.out.add(iri, V.PREF_LABEL, Literal(key, language))
        self.label(iri, key)
        self.out.add(iri, V.NOTATION, Literal("#" + key))
        for spelling in data.get(Attr.SPELLINGS) or ():
            written = self.text(str(spelling), "", 0, f"tag {node}").lstrip("#")
            if written and written != key:
                self.out.add(iri, V.ALT_LABEL, Literal(written, "ko" if has_hangul(written) else None))

    def digest(self, node: str, data: dict) -> None:
        iri = self.iri_of(node)
        if iri is None:
            return
        path = str(data.get(Attr.PATH) or "")
        line = data.get(Attr.HEADER_LINE) or 1
        self.out.section(f"digest {data.get(Attr.KEY)} ({path})")
        self.out.add(iri, RDF_TYPE, V.DIGEST)
        self.out.add(iri, RDF_TYPE, V.ENTITY)
        header = data.get(Attr.HEADER)
        if header:
            self.add_text(iri, V.TITLE, header, path, line, "digest header", "ko" if has_hangul(header) else None)
        self.label(iri, header or f"digest {data.get(Attr.DATE) or data.get(Attr.KEY)}")
        issued = self.date(data.get(Attr.DATE), path, line, "digest date")
        if issued:
            self.out.add(iri, V.ISSUED, issued)
        self.out.add(iri, V.CREATOR, self.curator)
        self.add_text(iri, V.SOURCE_PATH, path, path, line, "source path")
        parts = sorted(
            (d.get(Attr.POSITION) or 0, n)
            for n, keyed in self.G.succ[node].items()
            for d in keyed.values()
            if d.get(Attr.KIND) == _E_CONTAINS
        )
        for _, note in parts:
            note_iri = self.iri_of(note)
            if note_iri is not None:
                self.out.add(iri, V.HAS_PART, note_iri)
        for _, note in parts:
            self.note(note, self.G.nodes[note], digest_iri=iri)

    def note(self, node: str, data: dict, digest_iri: IRI | None) -> None:
        """A digest entry or vault note: where it is written, what it is about,
        what it cites, then the items it is about (each described once)."""
        iri = self.iri_of(node)
        if iri is None:
            return
        path = str(data.get(Attr.PATH) or "")
        first = data.get(Attr.LINE_START) or 1
        self.note_provenance(iri, data, digest_iri, path, first)
        records = self.sources(iri, data.get(Attr.SOURCES) or ())
        edges = [(node, v, k, d) for v, keyed in self.G.succ[node].items() for k, d in keyed.items()]
        items = [v for _, v, _, d in edges if d.get(Attr.KIND) == _E_ABOUT]
        tags = self.note_content(node, iri, data, edges, items, path, first)
        self.citations(iri, edges, path, first, records)
        for item in items:
            if self.iri_of(item) is not None and item not in self.items_done:
                self.items_done.add(item)
                self.item(item, self.G.nodes[item], path, first)
        for item_iri in (i for i in map(self.iri_of, items) if i is not None):
            for tag in tags:
                self.out.add(item_iri, V.SUBJECT, tag)

    def note_provenance(self, iri: IRI, data: dict, digest_iri: IRI | None, path: str, first: int) -> None:
        """Its classes, where it is written (its digest, or its own file), its lines, date and curator."""
        add = self.out.add
        if digest_iri is None:
            add(iri, RDF_TYPE, V.VAULT_NOTE)
        add(iri, RDF_TYPE, V.COMMENT)
        add(iri, RDF_TYPE, V.ENTITY)
        if digest_iri is not None:
            add(iri, V.IS_PART_OF, digest_iri)
            add(iri, V.DERIVED_FROM, digest_iri)
        else:
            self.add_text(iri, V.SOURCE_PATH, path, path, first, "source path")
        for predicate, value in ((V.LINE_START, data.get(Attr.LINE_START)), (V.LINE_END, data.get(Attr.LINE_END))):
            number = self.number(value)
            if number:
                add(iri, predicate, number)
        created = self.date(data.get(Attr.DATE), path, first, "note date")
        if created:
            add(iri, V.CREATED, created)
        add(iri, V.CREATOR, self.curator)

    def note_content(
        self, node: str, iri: IRI, data: dict, edges: list, items: list[str], path: str, first: int
    ) -> list[IRI]:
        """What it is about (its items, hence its label), its tags and its
        commentary; returns the tags' IRIs, which its items get too."""
        add = self.out.add
        for item_iri in (i for i in map(self.iri_of, items) if i is not None):
            add(iri, V.PRIMARY_TOPIC, item_iri)
        topic = next((self.G.nodes[v].get(Attr.TITLE) for v in items if self.G.nodes[v].get(Attr.TITLE)), None)
        self.label(iri, f"note: {topic}" if topic else f"note {data.get(Attr.KEY) or node}")
        tags = [t for t in (self.iri_of(v) for _, v, _, d in edges if d.get(Attr.KIND) == _E_TAGGED) if t is not None]
        for tag in tags:
            add(iri, V.SUBJECT, tag)
        for attr, language in ((Attr.COMMENTARY_KO, "ko"), (Attr.COMMENTARY_EN, "en")):
            lines = [str(line) for line in data.get(attr) or () if line]
            if lines:
                self.add_text(iri, V.TEXT, "\n".join(lines), path, first, f"{language} commentary", language)
        return tags

    def sources(self, note_iri: IRI, sources: Sequence[str]) -> dict[str, IRI]:
        """One provenance record per further place a note is written (its vault note).

        A note that is a digest entry and the vault note it was written from
        is ``prov:wasDerivedFrom`` its digest and ``{note}/source/2``: a
        ``prov:Entity`` with the vault note's path and lines. Returns the
        record of each path, for the citations whose line is in that file.
        """
        records: dict[str, IRI] = {}
        for number, source in enumerate(sources[1:], start=2):
            where, _, lines = str(source).rpartition(":")
            start, _, end = lines.partition("-")
            record = IRI(f"{note_iri}/source/{number}")
            self.out.add(note_iri, V.DERIVED_FROM, record)
            self.out.add(record, RDF_TYPE, V.ENTITY)
            self.add_text(record, V.SOURCE_PATH, where, where, 1, "source path")
            for predicate, value in ((V.LINE_START, start), (V.LINE_END, end)):
                if value.isdigit():
                    self.out.add(record, predicate, integer(int(value)))
            records[where] = record
        return records

    def citations(self, note_iri: IRI, edges: list, path: str, first: int, records: dict[str, IRI]) -> None:
        """``cito:cites`` plus one ``cito:Citation`` per link written in the note."""
        seen: dict[str, int] = defaultdict(int)
        for _, target, _, data in edges:
            kind = data.get(Attr.KIND)
            if kind not in (_E_CITES, _E_LINKS_TO, _E_WIKI_LINKS):
                continue
            line = data.get(Attr.LINE)
            where = line if isinstance(line, int) else first
            target_iri = self.iri_of(target)
            if target_iri is None:
                written = data.get(Attr.URL) or target
                self.diagnose(
                    path,
                    where,
                    f"link {written!r} cannot be made into an IRI that RDF parsers accept; left out of the RDF",
                    "rdf-iri",
                )
                continue
            target_data = self.G.nodes[target]
            if kind == _E_LINKS_TO:
                target_key = f"u-{target_data.get(Attr.KEY)}"
            else:
                target_key = str(target_data.get(Attr.KEY) or node_key(target))
            seen[target_key] += 1
            suffix = "" if seen[target_key] == 1 else f"-{seen[target_key]}"
            citation = IRI(f"{note_iri}/cites/{key_segment(target_key)}{suffix}")
            add = self.out.add
            add(note_iri, V.CITES, target_iri)
            add(citation, RDF_TYPE, V.CITATION)
            add(citation, V.CITING, note_iri)
            add(citation, V.CITED, target_iri)
            add(citation, V.CHARACTERIZATION, V.LINKS_TO)
            label = data.get(Attr.LABEL) if kind != _E_WIKI_LINKS else (data.get(Attr.LABEL) or data.get("target"))
            if label:
                label = self.text(str(label), path, where, "anchor text")
                if label:
                    add(citation, V.LABEL, Literal(label, "ko" if has_hangul(label) else None))
            url = data.get(Attr.URL)
            if url:
                self.add_text(citation, V.SOURCE_URL, url, path, where, "URL")
            version = self.number(data.get(Attr.VERSION))
            if version:
                add(citation, V.ARXIV_VERSION, version)
            if isinstance(line, int):
                add(citation, V.LINE, integer(line))
            if data.get(Attr.PATH) in records:
                add(citation, V.DERIVED_FROM, records[data[Attr.PATH]])  # the line is in that file
            if target_data.get(Attr.KIND) == _N_LINK:
                add(target_iri, V.LABEL, Literal(str(target_iri)))
                if target_data.get(Attr.IS_CODE):
                    add(target_iri, RDF_TYPE, V.SOURCE_CODE)

    def item(self, node: str, data: dict, path: str, line: int) -> None:
        iri = self.iri_of(node)
        if iri is None:
            return
        add = self.out.add
        arxiv_id = data.get(Attr.ARXIV_ID)
        classes = (
            ARXIV_PAPER_CLASSES if arxiv_id else ITEM_CLASSES.get(str(data.get(Attr.ITEM_TYPE)), ITEM_CLASSES["other"])
        )
        for cls in classes:
            add(iri, RDF_TYPE, cls)
        self.add_text(iri, V.TITLE, data.get(Attr.TITLE), path, line, "title")
        self.label(iri, data.get(Attr.TITLE) or (f"arXiv:{arxiv_id}" if arxiv_id else data.get(Attr.KEY)))
        if arxiv_id:
            add(iri, V.HAS_ARXIV_ID, Literal(str(arxiv_id)))
            add(iri, V.IDENTIFIER, Literal(f"arXiv:{arxiv_id}"))
            self.doi(iri, str(arxiv_id))
        abstract = data.get(Attr.ABSTRACT)
        if abstract:
            self.add_text(iri, V.ABSTRACT, abstract, path, line, "abstract", "ko" if has_hangul(abstract) else "en")
        for url in data.get(Attr.URLS) or ():
            if parse_arxiv_url(url) is not None:
                continue  # the item's own arXiv page is its IRI; another paper's is not its page
            link = self.link_of(str(url))
            page = self.iri_of(link) if link else web_iri(_UNCARRIABLE.sub("", str(url)))
            if page is None:
                self.diagnose(
                    path,
                    line,
                    f"URL line {url!r} cannot be made into an IRI that RDF parsers accept; left out of the RDF",
                    "rdf-iri",
                )
                continue
            add(iri, V.PAGE, IRI(page))
        self.analysis_values(node, iri, data)
        self.authorship(node, iri, path, line)
        self.metadata(iri, data, path, line)

    def doi(self, iri: IRI, arxiv_id: str) -> None:
        doi = arxiv_doi(arxiv_id)
        self.out.add(iri, V.IDENTIFIER, Literal(f"doi:{doi}"))
        self.out.add(iri, V.SAME_AS, IRI(f"https://doi.org/{doi}"))

    def authorship(self, node: str, iri: IRI, path: str, line: int) -> None:
        roles = sorted(
            (d.get(Attr.POSITION) or 0, agent, d.get(Attr.NAME), d.get(Attr.METADATA_SOURCE))
            for agent, keyed in self.G.succ[node].items()
            for d in keyed.values()
            if d.get(Attr.KIND) == _E_AUTHORED_BY
        )
        if not roles:
            return
        notes = self.notes_about.get(node, [])
        source = next((n for n in notes if self.G.nodes[n].get(Attr.DIGEST)), notes[0] if notes else None)
        source_iri = self.iri_of(source) if source else None
        item_key = key_segment(str(self.G.nodes[node].get(Attr.KEY) or ""))
        add = self.out.add
        for _, agent, _, _ in roles:
            agent_iri = self.iri_of(agent)
            if agent_iri is not None:
                add(iri, V.CREATOR, agent_iri)
        for position, agent, name, from_file in roles:
            agent_iri = self.iri_of(agent)
            if agent_iri is None or not isinstance(position, int):
                continue
            role = IRI(f"{self.base}authorship/{item_key}/{position}")
            add(role, RDF_TYPE, V.ROLE_IN_TIME)
            add(role, V.WITH_ROLE, V.AUTHOR)
            add(role, V.RELATES_TO_DOCUMENT, iri)
            add(role, V.IS_HELD_BY, agent_iri)
            add(role, V.POSITION, integer(position))
            self.add_text(role, V.NAME, name or self.G.nodes[agent].get(Attr.NAME), path, line, "author name")
            derived = self.metadata_file(from_file, path, line) if from_file else source_iri
            if derived is not None:
                add(role, V.DERIVED_FROM, derived)

    def agents(self) -> None:
        self.out.section("authors: people and organisations")
        for node, data in self.G.nodes(data=True):
            kind = data.get(Attr.KIND)
            if kind not in (_N_PERSON, _N_ORGANIZATION):
                continue
            iri = self.iri_of(node)
            if iri is None:
                continue
            self.out.add(iri, RDF_TYPE, V.ORGANIZATION if kind == _N_ORGANIZATION else V.PERSON)
            self.add_text(iri, V.NAME, data.get(Attr.NAME) or data.get(Attr.LABEL), "", 0, f"name of {node}")
            self.label(iri, data.get(Attr.NAME) or data.get(Attr.LABEL))

    def cited_papers(self) -> None:
        self.out.section("arXiv papers known only from links in notes")
        for node, data in self.G.nodes(data=True):
            if data.get(Attr.KIND) != _N_ARXIV:
                continue
            iri = self.iri_of(node)
            arxiv_id = data.get(Attr.ARXIV_ID)
            if iri is None or not arxiv_id:
                continue
            for cls in ARXIV_PAPER_CLASSES:
                self.out.add(iri, RDF_TYPE, cls)
            self.out.add(iri, V.HAS_ARXIV_ID, Literal(str(arxiv_id)))
            self.out.add(iri, V.IDENTIFIER, Literal(f"arXiv:{arxiv_id}"))
            self.label(iri, data.get(Attr.TITLE) or f"arXiv:{arxiv_id}")
            self.doi(iri, str(arxiv_id))
            source = str(data.get(Attr.METADATA_SOURCE) or "")
            self.add_text(iri, V.TITLE, data.get(Attr.TITLE), source, 0, "title")
            abstract = data.get(Attr.ABSTRACT)
            self.add_text(iri, V.ABSTRACT, abstract, source, 0, "abstract", "en")
            self.authorship(node, iri, source, 0)
            self.metadata(iri, data, source, 0)
            self.analysis_values(node, iri, data)

    def metadata(self, iri: IRI, data: dict, path: str, line: int) -> None:
        """What arXiv metadata added to a paper: categories as SKOS concepts of the
        arXiv taxonomy, first-version date, DOI, and the file it came from."""
        source = data.get(Attr.METADATA_SOURCE)
        if not source:
            return
        add = self.out.add
        for category in data.get(Attr.CATEGORIES) or ():
            concept = self.category(str(category))
            if concept is not None:
                add(iri, V.SUBJECT_TERM, concept)
        issued = self.date(data.get(Attr.PUBLISHED), path, line, "first-version date")
        if issued:
            add(iri, V.ISSUED, issued)
        doi = data.get(Attr.DOI)
        if doi:
            self.add_text(iri, V.IDENTIFIER, f"doi:{doi}", path, line, "DOI")
            page = web_iri(f"https://doi.org/{doi}")
            if page is not None:
                add(iri, V.SAME_AS, IRI(page))
        add(iri, V.DERIVED_FROM, self.metadata_file(str(source), path, line))

    def metadata_file(self, name: str, path: str, line: int) -> IRI:
        """The ``prov:Entity`` of an arXiv metadata file, declared once."""
        file = IRI(f"{self.base}arxiv-metadata/{key_segment(name)}")
        if file not in self.metadata_files:
            self.metadata_files.add(file)
            self.out.add(file, RDF_TYPE, V.ENTITY)
            self.add_text(file, V.SOURCE_PATH, name, path, line, "metadata file")
            self.label(file, name)
            self.out.add(file, V.COMMENT_PROP, Literal("arXiv metadata (JSON Lines) given to the build", "en"))
        return file

    def category(self, code: str) -> IRI | None:
        """The SKOS concept of an arXiv category (``cs.CL``), declared once."""
        concept = IRI(f"{self.base}arxiv-category/{key_segment(code)}")
        if not _accepted_by_parsers(concept):
            return None
        if concept not in self.categories:
            self.categories.add(concept)
            add = self.out.add
            if not self.categories_scheme_done:
                self.categories_scheme_done = True
                add(self.category_scheme, RDF_TYPE, V.CONCEPT_SCHEME)
                add(self.category_scheme, V.PREF_LABEL, Literal("arXiv category taxonomy"))
                add(self.category_scheme, V.LABEL, Literal("arXiv category taxonomy"))
                add(self.category_scheme, V.SEE_ALSO, IRI("https://arxiv.org/category_taxonomy"))
            add(concept, RDF_TYPE, V.CONCEPT)
            add(concept, V.IN_SCHEME, self.category_scheme)
            add(concept, V.NOTATION, Literal(code))
            add(concept, V.PREF_LABEL, Literal(category_name(code)))
            add(concept, V.LABEL, Literal(category_name(code)))
        return concept

    def community_iri(self, community: int) -> IRI:
        return IRI(f"{self.base}community/{community}")

    def analysis_values(self, node: str, iri: IRI, data: dict) -> None:
        """A paper's community (``pg:community``), how many notes cite it, and, for the
        three most central papers of a community, their rank in it.

        PageRank itself stays out: it moves a little for every paper whenever
        anything changes, and would make a rebuild render every paper again.
        """
        community = data.get(Attr.COMMUNITY)
        if not isinstance(community, int) or isinstance(community, bool):
            return
        add = self.out.add
        add(iri, V.COMMUNITY, self.community_iri(community))
        rank = self.community_rank.get(node)
        if rank is not None:
            add(iri, V.COMMUNITY_RANK, integer(rank))
        cited_by = data.get(Attr.CITED_BY)
        if isinstance(cited_by, int):
            add(iri, V.CITED_BY, integer(cited_by))

    def communities(self) -> None:
        """Each community of the analysis a ``skos:Concept`` in its own scheme, related to the tags of its label."""
        communities = self.G.graph.get(Attr.COMMUNITIES) or []
        if not communities:
            return
        add = self.out.add
        self.out.section("topic communities (the analysis stage)")
        add(self.topic_scheme, RDF_TYPE, V.CONCEPT_SCHEME)
        add(self.topic_scheme, V.PREF_LABEL, Literal("papergraph topics: communities of the paper projection"))
        self.label(self.topic_scheme, "papergraph topics: communities of the paper projection")
        tags = {str(d.get(Attr.KEY)): n for n, d in self.G.nodes(data=True) if d.get(Attr.KIND) == _N_TAG}
        for community in communities:
            iri = self.community_iri(community["id"])
            add(iri, RDF_TYPE, V.CONCEPT)
            add(iri, V.IN_SCHEME, self.topic_scheme)
            label = self.text(str(community["label"]), "", 0, f"community {community['id']}")
            add(iri, V.PREF_LABEL, Literal(label, "ko" if has_hangul(label) else None))
            self.label(iri, label)
            add(iri, V.NOTATION, Literal(str(community["id"])))
            add(iri, V.MEMBERS, integer(community["size"]))
            for name in str(community["label"]).split(" · "):
                tag_iri = self.iri_of(tags[name]) if name in tags else None
                if tag_iri is not None:
                    add(iri, V.RELATED, tag_iri)

    def run(self) -> RdfGraph:
        self.header()
        for node, data in self.G.nodes(data=True):
            if data.get(Attr.KIND) == _N_DIGEST:
                self.digest(node, data)
        loose = [(n, d) for n, d in self.G.nodes(data=True) if d.get(Attr.KIND) == _N_NOTE and not d.get(Attr.DIGEST)]
        if loose:
            self.out.section("vault notes")
            for node, data in loose:
                self.note(node, data, digest_iri=None)
        self.agents()
        self.cited_papers()
        self.communities()
        return self.out


TOP_RANKED = 3
"""How many papers of each community get a ``pg:communityRank``."""


def _community_ranks(G: nx.MultiDiGraph) -> dict[str, int]:
    """The place (1 = the most central) of the ``TOP_RANKED`` best papers of each community."""
    return {
        node: rank
        for community in G.graph.get(Attr.COMMUNITIES) or []
        for rank, node in enumerate(community["top"][:TOP_RANKED], start=1)
    }


def to_rdf(G: nx.MultiDiGraph, *, base_iri: str = DEFAULT_BASE_IRI, diagnose: Diagnose | None = None) -> RdfGraph:
    """Map the papergraph graph onto the RDF data model.

    Args:
        G: the graph of :func:`papergraph.graph.build_graph`.
        base_iri: the base of minted IRIs (``{base}digest/…``, ``{base}person/…``).
        diagnose: called as ``diagnose(path, line, message, code)`` for input the
            RDF cannot carry (characters stripped, links left out).

    Raises:
        ExportError: ``base_iri`` is not an absolute IRI.
    """
    base = normalize_base_iri(base_iri)
    with paused_gc():
        return _Mapper(G, base, diagnose or (lambda path, line, message, code: None)).run()


# Vocabularies a dataset may use, by namespace (void:vocabulary names the vocabulary's IRI).
_VOCABULARIES = (
    (NS.DCTERMS, "http://purl.org/dc/terms/"),
    (NS.FABIO, "http://purl.org/spar/fabio/"),
    (NS.CITO, "http://purl.org/spar/cito/"),
    (NS.PRO, "http://purl.org/spar/pro/"),
    (NS.FOAF, "http://xmlns.com/foaf/0.1/"),
    (NS.SCHEMA, "http://schema.org/"),
    (NS.SKOS, "http://www.w3.org/2004/02/skos/core"),
    (NS.PROV, "http://www.w3.org/ns/prov"),
    (NS.FAIR4ML, "https://w3id.org/fair4ml"),
    (NS.RDFS, "http://www.w3.org/2000/01/rdf-schema"),
    (NS.PG, "https://w3id.org/papergraph/ns"),
)


def describe_dataset(
    rdf: RdfGraph,
    base: str,
    *,
    title: str = "papergraph",
    license: str | None = None,
    sources: Sequence[InputSource] = (),
) -> None:
    """Add the build's VoID/DCAT description to ``rdf`` (in place, as its last subjects).

    Nothing in it depends on the clock or on where the inputs live, so the
    same inputs and options give the same description.
    """
    from .. import __version__

    triples = len(rdf)
    used: set[str] = set()
    for _, predicates in rdf.subjects():
        used.update(predicates)
        used.update(str(cls) for cls in predicates.get(RDF_TYPE, ()))
    dataset = IRI(f"{base}dataset")
    add = rdf.add
    rdf.section("this dataset: a VoID and DCAT description of the build")
    add(dataset, RDF_TYPE, V.VOID_DATASET)
    add(dataset, RDF_TYPE, V.DCAT_DATASET)
    add(dataset, V.TITLE, Literal(f"{title} knowledge graph"))
    add(dataset, V.LABEL, Literal(f"{title} knowledge graph"))
    add(dataset, V.VOID_TRIPLES, integer(triples))
    add(dataset, V.VOID_URI_SPACE, Literal(base))
    for namespace, vocabulary_iri in _VOCABULARIES:
        if any(term.startswith(namespace) for term in used):
            add(dataset, V.VOID_VOCABULARY, IRI(vocabulary_iri))
    if license:
        add(dataset, V.LICENSE, IRI(license) if _accepted_by_parsers(license) else Literal(license))
    add(dataset, V.PAPERGRAPH_VERSION, Literal(__version__))
    for input_source in sources:
        name = input_source.name
        source = IRI(f"{base}source/{key_segment(name)}-{input_source.sha256[:16]}")
        add(dataset, V.DERIVED_FROM, source)
        add(source, RDF_TYPE, V.ENTITY)
        add(source, V.LABEL, Literal(name))
        add(source, V.SOURCE_PATH, Literal(name))
        add(source, V.CONTENT_HASH, Literal(f"sha256:{input_source.sha256}"))


def node_iris(G: nx.MultiDiGraph, base_iri: str = DEFAULT_BASE_IRI) -> dict[str, str]:
    """Each node's IRI in the RDF export (nodes the RDF cannot name are left out).

    The GraphML and GEXF files carry it as the ``rdf_iri`` column, so a node
    picked in Gephi can be looked up in a SPARQL store.
    """
    mapper = _Mapper(G, normalize_base_iri(base_iri), lambda path, line, message, code: None)
    return {node: str(iri) for node in G if (iri := mapper.iri_of(node)) is not None}


@lru_cache(maxsize=1)
def vocabulary() -> bytes:
    """The ``pg:`` vocabulary, as shipped in the package (``papergraph/papergraph.ttl``)."""
    return resources.files("papergraph").joinpath("papergraph.ttl").read_bytes()


TURTLE_HEADER = (
    "papergraph RDF export: digests, notes, papers, authors, tags and links.",
    "Data model: https://w3id.org/papergraph/ns (pg: terms in papergraph.ttl).",
)


def build_rdf(G: nx.MultiDiGraph, ctx: ExportContext) -> RdfGraph:
    """The build's RDF with its dataset description, mapped once per export
    group (the N-Triples, Turtle, JSON-LD and TriG files all write it)."""

    def mapped() -> RdfGraph:
        base = normalize_base_iri(ctx.base_iri)
        rdf = to_rdf(G, base_iri=base, diagnose=ctx.diagnose)
        describe_dataset(rdf, base, title=ctx.title, license=ctx.license, sources=ctx.sources)
        return rdf

    return ctx.shared("rdf", mapped)


def generate_rdf(G: nx.MultiDiGraph, ctx: ExportContext) -> dict[str, bytes]:
    """``graph.ttl``, ``graph.nt``, ``graph.jsonld`` and ``papergraph.ttl`` for one build."""
    return {
        name: content if isinstance(content, bytes) else b"".join(content)
        for name, content in stream_rdf(G, ctx).items()
    }


def stream_rdf(G: nx.MultiDiGraph, ctx: ExportContext) -> dict[str, bytes | Iterator[bytes]]:
    """The files of :func:`generate_rdf`, each serialised only when it is written,
    in chunks, so a big graph never has all its files in memory at once."""
    base = normalize_base_iri(ctx.base_iri)
    rdf = build_rdf(G, ctx)
    prefixes = instance_prefixes(base)

    def without_gc(chunks: Iterator[bytes]) -> Iterator[bytes]:
        with paused_gc():
            yield from chunks

    return {
        "graph.nt": without_gc(iter_ntriples(rdf)),
        "graph.ttl": without_gc(iter_turtle(rdf, prefixes=prefixes, base=base, header=TURTLE_HEADER)),
        "graph.jsonld": without_gc(iter_jsonld(rdf, prefixes=(*prefixes, ("pgid", base)))),
        "papergraph.ttl": vocabulary(),
    }


EXPORTER = Exporter(
    name="rdf",
    description="RDF in the papergraph data model: Turtle, N-Triples, JSON-LD, and the pg: vocabulary",
    files=("graph.ttl", "graph.nt", "graph.jsonld", "papergraph.ttl"),
    generate=stream_rdf,
    group="rdf",
)
