"""The labels the bot puts on a campaign's tracking issue (``labels:`` in the file)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator

from bot.core.config.strict_model import StrictModel
from bot.core.config.templates import Template, fill_template

LOOPWATCH_COLOR = "5319e7"
CAMPAIGN_COLOR = "1d76db"

_COLOR = re.compile(r"^#?[0-9a-fA-F]{6}$")


class LabelSpec(StrictModel):
    """A label the bot puts on the tracking issue (created with this colour if missing).

    ``name`` may contain ``{campaign}``.
    """

    name: Template = Field(min_length=1, max_length=50)
    color: str = Field(default="ededed", description="6 hex digits, e.g. 1d76db")
    description: str = Field(default="", max_length=100)

    @field_validator("color")
    @classmethod
    def _hex_color(cls, value: str) -> str:
        if not _COLOR.match(value):
            raise ValueError(f"must be 6 hex digits like 1d76db, got {value!r}")
        return value.removeprefix("#").lower()

    def for_campaign(self, campaign: str) -> LabelSpec:
        return self.model_copy(update={"name": fill_template(self.name, campaign)[:50]})


def _labels_from_strings(value: object) -> object:
    if isinstance(value, list):
        return [{"name": v} if isinstance(v, str) else v for v in value]
    return value


# A list of labels, each a mapping or only a name.
LabelList = Annotated[list[LabelSpec], BeforeValidator(_labels_from_strings)]

DEFAULT_LABELS: tuple[LabelSpec, ...] = (
    LabelSpec(name="loopwatch", color=LOOPWATCH_COLOR, description="Kept up to date by Loopwatch"),
    LabelSpec(name="campaign:{campaign}", color=CAMPAIGN_COLOR, description="Loopwatch campaign"),
)
