#!/usr/bin/env python3
"""Reading and linking hostile-sized inputs: time proportional to size, memory to content.

    python benchmarks/bench_inputs.py [--scale 1.0]

Each case runs in a fresh process (``load_corpus`` then ``link_corpus``, no
export) at two sizes, so the table shows whether time grows linearly:

* ``one long line``: a digest whose commentary is one line of arXiv links
  with labels (``Name (https://arxiv.org/abs/…)``), 200,000 links in 50 MB at
  full size;
* ``big digest``: one digest of many ordinary entries, 200 MB at full size;
* ``small files``: 100,000 files of one short entry each at full size.

Columns: input MB, seconds (read + link), MB/s, peak RSS of the process (MB),
and for the full size the ratio of its time to the half size's (2.0 = linear).
``--scale`` shrinks every case (0.1 for a quick look).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ENTRY = """Paper Number {n}: Scaling Something Large
(Ada Lovelace, Alan Turing, Grace Hopper)
https://arxiv.org/abs/2301.{id:05d}
We study scaling laws for models of many sizes and report results on many benchmarks.
이 논문은 LM-Infinite (https://arxiv.org/abs/2308.16137) 와 비교해서 흥미로운 결과를 보여준다.
#scaling #llm
"""


def write_long_line(folder: Path, megabytes: float) -> int:
    link = "Model{n} (https://arxiv.org/abs/2301.{id:05d}) "
    size, parts, n = 0, [], 0
    limit = int(megabytes * 1_000_000)
    while size < limit:
        part = link.format(n=n, id=n % 100_000)
        parts.append(part)
        size += len(part)
        n += 1
    text = "2024년 1월 2일\nA Survey of Everything\n(Ada Lovelace)\n" + "".join(parts) + "\n#survey\n"
    (folder / "long.txt").write_text(text, encoding="utf-8")
    return n


def write_big_digest(folder: Path, megabytes: float) -> int:
    limit = int(megabytes * 1_000_000)
    parts, size, n = ["2024년 1월 2일\n"], 0, 0
    while size < limit:
        part = ENTRY.format(n=n, id=n % 100_000)
        parts.append(part)
        size += len(part.encode())
        n += 1
    (folder / "big.txt").write_text("".join(parts), encoding="utf-8")
    return n


def write_small_files(folder: Path, count: int) -> int:
    for n in range(count):
        sub = folder / f"{n // 1000:03d}"
        sub.mkdir(exist_ok=True)
        day = 1 + n % 28
        (sub / f"{n}.txt").write_text(f"2024년 1월 {day}일\n" + ENTRY.format(n=n, id=n % 100_000), encoding="utf-8")
    return count


def child(folder: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from papergraph.linking import link_corpus
    from papergraph.pipeline import load_corpus

    started = time.perf_counter()
    corpus = load_corpus([folder])
    linked = link_corpus(corpus)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "entries": len(corpus.entries), "notes": len(linked.notes)}))


def measure(folder: Path) -> dict:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", str(folder)], check=True, capture_output=True, text=True
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["mb"] = sum(p.stat().st_size for p in folder.rglob("*.txt")) / 1e6
    return result


CASES = {
    "one long line": (write_long_line, 50.0, "links"),
    "big digest": (write_big_digest, 200.0, "entries"),
    "small files": (write_small_files, 100_000, "files"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    rows = [("case", "size", "input MB", "seconds", "MB/s", "peak MB", "time ratio")]
    for name, (write, full, unit) in CASES.items():
        previous = None
        for fraction in (0.5, 1.0):
            amount = full * fraction * args.scale
            folder = Path(tempfile.mkdtemp(prefix="pg-bench-inputs-"))
            try:
                count = write(folder, int(amount) if unit == "files" else amount)
                result = measure(folder)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            ratio = f"{result['seconds'] / previous:.2f}" if previous else "-"
            previous = result["seconds"]
            rows.append(
                (
                    name,
                    f"{count:,} {unit}",
                    f"{result['mb']:.1f}",
                    f"{result['seconds']:.2f}",
                    f"{result['mb'] / result['seconds']:.1f}",
                    f"{result['peak_mb']:.0f}",
                    ratio,
                )
            )
            print(f"... {name} {count:,} {unit}: {result['seconds']:.2f}s", file=sys.stderr)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
        if index == 0:
            print("-" * (sum(widths) + 2 * (len(widths) - 1)))


if __name__ == "__main__":
    main()
