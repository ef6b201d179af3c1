"""A GitHub-compatible local server for tests and ``loopwatch demo``.

``create_app(SandboxConfig(...))`` builds the FastAPI app; ``run_sandbox`` serves it with uvicorn.
"""

from loopwatch_sandbox.app import create_app
from loopwatch_sandbox.config import SandboxConfig
from loopwatch_sandbox.keys import generate_rsa_keypair
from loopwatch_sandbox.state import SandboxState

__all__ = ["SandboxConfig", "SandboxState", "create_app", "generate_rsa_keypair"]
