"""Compare two final GitHub states (sandbox ``/_sandbox/state`` dumps) by what a user sees.

Issues are matched by their hidden key (numbers depend on creation order), comments by
theirs, check runs by commit and name. Only what legitimately varies between two
replays is normalised: the sandbox's and the web app's base URLs (other ports), issue
numbers (``#N`` and ``/issues/N`` become the issue's key), comment and check-run ids.
Wall-clock times are NOT normalised: the scenario's own times are in March 2025, so a
difference in a time of day is the bot rendering the clock, reported as such.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

_BEGIN = re.compile(r"<!-- loopwatch:begin key=(?P<key>[^\r\n]*?) -->")
_END = "<!-- loopwatch:end -->"
_COMMENT = re.compile(r"<!-- loopwatch:comment key=(?P<key>[^\r\n]*?) -->")
_DATE_TIME = re.compile(
    r"\b20\d\d-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d)?(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d| UTC)?"
)


@dataclass
class Normaliser:
    github_root: str
    web_root: str
    numbers: dict[str, dict[int, str]]  # repo -> issue number -> key

    def text(self, repo: str, value: str | None) -> str:
        text = (value or "").replace(self.web_root, "<web>").replace(self.github_root, "<github>")
        keys = self.numbers.get(repo, {})

        def issue_ref(match: re.Match[str]) -> str:
            number = int(match.group("n"))
            return f"{match.group('pre')}<{keys.get(number, f'unknown #{number}')}>"

        text = re.sub(r"(?P<pre>/issues/|#)(?P<n>\d+)\b", issue_ref, text)
        text = re.sub(r"issuecomment-\d+", "issuecomment-<id>", text)
        # A check run's page: <github>/owner/name/runs/ID (not a workflow run's actions/runs/ID).
        return re.sub(r"(<github>/[^/\s)]+/[^/\s)]+/runs/)\d+", r"\1<id>", text)


def _bot_section(body: str | None) -> str:
    body = body or ""
    match = _BEGIN.search(body)
    if match is None:
        return body
    end = body.find(_END, match.end())
    return body[match.end() : end if end >= 0 else None]


def _issue_key(issue: dict[str, Any]) -> str:
    match = _BEGIN.search(issue.get("body") or "")
    return match.group("key") if match else f"unkeyed: {issue['title']}"


def digest(state: dict[str, Any], github_root: str, web_root: str) -> dict[str, Any]:
    """The comparable view of one state: per repository, issues by key (a list per key:
    more than one is a duplicate) and check runs by commit and name."""
    numbers = {
        repo["full_name"]: {i["number"]: _issue_key(i) for i in repo["issues"]}
        for repo in state["repos"]
    }
    norm = Normaliser(github_root.rstrip("/"), web_root.rstrip("/"), numbers)
    view: dict[str, Any] = {}
    for repo in state["repos"]:
        name = repo["full_name"]
        issues: dict[str, list[dict[str, Any]]] = {}
        for issue in repo["issues"]:
            comments: dict[str, list[str]] = {}
            for comment in issue["comments"]:
                match = _COMMENT.search(comment["body"] or "")
                key = match.group("key") if match else f"unkeyed by {comment['user']}"
                comments.setdefault(key, []).append(norm.text(name, comment["body"]))
            issues.setdefault(_issue_key(issue), []).append(
                {
                    "title": norm.text(name, issue["title"]),
                    "section": norm.text(name, _bot_section(issue["body"])),
                    "labels": sorted(issue["labels"]),
                    "state": f"{issue['state']} ({issue['state_reason']})",
                    "comments": comments,
                }
            )
        checks: dict[str, list[dict[str, Any]]] = {}
        for run in repo["check_runs"]:
            output = run["output"] or {}
            checks.setdefault(f"{run['head_sha'][:12]} {run['name']}", []).append(
                {
                    "status": f"{run['status']} / {run['conclusion']}",
                    "title": norm.text(name, output.get("title")),
                    "summary": norm.text(name, output.get("summary")),
                    "text": norm.text(name, output.get("text")),
                    "annotations": sorted(
                        f"{a.get('path')}:{a.get('start_line')} {a.get('annotation_level')} "
                        f"{a.get('title')}"
                        for a in run["annotations"]
                    ),
                }
            )
        view[name] = {"issues": issues, "checks": checks}
    return view


@dataclass
class Differences:
    """Every difference, by category; ``details`` are readable lines for the report."""

    counts: Counter[str] = field(default_factory=Counter)
    details: list[str] = field(default_factory=list)

    def add(self, category: str, where: str, detail: str = "") -> None:
        self.counts[category] += 1
        self.details.append(f"[{category}] {where}" + (f"\n{detail}" if detail else ""))

    def __bool__(self) -> bool:
        return bool(self.counts)

    def report(self, max_details: int = 60) -> str:
        lines = ["differences by category:"]
        lines += [f"  {category}: {count}" for category, count in sorted(self.counts.items())]
        lines += self.details[:max_details]
        if len(self.details) > max_details:
            lines.append(f"... and {len(self.details) - max_details} more")
        return "\n".join(lines)


def _text_diff(expected: str, actual: str, limit: int = 30) -> str:
    lines = list(
        difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "clean", "chaos", n=1, lineterm=""
        )
    )
    shown = lines[:limit] + (
        [f"... {len(lines) - limit} more diff lines"] if len(lines) > limit else []
    )
    return "\n".join("    " + line for line in shown)


def _category(base: str, expected: str, actual: str) -> str:
    """``base`` or, when the texts differ only in date-times, ``base (wall-clock time)``."""
    same_but_times = _DATE_TIME.sub("<time>", expected) == _DATE_TIME.sub("<time>", actual)
    return f"{base} (wall-clock time)" if same_but_times else base


def _compare_items(
    diffs: Differences, where: str, kind: str, clean: dict[str, Any], chaos: dict[str, Any]
) -> None:
    for name in sorted(set(clean) | set(chaos)):
        a, b = clean.get(name), chaos.get(name)
        if a == b:
            continue
        if isinstance(a, str) and isinstance(b, str):
            diffs.add(_category(f"{kind} {name}", a, b), where, _text_diff(a, b))
        else:
            diffs.add(f"{kind} {name}", where, f"    clean: {a!r}\n    chaos: {b!r}")


def _compare_comments(
    diffs: Differences, where: str, clean: dict[str, list[str]], chaos: dict[str, list[str]]
) -> None:
    for key in sorted(set(clean) | set(chaos)):
        a, b = clean.get(key, []), chaos.get(key, [])
        at = f"{where} comment {key}"
        if len(b) > 1:
            diffs.add("duplicate comment", at, f"    {len(b)} copies (clean: {len(a)})")
        if not a:
            diffs.add("extra comment", at)
        elif not b:
            diffs.add("missing comment", at)
        elif a[0] != b[0]:
            diffs.add(_category("comment body", a[0], b[0]), at, _text_diff(a[0], b[0]))


def compare(clean: dict[str, Any], chaos: dict[str, Any]) -> Differences:
    """What differs in ``chaos`` from ``clean`` (both :func:`digest` views)."""
    diffs = Differences()
    for repo in sorted(set(clean) | set(chaos)):
        a = clean.get(repo, {"issues": {}, "checks": {}})
        b = chaos.get(repo, {"issues": {}, "checks": {}})
        for key in sorted(set(a["issues"]) | set(b["issues"])):
            where = f"{repo} issue {key}"
            copies_a, copies_b = a["issues"].get(key, []), b["issues"].get(key, [])
            if len(copies_b) > 1:
                diffs.add("duplicate issue", where, f"    {len(copies_b)} issues with this key")
            if not copies_a or not copies_b:
                diffs.add("missing issue" if copies_a else "extra issue", where)
                continue
            one_a, one_b = copies_a[0], copies_b[0]
            fields = {k: v for k, v in one_a.items() if k != "comments"}
            _compare_items(diffs, where, "issue", fields, {k: one_b[k] for k in fields})
            _compare_comments(diffs, where, one_a["comments"], one_b["comments"])
        for key in sorted(set(a["checks"]) | set(b["checks"])):
            where = f"{repo} check run {key}"
            runs_a, runs_b = a["checks"].get(key, []), b["checks"].get(key, [])
            if len(runs_b) > 1:
                diffs.add("duplicate check run", where, f"    {len(runs_b)} check runs")
            if not runs_a or not runs_b:
                diffs.add("missing check run" if runs_a else "extra check run", where)
                continue
            _compare_items(diffs, where, "check run", runs_a[0], runs_b[0])
    return diffs


def self_check(view: dict[str, Any]) -> Differences:
    """Duplicates within one state (a clean replay must have none either)."""
    diffs = Differences()
    for repo, content in view.items():
        for key, copies in content["issues"].items():
            if len(copies) > 1:
                diffs.add("duplicate issue", f"{repo} issue {key}", f"    {len(copies)} copies")
            for comment_key, bodies in copies[0]["comments"].items():
                if len(bodies) > 1:
                    diffs.add("duplicate comment", f"{repo} issue {key} comment {comment_key}")
        for key, runs in content["checks"].items():
            if len(runs) > 1:
                diffs.add("duplicate check run", f"{repo} check run {key}")
    return diffs
