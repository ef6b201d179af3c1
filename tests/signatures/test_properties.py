"""Properties that hold for any input: reports are untrusted text."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.signatures import SUPPORTED_VERSIONS, fingerprints_for_versions
from bot.core.signatures.compute import _VERSIONS
from bot.core.signatures.v1.message import parameterize as parameterize_v1
from bot.core.signatures.v2.parameters import parameterize as parameterize_v2
from tests.signatures.conftest import failure

text = st.one_of(st.none(), st.text(max_size=300))
PARAMETERIZE: dict[int, Callable[[str], str]] = {1: parameterize_v1, 2: parameterize_v2}


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
@settings(max_examples=200, deadline=None)
@given(message=text, failure_type=text, trace=text, test_id=st.text(min_size=1, max_size=80))
def test_any_failure_gets_a_stable_signature(
    version: int, message: str | None, failure_type: str | None, trace: str | None, test_id: str
) -> None:
    case = failure(message, failure_type, trace, test_id)
    first = _VERSIONS[version](case, ())
    assert first == _VERSIONS[version](case, ())  # deterministic
    assert first.version == version
    assert len(first.fingerprint) == 20
    assert first.kind in ("computed", "test-name")
    assert 0 < len(first.title) <= 120
    assert first.normalized.startswith(f"v{version} | ")
    assert fingerprints_for_versions(case)[version] == first.fingerprint


def test_every_version_has_a_parameterizer() -> None:
    assert set(PARAMETERIZE) == set(SUPPORTED_VERSIONS)


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parameterize_is_idempotent(version: int, message: str) -> None:
    parameterize = PARAMETERIZE[version]
    once = parameterize(message)
    assert parameterize(once) == once
