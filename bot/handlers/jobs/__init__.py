"""The worker's jobs other than webhooks, one module per kind (``bot.adapters.queue.kinds``).

Importing this package registers their handlers (``bot.handlers.registry``).
"""

from bot.handlers.jobs import (  # noqa: F401  (registration)
    five_whys_draft,
    ingest_artifacts,
    process_run,
    render_campaign,
    sync,
    unmute,
)
