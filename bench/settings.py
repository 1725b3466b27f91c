"""Settings for the benchmark: the app's production settings with four local differences.

- Static files are served by name (`StaticFilesStorage`): the production manifest storage needs
  `collectstatic`, and a URL lookup in the manifest is a dict lookup either way.
- Database connections persist (`CONN_MAX_AGE = None`), as in a long-running gunicorn worker, so a
  periodic reconnect does not land in a measured request.
- The test client's host, `testserver`, is allowed. Requests are made with `secure=True`, so the
  HTTPS redirect and secure cookies behave as behind the TLS proxy in production.
- The audit chain's key is fixed (not a secret: the data is generated), so that the chain built
  once verifies on every later run, whatever AUDIT_HMAC_KEY or var/ hold on the machine. The
  generator records a fingerprint of it: another key rebuilds the data.
"""

from imaging_ops import settings as _app

globals().update({name: value for name, value in vars(_app).items() if name.isupper()})

STORAGES = {
    **_app.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES = {"default": {**_app.DATABASES["default"], "CONN_MAX_AGE": None}}
ALLOWED_HOSTS = [*_app.ALLOWED_HOSTS, "testserver"]
AUDIT_HMAC_KEY = "bench-audit-chain-key-not-a-secret-20260504"
