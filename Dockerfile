# Rempart: one image for every process (serve, worker, beat, bot, scan, purge…).
#
#   docker build -t rempart .
#   docker run --rm rempart --help
#
# Nothing secret is built in: the database URL, the session secret and the bot's token come
# from the environment at run time (see compose.yaml and docs/deploy.md). Media are never
# written to disk, so the image needs no volume of its own.

FROM python:3.11-slim AS build
# A C compiler builds the index's native kernel (without one, the index falls back to a much
# slower numpy path: the import below makes the build fail instead).
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Optional extras, comma-separated: docker build --build-arg EXTRAS=heic .
ARG EXTRAS=""
RUN python -m venv /opt/rempart
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY src ./src
RUN /opt/rempart/bin/pip install ".${EXTRAS:+[$EXTRAS]}" \
 && /opt/rempart/bin/python -c "import rempart.core.index._native"

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --no-log-init \
        --home-dir /var/lib/rempart --create-home rempart
COPY --from=build /opt/rempart /opt/rempart
ENV PATH=/opt/rempart/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER rempart
WORKDIR /var/lib/rempart
# 8000: rempart serve; 8443: rempart bot --webhook … --listen 0.0.0.0:8443.
EXPOSE 8000 8443
ENTRYPOINT ["rempart"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
