"""``demo`` and ``sandbox`` come from the loopwatch-sandbox distribution (entry points); the
production CLI alone still lists them and says how to get them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from bot.cli import PLUGIN_COMMANDS, add_plugin_commands

BIN = Path(sys.executable).parent / "loopwatch"


def _cli_without_the_sandbox() -> typer.Typer:
    cli = typer.Typer()

    @cli.command()
    def migrate() -> None:
        """A production command."""

    add_plugin_commands(cli, [])  # what entry_points() finds when loopwatch-sandbox is absent
    return cli


def test_without_the_sandbox_help_still_lists_its_commands() -> None:
    wide = {"COLUMNS": "200"}  # one line per command in rich's help table
    shown = CliRunner().invoke(_cli_without_the_sandbox(), ["--help"], env=wide)
    assert shown.exit_code == 0
    for name in PLUGIN_COMMANDS:
        assert name in shown.output
    assert "make demo" in shown.output


def test_without_the_sandbox_its_commands_exit_2_with_one_hint() -> None:
    for args in (["demo"], ["demo", "--dump-state", "x.json"], ["sandbox", "--port", "9001"]):
        result = CliRunner().invoke(_cli_without_the_sandbox(), args)
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1
        assert "loopwatch-sandbox" in lines[0] and "pip install -e ./sandbox" in lines[0]
        assert "make demo" in lines[0]


def test_with_the_sandbox_installed_the_real_commands_run() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LOOPWATCH_")}
    environ["COLUMNS"] = "200"
    listed = subprocess.run(
        [str(BIN), "--help"], env=environ, capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    assert "demo" in listed.stdout and "sandbox" in listed.stdout
    assert "Needs loopwatch-sandbox" not in listed.stdout
    sandbox = subprocess.run(
        [str(BIN), "sandbox", "--help"], env=environ, capture_output=True, text=True, timeout=60
    )
    assert sandbox.returncode == 0, sandbox.stderr
    assert "--webhook-url" in sandbox.stdout  # the sandbox's own options, not the stub
