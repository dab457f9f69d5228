"""Faults: killed, interrupted, failing and concurrent builds never leave a mixed or damaged output folder."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT, SEEDS
from papergraph.build import build
from papergraph.errors import ExportError, OutputLockedError
from papergraph.outputs import JOURNAL_NAME, LOCK_NAME, STAGED_SUFFIX, OutputFolder


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


def _wait_for(condition, seconds: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _blocked_locks(inode: int) -> str:
    """The lines of /proc/locks about the file with this inode."""
    lines = Path("/proc/locks").read_text().splitlines()
    return "\n".join(line for line in lines if line.split()[-3].rsplit(":", 1)[-1] == str(inode))


def _live_processes() -> list[tuple[int, int, int]]:
    """``(pid, parent pid, process group)`` of every live process, from /proc."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            found.append((int(stat_file.parent.name), int(fields[1]), int(fields[2])))
    return found


def _processes_in_group(group: int) -> list[int]:
    return [pid for pid, _, pgrp in _live_processes() if pgrp == group]


def _children_of(parent: int) -> list[int]:
    return [pid for pid, ppid, _ in _live_processes() if ppid == parent]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.fixture(scope="module")
def seed_versions(tmp_path_factory):
    """Two inputs (the seeds, and the seeds with one more entry) and the cold outputs of each."""
    root = tmp_path_factory.mktemp("versions")
    old_inputs, new_inputs = root / "old-inputs", root / "new-inputs"
    shutil.copytree(SEEDS, old_inputs)
    shutil.copytree(SEEDS, new_inputs)
    victim = new_inputs / "001_10537a06faff7c25.txt"
    victim.write_text(
        victim.read_text(encoding="utf-8") + "\nKill Test Paper\n(Ada Lovelace)\n새 메모.\n#kill-test\n",
        encoding="utf-8",
    )
    build([old_inputs], root / "old", cache=False)
    build([new_inputs], root / "new", cache=False)
    old, new = _outputs(root / "old"), _outputs(root / "new")
    assert old.keys() == new.keys() and all(old[name] != new[name] for name in old if name != "papergraph.ttl")
    return old_inputs, new_inputs, old, new


@pytest.fixture(scope="module")
def corpus_versions(tmp_path_factory):
    """The sample corpus (big enough for parallel exports) and a good build of it."""
    root = tmp_path_factory.mktemp("corpus")
    build([CORPUS / "digests"], root / "old", cache=False)
    return CORPUS / "digests", _outputs(root / "old")


def _fill(out: Path, outputs: dict[str, bytes]) -> None:
    out.mkdir(exist_ok=True)
    for name, content in outputs.items():
        (out / name).write_bytes(content)


# A build that SIGKILLs itself at its N-th file-system step of the commit.
KILL_AT_STEP = """
import os, signal, sys
from papergraph import outputs
from papergraph.build import build

limit, steps, committing = int(sys.argv[3]), 0, False
original_commit = outputs.OutputFolder.commit

def commit(self, staged, remove=()):
    global committing
    committing = True
    return original_commit(self, staged, remove)

def counted(function):
    def step(*args, **kwargs):
        global steps
        if committing:
            steps += 1
            if steps == limit:
                os.kill(os.getpid(), signal.SIGKILL)
        return function(*args, **kwargs)
    return step

outputs.OutputFolder.commit = commit
for name in ("replace", "link", "unlink", "fsync"):
    setattr(os, name, counted(getattr(os, name)))
build([sys.argv[1]], sys.argv[2], cache=False)
print("steps", steps)
"""


def test_a_build_killed_at_any_step_of_the_commit_leaves_the_old_set_or_the_new_set(seed_versions, tmp_path):
    _, new_inputs, old, new = seed_versions
    outcomes = []
    for limit in range(1, 200):
        out = tmp_path / f"out-{limit}"
        _fill(out, old)
        run = subprocess.run(
            [sys.executable, "-c", KILL_AT_STEP, str(new_inputs), str(out), str(limit)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        with OutputFolder(out):  # what the next build does first: finish or drop the cut commit
            pass
        now = _outputs(out)
        assert now in (old, new), f"a mixed set after a kill at step {limit}"
        assert not (out / JOURNAL_NAME).exists() and not list(out.glob(f".*{STAGED_SUFFIX}"))
        outcomes.append("old" if now == old else "new")
        if run.returncode == 0:  # the build got through every step
            assert run.stdout.startswith("steps") and now == new
            break
        assert run.returncode == -signal.SIGKILL, run.stderr
    else:
        raise AssertionError("the build never finished")
    # Killed before the journal: the old set; killed after it: the new set (rolled forward).
    assert outcomes[0] == "old" and outcomes[-1] == "new" and len(outcomes) > 10
    assert outcomes == sorted(outcomes, key=["old", "new"].index)


def test_a_target_that_cannot_be_replaced_keeps_the_whole_old_set(seed_versions, tmp_path):
    _, new_inputs, old, _ = seed_versions
    out = tmp_path / "out"
    _fill(out, {name: content for name, content in old.items() if name != "graph.html"})
    (out / "graph.html").mkdir()
    with pytest.raises(ExportError) as raised:
        build([new_inputs], out, cache=False)
    assert str(raised.value) == (
        f"{(out.resolve() / 'graph.html').as_posix()}: is a folder, so it cannot be replaced by the new output; "
        "move it away or choose another output folder with -o"
    )
    assert _outputs(out) == {name: content for name, content in old.items() if name != "graph.html"}
    assert not list(out.glob(".*.papergraph-*"))


def test_a_rename_that_fails_midway_is_undone(seed_versions, tmp_path, monkeypatch):
    _, new_inputs, old, _ = seed_versions
    out = tmp_path / "out"
    _fill(out, old)
    real_replace, calls = os.replace, []

    def failing_replace(source, target, **kwargs):
        calls.append(target)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        return real_replace(source, target, **kwargs)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ExportError, match=r"cannot write \(No space left on device\)"):
        build([new_inputs], out, cache=False)
    monkeypatch.undo()
    assert _outputs(out) == old
    assert not list(out.glob(".*.papergraph-*")) and not (out / JOURNAL_NAME).exists()


def test_a_failing_exporter_leaves_the_previous_outputs_intact(seed_versions, tmp_path, monkeypatch):
    _, new_inputs, old, _ = seed_versions
    out = tmp_path / "out"
    _fill(out, old)
    from papergraph.exporters import gexf

    def broken(G, ctx):
        raise ExportError("graph.gexf: the disk is full")

    monkeypatch.setattr(gexf, "EXPORTER", dataclasses.replace(gexf.EXPORTER, generate=broken))
    with pytest.raises(ExportError, match="the disk is full"):
        build([new_inputs], out, cache=False)
    assert _outputs(out) == old
    assert list(out.glob(f".*{STAGED_SUFFIX}")) == []


def test_a_second_build_into_a_locked_folder_fails_or_waits(tmp_path):
    out = tmp_path / "out"
    with OutputFolder(out):
        with pytest.raises(OutputLockedError) as raised:
            build([SEEDS], out)
        assert str(raised.value) == (
            f"{out.resolve().as_posix()}: another papergraph build is writing into this folder; "
            "wait until it ends, or pass --wait to queue behind it"
        )
        finished = threading.Event()
        waiting = threading.Thread(target=lambda: (build([SEEDS], out, wait=True), finished.set()))
        waiting.start()
        lock = os.stat(out / LOCK_NAME).st_ino
        # The kernel lists a blocked flock() as "->" in /proc/locks: the second build is queued.
        _wait_for(lambda: "-> FLOCK  ADVISORY  WRITE" in _blocked_locks(lock), what="the build to queue")
        assert not finished.is_set()
    waiting.join(60)
    assert finished.is_set() and (out / "graph.ttl").is_file()


BUILD_CLI = [sys.executable, "-m", "papergraph", "build", "--no-cache", "-q", "-j", "1"]


def test_concurrent_builds_of_different_inputs_leave_one_consistent_set(seed_versions, tmp_path):
    old_inputs, new_inputs, old, new = seed_versions
    for run in range(20):
        out = tmp_path / f"out-{run}"
        wait = ["--wait"] if run % 2 else []
        runs = [
            subprocess.Popen(
                [*BUILD_CLI, *wait, str(inputs), "-o", str(out)], stderr=subprocess.PIPE, text=True, cwd=ROOT
            )
            for inputs in (old_inputs, new_inputs)
        ]
        results = [(process.wait(120), process.stderr.read()) for process in runs]  # type: ignore[union-attr]
        for code, stderr in results:
            assert code == 0 or (
                code == 1 and not wait and "another papergraph build is writing into this folder" in stderr
            ), stderr
        assert any(code == 0 for code, _ in results)
        assert _outputs(out) in (old, new)
        assert not list(out.glob(".*.papergraph-*"))


def test_ctrl_c_during_a_build_prints_one_line_exits_130_and_leaves_the_old_outputs(corpus_versions, tmp_path):
    corpus, old = corpus_versions
    out = tmp_path / "out"
    _fill(out, old)
    process = subprocess.Popen(
        [sys.executable, "-m", "papergraph", "build", str(corpus), "-o", str(out), "--no-cache", "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    # Interrupt while the export workers run (their staged files appear).
    _wait_for(lambda: list(out.glob(f".*{STAGED_SUFFIX}")) or process.poll() is not None, what="export workers")
    assert process.poll() is None, "the build ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr.splitlines() == ["", "Interrupted: papergraph stopped; no output was left half-written"]
    _wait_for(lambda: not _processes_in_group(process.pid), seconds=2, what="no process left")
    assert _outputs(out) == old
    assert not list(out.glob(f".*{STAGED_SUFFIX}"))


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGKILL])
def test_export_workers_die_with_a_killed_build(corpus_versions, tmp_path, signal_number):
    corpus, old = corpus_versions
    out = tmp_path / "out"
    _fill(out, old)
    process = subprocess.Popen(
        [sys.executable, "-m", "papergraph", "build", str(corpus), "-o", str(out), "--no-cache", "-j", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    _wait_for(lambda: len(_children_of(process.pid)) >= 2 or process.poll() is not None, what="two workers")
    workers = _children_of(process.pid)
    assert len(workers) >= 2, "the build ended before its workers could be seen"
    process.send_signal(signal_number)
    process.wait(60)
    _wait_for(lambda: not any(_alive(worker) for worker in workers), seconds=2, what="the workers to exit")
    assert _outputs(out) == old
