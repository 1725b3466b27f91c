"""Related rows loaded for a page of records, one query per relation, and kept where Django's
own prefetching keeps them, so `instance.<relation>.all()` answers them without a query.

Django's `prefetch_related` builds a filtered queryset for every instance and relation (the
filter is thrown away: the rows are already there); on a page of 50 records with their
versions, measurements and signatures that costs more than the queries themselves. These
helpers store the same result caches without building the filters.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db.models import Model, QuerySet
from django.db.models.sql import Query


def keep_prefetched(
    instances: Iterable[Model],
    name: str,
    model: type[Model],
    rows: Iterable,
    *,
    owner: Callable[[object], object],
    item: Callable[[object], Model] = lambda row: row,
    back: str | None = None,
) -> None:
    """Stores, for each of `instances`, the rows whose `owner(row)` is its primary key as its
    prefetched `name` (a reverse foreign key, many-to-many or generic relation of rows of
    `model`), each given by `item(row)`, in the order of `rows`. `back` names the foreign key
    on the rows that points at the instance, whose cache is set as Django's prefetch sets it."""
    grouped = defaultdict(list)
    for row in rows:
        grouped[owner(row)].append(item(row))
    # One query object for all of them: each cache is evaluated already, and a queryset made
    # from one (a filter on it) works on a copy. Building one per instance cost more than the
    # rest of the page's Python.
    query = Query(model)
    for instance in instances:
        found = grouped.get(instance.pk, [])
        if back is not None:
            for related in found:
                related._state.fields_cache[back] = instance
        cached = QuerySet(model=model, query=query)
        cached._result_cache = found
        cached._prefetch_done = True
        instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = cached
