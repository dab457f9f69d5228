"""The one exception hierarchy papergraph raises.

The library raises these; only the CLI turns them into ``Error: ...`` lines
and exit codes. Recoverable problems in the *input* are not exceptions but
:class:`papergraph.model.Diagnostic` records, so one bad line never stops a
build.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Diagnostic

__all__ = [
    "ExportError",
    "InputError",
    "NoEntriesError",
    "OutputLockedError",
    "PapergraphError",
    "QueryError",
    "UnknownFormatError",
]


class PapergraphError(Exception):
    """Base class of every error papergraph raises on purpose."""


class InputError(PapergraphError):
    """The user's input cannot be used at all (missing path, empty folder, ...)."""


class NoEntriesError(InputError):
    """The inputs gave no entry at all, so a build would only replace good outputs by an empty graph.

    ``diagnostics`` says why each file gave nothing.
    """

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()):
        super().__init__(message)
        self.diagnostics = tuple(diagnostics)


class ExportError(PapergraphError):
    """An output file could not be written."""


class OutputLockedError(ExportError):
    """Another build holds the output folder's lock."""


class UnknownFormatError(PapergraphError):
    """A format name that no registry knows."""


class QueryError(PapergraphError):
    """A SPARQL query that cannot be parsed or evaluated.

    ``line`` and ``column`` are 1-based positions in the query text when the
    engine reports them.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.line = line
        self.column = column
        where = f"{line}:{column}: " if line is not None and column is not None else ""
        super().__init__(f"{where}{message}")
