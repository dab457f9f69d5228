#!/usr/bin/env python3
"""Stream a synthetic arXiv metadata snapshot: time and peak memory.

    python benchmarks/bench_arxiv_metadata.py [--size-mb 1024] [--wanted 5000] [--gzip] [--keep PATH]

Writes a snapshot of ``--size-mb`` MB (default 1 GB) in the format of the
public arXiv metadata snapshot: one JSON object per line, ``id`` first, with
a long abstract, ``authors_parsed`` and ``versions`` like the real lines
(about 1.3 KB each). ``--wanted`` ids spread over the file are the ones the
graph needs, as for a build's cited and noted papers. A fresh ``python``
process then reads it with :func:`papergraph.arxiv_metadata.read_arxiv_metadata`
and reports its wall time and peak resident memory (``ru_maxrss``, imports
included). The issue asks for at most 300 MB and 30 s on 1 GB.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

READER = """
import resource, sys, time
sys.path.insert(0, {src!r})
started = time.perf_counter()
from papergraph.arxiv_metadata import read_arxiv_metadata
wanted = set(open(sys.argv[2]).read().split())
metadata = read_arxiv_metadata([sys.argv[1]], wanted)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(len(metadata.records), metadata.lines, len(metadata.diagnostics), round(seconds, 2), round(peak, 1))
"""

ABSTRACT = (
    "We study the scaling behaviour of generative models trained on mixed-modal data, covering text, images, "
    "speech and code, and derive laws that predict the loss of a model from its size and the amount of data. "
) * 5


def snapshot_line(number: int) -> str:
    year, rest = divmod(number, 99_999)
    arxiv_id = f"{15 + year % 10:02d}{1 + rest % 12:02d}.{rest:05d}"
    authors = [[f"Surname{number % 997}", f"Given{k}", ""] for k in range(1 + number % 8)]
    return json.dumps(
        {
            "id": arxiv_id,
            "submitter": "Given0 Surname",
            "authors": ", ".join(f"{a[1]} {a[0]}" for a in authors),
            "title": f"A Synthetic Study of Things, Part {number}",
            "comments": "12 pages, 4 figures",
            "journal-ref": None,
            "doi": None,
            "report-no": None,
            "categories": "cs.CL cs.LG",
            "license": "http://creativecommons.org/licenses/by/4.0/",
            "abstract": ABSTRACT,
            "versions": [{"version": "v1", "created": "Tue, 10 Jan 2023 00:20:06 GMT"}],
            "update_date": "2023-01-11",
            "authors_parsed": authors,
        }
    )


def write_snapshot(path: Path, size: int, wanted_count: int, compress: bool) -> list[str]:
    """Write lines until ``size`` bytes; return every n-th id as the wanted ones."""
    opener = gzip.open if compress else open
    written = 0
    ids = []
    with opener(path, "wt", encoding="utf-8") as stream:  # type: ignore[operator]
        number = 0
        while written < size:
            line = snapshot_line(number) + "\n"
            stream.write(line)
            written += len(line.encode())
            ids.append(json.loads(line)["id"]) if number % 20 == 0 else None
            number += 1
    step = max(1, len(ids) // wanted_count)
    return ids[::step][:wanted_count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--wanted", type=int, default=5000)
    parser.add_argument("--gzip", action="store_true", help="write and read the snapshot gzip-compressed")
    parser.add_argument("--keep", type=Path, help="write the snapshot here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = args.keep or Path(scratch) / ("snapshot.jsonl.gz" if args.gzip else "snapshot.jsonl")
        started = time.perf_counter()
        wanted = write_snapshot(path, args.size_mb * 1024 * 1024, args.wanted, args.gzip)
        print(f"wrote {path.stat().st_size / 1e6:,.0f} MB on disk in {time.perf_counter() - started:.1f} s")
        ids = Path(scratch) / "wanted.txt"
        ids.write_text("\n".join(wanted))
        out = subprocess.run(
            [sys.executable, "-c", READER.format(src=str(ROOT / "src")), str(path), str(ids)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        kept, lines, problems, seconds, peak = out
        print(f"read {int(lines):,} lines, kept {int(kept):,} of {len(wanted):,} wanted ids, {problems} diagnostics")
        print(f"time {seconds} s, peak memory {peak} MB (limits: 30 s, 300 MB)")


if __name__ == "__main__":
    main()
