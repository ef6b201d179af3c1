"""Make GitHub's check runs match the desired ones (``CheckRunRecord``), economically.

* A check run is **claimed** as its create is sent; a claimed one without an id may exist
  on GitHub already (the answer was lost, or GitHub stores it late), so it is looked for
  by its ``external_id``; if it is not there it is created again once the late-write
  window has passed (``late_writes.py``), never dropped. A claim younger than the window
  may be another worker's create in flight: the job comes back to look again.
* The create call carries the whole content and the first 50 annotations; later batches
  of 50 go in update calls (GitHub's limit per request), and each batch is remembered
  once GitHub took it, because GitHub keeps adding annotations and never replaces them.
* When an annotation already sent should no longer show (a re-run fixed that test), the
  check run is created anew: GitHub cannot take an annotation back.
* An unchanged record (``desired_hash == synced_hash``) costs no call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar, cast

from githubkit import GitHub
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.github.client import split_full_name
from bot.adapters.github.errors import GitHubPermanentError, github_errors
from bot.adapters.github.late_writes import CreateOnce, LateWrites, SettleWait
from bot.adapters.github.pacer import WritePacer
from bot.adapters.logs import get_logger
from bot.adapters.settings import get_settings
from bot.adapters.store.claims import CHECK_RUN_CREATE, Claim
from bot.adapters.store.db import transaction
from bot.adapters.store.models import CheckRunRecord, Repository, utcnow

log = get_logger(__name__)
T = TypeVar("T")
BATCH = 50  # annotations per request (GitHub's limit)


@dataclass
class CheckSyncReport:
    created: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    recreated: list[str] = field(default_factory=list)
    annotations: int = 0
    writes: int = 0
    # Creates whose earlier attempt may still land: key -> when to look again.
    settling: dict[str, datetime] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Check:
    id: int
    key: str
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    title: str
    summary: str
    details_url: str | None
    annotations: list[dict[str, Any]]
    desired_hash: str
    github_id: int | None
    claim: Claim
    sent: frozenset[str]

    @classmethod
    def of(cls, row: CheckRunRecord) -> _Check:
        return cls(
            row.id,
            row.key,
            row.name,
            row.head_sha,
            row.status,
            row.conclusion,
            row.title,
            row.summary,
            row.details_url,
            list(row.annotations or []),
            row.desired_hash,
            row.github_id,
            Claim(row.create_attempts, row.create_claimed_at),
            frozenset(str(k) for k in row.sent_annotations or []),
        )

    def output(self, annotations: list[dict[str, Any]]) -> dict[str, Any]:
        data: dict[str, Any] = {"title": self.title, "summary": self.summary}
        if annotations:
            data["annotations"] = [{k: v for k, v in a.items() if k != "key"} for a in annotations]
        return data

    def fields(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "status": self.status}
        if self.status == "completed" and self.conclusion:
            data["conclusion"] = self.conclusion
            data["completed_at"] = utcnow().isoformat()
        if self.details_url:
            data["details_url"] = self.details_url
        return data


class _CheckSync:
    def __init__(
        self,
        factory: sessionmaker[Session],
        repository: Repository,
        gh: GitHub[Any],
        pacer: WritePacer,
        late_writes: LateWrites,
    ) -> None:
        self.factory = factory
        self.creates = CreateOnce(factory, CHECK_RUN_CREATE, late_writes)
        self.full_name = repository.full_name
        self.owner, self.repo = split_full_name(repository.full_name)
        self.lane: int | str = repository.installation_id or f"repo:{repository.full_name}"
        self.gh = gh
        self.pacer = pacer
        self.report = CheckSyncReport()

    async def _write(self, action: str, make_call: Callable[[], Awaitable[T]]) -> T:
        self.report.writes += 1
        with github_errors(action, repository=self.full_name):
            return await self.pacer.call(self.lane, make_call)

    def _save(self, check_id: int, **values: Any) -> None:
        with transaction(self.factory) as session:
            session.execute(
                update(CheckRunRecord).where(CheckRunRecord.id == check_id).values(**values)
            )

    async def _find(self, check: _Check) -> int | None:
        """A check run created before whose answer was lost (by its external id)."""
        page = 1
        while True:
            with github_errors("list_check_runs", repository=self.full_name):
                response = await self.gh.rest.checks.async_list_for_ref(
                    self.owner, self.repo, check.head_sha, check_name=check.name,
                    filter_="all", per_page=100, page=page,
                )  # fmt: skip
            runs = response.parsed_data.check_runs
            for run in runs:
                if run.external_id == check.key:
                    return run.id
            if len(runs) < 100:
                return None
            page += 1

    async def _annotations_on(self, check: _Check, github_id: int) -> set[str]:
        """The keys of the annotations a recovered check run already shows (matched by
        place, level and title; one it shows that we do not want counts as a stranger)."""
        wanted = {_place(a): str(a["key"]) for a in check.annotations}
        shown: set[str] = set()
        page = 1
        while True:
            with github_errors("list_annotations", repository=self.full_name):
                response = await self.gh.rest.checks.async_list_annotations(
                    self.owner, self.repo, github_id, per_page=100, page=page
                )
            listed = response.parsed_data
            for annotation in listed:
                place = _place(annotation.model_dump())
                shown.add(wanted.get(place, f"stranger:{place}"))
            if len(listed) < 100:
                return shown
            page += 1

    async def _create(self, check: _Check, first: list[dict[str, Any]]) -> int | None:
        """Create the check run under a fresh claim; None if another worker did meanwhile."""
        body = {
            **check.fields(),
            "head_sha": check.head_sha,
            "external_id": check.key,
            "output": check.output(first),
        }
        response = await self.creates.send(
            check.id,
            check.claim,
            check.key,
            lambda: self.gh.rest.checks.async_create(self.owner, self.repo, data=cast(Any, body)),
            lambda call: self._write("create_check_run", call),
        )
        if response is None:
            return None
        created = response.parsed_data
        self._save(check.id, github_id=created.id, sent_annotations=[a["key"] for a in first])
        self.report.created.append(check.key)
        return created.id

    async def _patch(self, check: _Check, github_id: int, body: dict[str, Any]) -> None:
        await self._write(
            "update_check_run",
            lambda: self.gh.rest.checks.async_update(
                self.owner, self.repo, github_id, data=cast(Any, body)
            ),
        )

    async def sync(self, check: _Check) -> None:
        wanted = {str(a["key"]) for a in check.annotations}
        github_id = check.github_id
        sent = set(check.sent)
        if github_id is None and check.claim.claimed_at is not None:
            github_id = await self._find(check)
            if github_id is not None:
                sent = await self._annotations_on(check, github_id)
                self._save(check.id, github_id=github_id, sent_annotations=sorted(sent))
                self.report.recovered.append(check.key)
            else:
                self.creates.settle(check.key, check.claim)  # raises while it may still land
        if github_id is not None and not sent <= wanted:
            # An annotation sent before must go: only a new check run can drop it.
            self.report.recreated.append(check.key)
            self._save(check.id, github_id=None, sent_annotations=[], create_claimed_at=None)
            github_id, sent = None, set()
            check = replace(check, claim=replace(check.claim, claimed_at=None))
        pending = [a for a in check.annotations if str(a["key"]) not in sent]
        batches = [pending[i : i + BATCH] for i in range(0, len(pending), BATCH)] or [[]]
        if github_id is None:
            created = await self._create(check, batches[0])
            if created is None:
                return  # another worker created it meanwhile and goes on from there
            github_id = created
            sent |= {str(a["key"]) for a in batches[0]}
            batches = batches[1:]
        else:
            self.report.updated.append(check.key)
            await self._patch(
                check, github_id, {**check.fields(), "output": check.output(batches[0])}
            )
            sent |= {str(a["key"]) for a in batches[0]}
            self._save(check.id, sent_annotations=sorted(sent))
            batches = batches[1:]
        for batch in batches:
            await self._patch(check, github_id, {"output": check.output(batch)})
            sent |= {str(a["key"]) for a in batch}
            self._save(check.id, sent_annotations=sorted(sent))
        self.report.annotations += len(pending)
        self._save(check.id, synced_hash=check.desired_hash, synced_at=utcnow())
        log.info(
            "github.check_run_synced", key=check.key, check_run=github_id, annotations=len(pending)
        )


def _place(annotation: dict[str, Any]) -> str:
    fields = ("path", "start_line", "end_line", "annotation_level", "title")
    return "|".join(str(annotation.get(name)) for name in fields)


def _pending(factory: sessionmaker[Session], repository_id: int) -> list[_Check]:
    with factory() as session:
        rows = session.scalars(
            select(CheckRunRecord)
            .where(
                CheckRunRecord.repository_id == repository_id,
                (CheckRunRecord.synced_hash.is_(None))
                | (CheckRunRecord.synced_hash != CheckRunRecord.desired_hash),
            )
            .order_by(CheckRunRecord.id)
        ).all()
        return [_Check.of(row) for row in rows]


async def sync_check_runs(
    factory: sessionmaker[Session],
    repository_id: int,
    gh: GitHub[Any],
    pacer: WritePacer,
    *,
    late_writes: LateWrites | None = None,
) -> CheckSyncReport:
    """Sync every check run of the repository whose desired state changed.

    A create whose earlier attempt may still land waits while the others go on; then
    :class:`SettleWait` reschedules the job to look for it again.
    """
    with factory() as session:
        repository = session.get_one(Repository, repository_id)
        session.expunge(repository)
    policy = late_writes or LateWrites.from_settings(get_settings())
    sync = _CheckSync(factory, repository, gh, pacer, policy)
    first_error: GitHubPermanentError | None = None
    for check in _pending(factory, repository_id):
        try:
            await sync.sync(check)
        except GitHubPermanentError as exc:
            # Parked until its desired state changes: a refused call is not repeated on
            # every sync of the repository.
            sync._save(check.id, synced_hash=check.desired_hash)
            sync.report.failed[check.key] = str(exc)
            first_error = first_error or exc
            log.error("github.check_run_refused", key=check.key, error=str(exc))
        except SettleWait as wait:
            sync.report.settling[check.key] = wait.at
    if sync.report.settling:
        raise SettleWait(
            min(sync.report.settling.values()),
            "created before, outcome unknown: " + ", ".join(sync.report.settling),
        )
    if first_error is not None and not (sync.report.created or sync.report.updated):
        raise first_error
    return sync.report
