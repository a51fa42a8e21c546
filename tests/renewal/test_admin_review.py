"""Reviewing imported attendance in the admin: the seminar list and page count the attendance of
members without a registration (what a sheet imports), show the セッションID where staff look (list,
page, the session on the edit form), and credits and registrations filter by seminar, session and
import job."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from renewal import attendance
from renewal.models import Credit, Registration
from tests.factories import MemberFactory
from tests.renewal.seminar_data import make_seminar, register

pytestmark = pytest.mark.django_db

SEMINARS = "wagtailsnippets_renewal_seminar"
REGISTRATIONS = "wagtailsnippets_renewal_registration"
CREDITS = "wagtailsnippets_renewal_credit"


def page(response):
    assert response.status_code == 200
    return response.content.decode()


def sheet(rows, job):
    """Attendance as the attendance import gives it: (member, session, registration or None)."""
    items = [
        attendance.Attendance(member.pk, session.pk, registration.pk if registration else None, row=n + 2)
        for n, (member, session, registration) in enumerate(rows)
    ]
    return attendance.mark_attended_bulk(attendances=items, user=None, via=attendance.IMPORT, import_job=job)


@pytest.fixture
def imported(db):
    """A seminar whose first session got 3 imported attendances (one of a registered member) and
    a registration marked by staff; its second session nothing; another seminar one import."""
    seminar = make_seminar(sessions=2)
    one, two = seminar.sessions.order_by("sort_order")
    other = make_seminar(title="機器講習会2025", starts_on=datetime.date(2025, 7, 1)).sessions.get()
    members = [MemberFactory(user__username=f"00600{n:02d}") for n in range(5)]
    registered = register(members[0], one)
    by_staff = register(members[3], one)
    attendance.mark_attended(registration=by_staff)
    sheet([(members[0], one, registered), (members[1], one, None), (members[2], one, None)], job=41)
    sheet([(members[4], other, None)], job=42)
    return {"seminar": seminar, "one": one, "two": two, "other": other, "registered": registered, "members": members}


def test_seminar_list_counts_imported_attendance_and_lists_session_ids(staff_client, imported):
    response = staff_client.get(reverse(f"{SEMINARS}:list"))
    rows = {seminar.title: seminar for seminar in response.context["object_list"]}
    seminar = rows["第91回日本消化器内視鏡技師学会"]
    # 申込 2 / 参加済 2 (one by staff, one by the sheet) / 出席(申込なし) 2 (members without a registration)
    assert (seminar.live_count, seminar.attended_count, seminar.unregistered_count) == (2, 2, 2)
    assert rows["機器講習会2025"].unregistered_count == 1
    body = page(response)
    assert "出席(申込なし)" in body
    one, two = imported["one"], imported["two"]
    assert f"ID {one.pk}: {one.title}" in body and f"ID {two.pk}: {two.title}" in body


def test_seminar_list_queries_do_not_grow_with_rows(staff_client, imported):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(reverse(f"{SEMINARS}:list")).status_code == 200
        return len(captured)

    before = queries()
    for n in range(6):
        session = make_seminar(title=f"セミナー{n}", sessions=3).sessions.first()
        sheet([(imported["members"][1], session, None)], job=50 + n)
    assert queries() == before


def test_seminar_page_shows_per_session_counts_and_links(staff_client, imported):
    one, two = imported["one"], imported["two"]
    body = page(staff_client.get(reverse(f"{SEMINARS}:inspect", args=[imported["seminar"].pk])))
    assert '<td class="unregistered-count">2件</td>' in body and '<td class="unregistered-count">0件</td>' in body
    assert f"{reverse(f'{CREDITS}:list')}?session={one.pk}" in body
    assert f"{reverse(f'{REGISTRATIONS}:list')}?session={two.pk}" in body
    assert f"{reverse('imports:attendance_template')}?session={one.pk}" in body  # the pre-filled sheet


def test_the_seminar_form_shows_each_sessions_id(staff_client, imported):
    one, two = imported["one"], imported["two"]
    body = page(staff_client.get(reverse(f"{SEMINARS}:edit", args=[imported["seminar"].pk])))
    assert f'<strong class="session-id">{one.pk}</strong>' in body
    assert f'<strong class="session-id">{two.pk}</strong>' in body
    new = page(staff_client.get(reverse(f"{SEMINARS}:add")))
    assert "セッションIDは保存すると付きます。" in new


def test_credits_filter_by_seminar_session_and_import(staff_client, imported):
    members = imported["members"]

    def listed(**params):
        response = staff_client.get(reverse(f"{CREDITS}:list"), params)
        return sorted(credit.member.member_number for credit in response.context["object_list"])

    numbers = [member.member_number for member in members]
    assert listed(seminar=imported["seminar"].pk) == numbers[:4]
    assert listed(session=imported["other"].pk) == [numbers[4]]
    assert listed(session=imported["two"].pk) == []
    assert listed(import_job=41) == numbers[:3]
    assert listed(import_job=42) == [numbers[4]]
    credit = Credit.objects.get(member=members[1])
    inspect = page(staff_client.get(reverse(f"{CREDITS}:inspect", args=[credit.pk])))
    assert f'href="{reverse("imports:job", args=[41])}"' in inspect


def test_registrations_filter_by_the_import_that_marked_them(staff_client, imported):
    def listed(**params):
        response = staff_client.get(reverse(f"{REGISTRATIONS}:list"), params)
        return [registration.pk for registration in response.context["object_list"]]

    assert listed(import_job=41) == [imported["registered"].pk]
    assert listed(import_job=42) == []
    assert len(listed(seminar=imported["seminar"].pk)) == 2
    registered = Registration.objects.get(pk=imported["registered"].pk)
    assert registered.attended_import_job == 41 and registered.attended_at <= timezone.now()
