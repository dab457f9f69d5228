"""SPARQL over papergraph's RDF: load an export (or digests), run a query, format the answer.

The default engine is pyoxigraph (about 20x faster than rdflib's own SPARQL
and free of the aggregate bugs listed in ``docs/data-model.md`` §5); ``engine="rdflib"``
stays available. Both engines give the same :class:`QueryResult`, so the
formatters (an aligned table, SPARQL 1.1 CSV/TSV/JSON results, Turtle or
JSON-LD for CONSTRUCT) print the same text whichever engine ran the query.

Queries may use the data model's prefixes (``dcterms:``, ``cito:``, ``pg:`` …)
without declaring them. Named queries ship in ``papergraph/queries/*.rq``;
the first comment line of each file is its one-line description.

>>> data = open_dataset("seeds")
>>> data.query("SELECT (COUNT(*) AS ?n) WHERE { ?d a pg:Digest }").rows[0][0].value
'3'
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

from .errors import InputError, QueryError
from .exporters import DEFAULT_BASE_IRI
from .rdfwriter import (
    IRI,
    PREFIXES,
    BNode,
    Literal,
    RdfGraph,
    compact_iri,
    generate_jsonld,
    generate_turtle,
    turtle_term,
)

__all__ = [
    "DEFAULT_GRAPH",
    "ENGINES",
    "FORMATS",
    "Dataset",
    "NamedQuery",
    "QueryResult",
    "Term",
    "execute",
    "find_named_query",
    "format_named_queries",
    "format_result",
    "named_queries",
    "open_dataset",
    "run_query",
]

DEFAULT_GRAPH = "output/graph.ttl"
ENGINES = ("oxigraph", "rdflib")
FORMATS = ("table", "csv", "tsv", "json")
# Suffix -> (pyoxigraph format name, rdflib format name).
RDF_SUFFIXES = {
    ".ttl": ("TURTLE", "turtle"),
    ".nt": ("N_TRIPLES", "nt"),
    ".jsonld": ("JSON_LD", "json-ld"),
    ".json": ("JSON_LD", "json-ld"),
}
DIGEST_SUFFIXES = (".txt", ".md")
# Prefixes a query may use undeclared; also used to shorten IRIs in tables.
QUERY_PREFIXES: tuple[tuple[str, str], ...] = (
    *PREFIXES,
    ("person", DEFAULT_BASE_IRI + "person/"),
    ("tag", DEFAULT_BASE_IRI + "tag/"),
)
_CELL_WIDTH = 80


@dataclass(frozen=True, slots=True)
class Term:
    """An RDF term in a result, the same whichever engine produced it.

    ``kind`` is ``uri``, ``literal`` or ``bnode`` (the SPARQL JSON names);
    ``datatype`` is None for plain and language-tagged strings.
    """

    kind: str
    value: str
    language: str | None = None
    datatype: str | None = None

    def to_rdf(self) -> IRI | BNode | Literal:
        if self.kind == "uri":
            return IRI(self.value)
        if self.kind == "bnode":
            return BNode(self.value)
        return Literal(self.value, self.language, self.datatype)


@dataclass(frozen=True)
class QueryResult:
    """The answer to one query: rows (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE)."""

    form: str
    """``select``, ``ask`` or ``graph``."""
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[tuple[Term, Term, Term], ...] = ()


@dataclass(frozen=True, slots=True)
class NamedQuery:
    name: str
    description: str
    text: str

    @property
    def short_name(self) -> str:
        """``cq03`` for ``cq03_most_cross_referenced_arxiv``."""
        return self.name.split("_", 1)[0]


def _description(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("#"):
            words = line.lstrip("#").split()
            if words and re.fullmatch(r"CQ\d+", words[0]):
                words = words[1:]
            return " ".join(words)
    return ""


@lru_cache(maxsize=1)
def named_queries() -> Mapping[str, NamedQuery]:
    """The queries shipped with papergraph, by name, sorted."""
    folder = resources.files("papergraph").joinpath("queries")
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            text = entry.read_text(encoding="utf-8")
            name = entry.name[: -len(".rq")]
            found[name] = NamedQuery(name, _description(text), text)
    return found


def find_named_query(name: str) -> NamedQuery:
    """The named query called ``name``, or whose short name (``cq03``) is ``name``.

    Raises:
        QueryError: no such query; the message says how to list them.
    """
    queries = named_queries()
    if name in queries:
        return queries[name]
    matches = [q for q in queries.values() if q.short_name == name]
    if len(matches) == 1:
        return matches[0]
    raise QueryError(f"no named query {name!r}; `papergraph query --list` shows them")


def format_named_queries() -> str:
    """One line per named query: name, then its description."""
    queries = named_queries().values()
    width = max((len(q.name) for q in queries), default=0)
    return "\n".join(f"{q.name:<{width}}  {q.description}" for q in queries) + "\n"


# ----------------------------------------------------------------- errors

_OXIGRAPH_ERROR = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)


def _first_line(message: str, limit: int = 200) -> str:
    text = " ".join(message.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _offset(sparql: str, line: int, column: int) -> int:
    lines = sparql.split("\n")
    return sum(len(text) + 1 for text in lines[: line - 1]) + column - 1


def _position(sparql: str, offset: int) -> tuple[int, int]:
    before = sparql[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _undeclared_prefix(sparql: str, prefix: str | None = None, at: int | None = None) -> QueryError | None:
    """An ``unknown prefix`` error pointing at the prefixed name, if one is to blame."""
    # Blank out IRIs, strings and comments (same length, so offsets still hold).
    code = re.sub(
        r'<[^<>"{}|^`\\\s]*>|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*',
        lambda m: " " * len(m.group(0)),
        sparql,
    )
    names = list(re.finditer(r"(?<![\w?$:])([A-Za-z][\w.-]*)?:", code))
    for match in names:
        name = match.group(1) or ""
        declared = re.search(rf"PREFIX\s+{re.escape(name)}:", sparql, re.I)
        if declared or name in dict(QUERY_PREFIXES):
            continue
        if prefix is not None and name != prefix:
            continue
        if at is not None and not match.start() <= at <= match.end() + 64:
            continue
        line, column = _position(sparql, match.start())
        return QueryError(f"unknown prefix {name + ':'!r}; declare it with PREFIX {name}: <...>", line, column)
    return None


def _oxigraph_error(sparql: str, error: Exception) -> QueryError:
    message = str(error)
    match = _OXIGRAPH_ERROR.match(message)
    if not match:
        return QueryError(_first_line(message))
    line, column, detail = int(match.group(1)), int(match.group(2)), match.group(3)
    if "Prefix not found" in detail:
        found = _undeclared_prefix(sparql, at=_offset(sparql, line, column))
        if found:
            return found
    return QueryError(_first_line(detail), line, column)


def _rdflib_error(sparql: str, error: Exception) -> QueryError:
    lineno, col, loc = getattr(error, "lineno", None), getattr(error, "col", None), getattr(error, "loc", None)
    if lineno is not None and col is not None and loc is not None:  # a pyparsing ParseException
        near = sparql[loc:].split(None, 1)[0][:30] if sparql[loc:].strip() else "the end of the query"
        return QueryError(_first_line(f"{getattr(error, 'msg', error)}, found {near!r}"), lineno, col)
    prefix = re.match(r"Unknown namespace prefix : (\S+)", str(error))
    if prefix:
        found = _undeclared_prefix(sparql, prefix=prefix.group(1))
        if found:
            return found
    return QueryError(_first_line(f"rdflib could not run the query: {error}; try --engine oxigraph"))


# ----------------------------------------------------------------- engines


def _from_oxigraph(term) -> Term | None:
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Term("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return Term("bnode", term.value)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        plain = term.language or datatype in (_XSD_STRING, _RDF_LANGSTRING)
        return Term("literal", term.value, term.language or None, None if plain else datatype)
    return Term("literal", str(term))


def _from_rdflib(term) -> Term | None:
    import rdflib

    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        return Term("uri", str(term))
    if isinstance(term, rdflib.BNode):
        return Term("bnode", str(term))
    if isinstance(term, rdflib.Literal):
        datatype = str(term.datatype) if term.datatype else None
        if datatype in (_XSD_STRING, _RDF_LANGSTRING):
            datatype = None
        return Term("literal", str(term), term.language.lower() if term.language else None, datatype)
    return Term("literal", str(term))


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class Dataset:
    """RDF loaded into one engine, ready for any number of queries."""

    def __init__(self, engine: str, store, source: str):
        self.engine = engine
        self.store = store
        self.source = source

    def query(self, sparql: str) -> QueryResult:
        """Run one SPARQL query.

        Raises:
            QueryError: the query does not parse (with its line and column) or fails.
        """
        if self.engine == "oxigraph":
            return self._query_oxigraph(sparql)
        return self._query_rdflib(sparql)

    def _query_oxigraph(self, sparql: str) -> QueryResult:
        import pyoxigraph as ox

        try:
            answer = self.store.query(sparql, prefixes=dict(QUERY_PREFIXES))
            if isinstance(answer, ox.QueryBoolean):
                return QueryResult("ask", boolean=bool(answer))
            if isinstance(answer, ox.QuerySolutions):
                variables = tuple(v.value for v in answer.variables)
                rows = tuple(tuple(_from_oxigraph(solution[i]) for i in range(len(variables))) for solution in answer)
                return QueryResult("select", variables, rows)
            triples = cast(
                "tuple[tuple[Term, Term, Term], ...]",
                tuple(
                    (_from_oxigraph(t.subject), _from_oxigraph(t.predicate), _from_oxigraph(t.object)) for t in answer
                ),
            )
            return QueryResult("graph", triples=triples)
        except SyntaxError as error:
            raise _oxigraph_error(sparql, error) from None
        except (OSError, RuntimeError, ValueError, TypeError) as error:
            raise QueryError(_first_line(f"the query failed: {error}")) from None

    def _query_rdflib(self, sparql: str) -> QueryResult:
        try:
            answer = self.store.query(sparql, initNs=dict(QUERY_PREFIXES))
            if answer.type == "ASK":
                return QueryResult("ask", boolean=bool(answer.askAnswer))
            if answer.type == "SELECT":
                variables = tuple(str(v) for v in answer.vars)
                rows = tuple(tuple(_from_rdflib(value) for value in row) for row in answer)
                return QueryResult("select", variables, rows)
            triples = cast(
                "tuple[tuple[Term, Term, Term], ...]",
                tuple((_from_rdflib(s), _from_rdflib(p), _from_rdflib(o)) for s, p, o in answer.graph),
            )
            return QueryResult("graph", triples=triples)
        except Exception as error:
            raise _rdflib_error(sparql, error) from None


def _digests_to_ntriples(source: str, base_iri: str) -> bytes:
    from .analysis import analyse
    from .build import load_graph
    from .exporters.rdf import to_rdf
    from .rdfwriter import generate_ntriples

    _, _, graph = load_graph([source])
    analyse(graph)  # so that topic queries answer as they do on a build's export
    return generate_ntriples(to_rdf(graph, base_iri=base_iri))


def open_dataset(
    source: str | os.PathLike[str] = DEFAULT_GRAPH, engine: str = "oxigraph", *, base_iri: str = DEFAULT_BASE_IRI
) -> Dataset:
    """Load an RDF export (``.ttl``, ``.nt``, ``.jsonld``) or digests (a folder, ``.txt``, ``.md``).

    Digests are read, linked and mapped to RDF in memory (with ``base_iri``),
    exactly as ``papergraph build`` would export them.

    Raises:
        InputError: the source is missing, of an unknown kind, or not valid RDF.
        QueryError: ``engine`` is unknown.
    """
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    path = Path(source)
    shown = path.as_posix()
    suffix = path.suffix.lower()
    if path.is_dir() or suffix in DIGEST_SUFFIXES:
        data, ox_format, rdflib_format = _digests_to_ntriples(str(source), base_iri), "N_TRIPLES", "nt"
    elif suffix in RDF_SUFFIXES:
        if not path.is_file():
            raise InputError(f"{shown}: no such file; run papergraph build first")
        ox_format, rdflib_format = RDF_SUFFIXES[suffix]
        data = path.read_bytes()
    else:
        raise InputError(
            f"{shown}: not an RDF export (.ttl, .nt, .jsonld) nor digests (a folder, .txt or .md); "
            "give the graph file written by papergraph build"
        )
    try:
        if engine == "oxigraph":
            import pyoxigraph as ox

            store: Any = ox.Store()
            store.bulk_load(data, format=getattr(ox.RdfFormat, ox_format))
        else:
            import rdflib

            store = rdflib.Graph()
            store.parse(data=data, format=rdflib_format)
    except (SyntaxError, ValueError) as error:
        raise InputError(f"{shown}: not valid RDF: {_first_line(str(error))}") from None
    except Exception as error:
        raise InputError(f"{shown}: not valid RDF: {_first_line(str(error))}") from None
    return Dataset(engine, store, shown)


def run_query(
    sparql: str,
    source: str | os.PathLike[str] = DEFAULT_GRAPH,
    *,
    engine: str = "oxigraph",
    base_iri: str = DEFAULT_BASE_IRI,
) -> QueryResult:
    """Load ``source`` and run one query on it (see :func:`open_dataset`)."""
    return open_dataset(source, engine, base_iri=base_iri).query(sparql)


# ----------------------------------------------------------------- formats


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in text)


def _clip(text: str, width: int) -> str:
    if _display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        size = _display_width(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + "…"


def _cell(term: Term | None) -> str:
    if term is None:
        return ""
    if term.kind == "uri":
        return compact_iri(term.value, QUERY_PREFIXES).removeprefix("<").removesuffix(">")
    if term.kind == "bnode":
        return f"_:{term.value}"
    return _clip(" ".join(term.value.split()), _CELL_WIDTH)


def _table(result: QueryResult) -> str:
    header = list(result.variables)
    cells = [[_cell(term) for term in row] for row in result.rows]
    widths = [max([_display_width(h)] + [_display_width(r[i]) for r in cells]) for i, h in enumerate(header)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v + " " * (w - _display_width(v)) for v, w in zip(values, widths)).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out.extend(line(row) for row in cells)
    count = len(cells)
    out.append(f"({count} row{'' if count == 1 else 's'})")
    return "\n".join(out) + "\n"


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    return f"_:{term.value}" if term.kind == "bnode" else term.value


def _csv(result: QueryResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.variables)
    writer.writerows([_csv_value(t) for t in row] for row in result.rows)
    return buffer.getvalue()


def _tsv(result: QueryResult) -> str:
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    for row in result.rows:
        cells = ("" if t is None else turtle_term(t.to_rdf(), _FULL_IRIS) for t in row)  # type: ignore[arg-type]
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


class _FullIris:
    """A compactor that keeps every IRI whole (SPARQL TSV results)."""

    base = None

    def __call__(self, iri: str) -> str:
        return f"<{iri}>"


_FULL_IRIS = _FullIris()


def _json_term(term: Term) -> dict[str, str]:
    out = {"type": term.kind, "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    if term.datatype:
        out["datatype"] = term.datatype
    return out


def _json(result: QueryResult) -> str:
    if result.form == "ask":
        document: dict = {"head": {}, "boolean": bool(result.boolean)}
    else:
        bindings = [
            {var: _json_term(term) for var, term in zip(result.variables, row) if term is not None}
            for row in result.rows
        ]
        document = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def format_result(result: QueryResult, fmt: str = "table") -> str:
    """Format a result for printing.

    SELECT: ``table`` (aligned, IRIs shortened, long text clipped), or the
    SPARQL 1.1 ``csv``, ``tsv`` and ``json`` result formats. ASK: ``true`` or
    ``false`` (JSON: ``{"head": {}, "boolean": …}``). CONSTRUCT/DESCRIBE:
    Turtle with the data model's prefixes (JSON-LD with ``json``), triples sorted.

    Raises:
        QueryError: ``fmt`` is unknown.
    """
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if result.form == "ask":
        return _json(result) if fmt == "json" else ("true\n" if result.boolean else "false\n")
    if result.form == "graph":
        triples = sorted(((s.to_rdf(), p.to_rdf(), o.to_rdf()) for s, p, o in result.triples), key=_triple_key)
        graph = RdfGraph.from_triples(triples)  # type: ignore[arg-type]
        if fmt == "json":
            return generate_jsonld(graph, prefixes=QUERY_PREFIXES).decode("utf-8")
        return generate_turtle(graph, prefixes=QUERY_PREFIXES).decode("utf-8")
    return {"table": _table, "csv": _csv, "tsv": _tsv, "json": _json}[fmt](result)


def _triple_key(triple: tuple) -> tuple:
    return tuple((type(term).__name__, str(term)) for term in triple)


def read_query_file(path: str | os.PathLike[str]) -> str:
    """The text of a ``.rq`` file.

    Raises:
        InputError: the file cannot be read.
    """
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{Path(path).as_posix()}: no such query file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{Path(path).as_posix()}: cannot read the query file ({error})") from None


def execute(
    source: str | os.PathLike[str] = DEFAULT_GRAPH,
    *,
    sparql: str | None = None,
    file: str | os.PathLike[str] | None = None,
    name: str | None = None,
    engine: str = "oxigraph",
    fmt: str = "table",
) -> str:
    """Run a query given as text, as a ``.rq`` file or by name, and format its result.

    Errors in a file or a named query are reported as ``FILE:line:col: …``.

    Raises:
        InputError: the source or the query file cannot be read.
        QueryError: no query, an unknown name, or a query that does not parse or run.
    """
    given = [x for x in (sparql, file, name) if x is not None]
    if len(given) != 1:
        raise QueryError("give exactly one query: SPARQL text, -f FILE.rq or --name NAME")
    where = None
    if file is not None:
        sparql, where = read_query_file(file), Path(file).as_posix()
    elif name is not None:
        named = find_named_query(name)
        sparql, where = named.text, f"{named.name}.rq"
    assert sparql is not None
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    dataset = open_dataset(source, engine)
    try:
        result = dataset.query(sparql)
    except QueryError as error:
        if where is None:
            raise
        located = QueryError(f"{where}:{error}" if error.line is not None else f"{where}: {error}")
        located.line, located.column = error.line, error.column
        raise located from None
    return format_result(result, fmt)
