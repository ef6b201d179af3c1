"""The ``process_run`` job: parse a stored run, analyse it, update the desired GitHub state."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog
from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from bot.adapters.github.containment import fetch_compare_status
from bot.adapters.github.errors import GitHubTransientError
from bot.adapters.logs import capped
from bot.adapters.queue import RetryAt
from bot.adapters.queue.kinds import PROCESS_RUN, ProcessRunPayload, defer_render, defer_sync
from bot.adapters.queue.worker import Handler, JobContext
from bot.adapters.store.bulk import insert_rows
from bot.adapters.store.db import is_postgresql, transaction
from bot.adapters.store.models import (
    Campaign,
    Repository,
    Run,
    RunFile,
    SessionLogEntry,
    TestResult,
    utcnow,
)
from bot.adapters.store.run_files import run_file_contents
from bot.app.campaign_render import desire_check, render_campaign
from bot.app.clusters.apply_run import publish_run_clusters, track_run
from bot.app.clusters.fix_in_build import (
    FixAnswers,
    fix_questions,
    known_answers,
    remember_answers,
)
from bot.app.clusters.views import findings_for_run
from bot.app.repo_config import load_repo_config_text, resolve_installation
from bot.app.run_order import later_folded_run, order_wait
from bot.app.services import Services
from bot.app.steering.run_change import run_change
from bot.app.steering.runs import following_in
from bot.app.tracking_issue import previous_summaries, run_info, update_tracking_issue
from bot.core.analysis.phases import phase_namer
from bot.core.analysis.run_analysis import RunAccumulator, RunAnalysis
from bot.core.analysis.run_cases import RunCase, RunCases
from bot.core.config.campaign import ComparisonConfig
from bot.core.config.loader import load_config
from bot.core.config.repo import ConfigResult
from bot.core.fix_in_build import Containment
from bot.core.render.tracking_issue.issue_view import RunInfo
from bot.core.render.tracking_issue.run_text import run_log_text
from bot.core.reports.run_files import ParsedRun, parse_files
from bot.core.steering.run_diff import RunChange, diff_phrase
from bot.handlers.registry import handles

COMPARE_ATTEMPTS = 3  # then an unanswered "is the fix in this build?" counts as unknown


@handles(PROCESS_RUN)
def make_process_run_handler(services: Services) -> Handler:
    async def process_run(ctx: JobContext) -> None:
        run_id = ProcessRunPayload.read(ctx).run_id
        factory = services.session_factory
        with factory() as session:
            run = session.get(Run, run_id)
            if run is None:
                ctx.log.warning("run_missing", run_id=run_id)
                return
            repository = session.get_one(Repository, run.repository_id)
            repository_id, full_name = repository.id, repository.full_name
            processed = run.status != "queued"
        with structlog.contextvars.bound_contextvars(run_id=run_id, repository=full_name):
            if processed:
                # A duplicate or retried job, or a refresh queued before issue 18 (dedupe
                # key ``refresh:<run>``): the run is folded once; render, never re-fold.
                await asyncio.to_thread(_render_instead, run_id)
                ctx.log.info("run_already_processed", detail="rendered again instead")
                return
            await asyncio.to_thread(_wait_for_earlier_runs, run_id, full_name)
            files = await asyncio.to_thread(_files, run_id)
            await _process(ctx, repository_id, run_id, files)

    def _render_instead(run_id: int) -> None:
        with transaction(services.session_factory) as session:
            run = session.get_one(Run, run_id)
            repository = session.get_one(Repository, run.repository_id)
            defer_render(
                session, campaign_id=run.campaign_id, full_name=repository.full_name, run_id=run_id
            )

    def _wait_for_earlier_runs(run_id: int, full_name: str) -> None:
        """Raise :class:`RetryAt` while an earlier run of the campaign is still to come
        (bounded by ``run_order_wait_s``; recorded on the run for its status)."""
        with transaction(services.session_factory) as session:
            run = session.get_one(Run, run_id)
            campaign = session.get_one(Campaign, run.campaign_id)
            wait = order_wait(
                session,
                run,
                full_name,
                campaign.name,
                now=utcnow(),
                max_wait_s=services.settings.run_order_wait_s,
            )
        if wait is not None:
            raise RetryAt(wait.until, wait.reason)

    def _files(run_id: int) -> list[tuple[str, bytes]]:
        with services.session_factory() as session:
            return run_file_contents(session, run_id)

    async def _process(
        ctx: JobContext, repository_id: int, run_id: int, files: list[tuple[str, bytes]]
    ) -> None:
        ctx.log.info("run_parsing", files=len(files))
        config_text, problem = await load_repo_config_text(services, repository_id)
        config = load_config(config_text)
        if problem is not None:
            config.errors.insert(0, problem)
        # Parsing and storing can take seconds on big reports: off the event loop, so the
        # job's heartbeat keeps its lease.
        parsed = await asyncio.to_thread(parse_files, files)
        answers = await _fix_answers(ctx, repository_id, run_id, parsed, config)
        await asyncio.to_thread(_store, repository_id, run_id, parsed, config, answers)
        ctx.log.info("run_processed", cases=parsed.case_count, errors=len(parsed.errors))

    async def _fix_answers(
        ctx: JobContext, repository_id: int, run_id: int, parsed: ParsedRun, config: ConfigResult
    ) -> FixAnswers:
        """Whether this run's build contains the fix of each resolved cluster it fails:
        from the database, else asked of GitHub (and kept)."""
        questions = await asyncio.to_thread(_questions, repository_id, run_id, parsed, config)
        if questions is None:
            return {}
        full_name, build, fixes, answers = questions
        missing = [fix for fix in fixes if fix not in answers]
        if not missing:
            return answers
        installation_id = await resolve_installation(services, repository_id)
        if installation_id is None:  # not installed: nothing can be asked, all unknown
            return answers
        gh = services.github().installation(installation_id)
        statuses: dict[str, str | None] = {}
        for fix in missing:
            try:
                statuses[fix] = await fetch_compare_status(gh, full_name, fix, build)
            except GitHubTransientError as error:
                if ctx.attempt < min(ctx.max_attempts, COMPARE_ATTEMPTS):
                    raise  # the queue backs off and tries again
                ctx.log.warning("fix_in_build_unanswered", fix=fix, error=str(error)[:200])
                statuses[fix] = None  # unknown: decided conservatively (a regression)

        def keep() -> dict[str, Containment]:
            with transaction(services.session_factory) as session:
                return remember_answers(session, repository_id, build, statuses)

        answers.update(await asyncio.to_thread(keep))
        ctx.log.info(
            "fix_in_build_asked",
            build=build,
            asked=len(missing),
            answers={fix[:7]: answer.value for fix, answer in answers.items()},
        )
        return answers

    def _questions(
        repository_id: int, run_id: int, parsed: ParsedRun, config: ConfigResult
    ) -> tuple[str, str, list[str], dict[str, Containment]] | None:
        with services.session_factory() as session:
            run = session.get_one(Run, run_id)
            repository = session.get_one(Repository, repository_id)
            if not run.commit_sha or is_from_fork(run, repository):
                return None
            fixes = fix_questions(
                session, repository_id, run.commit_sha, parsed.failing_cases(), config.config
            )
            if not fixes:
                return None
            known = known_answers(session, repository_id, run.commit_sha, fixes)
            return repository.full_name, run.commit_sha, fixes, known

    def _store(
        repository_id: int,
        run_id: int,
        parsed: ParsedRun,
        config: ConfigResult,
        answers: FixAnswers,
    ) -> None:
        with transaction(services.session_factory) as session:
            store_processed_run(
                session,
                run_id,
                parsed,
                config,
                services.settings.github_web_url,
                fix_answers=answers,
            )
            # A burst of runs becomes one GitHub edit: the sync job is deduplicated and
            # waits a moment for the next run of the burst.
            repository = session.get_one(Repository, repository_id)
            defer_sync(
                session, repository, delay=timedelta(seconds=services.settings.sync_debounce_s)
            )

    return process_run


def store_processed_run(
    session: Session,
    run_id: int,
    parsed: ParsedRun,
    config: ConfigResult,
    web_url: str,
    *,
    fix_answers: FixAnswers | None = None,
) -> None:
    """Store the run's results and fold it into cluster state, once (docs/design.md,
    "Order of runs"): a run already processed is rendered again instead, and a late run
    (a later run of its campaign was folded first) is stored without changing a cluster."""
    run = _locked_run(session, run_id)
    repository = session.get_one(Repository, run.repository_id)
    campaign = session.get_one(Campaign, run.campaign_id)
    if run.status != "queued":
        render_campaign(session, campaign, config, web_url, check_run_of=run.id)
        return
    campaign_config = config.config.campaign(campaign.name)
    follow = following_in(session, run, repository, config.config.failures.only_branches)
    history = previous_summaries(session, campaign.id, run.id, where=follow.where)
    cases = RunCases(parsed)
    # One pass: each case is analysed as it goes into the database (nothing per case kept).
    accumulator = RunAccumulator(
        campaign_config, phase_namer(cases, campaign_config), history, run_id=run.id
    )
    _store_results(session, run, parsed, accumulator)
    analysis = accumulator.result(
        cases, finished_at=run.finished_at or run.created_at, commit_sha=run.commit_sha
    )
    run.summary = analysis.summary.to_json()
    run.duration_s = analysis.duration_s
    run.processed_at = utcnow()
    run.waiting_for_run_id = None
    if parsed.files and all(f.report is None for f in parsed.files):
        run.status = "failed"
        run.error = "no report could be parsed: " + "; ".join(parsed.errors)
    else:
        run.status = "processed"
        run.error = "; ".join(parsed.errors) or None
    if is_from_fork(run, repository):
        # Untrusted: its results make its check run and change nothing else.
        session.flush()
        desire_check(session, run, repository, campaign, config, web_url)
        return
    info = run_info(run, repository.full_name, web_url)
    late_after = later_folded_run(session, run)
    if late_after is not None:
        # Folded now, it would move clusters back in time: kept at its place in the
        # history and the session log, its check run made; the issues are rendered again.
        _log_run(
            session,
            run,
            campaign,
            analysis,
            info,
            parsed,
            follow.where,
            campaign_config.comparison,
            late_after=late_after,
        )
        session.flush()
        desire_check(session, run, repository, campaign, config, web_url)
        defer_render(session, campaign_id=campaign.id, full_name=repository.full_name)
        return
    clusters = track_run(
        session,
        repository=repository,
        campaign=campaign,
        run=run,
        cases=parsed.failing_cases(),  # failing and flaky: all that clustering needs
        config=config.config,
        web_url=web_url,
        fix_answers=fix_answers,
    )
    run.folded_at = utcnow()
    _log_run(
        session, run, campaign, analysis, info, parsed, follow.where, campaign_config.comparison
    )
    session.flush()
    if follow.follows_run:  # a pull request's run leaves the campaign's issue as it is
        update_tracking_issue(
            session,
            repository=repository,
            campaign=campaign,
            campaign_config=campaign_config,
            run=run,
            analysis=analysis,
            history=history,
            config_errors=config.errors,
            web_url=web_url,
            clusters=findings_for_run(session, repository.id, run.id) if clusters.seen else [],
            counted=follow.where,
        )
    publish_run_clusters(
        session,
        clusters,
        repository=repository,
        campaign=campaign,
        run=run,
        config=config.config,
        web_url=web_url,
    )
    desire_check(session, run, repository, campaign, config, web_url)


def _locked_run(session: Session, run_id: int) -> Run:
    """The run, locked for this transaction on PostgreSQL: two jobs of one run (a lease
    taken over) cannot both find it unprocessed."""
    statement = select(Run).where(Run.id == run_id)
    if is_postgresql(session):
        statement = statement.with_for_update()
    return session.scalars(statement).one()


def is_from_fork(run: Run, repository: Repository) -> bool:
    head = (run.head_repository or "").strip().lower()
    return bool(head) and head != repository.full_name.lower()


def _store_results(
    session: Session, run: Run, parsed: ParsedRun, accumulator: RunAccumulator
) -> None:
    """Replace the run's results (a retried job stores them once); each case is handed to
    ``accumulator`` on its way in, which names its phase."""
    session.execute(delete(TestResult).where(TestResult.run_id == run.id))
    by_name = {f.filename: f for f in parsed.files}
    for row in session.scalars(select(RunFile).where(RunFile.run_id == run.id)):
        result = by_name.get(row.filename)
        if result is not None:
            row.format, row.error = result.format, result.error
    add = accumulator.add
    insert_rows(
        session,
        TestResult.__table__,  # type: ignore[arg-type]
        _RESULT_COLUMNS,
        (
            (
                run.id,
                case.test_id,
                case.name,
                case.file,
                case.line,
                case.suite,
                add(RunCase(case, filename)),
                case.outcome.value,
                case.executions,
                case.duration_s,
                case.failure_type,
                case.message,
                case.trace,
            )
            for filename, case in parsed.iter_cases()
        ),
    )


_RESULT_COLUMNS = (
    "run_id",
    "test_id",
    "name",
    "file",
    "line",
    "suite",
    "phase",
    "outcome",
    "executions",
    "duration_s",
    "failure_type",
    "message",
    "trace",
)


# Warnings a run adds to the session log at most, and their length.
MAX_WARNINGS_LOGGED = 20
MAX_WARNING_CHARS = 500


def _log_run(
    session: Session,
    run: Run,
    campaign: Campaign,
    analysis: RunAnalysis,
    info: RunInfo,
    parsed: ParsedRun,
    counted: ColumnElement[bool],
    thresholds: ComparisonConfig,
    *,
    late_after: int | None = None,
) -> None:
    """One session-log line per run (replaced, not duplicated, when a job is retried);
    ``counted`` selects the runs it may be compared with; a late run says so."""
    session.execute(
        delete(SessionLogEntry).where(
            SessionLogEntry.run_id == run.id,
            SessionLogEntry.kind.in_(("run", "run-error", "run-warning")),
        )
    )
    at = run.finished_at or run.created_at
    diff = _run_diff(session, run, counted, thresholds)
    text = run_log_text(analysis, info, comparison=diff_phrase(diff))
    if late_after is not None:
        text += (
            f" — late: processed after run {late_after}, so it changed no failure cluster "
            "(its results and check run are kept)"
        )
    session.add(
        SessionLogEntry(campaign_id=campaign.id, run_id=run.id, at=at, kind="run", text=text)
    )
    for error in parsed.errors:
        session.add(
            SessionLogEntry(
                campaign_id=campaign.id,
                run_id=run.id,
                at=at,
                kind="run-error",
                text=f"Report not read: {error}",
            )
        )
    for warning in parsed.warnings[:MAX_WARNINGS_LOGGED]:
        session.add(
            SessionLogEntry(
                campaign_id=campaign.id,
                run_id=run.id,
                at=at,
                kind="run-warning",
                text=f"Report warning: {capped(warning, MAX_WARNING_CHARS)}",
            )
        )


def _run_diff(
    session: Session, run: Run, counted: ColumnElement[bool], thresholds: ComparisonConfig
) -> RunChange:
    """This run against the campaign's previous processed run among ``counted`` (an
    earlier id, so a retried job compares with the same run): fork runs are left out
    (they change nothing but their check run), and a pull request's run is compared with
    the default branch's latest. A run whose reports could not be read is not compared
    (all would show as removed)."""
    if run.status != "processed":
        return RunChange()
    previous = session.scalar(
        select(Run.id)
        .where(
            Run.campaign_id == run.campaign_id,
            Run.id < run.id,
            Run.status == "processed",
            counted,
        )
        .order_by(Run.id.desc())
        .limit(1)
    )
    if previous is None:
        return RunChange()
    session.flush()  # this run's results are read back by the query
    return run_change(
        session,
        previous,
        run.id,
        min_shift_ratio=thresholds.min_shift_ratio,
        min_shift_s=thresholds.min_shift_s,
    )
