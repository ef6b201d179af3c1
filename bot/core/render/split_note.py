"""The note on an old failure issue when a new signature version tells its failures apart.

Posted once on the older issue (docs/signatures.md, "Versions"): people who watch it learn
where the failures that no longer come to it go now. Pure and deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.render.cluster_text import join_names, short_test_name
from bot.core.safe_markdown import code

TITLE_CHARS = 120
TESTS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class SplitNoteView:
    version: int  # the signature version that tells the failures apart
    kept_title: str  # what this (the older) issue keeps
    moved_title: str  # what now goes to the other issue
    moved_issue_number: int
    moved_tests: tuple[str, ...] = ()  # tests whose failures went to the other issue


def render_split_note(view: SplitNoteView) -> str:
    target = f"#{int(view.moved_issue_number)}"  # our own issue: a real reference
    lines = [
        f"**Signature version {view.version} tells apart failures this issue grouped together.**",
        "",
        f"Failures like {code(view.moved_title, TITLE_CHARS)} now go to {target}; this issue "
        f"keeps {code(view.kept_title, TITLE_CHARS)}.",
    ]
    tests = [code(short_test_name(t), 100) for t in dict.fromkeys(view.moved_tests)]
    if tests:
        lines += ["", f"Tests whose failures went there: {join_names(tests, TESTS_SHOWN)}."]
    lines += [
        "",
        "Nothing else changes here: this issue's history stays, and it is resolved or comes "
        "back as before.",
    ]
    return "\n".join(lines) + "\n"
