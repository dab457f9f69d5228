"""``papergraph build``: read → link → graph → export, writing files atomically.

Every output file is written to a temporary file in the output folder and
renamed over the old one, so a failed or killed build leaves the previous
outputs intact, and the same input always gives byte-identical files.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from .errors import ExportError, InputError
from .exporters import DEFAULT_BASE_IRI, ExportContext, exporter_names, get_exporter
from .graph import build_graph, graph_summary
from .linking import LinkedCorpus, link_corpus
from .model import Corpus, Diagnostic
from .pipeline import load_corpus

__all__ = ["BuildResult", "build", "load_graph", "write_atomic", "check_output_dir"]


@dataclass
class BuildResult:
    """What a build read, made and wrote."""

    corpus: Corpus
    linked: LinkedCorpus
    graph: nx.MultiDiGraph
    written: list[tuple[Path, int]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, dict[str, int]]:
        return graph_summary(self.graph)

    @property
    def date_range(self) -> tuple[str, str] | None:
        dates = sorted(d.date for d in self.corpus.documents if d.date)
        return (dates[0], dates[-1]) if dates else None


def load_graph(
    inputs: Sequence[str | os.PathLike[str]],
    *,
    encoding: str | None = None,
    reader: str | None = None,
) -> tuple[Corpus, LinkedCorpus, nx.MultiDiGraph]:
    """Read, link and build the graph of some inputs (no files written)."""
    corpus = load_corpus(inputs, encoding=encoding, reader=reader)
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


def write_atomic(folder: Path, name: str, data: bytes) -> Path:
    """Write ``folder/name`` via a temporary file and a rename.

    The target is never a symlink leading out of the folder: an existing
    symlink is replaced, not followed.

    Raises:
        ExportError: the folder cannot be written.
    """
    if "/" in name or "\\" in name or name in {"", ".", ".."}:
        raise ExportError(f"{name!r}: exporters may only write plain file names")
    target = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise ExportError(
            f"{target.as_posix()}: cannot write ({error.strerror or error}); "
            "check that the output folder is writable or choose another with -o"
        ) from None
    return target


def build(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    formats: Sequence[str] | None = None,
    base_iri: str = DEFAULT_BASE_IRI,
    encoding: str | None = None,
    reader: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build every export of ``inputs`` into the folder ``output``.

    Args:
        inputs: digest folders, vault folders or files.
        output: the output folder (created if missing).
        formats: exporter names (default: all of them).
        base_iri: the base of minted IRIs in the RDF export.
        encoding: read every file with this encoding instead of UTF-8.
        reader: force the ``digest`` or ``vault`` reader.
        progress: called with a short message before each stage.

    Raises:
        InputError, ExportError, UnknownFormatError.
    """
    folder = check_output_dir(Path(output), inputs)
    exporters = [get_exporter(name) for name in (formats or exporter_names())]
    say = progress or (lambda message: None)
    timings: dict[str, float] = {}

    started = time.perf_counter()
    say("reading")
    corpus = load_corpus(inputs, encoding=encoding, reader=reader)
    timings["read"] = time.perf_counter() - started

    started = time.perf_counter()
    say("linking")
    linked = link_corpus(corpus)
    graph = build_graph(linked)
    timings["link"] = time.perf_counter() - started

    result = BuildResult(corpus, linked, graph, timings=timings)
    result.diagnostics = [*corpus.diagnostics, *linked.diagnostics]

    context = ExportContext(graph, base_iri=base_iri)
    if any(exporter.uses_layout for exporter in exporters):
        started = time.perf_counter()
        say("layout")
        context.layout  # noqa: B018 - computed once here so its time is measured apart
        timings["layout"] = time.perf_counter() - started
    for exporter in exporters:
        started = time.perf_counter()
        say(f"exporting {exporter.name}")
        files = exporter.generate(graph, context)
        for name, data in files.items():
            result.written.append((write_atomic(folder, name, data), len(data)))
        timings[f"export {exporter.name}"] = time.perf_counter() - started
    result.diagnostics.extend(context.diagnostics)
    return result
