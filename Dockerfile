# Griffier in a container: the HTTP API (default command) or the web app (`griffier ui`),
# with the home (index, accounts, audit log, history) on the volume /data.
# Built with the project's own installer, so the image has what `bash scripts/run.sh` installs.
#   docker compose up -d          (see docker-compose.yml and the README)
FROM python:3.11-slim-bookworm

# Compilers for llama-cpp-python (built once, 5-10 minutes); curl-free health checks use Python.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake git \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
# CPU build of torch (several GB smaller than the CUDA one).
ENV GRIFFIER_TORCH_INDEX=https://download.pytorch.org/whl/cpu \
    PIP_NO_CACHE_DIR=1
RUN bash scripts/install.sh \
 && useradd --create-home --uid 1000 griffier \
 && mkdir -p /data && chown griffier:griffier /data

ENV PATH=/app/.venv/bin:$PATH \
    GRIFFIER_HOME=/data \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    PYTHONUNBUFFERED=1
USER griffier
VOLUME ["/data"]
EXPOSE 8000 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"

ENTRYPOINT ["bash", "/app/scripts/docker-entrypoint.sh"]
# Listening beyond loopback needs an account: set GRIFFIER_ADMIN_USER and GRIFFIER_ADMIN_PASSWORD
# on the first start (the entrypoint creates that admin), or run `griffier users add` first.
CMD ["griffier", "serve", "--host", "0.0.0.0", "--port", "8000"]
