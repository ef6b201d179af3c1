"""Every example failure the signature tests know, in one list, for the snapshot files.

* ``bench:<id>`` — the hand-written rows of ``bench/grouping_cases.jsonl``;
* ``table:<module>::<test>::<digest>`` — every row of a ``parametrize`` table in
  ``tests/signatures/`` whose arguments describe a failure (``failure_type``, ``message``,
  ``trace``, ``test_id``), gathered from the marks, so a row added to a table is in the
  snapshots without a second list to keep;
* ``explicit:<name>`` — failures written here: texts where versions disagree;
* ``corpus:<report path>::<test id>::<nth>`` — every failing case of every report of the
  shared corpus (only what is hashed is kept in a snapshot, never the report's text).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.reports import ReportError, parse_report
from bot.core.reports.model import Outcome, TestCase
from tests.signatures.conftest import failure as failed

HERE = Path(__file__).resolve().parent
BENCH_CASES = HERE.parents[1] / "bench" / "grouping_cases.jsonl"
CASE_ARGUMENTS = ("failure_type", "message", "trace", "test_id")


@dataclass(frozen=True, slots=True)
class Example:
    key: str
    case: TestCase


# Texts where a family alone was the key in version 1 (so v2 may tell them apart), and
# the code and exit-status cases of issue 17. Used by the snapshots and the upgrade tests.
EXPLICIT: dict[str, TestCase] = {
    "timeout-selenium": failed(
        "Message: timed out waiting for element #checkout", "TimeoutException"
    ),
    "timeout-requests": failed(
        "HTTPConnectionPool(host='api.internal', port=8080): Read timed out. (read timeout=5)",
        "requests.exceptions.ReadTimeout",
    ),
    "timeout-pytest": failed("Failed: Timeout >5.0s"),
    "timeout-db-pool": failed(
        "QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00",
        "sqlalchemy.exc.TimeoutError",
    ),
    "http-503-expected-200": failed("expected 200, got 503", "AssertionError"),
    "http-supertest-500": failed('expected 200 "OK", got 500 "Internal Server Error"', "Error"),
    "refused-postgres": failed(
        'connection to server at "127.0.0.1", port 5432 failed: Connection refused',
        "psycopg.OperationalError",
    ),
    "refused-redis": failed(
        "Error 111 connecting to localhost:6379. Connection refused.",
        "redis.exceptions.ConnectionError",
    ),
    "oom-heap": failed("Java heap space", "java.lang.OutOfMemoryError"),
    "oom-metaspace": failed("Metaspace", "java.lang.OutOfMemoryError"),
    "exit-139": failed("Command failed: exit status 139"),
    "sigsegv": failed("worker crashed: Signals.SIGSEGV: 11"),
    "go-nil-panic": failed(
        "Failed",
        trace=(
            "panic: runtime error: invalid memory address or nil pointer dereference\n"
            "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4f6a2b]\n\n"
            "goroutine 7 [running]:\n"
            "github.com/acme/shop/cart.(*Cart).Total(0x0)\n"
            "\t/home/runner/work/shop/shop/cart/cart.go:42 +0x1b\n"
        ),
        test_id="cart::TestTotal",
    ),
    "xdist-worker": failed("worker 'gw1' crashed while running 'tests/test_a.py::test_one'"),
    "ws-1011": failed("received 1011 (internal error) keepalive ping timeout", "ConnectionClosed"),
}


def bench_examples(path: Path = BENCH_CASES) -> list[Example]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if str(row["source"]).startswith("corpus:"):
            continue
        case = failed(row.get("message"), row.get("type"), row.get("trace"), str(row["test_id"]))
        out.append(Example(f"bench:{row['id']}", case))
    return out


def _test_modules() -> Iterator[Any]:
    for info in pkgutil.walk_packages([str(HERE)], prefix="tests.signatures."):
        if info.name.rpartition(".")[2].startswith("test_"):
            yield importlib.import_module(info.name)


def _rows(mark: Any) -> Iterator[dict[str, Any]]:
    names, values = mark.args[0], mark.args[1]
    names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    for value in values:
        value = getattr(value, "values", value)  # pytest.param(...)
        row = tuple(value) if len(names) > 1 else (value,)
        yield dict(zip(names, row, strict=True))


def table_examples() -> list[Example]:
    """The rows of ``parametrize`` tables in tests/signatures whose arguments are a failure."""
    out: list[Example] = []
    for module in _test_modules():
        relative = module.__name__.removeprefix("tests.signatures.").replace(".", "/")
        for name, function in sorted(vars(module).items()):
            if not name.startswith("test_") or not callable(function):
                continue
            for mark in getattr(function, "pytestmark", []):
                if mark.name != "parametrize":
                    continue
                for row in _rows(mark):
                    fields = {k: row[k] for k in CASE_ARGUMENTS if k in row}
                    if not fields or not all(
                        v is None or isinstance(v, str) for v in fields.values()
                    ):
                        continue
                    digest = hashlib.sha256(
                        json.dumps(fields, sort_keys=True).encode()
                    ).hexdigest()[:10]
                    key = f"table:{relative}.py::{name}::{digest}"
                    out.append(Example(key, failed(**fields)))
    return list({e.key: e for e in out}.values())


def hand_examples() -> list[Example]:
    """Every example that is not from the corpus, each once, sorted by key."""
    explicit = [Example(f"explicit:{name}", case) for name, case in EXPLICIT.items()]
    every = {e.key: e for e in [*bench_examples(), *table_examples(), *explicit]}
    return [every[key] for key in sorted(every)]


def failing_cases(data: bytes, path: str) -> list[TestCase]:
    report = parse_report(data, path=path)
    return [
        case
        for case in report.cases
        if case.is_failure
        or any(a.outcome in (Outcome.FAILED, Outcome.ERRORED) for a in case.attempts)
    ]


def corpus_examples(reports: Path) -> list[Example]:
    """Every failing case of every readable report under ``reports`` (the shared corpus)."""
    out: list[Example] = []
    for path in sorted(p for p in reports.rglob("*") if p.is_file()):
        relative = path.relative_to(reports).as_posix()
        try:
            cases = failing_cases(path.read_bytes(), relative)
        except ReportError:
            continue  # not a report, or one the parser refuses (its own tests cover that)
        seen: dict[str, int] = {}
        for case in cases:
            nth = seen.get(case.test_id, 0)
            seen[case.test_id] = nth + 1
            out.append(Example(f"corpus:{relative}::{case.test_id}::{nth}", case))
    return out
