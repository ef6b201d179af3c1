"""Signature snapshot files: ``--update-snapshots`` rewrites them; otherwise a difference fails.

``tests/signatures/snapshots/v<N>/<name>.jsonl`` holds, for every example, what version N
hashes (one JSON object a line, sorted by key). A shipped version must never change, so a
difference in a shipped version's file is a bug to undo (or a new version to add), not a
file to update. With ``--update-snapshots`` (``make snapshots``) only the tests that use the
``snapshots`` fixture run, as ``make golden`` does for golden files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

SNAPSHOT_DIR = Path(__file__).resolve().parents[1] / "signatures" / "snapshots"
SHOWN = 25
Entry = Mapping[str, str]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        default=False,
        help="rewrite tests/signatures/snapshots/* (only for a version not shipped yet)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--update-snapshots"):
        return
    selected = [item for item in items if "snapshots" in getattr(item, "fixturenames", ())]
    deselected = [item for item in items if item not in selected]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def dumps(entries: Mapping[str, Entry]) -> str:
    lines = [
        json.dumps({"key": key, **entries[key]}, ensure_ascii=False, sort_keys=False)
        for key in sorted(entries)
    ]
    return "\n".join(lines) + "\n"


def loads(text: str) -> dict[str, dict[str, str]]:
    entries: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        if line.strip():
            row = json.loads(line)
            key = str(row.pop("key"))
            entries[key] = {str(k): str(v) for k, v in row.items()}
    return entries


def describe_differences(
    name: str, expected: Mapping[str, Entry], actual: Mapping[str, Entry]
) -> str:
    """A readable account: which keys changed and how, which are missing or new."""
    changed = sorted(k for k in expected.keys() & actual.keys() if expected[k] != actual[k])
    missing = sorted(expected.keys() - actual.keys())
    new = sorted(actual.keys() - expected.keys())
    lines = [
        f"{name}: {len(changed)} changed, {len(missing)} gone, {len(new)} new "
        "(a shipped version must not change; for a version not shipped yet, or examples "
        "added: `make snapshots`, then read the diff)"
    ]
    for key in changed[:SHOWN]:
        lines.append(f"  changed {key}")
        for field in sorted(expected[key].keys() | actual[key].keys()):
            before, after = expected[key].get(field), actual[key].get(field)
            if before != after:
                lines.append(f"    {field}: - {before}")
                lines.append(f"    {' ' * len(field)}  + {after}")
    lines += [f"  gone    {key}" for key in missing[:SHOWN]]
    lines += [f"  new     {key}" for key in new[:SHOWN]]
    shown = min(len(changed), SHOWN) + min(len(missing), SHOWN) + min(len(new), SHOWN)
    if len(changed) + len(missing) + len(new) > shown:
        lines.append(f"  … and {len(changed) + len(missing) + len(new) - shown} more")
    return "\n".join(lines)


@dataclass(frozen=True)
class Snapshots:
    update: bool

    def check(self, name: str, actual: Mapping[str, Entry]) -> None:
        path = SNAPSHOT_DIR / name
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dumps(actual), encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"snapshot {path} is missing; run `make snapshots` and read it")
        expected = loads(path.read_text(encoding="utf-8"))
        if expected != {k: dict(v) for k, v in actual.items()}:
            pytest.fail(describe_differences(name, expected, actual), pytrace=False)


@pytest.fixture
def snapshots(request: pytest.FixtureRequest) -> Snapshots:
    return Snapshots(bool(request.config.getoption("--update-snapshots")))
