"""Building: up-to-date checks, the build record outside OUTDIR, inputs that are not plain files."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, SEEDS
from papergraph.build import build
from papergraph.cache import MAX_RECORD_BYTES, BuildRecord
from papergraph.errors import ExportError, InputError, NoEntriesError
from papergraph.outputs import LOCK_NAME, write_atomic
from papergraph.pipeline import find_inputs, load_corpus


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (symlinks as their target text), to prove nothing changed there."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            found[path.relative_to(folder).as_posix()] = os.readlink(path).encode()
        elif path.is_file():
            found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return found


@pytest.fixture(scope="module")
def cold_seeds(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("cold") / "out"
    build([SEEDS], out, cache=False)
    return _outputs(out)


def test_a_rebuild_with_no_change_does_nothing_and_reports_the_same(tmp_path):
    first = build([SEEDS], tmp_path / "out")
    second = build([SEEDS], tmp_path / "out")
    assert not first.up_to_date and second.up_to_date
    assert second.summary == first.summary
    assert (second.files, second.entries, second.date_range) == (3, 21, ("2024-02-08", "2024-11-04"))
    assert second.written == []


def test_changing_one_digest_rebuilds_and_matches_a_cold_build(tmp_path):
    corpus = tmp_path / "digests"
    shutil.copytree(SEEDS, corpus)
    build([corpus], tmp_path / "warm")
    changed = corpus / "001_10537a06faff7c25.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("#llm", "#llm #phi"), encoding="utf-8")
    warm = build([corpus], tmp_path / "warm")
    cold = build([corpus], tmp_path / "cold", cache=False)
    assert not warm.up_to_date
    assert warm.summary == cold.summary
    assert warm.summary["nodes"]["tag"] == 18
    assert _outputs(tmp_path / "warm") == _outputs(tmp_path / "cold")


def test_the_output_folder_holds_only_outputs_and_the_record_is_json_in_the_cache_folder(tmp_path):
    cache_dir = tmp_path / "cache"
    build([SEEDS], tmp_path / "out", cache_dir=cache_dir)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [
            LOCK_NAME,
            "coauthors.gexf",
            "graph.gexf",
            "graph.graphml",
            "graph.html",
            "graph.jsonld",
            "graph.nt",
            "graph.ttl",
            "papergraph.ttl",
            "papers.gexf",
        ]
    )
    (record,) = (cache_dir / "builds").iterdir()
    assert record == BuildRecord(tmp_path / "out", cache_dir).path
    data = json.loads(record.read_text(encoding="utf-8"))
    assert (data["format"], data["files"], data["entries"]) == (2, 3, 21)
    assert sorted(data["outputs"]) == sorted(_outputs(tmp_path / "out"))
    # Nothing anywhere is a pickle (whose loading runs code).
    for path in [*(tmp_path / "out").iterdir(), *cache_dir.rglob("*")]:
        if path.is_file():
            assert not path.read_bytes().startswith(b"\x80"), path


def test_the_default_cache_folder_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    build([SEEDS], tmp_path / "out")
    assert [p.parent for p in (tmp_path / "xdg").rglob("*.json")] == [tmp_path / "xdg" / "papergraph" / "builds"]


def _hostile_records(record: Path, outside: Path) -> dict:
    valid = {
        "format": 2,
        "inputs": "x",
        "options": {},
        "outputs": {},
        "files": 3,
        "entries": 21,
        "summary": {"nodes": {}, "edges": {}},
        "date_range": None,
        "diagnostics": [],
    }
    return {
        "not json": lambda: record.write_text("{", encoding="utf-8"),
        "wrong types": lambda: record.write_text(
            json.dumps({**valid, "outputs": {"graph.ttl": "big"}, "diagnostics": [[1, "x", None, 2]]}), encoding="utf-8"
        ),
        "a list": lambda: record.write_text("[1, 2, 3]", encoding="utf-8"),
        "deep nesting": lambda: record.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8"),
        "oversized": lambda: record.write_bytes(b" " * (MAX_RECORD_BYTES + 1) + b"{}"),
        "a fifo": lambda: os.mkfifo(record),
        "a link to /dev/zero": lambda: record.symlink_to("/dev/zero"),
        "a link outside": lambda: record.symlink_to(outside),
    }


@pytest.mark.parametrize(
    "attack",
    [
        "not json",
        "wrong types",
        "a list",
        "deep nesting",
        "oversized",
        "a fifo",
        "a link to /dev/zero",
        "a link outside",
    ],
)
def test_a_damaged_or_hostile_record_only_makes_the_build_cold(tmp_path, cold_seeds, attack):
    cache_dir, out = tmp_path / "cache", tmp_path / "out"
    outside = tmp_path / "outside" / "precious.json"
    outside.parent.mkdir()
    outside.write_text('{"keep": true}', encoding="utf-8")
    build([SEEDS], out, cache_dir=cache_dir)
    record = BuildRecord(out, cache_dir).path
    record.unlink()
    _hostile_records(record, outside)[attack]()
    again = build([SEEDS], out, cache_dir=cache_dir)
    assert not again.up_to_date and again.entries == 21
    assert _outputs(out) == cold_seeds
    assert outside.read_text(encoding="utf-8") == '{"keep": true}'
    assert build([SEEDS], out, cache_dir=cache_dir).up_to_date  # the record was replaced by a good one


def test_a_symlinked_cache_folder_and_planted_temporary_files_are_never_followed(tmp_path, cold_seeds):
    cache_dir, out = tmp_path / "cache", tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine", encoding="utf-8")
    cache_dir.mkdir()
    (cache_dir / "builds").symlink_to(elsewhere)
    build([SEEDS], out, cache_dir=cache_dir)
    assert _tree(elsewhere) == {"keep.txt": b"mine"}  # nothing written through the link

    (cache_dir / "builds").unlink()
    record = BuildRecord(out, cache_dir).path
    record.parent.mkdir()
    planted = record.parent / f".{record.name}.planted.tmp"
    planted.symlink_to(elsewhere / "keep.txt")
    build([SEEDS], out, cache_dir=cache_dir)
    assert _tree(elsewhere) == {"keep.txt": b"mine"}
    assert not planted.is_symlink()  # a stale temporary name is removed, not written through
    assert _outputs(out) == cold_seeds


def test_touching_an_output_forces_a_rebuild(tmp_path):
    first = build([SEEDS], tmp_path / "out")
    path, _ = first.written[0]
    path.write_bytes(b"edited by hand")
    again = build([SEEDS], tmp_path / "out")
    assert not again.up_to_date
    assert path.read_bytes() != b"edited by hand"


def test_a_change_to_papergraphs_own_code_forces_a_rebuild(tmp_path, monkeypatch):
    build_module = sys.modules["papergraph.build"]
    build([SEEDS], tmp_path / "out")
    monkeypatch.setattr(build_module, "code_fingerprint", lambda: "an-exporter-changed")
    assert not build([SEEDS], tmp_path / "out").up_to_date
    assert build([SEEDS], tmp_path / "out").up_to_date


def test_building_fewer_formats_removes_the_other_exports_of_earlier_builds(tmp_path):
    build([SEEDS], tmp_path / "out")
    build([SEEDS], tmp_path / "out", formats=["rdf"])
    assert sorted(_outputs(tmp_path / "out")) == ["graph.jsonld", "graph.nt", "graph.ttl", "papergraph.ttl"]


def test_exporting_with_one_or_two_workers_gives_byte_identical_files(tmp_path):
    from papergraph.exporters import exporter_names

    every = exporter_names()  # the optional TriG too
    one = build([CORPUS / "digests"], tmp_path / "one", jobs=1, cache=False, formats=every)
    two = build([CORPUS / "digests"], tmp_path / "two", jobs=2, cache=False, formats=every)
    assert _outputs(tmp_path / "one") == _outputs(tmp_path / "two")
    assert "graph.trig" in _outputs(tmp_path / "one")
    assert sorted(one.timings) == sorted(two.timings)
    assert sorted(one.timings) == [
        "analyse",
        "export gexf",
        "export graphml",
        "export html",
        "export projections",
        "export rdf",
        "export trig",
        "layout",
        "link",
        "read",
    ]
    assert one.diagnostics == two.diagnostics


def test_streamed_rdf_files_equal_the_in_memory_ones(tmp_path, seeds_graph):
    from papergraph.analysis import analyse
    from papergraph.build import source_hashes
    from papergraph.exporters import ExportContext
    from papergraph.exporters.rdf import generate_rdf
    from papergraph.pipeline import find_inputs, read_inputs

    build([SEEDS], tmp_path / "out", formats=["rdf"])
    # The build analyses its graph (so does this test, on a copy of the shared one)
    # and describes its inputs by content hash in the RDF.
    graph = seeds_graph.copy()
    analyse(graph)
    sources = source_hashes([SEEDS], read_inputs(find_inputs([SEEDS])[0]))
    expected = generate_rdf(graph, ExportContext(graph, sources=sources))
    assert sorted(expected) == ["graph.jsonld", "graph.nt", "graph.ttl", "papergraph.ttl"]
    assert {name: (tmp_path / "out" / name).read_bytes() for name in expected} == expected


# ------------------------------------------------------------ nothing to build


def test_inputs_that_give_no_entry_are_an_error_and_leave_the_outputs_alone(tmp_path, cold_seeds):
    out = tmp_path / "out"
    build([SEEDS], out)
    binary = tmp_path / "binary"
    binary.mkdir()
    (binary / "a.txt").write_bytes(bytes(range(256)) * 8)
    (binary / "b.md").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(NoEntriesError) as raised:
        build([binary], out)
    assert str(raised.value) == (
        f"the 2 input file(s) gave no entry (2 problem(s) listed above); nothing was written and the "
        f"outputs in {out.resolve().as_posix()} are unchanged. Check the files, or pass --encoding if they are not UTF-8"
    )
    assert [d.code for d in raised.value.diagnostics] == ["binary", "binary"]
    assert _outputs(out) == cold_seeds


def test_an_encoding_that_fails_on_every_file_is_the_same_error(tmp_path, cold_seeds):
    out = tmp_path / "out"
    build([SEEDS], out)
    with pytest.raises(NoEntriesError):
        build([SEEDS], out, encoding="ascii")
    assert _outputs(out) == cold_seeds


def test_an_unknown_encoding_and_an_empty_output_name_are_refused(tmp_path):
    with pytest.raises(InputError, match=r"^unknown encoding 'bogus'; pass one Python knows, e.g. --encoding cp949$"):
        build([SEEDS], tmp_path / "out", encoding="bogus")
    with pytest.raises(InputError, match=r"^the output folder is empty; name a folder with -o, e.g. -o site$"):
        build([SEEDS], "")
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ inputs


def test_fifos_devices_and_outside_symlinks_are_skipped_with_warnings(tmp_path):
    notes = tmp_path / "notes"
    shutil.copytree(SEEDS, notes)
    os.mkfifo(notes / "waiting.txt")
    (notes / "zeros.txt").symlink_to("/dev/zero")
    secret = tmp_path / "secret.txt"
    secret.write_text("2024년 1월 1일\nSecret Title\n(Eve)\n#secret\n", encoding="utf-8")
    (notes / "secret.txt").symlink_to(secret)
    (notes / "inside.txt").symlink_to(notes / "000_763e0155731fdf89.txt")
    files, problems = find_inputs([notes])
    assert [f.relpath for f in files] == [
        "000_763e0155731fdf89.txt",
        "001_10537a06faff7c25.txt",
        "002_b3cc08e2168f9e2d.txt",
        "inside.txt",
    ]
    assert [str(p) for p in problems] == [
        f"{(notes / 'secret.txt').as_posix()}:1: symlink to a file outside the input folder; "
        "skipped, pass --follow-symlinks to read it",
        f"{(notes / 'waiting.txt').as_posix()}:1: not a regular file (a FIFO, device or socket); "
        "skipped, pass text files only",
        f"{(notes / 'zeros.txt').as_posix()}:1: symlink to a file outside the input folder; "
        "skipped, pass --follow-symlinks to read it",
    ]
    followed, problems = find_inputs([notes], follow_symlinks=True)
    assert "secret.txt" in [f.relpath for f in followed]
    assert [(Path(p.path).name, p.code) for p in problems] == [
        ("waiting.txt", "not-a-file"),
        ("zeros.txt", "not-a-file"),
    ]
    corpus = load_corpus([notes])
    assert "Secret Title" not in [e.title for e in corpus.entries]


def test_a_fifo_given_by_name_is_a_warning_not_a_hang(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    files, problems = find_inputs([SEEDS / "000_763e0155731fdf89.txt", fifo])
    assert len(files) == 1
    assert [p.code for p in problems] == ["not-a-file"]


def test_an_unreadable_folder_is_a_warning_with_its_path(tmp_path, monkeypatch):
    notes = tmp_path / "notes"
    shutil.copytree(SEEDS, notes / "ok")
    (notes / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path=".", *args):
        if Path(path) == notes / "locked":  # root reads everything: simulate what a user would see
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path, *args)

    monkeypatch.setattr(os, "scandir", scandir)
    files, problems = find_inputs([notes])
    assert len(files) == 3
    assert [str(p) for p in problems] == [
        f"{(notes / 'locked').as_posix()}:1: cannot read this folder (Permission denied); skipped, check its permissions"
    ]


def test_a_permission_problem_on_the_output_folder_is_one_line(tmp_path, monkeypatch):
    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "resolve", denied)
    with pytest.raises(InputError) as raised:
        build([SEEDS], tmp_path / "out")
    assert str(raised.value) == (
        f"{(tmp_path / 'out').as_posix()}: cannot reach the output folder (Permission denied); choose another with -o"
    )


def test_a_file_name_with_a_newline_cannot_forge_an_output_line(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "x\nError: forged.txt").write_bytes(b"\x00\x01" * 300)
    files, _ = find_inputs([notes])
    corpus = load_corpus([notes])
    assert files[0].display.endswith("x\\nError: forged.txt")
    assert all("\n" not in str(d) for d in corpus.diagnostics)


# --------------------------------------------------------------- write_atomic


def test_write_atomic_replaces_a_symlink_instead_of_following_it(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me", encoding="utf-8")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "graph.ttl").symlink_to(outside)
    write_atomic(folder, "graph.ttl", b"new")
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert not (folder / "graph.ttl").is_symlink()
    assert (folder / "graph.ttl").read_bytes() == b"new"


def test_write_atomic_refuses_paths_outside_the_folder(tmp_path):
    with pytest.raises(ExportError, match=r"exporters may only write plain file names"):
        write_atomic(tmp_path, "../escape.txt", b"x")


def test_unwritable_output_is_an_export_error_naming_the_file(tmp_path):
    # A folder below a regular file cannot be created, even by root.
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    folder = tmp_path / "a-file" / "out"
    with pytest.raises(ExportError) as raised:
        write_atomic(folder, "graph.ttl", b"x")
    assert str(raised.value) == (
        f"{(folder / 'graph.ttl').as_posix()}: cannot write (Not a directory); "
        "check that the output folder is writable or choose another with -o"
    )
