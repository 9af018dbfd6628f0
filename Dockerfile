# The app, one Streamlit process per container. For a class, run several containers behind a
# proxy with sticky sessions: README, "Serving a class".
#   docker build -t inside-nn . && docker run --rm -p 8501:8501 inside-nn
# Another port: -e STREAMLIT_SERVER_PORT=9000 (Streamlit and the health check both read it).
FROM python:3.11-slim-bookworm

# MALLOC_ARENA_MAX: as `make run`; fewer malloc arenas, less memory kept after sessions end.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MALLOC_ARENA_MAX=2 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CLASS_DATA_DIR=/home/app/data

WORKDIR /app

# torch from PyTorch's CPU index: the same version on PyPI is the CUDA build with gigabytes of
# nvidia-* wheels. 2.13.0+cpu sorts above 2.13.0, so pip takes it; the import proves it did.
COPY requirements.txt .
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt \
    && python -c "import torch; assert torch.version.cuda is None, torch.version.cuda"

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin app
# Owned by root, read-only for the app's user: the app writes only class answers, to
# CLASS_DATA_DIR in its home (mount a volume there to keep them; or set DATABASE_URL).
COPY . .
# plotly.js into static/, which the app user cannot write to (serving/static_files.py).
RUN python -c "from serving.static_files import ensure_static_files; ensure_static_files()"
USER app

EXPOSE 8501
# tests/test_deploy.py runs this exact command against a live server.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["python", "deploy/healthcheck.py"]
CMD ["streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
