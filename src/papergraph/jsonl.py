"""The stable JSON form of a parsed entry (``papergraph parse --jsonl``).

Scripts and the reader scorer depend on these keys; change them only with a
new major version.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from .model import Corpus, Document, Entry

__all__ = ["entry_to_dict", "generate_jsonl"]


def entry_to_dict(document: Document, entry: Entry) -> dict:
    """One entry as a plain dict with the documented keys."""
    return {
        "source": {"path": entry.source.path, "line_start": entry.source.line_start, "line_end": entry.source.line_end},
        "digest": {"date": document.date, "part": document.part},
        "title": entry.title,
        "kind": entry.kind.value,
        "authors": [{"name": a.name, "kind": a.kind.value} for a in entry.authors],
        "urls": [u.text for u in entry.urls],
        "abstract": entry.abstract.text if entry.abstract else None,
        "commentary": {"ko": [c.text for c in entry.commentary_ko], "en": [c.text for c in entry.commentary_en]},
        "tags": list(entry.tags),
        "refs": [
            {"arxiv_id": r.arxiv_id, "version": r.version, "label": r.label, "line": r.line, "url": r.url}
            for r in entry.refs
        ],
        "links": [{"url": link.url, "line": link.line} for link in entry.links],
        "wiki_links": [{"target": w.target, "line": w.line} for w in entry.wiki_links],
        "arxiv_id": entry.arxiv_id,
        "source_kind": document.source_kind,
    }


def generate_jsonl(corpus: Corpus) -> Iterator[str]:
    """One JSON line per entry, in input order."""
    for document in corpus.documents:
        for entry in document.entries:
            yield json.dumps(entry_to_dict(document, entry), ensure_ascii=False)
