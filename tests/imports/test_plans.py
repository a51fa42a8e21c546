"""Validate once: the import writes what the preview checked (``imports.plans``), re-checking
only what others may have changed since; a stale preview is refused with the row and reason."""

import datetime
import pickle
import zlib

import pytest
from django.utils import timezone

from imports import plans, services
from imports.kinds.members import MemberImport
from imports.models import ImportJob, ImportPlanChunk
from membership.models import Member, User
from renewal.attendance import mark_attended
from renewal.models import Credit, Registration
from tests.factories import MemberFactory, UserFactory
from tests.imports.data import csv_bytes, member_row, member_rows
from tests.imports.test_attendance_import import (  # noqa: F401 (fixture)
    counts,
    errors_of,
    preview_sheet,  # noqa: F401 (fixture)
    world,
)

pytestmark = pytest.mark.django_db


def test_the_import_does_not_read_or_check_the_file_again(preview, superuser, monkeypatch):
    job = preview(csv_bytes(member_rows(3)))
    assert ImportPlanChunk.objects.filter(job=job).exists()

    def refuse(*args, **kwargs):
        raise AssertionError("the import read or checked the file again")

    monkeypatch.setattr(MemberImport, "read_file", refuse)
    monkeypatch.setattr(MemberImport, "validate", refuse)
    job = services.start_apply(job=job, user=superuser)
    assert (job.state, job.new_count) == (ImportJob.State.APPLIED, 3), job.message
    assert sorted(Member.objects.values_list("member_number", flat=True)) == ["0000001", "0000002", "0000003"]
    assert Member.objects.get(member_number="0000002").birth_date.isoformat() == "1961-02-02"
    assert not ImportPlanChunk.objects.filter(job=job).exists()  # kept only until the import


def test_a_member_list_previewed_before_values_were_tuples_still_imports(import_file, preview, superuser):
    """A job previewed by the previous release kept each row's values as a dict by attribute."""
    import_file(csv_bytes(member_rows(1)))
    job = preview(csv_bytes([member_row(0, 自宅住所1="千代田区丸の内1-1"), member_row(1)]))  # changed, new
    kind = MemberImport()
    entries = []
    for entry in plans.load(job.pk):
        if entry[0] in ("n", "u"):
            entry = (entry[0], entry[1], dict(zip(kind.attributes, entry[2], strict=True)), *entry[3:])
        entries.append(entry)
    plans.store(job_id=job.pk, entries=entries)

    job = services.start_apply(job=job, user=superuser)

    assert (job.state, job.new_count, job.updated_count) == (ImportJob.State.APPLIED, 1, 1), job.message
    assert Member.objects.get(member_number="0000001").home_address1 == "千代田区丸の内1-1"
    assert Member.objects.get(member_number="0000002").user.email == "member2@example.jp"


def test_a_member_changed_between_preview_and_import_refuses_the_import(import_file, preview, superuser):
    import_file(csv_bytes(member_rows(2)))
    rows = [member_row(0, 自宅住所1="千代田区丸の内1-1"), member_row(1), member_row(2)]  # changed, same, new
    job = preview(csv_bytes(rows))
    assert (job.new_count, job.updated_count, job.unchanged_count, job.can_apply) == (1, 1, 1, True)
    # Staff change member 0000002's address on the admin page after the preview (its row: 変更なし).
    member = Member.objects.get(member_number="0000002")
    member.home_address1 = "港区芝公園4-2-8"
    member.save()

    job = services.start_apply(job=job, user=superuser)

    assert job.state == ImportJob.State.FAILED
    assert job.message == services.STALE_MESSAGE
    assert [(e["row"], e["column"]) for e in job.result["errors"]] == [(3, "会員番号")]
    assert job.result["errors"][0]["message"].startswith("会員 0000002 の登録が確認の後に変更されました")
    assert {key: count for key, count in job.result["counts"].items() if count} == {"error": 1, "updated": 1, "new": 1}
    error_rows = services.rows.class_rows(job, "error")[0]
    assert [row["row"] for row in error_rows] == [3]
    assert error_rows[0]["cells"][0] == "0000002"  # the row's cells as the preview showed them
    assert Member.objects.get(member_number="0000002").home_address1 == "港区芝公園4-2-8"
    assert not Member.objects.filter(member_number="0000003").exists()  # nothing written
    assert not ImportPlanChunk.objects.filter(job=job).exists()  # the plan is personal data: gone with the job


def test_a_member_whose_email_changed_meanwhile_is_refused(import_file, preview, superuser):
    import_file(csv_bytes(member_rows(1)))
    job = preview(csv_bytes([member_row(0, 自宅住所1="千代田区丸の内1-1")]))
    assert job.updated_count == 1
    User.objects.filter(username="0000001").update(email="new-address@example.jp")  # the member changed it
    job = services.start_apply(job=job, user=superuser)
    assert job.state == ImportJob.State.FAILED
    assert [(e["row"], e["column"]) for e in job.result["errors"]] == [(2, "会員番号")]


def test_a_member_deleted_between_preview_and_import_is_refused(import_file, preview, superuser):
    import_file(csv_bytes(member_rows(1)))
    job = preview(csv_bytes([member_row(0, 自宅住所1="港区芝公園4-2-8")]))
    assert job.updated_count == 1
    Member.objects.all().delete()
    job = services.start_apply(job=job, user=superuser)
    assert job.state == ImportJob.State.FAILED
    assert job.result["errors"][0]["message"].startswith(
        "この会員の登録が確認の後に変更されました(または削除されました)"
    )


def test_a_new_number_taken_between_preview_and_import_is_refused(preview, superuser):
    job = preview(csv_bytes(member_rows(3)))
    MemberFactory(user=UserFactory(username="0000003", email="other@example.jp"))
    UserFactory(username="0000002", kind=User.Kind.STAFF, email="staff@example.jp")
    job = services.start_apply(job=job, user=superuser)
    assert job.state == ImportJob.State.FAILED
    assert [(e["row"], e["column"], e["message"]) for e in job.result["errors"]] == [
        (3, "会員番号", "会員番号 0000002 は、確認の後に登録された会員またはアカウントが使っています。"),
        (4, "会員番号", "会員番号 0000003 は、確認の後に登録された会員またはアカウントが使っています。"),
    ]
    assert Member.objects.count() == 1


def test_a_lookalike_number_registered_meanwhile_is_refused(preview, superuser):
    job = preview(csv_bytes([member_row(0)]))  # 0000001
    MemberFactory(user=UserFactory(username="00000001", email="other@example.jp"))
    job = services.start_apply(job=job, user=superuser)
    assert job.state == ImportJob.State.FAILED
    assert "と先頭の0だけが違います" in job.result["errors"][0]["message"]


def test_a_cancelled_job_keeps_no_plan(preview, superuser):
    job = preview(csv_bytes(member_rows(2)))
    services.cancel_job(job=job, user=superuser)
    assert not ImportPlanChunk.objects.filter(job=job).exists()


def test_a_job_without_a_kept_plan_is_checked_again_in_full(preview, superuser):
    """A job previewed before the plans were kept (or whose plan is gone) still imports."""
    job = preview(csv_bytes(member_rows(2)))
    ImportPlanChunk.objects.filter(job=job).delete()
    job = services.start_apply(job=job, user=superuser)
    assert (job.state, job.new_count) == (ImportJob.State.APPLIED, 2)


# --- attendance ----------------------------------------------------------------------------------


def test_attendance_rows_move_with_credits_and_registrations_changed_meanwhile(preview_sheet, world, superuser):  # noqa: F811
    one, two = world["one"], world["two"]
    Credit.objects.create(
        member=world["tanaka"], session=two, credit_category_id=two.credit_category_id, points=10,
        earned_on=two.date, source=Credit.Source.ATTENDANCE,
    )  # fmt: skip
    rows = [["0050001", str(one.pk), ""], ["0050002", str(one.pk), ""], ["0050003", str(two.pk), ""]]
    job = preview_sheet(rows)
    assert counts(job) == {"new": 2, "known": 1}
    Credit.objects.filter(member=world["tanaka"]).delete()  # the credit is taken back meanwhile
    mark_attended(registration=world["registration"])  # and staff mark suzuki attended

    job = services.start_apply(job=job, user=superuser)

    assert job.state == ImportJob.State.APPLIED, job.message
    assert counts(job) == {"new": 2, "known": 1}
    known = services.rows.class_rows(job, "known")[0]
    assert [row["row"] for row in known] == [3]
    assert Credit.objects.filter(member=world["tanaka"], session=two).exists()  # no longer 登録済: imported
    assert Registration.objects.get(pk=world["registration"].pk).attended_import_job is None


def test_an_attendance_session_moved_to_the_future_refuses_the_import(preview_sheet, world, superuser):  # noqa: F811
    one = world["one"]
    job = preview_sheet([["0050001", str(one.pk), ""]])
    assert job.can_apply
    one.held_on = timezone.localdate() + datetime.timedelta(days=30)  # staff correct its date meanwhile
    one.save()
    job = services.start_apply(job=job, user=superuser)
    assert job.state == ImportJob.State.FAILED
    assert job.message == services.STALE_MESSAGE
    assert [(row, column) for row, column, _message in errors_of(job)] == [(2, "セッションID")]
    assert not Credit.objects.exists()


def test_a_stored_plan_can_hold_only_plain_values():
    """A plan is pickled; reading it back builds only containers, text, numbers and dates."""
    entries = [("n", 2, {"mailing_address": Member.MailingAddress.HOME, "birth_date": datetime.date(1985, 4, 1)})]
    assert plans.decode(plans.encode(entries)) == [
        ("n", 2, {"mailing_address": "home", "birth_date": datetime.date(1985, 4, 1)})
    ]
    with pytest.raises(pickle.UnpicklingError, match="may not hold"):
        plans.decode(zlib.compress(pickle.dumps(ImportJob.State.APPLIED)))
