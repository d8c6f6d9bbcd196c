# The auditor as a container image: `docker run --rm IMAGE scan-code . --fail-on high` (docs/release.md).
# Slim Python 3.11 on Debian 13; pin the digest in your own registry's copy (docs/release.md, "Container image").
FROM python:3.11-slim-trixie

# git: scan-code lists a tree's files with git and `--since` reads its history. Nothing else is added.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Only what the wheel is built from (.dockerignore refuses everything else: tests, .git, reports, inventories).
WORKDIR /tmp/auditor-src
COPY pyproject.toml README.md LICENSE ./
COPY auditor ./auditor
COPY rules ./rules
COPY reports ./reports
# EXTRAS="[demo]" adds moto, for `auditor demo` in the image.
ARG EXTRAS=""
RUN pip install --no-compile ".${EXTRAS}" \
    && rm -rf /tmp/auditor-src

# A fixed, non-root user (numeric, so an orchestrator's runAsNonRoot can verify it). The tree to scan is
# mounted at /work; git refuses a repository another user owns unless it is named safe.
RUN useradd --create-home --uid 10001 --user-group auditor \
    && git config --system safe.directory /work
USER 10001:10001
WORKDIR /work

ENTRYPOINT ["auditor"]
CMD ["--help"]
