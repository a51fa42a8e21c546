"""A society with a long past, for the members-area benchmarks: MEMBERS members with YEARS years
of history each (dues invoices, paid with receipt numbers; credits; seminar registrations),
written with ``COPY`` (core.bulk) so that building it takes seconds, not minutes.

Every member has the same shape of history, so any member stands for all of them; ``build``
returns the first, whose receipt and admission ticket the benchmarks download.
"""

import datetime

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection
from django.test import Client
from django.utils import timezone

from core.bulk import insert_rows
from core.dates import current_fiscal_year
from membership.models import Invoice, Member, Receipt, User
from renewal.models import Credit, CreditCategory, Registration, Seminar, Session

MEMBERS = 10_000
YEARS = 20
SEMINARS_A_YEAR = 10
CREDITS_A_YEAR = 2
PASSWORD = "Bench2026pass"
MEMBERS_LOGGED_IN = 200
# The benchmark server's SECRET_KEY: the sessions the benchmark signs must be valid there.
SECRET_KEY = "bench-" + "k" * 60
TABLES = (Receipt, Credit, Registration, Invoice, Session, Seminar, Member)


def wipe():
    """Remove the members, their history and every session (whatever else refers to them too:
    a benchmark stopped half-way may have left payments behind)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = ", ".join(model._meta.db_table for model in (Member, Seminar, DjangoSession))
            cursor.execute(f"TRUNCATE {tables} CASCADE")
        else:
            for model in (*TABLES, DjangoSession):
                cursor.execute(f"DELETE FROM {model._meta.db_table}")
        cursor.execute(f"DELETE FROM {User._meta.db_table} WHERE kind = %s", [User.Kind.MEMBER])


def session_cookies(count):
    """Session cookies of the first ``count`` members, logged in as the login page would."""
    cookies = []
    for member in Member.objects.select_related("user").order_by("pk")[:count]:
        client = Client()
        client.force_login(member.user)
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}")
    return cookies


def build(members=MEMBERS, years=YEARS):
    """Create the society; the first member (a ``Member`` with its user)."""
    wipe()
    today = timezone.localdate()
    this_year = current_fiscal_year()
    first_year = this_year - years + 1
    expiry = datetime.date(today.year + 2, 3, 31)
    if not CreditCategory.objects.exists():  # come with the migrations; a transactional test flushed them
        CreditCategory.objects.create(name="技師学会・研究会", cap=20)
    categories = list(CreditCategory.objects.order_by("sort_order", "pk").values_list("pk", flat=True))
    password = make_password(PASSWORD)  # one hash for all: hashing 10,000 times would take minutes
    now = timezone.now()
    user_ids = insert_rows(
        User,
        (
            {"username": f"9{n:06d}", "password": password, "kind": User.Kind.MEMBER, "email": f"hist{n}@example.jp",
             "password_changed_at": now, "date_joined": now, "is_active": True, "first_name": "", "last_name": ""}
            for n in range(members)
        ),
        return_ids=True,
        id_lookup="username",
    )  # fmt: skip
    member_ids = insert_rows(
        Member,
        (
            {"user_id": user_id, "member_number": f"9{n:06d}", "family_name": "試験", "given_name": f"会員{n}",
             "family_name_kana": "シケン", "given_name_kana": "カイイン", "certification_number": f"H{n:06d}",
             "certification_expires_on": expiry, "joined_on": datetime.date(first_year, 4, 1),
             "home_prefecture": "東京都", "home_address1": "千代田区1-1"}
            for n, user_id in enumerate(user_ids)
        ),
        return_ids=True,
        id_lookup="member_number",
    )  # fmt: skip
    insert_rows(
        Invoice,
        (
            {"member_id": member_id, "category": Invoice.Category.DUES, "fiscal_year": year, "subject": f"dues:{year}",
             "amount": 5000, "member_status_at_billing": Member.Status.ACTIVE,
             **({"status": Invoice.Status.PAID, "paid_on": datetime.date(year, 5, 1), "paid_amount": 5000,
                 "channel": Invoice.Channel.YUCHO, "receipt_number": f"R{year}-{n:06d}"}
                if year < this_year else {"status": Invoice.Status.UNPAID})}
            for n, member_id in enumerate(member_ids)
            for year in range(first_year, this_year + 1)
        ),
    )  # fmt: skip
    seminars = Seminar.objects.bulk_create(
        [
            Seminar(title=f"{year}年 第{k + 1}回 消化器内視鏡技師研究会", venue="会議場", starts_on=starts,
                    ends_on=starts, application_opens_on=starts - datetime.timedelta(days=60),
                    application_closes_on=starts - datetime.timedelta(days=10))
            for year in range(first_year, this_year + 2)
            for k in range(SEMINARS_A_YEAR)
            for starts in [datetime.date(year, 4, 20) + datetime.timedelta(days=30 * k)]
        ]
    )  # fmt: skip
    sessions = Session.objects.bulk_create(
        [Session(seminar=seminar, title="研究会", points=5, credit_category_id=categories[0]) for seminar in seminars]
    )
    past = [session for session in sessions if session.seminar.starts_on < today]
    upcoming = [session for session in sessions if session.seminar.starts_on > today]
    # One seminar a year attended (with its credit), and one upcoming registration with a ticket.
    attended = past[::SEMINARS_A_YEAR][-years:]
    insert_rows(
        Registration,
        (
            {"session_id": session.pk, "member_id": member_id, "state": Registration.State.APPLIED,
             "participation_format": Registration.Format.ONSITE, "ticket_number": f"T{session.pk}-{n}",
             "attended_at": now if session.seminar.starts_on < today else None}
            for n, member_id in enumerate(member_ids)
            for session in [*attended, upcoming[0]]
        ),
    )  # fmt: skip
    insert_rows(
        Credit,
        (
            {"member_id": member_id, "credit_category_id": categories[k % len(categories)], "points": 1 + k % 3,
             "earned_on": datetime.date(first_year + k // CREDITS_A_YEAR, 6 + k % CREDITS_A_YEAR, 1),
             "source": Credit.Source.CERTIFICATE, "title": "ベンチマーク"}
            for member_id in member_ids
            for k in range(years * CREDITS_A_YEAR)
        ),
    )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics, as autovacuum keeps them in production
            for model in (User, *TABLES):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return Member.objects.select_related("user").get(pk=member_ids[0])
