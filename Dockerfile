# Imaging Ops production image: gunicorn serves the app, whitenoise the static files.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VAR_DIR=/app/var

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# Static files are collected into the image; the key below exists only for this build step.
RUN SECRET_KEY=collectstatic-only DEBUG=false python manage.py collectstatic --no-input \
    && useradd --system --uid 1000 --home /app imagingops \
    && mkdir -p /app/var/media /app/var/beat \
    && chown -R imagingops /app/var

USER imagingops
EXPOSE 8000
CMD ["gunicorn", "imaging_ops.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
