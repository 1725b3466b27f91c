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

Two switches, for the comparison of engines (bench/peer.py, bench/sqlite_copy.py):

- `BENCH_SQLITE_PATH`: the database is that SQLite file, with the options of the app's own
  embedded SQLite (WAL, IMMEDIATE transactions, the busy timeout), whatever DATABASE_URL says.
- `BENCH_READ_ONLY=1`: the database refuses every write (PostgreSQL's
  `default_transaction_read_only`, SQLite's `query_only`) and sessions live in the process's
  memory (the cache), so that measuring pages leaves a database exactly as it was built.
"""

import os

_sqlite_path = os.environ.get("BENCH_SQLITE_PATH")
if _sqlite_path:
    # The app's settings choose their embedded SQLite when no database URL is set.
    os.environ.pop("DATABASE_URL", None)

from imaging_ops import settings as _app  # noqa: E402 - after the environment is settled

globals().update({name: value for name, value in vars(_app).items() if name.isupper()})

STORAGES = {
    **_app.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES = {"default": {**_app.DATABASES["default"], "CONN_MAX_AGE": None}}
if _sqlite_path:
    DATABASES["default"]["NAME"] = _sqlite_path
ALLOWED_HOSTS = [*_app.ALLOWED_HOSTS, "testserver"]
AUDIT_HMAC_KEY = "bench-audit-chain-key-not-a-secret-20260504"

if os.environ.get("BENCH_READ_ONLY") == "1":
    _options = dict(DATABASES["default"].get("OPTIONS", {}))
    if "sqlite" in DATABASES["default"]["ENGINE"]:
        _options["init_command"] = _options.get("init_command", "") + " PRAGMA query_only=ON;"
    else:
        _options["options"] = "-c default_transaction_read_only=on"
    DATABASES["default"]["OPTIONS"] = _options
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
