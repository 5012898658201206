# The production image: web (gunicorn), Celery worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings

WORKDIR /app
RUN useradd --system --create-home --home-dir /home/onepane --uid 10001 onepane

# Dependencies first (psycopg2-binary and Pillow ship wheels: no compiler needed), so a code change
# does not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY . .
# Static files are collected into the image (whitenoise serves them, compressed and fingerprinted).
# The key here only lets settings load for this build step; the running app needs its own SECRET_KEY.
RUN DJANGO_ENV=production SECRET_KEY=collectstatic-only-not-used-at-runtime-0123456789abcdefghijklmnop \
    python manage.py collectstatic --noinput --verbosity 0 \
 && mkdir -p /app/media \
 && chown onepane /app/media

USER onepane
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "60"]
