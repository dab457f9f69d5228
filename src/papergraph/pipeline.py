"""Find and read input files: the only module that opens what the user gives.

``load_corpus(paths)`` walks folders, decodes each file (UTF-8 with or
without BOM unless told otherwise), picks a reader, and collects records and
diagnostics into one immutable :class:`~papergraph.model.Corpus`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .cache import BuildCache, file_key
from .errors import InputError
from .model import Corpus, Diagnostic, Document
from .parsers import READERS, detect_reader

__all__ = [
    "InputData",
    "InputFile",
    "decode",
    "find_inputs",
    "load_corpus",
    "parse_bytes",
    "parse_inputs",
    "read_inputs",
]

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
    if _looks_binary(data):
        return None, [
            Diagnostic(display, 1, "binary file, not a text digest or note; remove it from the input folder", "binary")
        ]
    chosen = encoding or "utf-8-sig"
    try:
        return data.decode(chosen), []
    except LookupError:
        return None, [
            Diagnostic(
                display,
                1,
                f"unknown encoding {encoding!r}; pass an encoding Python knows, e.g. --encoding cp949",
                "encoding",
            )
        ]
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


def _looks_binary(data: bytes) -> bool:
    """Many control bytes, or NUL bytes in something that is not UTF-8 text.

    A stray NUL in UTF-8 text is not binary: the reader drops it with a
    diagnostic and keeps the rest. UTF-16 (NUL-rich) is left to the decoder,
    which names the encoding.
    """
    sample = data[:8192]
    if not sample or sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    if controls / len(sample) > 0.1:
        return True
    if b"\x00" in sample:
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError as error:
            return error.end < len(sample) - 3  # not just a sequence cut at the sample's end
    return False


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


@dataclass(frozen=True, slots=True)
class InputData:
    """The bytes of one input file, or why they could not be read."""

    file: InputFile
    data: bytes | None
    error: str | None = None


def read_inputs(files: Sequence[InputFile]) -> list[InputData]:
    """Read the bytes of every file (the only place input files are opened)."""
    found = []
    for item in files:
        try:
            found.append(InputData(item, item.path.read_bytes()))
        except OSError as error:
            found.append(InputData(item, None, str(error.strerror or error)))
    return found


ParseResult = tuple[Document | None, list[Diagnostic]]

# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 200


def _parse_job(job: tuple[bytes, str, str, str | None, str | None]) -> ParseResult:
    data, path, relpath, encoding, reader = job
    return parse_bytes(data, path=path, relpath=relpath, encoding=encoding, reader=reader)


def _parse_all(jobs: list[tuple[bytes, str, str, str | None, str | None]], workers: int) -> Iterator[ParseResult]:
    """Parse results in input order, each as soon as it is ready."""
    if workers <= 1 or len(jobs) < PARALLEL_MIN_FILES:
        yield from map(_parse_job, jobs)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    chunk = max(1, len(jobs) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(_parse_job, jobs, chunksize=chunk)


def parse_inputs(
    inputs: Sequence[InputData],
    *,
    encoding: str | None = None,
    reader: str | None = None,
    jobs: int = 1,
    cache: BuildCache | None = None,
    on_parsed: Callable[[int, int], None] | None = None,
) -> Corpus:
    """Parse read files into a corpus, in input order.

    ``on_parsed(done, total)`` is called as files are parsed (for a progress bar).

    Files found in ``cache`` (same bytes, same options) are not parsed again;
    the others are parsed by ``jobs`` worker processes when there are many.
    The result does not depend on ``jobs`` or on the cache.
    """
    results: list[ParseResult | None] = [None] * len(inputs)
    todo: list[tuple[int, str | None]] = []
    work = []
    for index, item in enumerate(inputs):
        if item.data is None:
            message = f"cannot read the file: {item.error}; check its permissions"
            results[index] = (None, [Diagnostic(item.file.display, 1, message, "unreadable")])
            continue
        key = file_key(item.data, item.file.display, item.file.relpath, encoding, reader) if cache else None
        hit = cache.get(key) if cache and key else None
        if hit is not None:
            results[index] = hit
            continue
        todo.append((index, key))
        work.append((item.data, item.file.display, item.file.relpath, encoding, reader))
    for done, ((index, key), result) in enumerate(zip(todo, _parse_all(work, jobs)), start=1):
        results[index] = result
        if cache and key:
            cache.put(key, result)
        if on_parsed:
            on_parsed(done, len(todo))
    documents: list[Document] = []
    diagnostics: list[Diagnostic] = []
    for document, problems in results:  # type: ignore[misc]
        if document is not None:
            documents.append(document)
        diagnostics.extend(problems)
    return Corpus(tuple(documents), tuple(diagnostics))


def load_corpus(
    paths: Sequence[str | os.PathLike[str]],
    *,
    encoding: str | None = None,
    reader: str | None = None,
    jobs: int = 1,
) -> Corpus:
    """Read every input into one corpus (documents in path order).

    Args:
        paths: digest folders, vault folders or single files.
        encoding: decode every file with this encoding instead of UTF-8.
        reader: force a reader (``"digest"`` or ``"vault"``) instead of detection.
        jobs: worker processes for parsing many files.

    Raises:
        InputError: a path is missing or holds no readable file, or the
            reader is unknown.
    """
    check_reader(reader)
    return parse_inputs(read_inputs(find_inputs(paths)), encoding=encoding, reader=reader, jobs=jobs)


def check_reader(reader: str | None) -> None:
    if reader is not None and reader not in READERS:
        raise InputError(f"unknown reader {reader!r}; choose one of: {', '.join(sorted(READERS))}")
