"""Times in the admin are Asia/Tokyo everywhere staff see them: listings, inspect (詳細) pages,
CSV/XLSX exports (ours and Wagtail's own reports), and the titles built from a row; yes/no
fields read はい / いいえ (core.admin_display).

The moment used is 2026-12-06 19:28 UTC, which is 2026-12-07 04:28 in Tokyo: a page showing
UTC shows the wrong day as well as the wrong hour."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import log

from membership import applications
from membership.models import GatewayNotification, MembershipApplication
from tests.factories import MemberFactory
from tests.renewal.factories import SeminarFactory
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db

LATE_EVENING_UTC = datetime.datetime(2026, 12, 6, 19, 28, tzinfo=datetime.UTC)
TOKYO = "2026/12/07 04:28"
UTC_SHOWN = ("19:28", "2026年12月6日", "2026/12/06")
APPLICATIONS = "wagtailsnippets_membership_membershipapplication"


@pytest.fixture
def application(db):
    """A leave application sent late in the evening UTC (early morning in Tokyo), decided the
    same moment."""
    submitted = applications.submit_application(
        member=MemberFactory(member_number="0040001"),
        kind=MembershipApplication.Kind.LEAVE,
        effective_on=datetime.date(2027, 1, 1),
        leave_reason="illness",
    )
    MembershipApplication.objects.filter(pk=submitted.pk).update(
        submitted_at=LATE_EVENING_UTC, decided_at=LATE_EVENING_UTC
    )
    return submitted


def assert_tokyo(text):
    assert TOKYO in text
    for utc in UTC_SHOWN:
        assert utc not in text, f"{utc!r} is the UTC time"


def test_listing_and_inspect_page_show_the_time_in_tokyo(staff_client, application):
    assert_tokyo(staff_client.get(reverse(f"{APPLICATIONS}:list")).text)
    inspect = staff_client.get(reverse(f"{APPLICATIONS}:inspect", args=[application.pk])).text
    assert_tokyo(inspect)
    assert inspect.count(TOKYO) == 2  # 申請日時 and 判断日時


def test_a_members_registration_time_reads_in_tokyo(staff_client):
    """会員 › 詳細: 登録日時 (an inspect view of its own, not the read-only kit's)."""
    member = MemberFactory(member_number="0040002")
    type(member).objects.filter(pk=member.pk).update(created_at=LATE_EVENING_UTC, updated_at=LATE_EVENING_UTC)
    page = staff_client.get(reverse("wagtailsnippets_membership_member:inspect", args=[member.pk])).text
    assert_tokyo(page)


def read(response):
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_csv_and_xlsx_exports_write_the_time_in_tokyo(staff_client, application):
    url = reverse(f"{APPLICATIONS}:list")
    rows = list(csv.reader(io.StringIO(read(staff_client.get(url, {"export": "csv"})).decode("utf-8-sig"))))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["申請日時"], row["判断日時"]) == ("2026-12-07 04:28", "2026-12-07 04:28")

    sheet = openpyxl.load_workbook(io.BytesIO(read(staff_client.get(url, {"export": "xlsx"})))).active
    heading, values = list(sheet.iter_rows(values_only=True))[:2]
    assert values[heading.index("申請日時")] == datetime.datetime(2026, 12, 7, 4, 28)


def test_wagtails_own_report_exports_write_the_time_in_tokyo(client, admin_user):
    """The site history report (editors export it) goes through Wagtail's export, not ours."""
    seminar = SeminarFactory()
    entry = log(instance=seminar, action="wagtail.create", user=admin_user)
    type(entry).objects.filter(pk=entry.pk).update(timestamp=LATE_EVENING_UTC)
    log_in_staff(client, admin_user)
    url = reverse("wagtailadmin_reports:site_history")
    content = read(client.get(url, {"export": "csv"})).decode("utf-8")
    assert "2026-12-07 04:28" in content and "19:28" not in content
    sheet = openpyxl.load_workbook(io.BytesIO(read(client.get(url, {"export": "xlsx"})))).active
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert datetime.datetime(2026, 12, 7, 4, 28) in cells


def test_a_notifications_title_shows_its_time_in_tokyo(staff_client):
    notification = GatewayNotification.objects.create(
        received_at=LATE_EVENING_UTC, order_id="D2026-0000001", status="CAPTURE", body="{}"
    )
    assert str(notification).startswith(TOKYO)
    page = staff_client.get(
        reverse("wagtailsnippets_membership_gatewaynotification:inspect", args=[notification.pk])
    ).text
    assert_tokyo(page)


def test_yes_no_fields_read_in_japanese_on_the_inspect_page(staff_client):
    seminar = SeminarFactory(onsite=True, elearning=False)
    page = staff_client.get(reverse("wagtailsnippets_renewal_seminar:inspect", args=[seminar.pk])).text
    assert "はい" in page and "いいえ" in page
    assert "True" not in page and "False" not in page


def test_dates_on_the_inspect_page_are_written_as_in_the_listings(staff_client):
    seminar = SeminarFactory(application_closes_on=datetime.date(2027, 1, 6))
    page = staff_client.get(reverse("wagtailsnippets_renewal_seminar:inspect", args=[seminar.pk])).text
    assert "2027/01/06" in page and "2027年1月6日" not in page


def test_staff_cannot_switch_the_admin_to_another_time_zone(staff_client, staff_user):
    """One time zone on offer: the account page has no time-zone choice to make."""
    page = staff_client.get(reverse("wagtailadmin_account")).text
    assert "UTC" not in page and "America/New_York" not in page
    assert timezone.get_default_timezone_name() == "Asia/Tokyo"
