"""Dashboard figures that are costly to count and change only when their inputs are written,
kept in the shared cache (Redis when configured) for a few minutes.

A cached figure's key holds a generation that every save of one of its inputs moves on: a
training record or its version, a requirement, a course, a person's account or their site
membership (`INPUTS`, wired in `apps.ready` through `post_save`; regulated rows are never
deleted or bulk-updated outside the audited helpers, which save through the same models). So a
figure read from the cache is the one the database would give, unless a write happened in
another process while this process's cache is local memory (development without Redis); the
time-to-live bounds that case. The key holds the day too, since qualifications expire by date.
"""

import hashlib

from django.core.cache import cache

TTL_SECONDS = 300
GENERATION_KEY = "figures:training:generation"

# The models whose rows a training figure is counted from: (app label, model name).
INPUTS = (
    ("training", "TrainingRecord"),
    ("training", "TrainingRecordVersion"),
    ("training", "Requirement"),
    ("training", "Course"),
    ("imaging_ops", "User"),
    ("imaging_ops", "SiteMembership"),
)


def generation() -> int:
    found = cache.get(GENERATION_KEY)
    if found is None:
        cache.add(GENERATION_KEY, 0, timeout=None)
        found = cache.get(GENERATION_KEY, 0)
    return found


# Saves that change nothing a figure counts: a sign-in stamps the account's last sign-in.
IGNORED_UPDATES = frozenset({"last_login"})


def inputs_changed(*, update_fields=None, **kwargs) -> None:
    """A training figure's input was saved: every cached figure is counted afresh."""
    if update_fields and set(update_fields) <= IGNORED_UPDATES:
        return
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): nothing cached under it can be read
        cache.add(GENERATION_KEY, 1, timeout=None)


def cached_figure(name: str, parts: tuple, compute):
    """`compute()`, or its value cached under `name` and `parts` at this generation."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"figures:{name}:{generation()}:{digest}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, TTL_SECONDS)
    return found
