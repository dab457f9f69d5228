"""papergraph: turn daily paper digests into a knowledge graph.

The pipeline is read → link → graph → export; :func:`papergraph.build.build`
runs all of it into an output folder::

    >>> from papergraph import load_corpus, link_corpus, build_graph
    >>> corpus = load_corpus(["seeds"])            # doctest: +SKIP
    >>> G = build_graph(link_corpus(corpus))        # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.2.0"

from .build import BuildResult, load_graph
from .errors import ExportError, InputError, PapergraphError, QueryError, UnknownFormatError
from .graph import Attr, EdgeKind, NodeKind, build_graph
from .linking import link_corpus
from .model import Corpus, Diagnostic, Document, Entry
from .pipeline import load_corpus

__all__ = [
    "Attr",
    "BuildResult",
    "Corpus",
    "Diagnostic",
    "Document",
    "EdgeKind",
    "Entry",
    "ExportError",
    "InputError",
    "NodeKind",
    "PapergraphError",
    "QueryError",
    "UnknownFormatError",
    "__version__",
    "build_graph",
    "link_corpus",
    "load_corpus",
    "load_graph",
]
