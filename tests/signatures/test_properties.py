"""Properties that hold for any input: reports are untrusted text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.signatures import SIGNATURE_VERSION, compute_signature, fingerprints_for_versions
from bot.core.signatures.v1.message import parameterize
from tests.signatures.conftest import failure

text = st.one_of(st.none(), st.text(max_size=300))


@settings(max_examples=200, deadline=None)
@given(message=text, failure_type=text, trace=text, test_id=st.text(min_size=1, max_size=80))
def test_any_failure_gets_a_stable_signature(
    message: str | None, failure_type: str | None, trace: str | None, test_id: str
) -> None:
    case = failure(message, failure_type, trace, test_id)
    first = compute_signature(case)
    assert first == compute_signature(case)  # deterministic
    assert len(first.fingerprint) == 20
    assert first.kind in ("computed", "test-name")
    assert 0 < len(first.title) <= 120
    assert first.normalized.startswith(f"v{SIGNATURE_VERSION} | ")
    assert fingerprints_for_versions(case)[SIGNATURE_VERSION] == first.fingerprint


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parameterize_is_idempotent(message: str) -> None:
    once = parameterize(message)
    assert parameterize(once) == once
