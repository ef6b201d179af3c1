"""The five-whys a person types: the ``/five-whys`` block, and one-part edits (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.five_whys import (
    BLOCK_FORMAT,
    AnalysisBlock,
    FiveWhysError,
    FixItem,
    WhyStep,
    add_fix,
    clear_fixes,
    parse_block,
    parse_fix,
    set_root_cause,
    set_why,
    shown_analysis,
    split_why,
)


@pytest.mark.parametrize(
    ("text", "why", "because"),
    [
        ("Why did it fail? -> WS closed 1011", "Why did it fail?", "WS closed 1011"),
        ("Why did it fail?->WS closed", "Why did it fail?", "WS closed"),
        ("Why did it fail? → WS closed", "Why did it fail?", "WS closed"),
        ("Why did it fail? | WS closed", "Why did it fail?", "WS closed"),
        ("Why did it fail? because WS closed", "Why did it fail?", "WS closed"),
        ("Why did it fail? Because: WS closed", "Why did it fail?", "WS closed"),
        # the arrow wins over a pipe or "because" later in the answer
        ("Why 1011? -> auth fails | not HTTP", "Why 1011?", "auth fails | not HTTP"),
        ("Why? -> because the env is off", "Why?", "because the env is off"),
        ("Why does auth fail?", "Why does auth fail?", None),
        ("the env is off", "the env is off", None),
    ],
)
def test_split_why(text: str, why: str, because: str | None) -> None:
    assert split_why(text) == (why, because)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Propagate env vars", FixItem(item="Propagate env vars")),
        ("Propagate env vars @ana", FixItem(item="Propagate env vars", owner="ana")),
        (
            "Propagate env vars @ana due 2026-12-31",
            FixItem(item="Propagate env vars", owner="ana", due=date(2026, 12, 31)),
        ),
        (
            "Propagate env vars due 2026-1-5 @ana-b",
            FixItem(item="Propagate env vars", owner="ana-b", due=date(2026, 1, 5)),
        ),
        ("Mail @ana about it", FixItem(item="Mail @ana about it")),
        ("Ship it when due tomorrow", FixItem(item="Ship it when due tomorrow")),
    ],
)
def test_parse_fix(text: str, expected: FixItem) -> None:
    assert parse_fix(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Ship it due 2026-13-01", "`2026-13-01` is not a date"),
        ("Ship it due 31/12/2026", "the due date must look like `due 2026-12-31`"),
        ("@ana due 2026-12-31", "what to do is missing"),
    ],
)
def test_parse_fix_refuses(text: str, problem: str) -> None:
    with pytest.raises(FiveWhysError) as caught:
        parse_fix(text)
    assert problem in caught.value.problems[0]


def test_the_documented_format_parses() -> None:
    block = parse_block(BLOCK_FORMAT.splitlines())
    assert block == AnalysisBlock(
        five_whys=[
            WhyStep(why="Why did the pipeline fail?", because="WebSocket closed with 1011"),
            WhyStep(why="Why did it close with 1011?", because="Auth failed on the WebSocket path"),
        ],
        root_cause="E2E env vars not propagated to staging",
        fix_strategy=[
            FixItem(item="Propagate E2E env vars", owner="ana", due=date(2026, 12, 31)),
            FixItem(item="Fix the middleware order"),
        ],
    )


def test_steps_may_come_in_any_order_and_an_open_question_is_kept() -> None:
    block = parse_block(
        ["2) Why did auth fail?", "1: Why did it fail? | WS closed", "Root-Cause: env"]
    )
    assert [(s.why, s.because) for s in block.five_whys] == [
        ("Why did it fail?", "WS closed"),
        ("Why did auth fail?", ""),
    ]
    assert block.root_cause == "env"


@pytest.mark.parametrize(
    ("lines", "problems"),
    [
        ([], ["the five-whys is empty"]),
        (
            ["1. Why did it fail? -> 1011", "the env was off"],
            [
                "`the env was off`: expected `N. Why …? -> because …` (N from 1 to 5; "
                "`|` or `because` also separate), `root cause: …` or "
                "`fix: what to do [@owner] [due YYYY-MM-DD]`"
            ],
        ),
        (
            ["1. it failed"],
            [
                "`1. it failed`: expected `N. Why …? -> because …` (N from 1 to 5; "
                "`|` or `because` also separate)"
            ],
        ),
        (["1. Why? -> a", "3. Why? -> c"], ["why 2 is missing (steps go 1, 2, 3 … without gaps)"]),
        (["4. Why? -> d"], ["whys 1, 2, 3 are missing (steps go 1, 2, 3 … without gaps)"]),
        (["1. Why? -> a", "1. Why? -> b"], ["`1. Why? -> b`: why 1 is given twice"]),
        (["6. Why? -> f"], ["`6. Why? -> f`: steps are numbered 1 to 5"]),
        (["root cause: env"], ["no numbered why; expected at least `1. Why …? -> because …`"]),
        (
            ["1. Why? -> a", "root cause: env", "root cause: again"],
            ["`root cause: again`: the root cause is given twice"],
        ),
        (
            ["1. Why? -> a", "root cause:"],
            ["`root cause:`: expected `root cause: …` with the cause after it"],
        ),
        (
            ["1. Why? -> a", "fix: ship due 2026-02-30"],
            ["`fix: ship due 2026-02-30`: `2026-02-30` is not a date; expected `due YYYY-MM-DD`"],
        ),
        (
            ["1. -> a", "2. Why? -> b", "hello"],
            [
                "`1. -> a`: the question is missing; expected `N. Why …? -> because …` "
                "(N from 1 to 5; `|` or `because` also separate)",
                "`hello`: expected `N. Why …? -> because …` (N from 1 to 5; `|` or "
                "`because` also separate), `root cause: …` or "
                "`fix: what to do [@owner] [due YYYY-MM-DD]`",
            ],
        ),
    ],
)
def test_malformed_blocks_say_which_line_and_what_was_expected(
    lines: list[str], problems: list[str]
) -> None:
    with pytest.raises(FiveWhysError) as caught:
        parse_block(lines)
    assert caught.value.problems == problems


def test_quoted_lines_cannot_mention_or_forge_markers() -> None:
    with pytest.raises(FiveWhysError) as caught:
        parse_block(["1. Why? -> a", "ping @ana <!-- loopwatch:end -->"])
    problem = caught.value.problems[0]
    assert problem.startswith("`ping @ana <!-\u200b- loopwatch:end -\u200b->`:")


def test_too_long_text_is_refused_with_the_limit() -> None:
    with pytest.raises(FiveWhysError) as caught:
        parse_block([f"1. Why? -> {'x' * 4001}"])
    assert "the answer is 4001 characters long; at most 4000" in caught.value.problems[0]


# --- edits -------------------------------------------------------------------------------

TWO = AnalysisBlock(
    five_whys=[WhyStep(why="Why A?", because="a"), WhyStep(why="Why B?", because="b")],
    root_cause="env",
    fix_strategy=[FixItem(item="ship")],
)


def test_set_why_replaces_one_step_and_keeps_the_rest() -> None:
    edited = set_why(TWO, 2, "Why really B? -> bb")
    assert edited.five_whys == [TWO.five_whys[0], WhyStep(why="Why really B?", because="bb")]
    assert (edited.root_cause, edited.fix_strategy) == (TWO.root_cause, TWO.fix_strategy)


def test_set_why_with_only_the_answer_keeps_the_question() -> None:
    assert set_why(TWO, 1, "auth fails").five_whys[0] == WhyStep(why="Why A?", because="auth fails")


def test_set_why_with_only_a_question_keeps_the_answer() -> None:
    assert set_why(TWO, 1, "Why not A?").five_whys[0] == WhyStep(why="Why not A?", because="a")


def test_set_why_appends_the_next_step_even_as_an_open_question() -> None:
    assert set_why(TWO, 3, "Why C?").five_whys[2] == WhyStep(why="Why C?", because="")
    assert set_why(AnalysisBlock(), 1, "Why? -> x").five_whys == [WhyStep(why="Why?", because="x")]


@pytest.mark.parametrize(
    ("number", "text", "problem"),
    [
        (4, "Why D? -> d", "why 4: there are 2 whys; the next one is why 3"),
        (3, "c", "why 3 has no question yet; expected `Why …? -> because …`"),
        (6, "Why? -> f", "why 6: the whys are numbered 1 to 5"),
    ],
)
def test_set_why_refuses(number: int, text: str, problem: str) -> None:
    with pytest.raises(FiveWhysError) as caught:
        set_why(TWO, number, text)
    assert caught.value.problems == [problem]


def test_root_cause_and_fix_edits() -> None:
    assert set_root_cause(TWO, "  the  deploy config ").root_cause == "the deploy config"
    added = add_fix(TWO, "check it @bo due 2027-01-02")
    assert added.fix_strategy == [
        FixItem(item="ship"),
        FixItem(item="check it", owner="bo", due=date(2027, 1, 2)),
    ]
    assert clear_fixes(added).fix_strategy == []
    assert clear_fixes(added).five_whys == TWO.five_whys
    with pytest.raises(FiveWhysError):
        set_root_cause(TWO, "   ")


def test_the_fix_list_has_a_limit() -> None:
    full = TWO.model_copy(update={"fix_strategy": [FixItem(item=str(n)) for n in range(50)]})
    with pytest.raises(FiveWhysError) as caught:
        add_fix(full, "one more")
    assert caught.value.problems == ["the fix strategy has 50 items already (the most)"]


def test_a_persons_record_wins_over_the_upload_but_keeps_its_findings() -> None:
    upload = AnalysisBlock(
        five_whys=[WhyStep(why="Why upload?", because="u")],
        root_cause="upload cause",
        findings=["WS 1011 blocks the pipeline"],
        business_impact="$200K MRR",
    )
    person = AnalysisBlock(five_whys=[WhyStep(why="Why person?", because="p")])
    shown = shown_analysis(person, upload)
    assert shown is not None
    assert shown.five_whys == person.five_whys
    assert shown.root_cause is None
    assert (shown.findings, shown.business_impact) == (upload.findings, upload.business_impact)
    assert shown_analysis(None, upload) is upload
    assert shown_analysis(person, None) == person
