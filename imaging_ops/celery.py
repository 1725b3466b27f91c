"""The Celery application: JSON only, tasks take ids, the beat schedule comes from settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imaging_ops.settings")

app = Celery("imaging_ops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
