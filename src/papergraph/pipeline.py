"""Find and read input files: the only module that opens what the user gives.

``load_corpus(paths)`` walks folders, decodes each file (UTF-8 with or
without BOM unless told otherwise), picks a reader, and collects records and
diagnostics into one immutable :class:`~papergraph.model.Corpus`.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .model import Corpus, Diagnostic, Document
from .parsers import READERS, detect_reader

__all__ = [
    "InputData",
    "InputFile",
    "check_encoding",
    "check_reader",
    "decode",
    "display_path",
    "find_inputs",
    "load_corpus",
    "parse_bytes",
    "parse_inputs",
    "read_inputs",
]

INPUT_SUFFIXES = (".txt", ".md")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file to read: where it is, how to show it, its path inside the input
    root, and that root as the user gave it (the input it belongs to)."""

    path: Path
    display: str
    relpath: str
    root: str = ""


def display_path(path: Path | str) -> str:
    """A path as messages show it: control characters escaped, so a file name
    with a newline cannot forge a line of papergraph's output."""
    text = path.as_posix() if isinstance(path, Path) else path
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


_display = display_path


def find_inputs(
    paths: Sequence[str | os.PathLike[str]], *, follow_symlinks: bool = False
) -> tuple[list[InputFile], list[Diagnostic]]:
    """Expand the user's paths into a sorted list of regular files to read.

    Folders are walked recursively for ``.txt`` and ``.md`` files, skipping
    hidden entries (``.obsidian``, ``.git``); a file is taken as given. Only
    regular files are read: FIFOs, devices and sockets are skipped, and so
    are symlinks that lead out of the folder given, unless
    ``follow_symlinks``. Each skipped or unreadable path becomes a diagnostic.

    Raises:
        InputError: a path does not exist or cannot be reached, or a folder
            holds no digest or note.
    """
    found: list[InputFile] = []
    problems: list[Diagnostic] = []
    for raw in paths:
        root = Path(raw)
        try:
            status = root.stat()
        except FileNotFoundError:
            raise InputError(f"{_display(root)}: no such file or directory; check the path") from None
        except OSError as error:
            raise InputError(f"{_display(root)}: cannot open ({error.strerror}); check its permissions") from None
        if stat.S_ISDIR(status.st_mode):
            files = _walk(root, follow_symlinks, problems)
            if not files:
                raise InputError(
                    f"{_display(root)}: no digest (.txt) or note (.md) files in this folder; "
                    "pass the folder that holds them"
                )
            found.extend(sorted(files, key=lambda f: f.relpath))
        elif stat.S_ISREG(status.st_mode):
            found.append(InputFile(root, _display(root), root.name, _display(root)))
        else:
            problems.append(_not_a_file(root))
    return found, problems


def _not_a_file(path: Path) -> Diagnostic:
    return Diagnostic(
        _display(path), 1, "not a regular file (a FIFO, device or socket); skipped, pass text files only", "not-a-file"
    )


def _walk(root: Path, follow_symlinks: bool, problems: list[Diagnostic]) -> list[InputFile]:
    inside = root.resolve()
    files = []

    def unreadable(error: OSError) -> None:
        where = _display(error.filename if isinstance(error.filename, str) else root)
        problems.append(
            Diagnostic(
                where, 1, f"cannot read this folder ({error.strerror}); skipped, check its permissions", "unreadable"
            )
        )

    seen_folders: set[Path] = set()
    for directory, subdirs, names in os.walk(root, onerror=unreadable, followlinks=follow_symlinks):
        if follow_symlinks:  # a link back up the tree must not make the walk endless
            real = Path(directory).resolve()
            if real in seen_folders:
                subdirs[:] = []
                continue
            seen_folders.add(real)
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith(".") or not name.lower().endswith(INPUT_SUFFIXES):
                continue
            full = Path(directory) / name
            if _readable_file(full, inside, follow_symlinks, problems):
                files.append(InputFile(full, _display(full), full.relative_to(root).as_posix(), _display(root)))
    return files


def _readable_file(path: Path, inside: Path, follow_symlinks: bool, problems: list[Diagnostic]) -> bool:
    """Whether ``path`` is a regular file papergraph may read; if not, say why."""
    try:
        if path.is_symlink() and not follow_symlinks:
            target = path.resolve()
            if inside not in target.parents:
                problems.append(
                    Diagnostic(
                        _display(path),
                        1,
                        "symlink to a file outside the input folder; skipped, pass --follow-symlinks to read it",
                        "symlink",
                    )
                )
                return False
        status = path.stat()
    except OSError as error:
        problems.append(
            Diagnostic(_display(path), 1, f"cannot read the file ({error.strerror}); skipped", "unreadable")
        )
        return False
    if not stat.S_ISREG(status.st_mode):
        problems.append(_not_a_file(path))
        return False
    return True


def check_encoding(encoding: str | None) -> None:
    """Raises InputError when Python knows no codec called ``encoding``."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}; pass one Python knows, e.g. --encoding cp949") from None


def decode(data: bytes, display: str, encoding: str | None = None) -> tuple[str | None, list[Diagnostic]]:
    """Decode file bytes, or explain why they cannot be read.

    Returns the text (``None`` when unreadable) and diagnostics. Binary files
    and text in another encoding become diagnostics naming the remedy.
    """
    if _looks_binary(data):
        return None, [
            Diagnostic(
                display, 1, "binary file, not a text digest or note; skipped (leave it out of the inputs)", "binary"
            )
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


# Every byte but the control characters text does not use (tab, newline, form feed and carriage return are text).
_NOT_CONTROL = bytes(byte for byte in range(256) if byte >= 32 or byte in (9, 10, 12, 13))


def _looks_binary(data: bytes) -> bool:
    """Many control bytes, or NUL bytes in something that is not UTF-8 text.

    A stray NUL in UTF-8 text is not binary: the reader drops it with a
    diagnostic and keeps the rest. UTF-16 (NUL-rich) is left to the decoder,
    which names the encoding.
    """
    sample = data[:8192]
    if not sample or sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    controls = len(sample.translate(None, _NOT_CONTROL))  # the control bytes are what is left
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
    detected = detect_reader(relpath, text)
    if reader is not None and reader != detected:
        problems.append(
            Diagnostic(
                path,
                1,
                f"read as a {reader} because of --reader {reader}, but it looks like a {detected}; "
                f"drop --reader unless you are sure",
                "reader",
            )
        )
    document, diagnostics = READERS[reader or detected](text, path=path, relpath=relpath)
    return document, problems + diagnostics


@dataclass(frozen=True, slots=True)
class InputData:
    """The bytes of one input file, or why they could not be read."""

    file: InputFile
    data: bytes | None
    error: str | None = None


def read_inputs(files: Sequence[InputFile]) -> list[InputData]:
    """Read the bytes of every file (the only place input files are opened).

    A file that is no longer a regular file when it is opened (swapped for a
    FIFO or a device since it was found) is not read: opening never blocks.
    """
    found = []
    for item in files:
        try:
            descriptor = os.open(item.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            with os.fdopen(descriptor, "rb") as stream:
                if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                    found.append(InputData(item, None, "not a regular file"))
                    continue
                found.append(InputData(item, stream.read()))
        except OSError as error:
            found.append(InputData(item, None, str(error.strerror or error)))
    return found


def parse_inputs(inputs: Sequence[InputData], *, encoding: str | None = None, reader: str | None = None) -> Corpus:
    """Parse read files into a corpus, in input order."""
    documents: list[Document] = []
    diagnostics: list[Diagnostic] = []
    for item in inputs:
        if item.data is None:
            message = f"cannot read the file: {item.error}; check its permissions"
            diagnostics.append(Diagnostic(item.file.display, 1, message, "unreadable"))
            continue
        document, problems = parse_bytes(
            item.data, path=item.file.display, relpath=item.file.relpath, encoding=encoding, reader=reader
        )
        if document is not None:
            documents.append(document)
        diagnostics.extend(problems)
    return Corpus(tuple(documents), tuple(diagnostics))


def load_corpus(
    paths: Sequence[str | os.PathLike[str]],
    *,
    encoding: str | None = None,
    reader: str | None = None,
    follow_symlinks: bool = False,
) -> Corpus:
    """Read every input into one corpus (documents in path order).

    Args:
        paths: digest folders, vault folders or single files.
        encoding: decode every file with this encoding instead of UTF-8.
        reader: force a reader (``"digest"`` or ``"vault"``) instead of detection.
        follow_symlinks: follow symlinks that lead out of the input folders.

    Raises:
        InputError: a path is missing or holds no readable file, or the
            reader or encoding is unknown.
    """
    check_reader(reader)
    check_encoding(encoding)
    files, problems = find_inputs(paths, follow_symlinks=follow_symlinks)
    corpus = parse_inputs(read_inputs(files), encoding=encoding, reader=reader)
    return Corpus(corpus.documents, (*problems, *corpus.diagnostics))


def check_reader(reader: str | None) -> None:
    if reader is not None and reader not in READERS:
        raise InputError(f"unknown reader {reader!r}; choose one of: {', '.join(sorted(READERS))}")
