"""What every step builds with: the build context, the step a module contributes, a helper."""

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection


@dataclass
class Build:
    """What one group leaves for the next: ids, and the people and rooms of each site."""

    rng: random.Random
    sizes: dict
    now: datetime
    cursor: object
    counts: dict = field(default_factory=dict)  # rows per table
    models: list = field(default_factory=list)  # the models written, for their id sequences
    sites: list = field(default_factory=list)  # dicts: id, code, tier, weight, people_weight
    users: list = field(default_factory=list)  # dicts: id, username
    members: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    rooms: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    equipment: list = field(default_factory=list)  # dicts: id, site_id, status, created, ...
    status_changes: list = field(default_factory=list)  # the rows, as written
    written: list = field(default_factory=list)  # (model, fields, rows) of each COPY, in order
    # Audit events a step makes itself (rows it does not leave in `written`), in the shape of
    # `audit_creations.creations`; the audit chain merges them with the others by time.
    events: list = field(default_factory=list)
    # What the maintenance step made (sites, its state, procedures), for steps that add to it.
    maintenance: dict = field(default_factory=dict)
    log: Callable = print

    def copy(self, model, fields: list[str], rows) -> int:
        """COPY rows (tuples in the order of `fields`) into the model's table; the row count.

        Values go through each field's own conversion, as `save()` would send them; a concrete
        field missing from `fields` gets its model default (or now, for auto_now fields), so a
        column a later migration adds does not break an older group.
        """
        meta = model._meta
        given = [meta.get_field(name) for name in fields]
        given_columns = {f.column for f in given}
        extra = [
            f
            for f in meta.concrete_fields
            if f.column not in given_columns and not f.primary_key and not f.null
        ]
        extra_values = [self._default(f) for f in extra]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in [*given, *extra])
        statement = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
        count = 0
        with self.cursor.cursor.copy(statement) as copy:
            for row in rows:
                values = [
                    f.get_db_prep_save(v, connection) for f, v in zip(given, row, strict=True)
                ]
                copy.write_row([*values, *extra_values])
                count += 1
        self.counts[meta.db_table] = self.counts.get(meta.db_table, 0) + count
        if isinstance(rows, list):
            self.written.append((model, fields, rows))
        if model not in self.models:
            self.models.append(model)
        return count

    def _default(self, model_field):
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            value = self.now
        else:
            value = model_field.get_default()
        return model_field.get_db_prep_save(value, connection)

    def when(self, days_ago_low: float, days_ago_high: float) -> datetime:
        """A moment between two ages, in days before the build."""
        return self.now - timedelta(days=self.rng.uniform(days_ago_low, days_ago_high))


@dataclass(frozen=True)
class Step:
    """One group of tables, as a module of this package contributes it to `builder.STEPS`.

    `build` appends the group's rows with `ctx.copy(...)` and leaves on `ctx` what later steps
    read. `sizes` are the group's totals at full scale (`--scale` multiplies them); `unscaled`
    names those of them that stay as they are at any scale (ratios such as rooms per site, and
    counts the data's shape needs whole). `invariants` are rules the services enforce, as SQL
    queries that must count zero rows; `checks` are functions of the finished build that return
    the problems they find (an empty list when there are none). Both run after every step has
    built, in the order of the steps.
    """

    name: str
    build: Callable[[Build], None]
    sizes: dict[str, int] = field(default_factory=dict)
    unscaled: frozenset[str] = frozenset()
    invariants: dict[str, str] = field(default_factory=dict)
    checks: tuple[Callable[[Build], list[str]], ...] = ()


def split(total: int, weights: list[float]) -> list[int]:
    """`total` spread over `weights` in whole numbers that add up exactly (largest remainder)."""
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    whole = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: shares[i] - whole[i], reverse=True)
    for i in by_remainder[: total - sum(whole)]:
        whole[i] += 1
    return whole
