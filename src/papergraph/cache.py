"""What the last build of an output folder was made from, kept outside that folder.

A build whose inputs, options, papergraph code and outputs are all exactly
as the last build left them has nothing to do. To know that, each build
records, per output folder, a small JSON file in a per-user cache folder
(``$XDG_CACHE_HOME/papergraph`` or ``~/.cache/papergraph``; ``--cache-dir``
chooses another): a hash of the inputs, the options, a fingerprint of
papergraph's own files, and the size, modification time and inode of every
output it wrote.

The record is plain JSON (it cannot run code), read with a size cap,
without following symlinks, and validated field by field: a missing,
damaged, oversized or hostile record only makes the next build a cold one.
Nothing is ever written into the output folder or read from the inputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path

from . import __version__

__all__ = ["BuildRecord", "code_fingerprint", "default_cache_dir", "output_stamp"]

PACKAGE = Path(__file__).resolve().parent
FORMAT = 2
MAX_RECORD_BYTES = 4 << 20
_TEMPORARY_SUFFIX = ".tmp"


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/papergraph``, else ``~/.cache/papergraph``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "papergraph"


def code_fingerprint() -> str:
    """A hash of papergraph's own files (code, templates, queries, vocabulary),
    so a record never outlives the code that made its outputs."""
    digest = hashlib.sha256(f"{FORMAT}:{__version__}".encode())
    for source in sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(source.relative_to(PACKAGE).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def output_stamp(path: Path) -> list[int] | None:
    """Size, modification time and inode of an output file (not following a symlink); None if missing."""
    try:
        status = path.lstat()
    except OSError:
        return None
    return [status.st_size, status.st_mtime_ns, status.st_ino]


_FIELDS: dict[str, type | tuple[type, ...]] = {
    "format": int,
    "inputs": str,
    "options": dict,
    "outputs": dict,
    "files": int,
    "entries": int,
    "summary": dict,
    "date_range": (list, type(None)),
    "diagnostics": list,
}


def _valid(record: object) -> bool:
    if not isinstance(record, dict) or set(record) != set(_FIELDS) or record["format"] != FORMAT:
        return False
    if not all(isinstance(record[name], kind) for name, kind in _FIELDS.items()):
        return False
    stamps_ok = all(
        isinstance(name, str) and isinstance(stamp, list) and len(stamp) == 3 and all(type(n) is int for n in stamp)
        for name, stamp in record["outputs"].items()
    )
    diagnostics_ok = all(
        isinstance(d, list)
        and len(d) == 4
        and isinstance(d[0], str)
        and type(d[1]) is int
        and isinstance(d[2], str)
        and isinstance(d[3], str)
        for d in record["diagnostics"]
    )
    summary_ok = all(
        isinstance(record["summary"].get(part), dict)
        and all(isinstance(k, str) and type(v) is int for k, v in record["summary"][part].items())
        for part in ("nodes", "edges")
    )
    dates = record["date_range"]
    dates_ok = dates is None or (len(dates) == 2 and all(isinstance(d, str) for d in dates))
    return stamps_ok and diagnostics_ok and summary_ok and dates_ok


class BuildRecord:
    """The record of the last build into one output folder, in ``cache_dir``."""

    def __init__(self, output: Path, cache_dir: Path | None = None):
        folder_key = hashlib.sha256(os.fsencode(output.resolve())).hexdigest()[:32]
        self.folder = (cache_dir or default_cache_dir()) / "builds"
        self.path = self.folder / f"{folder_key}.json"

    def read(self) -> dict | None:
        """The record, or None when it is missing or cannot be trusted."""
        if self.folder.is_symlink():
            return None
        try:
            descriptor = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_RECORD_BYTES:
                return None
            with os.fdopen(descriptor, "rb", closefd=False) as stream:
                data = stream.read(MAX_RECORD_BYTES + 1)
            record = json.loads(data)
        except (OSError, ValueError, RecursionError):
            return None
        finally:
            os.close(descriptor)
        return record if _valid(record) else None

    def write(self, record: dict) -> None:
        """Replace the record; a cache that cannot be written only costs time next build."""
        record = {"format": FORMAT, **record}
        if not _valid(record):
            raise ValueError("papergraph wrote an invalid build record")  # a bug, not a user error
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if self.folder.is_symlink() or not self.folder.is_dir():
                return
            self._remove_stale_temporaries()
            handle, temporary = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=_TEMPORARY_SUFFIX, dir=self.folder
            )
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(json.dumps(record, ensure_ascii=False, indent=1).encode())
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            pass

    def forget(self) -> None:
        """Drop the record (before a build changes the outputs it describes)."""
        try:
            if self.path.is_symlink() or self.path.is_file():
                self.path.unlink()
        except OSError:
            pass

    def _remove_stale_temporaries(self) -> None:
        """Temporary files of writers that were killed (this record's only; others may be in use)."""
        for leftover in self.folder.glob(f".{self.path.name}.*{_TEMPORARY_SUFFIX}"):
            try:
                leftover.unlink()
            except OSError:
                pass
