"""How the audit trail names the objects its events are about, filled in by each app.

The core knows no app's models: an app registers, from its AppConfig.ready, how one of its
models reads in the trail — the related rows its name needs (so a page of events resolves its
objects in one query per model), its name, how a foreign key pointing at it reads, the page it
links to, and the forms whose labels its fields carry. A model nobody registered reads by its
`__str__`, links to its `get_absolute_url()` if it has one, and is labelled by verbose names.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.forms import BaseForm
from django.utils.text import capfirst

# (object, event, viewer) -> the address of the object's page for this viewer, or None.
LinkFunction = Callable[[models.Model, object, object], str | None]


def _default_link(obj, event, viewer) -> str | None:
    get_url = getattr(obj, "get_absolute_url", None)
    return get_url() if get_url is not None else None


@dataclass(frozen=True)
class Naming:
    """How one model reads in the trail."""

    related: tuple[str, ...] = ()  # select_related paths the name and link read
    prefetch: tuple = ()  # prefetch_related lookups the link reads
    name: Callable[[models.Model], str] = str
    as_value: Callable[[models.Model], str] | None = None  # a foreign key to it; default: name
    link: LinkFunction = _default_link
    forms: tuple[type[BaseForm], ...] = ()  # their labels name the model's fields
    values: dict[str, Callable[[object], str]] = field(default_factory=dict)  # per field

    def value_name(self, obj) -> str:
        return (self.as_value or self.name)(obj)

    def field_label(self, model_field) -> str:
        """The label the forms give the field, else its verbose name."""
        for form in self.forms:
            form_field = form.base_fields.get(model_field.name)
            if form_field is not None and form_field.label:
                return str(form_field.label)
        return capfirst(str(model_field.verbose_name))


_registry: dict[type[models.Model], Naming] = {}
DEFAULT = Naming()


def register(model: type[models.Model], **naming) -> None:
    """Say how `model` (or, for an abstract model, each of its subclasses) reads in the trail."""
    _registry[model] = Naming(**naming)


def naming_for(model: type[models.Model]) -> Naming:
    """The registration of the model or of its nearest registered ancestor, else the default."""
    for cls in model.__mro__:
        naming = _registry.get(cls)
        if naming is not None:
            return naming
    return DEFAULT
