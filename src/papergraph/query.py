"""SPARQL over papergraph's RDF: load an export (or digests), run a query, format the answer.

The default engine is pyoxigraph (about 20x faster than rdflib's own SPARQL
and free of the aggregate bugs listed in ``docs/data-model.md`` §5); ``engine="rdflib"``
stays available. Both engines give the same :class:`QueryResult`, so the
formatters (an aligned table, SPARQL 1.1 CSV/TSV/JSON results, Turtle or
JSON-LD for CONSTRUCT) print the same text whichever engine ran the query.

Queries may use the data model's prefixes (``dcterms:``, ``cito:``, ``pg:`` …)
without declaring them. Named queries ship in ``papergraph/queries/*.rq``;
the first comment line of each file is its one-line description, and
``# param NAME KIND "DEFAULT" description`` lines declare its parameters:
values are checked against their kind and bound as RDF terms in a ``VALUES``
block (never pasted into the query text), so ``--param tag='a" } DROP ALL'``
is just a tag nobody used.

Querying is read-only and offline: SPARQL Update is refused, and so is
``SERVICE`` unless the caller allows it; a query can be given a time limit.

>>> data = open_dataset("seeds")
>>> data.query("SELECT (COUNT(*) AS ?n) WHERE { ?d a pg:Digest }").rows[0][0].value
'3'
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import multiprocessing
import os
import re
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

from .errors import InputError, QueryError
from .exporters import DEFAULT_BASE_IRI
from .identifiers import parse_arxiv_id
from .rdfwriter import (
    IRI,
    PREFIXES,
    XSD_DATE,
    XSD_INTEGER,
    BNode,
    Literal,
    RdfGraph,
    compact_iri,
    generate_jsonld,
    generate_turtle,
    is_valid_iri,
    turtle_term,
)

__all__ = [
    "DEFAULT_GRAPH",
    "DEFAULT_TIMEOUT",
    "ENGINES",
    "FORMATS",
    "PARAMETER_KINDS",
    "Dataset",
    "NamedQuery",
    "Parameter",
    "QueryResult",
    "Term",
    "bind_parameters",
    "check_query",
    "execute",
    "find_named_query",
    "format_named_queries",
    "format_result",
    "named_queries",
    "open_dataset",
    "parse_parameters",
    "run_query",
    "show_query",
]

DEFAULT_GRAPH = "output/graph.ttl"
# Seconds a query may run from the command line: every named query takes well
# under a second on a year of digests, and a runaway cartesian product fills
# gigabytes within a minute.
DEFAULT_TIMEOUT = 60.0
# Megabytes the process running a query may hold (its whole resident size,
# the loaded graph included): a 10x build's graph takes about 0.5 GB, and a
# runaway query is stopped well before it swaps the machine.
DEFAULT_MEMORY_LIMIT = 4096
ENGINES = ("oxigraph", "rdflib")
FORMATS = ("table", "csv", "tsv", "json")
# Suffix -> (pyoxigraph format name, rdflib format name).
RDF_SUFFIXES = {
    ".ttl": ("TURTLE", "turtle"),
    ".nt": ("N_TRIPLES", "nt"),
    ".jsonld": ("JSON_LD", "json-ld"),
    ".json": ("JSON_LD", "json-ld"),
    ".trig": ("TRIG", "trig"),
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
class Parameter:
    """A value a query takes: ``# param NAME KIND "DEFAULT" description`` in its header.

    ``name`` is also the SPARQL variable it binds; an empty ``default`` leaves
    the variable unbound (the query reads that as "any").
    """

    name: str
    kind: str
    default: str
    description: str = ""


def _string_term(value: str) -> Literal:
    return Literal(value)


def _date_term(value: str) -> Literal:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError("not a date (YYYY-MM-DD)") from None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("not a date (YYYY-MM-DD)")
    return Literal(value, None, XSD_DATE)


def _integer_term(value: str) -> Literal:
    if not re.fullmatch(r"[+-]?\d{1,18}", value):
        raise ValueError("not an integer")
    return Literal(str(int(value)), None, XSD_INTEGER)


def _iri_term(value: str) -> IRI:
    if not is_valid_iri(value):
        raise ValueError("not an absolute IRI (scheme:..., no spaces, quotes or <>)")
    return IRI(value)


def _arxiv_term(value: str) -> IRI:
    found = parse_arxiv_id(value)
    if found is None:
        raise ValueError("not an arXiv id (e.g. 2310.00426 or hep-th/9711200)")
    return IRI(found.iri)


# Parameter kind -> (what the user types, the RDF term it becomes).
PARAMETER_KINDS: Mapping[str, tuple[str, Callable[[str], IRI | Literal]]] = {
    "string": ("text", _string_term),
    "date": ("YYYY-MM-DD", _date_term),
    "integer": ("a whole number", _integer_term),
    "iri": ("an absolute IRI", _iri_term),
    "arxiv": ("an arXiv id", _arxiv_term),
}

_PARAM_LINE = re.compile(r"^#\s*param\b\s*(.*)$")
_PARAM_SPEC = re.compile(r'^([A-Za-z_]\w*)\s+(\w+)\s+"((?:[^"\\]|\\.)*)"\s*(.*)$')


def parse_parameters(text: str, where: str = "query") -> tuple[Parameter, ...]:
    """The parameters declared in a query's header comments.

    >>> parse_parameters('# param tag string "llm" the tag\\nSELECT * { ?s ?p ?tag }')
    (Parameter(name='tag', kind='string', default='llm', description='the tag'),)

    Raises:
        QueryError: a ``# param`` line that does not parse, an unknown kind or
            a default of the wrong kind (``where:line: ...``).
    """
    found: list[Parameter] = []
    for number, line in enumerate(text.splitlines(), 1):
        declared = _PARAM_LINE.match(line.strip())
        if not declared:
            continue
        spec = _PARAM_SPEC.match(declared.group(1))
        if not spec:
            raise QueryError(f'{where}:{number}: expected # param NAME KIND "DEFAULT" description')
        name, kind, default, description = spec.groups()
        default = re.sub(r"\\(.)", r"\1", default)
        if kind not in PARAMETER_KINDS:
            raise QueryError(
                f"{where}:{number}: unknown parameter kind {kind!r}; use one of: {', '.join(PARAMETER_KINDS)}"
            )
        if default:
            try:
                PARAMETER_KINDS[kind][1](default)
            except ValueError as error:
                raise QueryError(f"{where}:{number}: default of {name}: {default!r} is {error}") from None
        if any(p.name == name for p in found):
            raise QueryError(f"{where}:{number}: parameter {name} is declared twice")
        found.append(Parameter(name, kind, default, description.strip()))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class NamedQuery:
    name: str
    description: str
    text: str
    parameters: tuple[Parameter, ...] = ()

    @property
    def short_name(self) -> str:
        """``cq03`` for ``cq03_most_cross_referenced_arxiv``."""
        return self.name.split("_", 1)[0]

    def bind(self, params: Mapping[str, str] | None = None) -> str:
        """The query text with its parameters bound (``params``, else their defaults).

        Raises:
            QueryError: an unknown parameter or a value of the wrong kind.
        """
        return bind_parameters(self.text, self.parameters, params, where=f"{self.name}.rq")


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
            found[name] = NamedQuery(name, _description(text), text, parse_parameters(text, entry.name))
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
    """One line per named query: name, then its description; then one line per parameter."""
    queries = named_queries().values()
    width = max((len(q.name) for q in queries), default=0)
    lines = []
    for query in queries:
        lines.append(f"{query.name:<{width}}  {query.description}")
        for parameter in query.parameters:
            default = json.dumps(parameter.default, ensure_ascii=False) if parameter.default else "(any)"
            lines.append(
                f"{'':<{width}}    --param {parameter.name}=<{parameter.kind}>  default {default}: {parameter.description}"
            )
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------- checking and binding

# IRIs, strings and comments, which may hold any word: blanked (same length,
# so offsets still hold) before looking for keywords and prefixed names.
_OPAQUE = re.compile(
    r"<[^<>\"{}|^`\\\s]*>"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|#[^\n]*"
)
_QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATE_WORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
# BASE and PREFIX declarations, once their IRIs are blanked.
_PROLOGUE = re.compile(r"\s*(?:(?:BASE|PREFIX\s+(?:[A-Za-z][\w.-]*)?:)\s*)*", re.I)


def _code(sparql: str) -> str:
    return _OPAQUE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), sparql)


def _keyword(code: str, word: str) -> re.Match[str] | None:
    """The first use of ``word`` as a keyword (not in a variable or prefixed name)."""
    return re.search(rf"(?<![\w?$:.-]){word}(?![\w:.-])", code, re.I)


def check_query(sparql: str, *, allow_service: bool = False) -> None:
    """Refuse what ``papergraph query`` does not do, before an engine sees it.

    >>> check_query("INSERT DATA { <a:b> <a:c> <a:d> }")
    Traceback (most recent call last):
    ...
    papergraph.errors.QueryError: SPARQL Update is not supported: papergraph query is read-only

    Raises:
        QueryError: an update; not a query (``expected SELECT, ASK, CONSTRUCT
            or DESCRIBE at line:col``); ``SERVICE`` unless ``allow_service``.
    """
    code = _code(sparql)
    start = _PROLOGUE.match(code)
    offset = start.end() if start else 0
    word = re.match(r"[A-Za-z]*", code[offset:])
    first = word.group(0).upper() if word else ""
    if first in _UPDATE_WORDS:
        raise QueryError("SPARQL Update is not supported: papergraph query is read-only")
    if first not in _QUERY_FORMS:
        line, column = _position(sparql, offset)
        found = sparql[offset:].split(None, 1)[0][:30] if sparql[offset:].strip() else "the end of the query"
        raise QueryError(f"expected SELECT, ASK, CONSTRUCT or DESCRIBE at {line}:{column}, found {found!r}")
    service = _keyword(code, "SERVICE")
    if service and not allow_service:
        line, column = _position(sparql, service.start())
        target = sparql[service.end() :].split(None, 2)
        endpoint = (
            target[1] if target and target[0].upper() == "SILENT" and len(target) > 1 else target[0] if target else ""
        )
        raise QueryError(
            f"SERVICE {endpoint} refused: papergraph query stays offline; pass --allow-service to let this query call other endpoints",
            line,
            column,
        )


def _values_block(parameters: Sequence[Parameter], values: Mapping[str, IRI | Literal | None]) -> str:
    names = " ".join(f"?{p.name}" for p in parameters)
    cells = []
    for parameter in parameters:
        value = values[parameter.name]
        cells.append("UNDEF" if value is None else _full_term(value))
    return f"VALUES ({names}) {{ ({' '.join(cells)}) }}"


def _full_term(term: IRI | Literal) -> str:
    """A term in SPARQL syntax with every IRI whole (no prefixes to declare)."""
    if isinstance(term, Literal):
        return turtle_term(term, _FULL_IRIS)  # type: ignore[arg-type]
    return f"<{term}>"


def bind_parameters(
    sparql: str, parameters: Sequence[Parameter], given: Mapping[str, str] | None = None, *, where: str = "query"
) -> str:
    """The query with its parameters bound: a ``VALUES`` row at the top of its ``WHERE``.

    Each value is checked against its kind and written as an escaped RDF term.

    >>> tag = Parameter("tag", "string", "llm")
    >>> bind_parameters("SELECT ?n WHERE { ?n dcterms:subject/skos:prefLabel ?tag }", [tag], {"tag": 'x"y'})
    'SELECT ?n WHERE { VALUES (?tag) { ("x\\\\"y") } ?n dcterms:subject/skos:prefLabel ?tag }'

    Raises:
        QueryError: an unknown parameter or a value of the wrong kind.
    """
    given = dict(given or {})
    known = {p.name for p in parameters}
    for name in given:
        if name not in known:
            takes = f"it takes: {', '.join(sorted(known))}" if known else "it takes none"
            raise QueryError(f"{where}: unknown parameter {name!r}; {takes}")
    if not parameters:
        return sparql
    values: dict[str, IRI | Literal | None] = {}
    for parameter in parameters:
        value = given.get(parameter.name, parameter.default)
        try:
            values[parameter.name] = PARAMETER_KINDS[parameter.kind][1](value) if value else None
        except ValueError as error:
            raise QueryError(f"--param {parameter.name}={value}: {error}") from None
    code = _code(sparql)
    where_clause = _keyword(code, "WHERE")
    brace = code.find("{", where_clause.end() if where_clause else 0)
    if brace < 0:
        raise QueryError(f"{where}: a query with parameters needs a WHERE {{ ... }} block")
    # On the line of the brace, so that errors keep the line numbers of the file as written.
    return f"{sparql[: brace + 1]} {_values_block(parameters, values)}{sparql[brace + 1 :]}"


def _used_prefixes(sparql: str) -> list[tuple[str, str]]:
    code = _code(sparql)
    used = {m.group(1) for m in re.finditer(r"(?<![\w?$:])([A-Za-z][\w.-]*):", code)}
    declared = {m.group(1) for m in re.finditer(r"PREFIX\s+([A-Za-z][\w.-]*)?:", code, re.I)}
    return [(name, iri) for name, iri in QUERY_PREFIXES if name in used and name not in declared]


def show_query(name: str, given: Mapping[str, str] | None = None) -> str:
    """A named query as text to paste into any SPARQL endpoint.

    The PREFIX lines it relies on are added, and its parameters are bound
    (defaults, or ``given``) in a ``VALUES`` row.

    Raises:
        QueryError: no such query, an unknown parameter or a bad value.
    """
    text = find_named_query(name).bind(given)
    prefixes = "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in _used_prefixes(text))
    return prefixes + text


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

    def query(
        self,
        sparql: str,
        *,
        timeout: float | None = None,
        memory_limit: int | None = None,
        allow_service: bool = False,
    ) -> QueryResult:
        """Run one read-only SPARQL query (see :func:`check_query`).

        With a ``timeout`` (seconds) or a ``memory_limit`` (megabytes of
        resident memory) the query runs in a forked child process that is
        killed when it passes either: neither engine can be interrupted from
        Python, and a runaway query would keep its memory otherwise.

        Raises:
            QueryError: the query is refused, does not parse (with its line
                and column), fails, or passes ``timeout`` or ``memory_limit``.
        """
        check_query(sparql, allow_service=allow_service)
        run = self._query_oxigraph if self.engine == "oxigraph" else self._query_rdflib
        if not timeout and not memory_limit:
            return run(sparql)
        return _with_limits(run, sparql, timeout or None, memory_limit or None)

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
        import rdflib.plugins.sparql

        # FROM <url> would make rdflib download the graph: the dataset is the file given.
        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
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


def _child_query(run: Callable[[str], QueryResult], sparql: str, pipe) -> None:
    try:
        pipe.send(("ok", run(sparql)))
    except QueryError as error:
        pipe.send(("error", error))
    except BaseException as error:  # the parent turns it into a QueryError
        pipe.send(("error", QueryError(_first_line(f"the query failed: {error}"))))
    finally:
        pipe.close()


# How often the parent checks a running query's memory: a runaway query grows
# by about 50 MB a second, so it is stopped within a few megabytes of the limit.
_WATCH_INTERVAL = 0.05


def _resident_megabytes(pid: int) -> float:
    """A process's resident memory (Linux ``/proc``); 0 where it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _with_limits(
    run: Callable[[str], QueryResult], sparql: str, timeout: float | None, memory_limit: int | None
) -> QueryResult:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_query, args=(run, sparql, sender), daemon=True)
    child.start()
    sender.close()
    deadline = time.monotonic() + timeout if timeout else None
    try:
        while not receiver.poll(_WATCH_INTERVAL):
            if deadline is not None and time.monotonic() > deadline:
                raise QueryError(
                    f"the query ran longer than {timeout:g} s and was stopped; "
                    "narrow it (LIMIT, more specific patterns) or give a longer --timeout"
                )
            if memory_limit is not None and child.pid and _resident_megabytes(child.pid) > memory_limit:
                raise QueryError(
                    f"the query used more than {memory_limit} MB of memory and was stopped; "
                    "narrow it (LIMIT, more specific patterns) or give a larger --memory-limit"
                )
        status, payload = receiver.recv()
    except EOFError:
        raise QueryError(f"the query engine stopped without an answer (exit status {child.exitcode})") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if status == "error":
        raise payload
    return payload


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
    """Load an RDF export (``.ttl``, ``.nt``, ``.jsonld``, ``.trig``) or digests (a folder, ``.txt``, ``.md``).

    Digests are read, linked and mapped to RDF in memory (with ``base_iri``),
    exactly as ``papergraph build`` would export them. In a TriG dataset the
    default graph a query sees is the union of all its graphs (the triples
    of ``graph.nt``, each once); ``GRAPH ?g`` tells which input said what.

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
            f"{shown}: not an RDF export (.ttl, .nt, .jsonld, .trig) nor digests (a folder, .txt or .md); "
            "give the graph file written by papergraph build"
        )
    try:
        if engine == "oxigraph":
            import pyoxigraph as ox

            store: Any = ox.Store()
            store.bulk_load(data, format=getattr(ox.RdfFormat, ox_format))
            if ox_format == "TRIG":
                _merge_into_default_graph(store)
        else:
            import rdflib

            if rdflib_format == "json-ld":
                # rdflib would download a remote @context; pyoxigraph refuses to.
                import pyoxigraph as ox

                triples = ox.parse(data, format=ox.RdfFormat.JSON_LD)
                data, rdflib_format = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", "nt"
            store = rdflib.Dataset(default_union=True) if rdflib_format == "trig" else rdflib.Graph()
            store.parse(data=data, format=rdflib_format)
    except (SyntaxError, ValueError) as error:
        raise InputError(f"{shown}: not valid RDF: {_first_line(str(error))}") from None
    except Exception as error:
        raise InputError(f"{shown}: not valid RDF: {_first_line(str(error))}") from None
    return Dataset(engine, store, shown)


def _merge_into_default_graph(store: Any) -> None:
    """Add every named graph's triples to the default graph, each once.

    Oxigraph's own union default graph repeats a triple for each graph that
    holds it, which would double the counts of subjects two inputs share.
    """
    import pyoxigraph as ox

    default = ox.DefaultGraph()
    named = (q for q in store.quads_for_pattern(None, None, None) if q.graph_name != default)
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, default) for q in list(named))


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
        if fmt in ("csv", "tsv"):
            raise QueryError(
                f"CONSTRUCT and DESCRIBE give triples, not a table: --format {fmt} does not apply; use table (Turtle) or json (JSON-LD)"
            )
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
    params: Mapping[str, str] | None = None,
    engine: str = "oxigraph",
    fmt: str = "table",
    timeout: float | None = DEFAULT_TIMEOUT,
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    allow_service: bool = False,
) -> str:
    """Run a query given as text, as a ``.rq`` file or by name, and format its result.

    ``params`` bind the parameters the query declares (``# param`` lines);
    errors in a file or a named query are reported as ``FILE:line:col: …``.

    Raises:
        InputError: the source or the query file cannot be read.
        QueryError: no query, an unknown name, a refused query, a bad
            parameter, or a query that does not parse, run, or stay within
            ``timeout`` seconds and ``memory_limit`` megabytes.
    """
    given = [x for x in (sparql, file, name) if x is not None]
    if len(given) != 1:
        raise QueryError("give exactly one query: SPARQL text, --file FILE.rq or --name NAME")
    where = "query"
    if file is not None:
        sparql, where = read_query_file(file), Path(file).as_posix()
    elif name is not None:
        named = find_named_query(name)
        sparql, where = named.text, f"{named.name}.rq"
    assert sparql is not None
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    parameters = parse_parameters(sparql, where)
    bound = bind_parameters(sparql, parameters, params, where=where)
    dataset = open_dataset(source, engine)
    try:
        result = dataset.query(bound, timeout=timeout, memory_limit=memory_limit, allow_service=allow_service)
    except QueryError as error:
        if where == "query":
            raise
        located = QueryError(f"{where}:{error}" if error.line is not None else f"{where}: {error}")
        located.line, located.column = error.line, error.column
        raise located from None
    return format_result(result, fmt)
