"""``signature_version``: a repository may pin the signature algorithm (docs/signatures.md)."""

from __future__ import annotations

import typing

import pytest

from bot.core.config.loader import load_config
from bot.core.config.repo import RepoConfig
from bot.core.signatures import SIGNATURE_VERSION, SUPPORTED_VERSIONS, compute_signature
from tests.signatures.conftest import failure


def test_no_pin_means_the_newest_version() -> None:
    result = load_config("signatures: []\n")
    assert result.errors == []
    assert result.config.signature_version is None
    case = failure("TimeoutError: timed out waiting for #checkout")
    signature = compute_signature(case, (), result.config.signature_version)
    assert signature.version == SIGNATURE_VERSION


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_a_pin_chooses_the_algorithm(version: int) -> None:
    result = load_config(f"signature_version: {version}\n")
    assert result.errors == []
    assert result.config.signature_version == version
    case = failure("TimeoutError: timed out waiting for #checkout")
    assert compute_signature(case, (), result.config.signature_version).version == version


def test_an_unknown_version_is_refused_with_the_ones_there_are() -> None:
    result = load_config("signature_version: 3\n")
    assert result.errors[0] == "signature_version: Input should be 1 or 2"


def test_the_config_lists_exactly_the_supported_versions() -> None:
    """The config layer cannot import the signatures (they import it): a literal, held here."""
    hint = typing.get_type_hints(RepoConfig)["signature_version"]
    (literal, _none) = typing.get_args(hint)
    assert tuple(sorted(typing.get_args(literal))) == SUPPORTED_VERSIONS
