#!/usr/bin/env python3
"""papergraph's benchmark: one command, one table.

    python benchmarks/run.py [--scales 1,10] [--jobs 2] [--rebuilds 5]

For the seeds, the sample corpus (scale 1) and scaled corpora written by
``benchmarks/scale_corpus.py`` (scale N), it measures, each in a fresh
process:

* a cold build with every export: wall time and peak RSS after each stage
  (read, link, layout, each export);
* ``papergraph build`` again with nothing changed (wall time of the whole
  command, interpreter start included; the median of ``--rebuilds`` runs);
* ``papergraph build`` after changing one digest (same; each run changes it).

Scaled corpora are written to ``benchmarks/scaled/`` (git-ignored) once.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "corpus" / "digests"
SCALED = ROOT / "benchmarks" / "scaled"
PAPERGRAPH = [sys.executable, "-m", "papergraph"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc (Linux)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


class TreePeak:
    """Samples the memory of this process and its workers every 20 ms; keeps the peak."""

    def __init__(self) -> None:
        import threading

        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _tree_rss_mb(os.getpid()))

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _children_peak_mb() -> float:
    """The peak RSS of the largest finished child (the export workers)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def child(inputs: list[str], output: str, jobs: int | None) -> None:
    """Run one cold build in this process and print its stages as JSON."""
    sys.path.insert(0, str(ROOT / "src"))
    from papergraph.build import build

    peaks: dict[str, float] = {}
    current: list[str] = []

    def progress(message: str) -> None:
        # the peak so far, read when the next stage starts, is the peak of the stage that ends
        if current:
            peaks[current[0]] = _peak_mb()
        current[:] = [message]

    started = time.perf_counter()
    with TreePeak() as tree:
        result = build(inputs, output, jobs=jobs, cache=False, progress=progress)
    total = time.perf_counter() - started
    if current:
        peaks[current[0]] = _peak_mb()
    print(
        json.dumps(
            {
                "timings": result.timings,
                "peak_mb": _peak_mb(),
                "worker_peak_mb": _children_peak_mb(),
                "tree_peak_mb": tree.peak,
                "jobs": jobs,
                "stage_peaks": peaks,
                "total_s": total,
                "nodes": sum(result.summary["nodes"].values()),
                "edges": sum(result.summary["edges"].values()),
                "entries": result.entries,
                "bytes": {p.name: size for p, size in result.written},
            }
        )
    )


def _wall(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - started


def measure(name: str, inputs: Path, jobs: int, work: Path, rebuilds: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = work / f"out-{name}"
    shutil.rmtree(out, ignore_errors=True)
    completed = subprocess.run(
        [sys.executable, __file__, "--child", str(inputs), str(out), "--jobs", str(jobs)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    cold = json.loads(completed.stdout.strip().splitlines()[-1])
    # warm the cache with a normal build, then measure the two rebuilds
    copy = work / f"in-{name}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(inputs, copy)
    warm_out = work / f"warm-{name}"
    shutil.rmtree(warm_out, ignore_errors=True)
    command = [*PAPERGRAPH, "build", str(copy), "-o", str(warm_out), "-q", "-j", str(jobs)]
    first_wall = _wall(command, env)
    unchanged = statistics.median(_wall(command, env) for _ in range(rebuilds))
    victim = sorted(copy.rglob("*.txt"))[len(list(copy.rglob("*.txt"))) // 2]
    original = victim.read_text(encoding="utf-8")
    edited = original.replace("\n#", "\n#benchmark-edit #", 1)
    one_changed = []
    for run in range(rebuilds):  # the edit, then back: every run changes one digest
        victim.write_text(edited if run % 2 == 0 else original, encoding="utf-8")
        one_changed.append(_wall(command, env))
    cold.update(
        {
            "cold_cli_s": first_wall,
            "unchanged_s": unchanged,
            "one_changed_s": statistics.median(one_changed),
            "one_changed_max_s": max(one_changed),
        }
    )
    return cold


def ensure_scaled(scale: int) -> Path:
    if scale == 1:
        return SAMPLE
    target = SCALED / f"x{scale}"
    stamp = target / ".complete"
    if not stamp.exists():
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "scale_corpus.py"), str(scale), str(target)], check=True
        )
        stamp.write_text("ok", encoding="utf-8")
    return target


def _align(table: list[list[str]]) -> str:
    header = table[0]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = [
        "  ".join(cell.rjust(widths[i]) if i else cell.ljust(widths[i]) for i, cell in enumerate(r)) for r in table
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def format_tables(rows: list[tuple[str, dict]]) -> str:
    stages: list[str] = []
    for _, row in rows:
        stages += [stage for stage in row["timings"] if stage not in stages]
    times = [
        [
            "corpus",
            "entries",
            "nodes",
            "edges",
            *stages,
            "cold total",
            "cold CLI",
            "no change",
            "1 changed",
            "1 changed max",
        ]
    ]
    peaks = [["corpus", "read", "link", "layout", "main MB", "worker MB", "all processes MB"]]
    for name, row in rows:
        times.append(
            [
                name,
                str(row["entries"]),
                str(row["nodes"]),
                str(row["edges"]),
                *(f"{row['timings'][s]:.2f}s" if s in row["timings"] else "-" for s in stages),
                f"{row['total_s']:.2f}s",
                f"{row['cold_cli_s']:.2f}s",
                f"{row['unchanged_s']:.2f}s",
                f"{row['one_changed_s']:.2f}s",
                f"{row['one_changed_max_s']:.2f}s",
            ]
        )
        by_stage = {k.replace("reading", "read").replace("linking", "link"): v for k, v in row["stage_peaks"].items()}
        workers = row["worker_peak_mb"]
        together = max(row["tree_peak_mb"], row["peak_mb"])
        peaks.append(
            [
                name,
                *(f"{by_stage[s]:.0f}" if s in by_stage else "-" for s in ("read", "link", "layout")),
                f"{row['peak_mb']:.0f}",
                f"{workers:.0f}" if workers else "-",
                f"{together:.0f}",
            ]
        )
    note = (
        "main MB: peak RSS of the build process; worker MB: peak of the largest export worker; "
        "all processes MB: the peak of their sum, sampled every 20 ms"
    )
    return "wall time\n" + _align(times) + "\n\npeak RSS (MB)\n" + _align(peaks) + "\n" + note


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10", help="comma-separated corpus scales (1 = the sample)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-seeds", action="store_true")
    parser.add_argument(
        "--rebuilds",
        type=int,
        default=5,
        help="rebuilds timed per corpus for 'no change' and '1 changed' (the median is shown)",
    )
    parser.add_argument("--child", nargs=2, metavar=("INPUT", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child([args.child[0]], args.child[1], args.jobs)
        return 0
    # Measure papergraph as installed: compiled to bytecode (PYTHONDONTWRITEBYTECODE would
    # otherwise make every run compile every module again).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="papergraph-bench-") as scratch:
        work = Path(scratch)
        corpora = [] if args.no_seeds else [("seeds", ROOT / "seeds")]
        corpora += [(f"sample x{s}" if s > 1 else "sample", ensure_scaled(s)) for s in map(int, args.scales.split(","))]
        for name, path in corpora:
            print(f"... {name}", file=sys.stderr, flush=True)
            rebuilds = args.rebuilds if "x100" not in name else min(args.rebuilds, 3)
            rows.append((name, measure(name.replace(" ", "-"), path, args.jobs, work, rebuilds)))
    print(format_tables(rows))
    print("\nstage times are in-process wall times of a cold build (no cache); 'cold CLI', 'no change' and")
    print("'1 changed' are wall times of the whole `papergraph build` command, interpreter start included")
    print("(medians of --rebuilds runs; '1 changed max' is the slowest of them).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
