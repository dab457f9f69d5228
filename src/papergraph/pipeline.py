"""Find and read input files: the only module that opens what the user gives.

``load_corpus(paths)`` walks folders, decodes each file (UTF-8 with or
without BOM unless told otherwise), picks a reader, and collects records and
diagnostics into one immutable :class:`~papergraph.model.Corpus`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .model import Corpus, Diagnostic, Document
from .parsers import READERS, detect_reader

__all__ = ["InputFile", "find_inputs", "parse_bytes", "read_input", "load_corpus", "decode"]

INPUT_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file to read: where it is, how to show it, and its path inside the input root."""

    path: Path
    display: str
    relpath: str


def _display(path: Path) -> str:
    return path.as_posix()


def find_inputs(paths: Sequence[str | os.PathLike[str]]) -> list[InputFile]:
    """Expand the user's paths into a sorted list of files to read.

    Folders are walked recursively for ``.txt`` and ``.md`` files, skipping
    hidden entries (``.obsidian``, ``.git``); a file is taken as given.

    Raises:
        InputError: a path does not exist, or nothing readable was found.
    """
    found: list[InputFile] = []
    for raw in paths:
        root = Path(raw)
        if not root.exists():
            raise InputError(f"{_display(root)}: no such file or directory; check the path")
        if root.is_file():
            found.append(InputFile(root, _display(root), root.name))
            continue
        files = []
        for directory, subdirs, names in os.walk(root):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
            for name in names:
                if name.startswith(".") or not name.lower().endswith(INPUT_SUFFIXES):
                    continue
                full = Path(directory) / name
                files.append(InputFile(full, _display(full), full.relative_to(root).as_posix()))
        if not files:
            raise InputError(
                f"{_display(root)}: no digest (.txt) or note (.md) files in this folder; "
                "pass the folder that holds them"
            )
        found.extend(sorted(files, key=lambda f: f.relpath))
    return found


def decode(data: bytes, display: str, encoding: str | None = None) -> tuple[str | None, list[Diagnostic]]:
    """Decode file bytes, or explain why they cannot be read.

    Returns the text (``None`` when unreadable) and diagnostics. Binary files
    and text in another encoding become diagnostics naming the remedy.
    """
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Diagnostic(display, 1, "binary file, not a text digest or note; remove it from the input folder", "binary")]
    chosen = encoding or "utf-8-sig"
    try:
        return data.decode(chosen), []
    except LookupError:
        return None, [Diagnostic(display, 1, f"unknown encoding {encoding!r}; pass an encoding Python knows, e.g. --encoding cp949", "encoding")]
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        guess = _guess_encoding(data) if encoding is None else None
        remedy = (
            f"it looks like {guess}: convert it with `iconv -f {guess} -t UTF-8` or pass --encoding {guess}"
            if guess
            else "convert it to UTF-8 or pass --encoding"
        )
        byte = data[error.start]
        return None, [
            Diagnostic(
                display,
                line,
                f"not valid {'UTF-8' if encoding is None else encoding} (byte 0x{byte:02X} at column {column}); "
                f"the file was skipped; {remedy}",
                "encoding",
            )
        ]


def _guess_encoding(data: bytes) -> str | None:
    for candidate in ("utf-16", "cp949", "cp1252"):
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        if candidate == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        if text.strip():
            return candidate
    return None


def parse_bytes(
    data: bytes, *, path: str, relpath: str, encoding: str | None = None, reader: str | None = None
) -> tuple[Document | None, list[Diagnostic]]:
    """Decode and parse the content of one file. Never raises on bad content.

    >>> doc, problems = parse_bytes("2024년 1월 2일\\nPhi-3\\n메모\\n".encode(), path="a.txt", relpath="a.txt")
    >>> doc.date, [e.title for e in doc.entries], problems
    ('2024-01-02', ['Phi-3'], [])
    """
    text, problems = decode(data, path, encoding)
    if text is None:
        return None, problems
    parse = READERS[reader or detect_reader(relpath, text)]
    document, diagnostics = parse(text, path=path, relpath=relpath)
    return document, problems + diagnostics


def read_input(item: InputFile, *, encoding: str | None = None, reader: str | None = None) -> tuple[Document | None, list[Diagnostic]]:
    """Read and parse one file. Never raises on bad content."""
    try:
        data = item.path.read_bytes()
    except OSError as error:
        return None, [Diagnostic(item.display, 1, f"cannot read the file: {error.strerror or error}", "unreadable")]
    return parse_bytes(data, path=item.display, relpath=item.relpath, encoding=encoding, reader=reader)


def load_corpus(
    paths: Sequence[str | os.PathLike[str]],
    *,
    encoding: str | None = None,
    reader: str | None = None,
    read: Callable[[InputFile], tuple[Document | None, list[Diagnostic]]] | None = None,
) -> Corpus:
    """Read every input into one corpus (documents in path order).

    Args:
        paths: digest folders, vault folders or single files.
        encoding: decode every file with this encoding instead of UTF-8.
        reader: force a reader (``"digest"`` or ``"vault"``) instead of detection.
        read: an alternative per-file reader (used by the build cache).

    Raises:
        InputError: a path is missing or holds no readable file.
    """
    if reader is not None and reader not in READERS:
        raise InputError(f"unknown reader {reader!r}; choose one of: {', '.join(sorted(READERS))}")
    files = find_inputs(paths)
    documents: list[Document] = []
    diagnostics: list[Diagnostic] = []
    reader_fn = read or (lambda f: read_input(f, encoding=encoding, reader=reader))
    for item in files:
        document, problems = reader_fn(item)
        if document is not None:
            documents.append(document)
        diagnostics.extend(problems)
    return Corpus(tuple(documents), tuple(diagnostics))


def iter_lines_accounted(corpus: Corpus) -> Iterable[tuple[str, int]]:
    """Every ``(path, line)`` claimed by a record field or a diagnostic."""
    for document in corpus.documents:
        if document.header_line:
            yield document.path, document.header_line
        for entry in document.entries:
            for number in entry.accounted_lines():
                yield document.path, number
    for diagnostic in corpus.diagnostics:
        yield diagnostic.path, diagnostic.line
