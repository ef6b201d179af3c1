# One image, either role:
#   docker run IMAGE serve        # web: webhooks + upload API
#   docker run IMAGE worker       # worker: parses runs, syncs GitHub
#   docker run IMAGE migrate      # apply database migrations (run once per release)
FROM python:3.11-slim AS build
WORKDIR /src
# gcc builds the compiled JUnit case reader (setup.py); the runtime image needs no compiler.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir --upgrade pip build
COPY pyproject.toml setup.py README.md alembic.ini ./
# Not sandbox/: the GitHub sandbox and the demo are a separate, test-only distribution.
COPY bot ./bot
COPY webhooks ./webhooks
RUN python -m build --wheel --outdir /wheels

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LOOPWATCH_LOG_FORMAT=json
RUN useradd --create-home --uid 10001 loopwatch
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER loopwatch
WORKDIR /home/loopwatch
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
ENTRYPOINT ["loopwatch"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
