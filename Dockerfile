# The Twin Towns Bot in a container: slim Python, a non-root user, the database on a volume.
#   docker build -t twinbot .
#   docker run -d --name twinbot --restart=always -v twinbot-data:/data \
#     -e TWINBOT_TOKEN=... -e TWINBOT_WEBHOOK_SECRET=... -p 127.0.0.1:8443:8443 \
#     -v /etc/twinbot/config.toml:/etc/twinbot/config.toml:ro twinbot
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system twinbot \
    && useradd --system --gid twinbot --home-dir /data --shell /usr/sbin/nologin twinbot \
    && mkdir -p /data /etc/twinbot \
    && chown twinbot:twinbot /data

# a CJK TrueType font, embedded in the annual report's PDF for names in Chinese (bot/exports/annual_pdf.py)
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-droid-fallback \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/twinbot
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN pip install .

# a default configuration: the database and the backups on the volume, health on port 8081; mount your
# own /etc/twinbot/config.toml (with [webhook] or [http] enabled on 0.0.0.0) to change it
RUN printf '%s\n' \
    '[storage]' 'database = "/data/twinbot.sqlite3"' \
    '[backup]' 'directory = "/data/backups"' \
    '[http]' 'enabled = true' 'listen = "0.0.0.0"' 'port = 8081' \
    > /etc/twinbot/config.toml

USER twinbot
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8081 8443
STOPSIGNAL SIGTERM

# /healthz answers on the port of [http] (polling) or [webhook]: HEALTH_PORT says which
ENV HEALTH_PORT=8081
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"HEALTH_PORT\"]}/healthz', timeout=4)"

ENTRYPOINT ["twinbot"]
CMD ["run", "--config", "/etc/twinbot/config.toml", "--log-format", "json"]
