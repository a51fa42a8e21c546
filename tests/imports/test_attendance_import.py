"""Attendance import (出席者取込): preview classes, errors with row and column, applying all or
nothing, registrations marked attended, re-import, the upload page and template."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from imports import services
from imports.models import ImportJob
from renewal.attendance import mark_attended
from renewal.models import Credit, Registration
from tests.factories import MemberFactory, StaffUserFactory
from tests.renewal.seminar_data import make_seminar, register
from tests.two_factor import log_in_staff

KIND = "attendance"
HEADERS = ["会員番号", "セッションID", "参加形態"]
pytestmark = pytest.mark.django_db


def sheet_csv(rows, headers=HEADERS, encoding="cp932"):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def sheet_xlsx(rows, headers=HEADERS):
    workbook = openpyxl.Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def preview_sheet(preview):
    def run(rows, name="attendance.csv", data=None, **kwargs):
        return preview(sheet_csv(rows) if data is None else data, name=name, kind=KIND, **kwargs)

    return run


def counts(job):
    return {key: value for key, value in job.result["counts"].items() if value}


def errors_of(job):
    return [(e["row"], e["column"], e["message"]) for e in job.result["errors"]]


@pytest.fixture
def world(db):
    seminar = make_seminar(sessions=2, onsite=True, elearning=True)
    one, two = seminar.sessions.order_by("sort_order")
    sato = MemberFactory(user__username="0050001")
    suzuki = MemberFactory(user__username="0050002")
    tanaka = MemberFactory(user__username="0050003")
    registration = register(suzuki, one)
    return {"one": one, "two": two, "sato": sato, "suzuki": suzuki, "tanaka": tanaka, "registration": registration}


def credit_state():
    return sorted(Credit.objects.values_list("member__member_number", "session_id", "points", "source"))


def test_preview_new_known_and_apply(preview_sheet, world, superuser):
    one, two = world["one"], world["two"]
    mark_attended(registration=register(world["tanaka"], two))
    rows = [
        ["0050001", str(one.pk), ""],  # row 2: new credit, no registration
        ["0050002", str(one.pk), "eラーニング"],  # row 3: new credit + registration marked
        ["0050003", str(two.pk), "会場"],  # row 4: already credited
    ]
    job = preview_sheet(rows)
    assert job.state == ImportJob.State.PREVIEWED, job.message
    assert counts(job) == {"new": 2, "known": 1}
    assert job.can_apply
    samples = {sample["row"]: sample["cells"][-1] for sample in job.result["samples"]["new"]}
    assert "参加申込を参加済にします" in samples[3] and "参加申込" not in samples[2]
    assert "登録済" in job.result["samples"]["known"][0]["cells"][-1]
    assert Credit.objects.count() == 1  # the preview changes nothing

    job = services.start_apply(job=job, user=superuser)

    assert job.state == ImportJob.State.APPLIED, job.message
    assert credit_state() == [
        ("0050001", one.pk, 10, "import"),
        ("0050002", one.pk, 10, "import"),
        ("0050003", two.pk, 10, "attendance"),
    ]
    registration = Registration.objects.get(pk=world["registration"].pk)
    assert registration.attended_at is not None and registration.participation_format == "elearning"
    entry = ModelLogEntry.objects.get(object_id=str(registration.pk), action="renewal.registration.attended")
    assert entry.user == superuser and entry.data["import_job"] == job.pk


def test_reimporting_the_same_sheet_changes_nothing(preview_sheet, import_file, world, superuser):
    rows = [["0050001", str(world["one"].pk), ""], ["0050002", str(world["one"].pk), "会場"]]
    import_file(sheet_csv(rows), name="attendance.csv", kind=KIND)
    before = credit_state()
    attended = list(Registration.objects.values_list("pk", "attended_at"))

    job = preview_sheet(rows)
    assert counts(job) == {"known": 2}
    assert services.previous_application(job) is not None  # the page says it was applied before
    job = services.start_apply(job=job, user=superuser)

    assert job.state == ImportJob.State.APPLIED
    assert credit_state() == before
    assert list(Registration.objects.values_list("pk", "attended_at")) == attended


def test_errors_name_row_column_and_reason_and_block_everything(preview_sheet, world, superuser):
    one = world["one"]
    rows = [
        ["0050001", str(one.pk), ""],  # row 2: fine
        ["0099999", str(one.pk), ""],  # row 3: unknown member
        ["0050002", "999999", ""],  # row 4: unknown session
        ["0050001", str(one.pk), ""],  # row 5: same as row 2
        ["0050003", "abc", "オンデマンド"],  # row 6: malformed id and format
        ["", str(one.pk), ""],  # row 7: member number missing
    ]
    job = preview_sheet(rows)

    assert job.state == ImportJob.State.PREVIEWED
    assert counts(job) == {"new": 1, "error": 5}
    assert not job.can_apply
    errors = errors_of(job)
    assert (3, "会員番号", "会員番号 0099999 の会員が見つかりません。") in errors
    assert (4, "セッションID", "セッションID 999999 のセッションがありません。") in errors
    assert (5, "会員番号", "2行目と同じ会員・セッションです(1人1セッションにつき1行にしてください)。") in errors
    assert any(row == 6 and column == "セッションID" and "数字で入力" in message for row, column, message in errors)
    assert any(row == 6 and column == "参加形態" for row, column, _message in errors)
    assert (7, "会員番号", "必須項目です。入力してください。") in errors
    with pytest.raises(services.ImportJobError):
        services.start_apply(job=job, user=superuser)
    assert not Credit.objects.exists()
    assert Registration.objects.get(pk=world["registration"].pk).attended_at is None


def test_an_error_found_at_apply_time_applies_nothing(preview_sheet, world, superuser):
    """The member of one row is deleted after the preview: the import fails as a whole."""
    rows = [["0050002", str(world["one"].pk), ""], ["0050001", str(world["two"].pk), ""]]
    job = preview_sheet(rows)
    assert job.can_apply
    world["sato"].delete()

    job = services.start_apply(job=job, user=superuser)

    assert job.state == ImportJob.State.FAILED
    assert "何も変更していません" in job.message
    assert not Credit.objects.exists()
    assert Registration.objects.get(pk=world["registration"].pk).attended_at is None


def test_a_credit_awarded_after_the_preview_is_not_doubled(preview_sheet, world, superuser):
    rows = [["0050002", str(world["one"].pk), ""], ["0050001", str(world["one"].pk), ""]]
    job = preview_sheet(rows)
    assert counts(job) == {"new": 2}
    mark_attended(registration=world["registration"])  # staff click 参加済にする meanwhile

    job = services.start_apply(job=job, user=superuser)

    assert job.state == ImportJob.State.APPLIED, job.message
    assert counts(job) == {"new": 1, "known": 1}
    assert credit_state() == [
        ("0050001", world["one"].pk, 10, "import"),
        ("0050002", world["one"].pk, 10, "attendance"),
    ]


def test_credit_exists_but_registration_unattended_is_marked(preview_sheet, world, superuser):
    one = world["one"]
    Credit.objects.create(
        member=world["suzuki"], session=one, credit_category_id=one.credit_category_id, points=10,
        earned_on=one.date, source=Credit.Source.ATTENDANCE,
    )  # fmt: skip
    job = preview_sheet([["0050002", str(one.pk), ""]])
    assert counts(job) == {"attend": 1}
    job = services.start_apply(job=job, user=superuser)
    assert job.state == ImportJob.State.APPLIED
    assert Credit.objects.count() == 1
    assert Registration.objects.get(pk=world["registration"].pk).attended_at is not None


def test_xlsx_with_number_cells(preview_sheet, world, superuser):
    data = sheet_xlsx([["0050001", world["one"].pk, None], ["0050002", float(world["two"].pk), "会場"]])
    job = preview_sheet(None, name="attendance.xlsx", data=data)
    assert counts(job) == {"new": 2}, job.result["errors"]


def test_utf8_csv_with_bom(preview_sheet, world):
    data = "\ufeff".encode() + sheet_csv([["0050001", str(world["one"].pk), "eラーニング"]], encoding="utf-8")
    job = preview_sheet(None, data=data)
    assert counts(job) == {"new": 1}


def test_upload_page_documents_the_key_and_the_template_explains_it(admin_client):
    body = admin_client.get(reverse("imports:upload") + "?kind=attendance").content.decode()
    assert "出席者(受講履歴)" in body and "セッションID" in body
    assert "学会・セミナーの詳細画面" in body
    response = admin_client.get(reverse("imports:template", args=["attendance", "xlsx"]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [cell.value for cell in workbook.worksheets[0][1]] == HEADERS
    assert "記入方法" in workbook.sheetnames
    explanation = " ".join(str(c.value) for row in workbook["記入方法"].iter_rows() for c in row if c.value)
    assert "セッションID" in explanation and "学会・セミナー名やセッション名" in explanation
    csv_body = admin_client.get(reverse("imports:template", args=["attendance", "csv"])).content.decode("utf-8-sig")
    assert csv_body.splitlines() == ["会員番号,セッションID,参加形態", "【記入例】0012345,12,会場"]


def test_staff_import_through_the_admin(client, world):
    staff = StaffUserFactory(username="jimu-import")
    staff.groups.add(Group.objects.get(name="事務局"))
    log_in_staff(client, staff)
    data = sheet_csv([["0050002", str(world["one"].pk), ""]])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("imports:upload"), {"kind": KIND, "file": SimpleUploadedFile("出席者.csv", data)}, follow=True
    )
    body = response.content.decode()
    assert "新規" in body and "参加申込を参加済にします" in body
    job = ImportJob.objects.get()
    response = client.post(reverse("imports:confirm", args=[job.pk]), follow=True)
    assert Credit.objects.filter(member=world["suzuki"], source="import").exists()
    assert Registration.objects.get(pk=world["registration"].pk).attended_at <= timezone.now()


def test_a_participation_format_the_seminar_does_not_offer_is_an_error(preview_sheet, world):
    onsite_only = make_seminar(title="機器講習会", onsite=True, elearning=False).sessions.get()
    job = preview_sheet([["0050001", str(onsite_only.pk), "会場"], ["0050002", str(onsite_only.pk), "eラーニング"]])
    assert counts(job) == {"new": 1, "error": 1}
    assert (3, "参加形態", "このセッションの学会・セミナーはeラーニングで開催されていません。") in errors_of(job)


def test_the_import_goes_through_the_attendance_service(preview_sheet, world, superuser, monkeypatch):
    from renewal import attendance

    calls = []
    original = attendance.mark_attended_bulk

    def recording(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(attendance, "mark_attended_bulk", recording)
    one = world["one"]
    mark_attended(registration=register(world["tanaka"], one))  # staff marked one member already
    rows = [["0050001", str(one.pk), ""], ["0050002", str(one.pk), "会場"], ["0050003", str(one.pk), ""]]
    job = preview_sheet(rows)

    job = services.start_apply(job=job, user=superuser)

    assert job.state == ImportJob.State.APPLIED, job.message
    assert len(calls) == 1
    call = calls[0]
    assert (call["user"], call["via"], call["import_job"]) == (superuser, attendance.IMPORT, job.pk)
    assert [(item.row, item.registration_id) for item in call["attendances"]] == [
        (2, None),
        (3, world["registration"].pk),
    ]
    assert credit_state() == [
        ("0050001", one.pk, 10, "import"),
        ("0050002", one.pk, 10, "import"),
        ("0050003", one.pk, 10, "attendance"),
    ]  # one credit per member and session


def test_the_import_writes_nothing_itself(preview_sheet, world, superuser, monkeypatch):
    """With renewal's service replaced by a stub, applying a sheet marks, credits and logs nothing."""
    from renewal import attendance

    monkeypatch.setattr(attendance, "mark_attended_bulk", lambda **kwargs: attendance.Marked())
    job = preview_sheet([["0050001", str(world["one"].pk), ""], ["0050002", str(world["one"].pk), ""]])

    job = services.start_apply(job=job, user=superuser)

    assert job.state == ImportJob.State.APPLIED, job.message
    assert not Credit.objects.exists()
    assert Registration.objects.get(pk=world["registration"].pk).attended_at is None
    assert not ModelLogEntry.objects.filter(action="renewal.registration.attended").exists()


def test_sessions_not_held_yet_are_refused_per_row_with_their_date(preview_sheet, world, superuser):
    """Imported on 12/07 for sessions on 12/21 and 01/06: those rows are refused, nothing counts."""
    today = timezone.localdate()
    later = make_seminar(
        title="第92回日本消化器内視鏡技師学会", starts_on=today + datetime.timedelta(days=14), sessions=2
    )
    first, second = later.sessions.order_by("sort_order")
    second.held_on = today + datetime.timedelta(days=30)
    second.save()
    rows = [
        ["0050001", str(world["one"].pk), ""],  # row 2: held in 2025
        ["0050002", str(first.pk), ""],  # row 3: the seminar's day is two weeks ahead
        ["0050003", str(second.pk), ""],  # row 4: the session's own day, a month ahead
    ]
    job = preview_sheet(rows)

    assert counts(job) == {"new": 1, "error": 2}
    assert not job.can_apply
    assert errors_of(job)[0] == (
        3,
        "セッションID",
        f"セッションID {first.pk}(第92回日本消化器内視鏡技師学会 セッション1): "
        f"開催日({today + datetime.timedelta(days=14):%Y/%m/%d})がまだ来ていないセッションです。"
        "参加済・受講履歴は開催日から登録できます(開催日が違う場合は、セッションの開催日を直してください)。",
    )
    assert f"開催日({second.held_on:%Y/%m/%d})" in errors_of(job)[1][2]

    # Staff correct the date (it was held today after all): the same sheet imports.
    first.held_on = second.held_on = today
    first.save()
    second.save()
    job = preview_sheet(rows)
    assert counts(job) == {"new": 3}
    assert services.start_apply(job=job, user=superuser).state == ImportJob.State.APPLIED
    assert Credit.objects.filter(session__in=[first, second]).count() == 2
