"""Version 2, classes of real failures that re-run or repeat with varying parts.

Each test quotes a public failure text (URL above it) and states a grouping promise of
docs/signatures.md for the whole class, not for that one project.
"""

from __future__ import annotations

from bot.core.signatures.model import Signature
from bot.core.signatures.v2.compute import compute_v2
from tests.signatures.conftest import failure


def v2(
    message: str | None = None,
    failure_type: str | None = None,
    trace: str | None = None,
    test_id: str = "tests/test_a.py::test_one",
) -> Signature:
    return compute_v2(failure(message, failure_type, trace, test_id), ())


# https://github.com/hubmapconsortium/portal-ui/issues/102: every error page answers 200
ERROR_PAGE = """AssertionError: assert '200 OK' == '{code} {reason}'
  - 200 OK
  + {code} {reason}"""


def test_a_success_where_errors_were_expected_is_one_failure() -> None:
    bad_request = v2(ERROR_PAGE.format(code=400, reason="BAD REQUEST"), test_id="t.py::test_400")
    forbidden = v2(ERROR_PAGE.format(code=403, reason="FORBIDDEN"), test_id="t.py::test_403")
    assert bad_request.fingerprint == forbidden.fingerprint
    assert bad_request.family == "http-200"


def test_an_error_status_still_keeps_the_expected_status_apart() -> None:
    created = v2("AssertionError: expected 201, got 400")
    ok = v2("AssertionError: expected 200, got 400")
    assert created.fingerprint != ok.fingerprint
