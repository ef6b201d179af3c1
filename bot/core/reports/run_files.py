"""Parse a stored run's report files (pure apart from reading the given rows)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.core.reports import Report, ReportError, TestCase, parse_report
from bot.core.reports.model import Outcome

FLAKY = Outcome.FLAKY


@dataclass(slots=True)
class ParsedFile:
    filename: str
    report: Report | None
    error: str | None

    @property
    def format(self) -> str | None:
        return self.report.format if self.report else None


@dataclass(slots=True)
class ParsedRun:
    files: list[ParsedFile] = field(default_factory=list)

    @property
    def cases(self) -> list[tuple[str, TestCase]]:
        """Every case with the report file it came from (a new list: on a big run prefer
        :meth:`iter_cases`)."""
        return list(self.iter_cases())

    def iter_cases(self) -> Iterator[tuple[str, TestCase]]:
        """Every case with the report file it came from, without a list of them all."""
        for parsed in self.files:
            if parsed.report is not None:
                for case in parsed.report.cases:
                    yield parsed.filename, case

    @property
    def case_count(self) -> int:
        return sum(len(f.report.cases) for f in self.files if f.report is not None)

    def failing_cases(self) -> list[TestCase]:
        """The failed, errored and flaky cases (what clustering and fix questions read)."""
        return [case for _, case in self.iter_cases() if case.is_failure or case.outcome is FLAKY]

    @property
    def errors(self) -> list[str]:
        return [f.error for f in self.files if f.error]

    @property
    def warnings(self) -> list[str]:
        """What was read but not kept as written (e.g. out-of-range numbers), per file."""
        return [
            f"{parsed.filename}: {warning}"
            for parsed in self.files
            if parsed.report is not None
            for warning in parsed.report.warnings
        ]


def parse_files(files: list[tuple[str, bytes]]) -> ParsedRun:
    """Parse each file; an unreadable file is recorded with its error, never dropped."""
    run = ParsedRun()
    for filename, content in files:
        if not content.strip():
            run.files.append(ParsedFile(filename, None, f"{filename}: the file is empty"))
            continue
        try:
            report = parse_report(content, path=filename)
        except ReportError as exc:
            run.files.append(ParsedFile(filename, None, str(exc)))
        else:
            run.files.append(ParsedFile(filename, report, None))
    return run
