"""``papergraph build``: read → link → graph → export, writing files atomically.

Every output file is written to a temporary file in the output folder and
renamed over the old one, so a failed or killed build leaves the previous
outputs intact, and the same input always gives byte-identical files.

Builds are incremental: parsed files are cached by content in the output
folder (:mod:`papergraph.cache`), and a build whose inputs, options and
outputs are unchanged does nothing at all.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from .analysis import analyse
from .cache import BuildCache, code_fingerprint, file_key
from .errors import ExportError, InputError
from .exporters import DEFAULT_BASE_IRI, ExportContext, Exporter, exporter_names, get_exporter
from .gcpause import paused_gc
from .graph import build_graph, graph_summary, undirected_pairs
from .linking import LinkedCorpus, link_corpus
from .model import Corpus, Diagnostic
from .pipeline import InputData, check_reader, find_inputs, parse_inputs, read_inputs

__all__ = [
    "BuildResult",
    "build",
    "check_output_dir",
    "commit_files",
    "default_jobs",
    "load_graph",
    "stage_file",
    "write_atomic",
]


def default_jobs() -> int:
    """Worker processes for reading: both cores of a 2-core machine, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


@dataclass
class BuildResult:
    """What a build read, made and wrote.

    ``corpus``, ``linked`` and ``graph`` are ``None`` when the build found
    everything up to date and did no work.
    """

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
    inputs: Sequence[str | os.PathLike[str]],
    *,
    encoding: str | None = None,
    reader: str | None = None,
    jobs: int = 1,
) -> tuple[Corpus, LinkedCorpus, nx.MultiDiGraph]:
    """Read, link and build the graph of some inputs (no files written)."""
    from .pipeline import load_corpus

    corpus = load_corpus(inputs, encoding=encoding, reader=reader, jobs=jobs)
    linked = link_corpus(corpus)
    return corpus, linked, build_graph(linked)


def check_output_dir(output: Path, inputs: Sequence[str | os.PathLike[str]]) -> Path:
    """Resolve the output folder and refuse dangerous choices.

    Raises:
        InputError: the output folder is an input folder or inside one, or it
            exists and is not a folder.
    """
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
    return resolved


STAGED_SUFFIX = ".papergraph-tmp"


def _check_name(name: str) -> None:
    if "/" in name or "\\" in name or name in {"", ".", ".."}:
        raise ExportError(f"{name!r}: exporters may only write plain file names")


def _write_error(target: Path, error: OSError) -> ExportError:
    return ExportError(
        f"{target.as_posix()}: cannot write ({error.strerror or error}); "
        "check that the output folder is writable or choose another with -o"
    )


def stage_file(folder: Path, name: str, data: bytes | Iterable[bytes]) -> tuple[Path, int]:
    """Write ``data`` (bytes, or byte chunks) to a new temporary file in
    ``folder``, fsynced, ready to be renamed over ``folder/name`` by
    :func:`commit_files`; return the temporary path and the size.

    Raises:
        ExportError: the folder cannot be written.
    """
    _check_name(name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=STAGED_SUFFIX, dir=folder)
        try:
            size = 0
            with os.fdopen(handle, "wb") as stream:
                for chunk in (data,) if isinstance(data, bytes) else data:
                    stream.write(chunk)
                    size += len(chunk)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o644)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise _write_error(folder / name, error) from None
    return Path(temporary), size


def commit_files(staged: list[tuple[Path, Path]]) -> None:
    """Rename every staged file over its target, after all of them were written.

    A rename replaces an existing symlink instead of following it, so nothing
    outside the output folder is ever written.
    """
    for temporary, target in staged:
        try:
            os.replace(temporary, target)
        except OSError as error:
            raise _write_error(target, error) from None


def discard_staged(folder: Path) -> None:
    """Remove temporary files left by a build that was killed."""
    for leftover in folder.glob(f".*{STAGED_SUFFIX}"):
        if leftover.is_file() and not leftover.is_symlink():
            leftover.unlink(missing_ok=True)


def write_atomic(folder: Path, name: str, data: bytes) -> Path:
    """Write ``folder/name`` via a temporary file and a rename.

    Raises:
        ExportError: the folder cannot be written.
    """
    target = folder / name
    temporary, _ = stage_file(folder, name, data)
    commit_files([(temporary, target)])
    return target


# Below this many nodes, forking export workers costs more than it saves.
PARALLEL_EXPORT_MIN_NODES = 2_000
WORKER_NICENESS = 5
_WORKER_STATE: dict[str, object] = {}
ExportOutcome = tuple[list[tuple[Path, int, Path]], list[Diagnostic], float]
"""Staged files ``(temporary, size, target)``, diagnostics, seconds."""


@dataclass(frozen=True)
class _ExportJob:
    """What every exporter of one build is given, besides the graph."""

    base_iri: str
    folder: Path
    fragment_folder: Path | None
    fragment_scope: str


def _run_group(
    names: list[str],
    graph: nx.MultiDiGraph,
    job: _ExportJob,
    positions: dict | None,
    receive_positions: Callable[[], dict] | None = None,
    before: Callable[[Exporter], None] = lambda exporter: None,
) -> dict[str, ExportOutcome]:
    """Run exporters that share one context, one after the other."""
    context = ExportContext(
        graph,
        base_iri=job.base_iri,
        positions=positions,
        receive_positions=receive_positions,
        fragment_folder=job.fragment_folder,
        fragment_scope=job.fragment_scope,
    )
    outcomes = {}
    for name in names:
        started = time.perf_counter()
        reported = len(context.diagnostics)
        exporter = get_exporter(name)
        before(exporter)
        written = [
            (*stage_file(job.folder, file, content), job.folder / file)
            for file, content in exporter.generate(graph, context).items()
        ]
        # An exporter may write its files in any order (one can key another's pieces); report them in its own.
        written.sort(key=lambda staged: exporter.files.index(staged[2].name))
        context.save_fragments()
        outcomes[name] = (written, context.diagnostics[reported:], time.perf_counter() - started)
    return outcomes


def _die_with_parent() -> None:
    """Make this worker exit when the build process dies (killed builds leave no orphans)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass  # elsewhere a worker notices the broken pipe when it reports back, and exits


def _run_group_in_worker(names: list[str]) -> dict[str, ExportOutcome]:
    state = _WORKER_STATE  # inherited from the parent by fork: the graph is never pickled
    graph: nx.MultiDiGraph = state["graph"]  # type: ignore[assignment]

    def receive_positions() -> dict:  # called once: the context keeps the positions
        coordinates = state["layout_channel"].get()  # type: ignore[attr-defined]
        if coordinates is None:
            raise ExportError("the layout could not be computed; see the error of the build process")
        return dict(zip(graph, coordinates))

    niced = False

    def before(exporter: Exporter) -> None:
        nonlocal niced
        if exporter.uses_layout and not niced:
            # This worker waits for the layout (computed by the build process)
            # from now on: let the layout have a core while it renders the rest.
            niced = True
            try:
                os.nice(WORKER_NICENESS)
            except OSError:
                pass

    return _run_group(names, graph, state["job"], None, receive_positions, before)  # type: ignore[arg-type]


class _LayoutProcess:
    """The layout, computed in a process forked as the build starts.

    It imports numpy (~0.15 s) on the other core while this process reads and
    links, instead of after; then it computes the positions from the numbers
    :func:`papergraph.graph.undirected_pairs` gives, and exits. Leaving the
    ``with`` block stops it.
    """

    def __init__(self) -> None:
        fork = multiprocessing.get_context("fork")
        self._connection, theirs = fork.Pipe()
        self._process = fork.Process(target=_layout_process_main, args=(theirs,), daemon=True)
        self._process.start()
        theirs.close()
        self._asked = False

    def positions(self, graph: nx.MultiDiGraph) -> dict:
        nodes = list(graph)
        self._asked = True
        try:
            self._connection.send((len(nodes), *undirected_pairs(graph)))
            answer = self._connection.recv()
        except (EOFError, OSError):
            raise ExportError(
                "the layout process stopped before it finished "
                "(out of memory?); run again with --jobs 1 to compute the layout in this process"
            ) from None
        if isinstance(answer, BaseException):
            raise answer
        return dict(zip(nodes, answer))

    def __enter__(self) -> _LayoutProcess:
        return self

    def __exit__(self, *exception: object) -> None:
        self._connection.close()
        if not self._asked:
            self._process.kill()  # still importing numpy, or waiting: nothing to finish
        self._process.join()


def _layout_process_main(connection) -> None:
    _die_with_parent()
    from .layout import layout_positions

    try:
        request = connection.recv()
    except EOFError:  # the build needed no layout after all
        return
    try:
        answer: object = layout_positions(*request)
    except Exception as error:
        answer = error
    connection.send(answer)


def _worker_plan(exporters: list, jobs: int) -> tuple[list[list], list]:
    """Who runs which exporters: ``(workers, here)``.

    The build process waits for the layout (from :class:`_LayoutProcess`, or
    computed itself), so it then runs the last group of exporters that needs
    the layout (``here``) instead of sitting idle. The
    other groups are dealt out in turn to at most ``jobs`` workers, exporters
    that need no layout first in each worker. With the default exporters and
    2 jobs: RDF in one worker, GraphML+GEXF in the other (both start at once),
    and the layout then HTML in the build process.
    """
    groups = _groups(exporters)
    here: list = []
    if len(groups) > 1:
        last = max((i for i, group in enumerate(groups) if any(e.uses_layout for e in group)), default=None)
        if last is not None:
            here = groups.pop(last)
    workers: list[list] = [[] for _ in range(jobs)]
    for index, group in enumerate(groups):
        workers[index % jobs].extend(group)
    return [sorted(worker, key=lambda e: e.uses_layout) for worker in workers if worker], here


def _groups(exporters: list) -> list[list]:
    """Exporters in order, those of one ``group`` together (where the first of them stands)."""
    groups: dict[str, list] = {}
    for exporter in exporters:
        groups.setdefault(exporter.group or exporter.name, []).append(exporter)
    return list(groups.values())


def _export(
    exporters: list,
    graph: nx.MultiDiGraph,
    job: _ExportJob,
    jobs: int,
    say: Callable[[str], None],
    meanwhile: Callable[[], None] = lambda: None,
    layout_process: _LayoutProcess | None = None,
) -> dict[str, ExportOutcome]:
    """Run the exporters, in ``jobs`` forked processes when ``jobs`` > 1 and the graph is big enough.

    The workers start at once while ``layout_process`` (or, without one, this
    process) computes the layout (see :func:`_worker_plan`); an exporter that
    needs the layout renders all it can without it, then waits for this
    process to send the positions. This
    process then runs its own exporters, and does ``meanwhile``. Exporters of
    a group always run in one process with one context (and share the work it
    caches). Results come back in exporter order, so output and diagnostics
    do not depend on ``jobs``.
    """
    needs_layout = any(e.uses_layout for e in exporters)
    timings: dict[str, ExportOutcome] = {}

    def layout() -> dict | None:
        if not needs_layout:
            return None
        say("layout")
        started = time.perf_counter()
        if layout_process is not None:
            positions = layout_process.positions(graph)
        else:
            from .layout import compute_layout  # numpy: only when exporting

            positions = compute_layout(graph)
        timings["layout"] = ([], [], time.perf_counter() - started)
        return positions

    parallel = (
        jobs > 1
        and len(exporters) > 1
        and graph.number_of_nodes() >= PARALLEL_EXPORT_MIN_NODES
        and "fork" in multiprocessing.get_all_start_methods()
    )
    outcomes: dict[str, ExportOutcome] = {}
    if not parallel:
        positions = layout()
        for names in ([e.name for e in group] for group in _groups(exporters)):
            say("exporting " + ", ".join(names))
            outcomes.update(_run_group(names, graph, job, positions))
        meanwhile()
    else:
        from concurrent.futures import ProcessPoolExecutor

        fork = multiprocessing.get_context("fork")
        # A Queue, not a pipe: its feeder thread sends while this process goes on exporting.
        channel = fork.Queue()
        channel.cancel_join_thread()  # a worker that died must not keep this process from exiting
        _WORKER_STATE.update(graph=graph, job=job, layout_channel=channel)
        try:
            plan, here = _worker_plan(exporters, jobs)
            with ProcessPoolExecutor(max_workers=len(plan), mp_context=fork, initializer=_die_with_parent) as pool:
                futures = [pool.submit(_run_group_in_worker, [e.name for e in worker]) for worker in plan]
                say("exporting " + ", ".join(e.name for e in exporters))
                positions = None
                try:
                    positions = layout()
                finally:
                    coordinates = None if positions is None else [positions[node] for node in graph]
                    for worker in plan:
                        if any(e.uses_layout for e in worker):
                            channel.put(coordinates)
                if here:
                    outcomes.update(_run_group([e.name for e in here], graph, job, positions))
                meanwhile()
                for future in futures:
                    outcomes.update(future.result())
        finally:
            _WORKER_STATE.clear()
            channel.close()
    return {**timings, **{e.name: outcomes[e.name] for e in exporters}}


def _input_signature(inputs: list[InputData], encoding: str | None, reader: str | None) -> str:
    digest = hashlib.sha256()
    for item in inputs:
        key = (
            file_key(item.data, item.file.display, item.file.relpath, encoding, reader)
            if item.data is not None
            else "unreadable"
        )
        digest.update(f"{item.file.display}\0{key}\n".encode())
    return digest.hexdigest()


def _up_to_date(cache: BuildCache, folder: Path, signature: str, options: dict) -> BuildResult | None:
    manifest = cache.manifest()
    if not manifest or manifest.get("inputs") != signature or manifest.get("options") != options:
        return None
    for name, stamp in manifest["outputs"].items():
        if cache.output_stamp(folder / name) != stamp:
            return None
    return BuildResult(
        files=manifest["files"],
        entries=manifest["entries"],
        summary=manifest["summary"],
        date_range=tuple(manifest["date_range"]) if manifest["date_range"] else None,
        diagnostics=[Diagnostic(*d) for d in manifest["diagnostics"]],
        written=[(folder / name, stamp[0]) for name, stamp in manifest["outputs"].items()],
        up_to_date=True,
    )


def build(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    formats: Sequence[str] | None = None,
    base_iri: str = DEFAULT_BASE_IRI,
    encoding: str | None = None,
    reader: str | None = None,
    jobs: int | None = None,
    cache: bool = True,
    progress: Callable[[str], None] | None = None,
    file_progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Build every export of ``inputs`` into the folder ``output``.

    Args:
        inputs: digest folders, vault folders or files.
        output: the output folder (created if missing).
        formats: exporter names (default: all of them).
        base_iri: the base of minted IRIs in the RDF export.
        encoding: read every file with this encoding instead of UTF-8.
        reader: force the ``digest`` or ``vault`` reader.
        jobs: worker processes for parsing and exporting (default:
            :func:`default_jobs`); the output does not depend on it.
        cache: reuse and update the build cache in the output folder.
        progress: called with a short message before each stage.
        file_progress: called with ``(done, total)`` as input files are parsed.

    Raises:
        InputError, ExportError, UnknownFormatError.
    """
    check_reader(reader)
    folder = check_output_dir(Path(output), inputs)
    exporters = [get_exporter(name) for name in (formats or exporter_names())]
    say = progress or (lambda message: None)
    timings: dict[str, float] = {}

    started = time.perf_counter()
    say("reading")
    files = find_inputs(inputs)
    data = read_inputs(files)
    options = {
        "formats": [e.name for e in exporters],
        "base_iri": base_iri,
        "encoding": encoding,
        "reader": reader,
        "code": code_fingerprint(),
    }
    store = BuildCache(folder) if cache else None
    signature = _input_signature(data, encoding, reader)
    if store is not None:
        unchanged = _up_to_date(store, folder, signature, options)
        if unchanged is not None:
            unchanged.timings = {"check": time.perf_counter() - started}
            return unchanged
    early_layout = (
        (jobs or default_jobs()) > 1
        and any(e.uses_layout for e in exporters)
        and "fork" in multiprocessing.get_all_start_methods()
    )
    with _LayoutProcess() if early_layout else nullcontext() as layout_process:
        with paused_gc():
            corpus = parse_inputs(
                data,
                encoding=encoding,
                reader=reader,
                jobs=jobs or default_jobs(),
                cache=store,
                on_parsed=file_progress,
            )
        timings["read"] = time.perf_counter() - started

        started = time.perf_counter()
        say("linking")
        with paused_gc():
            linked = link_corpus(corpus)
            graph = build_graph(linked)
        timings["link"] = time.perf_counter() - started
        started = time.perf_counter()
        say("analysing")
        analyse(graph)  # communities, centrality and the layout's shape, on the graph's nodes
        timings["analyse"] = time.perf_counter() - started

        dates = sorted(d.date for d in corpus.documents if d.date)
        result = BuildResult(
            files=len(corpus.documents),
            entries=len(corpus.entries),
            summary=graph_summary(graph),
            date_range=(dates[0], dates[-1]) if dates else None,
            diagnostics=[*corpus.diagnostics, *linked.diagnostics],
            timings=timings,
            corpus=corpus,
            linked=linked,
            graph=graph,
        )

        discard_staged(folder)
        try:
            with paused_gc():
                job = _ExportJob(base_iri, folder, store.folder if store is not None else None, options["code"])
                exported = _export(
                    exporters,
                    graph,
                    job,
                    jobs or default_jobs(),
                    say,
                    meanwhile=store.save_parsed if store is not None else lambda: None,
                    layout_process=layout_process,
                )
            # Nothing replaces the previous outputs until every exporter has succeeded.
            commit_files(
                [(temporary, target) for written, _, _ in exported.values() for temporary, _, target in written]
            )
        finally:
            discard_staged(folder)
        seen = set(result.diagnostics)
        for name, (written, diagnostics, seconds) in exported.items():
            timings["layout" if name == "layout" else f"export {name}"] = seconds
            result.written.extend((target, size) for _, size, target in written)
            for diagnostic in diagnostics:  # GraphML and GEXF may report the same character
                if diagnostic not in seen:
                    seen.add(diagnostic)
                    result.diagnostics.append(diagnostic)

        if store is not None:
            store.save_manifest(
                {
                    "inputs": signature,
                    "options": options,
                    "outputs": {path.name: store.output_stamp(path) for path, _ in result.written},
                    "files": result.files,
                    "entries": result.entries,
                    "summary": result.summary,
                    "date_range": list(result.date_range) if result.date_range else None,
                    "diagnostics": [[d.path, d.line, d.message, d.code] for d in result.diagnostics],
                }
            )
            store.prune_other_versions()
        return result
