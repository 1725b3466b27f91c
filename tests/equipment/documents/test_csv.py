"""Equipment as CSV: the filtered, neutralised export; the import's report, rules and options;
and export followed by import changing nothing."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from equipment.documents import csv_io
from equipment.models import (
    Category,
    Equipment,
    EquipmentStatus,
    MaintenanceStrategy,
    StatusChangeKind,
)
from imaging_ops import csv_import
from imaging_ops.audit.trail import AuditAction
from imaging_ops.models import AuditEvent
from imaging_ops.vocabulary import AreaClass, Role
from tests import factories

pytestmark = pytest.mark.django_db

S = EquipmentStatus
EXPORT = "/api/v1/equipment/export/"
IMPORT = "/api/v1/equipment/import/"
PAGE_EXPORT = "/equipment/export/"
PAGE_IMPORT = "/equipment/import/"


@pytest.fixture
def fleet(site_a, site_b):
    """Alpha's department, with awkward values in every kind of column; one scanner at Beta."""
    ct_room = factories.LocationFactory(site=site_a, building="Main", room="CT 1")
    hot_lab = factories.LocationFactory(
        site=site_a,
        building="NM",
        room="Hot lab",
        area_class=AreaClass.RESTRICTED,
        secured_storage=True,
    )
    return {
        "ct": factories.EquipmentFactory(
            site=site_a,
            location=ct_room,
            asset_tag="ALPHA-CT1",
            name='=HYPERLINK("http://evil")',
            model="-Top",
            serial_number="@SN1",
            vendor="+Siemens Healthineers",
            contract_reference="'=already quoted",
            software_version="VA40",
            installed_on=date(2020, 5, 1),
            accepted_on=date(2020, 6, 1),
            warranty_ends_on=date(2023, 6, 1),
            high_risk=True,
            status=S.IN_SERVICE,
        ),
        "pet_ct": factories.EquipmentFactory(
            site=site_a,
            location=hot_lab,
            asset_tag="ALPHA-PETCT",
            name="PET/CT, bay 2",
            modalities=["PT", "CT"],
            manufacturer="Siemens",
            model="Biograph Vision",
        ),
        "source": factories.EquipmentFactory(
            site=site_a,
            location=hot_lab,
            asset_tag="ALPHA-CS137",
            name="Cs-137 vial source",
            category=Category.SEALED_SOURCE,
            modalities=[],
            radionuclide="Cs-137",
            reference_activity=Decimal("7.4"),
            activity_unit="MBq",
            reference_date=date(2024, 1, 15),
        ),
        "beta_ct": factories.EquipmentFactory(site=site_b, asset_tag="BETA-CT1"),
        "ct_room": ct_room,
        "hot_lab": hot_lab,
    }


def rows_of(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body, newline="")))


def exported_bytes(api, user, query=None) -> bytes:
    api.force_authenticate(user)
    response = api.get(EXPORT, query or {})
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def csv_file(lines, name="equipment.csv") -> SimpleUploadedFile:
    """A CSV upload from a header and rows given as lists (or raw bytes)."""
    if isinstance(lines, bytes):
        return SimpleUploadedFile(name, lines, content_type="text/csv")
    out = io.StringIO()
    csv.writer(out).writerows(lines)
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


HEADER = ["site", "asset_tag", "name", "category", "modalities", "location", "installed_on"]


def new_row(tag="ALPHA-US1", **cells) -> list[str]:
    values = {
        "site": "ALPHA",
        "asset_tag": tag,
        "name": "Ultrasound",
        "category": "imaging_system",
        "modalities": "US",
        "location": "Main / CT 1",
        "installed_on": "2025-01-02",
        **cells,
    }
    return [values[column] for column in HEADER]


def import_csv(api, user, upload, **options):
    api.force_authenticate(user)
    return api.post(IMPORT, {"file": upload, **options}, format="multipart")


def errors_by_line(report) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    for error in report["errors"]:
        found.setdefault(error["line"], []).append((error["column"], error["reason"]))
    return found


def equipment_events() -> int:
    return AuditEvent.objects.filter(object_type="equipment.equipment").count()


# --- export --------------------------------------------------------------------------------


@pytest.mark.req("11.10(b)")
def test_export_has_every_column_and_writes_values_as_the_import_reads_them(api, manager, fleet):
    api.force_authenticate(manager)
    rows = {row["asset_tag"]: row for row in rows_of(api.get(EXPORT))}

    assert set(rows) == {"ALPHA-CT1", "ALPHA-PETCT", "ALPHA-CS137"}  # Beta is not the manager's
    assert list(rows["ALPHA-CT1"]) == list(csv_io.COLUMNS)
    ct, pet_ct, source = rows["ALPHA-CT1"], rows["ALPHA-PETCT"], rows["ALPHA-CS137"]
    assert (ct["site"], ct["location"], ct["status"]) == ("ALPHA", "Main / CT 1", "in_service")
    assert (ct["installed_on"], ct["warranty_ends_on"], ct["contract_ends_on"]) == (
        "2020-05-01",
        "2023-06-01",
        "",
    )
    assert (ct["high_risk"], ct["has_maintenance_history"]) == ("yes", "no")
    assert pet_ct["modalities"] == "PT;CT"
    assert pet_ct["name"] == "PET/CT, bay 2"
    assert (source["reference_activity"], source["activity_unit"]) == ("7.4", "MBq")
    assert source["radionuclide"] == "Cs-137"


def test_export_neutralises_text_that_a_spreadsheet_would_run(api, manager, fleet):
    api.force_authenticate(manager)
    ct = next(row for row in rows_of(api.get(EXPORT)) if row["asset_tag"] == "ALPHA-CT1")

    assert ct["name"] == '\'=HYPERLINK("http://evil")'
    assert ct["model"] == "'-Top"
    assert ct["serial_number"] == "'@SN1"
    assert ct["vendor"] == "'+Siemens Healthineers"
    assert ct["contract_reference"] == "''=already quoted"  # one more, so import gives it back
    assert ct["software_version"] == "VA40"
    assert ct["installed_on"] == "2020-05-01"  # dates are never neutralised


@pytest.mark.req("11.10(b)", "11.10(e)")
def test_export_takes_the_list_filters_and_is_recorded(api, manager, fleet):
    api.force_authenticate(manager)
    rows = rows_of(api.get(EXPORT, {"modality": "CT", "status": S.AWAITING_ACCEPTANCE}))

    assert [row["asset_tag"] for row in rows] == ["ALPHA-PETCT"]
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT).latest("seq")
    assert event.object_type == "equipment list"
    assert event.changes["filters"] == {"modality": "CT", "status": S.AWAITING_ACCEPTANCE}


def test_export_answers_a_client_that_asks_for_csv(api, manager, fleet):
    api.force_authenticate(manager)
    response = api.get(EXPORT, HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="equipment-' in response["Content-Disposition"]


def test_export_refuses_a_bad_filter_with_a_field_error(api, manager, fleet):
    api.force_authenticate(manager)
    response = api.get(EXPORT, {"status": "broken"})

    assert response.status_code == 400
    assert "status" in response.json()


def test_export_runs_the_same_queries_for_5_and_for_60_pieces_of_equipment(api, manager, site_a):
    def queries() -> int:
        api.force_authenticate(manager)
        b"".join(api.get(EXPORT).streaming_content)  # warm caches
        with CaptureQueriesContext(connection) as captured:
            body = b"".join(api.get(EXPORT).streaming_content)
        return len(captured), body.count(b"\n") - 1

    factories.EquipmentFactory.create_batch(5, site=site_a)
    few, five = queries()
    factories.EquipmentFactory.create_batch(55, site=site_a)
    many, sixty = queries()
    assert (five, sixty) == (5, 60)
    assert many == few


def test_the_list_page_offers_export_with_its_filters_and_import_to_editors(
    client, manager, inspector, fleet
):
    client.force_login(manager)
    page = client.get("/equipment/", {"modality": "CT"}).content.decode()
    assert f'href="{PAGE_EXPORT}?modality=CT"' in page
    assert f'href="{PAGE_IMPORT}"' in page

    client.force_login(inspector)
    page = client.get("/equipment/").content.decode()
    assert f'href="{PAGE_EXPORT}"' in page
    assert PAGE_IMPORT not in page


def test_the_export_page_streams_the_filtered_list(client, inspector, fleet):
    client.force_login(inspector)
    response = client.get(PAGE_EXPORT, {"modality": "PT", "page": "2"})

    assert response.status_code == 200
    assert [row["asset_tag"] for row in rows_of(response)] == ["ALPHA-PETCT"]


def test_the_export_page_sends_a_bad_filter_back_to_the_list(client, inspector, fleet):
    client.force_login(inspector)
    response = client.get(PAGE_EXPORT, {"status": "broken"})

    assert response.status_code == 302
    assert response["Location"] == "/equipment/?status=broken"


# --- the lossless round trip -----------------------------------------------------------------


@pytest.mark.req("11.10(b)")
def test_export_then_import_of_the_same_file_changes_nothing(api, manager, fleet):
    """GIVEN equipment with neutralised text, dates, decimals, flags and a PET/CT
    WHEN its export is imported again THEN every row is unchanged and nothing is written."""
    body = exported_bytes(api, manager)
    before = {e.pk: e for e in Equipment.objects.all()}
    events = equipment_events()

    response = import_csv(api, manager, csv_file(body))

    assert response.status_code == 200, response.content
    report = response.json()
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 3)
    assert report["errors"] == []
    assert report["saved"] is True
    assert equipment_events() == events
    for equipment in Equipment.objects.all():
        old = before[equipment.pk]
        for column in ("name", "model", "vendor", "contract_reference", "modalities", "status"):
            assert getattr(equipment, column) == getattr(old, column)


def test_a_neutralised_cell_is_imported_as_it_was_written(api, manager, fleet):
    header = [*HEADER, "serial_number", "vendor"]
    row = [*new_row("ALPHA-US9"), "'=SUM(A1:A2)", "'-minus"]
    upload = csv_file([header, row])

    report = import_csv(api, manager, upload).json()

    assert report["created"] == 1, report
    equipment = Equipment.objects.get(asset_tag="ALPHA-US9")
    assert (equipment.serial_number, equipment.vendor) == ("=SUM(A1:A2)", "-minus")


def test_an_edited_export_updates_the_changed_rows_and_never_the_status(api, manager, fleet):
    rows = list(csv.reader(io.StringIO(exported_bytes(api, manager).decode(), newline="")))
    header = rows[0]
    for row in rows[1:]:
        if row[1] == "ALPHA-PETCT":
            row[header.index("software_version")] = "VG80"
            row[header.index("status")] = "retired"

    report = import_csv(api, manager, csv_file(rows)).json()

    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 2)
    pet_ct = Equipment.objects.get(pk=fleet["pet_ct"].pk)
    assert (pet_ct.software_version, pet_ct.status) == ("VG80", S.AWAITING_ACCEPTANCE)
    event = AuditEvent.objects.filter(object_id=str(pet_ct.pk), action="update").latest("seq")
    assert event.changes["software_version"] == ["", "VG80"]


# --- the file as a whole -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "The file is empty."),
        (b"\r\n  \r\n", "The file is empty."),
        (b"site,asset_tag,name\r\n", "The file has a header but no rows."),
        ("site,asset_tag,name\r\nALPHA,X1,Caf\u00e9\r\n".encode("latin-1"), "not UTF-8"),
        (b"site,asset_tag,name\r\nALPHA,X1,\x00\r\n", "it is not CSV text"),
        (b'site,asset_tag,name\r\nALPHA,X1,"broken\r\n', "Line 2 cannot be read as CSV"),
        (b'site,asset_tag,name\r\nALPHA,X1,"a"b\r\n', "Line 2 cannot be read as CSV"),
    ],
)
def test_a_file_that_cannot_be_read_is_a_400_that_says_why(api, manager, content, words):
    response = import_csv(api, manager, csv_file(content))

    assert response.status_code == 400
    assert words in " ".join(response.json()["file"])
    assert not Equipment.objects.exists()


def test_a_wrong_header_names_the_unknown_and_missing_columns(api, manager, site_a):
    upload = csv_file([["site", "tag", "name", "colour"], ["ALPHA", "X1", "CT", "red"]])

    response = import_csv(api, manager, upload)

    assert response.status_code == 400
    message = " ".join(response.json()["file"])
    assert "Unknown columns: tag, colour." in message
    assert "Missing column: asset_tag." in message


def test_a_file_without_a_header_is_refused_for_its_missing_columns(api, manager, site_a):
    response = import_csv(api, manager, csv_file([new_row("ALPHA-US1")]))

    assert response.status_code == 400
    assert "Missing columns: site, asset_tag, name." in " ".join(response.json()["file"])


def test_a_utf8_bom_and_a_header_written_in_words_are_accepted(api, manager, site_a):
    factories.LocationFactory(site=site_a, building="Main", room="CT 1")
    text = "Site,Asset tag,Name,Category,Modalities,Location\r\nALPHA,US-7,Écho,,US,Main/CT 1\r\n"
    report = import_csv(api, manager, csv_file(b"\xef\xbb\xbf" + text.encode())).json()

    assert report["created"] == 1, report
    assert Equipment.objects.get(asset_tag="US-7").name == "Écho"


def test_files_over_the_row_or_size_limit_are_refused(api, manager, site_a, monkeypatch):
    # The limits are every import's, read where the file is read.
    monkeypatch.setattr(csv_import, "MAX_ROWS", 2)
    rows = [HEADER, new_row("A1"), new_row("A2"), new_row("A3")]
    response = import_csv(api, manager, csv_file(rows))
    assert response.status_code == 400
    assert "more than 2 rows" in response.json()["file"][0]

    monkeypatch.setattr(csv_import, "MAX_BYTES", 100)
    response = import_csv(api, manager, csv_file([HEADER] + [new_row(f"T{n}") for n in range(9)]))
    assert response.status_code == 400
    assert "the limit is" in response.json()["file"][0]
    assert not Equipment.objects.exists()


# --- rows ----------------------------------------------------------------------------------


def test_duplicate_tags_in_one_file_name_both_lines_and_save_nothing(api, manager, fleet):
    rows = [HEADER, new_row("ALPHA-US1"), new_row("ALPHA-US2"), new_row("alpha-us1")]

    report = import_csv(api, manager, csv_file(rows)).json()

    errors = errors_by_line(report)
    assert set(errors) == {2, 4}
    for line in (2, 4):
        [(column, reason)] = errors[line]
        assert column == "asset_tag"
        assert "lines 2 and 4" in reason
    assert report["saved"] is False
    assert not Equipment.objects.filter(asset_tag__startswith="ALPHA-US").exists()


def test_bad_dates_are_reported_by_line_and_column(api, manager, fleet):
    rows = [
        HEADER,
        new_row("ALPHA-US1"),
        new_row("ALPHA-US2", installed_on="03/04/2025"),
        new_row("ALPHA-US3", installed_on="2025-02-30"),
    ]

    report = import_csv(api, manager, csv_file(rows)).json()

    errors = errors_by_line(report)
    assert set(errors) == {3, 4}
    assert errors[3][0][0] == "installed_on"
    assert "YYYY-MM-DD" in errors[3][0][1]
    assert errors[4][0][0] == "installed_on"
    assert report["invalid"] == 2
    assert not Equipment.objects.filter(asset_tag="ALPHA-US1").exists()


def test_an_unknown_location_is_reported_with_how_to_write_one(api, manager, fleet, site_b):
    factories.LocationFactory(site=site_b, building="Main", room="Beta room")
    rows = [
        HEADER,
        new_row("ALPHA-US1", location="Main / CT 9"),
        new_row("ALPHA-US2", location="Main / Beta room"),  # a room at another site
    ]

    report = import_csv(api, manager, csv_file(rows)).json()

    errors = errors_by_line(report)
    assert errors[2] == [
        (
            "location",
            "ALPHA has no location “Main / CT 9” (write it as “Building / Room”; add the room "
            "under Locations first).",
        )
    ]
    assert errors[3][0][0] == "location"


@pytest.mark.req("11.10(d)")
def test_another_sites_tag_is_refused_without_saying_whether_it_exists(api, manager, fleet):
    """The manager holds no role at Beta: its existing tag, a new tag there, and a site that
    does not exist at all get the same kind of answer, and Beta's scanner is untouched."""
    rows = [
        HEADER,
        new_row("BETA-CT1", site="BETA", location=""),
        new_row("BETA-NEW", site="BETA", location=""),
        new_row("ZETA-1", site="ZETA", location=""),
    ]

    report = import_csv(api, manager, csv_file(rows), skip_invalid="true").json()

    errors = errors_by_line(report)
    assert errors[2] == [("site", "“BETA” is not one of your sites.")]
    assert errors[3] == [("site", "“BETA” is not one of your sites.")]
    assert errors[4] == [("site", "“ZETA” is not one of your sites.")]
    assert Equipment.objects.get(pk=fleet["beta_ct"].pk).name == fleet["beta_ct"].name
    assert not Equipment.objects.filter(asset_tag__in=["BETA-NEW", "ZETA-1"]).exists()


def test_the_services_rules_come_back_per_row_and_column(api, manager, fleet):
    header = [*HEADER, "maintenance_strategy", "high_risk"]
    rows = [
        header,
        [*new_row("ALPHA-US1"), "alternative", "no"],  # imaging: no AEM (CMS S&C 14-07)
        [*new_row("ALPHA-US2", modalities="XX"), "", "maybe"],
        [*new_row("ALPHA-US3", category="spaceship"), "", ""],
        [*new_row("ALPHA-US4", name=""), "", ""],
        ["ALPHA", "ALPHA-US5", "too", "few"],
    ]

    report = import_csv(api, manager, csv_file(rows)).json()

    errors = errors_by_line(report)
    assert errors[2][0][0] == "maintenance_strategy"
    assert "CMS S&C 14-07" in errors[2][0][1]
    assert {column for column, _ in errors[3]} == {"high_risk"}
    assert errors[4][0][0] == "category"
    assert "imaging_system" in errors[4][0][1]
    assert errors[5][0][0] == "name"
    assert errors[6] == [(None, "This row has 4 cells; the header has 9 columns.")]
    assert report["invalid"] == 5


def test_invalid_modalities_are_a_column_error(api, manager, fleet):
    report = import_csv(api, manager, csv_file([HEADER, new_row(modalities="PT;XX")])).json()

    assert errors_by_line(report)[2][0][0] == "modalities"
    assert "XX" in errors_by_line(report)[2][0][1]


# --- options: all or nothing, skip invalid, dry run, adoption ------------------------------


def test_by_default_nothing_is_saved_unless_every_row_is_valid(api, manager, fleet):
    rows = [HEADER, new_row("ALPHA-US1"), new_row("ALPHA-US2", installed_on="soon")]
    events = AuditEvent.objects.count()

    report = import_csv(api, manager, csv_file(rows)).json()

    assert (report["created"], report["invalid"], report["saved"]) == (1, 1, False)
    assert report["summary"].startswith("Nothing was saved")
    assert not Equipment.objects.filter(asset_tag__startswith="ALPHA-US").exists()
    assert AuditEvent.objects.count() == events


def test_skip_invalid_saves_the_valid_rows_only(api, manager, fleet):
    rows = [HEADER, new_row("ALPHA-US1"), new_row("ALPHA-US2", installed_on="soon")]

    report = import_csv(api, manager, csv_file(rows), skip_invalid="true").json()

    assert (report["created"], report["invalid"], report["saved"]) == (1, 1, True)
    created = Equipment.objects.get(asset_tag="ALPHA-US1")
    assert (created.status, created.location, created.installed_on) == (
        S.AWAITING_ACCEPTANCE,
        fleet["ct_room"],
        date(2025, 1, 2),
    )
    assert not Equipment.objects.filter(asset_tag="ALPHA-US2").exists()


def test_a_dry_run_reports_and_saves_nothing(api, manager, fleet):
    rows = [HEADER, new_row("ALPHA-US1"), new_row("ALPHA-US2")]
    events = AuditEvent.objects.count()

    report = import_csv(api, manager, csv_file(rows), dry_run="true").json()

    assert (report["created"], report["saved"], report["dry_run"]) == (2, False, True)
    assert not Equipment.objects.filter(asset_tag__startswith="ALPHA-US").exists()
    assert AuditEvent.objects.count() == events


def test_a_manager_adopts_the_new_equipment_in_service_with_a_reason(api, manager, fleet):
    rows = [HEADER, new_row("ALPHA-US1"), new_row("ALPHA-US2")]
    reason = "Inventory moved from the old system; in clinical use since 2019."

    report = import_csv(
        api, manager, csv_file(rows), adopt_in_service="true", adoption_reason=reason
    ).json()

    assert report["created"] == 2, report
    for equipment in Equipment.objects.filter(asset_tag__startswith="ALPHA-US"):
        assert equipment.status == S.IN_SERVICE
        adoption = equipment.status_changes.get()
        assert (adoption.kind, adoption.reason, adoption.actor) == (
            StatusChangeKind.ADOPTION,
            reason,
            manager,
        )


def test_adoption_without_a_reason_is_refused_before_reading_the_file(api, manager, fleet):
    response = import_csv(
        api, manager, csv_file([HEADER, new_row()]), adopt_in_service="true", adoption_reason=" "
    )

    assert response.status_code == 400
    assert "adoption_reason" in response.json()
    assert not Equipment.objects.filter(asset_tag="ALPHA-US1").exists()


@pytest.mark.req("11.10(g)")
def test_a_physicist_may_import_but_not_adopt(api, physicist, fleet):
    upload = csv_file([HEADER, new_row()])
    report = import_csv(
        api, physicist, upload, adopt_in_service="yes", adoption_reason="In use."
    ).json()

    [(column, reason)] = errors_by_line(report)[2]
    assert column is None
    assert "adopt equipment already in clinical use" in reason
    assert not Equipment.objects.filter(asset_tag="ALPHA-US1").exists()

    report = import_csv(api, physicist, csv_file([HEADER, new_row()])).json()
    assert report["created"] == 1
    assert Equipment.objects.get(asset_tag="ALPHA-US1").status == S.AWAITING_ACCEPTANCE


# --- who may import ------------------------------------------------------------------------


@pytest.mark.req("11.10(d)", "11.10(g)")
@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.TECHNICIAN])
def test_people_who_may_edit_equipment_nowhere_cannot_import(api, person, site_a, fleet, role):
    user = person(role, site_a)

    response = import_csv(api, user, csv_file([HEADER, new_row()]))

    assert response.status_code == 403
    assert not Equipment.objects.filter(asset_tag="ALPHA-US1").exists()


@pytest.mark.req("11.10(g)")
def test_a_technician_at_one_site_cannot_create_there_by_importing(api, person, site_a, fleet):
    """A physicist at Beta who is a technician at Alpha imports rows for both sites."""
    user = person(Role.PHYSICIST, fleet["beta_ct"].site)
    factories.MembershipFactory(user=user, site=site_a, role=Role.TECHNICIAN)
    rows = [HEADER, new_row("ALPHA-US1"), new_row("BETA-US1", site="BETA", location="")]

    report = import_csv(api, user, csv_file(rows), skip_invalid="true").json()

    assert errors_by_line(report)[2] == [
        (None, "You are not allowed to create and edit equipment and locations here.")
    ]
    assert report["created"] == 1
    assert list(Equipment.objects.filter(asset_tag__endswith="-US1").values_list("asset_tag")) == [
        ("BETA-US1",)
    ]


@pytest.mark.req("11.10(g)")
def test_an_rso_imports_sealed_sources_only(api, rso, fleet):
    header = [
        "site",
        "asset_tag",
        "name",
        "category",
        "location",
        "radionuclide",
        "reference_activity",
        "activity_unit",
        "reference_date",
    ]
    source = ["ALPHA", "ALPHA-CO57", "Co-57 flood", "Sealed source", "NM / Hot lab"]
    rows = [
        header,
        [*source, "Co-57", "370", "MBq", "2025-06-01"],
        ["ALPHA", "ALPHA-XR1", "X-ray", "other", "", "", "", "", ""],
    ]

    report = import_csv(api, rso, csv_file(rows), skip_invalid="1").json()

    assert report["created"] == 1
    assert "sealed sources only" in errors_by_line(report)[3][0][1]
    created = Equipment.objects.get(asset_tag="ALPHA-CO57")
    assert (created.category, created.reference_activity) == (
        Category.SEALED_SOURCE,
        Decimal("370"),
    )
    assert created.maintenance_strategy == MaintenanceStrategy.MANUFACTURER


# --- performance ---------------------------------------------------------------------------


def test_import_lookups_are_batched_not_run_per_row(api, manager, site_a):
    """Re-importing an unchanged export runs the same queries for 5 rows as for 60."""

    def queries_to_reimport() -> int:
        body = exported_bytes(api, manager)
        import_csv(api, manager, csv_file(body))  # warm caches
        with CaptureQueriesContext(connection) as captured:
            report = import_csv(api, manager, csv_file(body)).json()
        assert report["unchanged"] == Equipment.objects.count()
        return len(captured)

    factories.EquipmentFactory.create_batch(5, site=site_a)
    few = queries_to_reimport()
    factories.EquipmentFactory.create_batch(55, site=site_a)
    assert queries_to_reimport() == few


# --- the pages -----------------------------------------------------------------------------


def test_the_upload_page_shows_the_report_with_line_numbers(client, manager, fleet):
    client.force_login(manager)
    page = client.get(PAGE_IMPORT)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    assert 'name="adoption_reason"' in page.content.decode()

    rows = [HEADER, new_row("ALPHA-US1"), new_row("ALPHA-US2", location="Nowhere / 0")]
    response = client.post(PAGE_IMPORT, {"file": csv_file(rows), "dry_run": "on"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Rows to correct" in html
    assert "<td>3</td>" in html
    assert "ALPHA has no location “Nowhere / 0”" in html
    assert not Equipment.objects.filter(asset_tag__startswith="ALPHA-US").exists()


def test_the_upload_page_saves_a_valid_file(client, manager, fleet):
    client.force_login(manager)

    response = client.post(PAGE_IMPORT, {"file": csv_file([HEADER, new_row()])})

    assert response.status_code == 200
    assert "Saved: 1 created, 0 updated, 0 unchanged." in response.content.decode()
    assert Equipment.objects.filter(asset_tag="ALPHA-US1").exists()


def test_the_upload_page_shows_an_unreadable_file_on_the_form(client, physicist, fleet):
    client.force_login(physicist)
    page = client.get(PAGE_IMPORT).content.decode()
    assert 'name="adoption_reason"' not in page  # a physicist may adopt nowhere

    response = client.post(PAGE_IMPORT, {"file": csv_file(b"")})

    assert response.status_code == 400
    assert "The file is empty." in response.content.decode()


def test_the_upload_page_is_refused_to_an_inspector(client, inspector):
    client.force_login(inspector)

    assert client.get(PAGE_IMPORT).status_code == 403
    assert client.post(PAGE_IMPORT, {"file": csv_file([HEADER, new_row()])}).status_code == 403
