"""``loopwatch sandbox`` and ``loopwatch demo``: commands this distribution adds to the
``loopwatch`` CLI through the ``loopwatch.cli_plugins`` entry points (sandbox/pyproject.toml)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.adapters.logs import configure_logging
from bot.adapters.settings import get_settings


def sandbox(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 9000,
    app_id: Annotated[int, typer.Option(help="The App id the sandbox accepts.")] = 1,
    public_key_path: Annotated[
        Path | None, typer.Option(help="The App's public key (PEM); a new pair if omitted.")
    ] = None,
    webhook_url: Annotated[str | None, typer.Option(help="Where to send webhooks.")] = None,
    webhook_secret: Annotated[str | None, typer.Option(help="Webhook HMAC secret.")] = None,
    public_url: Annotated[
        str | None, typer.Option(help="URL people reach it at (default: where it listens).")
    ] = None,
) -> None:
    """Run the GitHub-compatible sandbox server on its own."""
    from loopwatch_sandbox.app import SandboxConfig
    from loopwatch_sandbox.keys import generate_rsa_keypair
    from loopwatch_sandbox.server import run_sandbox

    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    if public_key_path is None:
        private_pem, public_pem = generate_rsa_keypair()
        key_file = Path("sandbox-app-key.pem")
        key_file.write_text(private_pem)
        typer.echo(f"App private key written to {key_file} (LOOPWATCH_PRIVATE_KEY_PATH)")
    else:
        public_pem = public_key_path.read_text()
    config = SandboxConfig(
        app_id=app_id,
        app_public_key_pem=public_pem,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
    )
    if public_url:
        config.base_url = public_url
    run_sandbox(host, port, config)


def demo(
    dump_state: Annotated[
        Path | None, typer.Option(help="Write the sandbox's whole state as JSON here.")
    ] = None,
    keep_serving: Annotated[
        bool, typer.Option("--keep-serving", help="Keep the sandbox up to browse the issues.")
    ] = False,
    out: Annotated[Path, typer.Option(help="Where to save the HTML pages.")] = Path("demo-out"),
) -> None:
    """A complete scenario against the built-in GitHub sandbox, on SQLite."""
    from loopwatch_sandbox.demo.scenario import run_demo

    configure_logging("console", "WARNING")
    raise typer.Exit(run_demo(dump_state=dump_state, keep_serving=keep_serving, out=out))
