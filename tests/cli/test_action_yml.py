"""The composite action at the repository root: its inputs, its steps, and its upload script
run by bash as a runner runs it (inputs passed as environment variables)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ACTION = Path(__file__).resolve().parents[2] / "action.yml"
VENV_BIN = Path(sys.executable).parent
STUB = """#!/usr/bin/env bash
printf '%s\\0' "$@" > "$STUB_ARGV"
printf '%s' "${LOOPWATCH_TOKEN-<unset>}" > "$STUB_TOKEN"
"""


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return loaded


def steps() -> list[dict[str, Any]]:
    return list(action()["runs"]["steps"])


def upload_step() -> dict[str, Any]:
    return next(step for step in steps() if "loopwatch" in step.get("run", ""))


def test_inputs_and_steps() -> None:
    loaded = action()
    assert loaded["name"] == "Loopwatch upload"
    inputs = loaded["inputs"]
    assert set(inputs) == {
        "files",
        "campaign",
        "server-url",
        "token",
        "audience",
        "metadata",
        "python-version",
    }
    assert inputs["files"]["required"] is True and inputs["server-url"]["required"] is True
    assert inputs["token"]["required"] is False
    assert (inputs["audience"]["default"], inputs["python-version"]["default"]) == (
        "loopwatch",
        "3.11",
    )
    assert loaded["runs"]["using"] == "composite"
    setup, install, upload = steps()
    assert setup["uses"] == "actions/setup-python@v5"
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    assert "pip install" in install["run"] and '"$GITHUB_ACTION_PATH"' in install["run"]
    assert upload == upload_step()
    assert all(step.get("shell") == "bash" for step in (install, upload))
    # Every input the script uses arrives through env:
    assert set(upload["env"].values()) >= {
        f"${{{{ inputs.{name} }}}}"
        for name in ("files", "server-url", "campaign", "token", "audience", "metadata")
    }


def test_no_script_interpolates_an_expression() -> None:
    """``${{ inputs.x }}`` inside ``run:`` is pasted into the script before bash reads it:
    a crafted input would run as code. Inputs go through ``env:`` only."""
    for step in steps():
        assert "${{" not in step.get("run", ""), step.get("name")


def _run(tmp_path: Path, path: str, **inputs: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "upload.sh"
    script.write_text(upload_step()["run"], encoding="utf-8")
    env = {
        "PATH": f"{path}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path),
        "STUB_ARGV": str(tmp_path / "argv"),
        "STUB_TOKEN": str(tmp_path / "token"),
        "INPUT_FILES": "",
        "INPUT_SERVER_URL": "https://loopwatch.example",
        "INPUT_CAMPAIGN": "",
        "INPUT_TOKEN": "",
        "INPUT_AUDIENCE": "loopwatch",
        "INPUT_METADATA": "",
    }
    env.update({f"INPUT_{name.upper()}": value for name, value in inputs.items()})
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        env=env,
        cwd=tmp_path / "work",
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def stub(tmp_path: Path) -> Path:
    """A workspace with reports, and a ``loopwatch`` that records its argv and token."""
    work = tmp_path / "work"
    for name in ("reports/a.xml", "reports/deep/er/b.xml", "other/c.json", "reports/x.txt"):
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text("<testsuite/>")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "loopwatch").write_text(STUB)
    (bin_dir / "loopwatch").chmod(0o755)
    return bin_dir


def _argv(tmp_path: Path) -> list[str]:
    return (tmp_path / "argv").read_text().split("\0")[:-1]


def test_globs_are_expanded_and_inputs_passed_as_arguments(tmp_path: Path, stub: Path) -> None:
    result = _run(
        tmp_path,
        str(stub),
        files="reports/**/*.xml\nother/c.json   missing/*.xml\n",
        campaign="nightly e2e",
        metadata="meta.json",
    )
    assert result.returncode == 0, result.stderr
    assert _argv(tmp_path) == [
        "upload",
        "--url",
        "https://loopwatch.example",
        "--audience",
        "loopwatch",
        "--campaign",
        "nightly e2e",
        "--metadata",
        "meta.json",
        "--",
        "reports/a.xml",
        "reports/deep/er/b.xml",
        "other/c.json",
    ]
    assert "::warning::Loopwatch: no report file matches missing/*.xml" in result.stdout
    assert (tmp_path / "token").read_text() == "<unset>"  # no token input: OIDC


def test_a_token_input_is_exported_not_put_on_the_command_line(tmp_path: Path, stub: Path) -> None:
    result = _run(tmp_path, str(stub), files="reports/a.xml", token="lw_secret")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "token").read_text() == "lw_secret"
    assert "lw_secret" not in _argv(tmp_path)


def test_no_matching_file_fails_clearly(tmp_path: Path, stub: Path) -> None:
    result = _run(tmp_path, str(stub), files="nothing/**/*.xml")
    assert result.returncode == 1
    assert "::error::Loopwatch: no report file matches the 'files' input" in result.stdout
    assert not (tmp_path / "argv").exists()


def test_a_crafted_input_stays_data(tmp_path: Path, stub: Path) -> None:
    crafted = '"; touch pwned; echo "$(touch pwned2)'
    result = _run(tmp_path, str(stub), files="reports/a.xml", campaign=crafted)
    assert result.returncode == 0, result.stderr
    assert crafted in _argv(tmp_path)
    assert not list((tmp_path / "work").glob("pwned*"))


def test_the_real_client_asks_for_a_token_or_the_id_token_permission(tmp_path: Path) -> None:
    """The script drives the installed ``loopwatch``; without a token or the runner's OIDC
    variables, it says what to add to the workflow."""
    (tmp_path / "work" / "reports").mkdir(parents=True)
    (tmp_path / "work" / "reports" / "a.xml").write_text("<testsuite/>")
    result = _run(tmp_path, str(VENV_BIN), files="reports/*.xml")
    assert result.returncode == 1
    assert re.search(r"permissions: id-token: write", result.stderr), result.stderr
