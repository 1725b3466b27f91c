"""ServiceFormView: a form that does not parse still hears the service's own checks on the
fields that did, so one submit shows every error; the service itself is never called."""

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.test import RequestFactory

from imaging_ops.errors import FieldErrors
from imaging_ops.web.base import ServiceFormView

pytestmark = pytest.mark.django_db


class VisitForm(forms.Form):
    name = forms.CharField(max_length=20)
    day = forms.DateField()


class VisitView(ServiceFormView):
    """`check` stands for the service's validate function."""

    form_class = VisitForm
    template_name = "includes/form_errors.html"
    success_url = "/done/"
    check = staticmethod(lambda **fields: None)

    def check_permission(self):
        pass

    def check_parsed(self, form):
        self.check(**form.cleaned_data)

    def call_service(self, form):
        raise AssertionError("the service is called only with a form that parses")


def errors_of(user, data, check) -> dict:
    seen = {}

    def recording(**fields):
        seen.update(fields)
        check(**fields)

    request = RequestFactory().post("/form/", data)
    request.user = user
    captured = {}

    class Capturing(VisitView):
        def render_form(self, form, status=200):
            captured["form"], captured["status"] = form, status
            return super().render_form(form, status)

    Capturing.as_view(check=staticmethod(recording))(request)
    assert captured["status"] == 400
    return {"asked": seen, "errors": captured["form"].errors}


def test_the_service_checks_run_on_the_fields_that_parsed(tech):
    def check(**fields):
        raise ValidationError({"name": "That name is taken.", "day": "Needs a day."})

    result = errors_of(tech, {"name": "Ada", "day": "someday"}, check)

    assert result["asked"] == {"name": "Ada"}
    assert result["errors"] == {"day": ["Enter a valid date."], "name": ["That name is taken."]}


def test_an_error_that_names_no_field_is_shown_above_the_form(tech):
    def check(**fields):
        raise ValidationError("Not at this site.")

    result = errors_of(tech, {"name": "Ada", "day": ""}, check)

    assert result["errors"][NON_FIELD_ERRORS] == ["Not at this site."]


def test_a_page_that_asks_nothing_shows_the_forms_own_errors(tech):
    class Plain(VisitView):
        check_parsed = ServiceFormView.check_parsed

    request = RequestFactory().post("/form/", {"name": "", "day": "2026-03-04"})
    request.user = tech

    response = Plain.as_view()(request)

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_field_errors_collects_every_check_before_raising_them_together():
    errors = FieldErrors()
    with errors.collect():
        raise ValidationError({"name": "Taken."})
    with errors.collect():
        raise ValidationError("Not here.")
    errors.add("day", "Needs a day.")

    with pytest.raises(ValidationError) as raised:
        errors.raise_any()

    assert raised.value.message_dict == {
        "name": ["Taken."],
        NON_FIELD_ERRORS: ["Not here."],
        "day": ["Needs a day."],
    }
