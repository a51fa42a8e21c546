"""BENCH seminar_list_vs_login: the open-seminar list's median time over the login page's.

2,000 seminars (about a third open for applications today, the rest closed or not yet open,
a few unpublished), 1–3 sessions each, 10,000 members and 20,000 registrations, bulk-created.
Both pages are fetched through the Django test client in the same run, the list as a logged-in
member (with the default 10 rows a page) right after the login page anonymously
(``timing.paired_ratio``: RUNS pairs a round, the median of three rounds).
"""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from membership.models import Member, User
from renewal.models import CreditCategory, Registration, Seminar, Session
from tests.bench.timing import getter, ratios_over_anchor

SEMINARS = 2_000
MEMBERS = 10_000
RUNS = 30


def wipe():
    with connection.cursor() as cursor:
        for model in (Registration, Session, Seminar):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        cursor.execute(f"DELETE FROM {Member._meta.db_table}")
        cursor.execute(f"DELETE FROM {User._meta.db_table} WHERE kind = %s", [User.Kind.MEMBER])


def create_data():
    wipe()
    today = timezone.localdate()
    category, _ = CreditCategory.objects.get_or_create(name="技師学会・研究会", defaults={"cap": 20})
    seminars = []
    for n in range(SEMINARS):
        kind = n % 3  # 0: open today, 1: closed, 2: not open yet
        opens = today + datetime.timedelta(days=(-10, -90, 10)[kind] - n % 7)
        closes = opens + datetime.timedelta(days=(30, 40, 30)[kind])
        starts = closes + datetime.timedelta(days=5 + n % 20)
        seminars.append(
            Seminar(
                title=f"第{n + 1}回 消化器内視鏡技師研究会",
                venue="会議場",
                starts_on=starts,
                ends_on=starts,
                application_opens_on=opens,
                application_closes_on=closes,
                published=n % 50 != 0,
            )
        )
    seminars = Seminar.objects.bulk_create(seminars, batch_size=1000)
    sessions = Session.objects.bulk_create(
        [
            Session(
                seminar=seminar,
                title=f"セッション{k + 1}",
                points=10,
                credit_category=category,
                capacity=(None, 100, 5)[k],
                fee_member=(0, 3000)[n % 2],
                sort_order=k,
            )
            for n, seminar in enumerate(seminars)
            for k in range(n % 3 + 1)
        ],
        batch_size=2000,
    )
    users = User.objects.bulk_create(
        [User(username=f"8{n:06d}", kind=User.Kind.MEMBER, password="!") for n in range(MEMBERS)], batch_size=5000
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
            )
            for n, user in enumerate(users)
        ],
        batch_size=5000,
    )
    Registration.objects.bulk_create(
        [
            Registration(
                session=sessions[(n * 7 + k * 131) % len(sessions)],
                member=member,
                ticket_number=f"B{n}-{k}",
            )
            for n, member in enumerate(members)
            for k in range(2)
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics, as autovacuum keeps them in production
            for model in (Seminar, Session, Registration, Member, User):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return members[0]


@pytest.mark.django_db(transaction=True)
def test_seminar_list_vs_login():
    member = create_data()
    member_client = Client()
    member_client.force_login(member.user)
    list_url = reverse("renewal:seminars")
    assert member_client.get(list_url).context["page_obj"].paginator.count > 500
    ratios = ratios_over_anchor(
        getter(Client(), reverse("member:login")), {"listing": getter(member_client, list_url)}, runs=RUNS
    )
    wipe()
    print(f"\nBENCH seminar_list_vs_login {ratios['listing']:.2f} ratio")
