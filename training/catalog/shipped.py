"""The shipped course catalog (courses.toml), read and checked with tomllib.

Each entry has a catalog code and the file's catalog version; `load_courses` keys on them.
The orientation table expands to one course per modality (ORIENT-CT, ORIENT-MR, ...).
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path

from imaging_ops.vocabulary import AreaClass, Modality, Role
from training.models import CourseCategory

CATALOG_FILE = Path(__file__).with_name("courses.toml")
FIELDS = (
    "title",
    "category",
    "validity_months",
    "citation",
    "modalities",
    "area_classes",
    "roles",
    "verify_locally_note",
)


class CourseCatalogError(ValueError):
    """The shipped file does not read as a catalog: which entry and why."""


@dataclass(frozen=True)
class ShippedCourse:
    code: str
    version: int
    fields: dict

    @property
    def flagged(self) -> bool:
        return bool(self.fields["verify_locally_note"])


def _check(code: str, fields: dict) -> dict:
    problems = []
    if fields["category"] not in CourseCategory.values:
        problems.append(f"category {fields['category']!r}")
    for key, vocabulary in (
        ("modalities", Modality),
        ("area_classes", AreaClass),
        ("roles", Role),
    ):
        wrong = [v for v in fields[key] if v not in vocabulary.values]
        if wrong:
            problems.append(f"{key} {wrong}")
    months = fields["validity_months"]
    if months is not None and (not isinstance(months, int) or not 1 <= months <= 120):
        problems.append(f"validity_months {months!r}")
    if not fields["title"] or not fields["citation"]:
        problems.append("a title and a citation are required")
    if problems:
        raise CourseCatalogError(f"{code}: {', '.join(problems)}")
    return fields


def _fields(raw: dict) -> dict:
    note = raw.get("verify_locally_note", "") if raw.get("verify_locally") else ""
    return {
        "title": raw.get("title", ""),
        "category": raw.get("category", ""),
        "validity_months": raw.get("validity_months"),
        "citation": raw.get("citation", ""),
        "modalities": list(raw.get("modalities", [])),
        "area_classes": list(raw.get("area_classes", [])),
        "roles": list(raw.get("roles", [])),
        "verify_locally_note": note,
    }


def shipped_courses(path: Path = CATALOG_FILE) -> list[ShippedCourse]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as problem:
        raise CourseCatalogError(f"{path.name}: {problem}") from None
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise CourseCatalogError(f"{path.name}: the catalog needs a version number")
    courses = []
    for raw in data.get("course", []):
        code = raw.get("code", "")
        courses.append(ShippedCourse(code, version, _check(code, _fields(raw))))
    orientation = data.get("orientation")
    if orientation:
        for modality in orientation.get("modalities", []):
            code = f"{orientation['code_prefix']}-{modality}"
            fields = _fields(
                {
                    **orientation,
                    "title": f"{orientation['title']}: {Modality(modality).label}",
                    "modalities": [modality],
                }
            )
            courses.append(ShippedCourse(code, version, _check(code, fields)))
    codes = [course.code for course in courses]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise CourseCatalogError(f"{path.name}: codes listed twice: {', '.join(duplicates)}")
    return courses
