"""The output folder: one build at a time, and all of its files or none.

A build holds an OS lock on ``OUTDIR/.papergraph.lock`` from start to end,
so two builds never write into one folder at once (the second one fails with
a clear error, or queues with ``wait=True``). The kernel releases the lock
however the build ends, even on ``kill -9``.

Every output is first written to a temporary file beside its target
(:func:`stage`). :func:`commit` then switches the whole set:

1. a journal listing every ``(temporary, target)`` pair is written and
   fsynced (until then, nothing the user sees has changed);
2. each target is renamed over by its temporary file; outputs of the last
   set that this one no longer has are removed;
3. the journal is removed.

If the build dies during step 2, the next build (or anything that takes the
lock through :class:`OutputFolder`) finishes the journal first: every
temporary file still present is renamed into place, so the folder holds the
complete new set. If a rename fails in the build itself (say ``graph.html``
became a folder), the renames done so far are undone from backups, so the
folder holds the complete old set. Either way the folder never keeps a mix.
See ``docs/architecture.md`` ("Output folder").
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import ExportError, OutputLockedError

__all__ = [
    "JOURNAL_NAME",
    "LOCK_NAME",
    "STAGED_SUFFIX",
    "OutputFolder",
    "StagedFile",
    "commit",
    "recover",
    "stage",
    "write_atomic",
]

LOCK_NAME = ".papergraph.lock"
JOURNAL_NAME = ".papergraph-journal.json"
STAGED_SUFFIX = ".papergraph-new"
BACKUP_SUFFIX = ".papergraph-old"
_MAX_JOURNAL_BYTES = 1 << 20


@dataclass(frozen=True)
class StagedFile:
    """A finished temporary file waiting to replace ``target`` (a plain name in the folder)."""

    temporary: str
    target: str
    size: int


def _check_name(name: str) -> None:
    if "/" in name or "\\" in name or name in {"", ".", ".."} or name.startswith(".papergraph"):
        raise ExportError(f"{name!r}: exporters may only write plain file names")


def _write_error(target: Path, error: OSError) -> ExportError:
    return ExportError(
        f"{target.as_posix()}: cannot write ({error.strerror or error}); "
        "check that the output folder is writable or choose another with -o"
    )


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def stage(folder: Path, name: str, data: bytes | Iterable[bytes]) -> StagedFile:
    """Write ``data`` (bytes, or byte chunks) to a new temporary file in ``folder``,
    fsynced, ready for :func:`commit` to rename over ``folder/name``.

    The temporary file is created exclusively (never through an existing
    file or symlink) and removed again if writing fails.

    Raises:
        ExportError: the folder cannot be written.
    """
    _check_name(name)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=STAGED_SUFFIX, dir=folder)
        try:
            size = 0
            with os.fdopen(handle, "wb") as stream:
                for chunk in (data,) if isinstance(data, bytes) else data:
                    stream.write(chunk)
                    size += len(chunk)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o644)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise _write_error(folder / name, error) from None
    return StagedFile(Path(temporary).name, name, size)


def write_atomic(folder: Path, name: str, data: bytes) -> Path:
    """Replace ``folder/name`` with ``data`` through a temporary file and one rename.

    For single files outside a build's output set; a symlink at ``name`` is
    replaced, never followed.

    Raises:
        ExportError: the folder cannot be written.
    """
    staged = stage(folder, name, data)
    try:
        os.replace(folder / staged.temporary, folder / name)
    except OSError as error:
        (folder / staged.temporary).unlink(missing_ok=True)
        raise _write_error(folder / name, error) from None
    return folder / name


def commit(folder: Path, staged: list[StagedFile], remove: Iterable[str] = ()) -> None:
    """Replace the outputs in ``folder`` by ``staged`` and delete ``remove``, all or nothing.

    Raises:
        ExportError: a target cannot be replaced; the folder then holds the
            previous set, unchanged, and the staged files are gone.
    """
    removed = [name for name in remove if name not in {s.target for s in staged}]
    for name in [s.target for s in staged] + removed:
        _check_name(name)
        target = folder / name
        if target.is_dir() and not target.is_symlink():
            _discard(folder, staged)
            raise ExportError(
                f"{target.as_posix()}: is a folder, so it cannot be replaced by the new output; "
                "move it away or choose another output folder with -o"
            )
    entries: list[dict[str, str | None]] = [{"temporary": s.temporary, "target": s.target} for s in staged]
    entries += [{"temporary": None, "target": name} for name in removed]
    with _signals_deferred():  # Ctrl-C waits the few milliseconds the switch takes
        _switch(folder, staged, entries)


@contextmanager
def _signals_deferred() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    deferred = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, deferred)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _switch(folder: Path, staged: list[StagedFile], entries: list[dict]) -> None:
    _write_journal(folder, {"entries": entries})
    done: list[dict] = []
    try:
        for entry in entries:
            _backup(folder, entry["target"])
            done.append(entry)
            _apply(folder, entry)
    except OSError as error:
        for entry in reversed(done):
            _restore(folder, entry)
        _discard(folder, staged)
        _remove_journal(folder)
        raise _write_error(folder / entry["target"], error) from None
    _remove_journal(folder)
    for entry in entries:
        _unlink_quietly(folder / f".{entry['target']}{BACKUP_SUFFIX}")


def _write_journal(folder: Path, journal: dict) -> None:
    data = json.dumps(journal, ensure_ascii=False).encode()
    try:
        handle, temporary = tempfile.mkstemp(prefix=".papergraph-journal.", suffix=STAGED_SUFFIX, dir=folder)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, folder / JOURNAL_NAME)
    except OSError as error:
        raise _write_error(folder / JOURNAL_NAME, error) from None
    _fsync_folder(folder)


def _remove_journal(folder: Path) -> None:
    _unlink_quietly(folder / JOURNAL_NAME)
    _fsync_folder(folder)


def _backup(folder: Path, name: str) -> None:
    """Keep the current ``name`` (a hard link, so it stays in place) to undo a failed commit."""
    target, backup = folder / name, folder / f".{name}{BACKUP_SUFFIX}"
    _unlink_quietly(backup)
    try:
        os.link(target, backup, follow_symlinks=False)
    except FileNotFoundError:
        pass
    except OSError:  # a file system without hard links: a copy does the same job
        if target.is_symlink():
            os.symlink(os.readlink(target), backup)
        else:
            shutil.copy2(target, backup)


def _apply(folder: Path, entry: dict) -> None:
    if entry["temporary"] is None:
        _unlink_quietly(folder / entry["target"])
    else:
        os.replace(folder / entry["temporary"], folder / entry["target"])


def _restore(folder: Path, entry: dict) -> None:
    target, backup = folder / entry["target"], folder / f".{entry['target']}{BACKUP_SUFFIX}"
    try:
        os.replace(backup, target)
    except FileNotFoundError:  # the target did not exist before this commit
        _unlink_quietly(target)


def _discard(folder: Path, staged: list[StagedFile]) -> None:
    for item in staged:
        _unlink_quietly(folder / item.temporary)


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        pass  # a leftover that cannot be removed is removed by the next build, or is harmless


def _read_journal(folder: Path) -> list[dict] | None:
    """The entries of an unfinished commit's journal; None when there is none or it is unusable."""
    try:
        descriptor = os.open(folder / JOURNAL_NAME, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            data = stream.read(_MAX_JOURNAL_BYTES + 1)
        journal = json.loads(data) if len(data) <= _MAX_JOURNAL_BYTES else None
    except (OSError, ValueError):
        return None
    finally:
        os.close(descriptor)
    entries = journal.get("entries") if isinstance(journal, dict) else None
    if not isinstance(entries, list):
        return None
    valid = []
    for entry in entries:
        if not isinstance(entry, dict):
            return None
        temporary, target = entry.get("temporary"), entry.get("target")
        if not isinstance(target, str) or not (temporary is None or isinstance(temporary, str)):
            return None
        if "/" in target or (temporary is not None and ("/" in temporary or not temporary.endswith(STAGED_SUFFIX))):
            return None
        valid.append({"temporary": temporary, "target": target})
    return valid


def recover(folder: Path) -> bool:
    """Finish a commit that was cut short, then remove every leftover temporary file.

    Returns whether a commit was finished. Only call it while holding the
    folder's lock (:class:`OutputFolder` does).
    """
    entries = _read_journal(folder)
    finished = entries is not None
    for entry in entries or []:
        temporary = entry["temporary"]
        if temporary is None:
            _unlink_quietly(folder / entry["target"])
            continue
        source = folder / temporary
        if source.is_symlink() or not source.is_file():
            continue  # already renamed into place
        try:
            os.replace(source, folder / entry["target"])
        except OSError:
            pass
    if (folder / JOURNAL_NAME).exists() or (folder / JOURNAL_NAME).is_symlink():
        _remove_journal(folder)
    _remove_leftovers(folder)
    return finished


def _remove_leftovers(folder: Path) -> None:
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(".") and (name.endswith((STAGED_SUFFIX, BACKUP_SUFFIX))):
            path = folder / name
            if path.is_symlink() or path.is_file():
                _unlink_quietly(path)


class OutputFolder:
    """The output folder, locked for one build: ``with OutputFolder(path) as folder: ...``.

    Entering creates the folder if needed, takes the lock (or raises
    :class:`~papergraph.errors.OutputLockedError`; with ``wait=True``, waits
    for it), finishes a commit that a killed build left, and removes stale
    temporary files. Leaving releases the lock.
    """

    def __init__(self, path: Path, *, wait: bool = False):
        self.path = path
        self.wait = wait
        self._lock: int | None = None

    def __enter__(self) -> OutputFolder:
        import fcntl

        try:
            self.path.mkdir(parents=True, exist_ok=True)
            flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
            self._lock = os.open(self.path / LOCK_NAME, flags, 0o644)
        except OSError as error:
            if error.errno == errno.ELOOP:
                error.strerror = f"{LOCK_NAME} is a symlink; remove it"
            raise _write_error(self.path, error) from None
        try:
            if not stat.S_ISREG(os.fstat(self._lock).st_mode):
                raise ExportError(f"{(self.path / LOCK_NAME).as_posix()}: is not a regular file; remove it")
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise OutputLockedError(
                    f"{self.path.as_posix()}: another papergraph build is writing into this folder; "
                    "wait until it ends, or pass --wait to queue behind it"
                ) from None
            recover(self.path)
        except BaseException:
            os.close(self._lock)
            self._lock = None
            raise
        return self

    def __exit__(self, *exception: object) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor releases the lock
            self._lock = None

    def stage(self, name: str, data: bytes | Iterable[bytes]) -> StagedFile:
        return stage(self.path, name, data)

    def commit(self, staged: list[StagedFile], remove: Iterable[str] = ()) -> None:
        commit(self.path, staged, remove)

    def discard_staged(self) -> None:
        """Remove every staged file (while the lock is held, they are all this build's)."""
        _remove_leftovers(self.path)
