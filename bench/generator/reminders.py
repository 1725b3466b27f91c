"""Reminder notices: what the sweep would have claimed over the last half year, as sent.

For each completion of a non-daily schedule due in the last 180 days: the lead stage 14 days
before its due date (where the interval is longer than that), the due stage when the work came
after its due moment, and the overdue stage when it came late. For each schedule overdue now:
its due and overdue stages, and the escalation once that has fallen. The stage codes are the
sweep's own (`compliance.reminders.stages`); each notice is sent a few minutes after its stage
fell, by the sweep named "bench". Notices are operational rows, not regulated records, so they
have no audit events; they are inserted in SQL from the rows the earlier steps wrote, in the
order the outbox lists them.
"""

from datetime import timedelta

from bench.generator.context import Build, Step
from compliance.models import ReminderNotice
from compliance.reminders.stages import StageKind
from equipment.models import EquipmentStatus
from equipment.scheduling.recurrence import DAILY_PRESETS
from equipment.scheduling.timeline import Timeliness

WINDOW_DAYS = 180
LEAD_DAYS = 14
ESCALATE_AFTER_DAYS = 7
DAILY = sorted(DAILY_PRESETS)
NOT_DAILY = """NOT s.preset = ANY(%(daily)s)
    AND NOT (s.preset = '' AND s.interval_months = 0 AND s.interval_weeks = 0
             AND s.interval_days <= 1)"""
LONGER_THAN_LEAD = "(s.interval_months > 0 OR s.interval_weeks * 7 + s.interval_days > %(lead)s)"
TITLE = "left(pv.name || ' — ' || e.name || ' (' || e.asset_tag || ')', 200)"
PLACE = """JOIN equipment_procedure p ON p.id = s.procedure_id
    JOIN equipment_procedureversion pv ON pv.id = p.current_version_id
    JOIN equipment_equipment e ON e.id = s.equipment_id
    JOIN imaging_ops_site site ON site.id = s.site_id"""

# One SELECT per stage: (subject id, due date, stage code, site, title, when the stage fell).
COMPLETED = f"""
    SELECT s.id, (v.due_satisfied AT TIME ZONE site.time_zone)::date, %(code)s, s.site_id,
           {TITLE}, {{at}}
    FROM equipment_servicerecord r
    JOIN equipment_servicerecordversion v ON v.id = r.current_version_id
    JOIN equipment_schedule s ON s.id = r.schedule_id
    {PLACE}
    WHERE v.due_satisfied >= %(since)s AND v.due_satisfied < %(now)s AND {NOT_DAILY}
      AND {{condition}}"""
OVERDUE_NOW = f"""
    SELECT s.id, (s.next_due AT TIME ZONE site.time_zone)::date, %(code)s, s.site_id,
           {TITLE}, {{at}}
    FROM equipment_schedule s
    {PLACE}
    WHERE NOT s.paused AND s.overdue_at < %(now)s AND e.status <> %(gone)s AND {NOT_DAILY}
      AND {{condition}}"""

STAGES = [
    (
        COMPLETED,
        f"{StageKind.LEAD}-{LEAD_DAYS}",
        "v.due_satisfied - make_interval(days => %(lead)s)",
        LONGER_THAN_LEAD,
    ),
    (COMPLETED, StageKind.DUE, "v.due_satisfied", "v.performed_at > v.due_satisfied"),
    (
        COMPLETED,
        StageKind.OVERDUE,
        "v.due_satisfied + make_interval(days => s.grace_days)",
        f"v.timeliness IN ('{Timeliness.LATE}', '{Timeliness.PAST_HARD_LIMIT}')",
    ),
    (OVERDUE_NOW, StageKind.DUE, "s.next_due", "s.next_due < s.overdue_at"),
    (OVERDUE_NOW, StageKind.OVERDUE, "s.overdue_at", "TRUE"),
    (
        OVERDUE_NOW,
        StageKind.ESCALATED,
        "s.overdue_at + make_interval(days => %(escalate)s)",
        "s.overdue_at + make_interval(days => %(escalate)s) < %(now)s",
    ),
]


def build_reminders(ctx: Build) -> None:
    table = ReminderNotice._meta.db_table
    stages = " UNION ALL ".join(
        query.format(at=at, condition=condition).replace("%(code)s", f"'{code}'")
        for query, code, at, condition in STAGES
    )
    ctx.cursor.execute(
        f"""
        INSERT INTO {table} (subject_kind, subject_id, due_on, stage, site_id, title, stage_at,
                             claimed_at, sweep, state, attempts, sent_at)
        SELECT 'schedule', subject_id, due_on, stage, site_id, title, stage_at, stage_at,
               'bench', 'sent', 1, stage_at + interval '3 minutes'
        FROM ({stages}) AS notices (subject_id, due_on, stage, site_id, title, stage_at)
        WHERE stage_at < %(now)s
        ORDER BY stage_at, subject_id, stage
        ON CONFLICT DO NOTHING""",
        {
            "daily": DAILY,
            "gone": EquipmentStatus.DISPOSED,
            "lead": LEAD_DAYS,
            "escalate": ESCALATE_AFTER_DAYS,
            "now": ctx.now,
            "since": ctx.now - timedelta(days=WINDOW_DAYS),
        },
    )
    ctx.counts[table] = ctx.cursor.rowcount
    if ReminderNotice not in ctx.models:
        ctx.models.append(ReminderNotice)


INVARIANTS = {
    "a notice's stage is one the sweep claims": f"""
        SELECT count(*) FROM compliance_remindernotice
        WHERE stage NOT IN ('{StageKind.LEAD}-{LEAD_DAYS}', '{StageKind.DUE}',
                            '{StageKind.OVERDUE}', '{StageKind.ESCALATED}')""",
    "a notice is sent after its stage fell": """
        SELECT count(*) FROM compliance_remindernotice
        WHERE state <> 'sent' OR sent_at < stage_at OR stage_at > claimed_at""",
}

STEP = Step("reminders", build_reminders, invariants=INVARIANTS)
