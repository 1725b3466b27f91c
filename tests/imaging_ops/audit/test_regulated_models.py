"""Every model is a regulated record or says why it is not."""

import pytest
from django.apps import apps

from imaging_ops.audit.exempt import AUDIT_EXEMPT
from imaging_ops.audit.mixin import RegulatedModel, RegulatedQuerySet

APPS = ("imaging_ops", "training", "equipment", "compliance")


def project_models():
    return [model for name in APPS for model in apps.get_app_config(name).get_models()]


@pytest.mark.req("11.10(e)")
def test_every_model_is_regulated_or_exempt_with_a_reason():
    unaccounted = [
        model._meta.label_lower
        for model in project_models()
        if not issubclass(model, RegulatedModel) and model._meta.label_lower not in AUDIT_EXEMPT
    ]
    assert unaccounted == [], f"neither regulated nor listed in AUDIT_EXEMPT: {unaccounted}"


def test_every_exemption_names_a_real_model_and_a_reason():
    labels = {model._meta.label_lower for model in project_models()}
    for label, reason in AUDIT_EXEMPT.items():
        assert label in labels, f"{label} is exempt but is not a model"
        assert len(reason) > 20, f"{label} needs a reason a reviewer can read"
        model = apps.get_model(label)
        assert not issubclass(model, RegulatedModel), f"{label} is regulated and exempt"


def test_regulated_models_refuse_bulk_writes_through_every_manager():
    for model in project_models():
        if issubclass(model, RegulatedModel):
            assert isinstance(model._default_manager.all(), RegulatedQuerySet), model
