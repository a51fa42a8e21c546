"""参加済 has one owner, ``renewal.attendance``: the admin's row action and bulk action go through
it (and so does the attendance import: tests/imports/test_attendance_import.py); it marks the
registration, creates the session's credit once per member and writes the history entry."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from core import bulk
from renewal import attendance
from renewal.models import Credit, Registration, Session
from tests.factories import MemberFactory
from tests.renewal.seminar_data import make_seminar, register

pytestmark = pytest.mark.django_db

REGISTRATIONS = "wagtailsnippets_renewal_registration"


@pytest.fixture
def spy(monkeypatch):
    """Wrap a service of renewal.attendance; the keyword arguments of each call are recorded."""

    def wrap(name):
        calls = []
        original = getattr(attendance, name)

        def recording(**kwargs):
            calls.append(kwargs)
            return original(**kwargs)

        monkeypatch.setattr(attendance, name, recording)
        return calls

    return wrap


@pytest.fixture
def session(db):
    return make_seminar().sessions.get()


@pytest.fixture
def sato(db):
    return MemberFactory(user__username="0060001")


@pytest.fixture
def suzuki(db):
    return MemberFactory(user__username="0060002")


def entries(registration):
    return ModelLogEntry.objects.filter(object_id=str(registration.pk), action=attendance.ATTENDED_ACTION)


def test_the_row_action_goes_through_the_attendance_service(staff_client, staff_user, spy, sato, session):
    calls = spy("mark_attended")
    registration = register(sato, session)
    url = reverse(f"{REGISTRATIONS}:attend", args=[registration.pk])

    assert staff_client.post(url).status_code == 302
    staff_client.post(url)  # a second click: refused by the service, nothing doubled

    assert calls == [{"registration_id": registration.pk, "user": staff_user, "via": attendance.ADMIN}] * 2
    assert Credit.objects.filter(member=sato, session=session).count() == 1
    entry = entries(registration).get()
    assert entry.user == staff_user and entry.data == {"via": "admin", "credit_created": True}


def test_the_bulk_action_goes_through_the_attendance_service(staff_client, staff_user, spy, sato, suzuki, session):
    calls = spy("mark_attended_bulk")
    first, second = register(sato, session), register(suzuki, session)
    attendance.award_credit(member=suzuki, session=session, source=Credit.Source.IMPORT)  # e.g. a sheet came first
    url = reverse("wagtail_bulk_action", args=["renewal", "registration", "mark_attended"])

    response = staff_client.post(f"{url}?id={first.pk}&id={second.pk}", follow=True)

    assert "2件の参加申込を参加済にしました。" in response.content.decode()
    assert len(calls) == 1
    assert sorted(calls[0]["registration_ids"]) == sorted([first.pk, second.pk])
    assert (calls[0]["user"], calls[0]["via"]) == (staff_user, attendance.BULK)
    assert Credit.objects.filter(session=session).count() == 2
    assert Credit.objects.get(member=suzuki).source == Credit.Source.IMPORT  # not doubled, not replaced
    assert entries(first).get().data == {"via": "bulk", "credit_created": True}
    assert entries(second).get().data == {"via": "bulk", "credit_created": False}


def test_the_admin_actions_write_nothing_themselves(staff_client, monkeypatch, sato, suzuki, session):
    """With the service replaced by a stub, neither action marks, credits or logs anything."""
    monkeypatch.setattr(
        attendance, "mark_attended", lambda **kwargs: Registration.objects.get(pk=kwargs["registration_id"])
    )
    monkeypatch.setattr(attendance, "mark_attended_bulk", lambda **kwargs: attendance.Marked())
    first, second = register(sato, session), register(suzuki, session)

    staff_client.post(reverse(f"{REGISTRATIONS}:attend", args=[first.pk]))
    url = reverse("wagtail_bulk_action", args=["renewal", "registration", "mark_attended"])
    staff_client.post(f"{url}?id={second.pk}")

    assert not Credit.objects.exists()
    assert not Registration.objects.exclude(attended_at=None).exists()
    assert not ModelLogEntry.objects.filter(action=attendance.ATTENDED_ACTION).exists()


def test_mark_attended_refuses_cancelled_and_attended_registrations(staff_user, sato, suzuki, session):
    cancelled = register(sato, session, state=Registration.State.CANCELLED)
    attended = register(suzuki, session, attended_at=timezone.now())
    with pytest.raises(attendance.AttendanceError, match="取消された参加申込は参加済にできません。"):
        attendance.mark_attended(registration_id=cancelled.pk, user=staff_user)
    with pytest.raises(attendance.AttendanceError, match="に参加済になっています。"):
        attendance.mark_attended(registration_id=attended.pk, user=staff_user)
    assert not Credit.objects.exists() and not ModelLogEntry.objects.filter(action=attendance.ATTENDED_ACTION)


def test_bulk_leaves_registrations_changed_meanwhile_alone(staff_user, sato, suzuki, session):
    live = register(sato, session)
    cancelled = register(suzuki, session, state=Registration.State.CANCELLED)

    done = attendance.mark_attended_bulk(registration_ids=[live.pk, cancelled.pk], user=staff_user)

    assert done.marked == {live.pk} and done.credited == {(sato.pk, session.pk)}
    assert list(Credit.objects.values_list("member_id", flat=True)) == [sato.pk]
    assert Registration.objects.get(pk=cancelled.pk).attended_at is None
    assert not entries(cancelled).exists()


def test_a_sheet_row_gives_the_credit_once_and_marks_the_registration(staff_user, sato, suzuki, session):
    registration = register(suzuki, session)
    rows = [
        attendance.Attendance(sato.pk, session.pk, row=2, label="学会"),
        attendance.Attendance(suzuki.pk, session.pk, registration.pk, "elearning", row=3, label="学会"),
    ]

    done = attendance.mark_attended_bulk(attendances=rows, user=staff_user, via=attendance.IMPORT, import_job=7)
    again = attendance.mark_attended_bulk(attendances=rows, user=staff_user, via=attendance.IMPORT, import_job=8)

    assert done.credited == {(sato.pk, session.pk), (suzuki.pk, session.pk)} and done.marked == {registration.pk}
    assert again.credited == set() and again.marked == set()
    assert set(Credit.objects.values_list("member_id", "source", "import_job")) == {
        (sato.pk, "import", 7),
        (suzuki.pk, "import", 7),
    }
    registration.refresh_from_db()
    assert registration.attended_at == done.at and registration.participation_format == "elearning"
    assert registration.attended_import_job == 7  # what the import's undo unmarks
    # The 参加形態 the sheet replaced, for the undo to put back.
    assert entries(registration).get().data == {"via": "import", "import_job": 7, "row": 3, "format_before": "onsite"}


def test_a_large_sheet_gives_only_the_credits_not_given_before(staff_user, session):
    """More rows than go in one INSERT: on PostgreSQL they are copied straight into the table,
    and since one credit was given before, copied again past the taken key, never doubled."""
    members = [MemberFactory(user__username=f"00700{n:02d}") for n in range(bulk.FEW_ROWS + 5)]
    given_before = members[3]
    attendance.award_credit(member=given_before, session=session, source=Credit.Source.ATTENDANCE)
    rows = [attendance.Attendance(m.pk, session.pk, row=n, label="学会") for n, m in enumerate(members, start=2)]

    done = attendance.mark_attended_bulk(attendances=rows, user=staff_user, via=attendance.IMPORT, import_job=7)

    assert done.credited == {(member.pk, session.pk) for member in members if member != given_before}
    assert Credit.objects.filter(session=session).count() == len(members)
    assert Credit.objects.get(member=given_before).source == Credit.Source.ATTENDANCE  # the earlier one, kept
    again = attendance.mark_attended_bulk(attendances=rows, user=staff_user, via=attendance.IMPORT, import_job=8)
    assert again.credited == set() and Credit.objects.filter(session=session).count() == len(members)


# --- a credit only for a session held ------------------------------------------------------------


@pytest.fixture
def upcoming(db):
    """A session two weeks ahead (Asia/Tokyo), e.g. imported on 12/07 for a seminar on 12/21."""
    day = timezone.localdate() + datetime.timedelta(days=14)
    return make_seminar(title="第92回日本消化器内視鏡技師学会", starts_on=day).sessions.get(), day


def test_a_session_not_held_yet_cannot_be_marked_attended(staff_client, staff_user, sato, upcoming):
    session, day = upcoming
    registration = register(sato, session)
    reason = f"開催日({day:%Y/%m/%d})がまだ来ていないセッションです。"

    with pytest.raises(attendance.AttendanceError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        attendance.mark_attended(registration_id=registration.pk, user=staff_user)
    page = staff_client.get(reverse(f"{REGISTRATIONS}:attend", args=[registration.pk])).content.decode()
    assert reason in page  # the admin's confirm page says why instead of offering the button
    staff_client.post(reverse(f"{REGISTRATIONS}:attend", args=[registration.pk]))
    url = reverse("wagtail_bulk_action", args=["renewal", "registration", "mark_attended"])
    staff_client.post(f"{url}?id={registration.pk}")
    done = attendance.mark_attended_bulk(registration_ids=[registration.pk], user=staff_user)

    assert done.marked == set() and done.credited == set()
    assert not Credit.objects.exists() and Registration.objects.get(pk=registration.pk).attended_at is None


def test_on_the_session_day_it_can(staff_user, sato, upcoming):
    session, day = upcoming
    Session.objects.filter(pk=session.pk).update(held_on=timezone.localdate())  # staff corrected the date
    registration = register(sato, session)
    attendance.mark_attended(registration_id=registration.pk, user=staff_user)
    assert Credit.objects.get(member=sato).earned_on == timezone.localdate()


def test_the_writer_refuses_a_sheet_row_for_a_session_not_held(staff_user, sato, upcoming):
    session, _day = upcoming
    row = attendance.Attendance(sato.pk, session.pk, row=2, label="学会")
    with pytest.raises(attendance.AttendanceError, match="まだ来ていないセッション"):
        attendance.mark_attended_bulk(attendances=[row], user=staff_user, via=attendance.IMPORT, import_job=1)
    assert not Credit.objects.exists()


def test_the_session_day_is_the_day_in_tokyo():
    """At 00:30 in Tokyo on the session's day it is still the day before in UTC: it is held."""
    tokyo_midnight = datetime.datetime(2026, 12, 21, 0, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
    assert attendance.not_held_refusal(datetime.date(2026, 12, 21), today=timezone.localdate(tokyo_midnight)) == ""
    assert attendance.not_held_refusal(datetime.date(2026, 12, 22), today=timezone.localdate(tokyo_midnight))
