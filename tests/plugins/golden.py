"""Golden files: ``--update-golden`` rewrites them; otherwise a difference fails.

With ``--update-golden`` only the tests that use the ``golden`` fixture run (the others
are deselected), so ``make golden`` rewrites every file in ``tests/golden/`` and nothing
else runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/* from the current output (then read and judge each diff)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--update-golden"):
        return
    selected: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        uses_golden = "golden" in getattr(item, "fixturenames", ())
        (selected if uses_golden else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    update = bool(request.config.getoption("--update-golden"))

    def check(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"golden file {path} is missing; run `make golden` and read it")
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"output differs from {path} (run `make golden` if intended)"

    return check
