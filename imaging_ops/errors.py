"""Errors services raise besides Django's ValidationError and PermissionDenied, and a way for a
service to raise every field error of a request at once."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError


class Conflict(Exception):
    """The object is in a state that forbids the change (a signed or locked record)."""


class Blocked(ValidationError):
    """A change refused for what stands in its way (the return-to-service gate), every reason a
    sentence: on pages the field's errors, in the API 409 with the `reasons` as a list."""

    def __init__(self, field: str, reasons: list[str], detail: str):
        super().__init__({field: reasons})
        self.reasons = list(reasons)
        self.detail = detail


class FieldErrors:
    """The field errors of several checks, raised together, so a person corrects every field
    in one go: `with errors.collect(): check(...)` keeps what the check raises; `add()` adds a
    message of the service's own; `raise_any()` raises them all as one ValidationError."""

    def __init__(self) -> None:
        self.errors: dict[str, list] = {}

    def __contains__(self, field: str) -> bool:
        return field in self.errors

    def __iter__(self):
        return iter(self.errors)

    @contextmanager
    def collect(self):
        try:
            yield
        except ValidationError as exc:
            exc.update_error_dict(self.errors)

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)
