"""Undoing an applied attendance import (出席者取込の取消) in the admin: the credits it created go,
the registrations it marked are unmarked, the job is recorded as undone; what blocks it is listed
per row; the member-list import says why it cannot be undone."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from imports import services, undo
from imports.models import ImportJob
from renewal.attendance import mark_attended
from renewal.models import Credit, Registration, RenewalApplication
from tests.factories import MemberFactory, StaffUserFactory
from tests.imports.data import csv_bytes, member_rows
from tests.imports.test_attendance_import import KIND, sheet_csv
from tests.renewal.seminar_data import make_seminar, register
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    seminar = make_seminar(sessions=2, onsite=True, elearning=True)
    one, two = seminar.sessions.order_by("sort_order")
    sato = MemberFactory(user__username="0050001", certification_expires_on=datetime.date(2027, 3, 31))
    suzuki = MemberFactory(user__username="0050002")
    tanaka = MemberFactory(user__username="0050003")
    registration = register(suzuki, one)  # 会場 (onsite)
    mark_attended(registration=register(tanaka, two))  # staff marked it before the import
    return {"one": one, "two": two, "sato": sato, "suzuki": suzuki, "tanaka": tanaka, "registration": registration}


@pytest.fixture
def staff(db):
    user = StaffUserFactory(username="jimu-undo")
    user.groups.add(Group.objects.get(name="事務局"))
    return user


@pytest.fixture
def staff_client(client, staff):
    return log_in_staff(client, staff)


def credits():
    return sorted(Credit.objects.values_list("member__member_number", "session_id", "source"))


def registrations():
    return sorted(Registration.objects.values_list("pk", "attended_at", "participation_format", "attended_import_job"))


@pytest.fixture
def imported(import_file, world, staff):
    """The state before, and the applied job of a sheet: a new credit without registration
    (0050001), a new credit marking a registration as eラーニング (0050002), a known one (0050003)."""
    before = (credits(), registrations())
    rows = [
        ["0050001", str(world["one"].pk), ""],
        ["0050002", str(world["one"].pk), "eラーニング"],
        ["0050003", str(world["two"].pk), ""],
    ]
    job = import_file(sheet_csv(rows), name="attendance.csv", kind=KIND, user=staff)
    assert job.state == ImportJob.State.APPLIED, job.message
    assert len(credits()) == 3 and registrations() != before[1]
    return before, job


def test_undo_deletes_the_credits_and_unmarks_the_registrations_of_the_import(imported, world, staff):
    before, job = imported

    job = undo.undo_job(job=job, user=staff)

    assert (credits(), registrations()) == before  # 参加形態 back to 会場, staff's credit kept
    assert job.state == ImportJob.State.UNDONE and job.get_state_display() == "取消済"
    assert job.undone_by == staff and job.undone_at is not None
    assert job.undo_summary == "受講履歴 2件を削除し、参加申込 1件を未参加に戻しました。"
    unmarked = ModelLogEntry.objects.get(action="renewal.registration.attendance_undone")
    assert unmarked.object_id == str(world["registration"].pk) and unmarked.user == staff
    assert unmarked.data == {"import_job": job.pk, "format_restored": "onsite"}
    deleted = ModelLogEntry.objects.filter(action="renewal.credit.import_undone").order_by("label")
    assert [(entry.label[:7], entry.data["import_job"], entry.user) for entry in deleted] == [
        ("0050001", job.pk, staff),
        ("0050002", job.pk, staff),
    ]
    # Undone: not "already applied" any more, and it cannot be undone twice.
    with pytest.raises(services.ImportJobError, match="すでに取り消しています"):
        undo.undo_job(job=job, user=staff)


def test_the_same_sheet_imports_again_after_the_undo(imported, import_file, world, staff):
    _before, job = imported
    undo.undo_job(job=job, user=staff)
    rows = [["0050001", str(world["one"].pk), ""], ["0050002", str(world["one"].pk), "eラーニング"]]
    again = import_file(sheet_csv(rows), name="attendance.csv", kind=KIND, user=staff)
    assert services.previous_application(again) is None
    assert again.result["counts"]["new"] == 2


def test_a_renewal_application_made_after_the_import_blocks_the_undo(imported, world, staff):
    _before, job = imported
    sato = world["sato"]
    RenewalApplication.objects.create(
        member=sato, expires_on=sato.certification_expires_on, new_expires_on=datetime.date(2032, 3, 31),
        points_at_application=50,
    )  # fmt: skip
    state = (credits(), registrations())

    blockers = undo.undo_blockers(job)
    assert blockers == [
        undo.UndoBlocker(
            None,
            f"0050001 {sato.full_name} / 第91回日本消化器内視鏡技師学会 セッション1",
            f"取込の後の資格更新申請({timezone.localdate():%Y/%m/%d}申請、事務局確認中)の点数に含まれています。",
        )
    ]
    with pytest.raises(undo.UndoRefused) as refused:
        undo.undo_job(job=job, user=staff)

    assert refused.value.blockers == blockers
    assert (credits(), registrations()) == state  # nothing changed
    job.refresh_from_db()
    assert job.state == ImportJob.State.APPLIED and job.undone_by is None


def test_an_application_made_before_the_import_does_not_block(world, import_file, staff):
    sato = world["sato"]
    application = RenewalApplication.objects.create(
        member=sato, expires_on=sato.certification_expires_on, new_expires_on=datetime.date(2032, 3, 31),
        points_at_application=50,
    )  # fmt: skip
    RenewalApplication.objects.filter(pk=application.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=1)
    )
    job = import_file(sheet_csv([["0050001", str(world["one"].pk), ""]]), name="a.csv", kind=KIND, user=staff)
    assert undo.undo_blockers(job) == []
    assert undo.undo_job(job=job, user=staff).state == ImportJob.State.UNDONE
    assert not Credit.objects.filter(member=sato).exists()


def test_a_registration_marked_by_staff_after_the_import_blocks_the_undo(imported, world, staff):
    _before, job = imported
    late = register(world["sato"], world["one"])  # registered after the sheet gave the credit
    mark_attended(registration=late)  # the credit is this attendance's credit now

    [blocker] = undo.undo_blockers(job)
    assert blocker.subject.startswith("0050001 ") and "参加済にされ" in blocker.reason
    with pytest.raises(undo.UndoRefused):
        undo.undo_job(job=job, user=staff)
    assert Credit.objects.filter(member=world["sato"]).exists()


def test_staff_review_and_undo_an_import_on_its_page(imported, staff_client, world):
    _before, job = imported
    page = staff_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "取り込みを取り消す" in page
    assert f"?import_job={job.pk}" in page  # links to the credits and registrations it wrote

    confirm = staff_client.get(reverse("imports:undo", args=[job.pk])).content.decode()
    assert "この取込で登録した受講履歴を削除します" in confirm and 'id="import-undo-form"' in confirm

    response = staff_client.post(reverse("imports:undo", args=[job.pk]), follow=True)
    body = response.content.decode()
    assert f"取込 #{job.pk} を取り消しました。受講履歴 2件を削除し" in body
    assert "取消済" in body and 'id="job-undone"' in body and "jimu-undo" in body
    assert not Credit.objects.filter(import_job=job.pk).exists()
    assert "取消済" in staff_client.get(reverse("imports:index")).content.decode()


def test_the_confirm_page_lists_what_blocks_the_undo_per_row(imported, staff_client, world):
    _before, job = imported
    sato = world["sato"]
    RenewalApplication.objects.create(
        member=sato, expires_on=sato.certification_expires_on, new_expires_on=datetime.date(2032, 3, 31),
        points_at_application=50,
    )  # fmt: skip
    confirm = staff_client.get(reverse("imports:undo", args=[job.pk])).content.decode()
    assert 'id="undo-blockers"' in confirm and "import-undo-form" not in confirm
    assert f"0050001 {sato.full_name}" in confirm and "資格更新申請" in confirm

    response = staff_client.post(reverse("imports:undo", args=[job.pk]))  # a form opened earlier
    assert "取り消せない行が1件あります。何も変更していません。" in response.content.decode()
    assert Credit.objects.filter(import_job=job.pk).count() == 2


def test_the_member_list_import_says_why_it_cannot_be_undone(import_file, staff_client, staff):
    job = import_file(csv_bytes(member_rows(2)), user=staff)
    assert job.state == ImportJob.State.APPLIED
    page = staff_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "会員名簿の取込は取り消せません" in page and 'id="import-undo"' not in page

    response = staff_client.post(reverse("imports:undo", args=[job.pk]), follow=True)
    assert "会員名簿の取込は取り消せません" in response.content.decode()
    job.refresh_from_db()
    assert job.state == ImportJob.State.APPLIED


def test_only_an_applied_job_is_undone(preview, world, staff):
    job = preview(sheet_csv([["0050001", str(world["one"].pk), ""]]), name="a.csv", kind=KIND, user=staff)
    assert job.state == ImportJob.State.PREVIEWED
    with pytest.raises(services.ImportJobError, match="取り込み済みの取込だけ"):
        undo.undo_job(job=job, user=staff)


def test_the_undo_needs_the_import_permission(imported, client):
    _before, job = imported
    editor = StaffUserFactory(username="editor-undo")
    editor.groups.add(Group.objects.get(name="編集者"))
    log_in_staff(client, editor)
    for response in (
        client.get(reverse("imports:undo", args=[job.pk])),
        client.post(reverse("imports:undo", args=[job.pk])),
    ):
        assert response.status_code == 302 and response.url == "/admin/"  # Wagtail's "no permission"
    assert Credit.objects.filter(import_job=job.pk).count() == 2
