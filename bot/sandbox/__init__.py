"""A GitHub-compatible local server for tests and ``loopwatch demo``.

``create_app(SandboxConfig(...))`` builds the FastAPI app; ``run_sandbox`` serves it with uvicorn.
"""

from bot.sandbox.app import create_app
from bot.sandbox.config import SandboxConfig
from bot.sandbox.keys import generate_rsa_keypair
from bot.sandbox.state import SandboxState

__all__ = ["SandboxConfig", "SandboxState", "create_app", "generate_rsa_keypair"]
