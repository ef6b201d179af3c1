"""The grouping bench scores clusterings right: pairwise and B-cubed on hand-counted examples."""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from tests.plugins.env import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))

from grouping import main
from grouping_metrics import Item, bcubed, pairwise, score

LABELS = ["A", "A", "B", "C", "C", "C"]


def items(predictions: list[str], repo: str = "r") -> list[Item]:
    return [(repo, label, p) for label, p in zip(LABELS, predictions, strict=True)]


def test_a_perfect_clustering_scores_one_everywhere() -> None:
    result = score(items(["x", "x", "y", "z", "z", "z"]))
    assert (result.pair_precision, result.pair_recall) == (1.0, 1.0)
    assert (result.bcubed_precision, result.bcubed_recall) == (1.0, 1.0)
    assert (result.true_pairs, result.predicted_pairs, result.both_pairs) == (4, 4, 4)


def test_one_cluster_for_everything_has_full_recall_and_low_precision() -> None:
    # 15 pairs grouped, 4 of them labelled together (A-A and three C-C)
    precision, recall, true, predicted, both = pairwise(items(["x"] * 6))
    assert (true, predicted, both) == (4, 15, 4)
    assert precision == pytest.approx(4 / 15)
    assert recall == 1.0
    # per item: the share of the one cluster with its label: A 2/6 (twice), B 1/6, C 3/6 (3x)
    b3_precision, b3_recall = bcubed(items(["x"] * 6))
    assert b3_precision == pytest.approx(float(Fraction(2 * 2 + 1 + 3 * 3, 6 * 6)))
    assert b3_recall == 1.0


def test_a_clustering_with_one_merge_and_one_split() -> None:
    # x = {A, A, B} merges B into A's cluster; C is split into y = {C, C} and z = {C}
    predictions = ["x", "x", "x", "y", "y", "z"]
    precision, recall, true, predicted, both = pairwise(items(predictions))
    assert (true, predicted, both) == (4, 4, 2)
    assert (precision, recall) == (0.5, 0.5)
    # precision per item: 2/3, 2/3, 1/3, 1, 1, 1; recall: 1, 1, 1, 2/3, 2/3, 1/3
    b3_precision, b3_recall = bcubed(items(predictions))
    assert b3_precision == pytest.approx(7 / 9)
    assert b3_recall == pytest.approx(7 / 9)


def test_items_of_different_repositories_are_never_compared() -> None:
    # the same label and fingerprint in two repos: two clusters, not one pair
    split_by_repo = [("r1", "A", "x"), ("r2", "A", "x")]
    assert pairwise(split_by_repo) == (1.0, 1.0, 0, 0, 0)
    assert bcubed(split_by_repo) == (1.0, 1.0)
    merged_in_one = [("r1", "A", "x"), ("r1", "B", "x")]
    assert pairwise(merged_in_one)[:2] == (0.0, 1.0)


def test_nothing_to_compare_scores_one() -> None:
    assert score([]).pair_precision == score([]).bcubed_recall == 1.0


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _row(id_: int, repo: str, cluster: str, message: str, **extra: object) -> dict[str, object]:
    return {
        "id": id_,
        "repo": repo,
        "cluster": cluster,
        "source": "https://github.com/example/example/issues/1",
        "test_id": f"tests/test_{id_}.py::test_it",
        "type": "ValueError",
        "message": message,
        "trace": None,
        **extra,
    }


def test_the_report_scores_each_slice_and_lists_merges_and_splits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = _write(
        tmp_path / "cases.jsonl",
        [
            _row(1, "old", "a", "boom"),  # an old row: no category, language or variant
            _row(10001, "new", "one", "ValueError: same text", category="codes", language="go"),
            _row(10002, "new", "two", "ValueError: same text", category="codes", language="go"),
            _row(10003, "new", "three", "first wording", category="body", language="js"),
            _row(10004, "new", "three", "a wholly other wording", category="body", language="js"),
        ],
    )
    main(["--cases", str(cases), "--version", "1", "--show", "3"])
    out = capsys.readouterr().out
    assert "5 failures (0 from the corpus) in 2 repositories, 4 expected clusters" in out
    lines = {
        line.split()[0] + " " + line.split()[1]: line for line in out.splitlines() if " | " in line
    }
    assert lines["all 5"].split()[2] == "4"  # 5 cases, 4 clusters
    assert "category codes" in out and "category body" in out
    assert "language go" in out and "language js" in out
    assert "old rows (id < 10001)" in out and "new rows (id >= 10001)" in out
    # identical failures labelled apart are one fingerprint holding two clusters
    assert "worst merges (v1): 1 fingerprints hold several labelled clusters" in out
    assert "- one (#10001)" in out and "- two (#10002)" in out
    assert "worst splits (v1): 1 labelled clusters get several fingerprints" in out
    assert "new :: three: 2 fingerprints, 2 failures" in out


def test_an_unsupported_version_is_refused(tmp_path: Path) -> None:
    cases = _write(tmp_path / "cases.jsonl", [_row(1, "r", "a", "boom")])
    with pytest.raises(SystemExit, match="unsupported signature version"):
        main(["--cases", str(cases), "--compare", "1,99"])
