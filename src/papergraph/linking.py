"""Give everything read one identity: items, agents, tags, cited papers, links.

This is the *link* stage of read → link → graph → export. It turns the
records of a :class:`~papergraph.model.Corpus` into resolved entities with
stable keys (``docs/data-model.md`` §3), without touching networkx:

* an item is one node however many notes are about it: the same arXiv id,
  or the same normalised title when no id is known;
* a person or organisation is one node per normalised name;
* a tag is one node per normalised spelling, keeping the spellings seen;
* an arXiv paper cited from commentary is the same node as a noted item with
  that id;
* a web link is one node per normalised URL;
* a digest entry and the vault note it was written from are one item: the
  note's own URL gives the arXiv id the digest leaves out (see
  :class:`_ItemResolver`);
* a ``[[wiki-link]]`` points at the item of the vault note it names.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar
from urllib.parse import urlsplit

from .identifiers import (
    agent_id,
    agent_key,
    arxiv_key,
    arxiv_work_id,
    find_urls,
    h16,
    node_id,
    node_key,
    normalize_name,
    normalize_tag,
    normalize_title,
    normalize_url,
    parse_arxiv_url,
    work_id,
)
from .model import AgentKind, Corpus, Diagnostic, Document, Entry, ItemKind, SourceSpan, TextLine, WebLink, WikiLink
from .parsers.vault import title_from_file_name, wiki_link_note_name

__all__ = [
    "CODE_HOSTS",
    "Agent",
    "CitedPaper",
    "Item",
    "Link",
    "LinkedCorpus",
    "LinkedDigest",
    "LinkedNote",
    "NoteSource",
    "ResolvedWikiLink",
    "Tag",
    "item_key_for_title",
    "link_corpus",
]

CODE_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "codeberg.org"})

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class LinkedDigest:
    id: str
    key: str
    """The IRI path segment after ``digest/``: the date, or the file stem."""
    document: Document


@dataclass(frozen=True, slots=True)
class NoteSource:
    """One place a note is written: a digest entry or a vault note (file and lines)."""

    document: Document
    span: SourceSpan


@dataclass(frozen=True, slots=True)
class LinkedNote:
    """One note: a digest entry, a vault note, or both when the entry was written from the note.

    A merged note keeps the digest entry's identity (key, digest, position)
    and lists both places in ``sources``; ``ref_sources`` and
    ``link_sources`` say, for each of ``entry.refs`` and ``entry.links``,
    which source its line number is in (an index into ``sources``).
    """

    id: str
    key: str
    """``{digest key}/{item key}`` (``-2`` when an item recurs in one digest),
    or ``vault/{h16(path)}`` for vault notes."""
    entry: Entry
    document: Document
    digest_id: str | None
    item_id: str
    position: int
    sources: tuple[NoteSource, ...] = ()
    ref_sources: tuple[int, ...] = ()
    link_sources: tuple[int, ...] = ()

    @property
    def vault_source(self) -> NoteSource | None:
        """The vault note this note was read from, if any."""
        return next((s for s in self.sources if s.document.source_kind == "vault"), None)

    def source_of_ref(self, index: int) -> NoteSource:
        return self.sources[self.ref_sources[index]] if self.ref_sources else self.sources[0]

    def source_of_link(self, index: int) -> NoteSource:
        return self.sources[self.link_sources[index]] if self.link_sources else self.sources[0]


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    key: str
    """``arxiv-{id}`` or ``w-{h16(normalised title)}``."""
    kind: ItemKind
    title: str
    arxiv_id: str | None
    note_ids: tuple[str, ...]
    authors: tuple[tuple[str, str], ...]
    """``(agent id, name as written)`` in author order."""
    abstract: str | None
    urls: tuple[str, ...]
    dates: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    key: str
    name: str
    kind: AgentKind


@dataclass(frozen=True, slots=True)
class Tag:
    id: str
    key: str
    spellings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CitedPaper:
    """An arXiv paper that is cited but not (yet) noted."""

    id: str
    arxiv_id: str
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Link:
    id: str
    url: str
    """The first spelling seen."""
    normalized: str
    is_code: bool


@dataclass(frozen=True, slots=True)
class ResolvedWikiLink:
    """A ``[[wiki-link]]`` of a vault note that names another note in the input."""

    note_id: str
    item_id: str
    """The item of the note the link names."""
    line: int
    target: str
    """The link as written, without the brackets (``230627 CLIPA-v2|CLIPA``)."""


@dataclass(frozen=True, slots=True)
class LinkedCorpus:
    digests: tuple[LinkedDigest, ...] = ()
    notes: tuple[LinkedNote, ...] = ()
    items: tuple[Item, ...] = ()
    agents: tuple[Agent, ...] = ()
    tags: tuple[Tag, ...] = ()
    cited: tuple[CitedPaper, ...] = ()
    links: tuple[Link, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    wiki_links: tuple[ResolvedWikiLink, ...] = ()


def item_key_for_title(title: str) -> str:
    return "w-" + h16(normalize_title(title))


def _digest_keys(documents: list[Document]) -> dict[str, str]:
    """Digest key per document path: its date, or its file stem when the date
    is missing or shared by several files (split days)."""
    by_date: dict[str | None, list[Document]] = defaultdict(list)
    for document in documents:
        by_date[document.date].append(document)
    keys: dict[str, str] = {}
    used: set[str] = set()
    for document in documents:
        if document.date and len(by_date[document.date]) == 1:
            key = document.date
        else:
            stem = document.relpath.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            key = re.sub(r"[^\w.-]+", "-", stem).strip("-") or "digest"
        if key in used:
            key = f"{key}-{h16(document.relpath)[:8]}"
        used.add(key)
        keys[document.relpath] = key
    return keys


def _is_code_host(url: str) -> bool:
    """Whether a URL is the root of a source repository (``github.com/owner/repo``).

    Only a repository is code: an issue, a file, a release or a PDF inside
    one is a page, and so is a model or data set on a hub.

    >>> _is_code_host("https://github.com/org/repo"), _is_code_host("https://github.com/org/repo/issues/3")
    (True, False)
    >>> _is_code_host("https://github.com/org/repo/blob/main/paper.pdf"), _is_code_host("https://github.com/org")
    (False, False)
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[-1].endswith(".git"):
        segments[-1] = segments[-1][:-4]
    return host.removeprefix("www.") in CODE_HOSTS and len(segments) == 2 and not parts.query


class _Linker:
    def __init__(self, corpus: Corpus, known_titles: Mapping[str, Iterable[str]] | None = None):
        self.corpus = corpus
        self.known_titles = known_titles or {}
        self.diagnostics: list[Diagnostic] = []

    def run(self) -> LinkedCorpus:
        digests_docs = [d for d in self.corpus.documents if d.source_kind == "digest"]
        keys = _digest_keys(digests_docs)
        digests = tuple(LinkedDigest(node_id("digest", keys[d.relpath]), keys[d.relpath], d) for d in digests_docs)
        # (document, entry) in input order, each with its item key
        pairs = [(d, e) for d in self.corpus.documents for e in d.entries]
        positions = [index for d in self.corpus.documents for index in range(len(d.entries))]
        item_key_of, written_from = _ItemResolver(pairs, self.known_titles, self.diagnostics).resolve()
        digest_by_path = {d.document.relpath: d for d in digests}
        notes = _linked_notes(pairs, positions, item_key_of, written_from, digest_by_path)
        agents = self._agents(notes)
        items = self._items(notes, agents)
        tags = self._tags(notes)
        noted_ids = {item.id for item in items}
        cited = self._cited(notes, noted_ids)
        links = self._links(notes)
        wiki_links = self._wiki_links(notes)
        return LinkedCorpus(
            digests=digests,
            notes=tuple(notes),
            items=items,
            agents=tuple(agents.values()),
            tags=tags,
            cited=cited,
            links=links,
            diagnostics=tuple(self.diagnostics),
            wiki_links=wiki_links,
        )

    def _agents(self, notes: list[LinkedNote]) -> dict[str, Agent]:
        agents: dict[str, Agent] = {}
        for note in notes:
            for author in note.entry.authors:
                key = agent_key(author.name)
                node = node_id("agent", key)
                if node not in agents:
                    agents[node] = Agent(node, key, " ".join(author.name.split()), author.kind)
        return agents

    def _items(self, notes: list[LinkedNote], agents: dict[str, Agent]) -> tuple[Item, ...]:
        grouped: dict[str, list[LinkedNote]] = {}
        for note in notes:
            grouped.setdefault(note.item_id, []).append(note)
        items = []
        for item_id, members in grouped.items():
            # digest entries are the curated source: prefer them for fields,
            # and among them entries with an author line (a real title line,
            # not a vault file name standing in for one)
            ordered = sorted(members, key=lambda n: (n.document.source_kind != "digest", not n.entry.authors))
            first = ordered[0].entry
            with_authors = next((n.entry for n in ordered if n.entry.authors), None)
            authors = tuple((agent_id(a.name), a.name) for a in (with_authors.authors if with_authors else ()))
            kinds = [n.entry.kind for n in ordered]
            kind = ItemKind.PAPER if ItemKind.PAPER in kinds else kinds[0]
            arxiv_id = next((n.entry.arxiv_id for n in ordered if n.entry.arxiv_id), None)
            key = node_key(item_id)
            if arxiv_id is None and key.startswith("arxiv-"):
                arxiv_id = key.removeprefix("arxiv-")
            items.append(
                Item(
                    id=item_id,
                    key=key,
                    kind=ItemKind.PAPER if arxiv_id else kind,
                    title=first.title,
                    arxiv_id=arxiv_id,
                    note_ids=tuple(n.id for n in members),
                    authors=authors,
                    abstract=next((n.entry.abstract.text for n in ordered if n.entry.abstract), None),
                    urls=tuple(dict.fromkeys(u.text for n in ordered for u in n.entry.urls)),
                    dates=tuple(sorted({n.document.date for n in members if n.document.date})),
                )
            )
        return tuple(items)

    def _tags(self, notes: list[LinkedNote]) -> tuple[Tag, ...]:
        spellings: dict[str, list[str]] = {}
        for note in notes:
            for tag in note.entry.tags:
                key = normalize_tag(tag)
                if not key:
                    continue
                seen = spellings.setdefault(key, [])
                if tag not in seen:
                    seen.append(tag)
        return tuple(Tag(node_id("tag", key), key, tuple(values)) for key, values in spellings.items())

    def _cited(self, notes: list[LinkedNote], noted_ids: set[str]) -> tuple[CitedPaper, ...]:
        labels: dict[str, list[str]] = {}
        for note in notes:
            for ref in note.entry.refs:
                if arxiv_work_id(ref.arxiv_id) in noted_ids:
                    continue
                seen = labels.setdefault(ref.arxiv_id, [])
                if ref.label and ref.label not in seen:
                    seen.append(ref.label)
        return tuple(CitedPaper(arxiv_work_id(a), a, tuple(v)) for a, v in labels.items())

    def _wiki_links(self, notes: list[LinkedNote]) -> tuple[ResolvedWikiLink, ...]:
        """Resolve every ``[[wiki-link]]`` by note file name (as Obsidian does).

        A link to the note itself is ignored; a link that names no note of
        the input, or several, is a diagnostic and no edge.
        """
        names = _vault_note_names(notes)
        resolved: list[ResolvedWikiLink] = []
        for note in notes:
            for link in note.entry.wiki_links:
                target = self._wiki_target(note, link, names)
                if target is not None and target.id != note.id:
                    resolved.append(ResolvedWikiLink(note.id, target.item_id, link.line, link.target))
        return tuple(resolved)

    def _wiki_target(self, note: LinkedNote, link: WikiLink, names: dict[str, list[LinkedNote]]) -> LinkedNote | None:
        name = wiki_link_note_name(link.target)
        if not name:
            return note  # [[#Heading]]: a place in the same note
        found = names.get(name.casefold().strip("/"), [])
        if len(found) == 1:
            return found[0]
        if found:
            paths = ", ".join(sorted(n.document.relpath for n in found))
            message = f"wiki-link [[{link.target}]] names several notes ({paths}); no edge made; write the folder too"
            code = "ambiguous-wikilink"
        else:
            message = (
                f"wiki-link [[{link.target}]] names no note in the input; no edge made (add that note or fix the name)"
            )
            code = "dangling-wikilink"
        where = note.vault_source.document.path if note.vault_source else note.document.path
        self.diagnostics.append(Diagnostic(where, link.line, message, code))
        return None

    def _links(self, notes: list[LinkedNote]) -> tuple[Link, ...]:
        links: dict[str, Link] = {}
        for note in notes:
            for web in note.entry.links:
                normalized = normalize_url(web.url)
                link_id = node_id("link", h16(normalized))
                if link_id not in links:
                    links[link_id] = Link(link_id, web.url, normalized, _is_code_host(normalized))
        return tuple(links.values())


def _linked_notes(
    pairs: list[tuple[Document, Entry]],
    positions: list[int],
    item_key_of: list[str],
    written_from: dict[int, int],
    digest_by_path: dict[str, LinkedDigest],
) -> list[LinkedNote]:
    """One note per entry, in input order; a digest entry and the vault note it was written from make one.

    ``positions`` is each entry's place in its document; ``written_from``
    maps a digest entry to its vault note (both indices into ``pairs``).
    """
    merged_away = set(written_from.values())
    notes: list[LinkedNote] = []
    used_note_keys: dict[str, int] = defaultdict(int)
    for position, (document, entry) in enumerate(pairs):
        if position in merged_away:
            continue  # one note with the digest entry written from it
        item_key = item_key_of[position]
        sources: tuple[NoteSource, ...] = (NoteSource(document, entry.source),)
        ref_sources: tuple[int, ...] = ()
        link_sources: tuple[int, ...] = ()
        if position in written_from:
            vault_document, vault_entry = pairs[written_from[position]]
            entry, ref_sources, link_sources = merge_entries(entry, vault_entry)
            sources += (NoteSource(vault_document, vault_entry.source),)
        digest_id: str | None = None
        index = 0
        if document.source_kind == "digest":
            digest = digest_by_path[document.relpath]
            base = f"{digest.key}/{item_key}"
            # an item noted twice in one digest: the second note is "-2"
            used_note_keys[base] += 1
            note_key = base if used_note_keys[base] == 1 else f"{base}-{used_note_keys[base]}"
            digest_id, index = digest.id, positions[position]
        else:
            note_key = f"vault/{h16(document.relpath)}"
        notes.append(
            LinkedNote(
                node_id("note", note_key),
                note_key,
                entry,
                document,
                digest_id,
                work_id(item_key),
                index,
                sources,
                ref_sources,
                link_sources,
            )
        )
    return notes


class _ItemResolver:
    """The item key of every entry, and which vault note each digest entry was written from.

    In order of evidence:

    1. for a vault note, its own arXiv id; without an own URL, the arXiv
       link in its commentary whose label is the note's title (the paper
       it is about, not one it cites);
    2. for a digest entry, the vault note it was written from: same date,
       and the same normalised title (else a title equal to the note's
       file name without its date). The entry shares that note's item
       (the note's own URL decides, even over arXiv URL lines of the
       entry) and becomes one note with it;
    3. the entry's own arXiv id;
    4. otherwise a title that maps to exactly one known arXiv id (known
       from the entries, or from arXiv metadata: ``known_titles``);
    5. otherwise the normalised title; two entries of one day with the
       same title and different first authors are different items.

    A title or a note that points to several arXiv ids is reported (into
    ``diagnostics``) and kept as a separate item, never guessed.
    """

    def __init__(
        self,
        pairs: list[tuple[Document, Entry]],
        known_titles: Mapping[str, Iterable[str]],
        diagnostics: list[Diagnostic],
    ):
        self.pairs = pairs
        self.diagnostics = diagnostics
        self.titles = [normalize_title(entry.title) for _, entry in pairs]
        self.own_ids = [_own_or_self_cited_id(document, entry) for document, entry in pairs]
        self.ids_by_title: dict[str, set[str]] = defaultdict(set)
        for title, ids in known_titles.items():
            self.ids_by_title[title].update(ids)
        # vault notes by (normalised title, date) and by (normalised file name, date)
        self.vault_notes: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        self.vault_names: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        for index, (document, _entry) in enumerate(pairs):
            found = self.own_ids[index]
            if found:
                self.ids_by_title[self.titles[index]].add(found)
            if document.source_kind == "vault":
                self.vault_notes[self.titles[index], document.date].append(index)
                name = title_from_file_name(document.relpath.rsplit("/", 1)[-1])
                self.vault_names[normalize_title(name), document.date].append(index)
        self.keys: dict[int, str] = {}
        self.written_from: dict[int, int] = {}

    def resolve(self) -> tuple[list[str], dict[int, int]]:
        """The item key per entry (input order), and the vault note (index) per merged digest entry."""
        self._key_vault_notes()
        self._split_same_titles([i for i in self.keys if self.keys[i].startswith("w-")])
        unpaired = self._key_other_entries()
        self._split_same_titles([i for i in unpaired if self.keys[i].startswith("w-")])
        return [self.keys[index] for index in range(len(self.pairs))], self.written_from

    def _key_vault_notes(self) -> None:
        """Step 1: a vault note is its own arXiv paper, else the item of its title."""
        for index, (document, entry) in enumerate(self.pairs):
            if document.source_kind != "vault":
                continue
            own_id = self.own_ids[index]
            if own_id:
                self.keys[index] = arxiv_key(own_id)
            else:
                # a note whose own URL is not on arXiv (a blog post, an
                # OpenReview page) is not the arXiv paper of the same title
                self.keys[index] = item_key_for_title(entry.title) if entry.urls else self._by_title(index)

    def _key_other_entries(self) -> list[int]:
        """Steps 2 to 5 for the other entries; returns those not written from a vault note."""
        taken: set[int] = set()
        unpaired: list[int] = []
        for index, (document, entry) in enumerate(self.pairs):
            if index in self.keys:
                continue
            sources = self._source_notes(index, document.date)
            source_keys = {self.keys[i] for i in sources}
            if len(source_keys) == 1:
                self.keys[index] = source_keys.pop()
                # the same paper noted twice that day: entries and notes pair in order
                free = [i for i in sources if i not in taken]
                if free:
                    self.written_from[index] = free[0]
                    taken.add(free[0])
                continue
            if len(source_keys) > 1:
                self._ambiguous(
                    document,
                    entry,
                    f"title {entry.title!r} matches {len(sources)} vault notes of "
                    f"{document.date} about different items",
                    source_keys,
                )
                self.keys[index] = item_key_for_title(entry.title)
            elif self.own_ids[index]:
                self.keys[index] = arxiv_key(str(self.own_ids[index]))
            else:
                self.keys[index] = self._by_title(index)
            unpaired.append(index)
        return unpaired

    def _source_notes(self, index: int, date: str | None) -> list[int]:
        """The vault notes an entry of ``date`` may be written from: its title as their title, else file name."""
        at = (self.titles[index], date)
        # a note without a date (none in its file name or front matter) may be the source too
        undated = (self.titles[index], None)
        return (
            self.vault_notes.get(at)
            or self.vault_names.get(at)
            or self.vault_notes.get(undated)
            or self.vault_names.get(undated, [])
        )

    def _by_title(self, index: int) -> str:
        """Steps 4 and 5: the one arXiv id known for the entry's title, else the title's own item."""
        document, entry = self.pairs[index]
        candidates = self.ids_by_title.get(self.titles[index], set())
        if len(candidates) == 1:
            return arxiv_key(next(iter(candidates)))
        if len(candidates) > 1:
            self._ambiguous(document, entry, f"title {entry.title!r} matches several arXiv ids", candidates)
        return item_key_for_title(entry.title)

    def _split_same_titles(self, indices: list[int]) -> None:
        """Give entries of one day with one title but different first authors their own items."""
        pairs, keys = self.pairs, self.keys
        groups: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        for index in indices:
            groups[keys[index], pairs[index][0].date].append(index)
        for members in groups.values():
            firsts = {normalize_name(pairs[i][1].authors[0].name) for i in members if pairs[i][1].authors}
            if len(firsts) < 2:
                continue
            for index in members:
                entry = pairs[index][1]
                if entry.authors:
                    keys[index] = item_key_for_title(f"{entry.title}\n{normalize_name(entry.authors[0].name)}")

    def _ambiguous(self, document: Document, entry: Entry, what: str, candidates: set[str]) -> None:
        self.diagnostics.append(
            Diagnostic(
                document.path,
                entry.source.line_start,
                f"{what} ({', '.join(sorted(candidates))}); kept as a separate item; "
                "add the arXiv URL to the entry to choose one",
                "ambiguous-item",
            )
        )


def _vault_note_names(notes: list[LinkedNote]) -> dict[str, list[LinkedNote]]:
    """Vault notes by the names a wiki-link may use: file name and path, without ``.md``, case-folded."""
    names: dict[str, list[LinkedNote]] = defaultdict(list)
    for note in notes:
        source = note.vault_source
        if source is None:
            continue
        path = source.document.relpath
        path = path[:-3] if path.lower().endswith(".md") else path
        spellings = {path.rsplit("/", 1)[-1].casefold(), path.casefold()}
        for spelling in spellings:
            names[spelling].append(note)
    return names


def _own_or_self_cited_id(document: Document, entry: Entry) -> str | None:
    """An entry's own arXiv id; for a vault note without own URLs, the arXiv
    link of its commentary labelled with the note's own title."""
    if entry.arxiv_id or document.source_kind != "vault" or entry.urls:
        return entry.arxiv_id
    title = normalize_title(entry.title)
    found = {ref.arxiv_id for ref in entry.refs if ref.label and normalize_title(ref.label) == title}
    return found.pop() if len(found) == 1 else None


def merge_entries(digest: Entry, vault: Entry) -> tuple[Entry, tuple[int, ...], tuple[int, ...]]:
    """One note from a digest entry and the vault note it was written from.

    The digest entry gives the title, the authors and the place in its
    digest; the vault note's own URLs decide which URL lines are the item's
    own pages; the commentary is taken from the fuller of the two; refs,
    links and tags are the digest's plus those only the vault note has.
    Returns the entry and, for each ref and link, 0 (digest) or 1 (vault):
    the file its line number is in.
    """
    own = {normalize_url(u.text) for u in vault.urls}
    urls, commentary_ko, links = _own_pages(digest, vault, own)
    fuller = len("".join(c.text for c in (*vault.commentary_ko, *vault.commentary_en))) > len(
        "".join(c.text for c in (*commentary_ko, *digest.commentary_en))
    )
    own_id = vault.arxiv_id or digest.arxiv_id
    # an item does not cite itself, nor link to its own pages
    refs, ref_sources = _with_new(digest.refs, vault.refs, lambda ref: ref.arxiv_id, {own_id})
    links, link_sources = _with_new(links, vault.links, lambda web: normalize_url(web.url), own)
    tags, _ = _with_new(digest.tags, vault.tags, normalize_tag, ())
    merged = replace(
        digest,
        kind=ItemKind.PAPER if ItemKind.PAPER in (digest.kind, vault.kind) or own_id else digest.kind,
        authors=digest.authors or vault.authors,
        urls=tuple(urls),
        abstract=digest.abstract or vault.abstract,
        commentary_ko=vault.commentary_ko if fuller else tuple(commentary_ko),
        commentary_en=vault.commentary_en if fuller else digest.commentary_en,
        tags=tuple(tags),
        refs=tuple(refs),
        links=tuple(links),
        wiki_links=vault.wiki_links,
        arxiv_id=own_id,
    )
    return merged, tuple(ref_sources), tuple(link_sources)


def _own_pages(digest: Entry, vault: Entry, own: set[str]) -> tuple[list[TextLine], list[TextLine], list[WebLink]]:
    """The item's own URLs, the Korean commentary and the links of a digest entry, as its vault note's own URLs
    (normalised: ``own``) decide; the note's own URLs come last (line numbers in the vault note)."""
    urls = list(digest.urls)
    commentary_ko = list(digest.commentary_ko)
    links = list(digest.links)
    if own:
        # a commentary line that is only the vault note's own URL is the item's page
        for line in list(commentary_ko):
            url = _bare_url(line.text)
            if url is None or normalize_url(url) not in own:
                continue
            commentary_ko.remove(line)
            urls.append(TextLine(line.line, url))
            links = [w for w in links if not (w.line == line.line and normalize_url(w.url) in own)]
        # and a URL line the note does not have as its own is commentary (a project page)
        if vault.arxiv_id:
            for page in [u for u in urls if normalize_url(u.text) not in own and not parse_arxiv_url(u.text)]:
                urls.remove(page)
                commentary_ko.insert(0, page)
                if normalize_url(page.text) not in {normalize_url(w.url) for w in links}:
                    links.insert(0, WebLink(page.text, page.line))
        urls.sort(key=lambda u: u.line)
    written = {normalize_url(u.text) for u in urls}
    urls.extend(u for u in vault.urls if normalize_url(u.text) not in written)
    return urls, commentary_ko, links


def _with_new(
    first: Iterable[_T], second: Iterable[_T], key: Callable[[_T], Hashable], known: Iterable[Hashable]
) -> tuple[list[_T], list[int]]:
    """``first``, then each of ``second`` whose ``key`` is neither in ``first`` nor ``known`` (once);
    and for each, 0 when it is from ``first``, 1 when from ``second``."""
    items = list(first)
    sources = [0] * len(items)
    seen = {key(item) for item in items}
    seen.update(known)
    for item in second:
        found = key(item)
        if found not in seen:
            seen.add(found)
            items.append(item)
            sources.append(1)
    return items, sources


def _bare_url(text: str) -> str | None:
    found = find_urls(text)
    return found[0][1] if len(found) == 1 and found[0][1] == text.strip().strip("<>") else None


def link_corpus(corpus: Corpus, known_titles: Mapping[str, Iterable[str]] | None = None) -> LinkedCorpus:
    """Resolve the identities of everything in ``corpus``.

    ``known_titles`` maps normalised titles to arXiv ids known from elsewhere
    (arXiv metadata, :mod:`papergraph.arxiv_metadata`): an entry without an id
    whose title maps to exactly one of them gets that id.

    Deterministic: the result depends only on the corpus, in its order.
    """
    return _Linker(corpus, known_titles).run()
