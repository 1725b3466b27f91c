"""After a build: the steps' invariants and checks, and the services' validation of a sample."""

from django.core.exceptions import ValidationError

from bench.generator.context import Build, Step
from equipment.services import registry

# Rows the services' own validation checks after a build: a sample of each kind.
VALIDATED_SAMPLE = 300


def refused_by_services(ctx: Build, queryset, validator: str, **options) -> list[str]:
    """Run a registry service's own validation over a sample of generated rows, as a save would.

    The invariants are the rules known when the generator was written; this catches the rules
    added since, so a new rule the data breaks fails the build instead of skewing it.
    `options` go to the validator (e.g. `entered`, the fields a write changes).
    """
    validate = getattr(registry, validator, None)
    if validate is None:
        return []  # renamed: the invariants still hold the line
    ids = list(queryset.values_list("pk", flat=True).order_by("pk"))
    sample = ctx.rng.sample(ids, min(VALIDATED_SAMPLE, len(ids)))
    problems = []
    for row in queryset.filter(pk__in=sample):
        try:
            validate(row, **options)
        except ValidationError as exc:
            problems.append(f"{row._meta.model_name} {row.pk}: {exc.messages[0]}")
    return problems[:5]


def broken_rules(ctx: Build, steps: list[Step]) -> list[str]:
    """Every step's invariants (queries that must count zero rows), then every step's checks."""
    broken = []
    for step in steps:
        for rule, query in step.invariants.items():
            ctx.cursor.execute(query)
            rows = ctx.cursor.fetchone()[0]
            if rows:
                broken.append(f"{rule} ({rows} rows)")
    for step in steps:
        for check in step.checks:
            broken += check(ctx)
    return broken
