#!/usr/bin/env python3
"""Time the RDF export and every named query with the default engine.

    python benchmarks/bench_queries.py [--scales 1,10] [--repeat 3] [--engine oxigraph]

Two tables:

* the RDF export (mapping the graph to RDF, then writing Turtle, N-Triples
  and JSON-LD) for the seeds, the sample corpus (scale 1) and scaled corpora
  (scale N, written once into ``benchmarks/scaled/`` by
  ``benchmarks/scale_corpus.py``), best of ``--repeat`` runs;
* every named query on the ``graph.ttl`` of each scale: the load time, then
  the median of ``--repeat`` runs per query and its row count. The target is
  under one second per query on the sample corpus; the script exits 1 if a
  query misses it there.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from papergraph.analysis import analyse  # noqa: E402
from papergraph.build import load_graph  # noqa: E402
from papergraph.exporters import DEFAULT_BASE_IRI  # noqa: E402
from papergraph.exporters.rdf import instance_prefixes, to_rdf  # noqa: E402
from papergraph.query import named_queries, open_dataset  # noqa: E402
from papergraph.rdfwriter import generate_jsonld, generate_ntriples, generate_turtle, paused_gc  # noqa: E402

SEEDS = ROOT / "seeds"
SAMPLE = ROOT / "tests" / "data" / "corpus" / "digests"
SCALED = ROOT / "benchmarks" / "scaled"
TARGET_SECONDS = 1.0


def corpus_for(scale: int) -> Path:
    if scale == 1:
        return SAMPLE
    folder = SCALED / f"x{scale}"
    if not folder.exists():
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "scale_corpus.py"), str(scale), str(folder)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return folder


def best(fn, repeat: int) -> tuple[float, object]:
    """Best time of ``repeat`` runs, with the garbage collector paused as the exporter does."""
    times, value = [], None
    for _ in range(repeat):
        value = None
        started = time.perf_counter()
        with paused_gc():
            value = fn()
        times.append(time.perf_counter() - started)
    return min(times), value


def time_export(source: Path, out: Path, repeat: int) -> dict[str, float]:
    _, _, graph = load_graph([source])
    analyse(graph)  # as a build does: the topics query reads the communities
    base = DEFAULT_BASE_IRI
    prefixes = instance_prefixes(base)
    mapped, rdf = best(lambda: to_rdf(graph, base_iri=base), repeat)
    turtle, ttl = best(lambda: generate_turtle(rdf, prefixes=prefixes, base=base), repeat)
    ntriples, _ = best(lambda: generate_ntriples(rdf), repeat)
    jsonld, _ = best(lambda: generate_jsonld(rdf, prefixes=(*prefixes, ("pgid", base))), repeat)
    out.write_bytes(ttl)
    return {
        "triples": len(rdf),
        "to_rdf": mapped,
        "turtle": turtle,
        "ntriples": ntriples,
        "jsonld": jsonld,
        "total": mapped + turtle + ntriples + jsonld,
        "MB": len(ttl) / 1e6,
    }


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10", help="corpus scales to run (1 = the sample corpus)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine", default="oxigraph", choices=["oxigraph", "rdflib"])
    args = parser.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",") if s]

    inputs = [("seeds", SEEDS)] + [(f"sample x{s}" if s > 1 else "sample", corpus_for(s)) for s in scales]
    exports: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        graphs = {}
        for label, source in inputs:
            graphs[label] = Path(tmp) / f"{label.replace(' ', '-')}.ttl"
            exports[label] = time_export(source, graphs[label], args.repeat)
        print(f"RDF export (best of {args.repeat}, seconds)\n")
        print(
            table(
                ["input", "triples", "to_rdf", "turtle", "ntriples", "jsonld", "total", "graph.ttl MB"],
                [
                    [
                        label,
                        f"{e['triples']:,}",
                        f"{e['to_rdf']:.3f}",
                        f"{e['turtle']:.3f}",
                        f"{e['ntriples']:.3f}",
                        f"{e['jsonld']:.3f}",
                        f"{e['total']:.3f}",
                        f"{e['MB']:.1f}",
                    ]
                    for label, e in exports.items()
                ],
            )
        )

        query_inputs = [label for label, _ in inputs if label != "seeds"]
        loads, results = {}, {}
        for label in query_inputs:
            started = time.perf_counter()
            data = open_dataset(graphs[label], args.engine)
            loads[label] = time.perf_counter() - started
            for name, query in named_queries().items():
                times, size = [], 0
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    answer = data.query(query.bind())
                    times.append(time.perf_counter() - started)
                    size = len(answer.rows) + len(answer.triples) + (answer.boolean is not None)
                results[(label, name)] = (statistics.median(times), size)

    print(
        f"\nNamed queries, engine {args.engine} (median of {args.repeat}, seconds; "
        f"target < {TARGET_SECONDS:g} s on the sample)\n"
    )
    header = ["query"] + [f"{label} s" for label in query_inputs] + [f"{label} rows" for label in query_inputs]
    rows = [["(load graph.ttl)"] + [f"{loads[label]:.3f}" for label in query_inputs] + [""] * len(query_inputs)]
    slow = []
    for name in named_queries():
        cells = [name]
        cells += [f"{results[(label, name)][0]:.3f}" for label in query_inputs]
        cells += [str(results[(label, name)][1]) for label in query_inputs]
        rows.append(cells)
        if "sample" in query_inputs and results[("sample", name)][0] >= TARGET_SECONDS:
            slow.append(name)
    print(table(header, rows))
    if "sample" in query_inputs:
        slowest = max(results[("sample", name)][0] for name in named_queries())
        print(
            f"\nslowest named query on the sample: {slowest:.3f} s; "
            + ("all under 1 s" if not slow else f"over 1 s: {', '.join(slow)}")
        )
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
