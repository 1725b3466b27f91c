"""What every page view builds on: sign-in required, scoping, and service errors on forms."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError

from imaging_ops.access.scoping import scope
from imaging_ops.web.paginator import KeysFirstPaginator


class ScopedMixin(LoginRequiredMixin):
    """Limits `get_queryset()` to the user's sites, so other sites' rows answer 404."""

    paginator_class = KeysFirstPaginator  # list views: deep pages sort keys only

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)


def add_service_errors(form, exc: ValidationError, field_map: dict[str, str] | None = None):
    """Show a service's ValidationError on the form: on the field it names, or above the form."""
    field_map = field_map or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, messages in exc.message_dict.items():
        target = field_map.get(field, field)
        form.add_error(target if target in form.fields else None, messages)
