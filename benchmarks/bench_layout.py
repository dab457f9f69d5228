#!/usr/bin/env python3
"""Time the shared layout and the GraphML and GEXF exports.

    python benchmarks/bench_layout.py [--scale K ...] [--repeat R]

Prints one table row per input: the seeds, the sample corpus
(``tests/data/corpus/digests``) and, for each ``--scale K``, the sample
corpus read K times in a temporary folder with the years shifted and the
titles made unique per copy (the authors, tags and links stay shared, as they
would in a longer reading history). Times are the best of ``--repeat`` runs,
in seconds.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from papergraph.build import load_graph  # noqa: E402
from papergraph.exporters import ExportContext, get_exporter  # noqa: E402
from papergraph.layout import compute_layout  # noqa: E402
from papergraph.pipeline import load_corpus  # noqa: E402

SEEDS = ROOT / "seeds"
CORPUS = ROOT / "tests" / "data" / "corpus" / "digests"
YEAR = re.compile(r"^(\d{4})년")


def write_scaled_corpus(source: Path, target: Path, copies: int) -> None:
    """Write ``copies`` copies of the digests under ``source`` into ``target``.

    Copy *k* shifts every digest's year by *k*·10 and appends `` [k]`` to
    each entry's title lines (found with papergraph's own reader), so each
    copy adds new digests, notes and items. Not a corpus generator: just
    enough to time the layout and the exports on bigger graphs.
    """
    corpus = load_corpus([source])
    titles = {document.relpath: {line for entry in document.entries for line in entry.title_lines}
              for document in corpus.documents}
    for path in sorted(source.rglob("*.txt")):
        relpath = path.relative_to(source).as_posix()
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        for copy in range(copies):
            shifted = []
            for number, line in enumerate(lines, start=1):
                if copy and number == 1:
                    line = YEAR.sub(lambda m: f"{int(m.group(1)) + 10 * copy}년", line)
                if copy and number in titles.get(relpath, ()):
                    line = f"{line} [{copy}]"
                shifted.append(line)
            out = target / f"copy{copy:02d}" / relpath
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text("\n".join(shifted) + "\n", encoding="utf-8")


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
        row[f"{exporter} s"] = best_of(repeat, lambda: generate(graph, context))
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, action="append", default=[], metavar="K",
                        help="also time the sample corpus read K times (repeatable)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the best is shown")
    args = parser.parse_args(argv)

    rows = [measure("seeds", [SEEDS], args.repeat), measure("corpus", [CORPUS], args.repeat)]
    for copies in args.scale:
        with tempfile.TemporaryDirectory() as folder:
            write_scaled_corpus(CORPUS, Path(folder), copies)
            rows.append(measure(f"corpus x{copies}", [Path(folder)], args.repeat))

    header = ["input", "nodes", "edges", "layout s", "graphml s", "gexf s"]
    print(" | ".join(f"{h:>11}" for h in header))
    print("-|-".join("-" * 11 for _ in header))
    for row in rows:
        print(" | ".join(f"{row[h]:>11.3f}" if isinstance(row[h], float) else f"{row[h]:>11}" for h in header))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
