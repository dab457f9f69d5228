"""The ``papergraph`` command: a thin click layer over the library.

Each command parses its options, makes one library call, prints the result,
and turns :class:`~papergraph.errors.PapergraphError` into ``Error: ...``
with exit status 1 (click's usage errors exit 2).
"""

from __future__ import annotations

import codecs
import os
import signal
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from . import __version__
from .build import BuildResult, load_graph
from .build import build as run_build
from .enrich import API_URL, BATCH_SIZE, METADATA_FILE, graph_arxiv_ids
from .enrich import enrich as run_enrich
from .errors import NoEntriesError, PapergraphError, PushError
from .exporters import DEFAULT_BASE_IRI, exporter_names
from .jsonl import generate_jsonl
from .model import Diagnostic
from .parsers import READERS
from .pipeline import load_corpus
from .push import CHUNK_BYTES
from .push import push as run_push
from .query import (
    DEFAULT_GRAPH,
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_TIMEOUT,
    DIGEST_SUFFIXES,
    ENGINES,
    RDF_SUFFIXES,
    execute,
    format_named_queries,
    show_query,
)
from .query import FORMATS as QUERY_FORMATS
from .serve import DEFAULT_HOST, DEFAULT_PORT, running_server
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


def _check_encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            codecs.lookup(value)
        except LookupError:
            raise click.BadParameter(f"unknown encoding {value!r}; pass one Python knows, e.g. cp949") from None
    return value


def default_jobs() -> int:
    """Export processes: both cores of a 2-core machine, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def input_options(fn):
    fn = click.option(
        "--encoding",
        metavar="NAME",
        callback=_check_encoding,
        help="Read every file with this encoding instead of UTF-8 (e.g. cp949).",
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


def _check_output(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value.strip():
        raise click.BadParameter("the output folder cannot be empty; name a folder, e.g. -o site")
    return value


def _default_inputs(inputs: tuple[str, ...]) -> list[str]:
    if inputs:
        return list(inputs)
    if not os.path.isdir(DEFAULT_INPUT):
        raise click.UsageError(
            "no INPUTS given, and there is no seeds/ folder here to build as an example; "
            "pass the folders of your digests and notes, e.g. papergraph build ~/digests ~/vault -o site"
        )
    return [DEFAULT_INPUT]


@cli.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "-o",
    "--output",
    default=DEFAULT_OUTPUT,
    show_default=True,
    type=click.Path(path_type=str),
    callback=_check_output,
    help="Output folder.",
)
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    type=click.Choice([*exporter_names(), "all"]),
    help="Only these exports (repeatable). Default: all but trig; 'all' adds trig (graph.trig).",
)
@click.option("--base-iri", default=DEFAULT_BASE_IRI, show_default=True, help="Base of the IRIs papergraph mints.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=default_jobs(),
    show_default=True,
    help="Processes for the exports (the output does not depend on it).",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=str),
    help="Where to keep the record of each build (default: the per-user cache folder).",
)
@click.option("--no-cache", is_flag=True, help="Rebuild even if nothing changed, and keep no record.")
@click.option("--wait", is_flag=True, help="Wait for another build writing into OUTPUT instead of failing.")
@click.option("--follow-symlinks", is_flag=True, help="Also read symlinks that lead out of the input folders.")
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
@click.option(
    "--license", "license_", metavar="IRI|NAME", help="The data's licence, stated in the RDF dataset description."
)
@input_options
def build(
    inputs,
    output,
    formats,
    base_iri,
    jobs,
    cache_dir,
    no_cache,
    wait,
    follow_symlinks,
    quiet,
    arxiv_metadata,
    license_,
    encoding,
    reader,
    strict,
) -> None:
    """Read digests and notes and write every export into OUTPUT, all at once.

    With no INPUTS, reads seeds/ and writes into output/.

    Example:

        papergraph build ~/digests ~/vault -o site
    """
    display = _Progress() if not quiet and sys.stderr.isatty() else None
    try:
        result = run_build(
            _default_inputs(inputs),
            output,
            formats=exporter_names() if "all" in formats else list(formats) or None,
            base_iri=base_iri,
            encoding=encoding,
            reader=reader,
            jobs=jobs,
            cache=not no_cache,
            cache_dir=cache_dir,
            wait=wait,
            follow_symlinks=follow_symlinks,
            progress=display.stage if display else None,
            arxiv_metadata=list(arxiv_metadata),
            license=license_,
        )
    except NoEntriesError as error:
        if display:
            display.close()
        _report(error.diagnostics)
        raise _fail(error) from None
    except PapergraphError as error:
        raise _fail(error) from None
    finally:
        if display:
            display.close()
    count = _report(result.diagnostics)
    if not quiet:
        click.echo(format_build_summary(result, Path(output)))
    _strict_exit(count, strict)


class _Progress:
    """Stage names on one terminal line, cleared at the end."""

    def __init__(self) -> None:
        self.shown = False

    def stage(self, message: str) -> None:
        sys.stderr.write(f"\r\033[K... {message}")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
            self.shown = False


# What to do with each output, in the order the summary suggests them.
NEXT_STEPS = (
    ("graph.html", "open {path} in a browser to explore the graph"),
    ("graph.gexf", "open {path} in Gephi (File > Open)"),
    ("graph.ttl", "papergraph query {path} --list   (SPARQL over the graph)"),
)


def format_build_summary(result: BuildResult, output: Path) -> str:
    """The few lines ``papergraph build`` prints: what was read, made and written, and what next."""
    summary = result.summary
    nodes = ", ".join(f"{n} {k}" for k, n in summary["nodes"].items() if n)
    edges = ", ".join(f"{n} {k}" for k, n in summary["edges"].items() if n)
    span = f" ({result.date_range[0]} to {result.date_range[1]})" if result.date_range else ""
    lines = [
        f"read {result.files} files, {result.entries} entries{span}",
        f"graph: {sum(summary['nodes'].values())} nodes ({nodes})",
        f"       {sum(summary['edges'].values())} edges ({edges})",
    ]
    shown = output.as_posix().rstrip("/") or "."
    if result.up_to_date:
        lines.append(f"outputs in {shown}/ are up to date: nothing to do (--no-cache rebuilds anyway)")
    else:
        lines += [f"wrote {(output / path.name).as_posix():<28} {size:>12,} bytes" for path, size in result.written]
        timing = ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in result.timings.items())
        lines.append(f"time: {timing}")
    lines.append(f"diagnostics: {len(result.diagnostics)}")
    names = {path.name for path, _ in result.written} if result.written else set()
    if result.up_to_date:
        names = {name for name, _ in NEXT_STEPS if (output / name).exists()}
    lines += [f"next: {step.format(path=(output / name).as_posix())}" for name, step in NEXT_STEPS if name in names]
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


@cli.command()
@click.argument("args", nargs=-1, metavar="[GRAPH] [SPARQL]")
@click.option("--file", "query_file", metavar="FILE.rq", help="Run the query in this file.")
@click.option("-n", "--name", metavar="NAME", help="Run a named query (see --list); `cq03` works for cq03_….")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind a parameter the query declares (repeatable); --list shows them.",
)
@click.option("--list", "list_queries", is_flag=True, help="List the named queries and their parameters, and exit.")
@click.option("--show", metavar="NAME", help="Print a named query, with its PREFIXes and parameters bound, and exit.")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(QUERY_FORMATS),
    default="table",
    show_default=True,
    help="SELECT output: aligned table, or SPARQL 1.1 CSV/TSV/JSON results.",
)
@click.option("--engine", type=click.Choice(ENGINES), default=ENGINES[0], show_default=True, help="SPARQL engine.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Stop a query that runs longer than this many seconds (0: no limit).",
)
@click.option(
    "--memory-limit",
    metavar="MB",
    type=click.IntRange(min=0),
    default=DEFAULT_MEMORY_LIMIT,
    show_default=True,
    help="Stop a query whose process holds more than this many megabytes, the graph included (0: no limit).",
)
@click.option("--allow-service", is_flag=True, help="Let SERVICE call other SPARQL endpoints (refused by default).")
def query(
    args, query_file, name, params, list_queries, show, fmt, engine, timeout, memory_limit, allow_service
) -> None:
    """Run read-only SPARQL (SELECT, ASK, CONSTRUCT, DESCRIBE) on an export or straight on digests.

    GRAPH is an export (.ttl, .nt, .jsonld, .trig; default output/graph.ttl) or
    digests (a folder, .txt or .md). The data model's prefixes (dcterms:,
    cito:, pg:, ...) need no PREFIX lines. ASK prints true or false;
    CONSTRUCT prints Turtle (JSON-LD with --format json). SERVICE is refused
    unless --allow-service; updates are refused.

    Example:

    \b
        papergraph query --list
        papergraph query --name cq03
        papergraph query --name cq02 --param author='Enze Xie'
        papergraph query --show cq01 --param tag=diffusion
        papergraph query seeds/ 'SELECT ?t WHERE { ?p a schema:ScholarlyArticle ; dcterms:title ?t }'
        papergraph query output/graph.nt --file my.rq --format csv
    """
    try:
        bindings = _parse_params(params)
        if list_queries:
            click.echo(format_named_queries(), nl=False)
            return
        if show is not None:
            click.echo(show_query(show, bindings), nl=False)
            return
    except PapergraphError as error:
        raise _fail(error) from None
    has_query_option = query_file is not None or name is not None
    if len(args) > 2 or (len(args) == 2 and has_query_option):
        raise click.UsageError("too many arguments: give [GRAPH] and one of SPARQL, --file FILE.rq or --name NAME")
    if not args and not has_query_option:
        raise click.UsageError("no query: give SPARQL text, --file FILE.rq or --name NAME (see --list)")
    if len(args) == 1 and not has_query_option and _looks_like_graph(args[0]):
        raise click.UsageError(
            f"{args[0]} is a graph, not a query: give SPARQL text, --file FILE.rq or --name NAME after it (see --list)"
        )
    graph = args[0] if len(args) == 2 or (args and has_query_option) else DEFAULT_GRAPH
    sparql = args[-1] if len(args) == 2 or (args and not has_query_option) else None
    try:
        click.echo(
            execute(
                graph,
                sparql=sparql,
                file=query_file,
                name=name,
                params=bindings,
                engine=engine,
                fmt=fmt,
                timeout=timeout or None,
                memory_limit=memory_limit or None,
                allow_service=allow_service,
            ),
            nl=False,
        )
    except PapergraphError as error:
        raise _fail(error) from None


def _parse_params(params: Iterable[str]) -> dict[str, str]:
    bindings: dict[str, str] = {}
    for param in params:
        name, equals, value = param.partition("=")
        if not equals or not name.strip():
            raise click.BadParameter(f"{param!r}: write NAME=VALUE", param_hint="'-p' / '--param'")
        bindings[name.strip()] = value
    return bindings


def _looks_like_graph(text: str) -> bool:
    """A lone argument that names a file or folder rather than holding SPARQL."""
    if any(c.isspace() for c in text.strip()) or "{" in text:
        return False
    return os.path.exists(text) or os.path.splitext(text)[1].lower() in GRAPH_SUFFIXES


@cli.command()
@click.argument("args", nargs=-1, metavar="[OUTDIR|FILE.nt] URL")
@click.option("-g", "--graph", "graph_iri", metavar="IRI", help="Target named graph. Default: the default graph.")
@click.option("--append", is_flag=True, help="Add to the target graph instead of replacing it.")
@click.option(
    "--chunk-size",
    type=click.IntRange(1, 1024),
    default=CHUNK_BYTES // (1024 * 1024),
    show_default=True,
    help="Megabytes of N-Triples per request.",
)
@click.option("--retries", type=click.IntRange(0, 20), default=4, show_default=True, help="Retries per request.")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
def push(args, graph_iri, append, chunk_size, retries, quiet) -> None:
    """Send graph.nt to a SPARQL store's Graph Store HTTP Protocol endpoint.

    Replaces the target graph (PUT, then POST for further chunks) unless
    --append. Credentials come from PAPERGRAPH_PUSH_TOKEN (bearer) or
    PAPERGRAPH_PUSH_USER and PAPERGRAPH_PUSH_PASSWORD (basic).

    Example:

    \b
        papergraph push output http://127.0.0.1:7878/store
        papergraph push site/graph.nt http://localhost:3030/kg/data -g https://example.org/kg
    """
    if not 1 <= len(args) <= 2:
        raise click.UsageError("give [OUTDIR|FILE.nt] and the Graph Store URL (e.g. http://127.0.0.1:7878/store)")
    source, url = (DEFAULT_OUTPUT, args[0]) if len(args) == 1 else args
    bar = _PushBar() if not quiet and sys.stderr.isatty() else None
    try:
        result = run_push(
            source,
            url,
            graph=graph_iri,
            append=append,
            chunk_bytes=chunk_size * 1024 * 1024,
            retries=retries,
            progress=bar,
        )
    except PapergraphError as error:
        raise _fail(error) from None
    finally:
        if bar:
            bar.close()
    if not quiet:
        verb = "added" if append else "replaced the graph with"
        click.echo(
            f"{verb} {result.triples:,} triples ({result.bytes:,} bytes) at {result.url} "
            f"in {result.requests} request(s), {result.retries} retried, {result.seconds:.1f}s"
        )


class _PushBar(_Progress):
    """A bar of bytes sent, on the progress line."""

    WIDTH = 30

    def __call__(self, sent: int, total: int) -> None:
        filled = self.WIDTH * sent // total if total else self.WIDTH
        self.stage(f"pushing [{'#' * filled}{'.' * (self.WIDTH - filled)}] {sent / 1e6:.1f}/{total / 1e6:.1f} MB")


@cli.command()
@click.argument("outdir", default=DEFAULT_OUTPUT, type=click.Path(path_type=str))
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True, help="Port.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Stop a query that runs longer than this many seconds.",
)
def serve(outdir, host, port, timeout) -> None:
    """Serve OUTDIR's graph as a local read-only SPARQL endpoint until Ctrl-C.

    Needs the oxigraph server: pip install 'papergraph-kg[serve]'.

    Example:

    \b
        papergraph serve output --port 7878
        curl -H 'Accept: text/csv' --data-urlencode "query=$(papergraph query --show cq03)" http://127.0.0.1:7878/query
    """
    try:
        with running_server(outdir, host=host, port=port, timeout=timeout) as server:
            html = Path(outdir) / "graph.html"
            click.echo(f"SPARQL endpoint: {server.endpoint}  ({server.triples:,} triples, read-only)")
            click.echo(f"query page:      {server.url}/")
            if html.is_file():
                click.echo(f"graph page:      {html.resolve()}")
            click.echo("press Ctrl-C to stop")
            # A plain kill (SIGTERM) must also stop the server and remove its store.
            signal.signal(signal.SIGTERM, _interrupt)
            try:
                server.process.wait()
            except (Interrupted, KeyboardInterrupt):  # Ctrl-C or a kill: the normal way to stop
                return
            raise PushError(f"the oxigraph server stopped (exit status {server.process.returncode})")
    except PapergraphError as error:
        raise _fail(error) from None


GRAPH_SUFFIXES = (*RDF_SUFFIXES, *DIGEST_SUFFIXES)


class Interrupted(BaseException):
    """Ctrl-C. Not a KeyboardInterrupt, which click would report as "Aborted!" with exit 1:
    it unwinds the build (workers stopped, staged files removed) and ``main`` says so in one line."""


def _interrupt(signum: int, frame: object) -> None:
    raise Interrupted


def main() -> None:  # pragma: no cover - console script entry point
    """Run the command, then exit without freeing the heap object by object.

    After a build the process holds millions of small objects; tearing them
    down one by one at interpreter exit takes ~0.1 s on the sample corpus
    (seconds on big ones) and the OS reclaims the memory at once anyway
    (mypy exits the same way). Every file is closed by then.
    """
    signal.signal(signal.SIGINT, _interrupt)
    try:
        cli(prog_name="papergraph")
        code: object = 0
    except SystemExit as stop:
        code = stop.code
    except Interrupted:
        print("\nInterrupted: papergraph stopped; no output was left half-written", file=sys.stderr)
        code = 128 + signal.SIGINT
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
