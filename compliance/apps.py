from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"

    def ready(self):
        # Models can be imported only once the app registry is ready.
        from compliance.audit_names import register_audit_names

        register_audit_names()
