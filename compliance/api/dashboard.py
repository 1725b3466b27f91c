"""/api/v1/dashboard/: the managers' dashboard figures, from the same selectors and filters as
the page (site, modality, period_from, period_to); a bad filter answers 400 with its field."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from compliance.forms.dashboard import dashboard_form
from compliance.selectors.dashboard import AGE_BANDS, dashboard_figures


def _seconds(duration):
    return None if duration is None else duration.total_seconds()


def _schedule(s) -> dict:
    return {
        "schedule": s.pk,
        "site": s.site_id,
        "equipment": s.equipment_id,
        "asset_tag": s.equipment.asset_tag,
        "procedure": s.procedure.code,
        "status": s.state,
        "assignee": s.assignee_id,
        "assignee_role": s.assignee_role,
        "next_due": s.next_due.isoformat(),
        "overdue_at": s.overdue_at.isoformat(),
    }


def _compliance(rows) -> list[dict]:
    return [
        {"key": r.key, "label": r.label, "active": r.total, "overdue": r.overdue, "share": r.share}
        for r in rows
    ]


def figures_payload(form) -> dict:
    scope_ = form.scope()
    f = dashboard_figures(scope_)
    return {
        "filters": {
            "sites": None
            if not isinstance(scope_.site_ids, frozenset)
            else sorted(scope_.site_ids),
            "modality": scope_.modality,
            "period_start": scope_.start.isoformat(),
            "period_end": scope_.end.isoformat(),
            "now": scope_.now.isoformat(),
        },
        "compliance_by_site": _compliance(f.compliance_by_site),
        "compliance_by_modality": _compliance(f.compliance_by_modality),
        "on_time_by_month": [
            {
                "month": m.month.date().isoformat(),
                "completions": m.total,
                "on_time": m.on_time,
                "share": m.share,
            }
            for m in f.on_time_by_month
        ],
        "overdue": {"count": f.overdue_count, "oldest": [_schedule(s) for s in f.overdue]},
        "due_soon": {"count": f.due_soon_count, "soonest": [_schedule(s) for s in f.due_soon]},
        "availability": [
            {
                "modality": r.modality,
                "units": r.units,
                "out_of_service": r.out_of_service,
                "downtime_seconds": _seconds(r.downtime),
                "availability": r.availability,
            }
            for r in f.availability
        ],
        "work_orders": {
            "age_bands_days": [list(band) for band in AGE_BANDS],
            "open_by_priority": [
                {"priority": r.priority, "by_age": list(r.by_age), "open": r.total}
                for r in f.work_orders
            ],
            "repairs_verified": f.repair_time.repairs,
            "mean_time_to_repair_seconds": _seconds(f.repair_time.mean),
        },
        "action_failures": [{"modality": r.modality, "records": r.failures} for r in f.failures],
        "training": [
            {
                "site": r.site_id,
                "label": r.label,
                "required": r.required,
                "current": r.current,
                "share": r.share,
            }
            for r in f.training
        ],
        "expiring_identifiers": [
            {
                "site": i.site_id,
                "kind": i.kind,
                "number": i.number,
                "issuer": i.issuer,
                "expires_on": i.expires_on.isoformat(),
            }
            for i in f.identifiers
        ],
    }


class DashboardViewSet(viewsets.ViewSet):
    """The compliance dashboard of the sites the requester manages."""

    @extend_schema(
        parameters=[
            OpenApiParameter("site", int),
            OpenApiParameter("modality", str),
            OpenApiParameter("period_from", str, description="YYYY-MM-DD, UTC day"),
            OpenApiParameter("period_to", str, description="YYYY-MM-DD, UTC day, included"),
        ],
        responses={200: None},
    )
    def list(self, request):
        form = dashboard_form(request.query_params, request.user)
        if not form.managed:
            raise PermissionDenied("The compliance dashboard is for the managers of a site.")
        if not form.is_valid():
            errors = form.errors.get_json_data()
            raise ValidationError(
                {field: [e["message"] for e in found] for field, found in errors.items()}
            )
        return Response(figures_payload(form))
