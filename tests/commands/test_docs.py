"""docs/commands.md carries the help generated from the commands (kept in step here)."""

from __future__ import annotations

from pathlib import Path

from bot.handlers.commands import REGISTRY
from bot.handlers.commands.help_text import full_help

DOC = Path(__file__).resolve().parents[2] / "docs" / "commands.md"
BEGIN, END = "<!-- commands:begin -->", "<!-- commands:end -->"


def test_the_commands_page_shows_the_generated_help() -> None:
    text = DOC.read_text(encoding="utf-8")
    shown = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    generated = full_help([(c, c.level) for c in REGISTRY], "")
    assert shown == generated, (
        "docs/commands.md is out of date: put the output of `loopwatch commands` "
        "between its commands markers"
    )


def test_every_command_declares_its_help() -> None:
    for command in REGISTRY:
        assert command.help.usage.split()[0] == command.name, command.name
        assert command.help.description.endswith("."), command.name
        assert command.help.examples or command.help.block, command.name
