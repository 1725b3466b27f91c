"""Imaging Ops: the shared core and the composition root."""

from imaging_ops.celery import app as celery_app

__all__ = ["celery_app"]
