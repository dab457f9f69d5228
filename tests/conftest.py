from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEEDS = ROOT / "seeds"
CORPUS = DATA / "corpus"
DIGEST_FIXTURES = DATA / "digests"


def pytest_configure(config):
    # Build records go to the per-user cache folder: keep the tests' out of the user's.
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="papergraph-tests-cache-")


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seeds_truth() -> list[dict]:
    return json.loads((DATA / "seeds-truth.json").read_text(encoding="utf-8"))["entries"]


@pytest.fixture(scope="session")
def seeds_corpus():
    from papergraph.pipeline import load_corpus

    return load_corpus([SEEDS])


@pytest.fixture(scope="session")
def seeds_graph(seeds_corpus):
    from papergraph.graph import build_graph
    from papergraph.linking import link_corpus

    return build_graph(link_corpus(seeds_corpus))


@pytest.fixture(scope="session")
def corpus_graph():
    """The graph of the sample corpus's digests (shared: do not modify it)."""
    from papergraph.build import load_graph

    return load_graph([CORPUS / "digests"])[2]


@pytest.fixture(scope="session")
def corpus_digests() -> Path:
    return CORPUS / "digests"


def fixture_path(name: str) -> Path:
    return DIGEST_FIXTURES / name
