"""Pydantic's validation errors of the config file, in plain words with the allowed keys."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from bot.core.artifacts.config import ArtifactLimits, ArtifactsConfig
from bot.core.config.campaign import CampaignSection, DefaultsSection, PhaseConfig
from bot.core.config.check_runs import ChecksConfig
from bot.core.config.commands import CommandsConfig
from bot.core.config.criteria import CriterionConfig
from bot.core.config.failures import FailuresConfig
from bot.core.config.labels import LabelSpec
from bot.core.config.repo import RepoConfig
from bot.core.config.signature_rules import SignatureMatch, SignatureRule

_ALLOWED_KEYS: dict[str, tuple[str, ...]] = {
    "root": tuple(RepoConfig.model_fields),
    "campaign": tuple(CampaignSection.model_fields),
    "defaults": tuple(DefaultsSection.model_fields),
    "phase": tuple(PhaseConfig.model_fields),
    "criterion": tuple(CriterionConfig.model_fields),
    "label": tuple(LabelSpec.model_fields),
    "signature": tuple(SignatureRule.model_fields),
    "signature match": tuple(SignatureMatch.model_fields),
    "failures": tuple(FailuresConfig.model_fields),
    "commands": tuple(CommandsConfig.model_fields),
    "checks": tuple(ChecksConfig.model_fields),
    "artifacts": tuple(ArtifactsConfig.model_fields),
    "artifacts limits": tuple(ArtifactLimits.model_fields),
}


def _location(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _owner_kind(loc: Sequence[int | str]) -> str:
    """Which model a location points into, to list its allowed keys."""
    parts = [p for p in loc if isinstance(p, str)]
    if not parts:
        return "root"
    if parts[0] == "defaults":
        return "label" if "labels" in parts[1:] else "defaults"
    if parts[0] in ("failures", "commands", "checks"):
        return parts[0]
    if parts[0] == "artifacts":
        return "artifacts limits" if "limits" in parts[1:] else "artifacts"
    if parts[0] == "signatures":
        return "signature match" if "match" in parts[1:] else "signature"
    if parts[0] == "campaigns":
        rest = parts[2:]
        for key, kind in (("phases", "phase"), ("criteria", "criterion"), ("labels", "label")):
            if key in rest:
                return kind
        return "campaign"
    return "root"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _plain_error(error: Mapping[str, Any]) -> str:
    loc: tuple[int | str, ...] = tuple(error.get("loc", ()))
    kind = str(error.get("type", ""))
    got = error.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        allowed = _ALLOWED_KEYS[_owner_kind(loc[:-1])]
        hint = difflib.get_close_matches(key, allowed, n=1)
        suggestion = f" — did you mean {hint[0]!r}?" if hint else ""
        return (
            f"{_location(loc)}: unknown key {key!r}{suggestion} "
            f"(allowed here: {', '.join(allowed)})"
        )
    where = _location(loc)
    messages = {
        "missing": "this key is required",
        "int_parsing": f"must be a whole number, got {_shown(got)}",
        "int_type": f"must be a whole number, got {_shown(got)}",
        "int_from_float": f"must be a whole number, got {_shown(got)}",
        "string_type": f"must be text, got {_shown(got)}",
        "list_type": f"must be a list (items starting with '- '), got {_shown(got)}",
        "dict_type": f"must be a mapping of keys to values, got {_shown(got)}",
        "model_type": f"must be a mapping of keys to values, got {_shown(got)}",
        "bool_parsing": f"must be true or false, got {_shown(got)}",
    }
    if kind in messages:
        return f"{where}: {messages[kind]}"
    ctx = error.get("ctx") or {}
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        word = "at least" if kind == "greater_than_equal" else "at most"
        return f"{where}: must be {word} {bound}, got {_shown(got)}"
    if kind in ("string_too_short", "too_short"):
        return f"{where}: must not be empty"
    if kind == "string_too_long":
        return f"{where}: too long (at most {ctx.get('max_length')} characters)"
    if kind == "too_long":
        return f"{where}: too many items (at most {ctx.get('max_length')})"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{where}: {message}"


def plain_errors(exc: ValidationError) -> list[str]:
    return [_plain_error(e) for e in exc.errors(include_url=False)]
