"""The kinds of reminded subject, each one module (see `base` for the interface).

Training records (expiring 60, 30 and 7 days before, and expired) are `training`: a
`RowSubject` over the records' `expires_on`, as a new kind of subject would be.
"""

from compliance.models import SubjectKind
from compliance.reminders.subjects.base import Subject
from compliance.reminders.subjects.missed_days import MissedDaysSubject
from compliance.reminders.subjects.schedules import ScheduleSubject
from compliance.reminders.subjects.site_identifiers import SiteIdentifierSubject
from compliance.reminders.subjects.training import TrainingSubject
from compliance.reminders.subjects.work_orders import WorkOrderSubject

SUBJECTS: dict[str, Subject] = {
    SubjectKind.SCHEDULE: ScheduleSubject(),
    SubjectKind.SITE_IDENTIFIER: SiteIdentifierSubject(),
    SubjectKind.WORK_ORDER: WorkOrderSubject(),
    SubjectKind.MISSED_DAYS: MissedDaysSubject(),
    SubjectKind.TRAINING: TrainingSubject(),
}
