"""The README stays true: every command and every option is documented."""

from __future__ import annotations

import re

from conftest import ROOT
from papergraph.cli import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_has_a_section_and_an_example():
    for name in cli.commands:
        assert f"### `papergraph {name}" in README, name
        assert re.search(rf"^papergraph {name}\b", README, re.MULTILINE), name


def test_every_option_is_mentioned():
    for name, command in cli.commands.items():
        for parameter in command.params:
            if parameter.param_type_name != "option" or parameter.name == "help":
                continue
            assert any(opt in README for opt in parameter.opts), f"{name} {parameter.opts}"


def test_the_two_setup_commands_are_the_ones_ci_runs():
    assert "\npython3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/papergraph build\n" in README
    assert "\nscripts/test\n" in README
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().endswith("exec scripts/test")


def test_every_output_file_is_described():
    from papergraph.exporters import EXPORTERS

    for exporter in EXPORTERS.values():
        for file in exporter.files:
            assert f"`{file}`" in README, file
