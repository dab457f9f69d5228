#!/usr/bin/env python3
"""How legible the map is: topics as regions, and what the analysis costs.

    python benchmarks/bench_topics.py [--scale K ...] [--pairs P]

For the sample (``tests/data/corpus/digests`` with the note vault
``tests/data/corpus/vault``) and each ``--scale K`` (the K-times digests of
``benchmarks/scale_corpus.py``, with the same vault), prints:

* ``tag ratio``: the mean layout distance of paper pairs that share a
  non-hub tag (a tag on at most 2 % of the papers) divided by that of random
  paper pairs (target ≤ 0.5);
* ``community ratio``: the same for pairs of papers in one community (the
  "other" group left out; target ≤ 0.4);
* ``modularity`` of the partition on the weighted projection, and how many
  communities there are;
* seconds for the projection + communities (``analyse``) and for the layout.

"Papers" are items and cited arXiv papers; the random pairs and the pairs of
a community are sampled (``--pairs``, seeded), the tag pairs are all of them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import ensure_scaled  # noqa: E402

from papergraph.analysis import analyse  # noqa: E402
from papergraph.build import load_graph  # noqa: E402
from papergraph.layout import compute_layout  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "corpus"
HUB_SHARE = 0.02
SEED = 3


def _mean_distance(xy: np.ndarray, first: np.ndarray, second: np.ndarray) -> float:
    return float(np.linalg.norm(xy[first] - xy[second], axis=1).mean())


def measure(name: str, inputs: list[Path], pairs: int) -> dict[str, object]:
    _, _, graph = load_graph(inputs)
    started = time.perf_counter()
    analysis = analyse(graph)
    analyse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    positions = compute_layout(graph)
    layout_seconds = time.perf_counter() - started

    papers = list(analysis.projection.nodes[: analysis.projection.papers])
    index = {node: i for i, node in enumerate(papers)}
    xy = np.array([positions[node] for node in papers])
    rng = np.random.default_rng(SEED)
    n = len(papers)
    first, second = rng.integers(0, n, pairs), rng.integers(0, n, pairs)
    keep = first != second
    random_mean = _mean_distance(xy, first[keep], second[keep])

    tags = analysis.reading.tags
    by_tag: dict[str, list[int]] = {}
    for paper, names in tags.items():
        for tag in names:
            by_tag.setdefault(tag, []).append(index[paper])
    # The share is of the papers that carry tags: cited arXiv papers have none.
    limit = HUB_SHARE * len(tags)
    tag_first, tag_second = [], []
    for members in by_tag.values():
        if 1 < len(members) <= limit:
            a, b = np.triu_indices(len(members), 1)
            tag_first.append(np.array(members)[a])
            tag_second.append(np.array(members)[b])
    tag_ratio = _mean_distance(xy, np.concatenate(tag_first), np.concatenate(tag_second)) / random_mean

    membership = np.array(analysis.membership[: analysis.projection.papers])
    other = analysis.communities[-1].id if analysis.communities[-1].label == "other" else -1
    grouped = np.flatnonzero(membership != other)
    order = grouped[np.argsort(membership[grouped], kind="stable")]
    # Sample pairs inside communities: a random member, and a random member of its community.
    counts = np.bincount(membership[order])
    starts = np.cumsum(counts) - counts
    pick = rng.integers(0, len(order), pairs)
    members_of = membership[order[pick]]
    partner = order[starts[members_of] + (rng.random(pairs) * counts[members_of]).astype(int)]
    ok = order[pick] != partner
    community_ratio = _mean_distance(xy, order[pick][ok], partner[ok]) / random_mean

    return {
        "input": name,
        "nodes": graph.number_of_nodes(),
        "papers": n,
        "tag ratio": tag_ratio,
        "community ratio": community_ratio,
        "modularity": analysis.modularity,
        "communities": len(analysis.communities),
        "analyse s": analyse_seconds,
        "layout s": layout_seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, action="append", default=[], metavar="K", help="also the K-times corpus")
    parser.add_argument("--pairs", type=int, default=200_000, help="sampled pairs per mean")
    args = parser.parse_args(argv)
    vault = CORPUS / "vault"
    rows = [measure("sample", [CORPUS / "digests", vault], args.pairs)]
    for copies in args.scale:
        rows.append(measure(f"sample x{copies}", [ensure_scaled(copies), vault], args.pairs))
    header = list(rows[0])
    print(" | ".join(f"{h:>15}" for h in header))
    print("-|-".join("-" * 15 for _ in header))
    for row in rows:
        print(" | ".join(f"{row[h]:>15.3f}" if isinstance(row[h], float) else f"{row[h]:>15}" for h in header))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
