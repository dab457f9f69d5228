"""The command line through click's CliRunner, with exact output."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import DIGEST_FIXTURES, SEEDS
from papergraph.cli import cli


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_parse_prints_one_line_per_entry(runner):
    result = runner.invoke(cli, ["parse", str(DIGEST_FIXTURES / "no-tag-lines.txt")])
    assert result.exit_code == 0
    path = (DIGEST_FIXTURES / "no-tag-lines.txt").as_posix()
    assert result.output.splitlines() == [
        f"{path}:2-3  Simple Token-Level Confidence Improves Caption Correctness",
        f"{path}:4-6  StarChat",
        f"{path}:7-9  FlexGen",
        f"{path}:10-13  On the Next Paper Without Tags",
    ]


def test_parse_jsonl_has_the_documented_keys(runner):
    result = runner.invoke(cli, ["parse", str(SEEDS / "001_10537a06faff7c25.txt"), "--jsonl"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 6
    first = rows[0]
    assert list(first) == [
        "source",
        "digest",
        "title",
        "kind",
        "authors",
        "urls",
        "abstract",
        "commentary",
        "tags",
        "refs",
        "links",
        "wiki_links",
        "arxiv_id",
        "source_kind",
    ]
    assert first["source"] == {"path": (SEEDS / "001_10537a06faff7c25.txt").as_posix(), "line_start": 2, "line_end": 7}
    assert first["digest"] == {"date": "2024-05-22", "part": None}
    assert first["urls"] == ["https://transformer-circuits.pub/2024/scaling-monosemanticity/index.html"]
    assert rows[3]["refs"][1] == {
        "arxiv_id": "2405.04434",
        "version": None,
        "label": "MLA",
        "line": 19,
        "url": "https://arxiv.org/abs/2405.04434",
    }
    assert rows[5]["links"] == [{"url": "https://github.com/Zoeyyao27/SirLLM", "line": 29}]


def test_parse_reports_diagnostics_on_stderr_and_strict_exits_1(runner):
    path = (DIGEST_FIXTURES / "bad-header.txt").as_posix()
    result = runner.invoke(cli, ["parse", path, "--strict"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{path}:2-5  A Title"]
    assert result.stderr.splitlines() == [
        f"warning: {path}:1: malformed date line '2024년 13월 8일': no such date",
        "Error: 1 problem(s) in the input and --strict was given",
    ]


def test_without_strict_diagnostics_do_not_fail(runner):
    result = runner.invoke(cli, ["parse", str(DIGEST_FIXTURES / "bad-header.txt")])
    assert result.exit_code == 0


def test_non_utf8_file_is_skipped_with_the_remedy_and_the_rest_loads(runner, tmp_path):
    (tmp_path / "good.txt").write_text("2024년 2월 8일\nGood Title\n메모.\n#x\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes((DIGEST_FIXTURES / "not-utf8-cp949.txt").read_bytes())
    result = runner.invoke(cli, ["parse", str(tmp_path)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"{(tmp_path / 'good.txt').as_posix()}:2-4  Good Title"]
    assert result.stderr.splitlines() == [
        f"warning: {(tmp_path / 'bad.txt').as_posix()}:1: not valid UTF-8 (byte 0xB3 at column 5); the file was skipped; "
        "it looks like cp949: convert it with `iconv -f cp949 -t UTF-8` or pass --encoding cp949"
    ]


def test_encoding_option_reads_a_cp949_file(runner):
    result = runner.invoke(
        cli, ["parse", str(DIGEST_FIXTURES / "not-utf8-cp949.txt"), "--encoding", "cp949", "--jsonl"]
    )
    assert result.exit_code == 0
    row = json.loads(result.stdout)
    assert (row["digest"]["date"], row["title"], row["commentary"]["ko"]) == ("2024-02-08", "A Title", ["내용."])


def test_binary_file_is_a_diagnostic(runner, tmp_path):
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "ok.txt").write_text("2024년 2월 8일\nTitle\n메모.\n#x\n", encoding="utf-8")
    result = runner.invoke(cli, ["parse", str(tmp_path)])
    assert result.stderr.splitlines() == [
        f"warning: {(tmp_path / 'image.txt').as_posix()}:1: binary file, not a text digest or note; skipped (leave it out of the inputs)"
    ]
    assert result.exit_code == 0


def test_missing_input_is_an_error_with_exit_1(runner):
    result = runner.invoke(cli, ["parse", "no/such/folder"])
    assert result.exit_code == 1
    assert result.stderr == "Error: no/such/folder: no such file or directory; check the path\n"


def test_empty_folder_is_an_error_with_exit_1(runner, tmp_path):
    result = runner.invoke(cli, ["stats", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path.as_posix()}: no digest (.txt) or note (.md) files in this folder; pass the folder that holds them\n"
    )


def test_usage_error_exits_2(runner):
    result = runner.invoke(cli, ["parse", "--no-such-option", "x"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "Error: No such option '--no-such-option'."


def test_stats_on_the_seeds(runner, monkeypatch):
    monkeypatch.chdir(SEEDS.parent)
    result = runner.invoke(cli, ["stats", "--top", "3"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "3 files, 21 entries, 2024-02-08 to 2024-11-04",
        "",
        "nodes",
        "  digest               3",
        "  note                21",
        "  item                21",
        "  arxiv                7",
        "  person             141",
        "  organization         2",
        "  tag                 17",
        "  link                 7",
        "edges",
        "  contains            21",
        "  about               21",
        "  authored_by        143",
        "  tagged              27",
        "  cites                9",
        "  links_to             7",
        "  wiki_links           0",
        "",
        "top tags (notes)",
        "      4  #long-context",
        "      3  #alignment",
        "      3  #transformer",
        "",
        "most cited arXiv papers (citing notes)",
        "      2  2305.01625",
        "      1  1907.01470",
        "      1  2308.16137",
        "",
        "communities (papers, label; then the three most central papers)",
        "    0     5  efficiency",
        "             Reducing Transformer Key-Value Cache Size with Cross-Layer Attention",
        "             SirLLM: Streaming Infinite Retentive LLM",
        "             arXiv:2405.05254",
        "    1     4  long-context · continual-learning",
        "             MEMORYLLM: Towards Self-Updatable Large Language Models",
        "             InfLLM: Unveiling the Intrinsic Capacity of LLMs for Understanding Ext",
        "             What is Wrong with Perplexity for Long-context Language Modeling?",
        "    2     4  alignment · rlaif · rlhf",
        "             SPO: Multi-Dimensional Preference Sequential Alignment With Implicit R",
        "             Direct Language Model Alignment from Online AI Feedback",
        "             Language Models can Self-Lengthen to Generate Long Texts",
        "    3     4  transformer · regularization",
        "             Weight decay induces low-rank attention layers",
        "             TokenFormer: Rethinking Transformer Scaling with Tokenized Model Param",
        "             Learning to Achieve Goals with Belief State Transformers",
        "    4    11  other",
        "             SelfCodeAlign: Self-Alignment for Code Generation",
        "             The Hedgehog & the Porcupine: Expressive Linear Attentions with Softma",
        "             Mapping the Mind of a Large Language Model",
        "",
        "lines: 122 non-blank, 122 in record fields, 0 in diagnostics, 0 unaccounted",
        "diagnostics: 0",
    ]


def test_build_refuses_an_input_folder_as_output(runner, tmp_path):
    (tmp_path / "d.txt").write_text("2024년 2월 8일\nTitle\n메모.\n#x\n", encoding="utf-8")
    result = runner.invoke(cli, ["build", str(tmp_path), "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path.as_posix()}: the output folder is inside the input folder {tmp_path.as_posix()}; "
        "choose another folder with -o\n"
    )


def test_python_dash_m_runs_the_cli():
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "-m", "papergraph", "--version"], capture_output=True, text=True, check=True
    )
    from importlib.metadata import version

    from papergraph import __version__

    assert completed.stdout == f"papergraph, version {__version__}\n"
    assert version("papergraph-kg") == __version__  # the version lives in one place


def test_every_command_has_help_text_and_an_example(runner):
    for name, command in cli.commands.items():
        assert command.help and "Example:" in command.help, name


def test_unknown_export_format_is_a_usage_error_listing_the_formats(runner, tmp_path):
    result = runner.invoke(cli, ["build", str(SEEDS), "-o", str(tmp_path / "out"), "-f", "gefx"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '-f' / '--format': 'gefx' is not one of 'rdf', 'graphml', 'gexf', 'projections', 'html', 'trig', 'all'."
    )


def test_output_that_is_a_file_is_an_error_with_the_remedy(runner, tmp_path):
    (tmp_path / "out.txt").write_text("x", encoding="utf-8")
    result = runner.invoke(cli, ["build", str(SEEDS), "-o", str(tmp_path / "out.txt")])
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"Error: {(tmp_path / 'out.txt').as_posix()}: exists and is not a folder; choose another folder with -o\n"
    )


def test_unwritable_output_is_one_error_line_without_a_traceback(runner, tmp_path):
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    target = tmp_path / "a-file" / "out"
    result = runner.invoke(cli, ["build", str(SEEDS), "-o", str(target), "-q", "-f", "rdf"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {target.as_posix()}: exists and is not a folder; choose another folder with -o\n"
        if target.exists()
        else f"Error: {target.as_posix()}: cannot write (Not a directory); "
        "check that the output folder is writable or choose another with -o\n"
    )


def test_build_writes_every_export_and_prints_a_summary(runner, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(cli, ["build", str(SEEDS), "-o", str(out)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:3] == [
        "read 3 files, 21 entries (2024-02-08 to 2024-11-04)",
        "graph: 219 nodes (3 digest, 21 note, 21 item, 7 arxiv, 141 person, 2 organization, 17 tag, 7 link)",
        "       228 edges (21 contains, 21 about, 143 authored_by, 27 tagged, 9 cites, 7 links_to)",
    ]
    assert [line.split()[1] for line in lines if line.startswith("wrote ")] == [
        (out / name).as_posix()
        for name in (
            "graph.ttl",
            "graph.nt",
            "graph.jsonld",
            "papergraph.ttl",
            "graph.graphml",
            "graph.gexf",
            "papers.gexf",
            "coauthors.gexf",
            "graph.html",
        )
    ]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
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
    next_steps = [
        f"next: open {(out / 'graph.html').as_posix()} in a browser to explore the graph",
        f"next: open {(out / 'graph.gexf').as_posix()} in Gephi (File > Open)",
        f"next: papergraph query {(out / 'graph.ttl').as_posix()} --list   (SPARQL over the graph)",
    ]
    assert lines[-4:] == ["diagnostics: 0", *next_steps]
    again = runner.invoke(cli, ["build", str(SEEDS), "-o", str(out)]).output.splitlines()
    assert again[3:] == [
        f"outputs in {out.as_posix()}/ are up to date: nothing to do (--no-cache rebuilds anyway)",
        "diagnostics: 0",
        *next_steps,
    ]
    assert not any(line.startswith("wrote ") for line in again)


def test_the_progress_line_shows_each_stage_and_is_cleared(capsys):
    from papergraph.cli import _Progress

    display = _Progress()
    display.stage("reading")
    display.stage("layout")
    display.close()
    assert capsys.readouterr().err.split("\r\x1b[K") == ["", "... reading", "... layout", ""]


def test_inputs_with_no_entry_exit_1_with_the_warnings_and_keep_the_outputs(runner, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(cli, ["build", str(SEEDS), "-o", str(out), "-q"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_bytes(b"\x00\x01\x02" * 100)
    result = runner.invoke(cli, ["build", str(tmp_path / "in"), "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"warning: {(tmp_path / 'in' / 'a.txt').as_posix()}:1: binary file, not a text digest or note; "
        "skipped (leave it out of the inputs)",
        f"Error: the 1 input file(s) gave no entry (1 problem(s) listed above); nothing was written and the "
        f"outputs in {out.as_posix()} are unchanged. Check the files, or pass --encoding if they are not UTF-8",
    ]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_an_unknown_encoding_and_an_empty_output_folder_are_usage_errors(runner, tmp_path):
    result = runner.invoke(cli, ["build", str(SEEDS), "-o", str(tmp_path / "out"), "--encoding", "bogus"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--encoding': unknown encoding 'bogus'; pass one Python knows, e.g. cp949"
    )
    result = runner.invoke(cli, ["build", str(SEEDS), "-o", ""])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '-o' / '--output': the output folder cannot be empty; name a folder, e.g. -o site"
    )
    assert not (tmp_path / "out").exists()


def test_build_with_no_inputs_outside_the_project_says_what_to_pass(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: no INPUTS given, and there is no seeds/ folder here to build as an example; pass the folders of "
        "your digests and notes, e.g. papergraph build ~/digests ~/vault -o site"
    )


def test_forcing_the_wrong_reader_is_a_warning_per_file(runner, tmp_path):
    result = runner.invoke(cli, ["parse", str(SEEDS / "000_763e0155731fdf89.txt"), "--reader", "vault"])
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == (
        f"warning: {(SEEDS / '000_763e0155731fdf89.txt').as_posix()}:1: read as a vault because of --reader vault, "
        "but it looks like a digest; drop --reader unless you are sure"
    )
