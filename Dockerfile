# syntax=docker/dockerfile:1
# The bot as a container: `docker build -t vendor-alert-bot .` (or `docker compose up -d`, see compose.yaml).
# Console mode when no token is set; Slack and/or Discord when SLACK_*/DISCORD_* variables are given.
# Volumes: /data (the SQLite database: back it up with `bot backup`) and /stories (the watched folder).

# -- build: install the bot and its runtime dependencies (no dev/bench extras) into a venv ----------
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY bot ./bot
RUN python -m venv /opt/bot && /opt/bot/bin/pip install -c constraints.txt .

# -- run: the venv only, as an unprivileged user -----------------------------------------------------
FROM python:3.11-slim
RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /home/bot --create-home bot \
    && mkdir -p /data /stories \
    && chown bot:bot /data /stories
COPY --from=build /opt/bot /opt/bot
ENV PATH=/opt/bot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    BOT_DB_PATH=/data/bot.sqlite3 \
    BOT_STORIES_DIR=/stories \
    BOT_HTTP_PORT=8080 \
    BOT_LOG_FORMAT=json
USER bot
WORKDIR /home/bot
VOLUME ["/data", "/stories"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['BOT_HTTP_PORT'] + '/healthz', timeout=4)"]
STOPSIGNAL SIGTERM
CMD ["bot", "run"]
