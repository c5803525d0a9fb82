# DualCare production image: gunicorn web, Celery worker and Celery beat all run from it
# (see docker-compose.yml). Python 3.11 + the system libraries WeasyPrint needs for PDFs.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DUALCARE_VAR_DIR=/app/var \
    MEDIA_ROOT=/app/var/media

RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libpangocairo-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        libcairo2 libgdk-pixbuf-2.0-0 libffi8 shared-mime-info \
        fonts-dejavu-core fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 dualcare \
    && useradd --system --uid 10001 --gid dualcare --home-dir /app --shell /usr/sbin/nologin dualcare

WORKDIR /app

# Dependencies first (installing the project's empty shell, then removing it), so a code
# change does not reinstall them. The code itself runs from /app (PYTHONPATH), where
# settings find templates/ and static/ beside it.
COPY pyproject.toml README.md ./
RUN mkdir -p dualcare referrals careplans linkworkers cohorts outcomes \
    && pip install . \
    && pip uninstall -y dualcare \
    && rm -rf build *.egg-info

COPY . .
RUN mkdir -p /app/var/media /app/var/staticfiles \
    && chown -R dualcare:dualcare /app/var

USER dualcare

EXPOSE 8000

CMD ["gunicorn", "dualcare.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
