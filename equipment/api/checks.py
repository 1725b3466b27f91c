"""/api/v1/checks/<id>/evaluate/: what a value scores against a check, as the record form shows
it while the technician types. The rule is the server's (equipment.services.measurements); no
copy of it lives in any page's JavaScript. With `schedule`, a percent band is judged on that
schedule's reference."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from equipment.limits import Outcome
from equipment.models import Check, Schedule
from equipment.services.measurements import EntryError, describe, judge
from equipment.services.record_content import references_of
from imaging_ops.access.scoping import ScopedRelatedField, scope


class EvaluateRequestSerializer(serializers.Serializer):
    value = serializers.JSONField(help_text="The value as typed: text, a number or true/false.")
    schedule = ScopedRelatedField(queryset=Schedule.objects.all(), required=False)


class EvaluationSerializer(serializers.Serializer):
    check = serializers.IntegerField()
    value = serializers.CharField()
    result = serializers.ChoiceField(choices=Outcome.choices)
    crossed = serializers.CharField(allow_null=True)
    limit = serializers.DecimalField(max_digits=30, decimal_places=8, allow_null=True)
    text = serializers.CharField(help_text="The result as the form says it.")


class CheckViewSet(viewsets.GenericViewSet):
    """Checks of the procedures at the user's sites and of the library."""

    queryset = Check.objects.select_related("version__procedure")

    def get_queryset(self):
        library = Check.objects.filter(version__procedure__site__isnull=True)
        return (scope(Check.objects.all(), self.request.user) | library).select_related(
            "version__procedure"
        )

    @extend_schema(request=EvaluateRequestSerializer, responses=EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def evaluate(self, request, pk=None):
        check = self.get_object()
        body = EvaluateRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        schedule = body.validated_data.get("schedule")
        if schedule is not None and schedule.procedure_id != check.version.procedure_id:
            raise serializers.ValidationError(
                {"schedule": ["That schedule is not for this check's procedure."]}
            )
        try:
            judged = judge(
                check,
                body.validated_data["value"],
                reference=references_of(schedule).get(check.key),
            )
        except EntryError as problem:
            raise serializers.ValidationError({"value": [str(problem)]}) from None
        evaluation = judged.evaluation
        return Response(
            EvaluationSerializer(
                {
                    "check": check.pk,
                    "value": judged.value_text,
                    "result": evaluation.outcome,
                    "crossed": evaluation.crossed,
                    "limit": evaluation.limit,
                    "text": describe(judged, unit=check.unit),
                }
            ).data
        )
