"""Big reports of real shapes for ``bench/big_run.py``: a corpus report's test cases
replicated, with varied names, until the report holds the wanted number of cases.

The shapes are real tools' output from ``../shared/corpus/reports`` (pytest, jest-junit,
Maven surefire, go-junit-report JUnit, and pytest's CTRF JSON). Each copy of a case gets
its own name (`` #<copy>``) so every case is its own test; a case that failed in the
source keeps its failure in one copy out of ``FAIL_EVERY`` (the others pass), so about
1–3 % of a big report fails with the source's real failure texts.
"""

from __future__ import annotations

import copy
import json
import pathlib
from collections.abc import Iterator

from lxml import etree

CORPUS = pathlib.Path(__file__).resolve().parents[2] / "shared" / "corpus" / "reports"
FAIL_EVERY = 20  # a source failure fails in one copy out of this many

SHAPES: dict[str, str] = {
    "pytest": "generated-here/pytest/pytest-junit.xml",
    "jest": "generated-here/jest/jest-junit.xml",
    "surefire": "dorny+test-reporter/__tests__/fixtures/external/java/pulsar-test-report.xml",
    "go": "jstemmer+go-junit-report/testdata/105-report.xml",
    "ctrf": "generated-here/pytest/pytest-ctrf.json",
}
_FAILED = {"failure", "error", "flakyFailure", "rerunFailure"}


def write_report(shape: str, cases: int, out: pathlib.Path) -> pathlib.Path:
    """Write a ``cases``-case report of ``shape`` to ``out`` (a file name keeps the
    source's extension); returns the file written."""
    source = CORPUS / SHAPES[shape]
    target = out.with_suffix(source.suffix)
    with target.open("wb") as sink:
        pieces = _ctrf(source, cases) if source.suffix == ".json" else _junit(source, cases)
        for piece in pieces:
            sink.write(piece)
    return target


def _junit(source: pathlib.Path, cases: int) -> Iterator[bytes]:
    root = etree.parse(str(source), etree.XMLParser(resolve_entities=False)).getroot()
    suites = [s for s in root.iter("testsuite") if s.find("testcase") is not None]
    yield b'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
    written = 0
    copy_number = 0
    while written < cases:
        for suite in suites:
            if written >= cases:
                break
            head = copy.copy(suite)
            for child in list(head):
                head.remove(child)
            head.set("name", f"{suite.get('name', 'suite')} #{copy_number}")
            text = etree.tostring(head).decode()
            opening = text[: -len("/>")] + ">" if text.endswith("/>") else text.split("</", 1)[0]
            yield opening.encode() + b"\n"
            for case in suite.findall("testcase"):
                if written >= cases:
                    break
                yield _junit_case(case, copy_number) + b"\n"
                written += 1
            yield b"</testsuite>\n"
        copy_number += 1
    yield b"</testsuites>\n"


def _junit_case(case: etree._Element, copy_number: int) -> bytes:
    twin = copy.deepcopy(case)
    twin.set("name", f"{case.get('name', 'test')} #{copy_number}")
    twin.tail = None
    if copy_number % FAIL_EVERY:
        for child in list(twin):
            if child.tag in _FAILED:
                twin.remove(child)
    return etree.tostring(twin)


def _ctrf(source: pathlib.Path, cases: int) -> Iterator[bytes]:
    document = json.loads(source.read_text(encoding="utf-8"))
    tests = document["results"]["tests"]
    head = dict(document, results=dict(document["results"], tests=[]))
    opening, closing = json.dumps(head).split('"tests": []', 1)
    yield (opening + '"tests": [').encode()
    for number in range(cases):
        test = dict(tests[number % len(tests)])
        copy_number = number // len(tests)
        test["name"] = f"{test['name']} #{copy_number}"
        if copy_number % FAIL_EVERY and test.get("status") == "failed":
            test = {k: v for k, v in test.items() if k not in ("message", "trace")}
            test["status"] = "passed"
        yield (("," if number else "") + json.dumps(test)).encode()
    yield ("]" + closing).encode()
