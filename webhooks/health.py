"""``/healthz`` (the process answers) and ``/readyz`` (it can do its job)."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.adapters.settings import Settings
from bot.adapters.store.schema import ensure_schema_current
from bot.core.reports.formats import junit_cases
from webhooks.deps import get_session_factory, get_settings

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _check(ok: bool, detail: str) -> dict[str, Any]:
    return {"ok": ok, "detail": detail}


def _database_checks(factory: sessionmaker[Session]) -> dict[str, dict[str, Any]]:
    try:
        with factory() as session:
            session.execute(text("SELECT 1"))
            bind = session.get_bind()
    except Exception as exc:
        reason = f"database unreachable: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        return {
            "database": _check(False, reason),
            "schema": _check(False, "not checked: the database is unreachable"),
        }
    engine: Engine = bind if isinstance(bind, Engine) else bind.engine
    try:
        ensure_schema_current(engine)
    except Exception as exc:
        schema = _check(False, str(exc))
    else:
        schema = _check(True, "at the latest migration")
    return {"database": _check(True, "reachable"), "schema": schema}


def _private_key_problem(pem: str) -> str | None:
    """Why the App's private key cannot sign JWTs, or None when it can."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        return f"LOOPWATCH_PRIVATE_KEY is not a usable PEM private key ({exc})"
    if not isinstance(key, rsa.RSAPrivateKey):
        return "LOOPWATCH_PRIVATE_KEY is not an RSA key (GitHub Apps sign with RS256)"
    return None


def _configuration_checks(settings: Settings) -> dict[str, dict[str, Any]]:
    missing = []
    if settings.app_id is None:
        missing.append("LOOPWATCH_APP_ID")
    pem = settings.private_key_pem
    if not pem:
        missing.append("LOOPWATCH_PRIVATE_KEY or LOOPWATCH_PRIVATE_KEY_PATH")
    problem = _private_key_problem(pem) if pem else None
    if missing:
        app = _check(False, "missing " + " and ".join(missing))
    elif problem:
        app = _check(False, problem)
    else:
        app = _check(True, f"App {settings.app_id} with its RSA private key")
    secret = (
        _check(True, "configured")
        if settings.webhook_secret_value
        else _check(False, "missing LOOPWATCH_WEBHOOK_SECRET")
    )
    return {"github_app": app, "webhook_secret": secret}


def _junit_reader_check() -> dict[str, Any]:
    """Which JUnit case reader this build has: informational, never makes the app unready
    (the pure-Python reader gives the same results, ~2x slower on big reports)."""
    if junit_cases.WHY_PYTHON is None:
        return _check(True, "compiled")
    return _check(True, f"pure Python, slower on big reports ({junit_cases.WHY_PYTHON})")


@router.get("/readyz")
async def readyz(
    settings: Settings = Depends(get_settings),
    factory: sessionmaker[Session] = Depends(get_session_factory),
) -> JSONResponse:
    checks = await run_in_threadpool(_database_checks, factory)
    checks |= _configuration_checks(settings)
    checks["junit_reader"] = _junit_reader_check()
    failing = [name for name, check in checks.items() if not check["ok"]]
    if failing:
        body = {"status": "not ready", "failing": failing, "checks": checks}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ready", "checks": checks})
