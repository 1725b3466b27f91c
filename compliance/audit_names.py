"""How compliance's audited models read in the audit trail (registered from
ComplianceConfig.ready; the core never imports this app)."""

from imaging_ops.audit.names import register


def register_audit_names() -> None:
    from compliance.models import LeadTime

    register(
        LeadTime,
        related=("site",),
        name=lambda row: (
            f"Reminder lead time for {row.get_procedure_kind_display()} at {row.site.code}"
        ),
        as_value=lambda row: f"{row.days} days",
    )
