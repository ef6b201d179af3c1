"""githubkit clients for the App (JWT) and its installations, configured for the worker.

What differs from githubkit's defaults, and why:

* an explicit HTTP timeout (githubkit has none);
* githubkit's auto-retry never sleeps on a rate limit (it would sleep up to 60 s inside
  the call while the job holds the repository lock): a rate limit raises, and the job is
  rescheduled at the reset time (see ``errors.py``). Only reads (GET/HEAD) are retried
  in place, briefly, on a 5xx or timeout; a write is never re-sent blindly, since a
  create whose answer was lost must be looked for before it is sent again;
* no HTTP response cache (the sync compares what GitHub has now, not a cached copy);
* one token cache per :class:`GitHubClients`: githubkit caches installation tokens
  itself until one minute before they expire, keyed by app and installation (not by
  URL), so two sandboxes in one test process must not share it;
* ``rest_api_validate_body`` stays on: a malformed body is refused before it leaves.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

import httpx
from githubkit import AppAuthStrategy, AppInstallationAuthStrategy, GitHub
from githubkit.cache import MemCacheStrategy
from githubkit.exception import GitHubException, RequestFailed, RequestTimeout
from githubkit.retry import RetryOption

from bot.adapters.github.errors import GitHubPermanentError, github_errors
from bot.adapters.settings import Settings

USER_AGENT = "loopwatch (+https://github.com/apps/loopwatch)"
_SAFE_METHODS = frozenset({"GET", "HEAD"})
A = TypeVar("A", AppAuthStrategy, AppInstallationAuthStrategy)


class RetrySafeReads:
    """githubkit retry decision: retry reads on 5xx/timeouts a few times, nothing else."""

    def __init__(self, max_retry: int = 2, base_delay_s: float = 0.5) -> None:
        self.max_retry = max_retry
        self.base_delay_s = base_delay_s

    def __call__(self, exc: GitHubException, retry_count: int) -> RetryOption:
        if retry_count >= self.max_retry:
            return RetryOption(False)
        if isinstance(exc, RequestFailed):
            retry = exc.request.method in _SAFE_METHODS and exc.response.status_code >= 500
        elif isinstance(exc, RequestTimeout):
            retry = exc.request.method in _SAFE_METHODS
        else:
            retry = False
        if not retry:
            return RetryOption(False)
        # githubkit sleeps 60 s on a falsy delay (timedelta(0)), so never hand it zero.
        delay = max(self.base_delay_s * 2**retry_count, 0.001)
        return RetryOption(True, timedelta(seconds=delay))


class GitHubClients:
    """Builds and keeps the App client and one client per installation."""

    def __init__(
        self,
        settings: Settings,
        *,
        async_transport: httpx.AsyncBaseTransport | None = None,
        read_retries: int = 2,
        read_retry_delay_s: float = 0.5,
    ) -> None:
        if settings.app_id is None or not settings.private_key_pem:
            raise GitHubPermanentError(
                "GitHub App credentials are not configured: set LOOPWATCH_APP_ID and "
                "LOOPWATCH_PRIVATE_KEY (or LOOPWATCH_PRIVATE_KEY_PATH)"
            )
        self._app_auth = AppAuthStrategy(settings.app_id, settings.private_key_pem)
        self._base_url = settings.github_api_url
        self._timeout = httpx.Timeout(settings.github_timeout_s)
        self._transport = async_transport
        self._retry = RetrySafeReads(read_retries, read_retry_delay_s)
        self._token_cache = MemCacheStrategy()
        self._app: GitHub[AppAuthStrategy] | None = None
        self._installations: dict[int, GitHub[AppInstallationAuthStrategy]] = {}

    def _build(self, auth: A, *, follow_redirects: bool = True) -> GitHub[A]:
        return GitHub(
            auth,
            follow_redirects=follow_redirects,
            base_url=self._base_url,
            timeout=self._timeout,
            user_agent=USER_AGENT,
            async_transport=self._transport,
            auto_retry=self._retry,
            http_cache=False,
            cache_strategy=self._token_cache,
            rest_api_validate_body=True,
        )

    def app(self) -> GitHub[AppAuthStrategy]:
        """The client authenticated as the App itself (JWT): installations, app info."""
        if self._app is None:
            self._app = self._build(self._app_auth)
        return self._app

    def installation(self, installation_id: int) -> GitHub[AppInstallationAuthStrategy]:
        """The client acting as one installation (token fetched and cached by githubkit)."""
        client = self._installations.get(installation_id)
        if client is None:
            auth = self._app_auth.as_installation(installation_id)
            client = self._build(auth)
            self._installations[installation_id] = client
        return client

    def installation_without_redirects(
        self, installation_id: int
    ) -> GitHub[AppInstallationAuthStrategy]:
        """An installation client that returns a redirect instead of following it: an
        artifact download answers with a storage URL that must be fetched without the
        installation token (httpx would keep the header on a same-host redirect)."""
        auth = self._app_auth.as_installation(installation_id)
        return self._build(auth, follow_redirects=False)  # tokens come from the shared cache


def split_full_name(full_name: str) -> tuple[str, str]:
    owner, sep, repo = full_name.partition("/")
    if not sep or not owner or not repo or "/" in repo:
        raise ValueError(f"not an owner/name repository: {full_name!r}")
    return owner, repo


async def installation_id_for_repo(app_client: GitHub[AppAuthStrategy], full_name: str) -> int:
    """The id of the App's installation on ``owner/name`` (404 → permanent error)."""
    owner, repo = split_full_name(full_name)
    with github_errors("installation_for_repo", repository=full_name):
        response = await app_client.rest.apps.async_get_repo_installation(owner, repo)
    return response.parsed_data.id
