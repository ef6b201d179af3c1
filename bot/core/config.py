"""The repository's ``.github/loopwatch.yml``: campaigns, phases, criteria, labels.

Pure: text in, :class:`ConfigResult` out. :func:`load_config` never raises; a broken file
gives the defaults plus errors in plain words (shown on the tracking issue). When only
some campaigns are invalid, the valid ones are kept and the broken ones use the defaults.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.core.artifacts.config import ArtifactLimits, ArtifactsConfig
from bot.core.steering.definition import CampaignDefinition, GoalConfig, LinkConfig

CONFIG_PATH = ".github/loopwatch.yml"
MAX_CONFIG_BYTES = 256 * 1024
MAX_ERRORS = 20

DEFAULT_TITLE = "Loopwatch: {campaign}"
TITLE_FIELDS = frozenset({"campaign"})
LOOPWATCH_COLOR = "5319e7"
CAMPAIGN_COLOR = "1d76db"

_COLOR = re.compile(r"^#?[0-9a-fA-F]{6}$")


def _check_template(value: str) -> str:
    """Reject ``{placeholders}`` other than ``{campaign}`` (and broken braces)."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
    except ValueError as exc:
        message = f"broken braces in {value!r} ({exc}); write {{{{ for a literal {{"
        raise ValueError(message) from None
    unknown = [f for f in fields if f not in TITLE_FIELDS]
    if unknown:
        raise ValueError(
            f"unknown placeholder {{{unknown[0]}}}; the only placeholder is {{campaign}}"
        )
    return value


def fill_template(template: str, campaign: str) -> str:
    """``template`` with ``{campaign}`` replaced (templates are validated on load)."""
    try:
        return template.format(campaign=campaign)
    except (KeyError, ValueError, IndexError):
        return template


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class LabelSpec(_Strict):
    """A label the bot puts on the tracking issue (created with this colour if missing).

    ``name`` may contain ``{campaign}``.
    """

    name: str = Field(min_length=1, max_length=50)
    color: str = Field(default="ededed", description="6 hex digits, e.g. 1d76db")
    description: str = Field(default="", max_length=100)

    @field_validator("name")
    @classmethod
    def _name_template(cls, value: str) -> str:
        return _check_template(value)

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


class PhaseConfig(_Strict):
    """A phase: the tests whose file, class or id matches one of ``tests`` (globs)."""

    name: str = Field(min_length=1, max_length=200)
    priority: int | None = Field(default=None, ge=0, le=1000)
    tests: list[str] = Field(default_factory=list, max_length=200)
    description: str | None = Field(default=None, max_length=1000)


CriterionKind = Literal["all_pass", "min_duration", "max_skipped", "required_tests"]
CRITERION_KINDS: tuple[str, ...] = ("all_pass", "min_duration", "max_skipped", "required_tests")
_DURATION_PART = re.compile(
    r"(\d+(?:\.\d+)?|\.\d+)\s*(ms|hours?|h|minutes?|mins?|m|seconds?|secs?|s)"
)
_DURATION_UNITS = {"ms": 0.001, "h": 3600.0, "m": 60.0, "s": 1.0}
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%$")


def parse_seconds(value: object) -> float:
    """Seconds from a number or text like ``90``, ``"90s"``, ``"2m"``, ``"1m 30s"``, ``"1.5h"``.

    Raises ``ValueError`` with the reason in plain words.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"must be seconds, as a number or text like '90s' or '2m'; got {value!r}")
    if isinstance(value, str):
        text = value.strip().lower()
        try:
            seconds = float(text)
        except ValueError:
            seconds = _parse_duration_text(text, value)
    else:
        seconds = float(value)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        raise ValueError(f"must be a number of seconds, got {value!r}")
    if seconds <= 0:
        raise ValueError(f"must be more than 0 seconds, got {value!r}")
    return seconds


def _parse_duration_text(text: str, shown: str) -> float:
    position, seconds = 0, 0.0
    for part in _DURATION_PART.finditer(text):
        if text[position : part.start()].strip():
            break
        unit = "ms" if part.group(2) == "ms" else part.group(2)[0]
        seconds += float(part.group(1)) * _DURATION_UNITS[unit]
        position = part.end()
    if position == 0 or text[position:].strip():
        raise ValueError(
            f"{shown!r} is not a duration; write seconds (90), or a number with a unit: "
            "'90s', '2m', '1m 30s', '1h'"
        )
    return seconds


class SkipLimit(_Strict):
    """``max_skipped``: a count of tests, or a percentage of a suite's matched tests."""

    count: int | None = Field(default=None, ge=0)
    percent: float | None = Field(default=None, ge=0, le=100)

    def __str__(self) -> str:
        if self.percent is not None:
            return f"{self.percent:g}%"
        return str(self.count or 0)

    def exceeded(self, skipped: int, total: int) -> bool:
        """Whether ``skipped`` of ``total`` tests is more than the limit."""
        if self.percent is not None:
            return total > 0 and skipped * 100 > self.percent * total
        return skipped > (self.count or 0)


def parse_skip_limit(value: object) -> SkipLimit:
    """``5`` (tests) or ``"50%"`` (of a suite's matched tests); ``ValueError`` otherwise."""
    if isinstance(value, SkipLimit):
        return value
    hint = "write a whole number of tests (5) or a percentage in quotes ('50%')"
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{hint}; got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"must be 0 or more tests, got {value}")
        return SkipLimit(count=value)
    text = value.strip()
    if text.isdigit():
        return SkipLimit(count=int(text))
    match = _PERCENT.match(text)
    if match is None:
        raise ValueError(f"{value!r} is not a count or a percentage; {hint}")
    percent = float(match.group(1))
    if percent > 100:
        raise ValueError(f"a percentage must be between 0% and 100%, got {value!r}")
    return SkipLimit(percent=percent)


class CriterionConfig(_Strict):
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


DEFAULT_LABELS: tuple[LabelSpec, ...] = (
    LabelSpec(name="loopwatch", color=LOOPWATCH_COLOR, description="Kept up to date by Loopwatch"),
    LabelSpec(name="campaign:{campaign}", color=CAMPAIGN_COLOR, description="Loopwatch campaign"),
)


class ComparisonConfig(_Strict):
    """When a phase's time counts as shifted in a run's session-log line: by more than
    ``min_shift_ratio`` of the previous run's time *and* more than ``min_shift_s``."""

    min_shift_ratio: float = Field(default=0.5, gt=0, le=100)
    min_shift_s: float = Field(default=30.0, ge=0, le=86_400)


class _DefinitionKeys(_Strict):
    """The campaign's definition beside its mission (``bot.core.steering.definition``), shown
    above the status of its tracking issue; the same keys in the file and resolved."""

    strategy: str | None = Field(default=None, max_length=2000)
    focus_areas: list[str] | None = Field(default=None, max_length=20)
    business_impact: str | None = Field(default=None, max_length=2000)
    owners: list[str] | None = Field(default=None, max_length=20)
    goal: GoalConfig | None = None
    links: list[LinkConfig] | None = Field(default=None, max_length=20)


class CampaignConfig(_DefinitionKeys):
    """Everything the bot needs to keep one campaign's tracking issue (resolved)."""

    title: str = Field(default=DEFAULT_TITLE, min_length=1, max_length=256)
    labels: list[LabelSpec] = Field(default_factory=lambda: list(DEFAULT_LABELS))
    mission: str | None = Field(default=None, max_length=2000)
    phases: list[PhaseConfig] = Field(default_factory=list, max_length=100)
    criteria: list[CriterionConfig] = Field(default_factory=list, max_length=100)
    comparison: ComparisonConfig = Field(default_factory=ComparisonConfig)

    @field_validator("labels", mode="before")
    @classmethod
    def _label_strings(cls, value: object) -> object:
        return _labels_from_strings(value)

    @field_validator("title")
    @classmethod
    def _title_template(cls, value: str) -> str:
        return _check_template(value)

    @property
    def definition(self) -> CampaignDefinition:
        return CampaignDefinition(
            mission=self.mission,
            strategy=self.strategy,
            focus_areas=self.focus_areas,
            business_impact=self.business_impact,
            owners=self.owners,
            goal=self.goal,
            links=self.links,
        )

    def labels_for(self, campaign: str) -> list[LabelSpec]:
        """The labels with ``{campaign}`` filled in, duplicates removed."""
        seen: set[str] = set()
        out: list[LabelSpec] = []
        for label in self.labels:
            filled = label.for_campaign(campaign)
            if filled.name.lower() not in seen:
                seen.add(filled.name.lower())
                out.append(filled)
        return out


class CampaignSection(_DefinitionKeys):
    """A campaign as written in the file: unset keys fall back to ``defaults``."""

    title: str | None = Field(default=None, min_length=1, max_length=256)
    labels: list[LabelSpec] | None = Field(default=None, max_length=20)
    mission: str | None = Field(default=None, max_length=2000)
    phases: list[PhaseConfig] = Field(default_factory=list, max_length=100)
    criteria: list[CriterionConfig] = Field(default_factory=list, max_length=100)
    comparison: ComparisonConfig | None = None

    @field_validator("labels", mode="before")
    @classmethod
    def _label_strings(cls, value: object) -> object:
        return _labels_from_strings(value)

    @field_validator("title")
    @classmethod
    def _title_template(cls, value: str | None) -> str | None:
        return None if value is None else _check_template(value)


class DefaultsSection(_Strict):
    """Used for campaigns the file does not list, and for keys a campaign leaves out."""

    title: str = Field(default=DEFAULT_TITLE, min_length=1, max_length=256)
    labels: list[LabelSpec] = Field(default_factory=lambda: list(DEFAULT_LABELS), max_length=20)
    mission: str | None = Field(default=None, max_length=2000)

    @field_validator("labels", mode="before")
    @classmethod
    def _label_strings(cls, value: object) -> object:
        return _labels_from_strings(value)

    @field_validator("title")
    @classmethod
    def _title_template(cls, value: str) -> str:
        return _check_template(value)


class SignatureMatch(_Strict):
    """What a named signature matches: regexes (Python syntax, searched, case-sensitive
    unless the pattern says ``(?i)``) on the failure's type, message and trace, and globs
    on the test id. Every key given must match; at least one key is required."""

    type: str | None = Field(default=None, min_length=1, max_length=500)
    message: str | None = Field(default=None, min_length=1, max_length=1000)
    trace: str | None = Field(default=None, min_length=1, max_length=1000)
    tests: list[str] = Field(default_factory=list, max_length=100)


SignatureSeverity = Literal["low", "medium", "high", "critical"]


class SignatureRule(_Strict):
    """A repository's own name for a family of failures (``signatures:`` in the file).

    A failure matching ``match`` gets this rule's id, title, labels and severity instead
    of the computed signature. The first matching rule in file order wins.
    """

    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = Field(min_length=1, max_length=200)
    match: SignatureMatch
    labels: list[str] = Field(default_factory=list, max_length=20)
    severity: SignatureSeverity | None = None

    @model_validator(mode="after")
    def _check_match(self) -> SignatureRule:
        m = self.match
        if m.type is None and m.message is None and m.trace is None and not m.tests:
            raise ValueError(
                f"signature {self.id!r}: 'match' needs at least one of type, message, "
                "trace or tests"
            )
        for key in ("type", "message", "trace"):
            pattern: str | None = getattr(m, key)
            if pattern is None:
                continue
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"signature {self.id!r}: match.{key} is not a valid regular expression "
                    f"({exc}); Python regex syntax, e.g. 'received 1011'"
                ) from None
        return self


class FailuresConfig(_Strict):
    """When a failure cluster gets its own issue (``failures:`` in the file)."""

    # A cluster gets an issue once it failed in this many of the campaign's last
    # ``window_runs`` runs.
    open_issue_after: int = Field(default=1, ge=1, le=100)
    window_runs: int = Field(default=10, ge=1, le=1000)
    # Branches whose runs may open issues; empty: the default branch when known, else any.
    only_branches: list[str] = Field(default_factory=list, max_length=50)
    max_new_issues_per_run: int = Field(default=1, ge=0, le=50)
    # Consecutive runs of a campaign in which its tests ran and passed resolve a cluster.
    resolve_after_green_runs: int = Field(default=3, ge=1, le=1000)
    labels: list[str] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _window_holds_threshold(self) -> FailuresConfig:
        if self.open_issue_after > self.window_runs:
            raise ValueError(
                f"open_issue_after ({self.open_issue_after}) cannot be more than "
                f"window_runs ({self.window_runs}): the issue would never open"
            )
        return self


PERMISSION_LEVELS = ("anyone", "read", "triage", "write", "maintain", "admin")
_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,19}$")


class CommandsConfig(_Strict):
    """Slash commands (``commands:`` in the file). Command names are checked against the
    commands Loopwatch has when a comment is handled
    (``bot/handlers/commands/command_settings.py``)."""

    # ``lw`` makes the commands ``/lw mute``, for when another bot owns ``/mute``.
    prefix: str = ""
    # The commands that run here; None: all of them. ``disabled`` is taken out after.
    enabled: list[str] | None = Field(default=None, max_length=100)
    disabled: list[str] = Field(default_factory=list, max_length=100)
    # The minimum permission per command, overriding its default.
    permissions: dict[str, str] = Field(default_factory=dict, max_length=100)

    @field_validator("prefix")
    @classmethod
    def _plain_prefix(cls, value: str) -> str:
        value = value.strip().removeprefix("/")
        if value and not _PREFIX.match(value):
            raise ValueError(
                "the prefix must be a word of letters, digits, '-' or '_' (at most 20), "
                f"such as 'lw' for /lw mute; got {value!r}"
            )
        return value

    @field_validator("permissions")
    @classmethod
    def _known_levels(cls, value: dict[str, str]) -> dict[str, str]:
        for name, level in value.items():
            if str(level).lower() not in PERMISSION_LEVELS:
                raise ValueError(
                    f"{name}: unknown permission {level!r}; use one of "
                    + ", ".join(PERMISSION_LEVELS)
                )
        return {name.lower(): str(level).lower() for name, level in value.items()}


class ChecksConfig(_Strict):
    """Pull-request check runs (``checks:`` in the file)."""

    enabled: bool = True
    # The check run's name; ``{campaign}`` is the campaign's name.
    name: str = Field(default="Loopwatch / {campaign}", min_length=1, max_length=200)
    # When the check run fails: ``any`` failure (flaky ones aside), only failures ``new``
    # against the base branch, or ``never`` (neutral instead).
    fail_on: Literal["any", "new", "never"] = "any"
    # Annotations per check run; the rest are listed in the summary.
    max_annotations: int = Field(default=200, ge=0, le=1000)
    # A monorepo's subfolder the report's relative paths are in (``services/api``).
    path_prefix: str = Field(default="", max_length=255)
    # Path prefixes to remove besides CI workspaces (``/builds/acme/shop/``).
    strip_prefixes: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("name")
    @classmethod
    def _name_template(cls, value: str) -> str:
        return _check_template(value)

    @field_validator("path_prefix")
    @classmethod
    def _relative_prefix(cls, value: str) -> str:
        value = value.strip().strip("/")
        if value.startswith((".", "~")) or ".." in value.split("/") or ":" in value:
            raise ValueError(
                f"path_prefix must be a folder inside the repository, like 'services/api'; "
                f"got {value!r}"
            )
        return value


class RepoConfig(_Strict):
    campaigns: dict[str, CampaignSection] = Field(default_factory=dict, max_length=200)
    defaults: DefaultsSection = Field(default_factory=DefaultsSection)
    failures: FailuresConfig = Field(default_factory=FailuresConfig)
    commands: CommandsConfig = Field(default_factory=CommandsConfig)
    checks: ChecksConfig = Field(default_factory=ChecksConfig)
    artifacts: ArtifactsConfig = Field(default_factory=ArtifactsConfig)
    signatures: list[SignatureRule] = Field(default_factory=list, max_length=200)

    @field_validator("signatures")
    @classmethod
    def _unique_signature_ids(cls, rules: list[SignatureRule]) -> list[SignatureRule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ValueError(
                    f"the id {rule.id!r} is used by two signatures; ids must be unique"
                )
            seen.add(rule.id)
        return rules

    def campaign(self, name: str) -> CampaignConfig:
        """The resolved settings for campaign ``name`` (listed, or the defaults)."""
        section = self.campaigns.get(name) or CampaignSection()
        return CampaignConfig(
            title=section.title or self.defaults.title,
            labels=list(section.labels if section.labels is not None else self.defaults.labels),
            mission=section.mission if section.mission is not None else self.defaults.mission,
            phases=list(section.phases),
            criteria=list(section.criteria),
            comparison=section.comparison or ComparisonConfig(),
            strategy=section.strategy,
            focus_areas=section.focus_areas,
            business_impact=section.business_impact,
            owners=section.owners,
            goal=section.goal,
            links=section.links,
        )


@dataclass(frozen=True, slots=True)
class ConfigResult:
    config: RepoConfig
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- YAML loading ---------------------------------------------------------------------


class _NoAliasLoader(yaml.SafeLoader):
    """safe_load, but anchors/aliases are refused (no "billion laughs" expansion)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None,
                None,
                "aliases (*name) are not supported; repeat the values instead",
                event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


_YAML_PROBLEMS = (
    ("expected <block end>", "bad indentation: this line does not line up with the ones above"),
    ("mapping values are not allowed", "unexpected ':'; put quotes around text containing ': '"),
    ("cannot start any token", "this character cannot start a value; use spaces, not tabs"),
    ("could not find expected ':'", "a key without ':' (or a line indented too little)"),
    ("found unexpected end of stream", "a quote or bracket is never closed"),
    ("expected ',' or ']'", "a [list] is not closed with ']' or misses a ','"),
    ("expected ',' or '}'", "a {mapping} is not closed with '}' or misses a ','"),
    ("duplicate key", "this key appears twice in the same mapping; keep one"),
)


def _yaml_error_text(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        problem = exc.problem or "invalid YAML"
        where = f"line {mark.line + 1}, column {mark.column + 1}"
        if "alias" in problem:
            return f"{where}: {problem}"
        plain = next((text for key, text in _YAML_PROBLEMS if key in problem), None)
        detail = problem + (f", {exc.context}" if exc.context else "")
        if plain:
            return f"{where}: {plain} (YAML says: {detail})"
        return f"{where}: {detail}. Check the indentation and quoting there."
    return f"invalid YAML: {exc}"


# --- pydantic errors in plain words ---------------------------------------------------

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


def _plain_errors(exc: ValidationError) -> list[str]:
    return [_plain_error(e) for e in exc.errors(include_url=False)]


# --- loading --------------------------------------------------------------------------


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
        return None, _plain_errors(exc), broken


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
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        return ConfigResult(defaults, [_yaml_error_text(exc)])
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
