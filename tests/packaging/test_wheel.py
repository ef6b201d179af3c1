"""The production wheel, built as the Dockerfile builds it: it carries the bot, the web app
and the Alembic migrations, and neither the sandbox, the demo nor their dependencies."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser

import pytest

from tests.plugins.env import REPO_ROOT

# What a clean checkout holds: no virtualenv, caches or earlier builds (the copy is built).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", ".cache", "build", "dist", "*.egg-info", "__pycache__", "*.so",
    "_junit_cases.c", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis",
    "demo-out", "node_modules", "*.db",
)  # fmt: skip


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(REPO_ROOT, source, ignore=NOT_SOURCE)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(work / "out"), str(source)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = (work / "out").glob("loopwatch-*.whl")
    return zipfile.ZipFile(found)


def _metadata(wheel: zipfile.ZipFile, name: str) -> str:
    (path,) = (n for n in wheel.namelist() if re.fullmatch(rf"[^/]+\.dist-info/{name}", n))
    return wheel.read(path).decode()


@pytest.mark.slow
def test_the_wheel_holds_no_sandbox_and_no_demo(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    assert any(n.startswith("bot/cli/") for n in names)  # the real thing was packed
    assert [n for n in names if n.startswith("loopwatch_sandbox")] == []
    assert [n for n in names if re.search(r"(^|/)demo(/|\.py$)", n)] == []
    top_level = {n.split("/")[0] for n in names if not n.startswith("loopwatch-0")}
    assert top_level == {"bot", "webhooks"}  # no sandbox/, demo/ or tests/ beside them


@pytest.mark.slow
def test_the_wheel_does_not_require_the_sandbox_markdown_libraries(
    wheel: zipfile.ZipFile,
) -> None:
    metadata = Parser().parsestr(_metadata(wheel, "METADATA"))
    required = [
        re.split(r"[ ;<>=!~\[(]", r, maxsplit=1)[0].lower().replace("_", "-")
        for r in metadata.get_all("Requires-Dist") or []
    ]
    assert "githubkit" in required  # the list was read
    assert "markdown-it-py" not in required
    assert "mdit-py-plugins" not in required
    assert "loopwatch-sandbox" not in required
    entry_points = _metadata(wheel, "entry_points.txt")
    assert "loopwatch = bot.cli:main" in entry_points
    assert "loopwatch.cli_plugins" not in entry_points


@pytest.mark.slow
def test_the_wheel_holds_the_migrations_and_the_compiled_reader(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    migrations = "bot/adapters/store/migrations/"
    assert f"{migrations}env.py" in names
    assert f"{migrations}script.py.mako" in names
    shipped = {n.rsplit("/", 1)[1] for n in names if n.startswith(f"{migrations}versions/")}
    in_tree = {p.name for p in (REPO_ROOT / migrations / "versions").glob("*.py")}
    assert in_tree and in_tree <= shipped
    assert any(re.fullmatch(r"bot/core/reports/formats/_junit_cases\..*\.so", n) for n in names)
