"""Building: atomic output, the incremental cache, parallel reading."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import CORPUS, SEEDS
from papergraph.build import build, write_atomic
from papergraph.cache import CACHE_DIR
from papergraph.errors import ExportError
from papergraph.pipeline import find_inputs, parse_inputs, read_inputs


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_parsing_with_one_or_two_workers_gives_the_same_corpus():
    inputs = read_inputs(find_inputs([CORPUS / "digests"]))
    one = parse_inputs(inputs, jobs=1)
    two = parse_inputs(inputs, jobs=2)
    assert len(inputs) == 265
    assert one == two


def test_cached_parse_equals_a_fresh_parse(tmp_path):
    from papergraph.cache import BuildCache

    inputs = read_inputs(find_inputs([SEEDS]))
    cold_cache = BuildCache(tmp_path)
    cold = parse_inputs(inputs, cache=cold_cache)
    cold_cache.save_parsed()
    warm_cache = BuildCache(tmp_path)
    warm = parse_inputs(inputs, cache=warm_cache)
    assert warm == cold
    assert len(warm_cache._used) == 3 and not warm_cache._dirty


def test_a_rebuild_with_no_change_does_nothing_and_reports_the_same(tmp_path):
    first = build([SEEDS], tmp_path / "out")
    second = build([SEEDS], tmp_path / "out")
    assert not first.up_to_date and second.up_to_date
    assert second.summary == first.summary
    assert (second.files, second.entries, second.date_range) == (3, 21, ("2024-02-08", "2024-11-04"))
    assert [p.name for p, _ in second.written] == [p.name for p, _ in first.written]


def test_changing_one_digest_reparses_only_that_file_and_matches_a_cold_build(tmp_path):
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


def test_the_cache_is_safe_to_delete_or_corrupt(tmp_path):
    build([SEEDS], tmp_path / "out")
    expected = _outputs(tmp_path / "out")
    pickles = sorted(p.name for p in (tmp_path / "out" / CACHE_DIR).rglob("*.pickle"))
    assert pickles == [
        "fragments-gexf.pickle",
        "fragments-graphml.pickle",
        "fragments-jsonld.pickle",
        "fragments-turtle.pickle",
        "parsed.pickle",
    ]
    for pickled in (tmp_path / "out" / CACHE_DIR).rglob("*.pickle"):
        pickled.write_bytes(b"not a pickle")
    for manifest in (tmp_path / "out" / CACHE_DIR).rglob("manifest.json"):
        manifest.write_text("{", encoding="utf-8")
    again = build([SEEDS], tmp_path / "out")
    assert not again.up_to_date and again.entries == 21
    assert _outputs(tmp_path / "out") == expected
    shutil.rmtree(tmp_path / "out" / CACHE_DIR)
    assert build([SEEDS], tmp_path / "out").entries == 21


def test_touching_an_output_forces_a_rebuild(tmp_path):
    first = build([SEEDS], tmp_path / "out")
    path, _ = first.written[0]
    path.write_bytes(b"edited by hand")
    again = build([SEEDS], tmp_path / "out")
    assert not again.up_to_date
    assert path.read_bytes() != b"edited by hand"


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


def test_a_change_to_papergraphs_own_code_forces_a_rebuild(tmp_path, monkeypatch):
    import sys

    build_module = sys.modules["papergraph.build"]

    build([SEEDS], tmp_path / "out")
    monkeypatch.setattr(build_module, "code_fingerprint", lambda: "an-exporter-changed")
    assert not build([SEEDS], tmp_path / "out").up_to_date
    assert build([SEEDS], tmp_path / "out").up_to_date


def test_exporting_with_one_or_two_workers_gives_byte_identical_files(tmp_path):
    one = build([CORPUS / "digests"], tmp_path / "one", jobs=1, cache=False)
    two = build([CORPUS / "digests"], tmp_path / "two", jobs=2, cache=False)
    assert sum(one.summary["nodes"].values()) >= 2_000  # big enough for the parallel path
    assert _outputs(tmp_path / "one") == _outputs(tmp_path / "two")
    assert (
        sorted(one.timings)
        == sorted(two.timings)
        == [
            "analyse",
            "export gexf",
            "export graphml",
            "export html",
            "export projections",
            "export rdf",
            "layout",
            "link",
            "read",
        ]
    )
    assert one.diagnostics == two.diagnostics


@pytest.mark.parametrize("first_jobs, second_jobs", [(1, 2), (2, 1)])
def test_incremental_build_of_the_corpus_matches_a_cold_one(tmp_path, first_jobs, second_jobs):
    corpus = tmp_path / "digests"
    shutil.copytree(CORPUS / "digests", corpus)
    build([corpus], tmp_path / "warm", jobs=first_jobs)
    victim = corpus / "2023" / "2023-06-01.txt"
    victim.write_text(
        victim.read_text(encoding="utf-8") + "New Paper Title\n(Ada Lovelace)\n새 메모.\n#new\n", encoding="utf-8"
    )
    warm = build([corpus], tmp_path / "warm", jobs=second_jobs)
    cold = build([corpus], tmp_path / "cold", jobs=first_jobs, cache=False)
    assert warm.entries == cold.entries == 775
    assert _outputs(tmp_path / "warm") == _outputs(tmp_path / "cold")
    assert warm.diagnostics == cold.diagnostics


def test_after_one_change_only_the_touched_pieces_are_rendered_again(tmp_path, monkeypatch):
    from papergraph.cache import FragmentCache

    corpus = tmp_path / "digests"
    shutil.copytree(CORPUS / "digests", corpus)
    build([corpus], tmp_path / "out", jobs=1)
    victim = corpus / "2023" / "2023-06-01.txt"
    victim.write_text(victim.read_text(encoding="utf-8").replace("#", "#changed-tag #", 1), encoding="utf-8")
    counts: dict[str, list[int]] = {}
    original_get, original_put = FragmentCache.get, FragmentCache.put

    def get(self, key):
        found = original_get(self, key)
        counts.setdefault(self.path.name, [0, 0])[0] += found is not None
        return found

    def put(self, key, piece):
        counts.setdefault(self.path.name, [0, 0])[1] += 1
        original_put(self, key, piece)

    monkeypatch.setattr(FragmentCache, "get", get)
    monkeypatch.setattr(FragmentCache, "put", put)
    rebuilt = build([corpus], tmp_path / "out", jobs=1)
    assert sorted(counts) == [
        "fragments-gexf.pickle",
        "fragments-graphml.pickle",
        "fragments-jsonld.pickle",
        "fragments-turtle.pickle",
    ]
    # The analysis stage puts each paper's community, PageRank and citation count on it: a
    # change anywhere moves PageRank a little everywhere and may renumber communities, so
    # a paper's pieces may be rendered again too; every other piece is reused.
    papers = sum(1 for _, kind in rebuilt.graph.nodes(data="kind") if kind in ("item", "arxiv"))
    for name, (reused, rendered) in counts.items():
        assert reused > 6_000 and 0 < rendered < reused / 100 + papers, (name, reused, rendered, papers)
    cold = build([corpus], tmp_path / "cold", cache=False)
    assert _outputs(tmp_path / "out") == _outputs(tmp_path / "cold")
    assert cold.summary["nodes"]["tag"] == build([corpus], tmp_path / "out").summary["nodes"]["tag"]


def test_streamed_rdf_files_equal_the_in_memory_ones(tmp_path, seeds_graph):
    from papergraph.analysis import analyse
    from papergraph.exporters import ExportContext
    from papergraph.exporters.rdf import generate_rdf

    build([SEEDS], tmp_path / "out", formats=["rdf"])
    graph = seeds_graph.copy()  # the build analyses its graph: so does this test, on a copy of the shared one
    analyse(graph)
    expected = generate_rdf(graph, ExportContext(graph))
    assert sorted(expected) == ["graph.jsonld", "graph.nt", "graph.ttl", "papergraph.ttl"]
    assert {name: (tmp_path / "out" / name).read_bytes() for name in expected} == expected


def test_fragment_cache_keeps_what_a_build_used_and_rewrites_only_for_big_changes(tmp_path):
    from papergraph.cache import FragmentCache, fragment_key

    path = tmp_path / "fragments-x.pickle"
    keys = [fragment_key(f"piece {i}") for i in range(300)]
    first = FragmentCache(path, "code")
    for key in keys[:200]:
        assert first.get(key) is None
        first.put(key, f"text of {key.hex()}")
    first.save()
    written = path.read_bytes()

    # One new piece among 200 (0.5 %): the file stays as it is, and still serves the old pieces.
    small = FragmentCache(path, "code")
    assert all(small.get(key) == f"text of {key.hex()}" for key in keys[1:200])
    small.put(keys[200], "new")
    small.save()
    assert path.read_bytes() == written
    assert FragmentCache(path, "code").get(keys[200]) is None

    # Fifty new pieces and the first hundred unused: rewritten with exactly what was used.
    big = FragmentCache(path, "code")
    for key in keys[100:200]:
        assert big.get(key) == f"text of {key.hex()}"
    for key in keys[200:250]:
        big.put(key, "new")
    big.save()
    reread = FragmentCache(path, "code")
    assert [reread.get(key) is not None for key in (keys[0], keys[150], keys[249], keys[250])] == [
        False,
        True,
        True,
        False,
    ]
    # Pieces rendered by other code (another scope) are never served.
    assert FragmentCache(path, "other code").get(keys[150]) is None


def test_caches_of_other_papergraph_versions_are_removed(tmp_path):
    stale = tmp_path / "out" / CACHE_DIR / "v1-0123456789abcdef"
    stale.mkdir(parents=True)
    (stale / "fragments-rdf.pickle").write_bytes(b"old")
    kept = tmp_path / "out" / CACHE_DIR / "notes-of-mine"
    kept.mkdir()
    build([SEEDS], tmp_path / "out")
    assert not stale.exists() and kept.is_dir()
    (current,) = [p.name for p in (tmp_path / "out" / CACHE_DIR).iterdir() if p.name.startswith("v")]
    assert current != "v1-0123456789abcdef"


def test_the_build_process_runs_html_after_the_layout_and_workers_take_the_rest():
    from papergraph.build import _worker_plan
    from papergraph.exporters import exporter_names, get_exporter

    def names(exporters):
        return [e.name for e in exporters]

    everything = [get_exporter(name) for name in exporter_names()]
    workers, here = _worker_plan(everything, 2)
    assert [names(worker) for worker in workers] == [["rdf", "projections"], ["graphml", "gexf"]]
    assert names(here) == ["html"]
    workers, here = _worker_plan(everything, 1)
    assert [names(worker) for worker in workers] == [["rdf", "graphml", "gexf", "projections"]]
    assert names(here) == ["html"]
    # One group alone stays in a worker: the build process has the layout to wait for.
    workers, here = _worker_plan([get_exporter("html")], 2)
    assert ([names(worker) for worker in workers], here) == ([["html"]], [])


def test_the_layout_process_gives_the_layout_of_this_process(corpus_graph):
    from papergraph.build import _LayoutProcess
    from papergraph.layout import compute_layout

    with _LayoutProcess() as layout_process:
        assert layout_process.positions(corpus_graph) == compute_layout(corpus_graph)
    assert layout_process._process.exitcode == 0


def test_a_layout_process_that_dies_is_an_export_error_with_the_remedy(seeds_graph):
    from papergraph.build import _LayoutProcess

    with _LayoutProcess() as layout_process:
        layout_process._process.kill()
        layout_process._process.join()
        with pytest.raises(ExportError) as raised:
            layout_process.positions(seeds_graph)
    assert str(raised.value) == (
        "the layout process stopped before it finished (out of memory?); "
        "run again with --jobs 1 to compute the layout in this process"
    )


def test_a_layout_process_never_asked_is_stopped():
    import signal

    from papergraph.build import _LayoutProcess

    with _LayoutProcess() as layout_process:
        pass
    assert layout_process._process.exitcode == -signal.SIGKILL


def test_records_pickle_as_a_constructor_call_and_round_trip(seeds_corpus):
    import pickle

    from papergraph.model import Corpus

    entry = seeds_corpus.entries[0]
    assert entry.__reduce__() == (type(entry), tuple(getattr(entry, f) for f in entry.__slots__))
    again = pickle.loads(pickle.dumps(seeds_corpus))
    assert isinstance(again, Corpus) and again == seeds_corpus
    assert [e.title for e in again.entries] == [e.title for e in seeds_corpus.entries]
    assert len(again.entries) == 21
