"""renewal.attendance_undo: what an attendance import's undo takes back, and which renewal
applications keep a credit (those that counted it: submitted after it, its date in their cycle)."""

import datetime

import pytest
from django.utils import timezone

from renewal import attendance, attendance_undo
from renewal.models import Credit, Registration, RenewalApplication
from tests.factories import MemberFactory
from tests.renewal.seminar_data import make_seminar, register

pytestmark = pytest.mark.django_db
JOB = 77


@pytest.fixture
def session(db):
    return make_seminar(sessions=1, elearning=True).sessions.get()  # held 2025-05-10


def imported(member, session, registration=None, participation_format=""):
    item = attendance.Attendance(
        member.pk, session.pk, registration.pk if registration else None, participation_format, row=2
    )
    attendance.mark_attended_bulk(attendances=[item], user=None, via=attendance.IMPORT, import_job=JOB)


def application(member, expires_on, state):
    return RenewalApplication.objects.create(
        member=member,
        expires_on=expires_on,
        new_expires_on=expires_on.replace(year=expires_on.year + 5),
        points_at_application=50,
        state=state,
    )


@pytest.mark.parametrize(
    ("expires_on", "state", "blocks"),
    [
        (datetime.date(2027, 3, 31), RenewalApplication.State.ISSUED, True),
        (datetime.date(2027, 3, 31), RenewalApplication.State.APPROVED, True),
        (datetime.date(2027, 3, 31), RenewalApplication.State.REJECTED, False),  # sent back: counted nothing
        (datetime.date(2027, 3, 31), RenewalApplication.State.CANCELLED, False),
        (datetime.date(2025, 3, 31), RenewalApplication.State.ISSUED, False),  # 2025-05-10 is after that cycle
    ],
)
def test_which_renewal_applications_keep_a_credit(session, expires_on, state, blocks):
    member = MemberFactory(user__username="0070001")
    imported(member, session)
    application(member, expires_on, state)

    blockers = attendance_undo.undo_blockers(import_job=JOB)

    assert bool(blockers) == blocks
    if blocks:
        label = RenewalApplication.State(state).label
        assert blockers[0].reason == (
            f"取込の後の資格更新申請({timezone.localdate():%Y/%m/%d}申請、{label})の点数に含まれています。"
        )
        with pytest.raises(attendance_undo.AttendanceUndoBlocked):
            attendance_undo.undo_import(import_job=JOB, user=None)
        assert Credit.objects.filter(member=member).exists()
    else:
        assert attendance_undo.undo_import(import_job=JOB, user=None) == attendance_undo.Undone(1, 0)
        assert not Credit.objects.exists()


def test_only_what_the_import_wrote_is_taken_back(session):
    sato, suzuki, tanaka = (MemberFactory(user__username=f"007000{n}") for n in (2, 3, 4))
    by_staff = register(sato, session)
    attendance.mark_attended(registration=by_staff)  # before the import: kept
    same_format = register(suzuki, session)  # 会場 on the sheet too: nothing to put back
    changed = register(tanaka, session)
    imported(suzuki, session, same_format, "onsite")
    item = attendance.Attendance(tanaka.pk, session.pk, changed.pk, "elearning", row=3)
    attendance.mark_attended_bulk(attendances=[item], user=None, via=attendance.IMPORT, import_job=JOB + 1)
    imported(sato, session)  # the sheet lists sato again: already credited, nothing written

    assert attendance_undo.undo_import(import_job=JOB, user=None) == attendance_undo.Undone(1, 1)

    assert sorted(Credit.objects.values_list("member__member_number", flat=True)) == ["0070002", "0070004"]
    rows = dict(Registration.objects.values_list("pk", "attended_at"))
    assert rows[by_staff.pk] is not None and rows[same_format.pk] is None and rows[changed.pk] is not None
    assert Registration.objects.get(pk=same_format.pk).participation_format == "onsite"
