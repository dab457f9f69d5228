#!/usr/bin/env python3
"""Score papergraph's vault reader and cross-source linking against hand-made truth.

    python benchmarks/score_linking.py [CORPUS_DIR] [--misses] [--min]

CORPUS_DIR holds ``digests/``, ``vault/`` and ``truth/*.jsonl`` (default: the
project's copy in ``tests/data/corpus``; the shared sample lives in
``../shared/corpus``). The digests and the vault are read together, linked
and turned into the graph, exactly as ``papergraph build digests vault``
does; the vault is also read alone.

Truth rows are matched to digest entries on (file, line_start) and to vault
notes on ``source_note`` (the path inside ``vault/``). Metrics:

* digest entry gets its paper's arXiv id: the item of every digest entry
  whose truth has ``own_arxiv_id`` carries that id; "wrong" counts another
  id, "id where truth has none" an id the truth does not give;
* digest entry shares its note's item: entry and source note are one item;
* refs land on the noted item: every arXiv ref with ``target_in_corpus``
  whose target is noted in this sample ends on an ``item`` node (refs to
  papers noted only in other years stay cited-only ``arxiv`` nodes here);
* wiki-links: every ``[[link]]`` to a note of this sample (not the note
  itself) is a ``wiki_links`` edge to the item with the truth's arXiv id;
  every link to a note outside the sample is a diagnostic; self-links make
  no edge;
* vault alone: arXiv id, title (normalised and exact), tags and authors of
  every note.

``--min`` exits 1 when a metric is below the floor papergraph promises.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from score_reader import _ratio, format_table, load_truth  # noqa: E402

from papergraph.graph import Attr, EdgeKind, NodeKind, build_graph  # noqa: E402
from papergraph.identifiers import normalize_title  # noqa: E402
from papergraph.linking import link_corpus  # noqa: E402
from papergraph.pipeline import load_corpus  # noqa: E402

# metric -> promised floor (issues 6 and 19)
FLOORS = {
    "notes = distinct notes": 0.99,
    "entry and note one note": 0.995,
    "digest ids given": 0.995,
    "digest ids not wrong": 0.999,
    "other links precision (vault)": 0.99,
    "other links recall (vault)": 0.99,
    "entry+note one item": 0.99,
    "refs land on noted item": 0.99,
    "wiki-links resolved": 0.99,
    "wiki-links dangling told": 0.99,
    "self-links ignored": 1.0,
    "vault arXiv ids": 0.995,
    "vault titles (normalised)": 0.995,
    "vault tags": 0.995,
}


def score(corpus: Path, truth: list[dict]) -> tuple[dict[str, tuple[int, int]], list[str], dict[str, float]]:
    """Return metric -> (good, total), human-readable misses, and timings."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    read = load_corpus([corpus / "digests", corpus / "vault"])
    timings["read digests+vault"] = time.perf_counter() - started
    started = time.perf_counter()
    linked = link_corpus(read)
    timings["link"] = time.perf_counter() - started
    started = time.perf_counter()
    G = build_graph(linked)
    timings["graph"] = time.perf_counter() - started

    digest_notes = {}
    vault_notes = {}
    for note in linked.notes:
        if note.document.source_kind == "digest":
            digest_notes["digests/" + note.document.relpath, note.entry.source.line_start] = note
        if note.vault_source is not None:
            vault_notes[note.vault_source.document.relpath] = note
    items = {item.id: item for item in linked.items}
    own_ids = {t["own_arxiv_id"] for t in truth if t["own_arxiv_id"]}
    diagnostics = Counter((d.path, d.line, d.code) for d in linked.diagnostics)

    metrics: dict[str, tuple[int, int]] = {}
    misses: list[str] = []
    counts: Counter = Counter()
    link_truth: Counter = Counter()
    link_got: Counter = Counter()

    for t in truth:
        where = f"{t['digest_file']}:{t['line_start']}"
        note = digest_notes.get((t["digest_file"], t["line_start"]))
        source = vault_notes.get(t["source_note"])
        if note is None:
            misses.append(f"digest entry not read: {where}")
            continue
        got = items[note.item_id].arxiv_id
        if t["own_arxiv_id"]:
            counts["ids", got == t["own_arxiv_id"]] += 1
            counts["wrong", got is not None and got != t["own_arxiv_id"]] += 1
            if got != t["own_arxiv_id"]:
                misses.append(f"digest id: {where} truth={t['own_arxiv_id']} got={got}")
        elif got is not None:
            counts["extra"] += 1
            misses.append(f"digest id where truth has none: {where} {t['title'][:50]!r} got={got}")
        same = source is not None and source.item_id == note.item_id
        counts["pair", same] += 1
        if not same:
            misses.append(f"entry and note apart: {where} {t['source_note']}")
        one = source is note
        counts["one note", one] += 1
        if not one:
            misses.append(f"entry and its vault note are two notes: {where} {t['source_note']}")
        kind = items[note.item_id].kind.value
        if t["own_arxiv_id"]:
            counts["kind", kind == "paper"] += 1
            if kind != "paper":
                misses.append(f"kind: {where} arXiv paper read as {kind}")
        # other links of the digest entry, once the vault note's own URLs are known
        for url in t["other_links"]:
            link_truth[where, url] += 1
        digest_links = [w.url for i, w in enumerate(note.entry.links) if note.source_of_link(i) is note.sources[0]]
        for url in dict.fromkeys(digest_links):
            link_got[where, url] += 1

        cites = {}
        for _, target, data in G.out_edges(note.id, data=True):
            if data[Attr.KIND] == EdgeKind.CITES.value:
                cites.setdefault(data[Attr.LINE], []).append(target)
        for ref in t["refs"]:
            if not ref["target_in_corpus"]:
                continue
            if ref["arxiv_id"] not in own_ids:
                counts["refs outside sample"] += 1
                continue
            target = f"work:arxiv-{ref['arxiv_id'].replace('/', '-')}"
            ok = target in cites.get(ref["line"], []) and G.nodes[target][Attr.KIND] == NodeKind.ITEM.value
            counts["refs", ok] += 1
            if not ok:
                misses.append(f"ref not on noted item: {t['digest_file']}:{ref['line']} {ref['arxiv_id']}")

        if source is None:
            continue
        wiki_targets = Counter(
            G.nodes[target].get(Attr.ARXIV_ID) or target
            for _, target, data in G.out_edges(source.id, data=True)
            if data[Attr.KIND] == EdgeKind.WIKI_LINKS.value
        )
        expected = Counter()
        for link in t["wiki_links"]:
            target_note = vault_notes.get(link["note"]) if link["note"] else None
            if link["note"] == t["source_note"]:
                counts["self", not any(n == source.item_id for n in _wiki_items(G, source.id))] += 1
            elif target_note is not None:
                key = link["arxiv_id"] or target_note.item_id
                expected[key] += 1
            else:
                lines = [w.line for w in source.entry.wiki_links if w.target == link["target"]]
                path = source.vault_source.document.path if source.vault_source else source.document.path
                told = any(diagnostics[path, line, "dangling-wikilink"] for line in lines)
                counts["dangling", told] += 1
                if not told:
                    misses.append(f"dangling wiki-link not reported: {t['source_note']} [[{link['target']}]]")
        hit = expected & wiki_targets
        counts["wiki", True] += sum(hit.values())
        counts["wiki", False] += sum((expected - wiki_targets).values())
        counts["wiki extra"] += sum((wiki_targets - expected).values())
        for key in expected - wiki_targets:
            misses.append(f"wiki-link not resolved: {t['source_note']} -> {key}")
        for key in wiki_targets - expected:
            misses.append(f"wiki-link extra: {t['source_note']} -> {key}")

    distinct = len(digest_notes) + sum(
        1 for path in _vault_paths(read) if path not in {t["source_note"] for t in truth}
    )
    note_nodes = sum(1 for _, data in G.nodes(data=True) if data[Attr.KIND] == NodeKind.NOTE.value)
    metrics["notes = distinct notes"] = (min(note_nodes, distinct), max(note_nodes, distinct))
    metrics["entry and note one note"] = (
        counts["one note", True],
        counts["one note", True] + counts["one note", False],
    )
    metrics["digest ids given"] = (counts["ids", True], counts["ids", True] + counts["ids", False])
    metrics["digest ids not wrong"] = (counts["wrong", False], counts["wrong", False] + counts["wrong", True])
    metrics["id where truth has none"] = (counts["extra"], sum(1 for t in truth if not t["own_arxiv_id"]))
    metrics["entry+note one item"] = (counts["pair", True], counts["pair", True] + counts["pair", False])
    metrics["refs land on noted item"] = (counts["refs", True], counts["refs", True] + counts["refs", False])
    metrics["kind: arXiv papers are papers"] = (counts["kind", True], counts["kind", True] + counts["kind", False])
    metrics["other links recall (vault)"] = (sum((link_truth & link_got).values()), sum(link_truth.values()))
    metrics["other links precision (vault)"] = (sum((link_truth & link_got).values()), sum(link_got.values()))
    for key in link_got - link_truth:
        misses.append(f"link extra (with vault): {key[0]} {key[1]}")
    metrics["refs noted outside sample"] = (counts["refs outside sample"], counts["refs outside sample"])
    metrics["wiki-links resolved"] = (counts["wiki", True], counts["wiki", True] + counts["wiki", False])
    metrics["wiki-links extra"] = (counts["wiki extra"], counts["wiki", True] + counts["wiki extra"])
    metrics["wiki-links dangling told"] = (
        counts["dangling", True],
        counts["dangling", True] + counts["dangling", False],
    )
    metrics["self-links ignored"] = (counts["self", True], counts["self", True] + counts["self", False])

    started = time.perf_counter()
    alone = load_corpus([corpus / "vault"])
    timings["read vault alone"] = time.perf_counter() - started
    by_path = {d.relpath: d for d in alone.documents}
    for t in truth:
        document = by_path.get(t["source_note"])
        if document is None or not document.entries:
            misses.append(f"vault note not read: {t['source_note']}")
            for name in ("id", "title", "exact", "tags", "authors"):
                counts["v" + name, False] += 1
            continue
        entry = document.entries[0]
        checks = {
            "id": (entry.arxiv_id == t["own_arxiv_id"], entry.arxiv_id, t["own_arxiv_id"]),
            "title": (normalize_title(entry.title) == normalize_title(t["title"]), entry.title, t["title"]),
            "exact": (entry.title == t["title"], entry.title, t["title"]),
            "tags": (list(entry.tags) == t["tags"], list(entry.tags), t["tags"]),
            "authors": ([a.name for a in entry.authors] == t["authors"], [a.name for a in entry.authors], t["authors"]),
        }
        for name, (ok, got, want) in checks.items():
            counts["v" + name, ok] += 1
            if not ok:
                misses.append(f"vault {name}: {t['source_note']} truth={want!r} got={got!r}")
    for label, name in (
        ("vault arXiv ids", "id"),
        ("vault titles (normalised)", "title"),
        ("vault titles exact", "exact"),
        ("vault tags", "tags"),
        ("vault authors", "authors"),
    ):
        metrics[label] = (counts["v" + name, True], counts["v" + name, True] + counts["v" + name, False])
    return metrics, misses, timings


def _vault_paths(read) -> list[str]:
    return [d.relpath for d in read.documents if d.source_kind == "vault" and d.entries]


def _wiki_items(G, note_id: str) -> list[str]:
    return [v for _, v, data in G.out_edges(note_id, data=True) if data[Attr.KIND] == EdgeKind.WIKI_LINKS.value]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", default=str(ROOT / "tests" / "data" / "corpus"))
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--min", action="store_true", help="exit 1 when a metric is below its floor")
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    truth = load_truth(corpus)
    metrics, misses, timings = score(corpus, truth)
    print(f"linking score on {corpus} ({len(truth)} truth entries; digests + vault)")
    print(format_table(metrics, FLOORS))
    print("time: " + ", ".join(f"{stage} {seconds * 1000:.0f} ms" for stage, seconds in timings.items()))
    if args.misses:
        print("\n".join(misses))
    below = [n for n, floor in FLOORS.items() if _ratio(*metrics[n]) < floor]
    return 1 if args.min and below else 0


if __name__ == "__main__":
    sys.exit(main())
