"""Benchmark: how well failure signatures group failures (pairwise and B-cubed scores).

``bench/grouping_cases.jsonl`` holds labelled failures, one JSON object a line:
``id, repo, cluster, source, test_id`` and either ``type, message, trace`` (the failure
as a reporter carries it) or ``nth`` (a corpus reference). ``cluster`` is the expected
group, written by a person: failures a maintainer would call one problem share it.

* ``source: "corpus:<path>"`` — the ``nth`` failing case with ``test_id`` in that report of
  the shared corpus (``../shared/corpus/reports``, read and parsed at run time: the corpus
  is never copied into this repository; without it only the other rows run).
* ``source: "hand"`` — written here for the built-in families and their near-misses.
* ``source: "https://…"`` (ids from 10001) — real failure text from a public thread, a CI
  log quoted in an issue or a library's own test expectation, re-run the way CI re-runs it,
  plus hard negatives. These rows also carry ``category`` (the grouping problem they
  exercise), ``language`` and ``variant`` (``original``, ``rerun`` or ``negative``); a
  ``repo`` is a scenario that puts look-alikes side by side.

Clusters live inside one repository, so only failures with the same ``repo`` are compared.
Scores (``grouping_metrics``): pairwise precision/recall and B-cubed precision/recall,
overall, for the old rows and the new ones, per category and per language.

Run: ``.venv/bin/python bench/grouping.py [--cases PATH] [--version N | --compare 1,2]
[--show N]``. Goal: precision >= 0.95, recall >= 0.9.
"""

from __future__ import annotations

import argparse
import json
import pathlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from grouping_metrics import Item, Scores, score

from bot.core.reports import parse_report
from bot.core.reports.model import Outcome, TestCase
from bot.core.signatures import compute as signature_versions
from bot.core.signatures.model import SIGNATURE_VERSION, Signature

CASES = pathlib.Path(__file__).with_name("grouping_cases.jsonl")
CORPUS = pathlib.Path(__file__).resolve().parents[2] / "shared" / "corpus" / "reports"
GOALS = "goals: precision >= 0.95, recall >= 0.9"
FIRST_NEW_ID = 10001  # rows from public threads (categories, languages, variants) start here


@dataclass(frozen=True, slots=True)
class Labelled:
    id: int
    repo: str
    cluster: str
    case: TestCase
    source: str
    category: str | None = None
    language: str | None = None
    variant: str | None = None


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
    """The labelled failures: the written ones, and corpus ones when the corpus is here."""
    out: list[Labelled] = []
    cache: dict[str, list[TestCase]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row: dict[str, Any] = json.loads(line)
        test_id = str(row["test_id"])
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
            Labelled(
                int(row["id"]),
                str(row["repo"]),
                str(row["cluster"]),
                case,
                str(row["source"]),
                row.get("category"),
                row.get("language"),
                row.get("variant"),
            )
        )
    return out


def signatures(cases: Sequence[Labelled], version: int) -> list[Signature]:
    """Each case's signature under one supported version (no repository rules)."""
    algorithm = signature_versions._VERSIONS[version]
    return [algorithm(item.case, ()) for item in cases]


def items_of(cases: Sequence[Labelled], sigs: Sequence[Signature]) -> list[Item]:
    return [(c.repo, c.cluster, s.fingerprint) for c, s in zip(cases, sigs, strict=True)]


Slice = tuple[str, Callable[[Labelled], bool]]


def slices(cases: Sequence[Labelled]) -> list[Slice]:
    """The subsets scored on their own: all, old/new rows, each category, each language."""
    out: list[Slice] = [
        ("all", lambda c: True),
        (f"old rows (id < {FIRST_NEW_ID})", lambda c: c.id < FIRST_NEW_ID),
        (f"new rows (id >= {FIRST_NEW_ID})", lambda c: c.id >= FIRST_NEW_ID),
    ]
    for field in ("category", "language"):
        for value in sorted({getattr(c, field) for c in cases} - {None}):
            out.append((f"{field} {value}", _has(field, value)))
    return out


def _has(field: str, value: str) -> Callable[[Labelled], bool]:
    return lambda c: bool(getattr(c, field) == value)


def _row(name: str, chosen: list[Labelled], scores: list[Scores]) -> str:
    clusters = len({(c.repo, c.cluster) for c in chosen})
    cells = "".join(
        f" | {s.pair_precision:6.3f} {s.pair_recall:6.3f} {s.bcubed_precision:6.3f}"
        f" {s.bcubed_recall:6.3f}"
        for s in scores
    )
    return f"{name:<28} {len(chosen):>5} {clusters:>5}{cells}"


def print_scores(cases: Sequence[Labelled], by_version: dict[int, list[Signature]]) -> None:
    header = "".join(f" | {'signature v' + str(v):^27}" for v in by_version)
    print(f"{'':<40}{header}")
    sub = "".join(f" | {'pair P':>6} {'pair R':>6} {'B3 P':>6} {'B3 R':>6}" for _ in by_version)
    print(f"{'slice':<28} {'cases':>5} {'clus.':>5}{sub}")
    indexed = list(enumerate(cases))
    for name, keep in slices(cases):
        chosen = [i for i, c in indexed if keep(c)]
        if not chosen:
            continue
        scores = []
        for sigs in by_version.values():
            scores.append(
                score([(cases[i].repo, cases[i].cluster, sigs[i].fingerprint) for i in chosen])
            )
        print(_row(name, [cases[i] for i in chosen], scores))


def _ids(members: Sequence[Labelled]) -> str:
    shown = ", ".join(f"#{m.id}" for m in members[:6])
    return shown + (f", … {len(members) - 6} more" if len(members) > 6 else "")


def _text(sig: Signature, width: int = 150) -> str:
    flat = " ⏎ ".join(line.strip() for line in sig.normalized.splitlines() if line.strip())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def print_worst(
    cases: Sequence[Labelled], sigs: Sequence[Signature], version: int, show: int
) -> None:
    """Fingerprints holding several labelled clusters, and clusters given several fingerprints."""
    by_print: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_label: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        by_print[(c.repo, sigs[i].fingerprint)].append(i)
        by_label[(c.repo, c.cluster)].append(i)
    _print_merges(cases, sigs, version, show, by_print)
    _print_splits(cases, sigs, version, show, by_label)


def _print_merges(
    cases: Sequence[Labelled],
    sigs: Sequence[Signature],
    version: int,
    show: int,
    by_print: dict[tuple[str, str], list[int]],
) -> None:
    merges = [m for m in by_print.items() if len({cases[i].cluster for i in m[1]}) > 1]
    merges.sort(key=lambda m: (-len({cases[i].cluster for i in m[1]}), -len(m[1])))
    print(f"\nworst merges (v{version}): {len(merges)} fingerprints hold several labelled clusters")
    for (repo, fingerprint), members in merges[:show]:
        labels: dict[str, list[Labelled]] = defaultdict(list)
        for i in members:
            labels[cases[i].cluster].append(cases[i])
        print(f"  {repo} {fingerprint}: {len(labels)} clusters, {len(members)} failures")
        print(f"    normalized: {_text(sigs[members[0]])}")
        for label, group in sorted(labels.items(), key=lambda kv: -len(kv[1])):
            print(f"    - {label} ({_ids(group)})")


def _print_splits(
    cases: Sequence[Labelled],
    sigs: Sequence[Signature],
    version: int,
    show: int,
    by_label: dict[tuple[str, str], list[int]],
) -> None:
    splits = [s for s in by_label.items() if len({sigs[i].fingerprint for i in s[1]}) > 1]
    splits.sort(key=lambda s: (-len({sigs[i].fingerprint for i in s[1]}), -len(s[1])))
    print(f"\nworst splits (v{version}): {len(splits)} labelled clusters get several fingerprints")
    for (repo, label), members in splits[:show]:
        prints: dict[str, list[int]] = defaultdict(list)
        for i in members:
            prints[sigs[i].fingerprint].append(i)
        print(f"  {repo} :: {label}: {len(prints)} fingerprints, {len(members)} failures")
        for fingerprint, indices in sorted(prints.items(), key=lambda kv: -len(kv[1])):
            shown = _ids([cases[i] for i in indices])
            print(f"    {fingerprint} ({shown}): {_text(sigs[indices[0]])}")


def _versions(args: argparse.Namespace) -> list[int]:
    supported = signature_versions.SUPPORTED_VERSIONS
    wanted = [int(v) for v in args.compare.split(",")] if args.compare else [args.version]
    unknown = [v for v in wanted if v not in supported]
    if unknown:
        raise SystemExit(f"unsupported signature version(s) {unknown}; supported: {supported}")
    return wanted


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=pathlib.Path, default=CASES, help="labelled cases file")
    parser.add_argument(
        "--version", type=int, default=SIGNATURE_VERSION, help="signature version to score"
    )
    parser.add_argument("--compare", help="versions side by side, e.g. 1,2 (overrides --version)")
    parser.add_argument("--show", type=int, default=5, help="worst merges and splits to list")
    args = parser.parse_args(argv)
    versions = _versions(args)
    cases = load_cases(args.cases)
    by_version = {v: signatures(cases, v) for v in versions}
    corpus = sum(c.source.startswith("corpus:") for c in cases)
    clusters = len({(c.repo, c.cluster) for c in cases})
    repos = len({c.repo for c in cases})
    print(
        f"{len(cases)} failures ({corpus} from the corpus) in {repos} repositories, "
        f"{clusters} expected clusters; signature version(s) {versions}; {GOALS}"
    )
    print_scores(cases, by_version)
    if args.show:
        print_worst(cases, by_version[versions[0]], versions[0], args.show)


if __name__ == "__main__":
    main()
