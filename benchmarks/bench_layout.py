#!/usr/bin/env python3
"""Time the shared layout and the GraphML and GEXF exports.

    python benchmarks/bench_layout.py [--scale K ...] [--repeat R]

Prints one table row per input: the seeds, the sample corpus
(``tests/data/corpus/digests``) and, for each ``--scale K``, the K-times
corpus of ``benchmarks/scale_corpus.py`` (written once into
``benchmarks/scaled/``). Times are the best of ``--repeat`` runs, in seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import ensure_scaled  # noqa: E402

from papergraph.build import load_graph  # noqa: E402
from papergraph.exporters import ExportContext, get_exporter  # noqa: E402
from papergraph.layout import compute_layout  # noqa: E402

SEEDS = ROOT / "seeds"
CORPUS = ROOT / "tests" / "data" / "corpus" / "digests"


def best_of(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(name: str, inputs: list[Path], repeat: int) -> dict[str, object]:
    _, _, graph = load_graph(inputs)
    layout_seconds = best_of(repeat, lambda: compute_layout(graph))
    context = ExportContext(graph)
    context.layout  # noqa: B018 - computed once, outside the export timings
    row: dict[str, object] = {
        "input": name,
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "layout s": layout_seconds,
    }
    for exporter in ("graphml", "gexf"):
        generate = get_exporter(exporter).generate
        row[f"{exporter} s"] = best_of(repeat, lambda generate=generate: generate(graph, context))
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=int,
        action="append",
        default=[],
        metavar="K",
        help="also time the sample corpus read K times (repeatable)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the best is shown")
    args = parser.parse_args(argv)

    rows = [measure("seeds", [SEEDS], args.repeat), measure("corpus", [CORPUS], args.repeat)]
    for copies in args.scale:
        rows.append(measure(f"corpus x{copies}", [ensure_scaled(copies)], args.repeat))

    header = ["input", "nodes", "edges", "layout s", "graphml s", "gexf s"]
    print(" | ".join(f"{h:>11}" for h in header))
    print("-|-".join("-" * 11 for _ in header))
    for row in rows:
        print(" | ".join(f"{row[h]:>11.3f}" if isinstance(row[h], float) else f"{row[h]:>11}" for h in header))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
