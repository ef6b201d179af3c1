"""The grouping benchmark's data file is well-formed (the numbers themselves are a bench)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.plugins.env import REPO_ROOT

CASES = REPO_ROOT / "bench" / "grouping_cases.jsonl"
HAND_KEYS = {"id", "repo", "cluster", "type", "message", "trace", "test_id", "source"}
CORPUS_KEYS = {"id", "repo", "cluster", "test_id", "source", "nth"}  # a reference, no text


def rows() -> list[dict[str, object]]:
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line]


def test_at_least_200_labelled_failures() -> None:
    data = rows()
    assert len(data) >= 200
    for row in data:
        corpus = str(row["source"]).startswith("corpus:")
        assert set(row) == (CORPUS_KEYS if corpus else HAND_KEYS), row["id"]
    assert len({row["id"] for row in data}) == len(data)
    assert all(row["cluster"] and row["repo"] and row["test_id"] for row in data)


def test_covers_the_corpus_and_hand_written_families() -> None:
    data = rows()
    sources = {str(row["source"]).partition(":")[0] for row in data}
    assert sources == {"corpus", "hand"}
    clusters = {str(row["cluster"]).rpartition("::")[2] for row in data}
    for family in (
        "ws-1011",
        "ws-1006",
        "http-503",
        "http-502",
        "timeout",
        "conn-refused",
        "conn-reset",
        "dns",
        "oom",
        "grpc-unavailable",
    ):
        assert family in clusters


def test_corpus_rows_name_real_failures(corpus_dir: Path) -> None:
    """Every corpus reference resolves to a failing case of a real report."""
    import sys

    sys.path.insert(0, str(REPO_ROOT / "bench"))
    from grouping import load_cases

    loaded = {case.id for case in load_cases()}
    for row in rows():
        source = str(row["source"])
        if source.startswith("corpus:"):
            assert (corpus_dir / "reports" / source.removeprefix("corpus:")).is_file(), source
            assert row["id"] in loaded, f"{source}: failure {row['test_id']} not found"
