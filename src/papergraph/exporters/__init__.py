"""Exporters, one module per output format, behind a small registry.

An exporter is pure: :attr:`Exporter.generate` takes the graph and an
:class:`ExportContext` and returns ``{file name: content}``, where content is
bytes or an iterable of byte chunks (produced only as the file is written, so
big files stream). Writing the files
(atomically, into the output folder) is :func:`papergraph.build.build`'s job,
so every exporter gets atomic, deterministic output for free.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import networkx as nx

from ..errors import UnknownFormatError
from ..model import Diagnostic, InputSource

__all__ = [
    "DEFAULT_BASE_IRI",
    "EXPORTERS",
    "ExportContext",
    "Exporter",
    "default_exporter_names",
    "exporter_names",
    "get_exporter",
]

DEFAULT_BASE_IRI = "https://w3id.org/papergraph/id/"
T = TypeVar("T")


@dataclass
class ExportContext:
    """What exporters share during one build.

    ``layout`` is computed once, on first use (or given as ``positions``),
    so the GraphML, GEXF and HTML views of one build show the same picture.
    """

    G: nx.MultiDiGraph
    base_iri: str = DEFAULT_BASE_IRI
    title: str = "papergraph"
    diagnostics: list[Diagnostic] = field(default_factory=list)
    positions: dict[Hashable, tuple[float, float]] | None = None
    license: str | None = None
    """The licence of the data (``build --license``), for the RDF dataset description."""
    sources: tuple[InputSource, ...] = ()
    """Each input as given to the build, for the RDF's provenance and TriG's named graphs."""
    _shared: dict[str, object] = field(default_factory=dict, repr=False)

    def shared(self, name: str, make: Callable[[], T]) -> T:
        """``make()``, computed once per context: for work that exporters of one
        ``group`` (GraphML and GEXF) have in common."""
        if name not in self._shared:
            self._shared[name] = make()
        return self._shared[name]  # type: ignore[return-value]

    @property
    def layout(self) -> dict[Hashable, tuple[float, float]]:
        if self.positions is None:
            from ..layout import compute_layout  # numpy: imported only when a layout is needed

            self.positions = compute_layout(self.G)
        return self.positions

    def diagnose(self, path: str, line: int, message: str, code: str = "export") -> None:
        self.diagnostics.append(Diagnostic(path, line, message, code))


@dataclass(frozen=True)
class Exporter:
    name: str
    description: str
    files: tuple[str, ...]
    generate: Callable[[nx.MultiDiGraph, ExportContext], Mapping[str, bytes | Iterable[bytes]]]
    uses_layout: bool = False
    group: str | None = None
    """Exporters of one group run in one process with one context, so they can
    share work through :meth:`ExportContext.shared`."""


# name -> module defining EXPORTER; the order is the order of `papergraph build`.
# Modules are imported only when their exporter is used, so commands that do
# not export (and up-to-date builds) never pay for rdflib or pyvis.
_MODULES = {
    "rdf": "papergraph.exporters.rdf",
    "graphml": "papergraph.exporters.graphml",
    "gexf": "papergraph.exporters.gexf",
    "projections": "papergraph.exporters.projections",
    "html": "papergraph.exporters.html",
    "trig": "papergraph.exporters.trig",
}


class _Registry(Mapping[str, Exporter]):
    def __getitem__(self, name: str) -> Exporter:
        return importlib.import_module(_MODULES[name]).EXPORTER

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


EXPORTERS: Mapping[str, Exporter] = _Registry()


def exporter_names() -> list[str]:
    return list(EXPORTERS)


# Exporters written only when asked for by name (``build -f trig``).
OPTIONAL = frozenset({"trig"})


def default_exporter_names() -> list[str]:
    """The exporters a build runs when no format is named: all but the optional ones."""
    return [name for name in _MODULES if name not in OPTIONAL]


def get_exporter(name: str) -> Exporter:
    """The exporter called ``name``.

    Raises:
        UnknownFormatError: no such exporter; the message lists the known ones.
    """
    if name not in exporter_names():
        raise UnknownFormatError(f"unknown export format {name!r}; available: {', '.join(EXPORTERS) or 'none'}")
    return EXPORTERS[name]
