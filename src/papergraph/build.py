"""``papergraph build``: read → link → graph → layout → export → commit.

:func:`build` reads top to bottom in that order. The output folder is locked
for the whole build and its files are replaced all at once, or not at all
(:mod:`papergraph.outputs`); a build whose inputs, options, code and outputs
are unchanged since the last one does nothing (:mod:`papergraph.cache`).
The library runs in this process unless asked for ``jobs``; the exports can
then run in forked workers (:mod:`papergraph.parallel`), with byte-identical
results.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from .analysis import analyse
from .arxiv_metadata import link_with_metadata, metadata_signature
from .cache import BuildRecord, code_fingerprint, output_stamp
from .errors import InputError, NoEntriesError
from .exporters import (
    DEFAULT_BASE_IRI,
    ExportContext,
    Exporter,
    default_exporter_names,
    exporter_names,
    get_exporter,
)
from .gcpause import paused_gc
from .graph import build_graph, graph_summary
from .linking import LinkedCorpus, link_corpus
from .model import Corpus, Diagnostic, InputSource
from .outputs import OutputFolder, StagedFile, stage, write_atomic
from .parallel import Workers
from .pipeline import (
    InputData,
    check_encoding,
    check_reader,
    display_path,
    find_inputs,
    load_corpus,
    parse_inputs,
    read_inputs,
)

__all__ = ["BuildResult", "build", "check_output_dir", "load_graph", "write_atomic"]


@dataclass
class BuildResult:
    """What a build read, made and wrote.

    ``corpus``, ``linked`` and ``graph`` are ``None`` when the build found
    everything up to date and did no work (``up_to_date``).
    """

    output: Path
    files: int
    entries: int
    summary: dict[str, dict[str, int]]
    date_range: tuple[str, str] | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    written: list[tuple[Path, int]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    up_to_date: bool = False
    corpus: Corpus | None = None
    linked: LinkedCorpus | None = None
    graph: nx.MultiDiGraph | None = None


def load_graph(
    inputs: Sequence[str | os.PathLike[str]], *, encoding: str | None = None, reader: str | None = None
) -> tuple[Corpus, LinkedCorpus, nx.MultiDiGraph]:
    """Read, link and build the graph of some inputs (no files written)."""
    corpus = load_corpus(inputs, encoding=encoding, reader=reader)
    linked = link_corpus(corpus)
    return corpus, linked, build_graph(linked)


def check_output_dir(output: str | os.PathLike[str], inputs: Sequence[str | os.PathLike[str]]) -> Path:
    """Resolve the output folder and refuse dangerous choices.

    Raises:
        InputError: no folder is named, the output folder is an input folder
            or inside one, or it exists and is not a folder.
    """
    if not os.fspath(output).strip():  # Path("") would be the current folder
        raise InputError("the output folder is empty; name a folder with -o, e.g. -o site")
    output = Path(output)
    try:
        resolved = output.resolve()
        for raw in inputs:
            source = Path(raw).resolve()
            if source.is_dir() and (resolved == source or source in resolved.parents):
                raise InputError(
                    f"{output.as_posix()}: the output folder is inside the input folder {Path(raw).as_posix()}; "
                    "choose another folder with -o"
                )
        if output.exists() and not output.is_dir():
            raise InputError(f"{output.as_posix()}: exists and is not a folder; choose another folder with -o")
    except PermissionError as error:
        raise InputError(
            f"{output.as_posix()}: cannot reach the output folder ({error.strerror}); choose another with -o"
        ) from None
    return resolved


@dataclass(frozen=True)
class _ExportJob:
    """What every export group of one build gets; forked workers inherit it."""

    graph: nx.MultiDiGraph
    folder: Path
    base_iri: str
    groups: tuple[tuple[Exporter, ...], ...]
    license: str | None = None
    sources: tuple[InputSource, ...] = ()


ExportOutcome = tuple[list[StagedFile], list[Diagnostic], float]


def _export_group(job: _ExportJob, task: tuple[int, dict | None]) -> dict[str, ExportOutcome]:
    """Run the exporters of one group (``task``: its index and the layout, if it
    needs one) with one shared context; stage their files."""
    index, positions = task
    context = ExportContext(
        job.graph, base_iri=job.base_iri, positions=positions, license=job.license, sources=job.sources
    )
    outcomes = {}
    for exporter in job.groups[index]:
        started = time.perf_counter()
        reported = len(context.diagnostics)
        with paused_gc():
            staged = [
                stage(job.folder, name, content) for name, content in exporter.generate(job.graph, context).items()
            ]
        staged.sort(key=lambda item: exporter.files.index(item.target))
        outcomes[exporter.name] = (staged, context.diagnostics[reported:], time.perf_counter() - started)
    return outcomes


def _groups(exporters: list[Exporter]) -> tuple[tuple[Exporter, ...], ...]:
    """Exporters in order, those of one ``group`` together (where the first of them stands)."""
    groups: dict[str, list[Exporter]] = {}
    for exporter in exporters:
        groups.setdefault(exporter.group or exporter.name, []).append(exporter)
    return tuple(tuple(group) for group in groups.values())


def source_hashes(inputs: Sequence[str | os.PathLike[str]], data: Sequence[InputData]) -> tuple[InputSource, ...]:
    """Each input as given, by name, with a SHA-256 over its files' relative paths and bytes.

    The names (a folder's or file's own name, never its absolute path) and
    the hashes depend only on the content, so the dataset description that
    cites them stays byte-identical from one machine to another.
    """
    found = []
    for raw in inputs:
        root = display_path(Path(raw))
        digest = hashlib.sha256()
        paths = []
        for item in data:
            if item.file.root == root:
                content = hashlib.sha256(item.data or b"").hexdigest()
                digest.update(f"{item.file.relpath}\0{content}\n".encode())
                paths.append(item.file.relpath)
        found.append(InputSource(Path(raw).name or root, digest.hexdigest(), tuple(paths)))
    return tuple(found)


def _input_signature(inputs: list[InputData], encoding: str | None, reader: str | None) -> str:
    digest = hashlib.sha256(f"{encoding}\0{reader}\n".encode())
    for item in inputs:
        content = hashlib.sha256(item.data).hexdigest() if item.data is not None else f"unreadable: {item.error}"
        digest.update(f"{item.file.display}\0{item.file.relpath}\0{content}\n".encode())
    return digest.hexdigest()


def _unchanged(record: dict | None, folder: Path, signature: str, options: dict) -> BuildResult | None:
    """The last build's result, if it was made from exactly these inputs and its outputs are untouched."""
    if record is None or record["inputs"] != signature or record["options"] != options:
        return None
    if any(output_stamp(folder / name) != stamp for name, stamp in record["outputs"].items()):
        return None
    return BuildResult(
        output=folder,
        files=record["files"],
        entries=record["entries"],
        summary=record["summary"],
        date_range=(record["date_range"][0], record["date_range"][1]) if record["date_range"] else None,
        diagnostics=[Diagnostic(*d) for d in record["diagnostics"]],
        up_to_date=True,
    )


def _no_entries(files: int, diagnostics: Sequence[Diagnostic], folder: Path) -> NoEntriesError:
    return NoEntriesError(
        f"the {files} input file(s) gave no entry ({len(diagnostics)} problem(s) listed above); "
        f"nothing was written and the outputs in "
        f"{folder.as_posix()} are unchanged. Check the files, or pass --encoding if they are not UTF-8",
        diagnostics,
    )


def build(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    formats: Sequence[str] | None = None,
    base_iri: str = DEFAULT_BASE_IRI,
    encoding: str | None = None,
    reader: str | None = None,
    jobs: int = 1,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    wait: bool = False,
    follow_symlinks: bool = False,
    progress: Callable[[str], None] | None = None,
    arxiv_metadata: Sequence[str | os.PathLike[str]] = (),
    license: str | None = None,
) -> BuildResult:
    """Build every export of ``inputs`` into the folder ``output``.

    Args:
        inputs: digest folders, vault folders or files.
        output: the output folder (created if missing).
        formats: exporter names (default: all but the optional ``trig``).
        base_iri: the base of minted IRIs in the RDF export.
        encoding: read every file with this encoding instead of UTF-8.
        reader: force the ``digest`` or ``vault`` reader.
        jobs: processes for the exports (1: all in this one); the output does not depend on it.
        cache: skip the build when nothing changed since the last one (a record per output folder).
        cache_dir: where that record lives (default: the per-user cache folder).
        wait: wait for another build that holds the output folder instead of failing.
        follow_symlinks: follow symlinks that lead out of the input folders.
        progress: called with a short message before each stage.
        arxiv_metadata: arXiv metadata files (JSON Lines, plain or ``.gz``): titles, authors, categories.
        license: the data's licence (an IRI or a name), stated in the RDF dataset description.

    Raises:
        InputError (NoEntriesError: nothing read), ExportError (OutputLockedError: folder in use), UnknownFormatError.
    """
    exporters, path = _check_arguments(inputs, output, formats, encoding, reader)
    say = progress or (lambda message: None)
    options = _options(exporters, base_iri, arxiv_metadata, license)
    record = BuildRecord(path, Path(cache_dir) if cache_dir else None) if cache else None
    with OutputFolder(path, wait=wait) as folder:
        started = time.perf_counter()
        say("reading")
        files, problems = find_inputs(inputs, follow_symlinks=follow_symlinks)
        data = read_inputs(files)
        signature = _input_signature(data, encoding, reader)
        unchanged = _unchanged(record.read() if record else None, path, signature, options)
        if unchanged is not None:
            unchanged.timings = {"check": time.perf_counter() - started}
            return unchanged
        corpus, diagnostics = _parse(data, len(files), problems, encoding, reader, path)
        timings = {"read": time.perf_counter() - started}
        linked, graph = _link_and_analyse(corpus, arxiv_metadata, say, timings)
        outcomes = _export(folder, graph, exporters, base_iri, jobs, say, timings, license, source_hashes(inputs, data))
        result = _result(path, corpus, linked, graph, [*diagnostics, *linked.diagnostics], timings, outcomes)
        if record is not None:
            record.write(_record_of(result, signature, options))
    return result


def _check_arguments(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    formats: Sequence[str] | None,
    encoding: str | None,
    reader: str | None,
) -> tuple[list[Exporter], Path]:
    """The exporters and the output folder; fails on a bad option before anything is locked or read."""
    check_reader(reader)
    check_encoding(encoding)
    exporters = [get_exporter(name) for name in (formats or default_exporter_names())]
    return exporters, check_output_dir(output, inputs)


def _options(
    exporters: list[Exporter], base_iri: str, arxiv_metadata: Sequence[str | os.PathLike[str]], license: str | None
) -> dict:
    """Everything besides the inputs that the outputs depend on: a change rebuilds even unchanged inputs."""
    return {
        "formats": [e.name for e in exporters],
        "base_iri": base_iri,
        "code": code_fingerprint(),
        "arxiv_metadata": metadata_signature(arxiv_metadata),
        "license": license,
    }


def _parse(
    data: list[InputData],
    files: int,
    problems: list[Diagnostic],
    encoding: str | None,
    reader: str | None,
    path: Path,
) -> tuple[Corpus, list[Diagnostic]]:
    """The corpus read from ``data``, and every problem found so far.

    Raises:
        NoEntriesError: not one of the ``files`` input files gave an entry.
    """
    with paused_gc():
        corpus = parse_inputs(data, encoding=encoding, reader=reader)
    diagnostics = [*problems, *corpus.diagnostics]
    if not corpus.entries:
        raise _no_entries(files, diagnostics, path)
    return corpus, diagnostics


def _link_and_analyse(
    corpus: Corpus,
    arxiv_metadata: Sequence[str | os.PathLike[str]],
    say: Callable[[str], None],
    timings: dict[str, float],
) -> tuple[LinkedCorpus, nx.MultiDiGraph]:
    """Link the corpus into the graph, then annotate it (communities, centrality, the layout's shape)."""
    started = time.perf_counter()
    say("linking")
    with paused_gc():
        linked, graph = link_with_metadata(corpus, arxiv_metadata)
    timings["link"] = time.perf_counter() - started
    started = time.perf_counter()
    say("analysing")
    analyse(graph)  # on the graph's nodes, before any export reads them
    timings["analyse"] = time.perf_counter() - started
    return linked, graph


def _result(
    path: Path,
    corpus: Corpus,
    linked: LinkedCorpus,
    graph: nx.MultiDiGraph,
    diagnostics: list[Diagnostic],
    timings: dict[str, float],
    outcomes: dict[str, ExportOutcome],
) -> BuildResult:
    dates = sorted(d.date for d in corpus.documents if d.date)
    result = BuildResult(
        output=path,
        files=len(corpus.documents),
        entries=len(corpus.entries),
        summary=graph_summary(graph),
        date_range=(dates[0], dates[-1]) if dates else None,
        diagnostics=diagnostics,
        timings=timings,
        corpus=corpus,
        linked=linked,
        graph=graph,
    )
    seen = set(diagnostics)
    for written, found, _ in outcomes.values():
        result.written.extend((path / item.target, item.size) for item in written)
        for diagnostic in found:  # GraphML and GEXF may report the same character
            if diagnostic not in seen:
                seen.add(diagnostic)
                result.diagnostics.append(diagnostic)
    return result


def _export(
    folder: OutputFolder,
    graph: nx.MultiDiGraph,
    exporters: list[Exporter],
    base_iri: str,
    jobs: int,
    say: Callable[[str], None],
    timings: dict[str, float],
    license: str | None = None,
    sources: tuple[InputSource, ...] = (),
) -> dict[str, ExportOutcome]:
    """Run every exporter and commit their files as one set (in exporter order).

    The exporters that need no layout (RDF) start first, in the workers,
    while this process computes the layout; the others are queued as soon as
    it is there.
    """
    job = _ExportJob(graph, folder.path, base_iri, _groups(exporters), license, sources)
    needs_layout = [any(e.uses_layout for e in group) for group in job.groups]
    say("exporting " + ", ".join(e.name for e in exporters))
    outcomes: dict[str, ExportOutcome] = {}
    try:
        with Workers(_export_group, job, min(jobs, len(job.groups))) as workers:
            without_layout = workers.start([(i, None) for i, needs in enumerate(needs_layout) if not needs])
            positions = _layout(graph, say, timings) if any(needs_layout) else None
            with_layout = workers.start([(i, positions) for i, needs in enumerate(needs_layout) if needs])
            for group in [*without_layout(), *with_layout()]:
                outcomes.update(group)
        outcomes = {e.name: outcomes[e.name] for e in exporters}
        # Files of other exports left by earlier builds go, so the folder holds one build's set.
        every_output = [name for other in exporter_names() for name in get_exporter(other).files]
        folder.commit([item for written, _, _ in outcomes.values() for item in written], remove=every_output)
    except BaseException:
        folder.discard_staged()  # this build's, including those of a worker that failed midway
        raise
    for name, (_, _, seconds) in outcomes.items():
        timings[f"export {name}"] = seconds
    return outcomes


def _layout(graph: nx.MultiDiGraph, say: Callable[[str], None], timings: dict[str, float]) -> dict:
    started = time.perf_counter()
    say("layout")
    from .layout import compute_layout  # numpy: imported only when a layout is needed

    positions = compute_layout(graph)
    timings["layout"] = time.perf_counter() - started
    return positions


def _record_of(result: BuildResult, signature: str, options: dict) -> dict:
    return {
        "inputs": signature,
        "options": options,
        "outputs": {p.name: output_stamp(p) for p, _ in result.written},
        "files": result.files,
        "entries": result.entries,
        "summary": result.summary,
        "date_range": list(result.date_range) if result.date_range else None,
        "diagnostics": [[d.path, d.line, d.message, d.code] for d in result.diagnostics],
    }
