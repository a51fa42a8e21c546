"""The dashboard (guide 2) answers "where do I stand?": unpaid invoices with the total, the
applications in progress, the latest notices, and every app's panels (membership.shell's
registry), in a number of queries that does not grow with the member's history."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction, Site

from cms_pages.models import NoticeIndexPage, NoticePage
from membership.applications import submit_application
from membership.billing.invoices import close_invoice
from membership.billing.payments import record_manual_payment
from membership.models import Invoice, MembershipApplication
from membership.shell import dashboard_panels
from renewal.models import Credit, CreditCategory
from renewal.registrations import register
from tests.factories import InvoiceFactory, MemberFactory, guest_member
from tests.renewal.factories import SeminarFactory, SessionFactory, days

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("member:dashboard")


def panel(response, css_class):
    found = re.search(rf'<section class="dash-panel {css_class}".*?</section>', response.content.decode(), re.S)
    assert found, css_class
    return found.group(0)


def panel_text(response, css_class):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", panel(response, css_class))).strip()


def test_a_member_with_unpaid_dues_sees_them_with_the_total_and_the_way_to_pay(member_client, member):
    for year in (2024, 2025):
        InvoiceFactory(member=member, fiscal_year=year)
    InvoiceFactory(
        member=member,
        category=Invoice.Category.SEMINAR_FEE,
        subject="seminar:1",
        amount=3000,
        purpose="第91回日本消化器内視鏡技師学会 参加費として",
    )
    paid = InvoiceFactory(member=member, fiscal_year=2023)
    record_manual_payment(invoice_id=paid.pk, channel=Invoice.Channel.YUCHO, paid_on=datetime.date(2023, 5, 1))
    cancelled = InvoiceFactory(member=member, fiscal_year=2022)
    close_invoice(invoice_id=cancelled.pk, status=Invoice.Status.CANCELLED, reason="誤請求")
    InvoiceFactory(fiscal_year=2025)  # another member's

    response = member_client.get(DASHBOARD)
    text = panel_text(response, "dash-unpaid")
    assert "2024年度 会費 5,000円" in text and "2025年度 会費 5,000円" in text
    assert "参加費 第91回日本消化器内視鏡技師学会 参加費として 3,000円" in text
    assert "2023年度" not in text and "2022年度" not in text
    assert "未納 3件 合計 13,000円" in text
    assert reverse("member:dues") in panel(response, "dash-unpaid")


def test_many_unpaid_invoices_list_the_oldest_and_count_them_all(member_client, member):
    for year in range(2018, 2026):
        InvoiceFactory(member=member, fiscal_year=year)
    text = panel_text(member_client.get(DASHBOARD), "dash-unpaid")
    assert "2018年度" in text and "2022年度" in text and "2023年度" not in text
    assert "ほか3件" in text and "未納 8件 合計 40,000円" in text


def test_nothing_unpaid_says_so(member_client):
    assert "未納の請求はありません。" in panel_text(member_client.get(DASHBOARD), "dash-unpaid")


def test_applications_in_progress_link_to_their_page(member_client, member):
    assert "申請中の手続きはありません。" in panel_text(member_client.get(DASHBOARD), "dash-applications")
    submit_application(
        member=member,
        kind=MembershipApplication.Kind.LEAVE,
        effective_on=timezone.localdate() + datetime.timedelta(days=14),
        leave_reason=MembershipApplication.LeaveReason.CHILDCARE,
    )
    response = member_client.get(DASHBOARD)
    text = panel_text(response, "dash-applications")
    assert "休会申請" in text and "事務局確認中" in text
    assert reverse("member:application_leave") in panel(response, "dash-applications")


@pytest.fixture
def notices():
    """Five notices, newest last: a members-only one among the latest three."""
    root = Site.objects.get(is_default_site=True).root_page
    index = root.add_child(instance=NoticeIndexPage(title="お知らせ", slug="notices"))
    pages = []
    for n in range(5):
        notice = index.add_child(
            instance=NoticePage(title=f"お知らせ{n + 1}", date=datetime.date(2026, 1, 1 + n), body="<p>本文</p>")
        )
        pages.append(notice)
    PageViewRestriction.objects.create(page=pages[3], restriction_type=PageViewRestriction.LOGIN)
    return pages


def test_the_latest_three_notices_members_only_ones_marked(member_client, notices):
    response = member_client.get(DASHBOARD)
    html = panel(response, "dash-notices")
    titles = re.findall(r">(お知らせ\d)</a>", html)
    assert titles == ["お知らせ5", "お知らせ4", "お知らせ3"]
    assert html.count("会員限定") == 1 and re.search(r"会員限定</span>\s*<a [^>]*>お知らせ4<", html)
    for notice in notices[2:]:
        assert f'href="{notice.url}"' in html
    assert reverse("member:notices") in html


def test_a_guest_sees_only_public_notices(client, notices):
    guest = guest_member()
    client.force_login(guest.user)
    titles = re.findall(r">(お知らせ\d)</a>", panel(client.get(DASHBOARD), "dash-notices"))
    assert titles == ["お知らせ5", "お知らせ3", "お知らせ2"]


def test_a_guest_account_without_a_profile_sees_the_notices_only(client, notices):
    from membership.models import User

    guest = User.objects.create_user(username="G0000123", password="Guest2026pass", kind=User.Kind.GUEST)
    client.force_login(guest)
    response = client.get(DASHBOARD)
    assert [shown.name for shown in dashboard_panels(response.wsgi_request)] == ["notices"]


def history(member, credits, invoices, registrations):
    categories = list(CreditCategory.objects.all())
    Credit.objects.bulk_create(
        Credit(
            member=member,
            credit_category=categories[n % len(categories)],
            points=1 + n % 5,
            earned_on=datetime.date(2024, 4, 1) + datetime.timedelta(days=n % 700),
            source=Credit.Source.CERTIFICATE,
            title=f"証明書{n}",
        )
        for n in range(credits)
    )
    for year in range(2026 - invoices, 2026):
        InvoiceFactory(member=member, fiscal_year=year)
    for n in range(registrations):
        seminar = SeminarFactory(starts_on=days(10 + n), ends_on=days(10 + n))
        register(member=member, session=SessionFactory(seminar=seminar, fee_member=1000), participation_format="onsite")


def count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DASHBOARD).status_code == 200
    return len(queries)


def test_query_count_is_the_same_for_5_and_500_credits(client, notices):
    few = MemberFactory(certification_expires_on=datetime.date(2028, 3, 31))
    many = MemberFactory(certification_expires_on=datetime.date(2028, 3, 31))
    history(few, credits=5, invoices=2, registrations=1)
    history(many, credits=500, invoices=9, registrations=6)
    submit_application(
        member=many,
        kind=MembershipApplication.Kind.WITHDRAWAL,
        effective_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    submit_application(
        member=few,
        kind=MembershipApplication.Kind.WITHDRAWAL,
        effective_on=timezone.localdate() + datetime.timedelta(days=30),
    )

    client.force_login(few.user)
    count_queries(client)  # the first request of a session also loads site settings and the like
    queries_few = count_queries(client)
    client.force_login(many.user)
    count_queries(client)
    queries_many = count_queries(client)
    assert queries_many == queries_few
    body = client.get(DASHBOARD).content.decode()
    assert "未納 " in body and "第" in body  # the panels had rows to show
