#!/usr/bin/env python3
"""Time reading and linking the note vault, next to obsidiantools.

    python benchmarks/bench_vault.py [--copies K ...] [--repeat R] [--obsidian-python PY]

Inputs: the 774-note vault sample (``tests/data/corpus/vault``) with its 265
digests, and for each ``--copies K`` (default 5) the same K times over in a
temporary folder (copy k > 1 renames every note ``… (k).md``, so note names
stay unique, as obsidiantools needs; the wiki-links keep pointing at the
first copy's names).

For papergraph it prints, best of ``--repeat`` runs, in seconds:

* ``parse``: the readers alone on texts already in memory (the parsing time);
* ``read``: finding, reading, decoding and parsing the files (``load_corpus``);
* ``link`` and ``graph``: identities, wiki-links, and the networkx graph;
* ``wall``: a fresh ``python`` process doing read + link + graph, imports included.

obsidiantools (https://github.com/mfarragher/obsidiantools) is timed as a
fresh process running ``Vault(path).connect().gather()`` (its documented
way to read a vault into a networkx graph), for the vault alone. It is not a
dependency of papergraph: install it into a throwaway environment and point
``--obsidian-python`` at that interpreter (default ``/tmp/obsvenv/bin/python``)::

    python3 -m venv /tmp/obsvenv && /tmp/obsvenv/bin/pip install obsidiantools

Without it, its rows are skipped.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from papergraph.graph import build_graph  # noqa: E402
from papergraph.linking import link_corpus  # noqa: E402
from papergraph.parsers import READERS, detect_reader  # noqa: E402
from papergraph.pipeline import decode, find_inputs, load_corpus  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "corpus"
OBSIDIAN_PYTHON = Path("/tmp/obsvenv/bin/python")

PAPERGRAPH_WALL = """
import sys, time
sys.path.insert(0, {src!r})
started = time.perf_counter()
from papergraph.graph import build_graph
from papergraph.linking import link_corpus
from papergraph.pipeline import load_corpus
G = build_graph(link_corpus(load_corpus(sys.argv[1:])))
print(G.number_of_nodes(), G.number_of_edges(), time.perf_counter() - started)
"""

OBSIDIAN_WALL = """
import sys, time
started = time.perf_counter()
from pathlib import Path
import obsidiantools.api as otools
vault = otools.Vault(Path(sys.argv[1])).connect().gather()
print(len(vault.md_file_index), vault.graph.number_of_edges(), time.perf_counter() - started)
"""


def write_copies(target: Path, copies: int) -> None:
    """Write ``copies`` copies of the vault and the digests under ``target``."""
    for copy in range(1, copies + 1):
        for path in sorted((CORPUS / "vault").rglob("*.md")):
            relpath = path.relative_to(CORPUS / "vault")
            name = relpath.name if copy == 1 else f"{relpath.stem} ({copy}).md"
            out = target / "vault" / f"copy{copy}" / relpath.parent / name
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, out)
        shutil.copytree(CORPUS / "digests", target / "digests" / f"copy{copy}")


def best(repeat: int, run: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def parse_only(paths: list[Path]) -> tuple[int, float]:
    """Parse every file of ``paths`` from memory; return the entries and the seconds."""
    files = find_inputs(paths)
    texts = [(f, decode(f.path.read_bytes(), f.display)[0]) for f in files]
    started = time.perf_counter()
    entries = 0
    for item, text in texts:
        document, _ = READERS[detect_reader(item.relpath, text)](text, path=item.display, relpath=item.relpath)
        entries += len(document.entries)
    return entries, time.perf_counter() - started


def time_papergraph(label: str, paths: list[Path], repeat: int) -> list[tuple]:
    rows = []
    parse_seconds = min(parse_only(paths)[1] for _ in range(repeat))
    read_seconds, corpus = best(repeat, lambda: load_corpus(paths))
    link_seconds, linked = best(repeat, lambda: link_corpus(corpus))
    graph_seconds, G = best(repeat, lambda: build_graph(linked))
    wall = min(
        _subprocess(sys.executable, PAPERGRAPH_WALL.format(src=str(ROOT / "src")), paths)[2] for _ in range(repeat)
    )
    notes = sum(1 for n in linked.notes if n.document.source_kind == "vault")
    size = f"{len(corpus.documents)} files, {notes} notes, {len(linked.notes) - notes} entries"
    for stage, seconds in (
        ("parse", parse_seconds),
        ("read", read_seconds),
        ("link", link_seconds),
        ("graph", graph_seconds),
        ("wall", wall),
    ):
        rows.append(("papergraph", label, size, stage, seconds, len(linked.notes) / seconds))
    rows.append(("papergraph", label, size, "nodes/edges", None, f"{G.number_of_nodes()}/{G.number_of_edges()}"))
    return rows


def time_obsidiantools(python: Path, label: str, vault: Path, repeat: int) -> list[tuple]:
    runs = [_subprocess(python, OBSIDIAN_WALL, [vault]) for _ in range(repeat)]
    notes, edges, _ = runs[0]
    seconds = min(run[2] for run in runs)
    size = f"{notes} notes"
    return [
        ("obsidiantools", label, size, "wall", seconds, notes / seconds),
        ("obsidiantools", label, size, "nodes/edges", None, f"-/{edges}"),
    ]


def _subprocess(python: Path | str, script: str, paths: list[Path]) -> tuple[int, int, float]:
    started = time.perf_counter()
    done = subprocess.run([str(python), "-c", script, *map(str, paths)], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    nodes, edges, _ = done.stdout.split()
    return int(nodes), int(edges), wall


def format_table(rows: list[tuple]) -> str:
    lines = [f"{'tool':<14} {'input':<18} {'size':<38} {'stage':<12} {'seconds':>8} {'notes/s':>10}", "-" * 106]
    for tool, label, size, stage, seconds, rate in rows:
        shown = "" if seconds is None else f"{seconds:>8.3f}"
        rate_shown = rate if isinstance(rate, str) else f"{rate:>10,.0f}"
        lines.append(f"{tool:<14} {label:<18} {size:<38} {stage:<12} {shown:>8} {rate_shown:>10}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, action="append", help="also time the corpus copied K times (default: 5)")
    parser.add_argument("--repeat", type=int, default=3, help="papergraph runs per timing (best is shown)")
    parser.add_argument("--obsidian-repeat", type=int, default=1, help="obsidiantools runs per timing")
    parser.add_argument(
        "--obsidian-python", type=Path, default=OBSIDIAN_PYTHON, help="an interpreter with obsidiantools installed"
    )
    args = parser.parse_args(argv)
    have_obsidian = args.obsidian_python.exists()
    rows: list[tuple] = []
    rows += time_papergraph("vault x1", [CORPUS / "vault"], args.repeat)
    rows += time_papergraph("vault+digests x1", [CORPUS / "digests", CORPUS / "vault"], args.repeat)
    if have_obsidian:
        rows += time_obsidiantools(args.obsidian_python, "vault x1", CORPUS / "vault", args.obsidian_repeat)
    for copies in args.copies or [5]:
        with tempfile.TemporaryDirectory(prefix="pg-vault-") as tmp:
            folder = Path(tmp)
            write_copies(folder, copies)
            rows += time_papergraph(f"vault x{copies}", [folder / "vault"], args.repeat)
            rows += time_papergraph(f"vault+digests x{copies}", [folder / "digests", folder / "vault"], args.repeat)
            if have_obsidian:
                rows += time_obsidiantools(
                    args.obsidian_python, f"vault x{copies}", folder / "vault", args.obsidian_repeat
                )
    print(format_table(rows))
    if not have_obsidian:
        print(
            f"\nobsidiantools skipped: {args.obsidian_python} not found (see --help to install it in a throwaway venv)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
