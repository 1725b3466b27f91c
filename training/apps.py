from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"

    def ready(self):
        # Models and forms can be imported only once the app registry is ready.
        from training.audit_names import register_audit_names

        register_audit_names()
