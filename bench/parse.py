"""Benchmark: Loopwatch's JUnit parse vs a bare lxml iterparse loop vs junitparser.

Generates a 100,000-case JUnit file (~36 MB: ~3% failures with tracebacks, captured
output on every case) in a temporary directory, then measures in the same run:

* the floor: a bare ``lxml.etree.iterparse`` loop that only counts ``<testcase>`` elements
  (clearing them as it goes, as any streaming reader must);
* Loopwatch: ``parse_report`` (detection included) into the full model;
* junitparser (what publish-unit-test-result-action uses): load, then read every case's
  result, as a report tool has to.

All read the same bytes from memory and are timed best-of-``--runs`` in interleaved
rounds (floor, ours, … in each round, so a slow spell on the shared machine hits them
alike); each timing includes freeing what the parser built. Ours is timed with the
compiled JUnit case reader (when built) and, for reference, with the pure-Python one.
The model's ``counts`` (a property computed on demand, ~0.3 µs per case) is checked
after the timing, not in it: it is not parsing.

Peak memory of our parse is measured in a fresh subprocess: the growth of the peak RSS
(``resource.getrusage``) over the parse, with the input bytes already loaded, and the
Python-heap peak from ``tracemalloc``. Run: ``.venv/bin/python bench/parse.py``.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from lxml import etree

GOALS = "goals: ours <= 1.5x the bare loop, >= 3x faster than junitparser, peak <= 64 MB"

_TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/home/runner/work/app/app/tests/e2e/test_mod_{s}.py", line {line}, in test_{c}\n'
    "    result = client.call(payload)\n"
    '  File "/home/runner/work/app/app/app/client.py", line 88, in call\n'
    "    raise ConnectionClosedError(code)\n"
    "websockets.exceptions.ConnectionClosedError: received 1011 (internal error) "
    "keepalive ping timeout; then sent 1011 (internal error) keepalive ping timeout\n"
)


def generate(path: pathlib.Path, cases: int = 100_000, per_suite: int = 500) -> None:
    """Write a pytest-like JUnit file with ``cases`` test cases."""
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="bench">\n')
        for start in range(0, cases, per_suite):
            suite = start // per_suite
            out.write(f'<testsuite name="tests.e2e.test_mod_{suite}" tests="{per_suite}">\n')
            for index in range(start, min(cases, start + per_suite)):
                out.write(
                    f'  <testcase classname="tests.e2e.test_mod_{suite}.TestFeature" '
                    f'name="test_case_{index}[param-{index % 7}]" time="0.{index % 997:03d}">'
                )
                if index % 33 == 0:
                    trace = _TRACE.format(s=suite, line=10 + index % 50, c=index)
                    out.write(
                        '<failure message="ConnectionClosedError: received 1011 (internal error)"'
                        f' type="ConnectionClosedError">{trace}</failure>'
                    )
                out.write(
                    f"<system-out>INFO worker-{index % 8} connected to ws://staging:8080/ws "
                    f"session={index:08x}; sent 3 frames, received 3 frames, closed cleanly\n"
                    f"DEBUG fixture teardown: released db connection pool (4 connections), "
                    f"removed tmp dir /tmp/pytest-of-runner/{index}"
                    "</system-out></testcase>\n"
                )
            out.write("</testsuite>\n")
        out.write("</testsuites>\n")


def bare_loop(data: bytes) -> int:
    count = 0
    for _, elem in etree.iterparse(io.BytesIO(data), events=("end",), tag="testcase"):
        count += 1
        elem.clear()
        while elem.getprevious() is not None:
            del elem.getparent()[0]
    return count


def ours(data: bytes) -> int:
    from bot.core.reports import parse_report

    return len(parse_report(data, path="bench.xml").cases)


def ours_pure_python(data: bytes) -> int:
    from bot.core.reports.formats import junit, junit_cases

    compiled = junit.read_cases
    junit.read_cases = junit_cases.read_cases_python
    try:
        return ours(data)
    finally:
        junit.read_cases = compiled


def ours_total(data: bytes) -> int:
    from bot.core.reports import parse_report

    return parse_report(data, path="bench.xml").counts.total


def with_junitparser(data: bytes) -> int:
    from junitparser import JUnitXml

    count = 0
    for suite in JUnitXml.fromstring(data):
        for case in suite:
            _ = (case.name, case.classname, case.time, case.result, case.system_out)
            count += 1
    return count


def best_of(runs: int, cases: int, funcs: dict[str, Callable[[], int]]) -> dict[str, list[float]]:
    """Each function's time in each of ``runs`` interleaved rounds (each must read
    ``cases`` cases)."""
    times: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(runs):
        for name, func in funcs.items():
            gc.collect()
            start = time.perf_counter()
            result = func()
            times[name].append(time.perf_counter() - start)
            assert result == cases, (name, result)
    return times


def paired_ratio(times: list[float], floor: list[float]) -> float:
    """The median of the per-round ratios: each round's two timings are back to back, so
    a slow spell of the shared machine cancels out of the ratio."""
    return statistics.median(ours / base for ours, base in zip(times, floor, strict=True))


_MEMORY_PROBE = """
import json, resource, sys, tracemalloc, pathlib
from bot.core.reports import parse_report
data = pathlib.Path(sys.argv[1]).read_bytes()
def peak_kb():
    # VmHWM is this program's own high-water mark; ru_maxrss can carry the parent's over
    # fork+exec on Linux.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if sys.argv[2] == "rss":
    before = peak_kb()
    report = parse_report(data)
    after = peak_kb()
    print(json.dumps({"rss_growth_mb": (after - before) / 1024, "cases": len(report.cases)}))
else:
    tracemalloc.start()
    report = parse_report(data)
    retained, peak = tracemalloc.get_traced_memory()
    print(json.dumps({"heap_peak_mb": peak / 2**20, "heap_retained_mb": retained / 2**20}))
"""


def measure_memory(path: pathlib.Path) -> dict[str, float]:
    """Run our parse in fresh interpreters: peak-RSS growth over the parse (the input bytes
    already loaded), and the Python heap's peak vs what the finished model retains."""
    root = pathlib.Path(__file__).resolve().parents[1]
    result: dict[str, float] = {}
    for mode in ("rss", "heap"):
        output = subprocess.run(
            [sys.executable, "-c", _MEMORY_PROBE, str(path), mode],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result.update(json.loads(output))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "junit-bench.xml"
        generate(path, args.cases)
        data = path.read_bytes()
        print(f"file: {len(data) / 2**20:.1f} MB, {args.cases} cases")
        timed = best_of(
            args.runs,
            args.cases,
            {
                "floor": lambda: bare_loop(data),
                "ours": lambda: ours(data),
                "ours_python": lambda: ours_pure_python(data),
            },
        )
        # junitparser builds the whole tree (hundreds of MB); run it after the others so
        # the allocator state it leaves behind does not slow down the floor.
        timed |= best_of(args.runs, args.cases, {"junitparser": lambda: with_junitparser(data)})
        assert ours_total(data) == args.cases
        memory = measure_memory(path)
    from bot.core.reports.formats import junit_cases

    best = {name: min(times) for name, times in timed.items()}
    floor = timed["floor"]
    ratio = paired_ratio(timed["ours"], floor)
    python_ratio = paired_ratio(timed["ours_python"], floor)
    reader = junit_cases.IMPLEMENTATION
    jp_speedup = best["junitparser"] / best["ours"]
    print(f"bare lxml iterparse loop : {best['floor']:6.2f} s (best of {args.runs})")
    print(f"loopwatch parse_report   : {best['ours']:6.2f} s  ({ratio:.2f}x the bare loop)")
    print(f"  case reader            : {reader}")
    print(f"  with the Python reader : {best['ours_python']:6.2f} s  ({python_ratio:.2f}x)")
    print(
        f"junitparser              : {best['junitparser']:6.2f} s  (ours: {jp_speedup:.1f}x faster)"
    )
    print(
        f"(ratios: medians of the per-round pairs; best over best "
        f"{best['ours'] / best['floor']:.2f}x and {best['ours_python'] / best['floor']:.2f}x)"
    )
    model_mb = memory["heap_retained_mb"]
    print(
        f"our peak memory          : +{memory['rss_growth_mb']:.1f} MB RSS over the parse; "
        f"of that the finished model holds {model_mb:.1f} MB "
        f"({model_mb * 2**20 / args.cases:.0f} B per case), the streaming parse itself "
        f"{memory['heap_peak_mb'] - model_mb:.1f} MB (Python heap)"
    )
    print(GOALS)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max RSS of this process  : {peak:.0f} MB (all three parsers, file in memory)")


if __name__ == "__main__":
    main()
