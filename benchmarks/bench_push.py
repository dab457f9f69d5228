#!/usr/bin/env python3
"""Time `papergraph push` into a real Oxigraph server, and measure its peak memory.

    python benchmarks/bench_push.py [--scales 1,10] [--chunk-mb 4]

For each scale (1 = the 774-entry sample; N = N× the sample, written by
``scale_corpus.py``) it builds the RDF export once, starts ``oxigraph serve``
on a free loopback port with an empty store, runs ``papergraph push OUTDIR
URL/store`` twice (the second push must leave one copy) and prints per push
the wall time and the push process's peak RSS, and the triple count the
server holds (through its SPARQL endpoint) against the lines of graph.nt.
Memory is flat when the peak RSS does not grow with the size of graph.nt.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import ensure_scaled  # noqa: E402

from papergraph.serve import find_oxigraph  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _count(url: str) -> int | None:
    query = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    request = urllib.request.Request(
        f"{url}/query?query={query}", headers={"Accept": "application/sparql-results+json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=600) as answer:
            return int(json.load(answer)["results"]["bindings"][0]["n"]["value"])
    except OSError:
        return None


def _push(outdir: Path, url: str, chunk_mb: int) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `papergraph push` process."""
    command = [sys.executable, "-m", "papergraph", "push", str(outdir), f"{url}/store", "-q"]
    command += ["--chunk-size", str(chunk_mb)]
    started = time.perf_counter()
    process = subprocess.Popen(command, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"push failed with status {status}")
    return seconds, usage.ru_maxrss / 1024


def measure(scale: int, work: Path, chunk_mb: int) -> dict:
    corpus = ensure_scaled(scale)
    outdir = work / f"x{scale}"
    # In a child: this process must stay small, since a child's peak RSS
    # counts the memory of the process it was forked from.
    subprocess.run(
        [sys.executable, "-m", "papergraph", "build", str(corpus), "-o", str(outdir), "-f", "rdf", "-q", "--no-cache"],
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    graph = outdir / "graph.nt"
    lines = sum(1 for line in graph.open("rb") if line.strip())
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [find_oxigraph(), "serve", "--location", str(work / f"store{scale}"), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _count(url) is None:
            if time.monotonic() > deadline:
                raise SystemExit("the oxigraph server did not start")
            time.sleep(0.05)
        first = _push(outdir, url, chunk_mb)
        after_first = _count(url)
        second = _push(outdir, url, chunk_mb)
        after_second = _count(url)
    finally:
        server.terminate()
        server.wait(30)
    return {
        "scale": scale,
        "mb": graph.stat().st_size / 1e6,
        "triples": lines,
        "first": first,
        "second": second,
        "held": (after_first, after_second),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--chunk-mb", type=int, default=4)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-push-") as folder:
        for scale in (int(s) for s in args.scales.split(",")):
            rows.append(measure(scale, Path(folder), args.chunk_mb))
    print("scale  graph.nt    triples    push 1          push 2          server holds")
    ok = True
    for row in rows:
        (t1, m1), (t2, m2) = row["first"], row["second"]
        held = row["held"]
        ok &= held == (row["triples"], row["triples"])
        print(
            f"x{row['scale']:<5} {row['mb']:>7.1f} MB  {row['triples']:>9,}  "
            f"{t1:5.2f} s {m1:5.0f} MB  {t2:5.2f} s {m2:5.0f} MB  {held[0]:,} / {held[1]:,}"
        )
    print(
        f"this process (which forks the pushes): peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
