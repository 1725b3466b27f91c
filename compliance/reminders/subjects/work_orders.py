"""Work orders open past their due date: overdue the morning after `due_on`, escalated to the
site's managers after the escalation days. Completing, verifying or cancelling the work order,
or moving its due date, cancels the stages still to come."""

import datetime as dt

from django.urls import reverse

from compliance.models import SubjectKind
from compliance.reminders.stages import StageKind, past_due_boundaries
from compliance.reminders.subjects.base import Candidate, Message, RowSubject, Targets
from equipment.models import WorkOrder
from equipment.models.work_orders import OPEN_STATES, WorkOrderState
from imaging_ops.vocabulary import Role

# Open, and waiting on the department (completed work waits only for verification).
WAITING = sorted(OPEN_STATES - {WorkOrderState.COMPLETED})


class WorkOrderSubject(RowSubject):
    kind = SubjectKind.WORK_ORDER

    def rows(self, *, now):
        return WorkOrder.objects.filter(
            state__in=WAITING, due_on__lt=now.date() + dt.timedelta(days=1)
        ).select_related("equipment__site")

    def candidate(self, row, *, now, context):
        site = row.equipment.site
        return Candidate(
            subject_id=row.pk,
            site=site,
            due_on=row.due_on,
            title=f"Work order {row.pk} on {row.equipment.asset_tag} is past its due date",
            boundaries=past_due_boundaries(
                due_on=row.due_on,
                clock=site.opens_at,
                zone=site.zone,
                escalate_after_days=context.escalate_after_days,
            ),
            row=row,
        )

    def still_current(self, notices):
        rows = {
            pk: (state, due_on)
            for pk, state, due_on in WorkOrder.objects.filter(
                pk__in={n.subject_id for n in notices}
            ).values_list("pk", "state", "due_on")
        }
        return {
            n.pk
            for n in notices
            if (found := rows.get(n.subject_id)) and found[0] in WAITING and found[1] == n.due_on
        }

    def describe(self, notices):
        rows = {
            w.pk: w
            for w in WorkOrder.objects.filter(
                pk__in={n.subject_id for n in notices}
            ).select_related("equipment")
        }
        messages = {}
        for notice in notices:
            order = rows[notice.subject_id]
            targets = Targets()
            if order.assignee_id:
                targets.users.add(order.assignee_id)
            if not order.assignee_id or notice.stage == StageKind.ESCALATED:
                targets.roles.add(Role.MANAGER)
            body = (
                f"Work order {order.pk} on {order.equipment.name} ({order.equipment.asset_tag}) "
                f"was due on {order.due_on:%Y-%m-%d} and is {order.get_state_display().lower()}: "
                f"{order.problem[:200]}"
            )
            path = reverse("equipment:work_order_detail", args=[order.pk])
            messages[notice.pk] = Message(targets=targets, body=body, path=path)
        return messages
