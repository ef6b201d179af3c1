"""The evidence draft: five whys built from facts Loopwatch has, each saying where its
facts come from, and a question where the facts run out. Pure; no AI, no guessing.

The chain, in order (at most five steps; the question is always last):

1. what failed: which tests, in which phases, of which run;
2. what the signature means and so which side failed (``bot.core.evidence.meaning``), when
   Loopwatch knows the signature;
3. what changed since the tests last passed: the commit range (files near the failure
   first) and the environment keys that differ, or "nothing recorded changed";
4. whether other failures started in the same run (one cause for several);
5. for a regression: how it was resolved before, and that the fix did not hold;

then the question a person has to answer (which change, what outside the repository,
whether the tests ever passed).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.evidence.facts import ChangedFile, CommitRange, EvidenceFacts, FailingTest
from bot.core.evidence.meaning import Meaning, meaning_of
from bot.core.evidence.model import (
    MAX_COMMITS,
    MAX_ENVIRONMENT,
    MAX_FILES,
    MAX_RELATED,
    MAX_STEPS,
    CommitFact,
    EnvironmentChange,
    EvidenceDraft,
    EvidenceStep,
    FileFact,
    RelatedFailure,
)
from bot.core.text import plural

NAMED_TESTS = 3
NAMED_FILES = 3
NAMED_KEYS = 3
NAMED_RELATED = 3


def _names(items: Sequence[str], limit: int) -> str:
    shown = list(items[:limit])
    if len(items) > limit:
        shown.append(f"{len(items) - limit} more")
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _short(test_id: str) -> str:
    return test_id.rsplit("::", 1)[-1] if "::" in test_id else test_id.rsplit(".", 1)[-1]


def _short_sha(sha: str | None) -> str:
    return (sha or "").strip()[:7]


def _what_failed(facts: EvidenceFacts) -> EvidenceStep:
    tests = sorted({t.test_id for t in facts.tests})
    phases = list(dict.fromkeys(t.phase for t in facts.tests if t.phase))
    where = f" in {_names(phases, 3)}" if phases else ""
    named = _names([_short(t) for t in tests], NAMED_TESTS)
    count = plural(len(tests), "test")
    because = f"{count} failed{where} with “{facts.cluster_title}”: {named}."
    if not tests:
        because = f"It failed with “{facts.cluster_title}”."
    return EvidenceStep(
        why=f"Why did {facts.run.label} of {facts.campaign} fail?",
        because=because,
        sources=[f"test results of {facts.run.label}"],
    )


def _meaning_step(meaning: Meaning, tests: int) -> EvidenceStep:
    side = meaning.side_text[:1].upper() + meaning.side_text[1:]
    because = f"{meaning.summary} {side}".strip()
    if not because.endswith("."):
        because += "."
    return EvidenceStep(
        why="Why did it fail?" if tests <= 1 else "Why did they fail?",
        because=because,
        sources=[f"signature table: {meaning.source}"],
    )


def environment_changes(facts: EvidenceFacts) -> list[EnvironmentChange]:
    if facts.last_green is None:
        return []
    before, after = facts.last_green.environment, facts.run.environment
    keys = sorted(set(before) | set(after))
    return [
        EnvironmentChange(key=key, before=before.get(key), after=after.get(key))
        for key in keys
        if before.get(key) != after.get(key)
    ]


def _folders(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]


def near_failure(path: str, tests: Sequence[FailingTest], trace_paths: Sequence[str]) -> int:
    """How close a changed file is to the failure (higher is closer): in the trace (3),
    a failing test's own file (3), in its folder (2), in a parent folder (1)."""
    if path in trace_paths:
        return 3
    best = 0
    for test in tests:
        if not test.file:
            continue
        if path == test.file:
            return 3
        for depth, folder in enumerate(_folders(test.file)):
            if folder and path.startswith(folder + "/"):
                best = max(best, 2 if depth == 0 else 1)
                break
    for traced in trace_paths:
        folders = _folders(traced)
        if folders and path.startswith(folders[0] + "/"):
            best = max(best, 2)
    return best


def ranked_files(facts: EvidenceFacts, files: Sequence[ChangedFile]) -> list[FileFact]:
    """Changed files, the ones near the failing tests and their trace first."""
    scored = [(near_failure(f.path, facts.tests, facts.trace_paths), f) for f in files]
    scored.sort(key=lambda pair: (-pair[0], pair[1].path))
    return [
        FileFact(
            path=f.path,
            status=f.status,
            additions=f.additions,
            deletions=f.deletions,
            near_failure=score >= 2,
        )
        for score, f in scored[:MAX_FILES]
    ]


def _change_step(
    facts: EvidenceFacts,
    commits: CommitRange | None,
    files: list[FileFact],
    environment: list[EnvironmentChange],
) -> EvidenceStep | None:
    """What changed since the last green run; ``None`` when there was none."""
    green = facts.last_green
    if green is None:
        return None
    parts: list[str] = []
    sources = [f"test results of {green.label}"]
    if commits is not None and commits.error is None:
        total = commits.total_commits if commits.total_commits is not None else len(commits.commits)
        near = [f.path for f in files if f.near_failure]
        text = (
            f"Between {_short_sha(commits.base_sha)} and {_short_sha(commits.head_sha)}: "
            f"{plural(total, 'commit')} changed {plural(len(commits.files), 'file')}"
        )
        if near:
            text += f", {len(near)} near the failing tests ({_names(near, NAMED_FILES)})"
        parts.append(text + ".")
        sources.append(
            f"GitHub compare {_short_sha(commits.base_sha)}...{_short_sha(commits.head_sha)}"
        )
    elif commits is not None:
        parts.append(
            f"The commits between {_short_sha(commits.base_sha)} and "
            f"{_short_sha(commits.head_sha)} could not be read from GitHub ({commits.error})."
        )
    elif green.commit_sha and facts.run.commit_sha and green.commit_sha == facts.run.commit_sha:
        parts.append(f"The code did not change: both runs are on {_short_sha(green.commit_sha)}.")
    else:
        parts.append("The runs do not say which commits they tested.")
    if environment:
        keys = [change.key for change in environment]
        parts.append(f"Environment: {_names(keys, NAMED_KEYS)} changed.")
        sources.append(f"environments of {green.label} and {facts.run.label}")
    elif green.environment or facts.run.environment:
        parts.append("The recorded environment is the same.")
    return EvidenceStep(
        why=f"What changed since they last passed, in {green.label}?",
        because=" ".join(parts),
        sources=sources,
    )


def _related_step(facts: EvidenceFacts) -> EvidenceStep | None:
    if not facts.related:
        return None
    names = [f"“{r.title}”" for r in facts.related]
    count = plural(len(facts.related), "other failure")
    verb = "started" if facts.prior is None else "started or came back"
    return EvidenceStep(
        why="Did anything else break at the same time?",
        because=(
            f"Yes: {count} {verb} in {facts.run.label}: {_names(names, NAMED_RELATED)}. "
            f"One change may explain {'both' if len(names) == 1 else 'them all'}."
        ),
        sources=[f"failure clusters first seen in {facts.run.label}"],
    )


def _prior_step(facts: EvidenceFacts) -> EvidenceStep | None:
    prior = facts.prior
    if prior is None:
        return None
    how = f"It was resolved on {prior.at.date().isoformat()}"
    if prior.reason == "green_runs":
        how += " after green runs"
    elif prior.by:
        how += f" by {prior.by.lstrip('@')}"
    if prior.pull_request is not None:
        how += f" with pull request #{prior.pull_request}"
    elif prior.commit_sha:
        how += f" with commit {_short_sha(prior.commit_sha)}"
    how += f", and failed again in {facts.run.label}"
    if prior.regressions > 1:
        how += f" (it has come back {plural(prior.regressions, 'time')})"
    how += "."
    if prior.record_fixes or prior.record_root_cause:
        found = f" {prior.record_author}'s five-whys" if prior.record_author else " The five-whys"
        fix = f" and fix “{_names(list(prior.record_fixes), 2)}”" if prior.record_fixes else ""
        cause = f"root cause “{prior.record_root_cause}”" if prior.record_root_cause else "a fix"
        how += f"{found} named {cause}{fix}: that fix did not hold."
    else:
        how += " No five-whys was recorded for it, so this one is worth keeping."
    return EvidenceStep(
        why="Has it happened before?", because=how, sources=["the failure's history"]
    )


def _question(
    facts: EvidenceFacts,
    meaning: Meaning | None,
    files: list[FileFact],
    environment: list[EnvironmentChange],
    commits: CommitRange | None,
) -> EvidenceStep:
    side = {
        "server": "the server",
        "client": "the client",
        "network": "the network path",
        "infrastructure": "the infrastructure",
        "test": "the code under test",
    }.get(meaning.side if meaning else "", "it")
    green = facts.last_green
    if green is None:
        why = (
            f"These tests never passed in the recorded runs of {facts.campaign}: did they "
            "ever work against this environment, or is the feature not there yet?"
        )
    else:
        near = [f.path for f in files if f.near_failure]
        changed_code = commits is not None and commits.error is None and bool(commits.files)
        if near:
            why = f"Which of the changes to {_names(near, NAMED_FILES)} made {side} fail?"
        elif environment and not changed_code:
            keys = _names([c.key for c in environment], NAMED_KEYS)
            why = f"Did the change to {keys} make {side} fail?"
        elif changed_code or environment:
            why = f"Which of these changes made {side} fail?"
        else:
            why = (
                f"Nothing recorded changed since {green.label}: what changed outside the "
                "repository (a service, its data, the infrastructure), or is it flaky?"
            )
    return EvidenceStep(why=why, because="", sources=[])


def build_draft(facts: EvidenceFacts, commits: CommitRange | None = None) -> EvidenceDraft:
    """The draft for ``facts``; ``commits`` is GitHub's compare of the last green commit
    with the failing one (``None`` when not asked)."""
    meaning = meaning_of(facts.family, facts.failure_type, facts.message)
    files = ranked_files(facts, commits.files) if commits and commits.error is None else []
    environment = environment_changes(facts)
    optional = [
        _meaning_step(meaning, len({t.test_id for t in facts.tests})) if meaning else None,
        _change_step(facts, commits, files, environment),
        _prior_step(facts),
        _related_step(facts),
    ]
    steps = [_what_failed(facts), *(s for s in optional if s is not None)]
    steps = steps[: MAX_STEPS - 1]
    steps.append(_question(facts, meaning, files, environment, commits))
    good = commits is not None and commits.error is None
    return EvidenceDraft(
        run_id=facts.run.run_id,
        steps=steps,
        base_sha=facts.last_green.commit_sha if facts.last_green else None,
        head_sha=facts.run.commit_sha,
        compare_url=commits.url if good and commits else None,
        total_commits=commits.total_commits if good and commits else None,
        commits=[
            CommitFact(sha=c.sha, title=c.title, author=c.author, url=c.url)
            for c in (commits.commits if good and commits else ())
        ][:MAX_COMMITS],
        total_files=len(commits.files) if good and commits else None,
        files=files,
        environment=environment[:MAX_ENVIRONMENT],
        related=[
            RelatedFailure(
                title=r.title, issue_number=r.issue_number, tests=r.tests, fingerprint=r.fingerprint
            )
            for r in facts.related[:MAX_RELATED]
        ],
    )
