# syntax=docker/dockerfile:1
# One image for every app service of docker-compose.yml: web (the default
# CMD), migrate, worker and beat differ only in their command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN useradd --system --user-group --uid 10001 --home-dir /app --no-create-home exoinventory

WORKDIR /app
COPY . .

# Editable, as make run installs it: settings find templates/, static/ and
# manage.py beside the package (BASE_DIR is /app). The cache mount keeps
# downloaded wheels between builds without putting them in the image.
RUN --mount=type=cache,target=/root/.cache/pip pip install -e .

# Static files are collected once, here, and served by WhiteNoise. Settings
# refuse to load without a secret key: this throwaway one is set for this
# command only and is not kept in the image.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput

# var/ is the local state folder (SQLite, sync locks) for a plain `docker
# run`; compose keeps its data in PostgreSQL.
RUN mkdir -p var && chown exoinventory:exoinventory var

USER exoinventory
EXPOSE 8000
CMD ["gunicorn", "exoinventory.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
