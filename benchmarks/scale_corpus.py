#!/usr/bin/env python3
"""Write N× the digest sample as new, realistic digests (for benchmarks).

    python benchmarks/scale_corpus.py N OUTDIR [--source tests/data/corpus/digests] [--seed 0]

Copy 0 is the sample itself; copy k (1 ≤ k < N) moves every digest k years
back in time and varies every entry so the scaled corpus keeps the shape of
a real one rather than N disjoint copies:

* titles are perturbed (a variant marker and a word swap), so items differ;
* authors are re-sampled: most stay (so people recur across years, as real
  authors do), some are drawn from the whole author pool by frequency, and
  some are new people (a first name and a last name from different authors);
* tags are re-sampled the same way from the tag pool;
* arXiv citations are re-pointed: some keep their target, others cite another
  paper from the pool of cited ids (so popular papers stay popular), and some
  cite a paper not seen before;
* the text of the commentary, abstracts and URL lines is kept.

The output is deterministic for a given (N, seed).
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from papergraph.parsers.digest import DATE_HEADER  # noqa: E402
from papergraph.pipeline import load_corpus  # noqa: E402

ARXIV_ID_IN_URL = re.compile(r"(arxiv\.org/(?:abs|pdf|html)/)(\d{4}\.\d{4,5})")
VARIANTS = ["Revisited", "Redux", "at Scale", "Reconsidered", "in Practice", "Again", "Extended", "Simplified"]


def _weighted_pool(counter: Counter) -> tuple[list[str], list[int]]:
    items = sorted(counter)
    return items, [counter[i] for i in items]


def _perturb_title(title: str, copy: int, rng: random.Random) -> str:
    words = title.split()
    if len(words) > 3 and rng.random() < 0.5:
        i = rng.randrange(1, len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    return f"{' '.join(words)} {VARIANTS[copy % len(VARIANTS)]} {copy}"


def scale_corpus(source: Path, output: Path, copies: int, seed: int = 0) -> int:
    """Write ``copies`` versions of ``source`` into ``output``; return the file count."""
    corpus = load_corpus([source])
    authors = Counter(a.name for e in corpus.entries for a in e.authors)
    tags = Counter(t for e in corpus.entries for t in e.tags)
    cited = Counter(r.arxiv_id for e in corpus.entries for r in e.refs if re.fullmatch(r"\d{4}\.\d{4,5}", r.arxiv_id))
    author_pool, author_weights = _weighted_pool(authors)
    tag_pool, tag_weights = _weighted_pool(tags)
    cited_pool, cited_weights = _weighted_pool(cited)
    if output.exists():
        shutil.rmtree(output)
    written = 0
    for copy in range(copies):
        rng = random.Random(f"{seed}:{copy}")
        for document in corpus.documents:
            text = (source / document.relpath).read_text(encoding="utf-8")
            lines = text.split("\n")
            if copy:
                lines = _vary(
                    lines,
                    document,
                    copy,
                    rng,
                    (author_pool, author_weights),
                    (tag_pool, tag_weights),
                    (cited_pool, cited_weights),
                )
            relpath = _shifted_path(document.relpath, copy)
            target = output / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("\n".join(lines), encoding="utf-8")
            written += 1
    return written


def _resample_author(name: str, rng: random.Random, authors: tuple[list[str], list[int]]) -> str:
    draw = rng.random()
    if draw < 0.6:
        return name
    if draw < 0.85:
        return rng.choices(authors[0], authors[1])[0]
    first = rng.choice(authors[0]).split()[0]
    last = rng.choice(authors[0]).split()[-1]
    return f"{first} {last}"


def _shifted_path(relpath: str, copy: int) -> str:
    def shift(match: re.Match) -> str:
        return str(int(match.group(0)) - copy)

    return re.sub(r"\b20\d\d\b", shift, relpath)


def _vary(lines, document, copy, rng, authors, tags, cited) -> list[str]:
    lines = list(lines)
    match = DATE_HEADER.match(lines[0]) if lines else None
    if match:
        lines[0] = lines[0].replace(match["y"], str(int(match["y"]) - copy), 1)
    for entry in document.entries:
        index = entry.title_lines[0] - 1
        lines[index] = _perturb_title(entry.title, copy, rng)
        for extra in entry.title_lines[1:]:
            lines[extra - 1] = ""
        if entry.author_lines and entry.authors:
            names = [_resample_author(a.name, rng, authors) for a in entry.authors]
            names = list(dict.fromkeys(names))
            lines[entry.author_lines[0] - 1] = "(" + ", ".join(names) + ")"
            for extra in entry.author_lines[1:]:
                lines[extra - 1] = ""
        for number in entry.tag_lines:
            tokens = lines[number - 1].split()
            lines[number - 1] = " ".join(
                t if rng.random() < 0.8 else "#" + rng.choices(tags[0], tags[1])[0] for t in tokens
            )
        for ref in entry.refs:
            draw = rng.random()
            if cited[0] and draw < 0.4:
                target = rng.choices(cited[0], cited[1])[0]
            elif draw < 0.6 and re.fullmatch(r"\d{4}\.\d{5}", ref.arxiv_id):
                target = f"{ref.arxiv_id[:5]}{rng.randrange(100000):05d}"
            else:
                continue
            lines[ref.line - 1] = lines[ref.line - 1].replace(ref.arxiv_id, target, 1)
    return [line for line in lines if line != ""] + ([""] if lines and lines[-1] == "" else [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("copies", type=int, help="how many times the sample (N×)")
    parser.add_argument("output", type=Path)
    parser.add_argument("--source", type=Path, default=ROOT / "tests" / "data" / "corpus" / "digests")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    count = scale_corpus(args.source, args.output, args.copies, args.seed)
    print(f"wrote {count} digests ({args.copies}× {args.source}) into {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
