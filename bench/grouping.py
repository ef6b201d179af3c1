"""Benchmark: how well failure signatures group failures (pairwise precision and recall).

``bench/grouping_cases.jsonl`` holds labelled failures, one JSON object a line:
``id, repo, cluster, source, test_id`` and either ``type, message, trace`` (hand-written)
or ``nth`` (a corpus reference). ``cluster`` is the expected group, written by a person:
failures a maintainer would call one problem share it.

* ``source: "corpus:<path>"`` — the ``nth`` failing case with ``test_id`` in that report of
  the shared corpus (``../shared/corpus/reports``, read and parsed at run time: the corpus
  is never copied into this repository; without it only the hand-written cases run).
  Unless noted otherwise, each test is its own problem; the same test in several formats
  (generated-here) is one, and so are failures that read as one cause (the WebSocket
  1011s of the e2e suite, eight mocha tests timing out against one slow server, one
  validator rejecting addresses).
* ``source: "hand"`` — written for the built-in families and their near-misses (1011 vs
  1006, 503 vs 502, "expected 1011 rows"), app errors reached from several tests, the
  same assertion in different tests, parametrized tests without details.

Clusters live inside one repository, so only pairs with the same ``repo`` are compared
(every corpus report is its own repository, except generated-here: one project, eight
formats). Precision = of the pairs given one fingerprint, the share labelled one cluster;
recall = of the pairs labelled one cluster, the share given one fingerprint.

Run: ``.venv/bin/python bench/grouping.py [--show N]``. Goal: precision >= 0.95, recall >= 0.9.
"""

from __future__ import annotations

import argparse
import json
import pathlib
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from bot.core.reports import parse_report
from bot.core.reports.model import Outcome, TestCase
from bot.core.signatures import compute_signature

CASES = pathlib.Path(__file__).with_name("grouping_cases.jsonl")
CORPUS = pathlib.Path(__file__).resolve().parents[2] / "shared" / "corpus" / "reports"
GOALS = "goals: precision >= 0.95, recall >= 0.9"


@dataclass(frozen=True, slots=True)
class Labelled:
    id: int
    repo: str
    cluster: str
    case: TestCase
    source: str


def _failing_cases(report_path: pathlib.Path) -> list[TestCase]:
    report = parse_report(report_path.read_bytes(), path=report_path.name)
    return [
        case
        for case in report.cases
        if case.is_failure
        or any(a.outcome in (Outcome.FAILED, Outcome.ERRORED) for a in case.attempts)
    ]


def _corpus_case(row: dict[str, Any], cache: dict[str, list[TestCase]]) -> TestCase | None:
    relative = str(row["source"]).removeprefix("corpus:")
    if relative not in cache:
        path = CORPUS / relative
        cache[relative] = _failing_cases(path) if path.is_file() else []
    matching = [case for case in cache[relative] if case.test_id == row["test_id"]]
    nth = int(row.get("nth", 0))
    return matching[nth] if nth < len(matching) else None


def load_cases(path: pathlib.Path = CASES) -> list[Labelled]:
    """The labelled failures: hand-written ones, and corpus ones when the corpus is here."""
    out: list[Labelled] = []
    cache: dict[str, list[TestCase]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row: dict[str, Any] = json.loads(line)
        test_id = str(row["test_id"])
        found: TestCase | None
        if str(row["source"]).startswith("corpus:"):
            found = _corpus_case(row, cache)
            if found is None:
                continue
            case = found
        else:
            case = TestCase(
                test_id=test_id,
                name=test_id.rpartition("::")[2],
                outcome=Outcome.FAILED,
                failure_type=row.get("type"),
                message=row.get("message"),
                trace=row.get("trace"),
            )
        out.append(
            Labelled(int(row["id"]), str(row["repo"]), str(row["cluster"]), case, row["source"])
        )
    return out


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    true_pairs: int
    predicted_pairs: int
    both: int
    merged_wrongly: list[tuple[Labelled, Labelled]]
    split_wrongly: list[tuple[Labelled, Labelled]]


def score(cases: list[Labelled]) -> Score:
    """Pairwise precision and recall of the fingerprints against the labels."""
    by_repo: dict[str, list[tuple[Labelled, str]]] = defaultdict(list)
    for item in cases:
        by_repo[item.repo].append((item, compute_signature(item.case).fingerprint))
    true_pairs = predicted = both = 0
    merged: list[tuple[Labelled, Labelled]] = []
    split: list[tuple[Labelled, Labelled]] = []
    for items in by_repo.values():
        for (a, fa), (b, fb) in combinations(items, 2):
            same_label = a.cluster == b.cluster
            same_print = fa == fb
            true_pairs += same_label
            predicted += same_print
            both += same_label and same_print
            if same_print and not same_label:
                merged.append((a, b))
            elif same_label and not same_print:
                split.append((a, b))
    return Score(
        precision=both / predicted if predicted else 1.0,
        recall=both / true_pairs if true_pairs else 1.0,
        true_pairs=true_pairs,
        predicted_pairs=predicted,
        both=both,
        merged_wrongly=merged,
        split_wrongly=split,
    )


def _describe(item: Labelled) -> str:
    message = (item.case.message or "").splitlines()[0][:70] if item.case.message else ""
    return f"#{item.id} {item.cluster.rpartition('::')[2]} | {item.case.failure_type} | {message}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--show", type=int, default=5, help="wrong pairs to print of each kind")
    args = parser.parse_args()
    cases = load_cases()
    result = score(cases)
    clusters = len({(c.repo, c.cluster) for c in cases})
    corpus = sum(c.source.startswith("corpus:") for c in cases)
    print(f"{len(cases)} failures ({corpus} from the corpus), {clusters} expected clusters")
    print(
        f"pairs: {result.true_pairs} expected together, {result.predicted_pairs} grouped, "
        f"{result.both} both"
    )
    print(f"precision {result.precision:.3f}   recall {result.recall:.3f}   ({GOALS})")
    for kind in ("corpus", "hand"):
        part = score([c for c in cases if c.source.partition(":")[0] == kind])
        print(
            f"  {kind:>6}: precision {part.precision:.3f}  recall {part.recall:.3f}  "
            f"({part.true_pairs} pairs expected together, {part.predicted_pairs} grouped)"
        )
    for title, pairs in (
        ("merged but labelled apart", result.merged_wrongly),
        ("labelled together but split", result.split_wrongly),
    ):
        if pairs and args.show:
            print(f"\n{title} ({len(pairs)} pairs), first {min(args.show, len(pairs))}:")
            for a, b in pairs[: args.show]:
                print(f"  {_describe(a)}\n    ~ {_describe(b)}")


if __name__ == "__main__":
    main()
