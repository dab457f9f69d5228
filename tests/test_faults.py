"""Faults: a build killed or failing mid-export never damages the last good outputs."""

from __future__ import annotations

import dataclasses
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT
from papergraph.build import STAGED_SUFFIX, build
from papergraph.errors import ExportError

# A build that says which stage it is in, one line per stage, as soon as it starts it.
BUILD_SCRIPT = """
import sys
from papergraph.build import build
build([sys.argv[1]], sys.argv[2], jobs=int(sys.argv[3]), cache=False,
      progress=lambda stage: print(stage, flush=True))
print("done", flush=True)
"""


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text.encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            pass
    return found


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory):
    """A corpus, the outputs of a good build of it, and the outputs the next build would make."""
    root = tmp_path_factory.mktemp("faults")
    corpus = root / "digests"
    shutil.copytree(CORPUS / "digests", corpus)
    old = root / "old"
    build([corpus], old, jobs=1, cache=False)
    victim = corpus / "2023" / "2023-06-01.txt"
    victim.write_text(
        victim.read_text(encoding="utf-8") + "Kill Test Paper\n(Ada Lovelace)\n새 메모.\n#kill-test\n", encoding="utf-8"
    )
    new = root / "new"
    build([corpus], new, jobs=1, cache=False)
    return corpus, _outputs(old), _outputs(new)


@pytest.mark.parametrize("run", range(20))
def test_killing_a_build_mid_export_leaves_the_previous_outputs_intact(two_versions, tmp_path, run):
    corpus, old, new = two_versions
    assert old.keys() == new.keys() and all(old[name] != new[name] for name in ("graph.ttl", "graph.html"))
    out = tmp_path / "out"
    out.mkdir()
    for name, content in old.items():
        (out / name).write_bytes(content)
    rng = random.Random(run)
    jobs = 1 + run % 2
    process = subprocess.Popen(
        [sys.executable, "-c", BUILD_SCRIPT, str(corpus), str(out), str(jobs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    stages = []
    for line in process.stdout:
        stages.append(line.strip())
        if line.startswith("exporting"):
            time.sleep(rng.uniform(0, 0.15))
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, stages
    assert "done" not in stages
    deadline = time.monotonic() + 5
    while _processes_mentioning(str(out)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_mentioning(str(out)) == []  # export workers die with the build
    assert _outputs(out) == old
    if run % 5 == 0:
        # The next build removes what the killed one left and writes the new outputs.
        build([corpus], out, jobs=2, cache=False)
        assert _outputs(out) == new
        assert list(out.glob(f".*{STAGED_SUFFIX}")) == []


def test_a_failing_exporter_leaves_the_previous_outputs_intact(two_versions, tmp_path, monkeypatch):
    corpus, old, _ = two_versions
    out = tmp_path / "out"
    out.mkdir()
    for name, content in old.items():
        (out / name).write_bytes(content)
    from papergraph.exporters import gexf

    def broken(G, ctx):
        raise ExportError("graph.gexf: the disk is full")

    monkeypatch.setattr(gexf, "EXPORTER", dataclasses.replace(gexf.EXPORTER, generate=broken))
    with pytest.raises(ExportError, match="the disk is full"):
        build([corpus], out, jobs=1, cache=False)
    assert _outputs(out) == old
    assert list(out.glob(f".*{STAGED_SUFFIX}")) == []
