# The studio's image: web (gunicorn), worker and beat all run from it.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    STUDIO_VAR_DIR=/app/var
# DejaVu fonts for the offline renderer's title cards.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install .
COPY . .
RUN DEBUG=1 python manage.py collectstatic --no-input \
    && useradd --uid 1000 --create-home studio && mkdir -p /app/var/media && chown -R studio /app/var
USER studio

EXPOSE 8000
CMD ["gunicorn", "studio.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-"]
