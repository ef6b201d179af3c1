"""The ``loopwatch`` command line: serve, worker, migrate, tokens, upload, parse, jobs.

``demo`` and ``sandbox`` come from the separate ``loopwatch-sandbox`` distribution through the
``loopwatch.cli_plugins`` entry points; without it they are stubs that say how to get it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from collections.abc import Callable, Iterable
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.adapters.logs import configure_logging
from bot.adapters.settings import Settings, get_settings

if TYPE_CHECKING:  # imported lazily at run time: each command loads only what it needs
    from bot.adapters.queue.worker import Worker

app = typer.Typer(
    help="Loopwatch: turns CI test runs into GitHub issues people can act on.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
token_app = typer.Typer(help="Per-repository upload tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")


def _settings() -> Settings:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    return settings


def _require_current_schema(settings: Settings) -> None:
    from bot.adapters.store.db import make_engine
    from bot.adapters.store.schema import SchemaOutOfDate, ensure_schema_current

    engine = make_engine(settings.sqlalchemy_url)
    try:
        ensure_schema_current(engine)
    except SchemaOutOfDate as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(3) from exc
    finally:
        engine.dispose()


@app.command()
def migrate() -> None:
    """Apply the database migrations (Alembic) to LOOPWATCH_DATABASE_URL."""
    from bot.adapters.store.schema import upgrade_to_head

    settings = _settings()
    upgrade_to_head(settings.sqlalchemy_url)
    typer.echo(f"database is at the current schema ({_redact(settings.database_url)})")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    with_worker: Annotated[
        bool, typer.Option("--with-worker", help="Also run a worker in this process.")
    ] = False,
) -> None:
    """Run the web side: GitHub webhooks, the upload API and health checks."""
    import uvicorn

    from bot.service import build_worker
    from webhooks.app import create_app

    settings = _settings()
    _require_current_schema(settings)
    stop_worker: threading.Event | None = None
    worker_thread: threading.Thread | None = None
    if with_worker:
        stop_worker = threading.Event()
        worker = build_worker(settings)
        worker_thread = threading.Thread(
            target=_run_worker_in_thread, args=(worker, stop_worker), daemon=True
        )
        worker_thread.start()
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_config=None)
    finally:
        if stop_worker is not None and worker_thread is not None:
            stop_worker.set()
            worker_thread.join(timeout=30)


def _run_worker_in_thread(worker: Worker, stop: threading.Event) -> None:
    async def main() -> None:
        event = asyncio.Event()
        loop = asyncio.get_running_loop()
        threading.Thread(
            target=lambda: (stop.wait(), loop.call_soon_threadsafe(event.set)), daemon=True
        ).start()
        await worker.run(event)

    asyncio.run(main())


@app.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Process the ready jobs, then exit.")
    ] = False,
) -> None:
    """Run a worker: parse runs, keep issues current, talk to GitHub."""
    from bot.service import build_worker

    settings = _settings()
    _require_current_schema(settings)
    the_worker = build_worker(settings)
    if once:
        done = asyncio.run(the_worker.run_until_idle())
        typer.echo(f"processed {done} job(s)")
        return
    asyncio.run(_run_until_signal(the_worker))


async def _run_until_signal(the_worker: Worker) -> None:
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await the_worker.run(stop)


@app.command()
def jobs(
    status: Annotated[
        str | None, typer.Option(help="Only jobs in this state: queued, running, done, dead.")
    ] = None,
    retry: Annotated[int | None, typer.Option(help="Put this dead job back in the queue.")] = None,
    limit: Annotated[int, typer.Option(help="How many jobs to list.")] = 50,
) -> None:
    """List the durable jobs (dead ones are parked here after their last attempt)."""
    from bot.adapters.queue import format_jobs, list_jobs, queue_stats, retry_dead
    from bot.adapters.queue.configured import retry_policy
    from bot.adapters.queue.housekeeping import housekeeping_schedule
    from bot.adapters.queue.periodic import format_schedule, schedule_status
    from bot.adapters.store.db import make_engine, make_session_factory, transaction

    settings = _settings()
    _require_current_schema(settings)
    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    with transaction(factory) as session:
        if retry is not None:
            if not retry_dead(session, retry):
                typer.echo(f"job {retry} is not dead (or does not exist)", err=True)
                raise typer.Exit(1)
            typer.echo(f"job {retry} queued again")
            return
        stats = queue_stats(session)
        typer.echo("  ".join(f"{k}: {v}" for k, v in sorted(stats.items())) or "no jobs")
        typer.echo(format_schedule(schedule_status(session, housekeeping_schedule())))
        jobs_listed = list_jobs(session, status=status, limit=limit)
        typer.echo(format_jobs(jobs_listed, retry_policy(settings)))


@token_app.command("create")
def token_create(
    repo: Annotated[str, typer.Option(help="Repository owner/name the token may upload to.")],
    description: Annotated[str | None, typer.Option(help="What the token is for.")] = None,
) -> None:
    """Create an upload token (shown once; stored hashed)."""
    from bot.adapters.store.db import make_engine, make_session_factory, transaction
    from bot.adapters.tokens import InvalidRepositoryName, create_upload_token

    settings = _settings()
    _require_current_schema(settings)
    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    try:
        with transaction(factory) as session:
            token = create_upload_token(session, repo, description)
    except InvalidRepositoryName as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(token)
    typer.echo(
        f"Upload token for {repo.lower()}. It is shown once; store it as a CI secret "
        "(e.g. LOOPWATCH_TOKEN).",
        err=True,
    )


@token_app.command("list")
def token_list(
    repo: Annotated[str | None, typer.Option(help="Only this repository.")] = None,
) -> None:
    """List upload tokens (prefix, repository, created, revoked)."""
    from bot.adapters.store.db import make_engine, make_session_factory, transaction
    from bot.adapters.tokens import list_upload_tokens

    settings = _settings()
    _require_current_schema(settings)
    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    with transaction(factory) as session:
        for line in list_upload_tokens(session, repo):
            typer.echo(line)


@token_app.command("revoke")
def token_revoke(
    prefix: Annotated[
        str, typer.Argument(help="The token's id or prefix as `token list` shows it.")
    ],
) -> None:
    """Revoke an upload token."""
    from bot.adapters.store.db import make_engine, make_session_factory, transaction
    from bot.adapters.tokens import AmbiguousTokenPrefix, revoke_upload_token

    settings = _settings()
    _require_current_schema(settings)
    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    try:
        with transaction(factory) as session:
            info = revoke_upload_token(session, prefix)
    except AmbiguousTokenPrefix as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if info is None:
        typer.echo(f"error: no token with id or prefix {prefix}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked: {info}")


@app.command()
def parse(
    files: Annotated[list[Path], typer.Argument(help="Report files to parse.")],
    format: Annotated[
        str | None, typer.Option("--format", help="Skip detection and parse as this format.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Parse test reports and print a summary (exit 2 when a file cannot be parsed)."""
    from bot.cli.parse import run_parse

    raise typer.Exit(run_parse(files, format, as_json, sys.stdout))


@app.command()
def upload(
    files: Annotated[list[Path], typer.Argument(help="Report files to upload.")],
    url: Annotated[str, typer.Option(envvar="LOOPWATCH_URL", help="Loopwatch server URL.")],
    token: Annotated[
        str | None,
        typer.Option(
            envvar="LOOPWATCH_TOKEN",
            help="Upload token (default in GitHub Actions: the job's OIDC token).",
        ),
    ] = None,
    audience: Annotated[
        str,
        typer.Option(envvar="LOOPWATCH_AUDIENCE", help="Audience of the OIDC token."),
    ] = "loopwatch",
    repo: Annotated[
        str | None, typer.Option(help="owner/name (default: $GITHUB_REPOSITORY).")
    ] = None,
    campaign: Annotated[str | None, typer.Option(help="Campaign name.")] = None,
    commit: Annotated[str | None, typer.Option(help="Commit sha (default: $GITHUB_SHA).")] = None,
    branch: Annotated[str | None, typer.Option(help="Branch (default: $GITHUB_REF_NAME).")] = None,
    metadata: Annotated[
        Path | None, typer.Option(help="JSON file with more run metadata (analysis, env…).")
    ] = None,
    idempotency_key: Annotated[
        str | None, typer.Option(help="Makes a retried upload return the first run.")
    ] = None,
    progress: Annotated[
        bool, typer.Option(help="Show progress: a bar in a terminal, plain lines in CI logs.")
    ] = True,
) -> None:
    """Upload test reports of one run to a Loopwatch server."""
    from bot.cli.upload import UploadError, metadata_from_environment, upload_credential
    from bot.cli.upload import upload as do_upload

    meta: dict[str, object] = dict(metadata_from_environment())
    if metadata is not None:
        meta.update(json.loads(metadata.read_text()))
    for key, value in (
        ("repository", repo),
        ("campaign", campaign),
        ("commit_sha", commit),
        ("branch", branch),
    ):
        if value is not None:
            meta[key] = value
    try:
        credential = upload_credential(token, audience)
        result = do_upload(
            url, credential, files, meta, idempotency_key=idempotency_key, progress=progress
        )
    except UploadError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(json.dumps(result, indent=2))


@app.command("commands")
def list_commands(
    prefix: Annotated[str, typer.Option(help="Show them with this prefix (`lw`: /lw mute).")] = "",
    update: Annotated[
        Path | None,
        typer.Option(help="Write them between the commands markers of this Markdown file."),
    ] = None,
) -> None:
    """Print the slash commands as Markdown (the table in docs/commands.md)."""
    from bot.handlers.commands import REGISTRY
    from bot.handlers.commands.help_text import full_help

    text = full_help([(c, c.level) for c in REGISTRY], prefix)
    if update is None:
        typer.echo(text)
        return
    begin, end = "<!-- commands:begin -->", "<!-- commands:end -->"
    page = update.read_text(encoding="utf-8")
    if begin not in page or end not in page:
        raise typer.BadParameter(f"{update} has no {begin} … {end} markers", param_hint="--update")
    head, rest = page.split(begin, 1)
    tail = rest.split(end, 1)[1]
    update.write_text(f"{head}{begin}\n{text}\n{end}{tail}", encoding="utf-8")
    typer.echo(f"updated {update}")


PLUGIN_GROUP = "loopwatch.cli_plugins"
# Commands another distribution provides: name -> what it is (the stub's help).
PLUGIN_COMMANDS = {
    "demo": "A complete scenario against the built-in GitHub sandbox, on SQLite.",
    "sandbox": "Run the GitHub-compatible sandbox server on its own.",
}
SANDBOX_MISSING = (
    "error: `loopwatch {name}` needs the loopwatch-sandbox package, which is not installed: "
    "from a checkout run `make demo` or `pip install -e ./sandbox`."
)


def add_plugin_commands(cli: typer.Typer, plugins: Iterable[EntryPoint]) -> None:
    """Add each plugin's command (an entry point naming a function) and a stub for the
    expected ones nobody provides, so that ``--help`` always lists them."""
    provided: set[str] = set()
    for plugin in plugins:
        cli.command(plugin.name)(plugin.load())
        provided.add(plugin.name)
    for name, help_text in PLUGIN_COMMANDS.items():
        if name not in provided:
            cli.command(
                name,
                help=f"{help_text} (Needs loopwatch-sandbox: `make demo` installs it.)",
                context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
                add_help_option=False,
            )(_missing_plugin(name))


def _missing_plugin(name: str) -> Callable[[], None]:
    def stub() -> None:
        typer.echo(SANDBOX_MISSING.format(name=name), err=True)
        raise typer.Exit(2)

    return stub


def main() -> None:
    add_plugin_commands(app, entry_points(group=PLUGIN_GROUP))
    app()
