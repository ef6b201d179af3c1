"""Named signatures: the repository's own rules (``signatures:`` in .github/loopwatch.yml).

Regexes come from repository config and run on untrusted report text, so the text is
bounded before matching (Python's ``re`` has no timeout; bounded input bounds the work).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from fnmatch import fnmatchcase

from bot.core.config.signature_rules import SignatureRule
from bot.core.reports.model import TestCase
from bot.core.signatures.common import short_type

MAX_TYPE_MATCH = 500
MAX_MESSAGE_MATCH = 4_096
MAX_TRACE_MATCH = 16_384


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:  # validated at load; a rule built in code may still be broken
        return None


def _search(pattern: str | None, *texts: str | None, limit: int) -> bool:
    if pattern is None:
        return True
    compiled = _compiled(pattern)
    if compiled is None:
        return False
    return any(text and compiled.search(text[:limit]) for text in texts)


def rule_matches(rule: SignatureRule, case: TestCase, failure_type: str | None = None) -> bool:
    """Whether every key of ``rule.match`` matches the failure.

    ``match.type`` is tried on the reported type, its class name and ``failure_type`` (the
    type found by the pipeline, e.g. from a ``Type: message`` prefix).
    """
    match = rule.match
    if match.tests and not any(fnmatchcase(case.test_id, glob) for glob in match.tests):
        return False
    return (
        _search(
            match.type,
            case.failure_type,
            short_type(case.failure_type),
            failure_type,
            limit=MAX_TYPE_MATCH,
        )
        and _search(match.message, case.message, limit=MAX_MESSAGE_MATCH)
        and _search(match.trace, case.trace, limit=MAX_TRACE_MATCH)
    )


def first_matching_rule(
    case: TestCase, rules: Sequence[SignatureRule], failure_type: str | None = None
) -> SignatureRule | None:
    """The first rule, in file order, that matches ``case``."""
    return next((rule for rule in rules if rule_matches(rule, case, failure_type)), None)
