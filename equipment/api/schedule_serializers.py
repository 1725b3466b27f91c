"""What the schedule API's writes read: a new schedule, a change with its reason, a pause or a
resume with its reason, and a reference set or re-baselined with its reason. They only parse;
equipment.services.schedules holds every rule and says every refusal."""

from django.db.models import Exists, OuterRef
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from equipment.models import Equipment, Procedure
from equipment.scheduling import Anchor, DueTime, Preset
from imaging_ops.access.authority import user_site_ids
from imaging_ops.access.scoping import ScopedRelatedField
from imaging_ops.models import SiteMembership, User
from imaging_ops.vocabulary import Role

SMALL = 32767  # the largest value the schedule's small-integer columns hold


class AwareDateTimeField(serializers.DateTimeField):
    """A moment with its offset (`Z` or `+01:00`): a naive time is refused, never read in the
    server's zone."""

    default_error_messages = {
        "naive": "Give the moment with its offset, e.g. 2026-03-04T09:00:00-05:00 or …Z.",
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            parsed = _parse(value)
            if parsed is not None and parsed.utcoffset() is None:
                self.fail("naive")
        return super().to_internal_value(value)


def _parse(text: str):
    try:
        return parse_datetime(text.strip())
    except ValueError:
        return None


class AssigneeField(serializers.PrimaryKeyRelatedField):
    """A person who holds a role at one of the requester's sites; anyone else is no choice, the
    same answer as a missing id. Whether they may do this schedule's work is the service's rule."""

    def get_queryset(self):
        user = self.context["request"].user
        people = User.objects.all()
        if user.is_superuser:
            return people
        held = SiteMembership.objects.filter(user=OuterRef("pk"), site_id__in=user_site_ids(user))
        return people.filter(Exists(held))

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("incorrect_type", data_type="number with a fraction or exponent")
        return super().to_internal_value(data)


def _count(**kwargs):
    return serializers.IntegerField(min_value=0, max_value=SMALL, required=False, **kwargs)


class ScheduleFieldsSerializer(serializers.Serializer):
    """The fields of a schedule a manager sets: each left out keeps its value (on creation, the
    procedure's default)."""

    assignee = AssigneeField(queryset=User.objects.all(), required=False, allow_null=True)
    assignee_role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True)
    anchor = serializers.ChoiceField(choices=Anchor.choices, required=False)
    interval_months = _count()
    interval_weeks = _count()
    interval_days = _count()
    preset = serializers.ChoiceField(choices=Preset.choices, required=False, allow_blank=True)
    weekday = serializers.IntegerField(
        min_value=0, max_value=6, required=False, allow_null=True, help_text="0 is Monday."
    )
    starts_on = serializers.DateField(required=False)
    early_days = _count()
    grace_days = _count()
    hard_limit_months = _count(allow_null=True)
    hard_limit_days = _count(allow_null=True)
    due_time = serializers.ChoiceField(choices=DueTime.choices, required=False)
    due_clock = serializers.TimeField(required=False, allow_null=True)


class ScheduleCreateSerializer(ScheduleFieldsSerializer):
    equipment = ScopedRelatedField(queryset=Equipment.objects.select_related("site"))
    procedure = ScopedRelatedField(queryset=Procedure.objects.select_related("current_version"))
    last_done = AwareDateTimeField(
        required=False,
        allow_null=True,
        help_text="When the work was last done, with its offset: the clock starts from it.",
    )


class ScheduleUpdateSerializer(ScheduleFieldsSerializer):
    reason = serializers.CharField(help_text="Why the schedule changes; kept on the audit trail.")


class ScheduleReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why; kept on the audit trail.")


class ReferenceSetSerializer(serializers.Serializer):
    check_key = serializers.CharField(max_length=50, help_text="The numeric check's key.")
    value = serializers.CharField(
        max_length=40, help_text="The reference as entered, a decimal number."
    )
    reason = serializers.CharField(help_text="Why the reference is set or re-baselined.")
