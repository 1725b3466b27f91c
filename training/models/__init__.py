"""Models of training: courses and their requirements at a site, sessions, and the versioned,
signed training records."""

from training.models.courses import Course, CourseCategory, Requirement, RequirementBasis
from training.models.records import TrainingRecord, TrainingRecordVersion, TrainingSession

__all__ = [
    "Course",
    "CourseCategory",
    "Requirement",
    "RequirementBasis",
    "TrainingRecord",
    "TrainingRecordVersion",
    "TrainingSession",
]
