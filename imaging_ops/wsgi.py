import os

from django.core.wsgi import get_wsgi_application

from imaging_ops.runtime import settle_garbage_collection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imaging_ops.settings")
application = get_wsgi_application()
# Each gunicorn worker loads the app once and then serves requests for hours.
settle_garbage_collection()
