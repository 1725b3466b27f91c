from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"

    def ready(self):
        # Models can be imported only once the app registry is ready.
        from django.apps import apps
        from django.db.models.signals import post_save

        from compliance.audit_names import register_audit_names
        from compliance.figure_cache import INPUTS, inputs_changed

        register_audit_names()
        for app_label, model_name in INPUTS:
            post_save.connect(
                inputs_changed,
                sender=apps.get_model(app_label, model_name),
                dispatch_uid=f"figures-{app_label}-{model_name}",
            )
