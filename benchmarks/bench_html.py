#!/usr/bin/env python3
"""Size and generation time of the HTML explorer page (and, optionally, its load time).

    python benchmarks/bench_html.py [--scales 1,10] [--repeat 1] [--htmlcheck PATH] [--keep DIR]

One row per input: the seeds, the sample corpus (scale 1) and the corpora
written by ``benchmarks/scale_corpus.py`` (scale N, kept in
``benchmarks/scaled/``). Columns: graph size, the time to generate
``graph.html`` (best of ``--repeat``; the shared layout is computed once
beforehand and shown apart), the page size in MB and in MB per 1,000 notes.

With ``--htmlcheck ../shared/tools/htmlcheck`` each page is also opened in
headless Chromium, offline: ``ready_ms`` (navigation to first draw),
``redraw_ms`` (one full redraw at the initial zoom), attempted network
requests and JS errors.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import ensure_scaled  # noqa: E402  (benchmarks/run.py: the shared corpus scaler)

from papergraph.build import load_graph  # noqa: E402
from papergraph.exporters import ExportContext  # noqa: E402
from papergraph.exporters.html import generate_html_files  # noqa: E402
from papergraph.graph import graph_summary  # noqa: E402

SEEDS = ROOT / "seeds"


def measure(name: str, source: Path, repeat: int, htmlcheck: str | None, keep: Path) -> dict[str, object]:
    _, _, graph = load_graph([source])
    context = ExportContext(graph)
    started = time.perf_counter()
    context.layout  # noqa: B018 - computed once, outside the page timing
    layout_s = time.perf_counter() - started
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        page = generate_html_files(graph, context)["graph.html"]
        times.append(time.perf_counter() - started)
    notes = graph_summary(graph)["nodes"]["note"]
    path = keep / name / "graph.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(page)
    row: dict[str, object] = {
        "input": name,
        "notes": notes,
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "layout_s": round(layout_s, 2),
        "html_s": round(min(times), 2),
        "MB": round(len(page) / 1e6, 2),
        "MB/1k notes": round(len(page) / 1e6 / notes * 1000, 2) if notes else None,
    }
    if htmlcheck:
        result = subprocess.run([htmlcheck, str(path)], capture_output=True, text=True)
        report = json.loads(result.stdout.strip().splitlines()[-1])
        row.update(
            {
                "ready_ms": report.get("ready_ms"),
                "redraw_ms": report.get("redraw_ms"),
                "page nodes": report.get("nodes"),
                "page edges": report.get("edges"),
                "requests": report.get("network_requests"),
                "errors": len(report.get("console_errors", [])) + len(report.get("page_errors", [])),
            }
        )
    return row


def format_table(rows: list[dict[str, object]]) -> str:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    cells = [columns] + [
        ["" if row.get(c) is None else f"{row[c]:,}" if isinstance(row.get(c), int) else str(row[c]) for c in columns]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join(
        "  ".join(cell.rjust(width) if i else cell.ljust(width) for i, (cell, width) in enumerate(zip(line, widths)))
        for line in cells
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10", help="comma-separated corpus scales (default: 1,10)")
    parser.add_argument("--repeat", type=int, default=1, help="generate each page this many times, keep the best")
    parser.add_argument("--htmlcheck", metavar="PATH", help="also open each page with this htmlcheck")
    parser.add_argument("--keep", type=Path, help="write the pages into this folder (default: a temporary one)")
    args = parser.parse_args(argv)
    inputs = [("seeds", SEEDS)] + [(f"corpus x{s}", ensure_scaled(int(s))) for s in args.scales.split(",") if s]
    with tempfile.TemporaryDirectory(prefix="bench-html-") as temporary:
        keep = args.keep or Path(temporary)
        rows = [measure(name.replace(" ", "-"), source, args.repeat, args.htmlcheck, keep) for name, source in inputs]
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
