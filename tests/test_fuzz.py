"""Fuzzing the readers with mutated real inputs: never a traceback, nothing lost.

Every generated input must give records and/or diagnostics whose positions
are inside the file, every non-blank line must be claimed exactly once by a
record field or a line-dropping diagnostic, and the graph must build.

The default suite runs 500 inputs; ``scripts/test -m slow`` runs 20,000.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPUS, SEEDS
from papergraph.graph import build_graph
from papergraph.linking import link_corpus
from papergraph.model import Corpus
from papergraph.pipeline import parse_bytes
from papergraph.stats import account_lines


def _seed_inputs() -> list[tuple[str, bytes]]:
    files = sorted(SEEDS.glob("*.txt")) + sorted((CORPUS / "digests").rglob("*.txt"))[::13]
    vault = CORPUS / "vault"
    if vault.exists():
        files += sorted(vault.rglob("*.md"))[::37]
    return [(path.name, path.read_bytes()) for path in files]


SEED_INPUTS = _seed_inputs()
CONTROL = [bytes([c]) for c in (0, 1, 7, 8, 11, 12, 27, 127)] + [
    "\u202e".encode(),
    "\ufeff".encode(),
    "\u2028".encode(),
]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


MUTATIONS = {
    "delete-lines": lambda rng, data: b"\n".join(line for line in _lines(data) if rng.random() > 0.2),
    "duplicate-lines": lambda rng, data: b"\n".join(
        x for line in _lines(data) for x in ([line, line] if rng.random() < 0.2 else [line])
    ),
    "swap-lines": lambda rng, data: _swap(rng, _lines(data)),
    "truncate": lambda rng, data: data[: rng.randrange(len(data) + 1)],
    "control-characters": lambda rng, data: _insert(rng, data, rng.choice(CONTROL), 5),
    "bom": lambda rng, data: b"\xef\xbb\xbf" + data,
    "crlf": lambda rng, data: data.replace(b"\n", b"\r\n"),
    "cr": lambda rng, data: data.replace(b"\n", b"\r"),
    "tabs": lambda rng, data: _insert(rng, data, b"\t", 10),
    "long-line": lambda rng, data: _insert(rng, data, b"x" * rng.choice([1000, 70_000]) + b" ", 1),
    "empty": lambda rng, data: b"",
    "binary": lambda rng, data: bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))),
    "all-tags": lambda rng, data: b"\n".join(b"#" + line.split(b" ")[0][:20] for line in _lines(data) if line),
    "all-urls": lambda rng, data: b"\n".join(
        b"https://arxiv.org/abs/2305.0" + str(i).encode() for i in range(rng.randrange(1, 30))
    ),
    "blank-lines": lambda rng, data: data.replace(b"\n", b"\n\n  \n"),
    "hostile-text": lambda rng, data: _insert(
        rng,
        data,
        rng.choice(
            ["<script>alert(1)</script>", "]]>", "-->", "\"'", "\u202e", "(https://exa mple.org/a b)", "#", "(", ")"]
        ).encode(),
        3,
    ),
}


def _swap(rng: random.Random, lines: list[bytes]) -> bytes:
    if len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def _insert(rng: random.Random, data: bytes, piece: bytes, times: int) -> bytes:
    for _ in range(times):
        at = rng.randrange(len(data) + 1)
        data = data[:at] + piece + data[at:]
    return data


@st.composite
def mutated_inputs(draw) -> tuple[str, bytes, list[str]]:
    name, data = draw(st.sampled_from(SEED_INPUTS))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    applied = draw(st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=4))
    for mutation in applied:
        data = MUTATIONS[mutation](rng, data)
    return name, data, applied


def check_input(name: str, data: bytes) -> None:
    document, diagnostics = parse_bytes(data, path=name, relpath=name)
    lines = max(1, document.line_count if document else data.count(b"\n") + 1)
    for diagnostic in diagnostics:
        assert diagnostic.path == name
        assert 1 <= diagnostic.line <= lines, diagnostic
        assert diagnostic.message and "\n" not in diagnostic.message
    if document is None:
        assert {d.code for d in diagnostics} <= {"binary", "encoding"} and diagnostics
        return
    corpus = Corpus((document,), tuple(diagnostics))
    account = account_lines(corpus)
    assert account.unaccounted == (), account.unaccounted[:5]
    assert account.claimed_twice == (), account.claimed_twice[:5]
    for entry in document.entries:
        assert entry.title.strip()
        assert entry.source.line_start <= entry.source.line_end <= document.line_count
    build_graph(link_corpus(corpus))


FUZZ = {
    "deadline": None,
    "derandomize": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@settings(max_examples=500, **FUZZ)
@given(mutated_inputs())
def test_fuzz_quick(case):
    name, data, _ = case
    check_input(name, data)


@pytest.mark.slow
@settings(max_examples=20_000, **FUZZ)
@given(mutated_inputs())
def test_fuzz_20000_inputs(case):
    name, data, _ = case
    check_input(name, data)


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_each_mutation_on_every_seed(mutation):
    rng = random.Random(mutation)
    for name, data in SEED_INPUTS:
        check_input(name, MUTATIONS[mutation](rng, data))


def test_an_input_of_only_tags_is_all_diagnostics():
    document, diagnostics = parse_bytes(b"#a #b\n#c\n", path="tags.txt", relpath="tags.txt")
    assert document.entries == ()
    assert [str(d) for d in diagnostics] == [
        "tags.txt:1: missing date line: a digest starts with 'YYYY년 M월 D일'; reading entries from line 1",
        "tags.txt:1: hashtag line outside any entry: '#a #b'",
        "tags.txt:2: hashtag line outside any entry: '#c'",
    ]


def test_an_empty_file_is_a_diagnostic():
    document, diagnostics = parse_bytes(b"", path="empty.txt", relpath="empty.txt")
    assert document.entries == ()
    assert [str(d) for d in diagnostics] == ["empty.txt:1: empty digest: no date line and no entries"]
