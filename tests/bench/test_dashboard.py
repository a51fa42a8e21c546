"""BENCH dashboard_vs_dues: the dashboard's median time over the dues page's (会費支払い明細).

One member with a long history: 500 credits over the current cycle, ten years of dues (two
unpaid), six upcoming registrations (three with an unpaid fee), an application waiting for the
secretariat, and five notices (one members-only); plus 2,000 other members with 20 credits
each, so that the credit table is not trivially small. Both pages are fetched for that member
through the Django test client in the same run, each dashboard fetch right after a dues fetch
(``timing.paired_ratio``, RUNS pairs a round, the median of three rounds); the data is created inside the test's transaction and
rolled back afterwards.

The dashboard reads more than the dues page: 15 queries against 8 (6 of them shared: session,
account, member, site, society settings, the menu's extension check), each panel a fixed number
whatever the history, so the ratio does not grow with it.
"""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction, Site

from cms_pages.models import NoticeIndexPage, NoticePage
from core.dates import current_fiscal_year
from membership.applications import submit_application
from membership.billing.dues import dues_subject
from membership.billing.invoices import create_invoice
from membership.billing.payments import record_manual_payment
from membership.models import Invoice, Member, MembershipApplication, User
from renewal.models import Credit, CreditCategory, Seminar, Session
from renewal.registrations import register
from tests.bench.timing import getter, ratios_over_anchor

OTHER_MEMBERS = 2_000
CREDITS = 500
RUNS = 30


def create_data():
    today = timezone.localdate()
    expiry = datetime.date(today.year + 2, 3, 31)
    categories = list(CreditCategory.objects.order_by("sort_order", "pk"))
    assert categories, "the credit categories come with the migrations"
    users = User.objects.bulk_create(
        [
            User(username=f"7{n:06d}", kind=User.Kind.MEMBER, password="!", email=f"dash-bench{n}@example.jp")
            for n in range(OTHER_MEMBERS + 1)
        ],
        batch_size=5000,
    )
    members = Member.objects.bulk_create(
        [
            Member(
                user_id=user.pk,
                member_number=user.username,
                family_name="試験",
                given_name=f"会員{n}",
                family_name_kana="シケン",
                given_name_kana="カイイン",
                certification_number=f"G{n:06d}",
                certification_expires_on=expiry,
            )
            for n, user in enumerate(users)
        ],
        batch_size=5000,
    )
    member = members[0]
    cycle_start = expiry.replace(year=expiry.year - 5) + datetime.timedelta(days=1)
    Credit.objects.bulk_create(
        [
            Credit(
                member_id=owner.pk,
                credit_category_id=categories[k % len(categories)].pk,
                points=1 + k % 3,
                earned_on=cycle_start + datetime.timedelta(days=(k * 7) % 1500),
                source=Credit.Source.CERTIFICATE,
                title="ベンチマーク",
            )
            for owner, count in [(member, CREDITS)] + [(other, 20) for other in members[1:]]
            for k in range(count)
        ],
        batch_size=5000,
    )
    this_year = current_fiscal_year()
    for year in range(this_year - 9, this_year + 1):
        invoice = create_invoice(
            member=member, category=Invoice.Category.DUES, fiscal_year=year, subject=dues_subject(year), amount=5000
        )
        if year < this_year - 1:
            record_manual_payment(
                invoice_id=invoice.pk, channel=Invoice.Channel.YUCHO, paid_on=datetime.date(year, 5, 1), notify=False
            )
    for n in range(6):
        starts = today + datetime.timedelta(days=10 + 15 * n)
        seminar = Seminar.objects.create(
            title=f"第{n + 1}回 消化器内視鏡技師研究会",
            venue="会議場",
            starts_on=starts,
            ends_on=starts,
            application_opens_on=today - datetime.timedelta(days=5),
            application_closes_on=today + datetime.timedelta(days=5),
        )
        session = Session.objects.create(
            seminar=seminar, title="研究会", points=10, credit_category=categories[0], fee_member=3000 * (n % 2)
        )
        register(member=member, session=session, participation_format="onsite")
    submit_application(
        member=member,
        kind=MembershipApplication.Kind.LEAVE,
        effective_on=today + datetime.timedelta(days=14),
        leave_reason=MembershipApplication.LeaveReason.CHILDCARE,
    )
    index = Site.objects.get(is_default_site=True).root_page.add_child(
        instance=NoticeIndexPage(title="お知らせ", slug="bench-notices")
    )
    for n in range(5):
        notice = index.add_child(instance=NoticePage(title=f"お知らせ{n}", date=today, body="<p>本文</p>"))
        if n == 3:
            PageViewRestriction.objects.create(page=notice, restriction_type=PageViewRestriction.LOGIN)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics, as autovacuum keeps them in production
            for model in (Credit, Member, Invoice):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return Member.objects.select_related("user").get(pk=member.pk)


@pytest.mark.django_db
def test_dashboard_vs_dues():
    member = create_data()
    client = Client()
    client.force_login(member.user)
    dashboard_url, dues_url = reverse("member:dashboard"), reverse("member:dues")
    body = client.get(dashboard_url).content.decode()
    assert "未納 5件" in body and "第1回 消化器内視鏡技師研究会" in body and "お知らせ4" in body
    # Each dashboard fetch right after a dues fetch, so that both see the same machine load.
    ratios = ratios_over_anchor(getter(client, dues_url), {"dashboard": getter(client, dashboard_url)}, runs=RUNS)
    print(f"\nBENCH dashboard_vs_dues {ratios['dashboard']:.2f} ratio")
