"""Validation criteria of a campaign (``criteria:``): which tests, and when they are met."""

from __future__ import annotations

import difflib
from typing import Literal

from pydantic import Field, field_validator, model_validator

from bot.core.config.bounds import SkipLimit, parse_seconds, parse_skip_limit
from bot.core.config.strict_model import StrictModel

CriterionKind = Literal["all_pass", "min_duration", "max_skipped", "required_tests"]
CRITERION_KINDS: tuple[str, ...] = ("all_pass", "min_duration", "max_skipped", "required_tests")


class CriterionConfig(StrictModel):
    """A validation criterion over the tests matching ``tests`` (globs).

    ``kind`` says when it is met: ``all_pass`` (every matching test passed),
    ``min_duration`` (every suite took at least ``min_duration`` seconds: a faster one is
    probably not talking to real services), ``max_skipped`` (no suite skipped more than
    ``max_skipped``), ``required_tests`` (every glob matched a test, and they all passed).
    """

    name: str = Field(min_length=1, max_length=300)
    tests: list[str] = Field(min_length=1, max_length=200)
    kind: CriterionKind = "all_pass"
    min_duration: float | None = None  # seconds
    max_skipped: SkipLimit | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _known_kind(cls, value: object) -> object:
        if isinstance(value, str) and value.strip() in CRITERION_KINDS:
            return value.strip()
        hint = difflib.get_close_matches(str(value), CRITERION_KINDS, n=1)
        suggestion = f" — did you mean {hint[0]!r}?" if hint else ""
        raise ValueError(
            f"unknown kind {value!r}{suggestion} (kinds: {', '.join(CRITERION_KINDS)})"
        )

    @field_validator("min_duration", mode="before")
    @classmethod
    def _seconds(cls, value: object) -> object:
        return None if value is None else parse_seconds(value)

    @field_validator("max_skipped", mode="before")
    @classmethod
    def _skip_limit(cls, value: object) -> object:
        return None if value is None else parse_skip_limit(value)

    @model_validator(mode="after")
    def _bound_fits_kind(self) -> CriterionConfig:
        bounds = {"min_duration": self.min_duration, "max_skipped": self.max_skipped}
        examples = {
            "min_duration": "min_duration: 60 (or '2m')",
            "max_skipped": "max_skipped: '50%' (or 5)",
        }
        for key, bound in bounds.items():
            if self.kind == key and bound is None:
                raise ValueError(f"criterion {self.name!r}: kind {key} needs {examples[key]}")
            if self.kind != key and bound is not None:
                raise ValueError(
                    f"criterion {self.name!r}: {key} only applies to kind: {key} (this one is "
                    f"kind: {self.kind}); add 'kind: {key}' or remove {key}"
                )
        return self
