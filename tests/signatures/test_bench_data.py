"""The grouping benchmark's data file is well-formed (the numbers themselves are a bench)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from tests.plugins.env import REPO_ROOT

CASES = REPO_ROOT / "bench" / "grouping_cases.jsonl"
HAND_KEYS = {"id", "repo", "cluster", "type", "message", "trace", "test_id", "source"}
CORPUS_KEYS = {"id", "repo", "cluster", "test_id", "source", "nth"}  # a reference, no text
NEW_KEYS = HAND_KEYS | {"category", "language", "variant"}  # rows from public threads
FIRST_NEW_ID = 10001
CASES_A_IDS = range(10001, 20001)  # Python, Ruby, .NET
CASES_B_IDS = range(20001, 30001)  # JS/TS, Java/Kotlin, Go
CATEGORIES = {
    "family-discriminator",
    "codes",
    "exit-signal",
    "frames",
    "body",
    "run-specific",
    "reporter",
    "assertion",
    "app-error",
}
LANGUAGES = {"python", "ruby", "dotnet", "js", "java", "go"}
VARIANTS = {"original", "rerun", "negative"}

Row = dict[str, object]


def rows() -> list[Row]:
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line]


def new_rows() -> list[Row]:
    return [row for row in rows() if int(str(row["id"])) >= FIRST_NEW_ID]


def clusters(selected: list[Row]) -> set[tuple[str, str]]:
    return {(str(row["repo"]), str(row["cluster"])) for row in selected}


def test_every_row_has_its_schema() -> None:
    data = rows()
    assert len(data) >= 600
    assert len({row["id"] for row in data}) == len(data)
    for row in data:
        assert row["cluster"] and row["repo"] and row["test_id"], row["id"]
        source = str(row["source"])
        if int(str(row["id"])) >= FIRST_NEW_ID:
            assert set(row) == NEW_KEYS, row["id"]
            assert source.startswith("https://"), row["id"]
            assert row["category"] in CATEGORIES, row["id"]
            assert row["language"] in LANGUAGES, row["id"]
            assert row["variant"] in VARIANTS, row["id"]
            assert row["message"] or row["trace"], row["id"]
        else:
            assert set(row) == (CORPUS_KEYS if source.startswith("corpus:") else HAND_KEYS)


def test_new_rows_reach_the_size_of_the_issue() -> None:
    """Each engineer's block holds >= 170 rows in >= 65 clusters; merged, >= 120 clusters."""
    data = new_rows()
    blocks = [
        [row for row in data if int(str(row["id"])) in ids] for ids in (CASES_A_IDS, CASES_B_IDS)
    ]
    present = [block for block in blocks if block]
    assert blocks[0], "the Python/Ruby/.NET rows are missing"
    for block in present:
        assert len(block) >= 170
        assert len(clusters(block)) >= 65
    if len(present) == 2:
        assert len(clusters(data)) >= 120


def test_new_rows_cover_every_category_in_every_language() -> None:
    by_language: dict[object, dict[object, set[object]]] = defaultdict(lambda: defaultdict(set))
    for row in new_rows():
        by_language[row["language"]][row["category"]].add((row["repo"], row["cluster"]))
    assert {"python", "ruby", "dotnet"} <= set(by_language)
    for language, categories in by_language.items():
        assert set(categories) == CATEGORIES, language
        if language in {"python", "ruby", "dotnet"}:
            assert all(len(found) >= 2 for found in categories.values()), language


def test_scenario_repos_hold_look_alikes_and_reruns() -> None:
    """A repo is a scenario: 4-12 clusters, hard negatives beside what they resemble."""
    by_repo: dict[object, list[Row]] = defaultdict(list)
    for row in new_rows():
        by_repo[row["repo"]].append(row)
    for repo, members in by_repo.items():
        assert 4 <= len(clusters(members)) <= 12, repo
        assert any(row["variant"] == "negative" for row in members), repo
    variants = [row["variant"] for row in new_rows()]
    assert variants.count("rerun") >= len(variants) // 3
    repeated: dict[tuple[object, object], int] = defaultdict(int)
    for row in new_rows():
        repeated[(row["repo"], row["cluster"])] += 1
    assert sum(n >= 2 for n in repeated.values()) >= len(repeated) * 3 // 4


def test_covers_the_corpus_and_hand_written_families() -> None:
    data = rows()
    sources = {str(row["source"]).partition(":")[0] for row in data}
    assert {"corpus", "hand", "https"} <= sources
    labels = {str(row["cluster"]).rpartition("::")[2] for row in data}
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
        # one hand-written scenario per family, split by root cause where it has several
        assert any(label == family or label.startswith(f"{family}-") for label in labels)


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


HOLDOUT = REPO_ROOT / "bench" / "grouping_holdout.jsonl"
FIRST_HOLDOUT_ID = 30001


def test_holdout_file_is_well_formed_and_disjoint_from_the_tuning_set() -> None:
    """The held-out set has the new-row schema, its own ids, and only public https sources."""
    lines = [line for line in HOLDOUT.read_text(encoding="utf-8").splitlines() if line]
    holdout = [json.loads(line) for line in lines]
    ids = [int(str(row["id"])) for row in holdout]
    assert len(holdout) >= 150
    assert len(set(ids)) == len(ids)
    assert min(ids) >= FIRST_HOLDOUT_ID
    assert not set(ids) & {int(str(row["id"])) for row in rows()}
    tuned_sources = {str(row["source"]) for row in rows()}
    for row in holdout:
        assert set(row) == NEW_KEYS, row["id"]
        assert row["cluster"] and row["repo"] and row["test_id"], row["id"]
        assert str(row["source"]).startswith("https://"), row["id"]
        assert row["source"] not in tuned_sources, row["id"]
        assert row["category"] in CATEGORIES, row["id"]
        assert row["language"] in LANGUAGES, row["id"]
        assert row["variant"] in VARIANTS, row["id"]
        assert row["message"] or row["trace"], row["id"]
    assert len(clusters(holdout)) >= 60
    assert {row["language"] for row in holdout} == LANGUAGES
    assert {row["category"] for row in holdout} == CATEGORIES


HOLDOUT2 = REPO_ROOT / "bench" / "grouping_holdout2.jsonl"
FIRST_HOLDOUT2_ID = 40001


def test_second_holdout_is_well_formed_and_disjoint_from_both_other_sets() -> None:
    """The second blind set has the new-row schema and shares no id or source with the others."""
    lines = HOLDOUT2.read_text(encoding="utf-8").splitlines()
    second = [json.loads(line) for line in lines if line]
    ids = [int(str(row["id"])) for row in second]
    assert len(set(ids)) == len(ids)
    assert min(ids) >= FIRST_HOLDOUT2_ID
    holdout = [
        json.loads(line) for line in HOLDOUT.read_text(encoding="utf-8").splitlines() if line
    ]
    others = rows() + holdout
    assert not set(ids) & {int(str(row["id"])) for row in others}
    taken_sources = {str(row["source"]) for row in others}
    for row in second:
        assert set(row) == NEW_KEYS, row["id"]
        assert row["cluster"] and row["repo"] and row["test_id"], row["id"]
        assert str(row["source"]).startswith("https://"), row["id"]
        assert row["source"] not in taken_sources, row["id"]
        assert row["category"] in CATEGORIES, row["id"]
        assert row["language"] in LANGUAGES, row["id"]
        assert row["variant"] in VARIANTS, row["id"]
        assert row["message"] or row["trace"], row["id"]
    # each scenario repo holds look-alikes: several clusters, at least one hard negative
    per_repo: dict[str, set[str]] = defaultdict(set)
    for row in second:
        per_repo[str(row["repo"])].add(str(row["cluster"]))
    assert all(len(labels) >= 2 for labels in per_repo.values()), per_repo
    assert len(second) >= 150
    assert len(clusters(second)) >= 60
    assert {row["language"] for row in second} == LANGUAGES
    assert {row["category"] for row in second} == CATEGORIES
    assert {row["variant"] for row in second} == VARIANTS
