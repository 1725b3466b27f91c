"""Training: the shipped course catalog, each site's requirements, and every person's training
records (one signed version each, the instructor's signature), over the last years. The data
file is `data/training.json` (the requirements every site holds, the mix of how current people
are).

Each person at a site (inspectors aside, as in the competency matrix) has a history for each
course the site requires of them: nothing yet for a few, otherwise completions at the course's
interval up to the latest, whose age places it current, expiring within 30 days or expired on
the day of the build. Expiry comes from `training.expiry.expires_on`, as the session service
computes it; the instructor is another member of the site who has signed before (the signature
policy acknowledged), and the signature carries the SHA-256 of the version's signed content,
made from the model's own `signed_content`, so it reads as valid.

The catalog and the requirements have their creation events in the audit trail; the training
records, like the older service records, predate the trail's window.
"""

import hashlib
from collections import defaultdict
from datetime import datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType

from bench.generator.context import Build, Step
from bench.generator.tables import read_json
from imaging_ops.audit.trail import canonical_text
from imaging_ops.models import Meaning, Signature
from imaging_ops.vocabulary import Role
from training.catalog.shipped import shipped_courses
from training.expiry import expires_on
from training.models import (
    Course,
    Requirement,
    RequirementBasis,
    TrainingRecord,
    TrainingRecordVersion,
)

TABLES = read_json("training")
# What every site requires: (course code, basis, subject).
REQUIREMENTS = [(row["course"], row["basis"], row["subject"]) for row in TABLES["requirements"]]
# How the latest completion of a required course stands on the day of the build.
STANDING = [(row["standing"], row["share"]) for row in TABLES["standing"]]
# People who train others (instructors), by role.
INSTRUCTOR_ROLES = (Role.TECHNICIAN, Role.PHYSICIST, Role.RSO, Role.MANAGER)
FAIL_SHARE = TABLES["fail_share"]
# The most completions one person holds of one course (the latest and those before it).
MAX_COMPLETIONS = 6


def _required(roles: set[str]) -> list[int]:
    """Positions in REQUIREMENTS that apply to a person holding `roles` (the matrix's rule)."""
    return [
        i
        for i, (_, basis, subject) in enumerate(REQUIREMENTS)
        if basis != RequirementBasis.ROLE or subject in roles
    ]


def build_training(ctx: Build) -> None:
    rng = ctx.rng
    courses, by_code = _courses(ctx)
    _requirements(ctx, by_code)

    # The people of each site, with their roles there, as the matrix reads them.
    roles_at: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for site_id, by_role in ctx.members.items():
        for role, user_ids in by_role.items():
            if role != Role.INSPECTOR:
                for user_id in user_ids:
                    roles_at[site_id][user_id].add(role)
    active = {u["id"] for u in ctx.users if u["active"]}
    ctx.cursor.execute("SELECT DISTINCT user_id FROM imaging_ops_policyacknowledgement")
    acknowledged = {row[0] for row in ctx.cursor.fetchall()}
    ctx.cursor.execute("SELECT id, full_name, credentials FROM imaging_ops_user")
    names = {row[0]: (row[1], row[2]) for row in ctx.cursor.fetchall()}
    ctx.cursor.execute("SELECT coalesce(max(id), 0) FROM imaging_ops_signature")
    signature_id = ctx.cursor.fetchone()[0]

    # Every (site, person, requirement) slot, then how many completions fill the total.
    slots = []
    for site in ctx.sites:
        people = roles_at[site["id"]]
        for user_id in sorted(people):
            if user_id in active:
                for position in _required(people[user_id]):
                    slots.append((site["id"], user_id, position))
    standings, shares = [s for s, _ in STANDING], [w for _, w in STANDING]
    drawn = [rng.choices(standings, shares)[0] for _ in slots]
    held = [i for i, standing in enumerate(drawn) if standing != "missing"]
    target = ctx.sizes["training_records"]

    instructors = {
        site_id: sorted(
            user_id
            for user_id, roles in people.items()
            if user_id in acknowledged and roles & set(INSTRUCTOR_ROLES)
        )
        for site_id, people in roles_at.items()
    }
    today = ctx.now.date()
    version_type = ContentType.objects.get_for_model(TrainingRecordVersion).pk
    records, versions, signatures = [], [], []
    # For each held slot, how many from it on are of a recurring course (they take the extra
    # completions beyond each slot's latest).
    recurring = [courses[by_code[REQUIREMENTS[slots[i][2]][0]]]["validity_months"] for i in held]
    repeatable = [0] * (len(held) + 1)
    for n in reversed(range(len(held))):
        repeatable[n] = repeatable[n + 1] + (recurring[n] is not None)
    for n, i in enumerate(held):
        site_id, person_id, position = slots[i]
        course = courses[by_code[REQUIREMENTS[position][0]]]
        months = course["validity_months"]
        teachers = [t for t in instructors.get(site_id, []) if t != person_id]
        if not teachers:
            continue
        # Whole completions so that the records add up to the target: every slot holds its
        # latest, and the slots of courses that recur share the rest (drawn, so the counts
        # spread; a slot holds at most MAX_COMPLETIONS).
        repeatable_left = repeatable[n]
        left = target - len(records) - (len(held) - n)
        count = 1
        if months is not None and repeatable_left and left > 0:
            share = left / repeatable_left + 1
            count = int(share) + (rng.random() < share - int(share))
            count = max(1, min(MAX_COMPLETIONS, count, left + 1))
        latest = _latest(rng, drawn[i], today, months)
        step = timedelta(days=round(months * 30.44)) if months else None
        for k in reversed(range(count)):
            completed = latest - step * k if step else latest
            instructor = rng.choice(teachers)
            passed = k > 0 or rng.random() >= FAIL_SHARE
            record_id = len(records) + 1
            expiry = expires_on(completed, months)
            at = datetime.combine(completed, time(15, rng.randint(0, 59)), tzinfo=ctx.now.tzinfo)
            at = min(at, ctx.now)
            content_hash = signed_hash(
                record_id=record_id, site_id=site_id, person_id=person_id,
                course_id=course["id"], at=at, instructor_id=instructor, completed=completed,
                expiry=expiry, passed=passed,
            )  # fmt: skip
            records.append(
                (record_id, site_id, person_id, course["id"], None, record_id, completed, expiry,
                 passed)
            )  # fmt: skip
            versions.append(
                (record_id, record_id, 1, at, instructor, "", completed, expiry, instructor,
                 passed, None, "")
            )  # fmt: skip
            signature_id += 1
            full_name, credentials = names[instructor]
            signatures.append(
                (signature_id, version_type, record_id, site_id, instructor, full_name,
                 credentials, Meaning.PERFORMED, at, content_hash)
            )  # fmt: skip
            if len(records) >= target:
                break
        if len(records) >= target:
            break

    # Tuples, not lists: the records predate the audit trail's window (no creation events).
    ctx.copy(
        TrainingRecord,
        ["id", "site", "person", "course", "session", "current_version", "completed_on",
         "expires_on", "counts"],
        tuple(records),
    )  # fmt: skip
    ctx.copy(
        TrainingRecordVersion,
        ["id", "record", "number", "created_at", "created_by", "amendment_reason",
         "completed_on", "expires_on", "instructor", "passed", "score", "notes"],
        tuple(versions),
    )  # fmt: skip
    ctx.copy(
        Signature,
        ["id", "content_type", "object_id", "site", "signer", "printed_name", "credentials",
         "meaning", "signed_at", "content_hash"],
        tuple(signatures),
    )  # fmt: skip


def signed_hash(
    *, record_id, site_id, person_id, course_id, at, instructor_id, completed, expiry, passed,
    session_id=None, version_id=None,
) -> str:  # fmt: skip
    """The SHA-256 the instructor's signature carries for the first version of a record: the
        model's own signed content of unsaved instances, as the signature service hashes it (the
    generator gives a record and its version the same id)."""
    record = TrainingRecord(
        pk=record_id, site_id=site_id, person_id=person_id, course_id=course_id,
        session_id=session_id,
    )  # fmt: skip
    version = TrainingRecordVersion(
        pk=version_id or record_id, record=record, number=1, created_at=at,
        created_by_id=instructor_id, amendment_reason="", completed_on=completed, expires_on=expiry,
        instructor_id=instructor_id, passed=passed, score=None, notes="",
    )  # fmt: skip
    return hashlib.sha256(canonical_text(version.signed_content()).encode()).hexdigest()


def _latest(rng, standing: str, today, months):
    """The latest completion's day for its standing on `today`."""
    if months is None:
        return today - timedelta(days=rng.randint(30, 900))
    validity = round(months * 30.44)
    if standing == "expiring":
        return today - timedelta(days=validity - rng.randint(1, 28))
    if standing == "expired":
        return today - timedelta(days=validity + rng.randint(5, 200))
    return today - timedelta(days=rng.randint(1, validity - 35))


def _courses(ctx: Build) -> tuple[list[dict], dict[str, int]]:
    """The shipped catalog as `load_courses` writes it: organisation-wide courses."""
    rows, courses, by_code = [], [], {}
    for position, entry in enumerate(shipped_courses()):
        course_id = position + 1
        fields = entry.fields
        rows.append(
            (course_id, None, entry.code, fields["title"], fields["category"],
             fields["validity_months"], fields["citation"], "", fields["modalities"],
             fields["area_classes"], fields["roles"], entry.code, entry.version, False,
             fields["verify_locally_note"])
        )  # fmt: skip
        by_code[entry.code] = position
        courses.append({"id": course_id, "validity_months": fields["validity_months"]})
    ctx.copy(
        Course,
        ["id", "site", "code", "title", "category", "validity_months", "citation",
         "description", "modalities", "area_classes", "roles", "catalog_code",
         "catalog_version", "locally_modified", "verify_locally_note"],
        rows,
    )  # fmt: skip
    return courses, by_code


def _requirements(ctx: Build, by_code: dict[str, int]) -> None:
    rows = []
    created = ctx.now - timedelta(days=3 * 365)
    for site in ctx.sites:
        for code, basis, subject in REQUIREMENTS:
            rows.append(
                (
                    len(rows) + 1,
                    site["id"],
                    by_code[code] + 1,
                    basis,
                    subject if basis == RequirementBasis.MODALITY else "",
                    subject if basis == RequirementBasis.AREA_CLASS else "",
                    subject if basis == RequirementBasis.ROLE else "",
                    created,
                )
            )
    ctx.copy(
        Requirement,
        ["id", "site", "course", "basis", "modality", "area_class", "role", "created_at"],
        rows,
    )


def signatures_refused(ctx: Build) -> list[str]:
    """A sample of training records read as the person's page reads them: signatures valid."""
    from imaging_ops.records.signatures import signature_states

    last = TrainingRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sample = [ctx.rng.randint(1, last) for _ in range(min(50, last))]
    problems = []
    for version in TrainingRecordVersion.objects.filter(record_id__in=sample).select_related(
        "record"
    ):
        for state in signature_states(version):
            if not state.valid:
                problems.append(f"training record {version.record_id}: signature does not match")
    return problems[:5]


INVARIANTS = {
    "a training record's stored dates and counting are its current version's": """
        SELECT count(*) FROM training_trainingrecord r
        JOIN training_trainingrecordversion v ON v.id = r.current_version_id
        WHERE r.completed_on <> v.completed_on
           OR r.expires_on IS DISTINCT FROM v.expires_on OR r.counts <> v.passed""",
    "every training version is signed by its instructor as performed": """
        SELECT count(*) FROM training_trainingrecordversion v
        WHERE NOT EXISTS (
            SELECT 1 FROM imaging_ops_signature s
            JOIN django_content_type t ON t.id = s.content_type_id
            WHERE t.app_label = 'training' AND t.model = 'trainingrecordversion'
              AND s.object_id = v.id AND s.signer_id = v.instructor_id
              AND s.meaning = 'performed')""",
    "nobody instructs their own training": """
        SELECT count(*) FROM training_trainingrecord r
        JOIN training_trainingrecordversion v ON v.id = r.current_version_id
        WHERE v.instructor_id = r.person_id""",
}

STEP = Step(
    "training",
    build_training,
    sizes={"training_records": 100_000},
    invariants=INVARIANTS,
    checks=(signatures_refused,),
)
