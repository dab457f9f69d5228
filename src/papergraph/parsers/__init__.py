"""Readers, one module per input format, behind a small registry.

Each reader is a pure function ``parse(text, *, path, relpath) ->
(Document, [Diagnostic])``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from ..model import Diagnostic, Document
from .digest import is_digest_text, parse_digest
from .vault import parse_vault_note

__all__ = ["READERS", "Reader", "detect_reader", "parse_digest", "parse_vault_note"]

Reader = Callable[..., tuple[Document, list[Diagnostic]]]

READERS: Mapping[str, Reader] = MappingProxyType({"digest": parse_digest, "vault": parse_vault_note})


def detect_reader(relpath: str, text: str) -> str:
    """Pick a reader by content first, then by extension."""
    if "vault" in READERS and not is_digest_text(text) and relpath.lower().endswith(".md"):
        return "vault"
    return "digest"
