# Production image: gunicorn serving Django; the same image runs the Celery worker and beat.
FROM python:3.13-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext fonts-ipaexfont-gothic \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# The same packages as every checkout and CI: the hashed lock, nothing resolved at build time.
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock \
    && DJANGO_SECRET_KEY=build-only python manage.py compilemessages -v0 --ignore=.venv \
    && DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput -v0
RUN useradd --system --uid 10001 app && chown -R app /app
USER app
EXPOSE 8000
CMD ["gunicorn", "capacity_market.wsgi:application", "--config", "deploy/gunicorn.conf.py"]
