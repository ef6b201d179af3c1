"""Every supported signature version against its snapshot files (``make snapshots``).

A version's files are written once, before it ships; from then on they prove the version
never changes: every example of the signature tests, and every failing case of every
report in the shared corpus (only what is hashed is kept: fingerprint, title, normalized).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.core.signatures import SUPPORTED_VERSIONS
from bot.core.signatures import compute as registry
from tests.plugins.snapshots import Snapshots
from tests.signatures.examples import Example, corpus_examples, hand_examples


def entries(version: int, examples: Sequence[Example]) -> dict[str, dict[str, str]]:
    algorithm = registry._VERSIONS[version]
    out = {}
    for example in examples:
        signature = algorithm(example.case, ())
        assert signature.version == version, example.key
        out[example.key] = {
            "fingerprint": signature.fingerprint,
            "title": signature.title,
            "normalized": signature.normalized,
        }
    return out


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_examples_are_as_the_version_shipped(version: int, snapshots: Snapshots) -> None:
    snapshots.check(f"v{version}/examples.jsonl", entries(version, hand_examples()))


@pytest.mark.corpus
@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_corpus_failures_are_as_the_version_shipped(
    version: int, corpus_dir: Path, snapshots: Snapshots
) -> None:
    examples = corpus_examples(corpus_dir / "reports")
    assert len(examples) > 300  # the corpus was read (every report of it, not a sample)
    snapshots.check(f"v{version}/corpus.jsonl", entries(version, examples))
