"""The build cache: parsed files keyed by content, and what the last build wrote.

It lives in ``<output>/.papergraph-cache/<version>/`` and is safe to delete at
any time: a missing, stale or unreadable cache only makes the next build a
cold one. The version folder changes whenever papergraph's reading code
changes, so a cache never outlives the code that filled it, and a build
removes the folders other versions left.

Three things are kept:

* ``parsed.pickle``: ``key → (Document, diagnostics)`` where the key hashes the
  file's bytes together with the options that change how it is read; a
  rebuild parses only files whose content changed;
* ``manifest.json``: the input hashes, build options, a fingerprint of all of
  papergraph's code and templates, and the size and mtime of every file
  written. When none of these changed, a build has nothing to do.
* ``fragments-<export>.pickle``: pieces of an export (the Turtle and JSON-LD
  of one RDF subject, the XML of one Gephi node) keyed by a digest of what
  they were rendered from, and scoped to the code and options that rendered
  them; after a small change most pieces are reused instead of rendered.

The cache is local, trusted data (it is written by papergraph into the
user's own output folder); it is never read from inputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .model import Diagnostic, Document

__all__ = ["CACHE_DIR", "BuildCache", "FragmentCache", "code_fingerprint", "file_key", "fragment_key"]

CACHE_DIR = ".papergraph-cache"
FORMAT = 1
PACKAGE = Path(__file__).resolve().parent
# What turns bytes into records: a change here invalidates parsed files.
READING_CODE = ("model.py", "identifiers.py", "pipeline.py", "parsers")
_VERSION_FOLDER = re.compile(r"v\d+-[0-9a-f]{16}")


def code_fingerprint(parts: tuple[str, ...] = ("",)) -> str:
    """A hash of papergraph's own files under ``parts`` (default: all of them:
    code, templates, queries, vocabulary), so outputs never outlive the code
    that made them."""
    digest = hashlib.sha256(f"{FORMAT}:{__version__}".encode())
    for name in parts:
        path = PACKAGE / name
        sources = (
            sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            if path.is_dir()
            else [path]
        )
        for source in sources:
            digest.update(source.relative_to(PACKAGE).as_posix().encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def file_key(data: bytes, display: str, relpath: str, encoding: str | None, reader: str | None) -> str:
    """The cache key of one input file read with some options."""
    digest = hashlib.sha256(data)
    digest.update(f"\0{display}\0{relpath}\0{encoding}\0{reader}".encode())
    return digest.hexdigest()


ParseResult = tuple[Document | None, list[Diagnostic]]


@dataclass
class BuildCache:
    """Parsed-file cache and build manifest for one output folder."""

    output: Path

    def __post_init__(self) -> None:
        self.folder = Path(self.output) / CACHE_DIR / f"v{FORMAT}-{code_fingerprint(READING_CODE)}"
        self._parsed: dict[str, ParseResult] | None = None
        self._used: dict[str, ParseResult] = {}
        self._dirty = False

    # ------------------------------------------------------------ parsed files

    def _load_parsed(self) -> dict[str, ParseResult]:
        if self._parsed is None:
            loaded = _read_pickle(self.folder / "parsed.pickle")
            self._parsed = loaded if isinstance(loaded, dict) else {}
        return self._parsed

    def get(self, key: str) -> ParseResult | None:
        found = self._load_parsed().get(key)
        if found is not None:
            self._used[key] = found
        return found

    def put(self, key: str, result: ParseResult) -> None:
        self._used[key] = result
        self._dirty = True

    def save_parsed(self) -> None:
        """Keep exactly the entries this build used (so the cache never grows stale)."""
        if not self._dirty and self._parsed is not None and set(self._parsed) == set(self._used):
            return
        self._write("parsed.pickle", pickle.dumps(self._used, protocol=pickle.HIGHEST_PROTOCOL))

    # ---------------------------------------------------------------- manifest

    def manifest(self) -> dict | None:
        try:
            return json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def save_manifest(self, manifest: dict) -> None:
        self._write("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())

    @staticmethod
    def output_stamp(path: Path) -> list[int] | None:
        try:
            status = path.stat()
        except OSError:
            return None
        return [status.st_size, status.st_mtime_ns]

    def prune_other_versions(self) -> None:
        """Delete the caches that other versions of papergraph left in this output folder.

        Only folders named like a version (``v1-0123456789abcdef``) directly
        under the cache folder go; symlinks are never followed.
        """
        try:
            siblings = list(self.folder.parent.iterdir())
        except OSError:
            return
        for sibling in siblings:
            if (
                sibling != self.folder
                and _VERSION_FOLDER.fullmatch(sibling.name)
                and sibling.is_dir()
                and not sibling.is_symlink()
            ):
                shutil.rmtree(sibling, ignore_errors=True)

    def _write(self, name: str, data: bytes) -> None:
        _write_quietly(self.folder / name, data)


def _read_pickle(path: Path) -> object | None:
    """What ``path`` holds, or None when it is missing or unreadable (a cold cache)."""
    try:
        with open(path, "rb") as stream:
            return pickle.load(stream)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None


def _write_quietly(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically; a cache that cannot be written only costs time next build."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        pass


def fragment_key(text: str | bytes) -> bytes:
    """A 16-byte digest of what a fragment was rendered from."""
    return hashlib.blake2b(text.encode("utf-8") if isinstance(text, str) else text, digest_size=16).digest()


class FragmentCache:
    """Rendered pieces of one export, reused by the next build when their key recurs.

    ``scope`` names everything besides the key that the pieces depend on
    (papergraph's code, the base IRI, ...); a file written under another
    scope is ignored. Saving keeps exactly the pieces this build used, but
    only once they differ from the file by more than :attr:`REWRITE_SHARE`:
    after a small change, rewriting megabytes would cost more than
    rendering those few pieces again next time.
    """

    REWRITE_SHARE = 0.01

    def __init__(self, path: Path, scope: str):
        self.path = path
        self.scope = scope
        self._previous: dict[bytes, object] | None = None
        self._used: dict[bytes, object] = {}
        self._added = 0

    def _load(self) -> dict[bytes, object]:
        if self._previous is None:
            loaded = _read_pickle(self.path)
            scoped = isinstance(loaded, tuple) and len(loaded) == 2 and loaded[0] == self.scope
            self._previous = loaded[1] if scoped and isinstance(loaded[1], dict) else {}  # type: ignore[index]
        return self._previous

    def get(self, key: bytes) -> object | None:
        found = self._load().get(key)
        if found is not None:
            self._used[key] = found
        return found

    def put(self, key: bytes, piece: object) -> None:
        self._used[key] = piece
        self._added += 1

    def save(self) -> None:
        unused = len(self._load()) - (len(self._used) - self._added)
        if self._added + unused <= self.REWRITE_SHARE * len(self._used):
            return
        _write_quietly(self.path, pickle.dumps((self.scope, self._used), protocol=pickle.HIGHEST_PROTOCOL))
