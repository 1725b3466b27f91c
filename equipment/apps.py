from django.apps import AppConfig


class EquipmentConfig(AppConfig):
    name = "equipment"

    def ready(self):
        # Models and forms can be imported only once the app registry is ready.
        from equipment.audit_names import register_audit_names

        register_audit_names()
