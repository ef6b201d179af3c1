"""Step 5: test-name fallback keys."""

from __future__ import annotations

import pytest

from bot.core.signatures.v1.test_name import collapse_test_id


@pytest.mark.parametrize(
    ("test_id", "expected"),
    [
        ("tests/a.py::test_x[a]", "tests/a.py::test_x"),
        ("tests/a.py::test_x[b-1]", "tests/a.py::test_x"),
        ("tests/a.py::TestK::test_x[a][b]", "tests/a.py::TestK::test_x"),
        ("tests/a.py::test_x", "tests/a.py::test_x"),
        ("suite > retries it (2)", "suite > retries it"),
        ("[only-brackets]", "[only-brackets]"),
    ],
)
def test_collapse(test_id: str, expected: str) -> None:
    assert collapse_test_id(test_id) == expected


def test_known_behaviour_brackets_mid_name_are_kept() -> None:
    # Only a trailing parameter block is a parametrization; brackets inside a title stay.
    assert collapse_test_id("tests/a.py::test_[x]_y") == "tests/a.py::test_[x]_y"
