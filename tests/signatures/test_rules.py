"""Named signatures: config validation and matching."""

from __future__ import annotations

import pytest

from bot.core.config.loader import load_config
from bot.core.config.signature_rules import SignatureMatch, SignatureRule
from bot.core.signatures import compute_signature
from bot.core.signatures.rules import rule_matches
from tests.signatures.conftest import failure

CONFIG = """
signatures:
  - id: agent-ws-drop
    title: Agent WebSocket drops during the data pipeline
    match:
      message: 'received 1011'
      tests: ["tests/e2e/*"]
    labels: [websocket, staging]
    severity: high
  - id: session-order
    title: Session middleware order
    match: {type: '^RuntimeError$', message: '(?i)sessionmiddleware'}
"""


def rules() -> list[SignatureRule]:
    result = load_config(CONFIG)
    assert result.ok, result.errors
    return result.config.signatures


def test_named_signature_wins() -> None:
    case = failure(
        "received 1011 (internal error)", "ConnectionClosedError", test_id="tests/e2e/test_a.py::t"
    )
    signature = compute_signature(case, rules())
    assert signature.kind == "named"
    assert signature.title == "Agent WebSocket drops during the data pipeline"
    assert signature.rule_id == "agent-ws-drop"
    assert signature.labels == ("websocket", "staging")
    assert signature.severity == "high"
    assert signature.family == "websocket-close-1011"  # still known, for display


def test_every_key_must_match() -> None:
    case = failure("received 1011 (internal error)", "ConnectionClosedError", test_id="unit::t")
    signature = compute_signature(case, rules())
    assert signature.kind == "computed"  # the tests glob does not match
    assert signature.family == "websocket-close-1011"


def test_type_matches_the_type_found_in_the_message() -> None:
    case = failure("RuntimeError: SessionMiddleware must be installed first")
    assert compute_signature(case, rules()).rule_id == "session-order"


def test_named_fingerprint_depends_only_on_the_rule() -> None:
    a = failure("received 1011 (internal error)", test_id="tests/e2e/a.py::x")
    b = failure("received 1011 (internal error) ping timeout", test_id="tests/e2e/b.py::y")
    assert compute_signature(a, rules()).fingerprint == compute_signature(b, rules()).fingerprint


def test_matching_is_bounded() -> None:
    rule = SignatureRule(id="late", title="t", match=SignatureMatch(message="needle"))
    assert rule_matches(rule, failure("x" * 10 + "needle"))
    assert not rule_matches(rule, failure("x" * 5_000 + "needle"))


@pytest.mark.parametrize(
    ("yaml_text", "error"),
    [
        (
            "signatures:\n  - {id: bad, title: t, match: {message: '(unclosed'}}",
            "signatures[0]: signature 'bad': match.message is not a valid regular expression",
        ),
        (
            "signatures:\n  - {id: empty, title: t, match: {}}",
            "signatures[0]: signature 'empty': 'match' needs at least one of type, message, "
            "trace or tests",
        ),
        (
            "signatures:\n  - {id: x, title: t, match: {mesage: a}}",
            "signatures[0].match.mesage: unknown key 'mesage' — did you mean 'message'?",
        ),
        (
            "signatures:\n  - {id: x, title: t, match: {type: a}, severity: urgent}",
            "signatures[0].severity",
        ),
        (
            "signatures:\n  - {id: x, title: t, match: {type: a}, labl: [a]}",
            "signatures[0].labl: unknown key 'labl' — did you mean 'labels'?",
        ),
    ],
)
def test_config_errors_are_plain(yaml_text: str, error: str) -> None:
    result = load_config(yaml_text)
    assert not result.ok
    assert any(e.startswith(error) for e in result.errors), result.errors


def test_no_signatures_key_means_no_rules() -> None:
    assert load_config("defaults: {}").config.signatures == []


def test_a_broken_rule_is_skipped_and_the_rest_applies() -> None:
    result = load_config(
        "campaigns:\n  e2e: {title: 'E2E {campaign}'}\n"
        "signatures:\n"
        "  - {id: bad, title: t, match: {message: '(unclosed'}}\n"
        "  - {id: good, title: Good, match: {message: 'received 1011'}}\n"
    )
    assert [rule.id for rule in result.config.signatures] == ["good"]
    assert result.config.campaign("e2e").title == "E2E {campaign}"
    assert "signatures[0]: ignored because of the errors above" in result.errors


def test_ids_must_be_unique() -> None:
    result = load_config(
        "signatures:\n"
        "  - {id: ws, title: First, match: {message: '1011'}}\n"
        "  - {id: ws, title: Second, match: {message: '1006'}}\n"
    )
    assert any("the id 'ws' is used by two signatures" in e for e in result.errors)
    assert [rule.title for rule in result.config.signatures] == ["First"]
