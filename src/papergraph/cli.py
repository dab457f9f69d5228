"""The ``papergraph`` command: a thin click layer over the library.

Each command parses its options, makes one library call, prints the result,
and turns :class:`~papergraph.errors.PapergraphError` into ``Error: ...``
with exit status 1 (click's usage errors exit 2).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

import click

from . import __version__
from .build import build as run_build
from .build import load_graph
from .enrich import API_URL, BATCH_SIZE, METADATA_FILE, graph_arxiv_ids
from .enrich import enrich as run_enrich
from .errors import PapergraphError
from .exporters import DEFAULT_BASE_IRI, exporter_names
from .jsonl import generate_jsonl
from .model import Diagnostic
from .parsers import READERS
from .pipeline import load_corpus
from .query import DEFAULT_GRAPH, ENGINES, execute, format_named_queries
from .query import FORMATS as QUERY_FORMATS
from .stats import compute_stats, format_stats

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
DEFAULT_INPUT = "seeds"
DEFAULT_OUTPUT = "output"


def _fail(error: PapergraphError) -> click.ClickException:
    return click.ClickException(str(error))


def _report(diagnostics: Iterable[Diagnostic]) -> int:
    count = 0
    for diagnostic in diagnostics:
        click.echo(f"warning: {diagnostic}", err=True)
        count += 1
    return count


def _strict_exit(count: int, strict: bool) -> None:
    if strict and count:
        raise click.ClickException(f"{count} problem(s) in the input and --strict was given")


def input_options(fn):
    fn = click.option(
        "--encoding", metavar="NAME", help="Read every file with this encoding instead of UTF-8 (e.g. cp949)."
    )(fn)
    fn = click.option(
        "--reader", type=click.Choice(sorted(READERS)), help="Force a reader instead of detecting it per file."
    )(fn)
    fn = click.option("--strict", is_flag=True, help="Exit 1 when the input produced any diagnostic.")(fn)
    return fn


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="papergraph")
def cli() -> None:
    """Turn daily paper digests into a knowledge graph: RDF, Gephi and an HTML explorer."""


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "-o", "--output", default=DEFAULT_OUTPUT, show_default=True, type=click.Path(path_type=str), help="Output folder."
)
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(exporter_names()),
    help="Only these exports (repeatable). Default: all.",
)
@click.option("--base-iri", default=DEFAULT_BASE_IRI, show_default=True, help="Base of the IRIs papergraph mints.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes for reading and exporting (output does not depend on it). Default: the number of cores (at most 4).",
)
@click.option("--no-cache", is_flag=True, help="Ignore and do not update the build cache in the output folder.")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
@click.option(
    "--arxiv-metadata",
    "arxiv_metadata",
    multiple=True,
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=str),
    help="arXiv metadata (JSON Lines, plain or .gz, as the arXiv snapshot or `papergraph enrich`): "
    "titles, authors, categories for the papers (repeatable).",
)
@input_options
def build(inputs, output, formats, base_iri, jobs, no_cache, quiet, arxiv_metadata, encoding, reader, strict) -> None:
    """Read digests and write every export into OUTPUT.

    With no INPUTS, reads seeds/ and writes into output/.

    Example:

        papergraph build ../digests -o site
    """
    display = _Progress() if not quiet and sys.stderr.isatty() else None
    try:
        result = run_build(
            list(inputs) or [DEFAULT_INPUT],
            output,
            formats=list(formats) or None,
            base_iri=base_iri,
            encoding=encoding,
            reader=reader,
            jobs=jobs,
            cache=not no_cache,
            progress=display.stage if display else None,
            file_progress=display.files if display else None,
            arxiv_metadata=list(arxiv_metadata),
        )
    except PapergraphError as error:
        raise _fail(error) from None
    finally:
        if display:
            display.close()
    count = _report(result.diagnostics)
    if not quiet:
        click.echo(_build_summary(result))
    _strict_exit(count, strict)


class _Progress:
    """Stage names, and a bar while many files are read, on one terminal line."""

    WIDTH = 30
    MIN_FILES = 50

    def __init__(self) -> None:
        self.shown = False
        self.percent = -1

    def _show(self, text: str) -> None:
        sys.stderr.write(f"\r\033[K{text}")
        sys.stderr.flush()
        self.shown = True

    def stage(self, message: str) -> None:
        self._show(f"... {message}")

    def files(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if total >= self.MIN_FILES and (percent != self.percent or done == total):
            self.percent = percent
            filled = self.WIDTH * done // total
            self._show(f"... reading [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} files")

    def close(self) -> None:
        if self.shown:
            self._show("")


def _build_summary(result) -> str:
    summary = result.summary
    nodes = ", ".join(f"{n} {k}" for k, n in summary["nodes"].items() if n)
    edges = ", ".join(f"{n} {k}" for k, n in summary["edges"].items() if n)
    span = f" ({result.date_range[0]} to {result.date_range[1]})" if result.date_range else ""
    lines = [
        f"read {result.files} files, {result.entries} entries{span}"
        + (" - outputs are up to date" if result.up_to_date else ""),
        f"graph: {sum(summary['nodes'].values())} nodes ({nodes})",
        f"       {sum(summary['edges'].values())} edges ({edges})",
    ]
    for path, size in result.written:
        lines.append(f"wrote {path.name:<18} {size:>12,} bytes")
    timing = ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in result.timings.items())
    lines.append(f"time: {timing}")
    lines.append(f"diagnostics: {len(result.diagnostics)}")
    return "\n".join(lines)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--jsonl", is_flag=True, help="One JSON object per entry (the stable interface for scripts).")
@input_options
def parse(inputs, jsonl, encoding, reader, strict) -> None:
    """Print the entries read from INPUTS; diagnostics go to stderr.

    Example:

        papergraph parse seeds/ --jsonl > entries.jsonl
    """
    try:
        corpus = load_corpus(list(inputs), encoding=encoding, reader=reader)
    except PapergraphError as error:
        raise _fail(error) from None
    if jsonl:
        for line in generate_jsonl(corpus):
            click.echo(line)
    else:
        for document in corpus.documents:
            for entry in document.entries:
                click.echo(f"{entry.source}  {entry.title}")
    _strict_exit(_report(corpus.diagnostics), strict)


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=str))
@click.option("--top", default=10, show_default=True, help="How many top tags and cited papers to list.")
@input_options
def stats(inputs, top, encoding, reader, strict) -> None:
    """Count nodes and edges, top tags and cited papers, and account for every line.

    Example:

        papergraph stats seeds/
    """
    try:
        corpus, linked, graph = load_graph(list(inputs) or [DEFAULT_INPUT], encoding=encoding, reader=reader)
    except PapergraphError as error:
        raise _fail(error) from None
    diagnostics = (*corpus.diagnostics, *linked.diagnostics)
    click.echo(format_stats(compute_stats(corpus, graph, diagnostics, top=top)))
    _strict_exit(len(diagnostics), strict)


@cli.command()
@click.argument("args", nargs=-1, metavar="[GRAPH] [SPARQL]")
@click.option("-f", "--file", "query_file", metavar="FILE.rq", help="Run the query in this file.")
@click.option("-n", "--name", metavar="NAME", help="Run a named query (see --list); `cq03` works for cq03_….")
@click.option("--list", "list_queries", is_flag=True, help="List the named queries and exit.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(QUERY_FORMATS),
    default="table",
    show_default=True,
    help="SELECT output: aligned table, or SPARQL 1.1 CSV/TSV/JSON results.",
)
@click.option("--engine", type=click.Choice(ENGINES), default=ENGINES[0], show_default=True, help="SPARQL engine.")
def query(args, query_file, name, list_queries, fmt, engine) -> None:
    """Run SPARQL (SELECT, ASK, CONSTRUCT) on an export or straight on digests.

    GRAPH is an export (.ttl, .nt, .jsonld; default output/graph.ttl) or
    digests (a folder, .txt or .md). The data model's prefixes (dcterms:,
    cito:, pg:, ...) need no PREFIX lines. ASK prints true or false;
    CONSTRUCT prints Turtle (JSON-LD with --format json).

    Example:

    \b
        papergraph query --list
        papergraph query --name cq03
        papergraph query seeds/ 'SELECT ?t WHERE { ?p a fabio:Preprint ; dcterms:title ?t }'
        papergraph query output/graph.nt -f my.rq --format csv
    """
    if list_queries:
        click.echo(format_named_queries(), nl=False)
        return
    has_query_option = query_file is not None or name is not None
    if len(args) > 2 or (len(args) == 2 and has_query_option):
        raise click.UsageError("too many arguments: give [GRAPH] and one of SPARQL, -f FILE.rq or --name NAME")
    if not args and not has_query_option:
        raise click.UsageError("no query: give SPARQL text, -f FILE.rq or --name NAME (see --list)")
    graph = args[0] if len(args) == 2 or (args and has_query_option) else DEFAULT_GRAPH
    sparql = args[-1] if len(args) == 2 or (args and not has_query_option) else None
    try:
        click.echo(execute(graph, sparql=sparql, file=query_file, name=name, engine=engine, fmt=fmt), nl=False)
    except PapergraphError as error:
        raise _fail(error) from None


@cli.command()
@click.argument("outdir", default=DEFAULT_OUTPUT, type=click.Path(file_okay=False, path_type=str))
@click.option(
    "-m",
    "--metadata",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=str),
    help="The metadata file to complete (JSON Lines). Default: OUTDIR/arxiv-metadata.jsonl.",
)
@click.option("--api-url", default=API_URL, show_default=True, help="The arXiv API endpoint (or a mirror).")
@click.option(
    "--batch-size", type=click.IntRange(1, BATCH_SIZE), default=BATCH_SIZE, show_default=True, help="Ids per request."
)
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
def enrich(outdir, metadata, api_url, batch_size, quiet) -> None:
    """Fetch arXiv metadata for the papers of the graph built in OUTDIR.

    Reads the arXiv ids from OUTDIR/graph.nt, asks the arXiv API for those
    not yet in the metadata file (batches of at most 100, 3 s apart) and
    appends them, so an interrupted run resumes. The next build reads the
    file with --arxiv-metadata; the build itself never uses the network.

    Example:

    \b
        papergraph build ../digests -o site
        papergraph enrich site
        papergraph build ../digests -o site --arxiv-metadata site/arxiv-metadata.jsonl
    """
    path = metadata or os.path.join(outdir, METADATA_FILE)
    say = (lambda message: None) if quiet else (lambda message: click.echo(message, err=True))
    try:
        result = run_enrich(graph_arxiv_ids(outdir), path, api_url=api_url, batch_size=batch_size, progress=say)
    except PapergraphError as error:
        raise _fail(error) from None
    if result.repaired:
        click.echo(f"warning: {path}: removed a last line cut off by an interrupted run", err=True)
    if result.missing:
        shown = ", ".join(result.missing[:10]) + (", ..." if len(result.missing) > 10 else "")
        click.echo(f"warning: the arXiv API did not describe {len(result.missing)} id(s): {shown}", err=True)
    if not quiet:
        click.echo(
            f"{result.wanted} arXiv ids in the graph: {result.already} already in {path}, "
            f"{len(result.fetched)} fetched in {result.requests} request(s), {len(result.missing)} not found"
        )
        click.echo(f"next: papergraph build ... -o {outdir} --arxiv-metadata {path}")


def main() -> None:  # pragma: no cover - console script entry point
    """Run the command, then exit without freeing the heap object by object.

    After a build the process holds millions of small objects; tearing them
    down one by one at interpreter exit takes ~0.1 s on the sample corpus
    (seconds on big ones) and the OS reclaims the memory at once anyway
    (mypy exits the same way). Every file is closed by then.
    """
    try:
        cli(prog_name="papergraph")
        code: object = 0
    except SystemExit as stop:
        code = stop.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # e.g. a closed pipe: let Python report it as it always does
        sys.exit(code)
    os._exit(code)


__all__ = ["cli", "main"]
