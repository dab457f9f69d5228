"""RDF terms, namespaces and fast, deterministic writers (Turtle, N-Triples, JSON-LD).

papergraph writes RDF itself instead of going through rdflib's serializers:
rdflib's Turtle serializer is slow and super-linear on large graphs, and
pyoxigraph's escapes ``/`` and ``%`` in prefixed names (``arxiv:hep-th\\/9711200``)
and indents with tabs. The writers here take an :class:`RdfGraph` (triples
grouped by subject, in insertion order) and return bytes; the same graph gives
the same bytes on every run.

Literals are written in canonical form: plain strings never carry
``^^xsd:string``, language tags are lower case, ``xsd:integer`` values come
from Python ``int`` (``docs/data-model.md`` §2.4, §5). The writers assume valid terms:
IRIs without spaces, quotes or angle brackets (see :func:`is_valid_iri`) and
text without lone surrogates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from .gcpause import paused_gc

__all__ = [
    "IRI",
    "NS",
    "PREFIXES",
    "RDF_TYPE",
    "XSD_DATE",
    "XSD_INTEGER",
    "BNode",
    "Literal",
    "RdfGraph",
    "Term",
    "compact_iri",
    "generate_jsonld",
    "generate_ntriples",
    "generate_turtle",
    "integer",
    "is_valid_iri",
    "iter_jsonld",
    "iter_ntriples",
    "iter_trig",
    "iter_turtle",
    "paused_gc",
    "turtle_term",
]


class IRI(str):
    """An absolute IRI (a ``str``, so it hashes and sorts like one)."""

    __slots__ = ()


class BNode(str):
    """A blank node label; papergraph never mints them, but CONSTRUCT results may hold them."""

    __slots__ = ()


class Literal(NamedTuple):
    """A literal: plain (no language, no datatype), language-tagged, or typed."""

    value: str
    language: str | None = None
    datatype: str | None = None


Term = IRI | BNode | Literal


class NS:
    """Namespaces of ``docs/data-model.md`` (§0)."""

    PG = "https://w3id.org/papergraph/ns#"
    ARXIV = "https://arxiv.org/abs/"
    DCTERMS = "http://purl.org/dc/terms/"
    FABIO = "http://purl.org/spar/fabio/"
    CITO = "http://purl.org/spar/cito/"
    PRO = "http://purl.org/spar/pro/"
    FOAF = "http://xmlns.com/foaf/0.1/"
    SCHEMA = "http://schema.org/"
    SKOS = "http://www.w3.org/2004/02/skos/core#"
    PROV = "http://www.w3.org/ns/prov#"
    FAIR4ML = "https://w3id.org/fair4ml#"
    RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    RDFS = "http://www.w3.org/2000/01/rdf-schema#"
    XSD = "http://www.w3.org/2001/XMLSchema#"
    OWL = "http://www.w3.org/2002/07/owl#"


# The prefixes every papergraph file declares, in the order they are written.
PREFIXES: tuple[tuple[str, str], ...] = (
    ("pg", NS.PG),
    ("arxiv", NS.ARXIV),
    ("dcterms", NS.DCTERMS),
    ("fabio", NS.FABIO),
    ("cito", NS.CITO),
    ("pro", NS.PRO),
    ("foaf", NS.FOAF),
    ("schema", NS.SCHEMA),
    ("skos", NS.SKOS),
    ("prov", NS.PROV),
    ("fair4ml", NS.FAIR4ML),
    ("rdf", NS.RDF),
    ("rdfs", NS.RDFS),
    ("xsd", NS.XSD),
)

RDF_TYPE = IRI(NS.RDF + "type")
XSD_INTEGER = NS.XSD + "integer"
XSD_DATE = NS.XSD + "date"
_XSD_STRING = NS.XSD + "string"
_RDF_LANGSTRING = NS.RDF + "langString"


def integer(value: int) -> Literal:
    """An ``xsd:integer`` literal in canonical form.

    >>> integer(7)
    Literal(value='7', language=None, datatype='http://www.w3.org/2001/XMLSchema#integer')
    """
    return Literal(str(int(value)), None, XSD_INTEGER)


# RFC 3987 IRI syntax, restricted to what the strict parsers accept: a scheme,
# then no spaces, controls, quotes, angle brackets, braces, pipes, carets,
# backticks or backslashes, and every '%' starting a %XX escape.
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?:[^\x00-\x20<>\"{}|^`\\%]|%[0-9A-Fa-f]{2})*$")


def is_valid_iri(text: str) -> bool:
    """Whether ``text`` can be written as ``<text>`` in Turtle and N-Triples.

    >>> is_valid_iri("https://example.org/a%20b"), is_valid_iri("https://example.org/a b")
    (True, False)
    """
    return _IRI.match(text) is not None


class RdfGraph:
    """Triples grouped by subject, then predicate, in insertion order; no duplicates.

    ``section(title)`` marks where a new part begins; the Turtle writer shows it
    as a comment, the other writers ignore it.
    """

    def __init__(self) -> None:
        self._subjects: dict[IRI | BNode, dict[IRI, dict[Term, None]]] = {}
        self._sections: dict[int, str] = {}

    def add(self, subject: IRI | BNode, predicate: IRI, obj: Term) -> None:
        predicates = self._subjects.get(subject)
        if predicates is None:
            predicates = self._subjects[subject] = {}
        objects = predicates.get(predicate)
        if objects is None:
            objects = predicates[predicate] = {}
        objects[obj] = None

    def section(self, title: str) -> None:
        self._sections[len(self._subjects)] = " ".join(title.split())

    def __len__(self) -> int:
        return sum(len(objects) for predicates in self._subjects.values() for objects in predicates.values())

    def __contains__(self, subject: object) -> bool:
        return subject in self._subjects

    def subjects(self) -> Iterable[tuple[IRI | BNode, dict[IRI, dict[Term, None]]]]:
        return self._subjects.items()

    def triples(self) -> Iterable[tuple[IRI | BNode, IRI, Term]]:
        for subject, predicates in self._subjects.items():
            for predicate, objects in predicates.items():
                for obj in objects:
                    yield subject, predicate, obj

    def blocks(self) -> Iterable[tuple[str | None, IRI | BNode, dict[IRI, dict[Term, None]]]]:
        """``(section title or None, subject, predicates)`` in order."""
        for index, (subject, predicates) in enumerate(self._subjects.items()):
            yield self._sections.get(index), subject, predicates

    @classmethod
    def from_triples(cls, triples: Iterable[tuple[IRI | BNode, IRI, Term]]) -> RdfGraph:
        graph = cls()
        for subject, predicate, obj in triples:
            graph.add(subject, predicate, obj)
        return graph


# ----------------------------------------------------------------- escaping


def _escape_table() -> dict[int, str]:
    table = {code: f"\\u{code:04X}" for code in range(0x20)}
    table.update(
        {
            0x7F: "\\u007F",
            ord("\\"): "\\\\",
            ord('"'): '\\"',
            0x0A: "\\n",
            0x0D: "\\r",
            0x09: "\\t",
            0x08: "\\b",
            0x0C: "\\f",
        }
    )
    return table


_ESCAPES = _escape_table()
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f\x7f"\\]')


def _quote(text: str) -> str:
    if _NEEDS_ESCAPE.search(text):
        text = text.translate(_ESCAPES)
    return f'"{text}"'


# A conservative subset of Turtle's PN_LOCAL that every parser reads the same:
# ASCII letters, digits, '_', '-', '.', and %XX escapes; no trailing '.'.
_LOCAL = re.compile(r"^(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:[A-Za-z0-9_.-]|%[0-9A-Fa-f]{2})*(?<!\.)$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")


class _Compactor:
    """Turns IRIs into prefixed names or base-relative references, with a cache."""

    def __init__(self, prefixes: Sequence[tuple[str, str]], base: str | None):
        # Longest namespace first, so `person:` wins over the base.
        self.prefixes = sorted(prefixes, key=lambda pair: len(pair[1]), reverse=True)
        self.base = base if base and base.endswith("/") else None
        self.cache: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        found = self.cache.get(iri)
        if found is None:
            found = self.cache[iri] = self._compact(iri)
        return found

    def _compact(self, iri: str) -> str:
        for name, namespace in self.prefixes:
            if iri.startswith(namespace):
                local = iri[len(namespace) :]
                if _LOCAL.match(local):
                    return f"{name}:{local}"
        if self.base and iri.startswith(self.base):
            relative = iri[len(self.base) :]
            if _is_safe_relative(relative):
                return f"<{relative}>"
        return f"<{iri}>"


def _is_safe_relative(relative: str) -> bool:
    """A relative reference that resolves back to base + itself: a path that
    starts with a letter, has no ':' before the first '/', no dot segments."""
    if not relative or not relative[0].isalpha():
        return False
    first = relative.split("/", 1)[0]
    if ":" in first or "?" in relative or "#" in relative:
        return False
    return all(segment not in {".", ".."} for segment in relative.split("/"))


def compact_iri(iri: str, prefixes: Sequence[tuple[str, str]] = PREFIXES) -> str:
    """``prefix:local`` when a prefix fits and the local name is simple, else ``<iri>``.

    >>> compact_iri("https://arxiv.org/abs/2305.01625"), compact_iri("https://arxiv.org/abs/hep-th/9711200")
    ('arxiv:2305.01625', '<https://arxiv.org/abs/hep-th/9711200>')
    """
    return _Compactor(prefixes, None)(iri)


def _turtle_literal(literal: Literal, compact: _Compactor) -> str:
    text = _quote(literal.value)
    if literal.language:
        return f"{text}@{literal.language}"
    datatype = literal.datatype
    if not datatype or datatype == _XSD_STRING:
        return text
    if datatype == XSD_INTEGER and _INTEGER.match(literal.value):
        return literal.value
    return f"{text}^^{compact(datatype)}"


def turtle_term(term: Term, compact: _Compactor | None = None) -> str:
    """One term in Turtle (and SPARQL) syntax.

    >>> turtle_term(Literal("MLA 구조", "ko")), turtle_term(integer(3)), turtle_term(IRI("http://schema.org/text"))
    ('"MLA 구조"@ko', '3', 'schema:text')
    """
    compact = compact or _Compactor(PREFIXES, None)
    if isinstance(term, Literal):
        return _turtle_literal(term, compact)
    if isinstance(term, BNode):
        return f"_:{term}"
    return compact(term)


# ----------------------------------------------------------------- writers

_WRAP = 100  # put the objects of one predicate on separate lines past this width
_SHORT = 160  # write a whole subject on one line up to this width


def generate_turtle(
    graph: RdfGraph,
    *,
    prefixes: Sequence[tuple[str, str]] = PREFIXES,
    base: str | None = None,
    header: Sequence[str] = (),
) -> bytes:
    """The graph as pretty Turtle (all of :func:`iter_turtle` at once)."""
    return b"".join(iter_turtle(graph, prefixes=prefixes, base=base, header=header))


CHUNK_PARTS = 4096
"""Strings joined and encoded at a time by the ``iter_*`` writers: big files
stream to disk instead of existing as millions of small strings at once."""


def _chunked(parts: Iterable[str]) -> Iterator[bytes]:
    buffer: list[str] = []
    for part in parts:
        buffer.append(part)
        if len(buffer) >= CHUNK_PARTS:
            yield "".join(buffer).encode("utf-8")
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode("utf-8")


def iter_turtle(
    graph: RdfGraph,
    *,
    prefixes: Sequence[tuple[str, str]] = PREFIXES,
    base: str | None = None,
    header: Sequence[str] = (),
) -> Iterator[bytes]:
    """The graph as pretty Turtle, in UTF-8 chunks: prefixes, one block per subject, ``a`` first.

    ``base`` (ending in ``/``) is declared with ``@base`` and IRIs under it are
    written relative to it, as in the data model's sample.

    >>> g = RdfGraph(); g.add(IRI("https://arxiv.org/abs/2305.01625"), IRI(NS.DCTERMS + "title"), Literal("X"))
    >>> print(generate_turtle(g, prefixes=[("arxiv", NS.ARXIV), ("dcterms", NS.DCTERMS)]).decode(), end="")
    @prefix arxiv: <https://arxiv.org/abs/> .
    @prefix dcterms: <http://purl.org/dc/terms/> .
    <BLANKLINE>
    arxiv:2305.01625 dcterms:title "X" .
    """
    return _chunked(_turtle_parts(graph, prefixes, base, header))


def _turtle_parts(
    graph: RdfGraph,
    prefixes: Sequence[tuple[str, str]],
    base: str | None,
    header: Sequence[str],
) -> Iterator[str]:
    compact = _Compactor(prefixes, base)
    yield from _preamble(compact, prefixes, header)
    yield from _statements(graph, compact, {})


def _preamble(compact: _Compactor, prefixes: Sequence[tuple[str, str]], header: Sequence[str]) -> Iterator[str]:
    """Header comments, ``@base`` and ``@prefix`` lines (Turtle and TriG alike)."""
    yield from (f"# {line}\n" for line in header)
    if compact.base:
        yield f"@base <{compact.base}> .\n"
    yield from (f"@prefix {name}: <{namespace}> .\n" for name, namespace in prefixes)


def _statements(graph: RdfGraph, compact: _Compactor, rendered: dict[Term, str]) -> Iterator[str]:
    """One Turtle statement per subject, ``a`` first; ``rendered`` remembers
    written terms (types, people and tags recur thousands of times)."""

    def term(value: Term) -> str:
        text = rendered.get(value)
        if text is None:
            text = rendered[value] = turtle_term(value, compact)
        return text

    def render(subject: IRI | BNode, predicates: dict[IRI, dict[Term, None]]) -> tuple[bool, str]:
        """``(True, one line)`` for a short description, else ``(False, the block)``."""
        head = term(subject)
        lines = []
        if RDF_TYPE in predicates:  # "a" first, the rest in their order
            predicates = {RDF_TYPE: predicates[RDF_TYPE], **predicates}
        for predicate, objects in predicates.items():
            verb = "a" if predicate == RDF_TYPE else compact(predicate)
            terms = [term(obj) for obj in objects]
            joined = ", ".join(terms)
            if len(terms) > 1 and len(joined) + len(verb) > _WRAP:
                joined = ",\n        ".join(terms)
            lines.append(f"{verb} {joined}")
        short = f"{head} {' ; '.join(lines)} .\n"
        if len(short) <= _SHORT and "\n" not in short[:-1]:
            return True, short
        return False, f"{head} " + " ;\n    ".join(lines) + " .\n"

    previous_was_short = False
    for section, subject, predicates in graph.blocks():
        if section:
            yield f"\n# ---- {section}\n"
        short, text = render(subject, predicates)
        # Small descriptions (agents, tags, cited papers) read best as one line each.
        yield text if short and previous_was_short and not section else "\n" + text
        previous_was_short = short


def iter_trig(
    graphs: Sequence[tuple[IRI, str, RdfGraph]],
    *,
    prefixes: Sequence[tuple[str, str]] = PREFIXES,
    base: str | None = None,
    header: Sequence[str] = (),
) -> Iterator[bytes]:
    """Named graphs as TriG, in UTF-8 chunks: each ``(graph IRI, comment, graph)``
    as a ``<iri> { … }`` block of Turtle statements.

    >>> a, p = IRI("https://x.org/a"), IRI("https://x.org/p")
    >>> g = RdfGraph(); g.add(a, p, Literal("in g"))
    >>> print(b"".join(iter_trig([(IRI("https://x.org/g"), "g", g)], prefixes=[])).decode(), end="")
    <BLANKLINE>
    # g
    <https://x.org/g> {
    <BLANKLINE>
    <https://x.org/a> <https://x.org/p> "in g" .
    }
    """
    return _chunked(_trig_parts(graphs, prefixes, base, header))


def _trig_parts(
    graphs: Sequence[tuple[IRI, str, RdfGraph]],
    prefixes: Sequence[tuple[str, str]],
    base: str | None,
    header: Sequence[str],
) -> Iterator[str]:
    compact = _Compactor(prefixes, base)
    rendered: dict[Term, str] = {}
    yield from _preamble(compact, prefixes, header)
    for iri, comment, graph in graphs:
        # "<iri> {" rather than "GRAPH <iri> {": both are TriG 1.1, and Raptor's
        # older TriG parser reads only this one.
        yield f"\n# {' '.join(comment.split())}\n{turtle_term(iri, compact)} {{\n"
        yield from _statements(graph, compact, rendered)
        yield "}\n"


def _nt_term(term: Term) -> str:
    if isinstance(term, Literal):
        text = _quote(term.value)
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype and term.datatype != _XSD_STRING:
            return f"{text}^^<{term.datatype}>"
        return text
    if isinstance(term, BNode):
        return f"_:{term}"
    return f"<{term}>"


def generate_ntriples(graph: RdfGraph) -> bytes:
    """The graph as N-Triples, one triple per line, in the graph's order.

    >>> g = RdfGraph(); g.add(IRI("https://x.org/a"), IRI("https://x.org/p"), Literal('say "hi"\\n', "en"))
    >>> generate_ntriples(g)
    b'<https://x.org/a> <https://x.org/p> "say \\\\"hi\\\\"\\\\n"@en .\\n'
    """
    return b"".join(iter_ntriples(graph))


def iter_ntriples(graph: RdfGraph) -> Iterator[bytes]:
    """The graph as N-Triples, in UTF-8 chunks."""
    return _chunked(_ntriples_blocks(graph))


def _ntriples_blocks(graph: RdfGraph) -> Iterator[str]:
    cache: dict[Term, str] = {}
    for subject, predicates in graph.subjects():
        head = _nt_term(subject)
        lines = []
        for predicate, objects in predicates.items():
            middle = f"{head} <{predicate}> "
            for obj in objects:
                written = cache.get(obj)
                if written is None:
                    written = cache[obj] = _nt_term(obj)
                lines.append(f"{middle}{written} .\n")
        yield "".join(lines)


class _JsonCompactor:
    """Compact IRIs for JSON-LD: ``prefix:suffix`` for any suffix not starting with ``//``."""

    def __init__(self, prefixes: Sequence[tuple[str, str]]):
        self.prefixes = sorted(prefixes, key=lambda pair: len(pair[1]), reverse=True)
        self.cache: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        found = self.cache.get(iri)
        if found is None:
            found = iri
            for name, namespace in self.prefixes:
                if iri.startswith(namespace) and not iri[len(namespace) :].startswith("//"):
                    found = f"{name}:{iri[len(namespace) :]}"
                    break
            self.cache[iri] = found
        return found


def _json_value(term: Term, compact: _JsonCompactor) -> object:
    if isinstance(term, Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype and term.datatype != _XSD_STRING:
            return {"@value": term.value, "@type": compact(term.datatype)}
        return term.value
    if isinstance(term, BNode):
        return {"@id": f"_:{term}"}
    return {"@id": compact(term)}


def generate_jsonld(graph: RdfGraph, *, prefixes: Sequence[tuple[str, str]] = PREFIXES) -> bytes:
    """The graph as JSON-LD (all of :func:`iter_jsonld` at once)."""
    return b"".join(iter_jsonld(graph, prefixes=prefixes))


def iter_jsonld(
    graph: RdfGraph,
    *,
    prefixes: Sequence[tuple[str, str]] = PREFIXES,
) -> Iterator[bytes]:
    """The graph as JSON-LD, in UTF-8 chunks: a ``@context`` of prefixes and one
    node object per line in ``@graph``.

    Every value is explicit (``{"@id"}``, ``{"@value", "@language"}``,
    ``{"@value", "@type"}``), so JSON-LD 1.0 and 1.1 processors read the same
    triples.
    """
    return _chunked(_jsonld_parts(graph, prefixes))


def _jsonld_parts(graph: RdfGraph, prefixes: Sequence[tuple[str, str]]) -> Iterator[str]:
    compact = _JsonCompactor(prefixes)
    encode = json.JSONEncoder(ensure_ascii=False).encode
    # Each key and value is encoded once (types, people and tags recur thousands
    # of times) and a node object is joined from them as text, with the
    # encoder's own separators, so the file is what encoding each node gives.
    keys: dict[str, str] = {}
    types: dict[Term, str] = {}
    values: dict[Term, str] = {}

    def key(name: str) -> str:
        found = keys.get(name)
        if found is None:
            found = keys[name] = encode(name) + ": "
        return found

    def type_name(term: Term) -> str:
        found = types.get(term)
        if found is None:
            found = types[term] = encode(compact(str(term)))
        return found

    def value(term: Term) -> str:
        found = values.get(term)
        if found is None:
            found = values[term] = encode(_json_value(term, compact))
        return found

    def listed(items: list[str]) -> str:
        return items[0] if len(items) == 1 else "[" + ", ".join(items) + "]"

    def render(subject: IRI | BNode, predicates: dict[IRI, dict[Term, None]]) -> str:
        node_id = f"_:{subject}" if isinstance(subject, BNode) else compact(subject)
        members = [key("@id") + encode(node_id)]
        for predicate, objects in predicates.items():
            if predicate == RDF_TYPE and all(type(o) is IRI for o in objects):
                members.append(key("@type") + listed([type_name(o) for o in objects]))
                continue
            members.append(key(compact(predicate)) + listed([value(obj) for obj in objects]))
        return "{" + ", ".join(members) + "}"

    yield f'{{\n  "@context": {encode(dict(prefixes))},\n  "@graph": [\n    '
    separator = ""
    for subject, predicates in graph.subjects():
        yield separator + render(subject, predicates)
        separator = ",\n    "
    yield "\n  ]\n}\n"
