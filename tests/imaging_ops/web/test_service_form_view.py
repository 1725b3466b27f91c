"""ServiceFormView: a form's valid data goes to one service, and what the service raises is
answered in one place: 400 with field errors, 403, 409; GET asks the permission first."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.test import RequestFactory

from imaging_ops.errors import Conflict
from imaging_ops.web.base import ServiceFormView

pytestmark = pytest.mark.django_db


class NameForm(forms.Form):
    name = forms.CharField(max_length=20)


class NameView(ServiceFormView):
    """Calls `service(name=...)`; `refuse` and `locked` stand for the rules of a real page."""

    form_class = NameForm
    template_name = "includes/form_errors.html"
    success_url = "/done/"
    success_message = "Saved."
    field_map = {"full_name": "name"}
    refuse = False
    locked = False
    service = staticmethod(lambda *, name: name)

    def check_permission(self):
        if self.refuse:
            raise PermissionDenied("Not yours.")

    def check_state(self):
        if self.locked:
            raise Conflict("It is signed.")

    def call_service(self, form):
        return self.service(name=form.cleaned_data["name"])


def raising(exc):
    def service(**_):
        raise exc

    return staticmethod(service)


def call(user, method="get", data=None, **attrs):
    request = getattr(RequestFactory(), method)("/form/", data or {})
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return NameView.as_view(**attrs)(request), request


def test_get_shows_the_form(tech):
    response, _ = call(tech)

    assert response.status_code == 200


def test_get_refuses_a_person_without_the_right_before_the_form(tech):
    with pytest.raises(PermissionDenied, match="Not yours"):
        call(tech, refuse=True)


def test_get_answers_409_where_the_object_cannot_change(tech):
    response, _ = call(tech, locked=True)

    assert response.status_code == 409
    assert "It is signed." in response.content.decode()


def test_a_valid_form_goes_to_the_service_and_on_with_the_message(tech):
    seen = []
    response, request = call(
        tech, "post", {"name": "Ada"}, service=staticmethod(lambda *, name: seen.append(name))
    )

    assert seen == ["Ada"]
    assert (response.status_code, response.url) == (302, "/done/")
    assert [str(m) for m in get_messages(request)] == ["Saved."]


def test_an_invalid_form_never_reaches_the_service(tech):
    response, _ = call(tech, "post", {"name": ""}, service=raising(AssertionError("called")))

    assert response.status_code == 400


def test_a_service_field_error_lands_on_its_field(tech):
    exc = ValidationError({"full_name": "Taken.", "other": "Not a field here."})

    response, _ = call(tech, "post", {"name": "Ada"}, service=raising(exc))

    page = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_name">Name</a>: Taken.' in page
    assert "Not a field here." in page


def test_a_service_error_without_a_field_is_shown_above_the_form(tech):
    response, _ = call(tech, "post", {"name": "Ada"}, service=raising(ValidationError("No.")))

    assert response.status_code == 400
    assert "No." in response.content.decode()


def test_a_service_refusal_is_403_with_the_form_and_the_reason(tech):
    response, _ = call(
        tech, "post", {"name": "Ada"}, service=raising(PermissionDenied("Not here."))
    )

    assert response.status_code == 403
    assert "Not here." in response.content.decode()


def test_a_conflict_after_a_post_is_409_with_the_reason_above_the_form(tech):
    response, _ = call(tech, "post", {"name": "Ada"}, service=raising(Conflict("Signed.")))

    assert response.status_code == 409
    assert "Signed." in response.content.decode()


def test_a_page_that_does_not_say_who_may_use_it_does_not_show_its_form(tech):
    class Careless(NameView):
        check_permission = ServiceFormView.check_permission

    request = RequestFactory().get("/form/")
    request.user = tech

    with pytest.raises(ImproperlyConfigured):
        Careless.as_view()(request)
