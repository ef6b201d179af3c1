"""One test, one id, whichever reporter wrote the file (history and clusters depend on it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.reports import parse_report
from bot.core.reports.model import make_test_id

pytestmark = [pytest.mark.corpus, pytest.mark.usefixtures("junit_reader")]


def _ids(path: Path) -> set[str]:
    return {case.test_id for case in parse_report(path.read_bytes(), path=path.name).cases}


@pytest.mark.parametrize(
    "other", ["pytest-json-report.json", "pytest-ctrf.json", "pytest-junit-xunit1.xml"]
)
def test_pytest_reporters_agree_on_ids(corpus_dir: Path, other: str) -> None:
    folder = corpus_dir / "reports" / "generated-here" / "pytest"
    reference = _ids(folder / "pytest-junit.xml")
    assert len(reference) == 14
    assert _ids(folder / other) == reference


def test_mocha_junit_and_json_agree_on_ids(corpus_dir: Path) -> None:
    folder = corpus_dir / "reports" / "generated-here" / "mocha"
    from_json = _ids(folder / "mocha.json")
    from_junit = _ids(folder / "mocha-junit.xml")
    assert "mtest/streaming.spec.js::Response streaming reconnects websocket" in from_junit
    # mocha-junit-reporter leaves the pending test out of the file; the rest agree.
    assert from_junit == from_json - {
        "mtest/streaming.spec.js::Response streaming resumes after deploy"
    }


@pytest.mark.parametrize(
    ("file", "classname", "name", "expected"),
    [
        ("tests/a.py", "tests.a", "test_x[1]", "tests/a.py::test_x[1]"),
        ("tests/a.py", "TestA", "test_x", "tests/a.py::TestA::test_x"),
        ("tests/a.py", "tests/a.py", "tests/a.py::test_x", "tests/a.py::test_x"),
        ("tests/a.py", None, "tests/a.py::TestA::test_x", "tests/a.py::TestA::test_x"),
        (
            "m.spec.js",
            "streams tokens",
            "Streaming streams tokens",
            "m.spec.js::Streaming streams tokens",
        ),
        (None, "Agent runs first", "Agent runs first", "Agent runs first"),
        (None, "com.acme.FooTest", "testBar", "com.acme.FooTest::testBar"),
    ],
)
def test_make_test_id_by_example(
    file: str | None, classname: str | None, name: str, expected: str
) -> None:
    assert make_test_id(file, classname, name) == expected
