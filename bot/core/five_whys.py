"""The five-whys / root-cause / fix-strategy record (:class:`AnalysisBlock`), as given in
an upload's ``analysis`` or written by a person with ``/five-whys``, ``/why N``,
``/root-cause`` and ``/fix``: the pure parsers of that text and the edits live here too
(storage is ``bot.app.five_whys_store``, rendering ``bot.core.render.five_whys_blocks``).

The upload metadata may carry::

    "analysis": {
      "five_whys": [{"why": "Why did the data pipeline fail?", "because": "WS closed 1011"}],
      "root_cause": "E2E env vars not propagated to Cloud Run staging",
      "fix_strategy": ["Propagate env vars", {"item": "Fix middleware order", "owner": "ana"}],
      "findings": ["WebSocket 1011 blocks the data pipeline"],
      "business_impact": "$200K+ MRR at risk"
    }
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.core.safe_markdown import code


class WhyStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    why: str = Field(min_length=1, max_length=2000)
    because: str = Field(default="", max_length=4000)


class FixItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str = Field(min_length=1, max_length=2000)
    owner: str | None = Field(default=None, max_length=100)
    due: date | None = None


class AnalysisBlock(BaseModel):
    """Root-cause analysis supplied by the team's own loop or tooling with a run."""

    model_config = ConfigDict(extra="forbid")

    five_whys: list[WhyStep] = Field(default_factory=list, max_length=5)
    root_cause: str | None = Field(default=None, max_length=4000)
    fix_strategy: list[FixItem] = Field(default_factory=list, max_length=50)
    findings: list[str] = Field(default_factory=list, max_length=50)
    business_impact: str | None = Field(default=None, max_length=2000)

    @field_validator("fix_strategy", mode="before")
    @classmethod
    def _items_may_be_strings(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"item": v} if isinstance(v, str) else v for v in value]
        return value

    @property
    def is_empty(self) -> bool:
        return not (
            self.five_whys
            or self.root_cause
            or self.fix_strategy
            or self.findings
            or self.business_impact
        )


# --- a person's record: attribution, commands' text, edits (pure) ------------------------

Source = Literal["person", "upload", "evidence"]

MAX_WHYS = 5
MAX_FIXES = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class Attribution:
    """Who a shown five-whys comes from: a person's confirmed record (with its author,
    time, version and comment), a run's upload, or the bot's evidence draft."""

    source: Source
    status: Literal["confirmed", "draft"] = "confirmed"
    author: str | None = None
    at: datetime | None = None
    version: int | None = None
    url: str | None = None  # the comment the record was last written in


class FiveWhysError(ValueError):
    """Text that is not a five-whys (or an edit that does not fit); ``problems`` says
    which line and what was expected, one entry each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


BLOCK_FORMAT = (
    "1. Why did the pipeline fail? -> WebSocket closed with 1011\n"
    "2. Why did it close with 1011? -> Auth failed on the WebSocket path\n"
    "root cause: E2E env vars not propagated to staging\n"
    "fix: Propagate E2E env vars @ana due 2026-12-31\n"
    "fix: Fix the middleware order"
)
STEP_FORMAT = "`N. Why …? -> because …` (N from 1 to 5; `|` or `because` also separate)"
FIX_FORMAT = "`fix: what to do [@owner] [due YYYY-MM-DD]`"

_STEP = re.compile(r"^(?P<n>\d{1,3})\s*[.):]\s*(?P<text>.*)$")
_ROOT_CAUSE = re.compile(r"^root[ _-]?cause\s*:\s*(?P<text>.*)$", re.IGNORECASE)
_FIX = re.compile(r"^fix\s*:\s*(?P<text>.*)$", re.IGNORECASE)
_ARROW = re.compile(r"\s*(?:->|→)\s*")
_PIPE = re.compile(r"\s*\|\s*")
_BECAUSE = re.compile(r"\s*\bbecause\b\s*:?\s*", re.IGNORECASE)
_OWNER = re.compile(r"\s+@(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))$")
_DUE = re.compile(r"\s+due\s+(?P<due>\d{4}-\d{1,2}-\d{1,2})$", re.IGNORECASE)
_DUE_WORD = re.compile(r"\s+due\s+\S*\d\S*$", re.IGNORECASE)


def _fits(text: str, limit: int, what: str) -> str:
    if len(text) > limit:
        raise FiveWhysError([f"the {what} is {len(text)} characters long; at most {limit}"])
    return text


def split_why(text: str) -> tuple[str, str | None]:
    """``Why …? -> because`` into (why, because); (text, None) without a separator.

    The first ``->`` (or ``→``) separates; without one the first ``|``; without that the
    word ``because``.
    """
    text = text.strip()
    for separator in (_ARROW, _PIPE, _BECAUSE):
        parts = separator.split(text, maxsplit=1)
        if len(parts) == 2:
            return parts[0].strip(), parts[1].strip()
    return text, None


def parse_step(text: str) -> WhyStep:
    """One why/because step; a question without an answer yet (ends with ``?``) is kept."""
    why, because = split_why(text)
    if because is None and not why.endswith("?"):
        raise FiveWhysError([f"expected {STEP_FORMAT}"])
    if not why:
        raise FiveWhysError([f"the question is missing; expected {STEP_FORMAT}"])
    return WhyStep(why=_fits(why, 2000, "question"), because=_fits(because or "", 4000, "answer"))


def parse_fix(text: str) -> FixItem:
    """``what to do [@owner] [due YYYY-MM-DD]`` (owner and due in either order)."""
    item, owner, due = text.strip(), None, None
    for _ in range(2):
        if owner is None and (found := _OWNER.search(" " + item)):
            owner, item = found.group("owner"), (" " + item)[: found.start()].strip()
        elif due is None and (found := _DUE.search(" " + item)):
            try:
                due = date.fromisoformat(_padded_date(found.group("due")))
            except ValueError:
                raise FiveWhysError(
                    [f"{code(found.group('due'))} is not a date; expected `due YYYY-MM-DD`"]
                ) from None
            item = (" " + item)[: found.start()].strip()
    if due is None and _DUE_WORD.search(" " + item):
        raise FiveWhysError(
            [f"the due date must look like `due 2026-12-31`; expected {FIX_FORMAT}"]
        )
    if not item:
        raise FiveWhysError([f"what to do is missing; expected {FIX_FORMAT}"])
    return FixItem(item=_fits(item, 2000, "fix"), owner=owner, due=due)


def _padded_date(text: str) -> str:
    year, month, day = text.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"


def parse_block(lines: Sequence[str]) -> AnalysisBlock:
    """The lines below ``/five-whys`` as a whole record (see ``BLOCK_FORMAT``).

    Numbered steps 1 to N (N ≤ 5, each once, in any order), at most one ``root cause:``
    line, any number of ``fix:`` lines. Every line that is none of these, and every step
    that is missing, is a problem; all problems are reported together.
    """
    steps: dict[int, WhyStep] = {}
    numbered: set[int] = set()  # steps seen, readable or not
    root_cause: str | None = None
    fixes: list[FixItem] = []
    problems: list[str] = []
    texts = [line.strip() for line in lines if line.strip()]
    if not texts:
        raise FiveWhysError(["the five-whys is empty"])
    for line in texts:
        try:
            if step := _STEP.match(line):
                number = int(step.group("n"))
                if not 1 <= number <= MAX_WHYS:
                    raise FiveWhysError([f"steps are numbered 1 to {MAX_WHYS}"])
                if number in numbered:
                    raise FiveWhysError([f"why {number} is given twice"])
                numbered.add(number)
                steps[number] = parse_step(step.group("text"))
            elif cause := _ROOT_CAUSE.match(line):
                if root_cause is not None:
                    raise FiveWhysError(["the root cause is given twice"])
                root_cause = _fits(cause.group("text").strip(), 4000, "root cause")
                if not root_cause:
                    raise FiveWhysError(["expected `root cause: …` with the cause after it"])
            elif fix := _FIX.match(line):
                fixes.append(parse_fix(fix.group("text")))
            else:
                raise FiveWhysError([f"expected {STEP_FORMAT}, `root cause: …` or {FIX_FORMAT}"])
        except FiveWhysError as error:
            problems += [f"{code(line, 200)}: {problem}" for problem in error.problems]
    if not numbered and not problems:
        problems.append("no numbered why; expected at least `1. Why …? -> because …`")
    missing = [n for n in range(1, max(numbered, default=0) + 1) if n not in numbered]
    if missing:
        names = ", ".join(str(n) for n in missing)
        gap = f"why {names} is" if len(missing) == 1 else f"whys {names} are"
        problems.append(f"{gap} missing (steps go 1, 2, 3 … without gaps)")
    if len(fixes) > MAX_FIXES:
        problems.append(f"{len(fixes)} fixes; at most {MAX_FIXES}")
    if problems:
        raise FiveWhysError(problems)
    return AnalysisBlock(
        five_whys=[steps[n] for n in sorted(steps)], root_cause=root_cause, fix_strategy=fixes
    )


def core(block: AnalysisBlock | None) -> AnalysisBlock:
    """The parts a person's record holds: whys, root cause, fix strategy."""
    if block is None:
        return AnalysisBlock()
    return AnalysisBlock(
        five_whys=list(block.five_whys),
        root_cause=block.root_cause,
        fix_strategy=list(block.fix_strategy),
    )


def set_why(block: AnalysisBlock, number: int, text: str) -> AnalysisBlock:
    """``/why N text``: ``Why …? -> because`` sets both; a question alone (ends with ``?``)
    sets the question and keeps the answer; anything else answers an existing why."""
    steps = list(block.five_whys)
    if not 1 <= number <= MAX_WHYS:
        raise FiveWhysError([f"why {number}: the whys are numbered 1 to {MAX_WHYS}"])
    if number > len(steps) + 1:
        raise FiveWhysError(
            [f"why {number}: there {_are(len(steps))}; the next one is why {len(steps) + 1}"]
        )
    why, because = split_why(text)
    existing = steps[number - 1] if number <= len(steps) else None
    if because is not None:
        step = parse_step(text)
    elif why.endswith("?"):
        step = WhyStep(
            why=_fits(why, 2000, "question"), because=existing.because if existing else ""
        )
    elif existing is not None:
        step = WhyStep(why=existing.why, because=_fits(why, 4000, "answer"))
    else:
        raise FiveWhysError([f"why {number} has no question yet; expected `Why …? -> because …`"])
    if existing is None:
        steps.append(step)
    else:
        steps[number - 1] = step
    return block.model_copy(update={"five_whys": steps})


def _are(count: int) -> str:
    if count == 0:
        return "are no whys yet"
    return "is 1 why" if count == 1 else f"are {count} whys"


def set_root_cause(block: AnalysisBlock, text: str) -> AnalysisBlock:
    cause = _fits(" ".join(text.split()), 4000, "root cause")
    if not cause:
        raise FiveWhysError(["the root cause is empty"])
    return block.model_copy(update={"root_cause": cause})


def add_fix(block: AnalysisBlock, text: str) -> AnalysisBlock:
    if len(block.fix_strategy) >= MAX_FIXES:
        raise FiveWhysError([f"the fix strategy has {MAX_FIXES} items already (the most)"])
    return block.model_copy(update={"fix_strategy": [*block.fix_strategy, parse_fix(text)]})


def clear_fixes(block: AnalysisBlock) -> AnalysisBlock:
    return block.model_copy(update={"fix_strategy": []})


def shown_analysis(
    person: AnalysisBlock | None, upload: AnalysisBlock | None
) -> AnalysisBlock | None:
    """What a tracking issue shows: a person's whys, root cause and fixes win over the
    upload's; the upload's findings and business impact stay (people do not edit them)."""
    if person is None:
        return upload
    merged = core(person)
    if upload is not None:
        merged = merged.model_copy(
            update={"findings": list(upload.findings), "business_impact": upload.business_impact}
        )
    return merged
