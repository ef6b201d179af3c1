"""Loading ``.github/loopwatch.yml``: text in, :class:`ConfigResult` out, never raising.

A broken file gives the defaults plus errors in plain words (shown on the tracking issue).
When only some campaigns or named signatures are invalid, the valid ones are kept and
the broken ones use the defaults.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

from bot.core.config.plain_errors import plain_errors
from bot.core.config.repo import ConfigResult, RepoConfig
from bot.core.config.signature_rules import SignatureRule
from bot.core.config.yaml_loader import NoAliasLoader, yaml_error_text

CONFIG_PATH = ".github/loopwatch.yml"
MAX_CONFIG_BYTES = 256 * 1024
MAX_ERRORS = 20


def _validate(data: dict[str, Any]) -> tuple[RepoConfig | None, list[str], set[str]]:
    """Validate; also return the campaign names that errors point into."""
    try:
        return RepoConfig.model_validate(data), [], set()
    except ValidationError as exc:
        broken = {
            str(e["loc"][1])
            for e in exc.errors()
            if len(e["loc"]) >= 2 and e["loc"][0] == "campaigns"
        }
        return None, plain_errors(exc), broken


def load_config(text: str | None) -> ConfigResult:
    """Parse ``.github/loopwatch.yml``; ``None`` (no file) gives the defaults."""
    defaults = RepoConfig()
    if text is None:
        return ConfigResult(defaults)
    if len(text.encode("utf-8", "replace")) > MAX_CONFIG_BYTES:
        return ConfigResult(
            defaults,
            [f"{CONFIG_PATH} is larger than {MAX_CONFIG_BYTES // 1024} KB; shorten it"],
        )
    try:
        data = yaml.load(text, Loader=NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        return ConfigResult(defaults, [yaml_error_text(exc)])
    except RecursionError:
        return ConfigResult(defaults, ["the file is nested too deeply"])
    if data is None:
        return ConfigResult(defaults)
    if not isinstance(data, dict):
        return ConfigResult(
            defaults,
            [
                "the file must be a mapping with the keys 'campaigns' and 'defaults', "
                f"got {type(data).__name__}"
            ],
        )
    config, errors, broken = _validate(data)
    if config is not None:
        return ConfigResult(config)
    errors = errors[:MAX_ERRORS]
    candidate = dict(data)
    notes: list[str] = []
    campaigns = data.get("campaigns")
    if broken and isinstance(campaigns, dict):
        # Keep the campaigns that are fine; the broken ones fall back to the defaults.
        candidate["campaigns"] = {k: v for k, v in campaigns.items() if str(k) not in broken}
        notes += [
            f"campaigns.{name}: ignored because of the errors above; it uses the defaults"
            for name in sorted(broken)
        ]
    signatures = data.get("signatures")
    bad_rules = _broken_signatures(signatures) if isinstance(signatures, list) else []
    if isinstance(signatures, list) and bad_rules:
        # A broken named signature is skipped; the others and the rest of the file apply.
        candidate["signatures"] = [r for i, r in enumerate(signatures) if i not in bad_rules]
        notes += [f"signatures[{i}]: ignored because of the errors above" for i in bad_rules]
    if notes:
        salvaged, _, _ = _validate(candidate)
        if salvaged is not None:
            return ConfigResult(salvaged, errors + notes)
    return ConfigResult(defaults, [*errors, "the whole file is ignored; the defaults are used"])


def _broken_signatures(rules: list[Any]) -> list[int]:
    """Indexes of the ``signatures:`` items that do not validate on their own."""
    broken: list[int] = []
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        try:
            valid = SignatureRule.model_validate(rule)
        except ValidationError:
            broken.append(index)
            continue
        if valid.id in seen:
            broken.append(index)  # a repeated id: the first rule with it is kept
        seen.add(valid.id)
    return broken
